"""The aiohttp app of ``python -m bot serve``: Telegram's webhook and /healthz.

The webhook path checks ``X-Telegram-Bot-Api-Secret-Token`` in constant time; a wrong or
missing token gets 403 and nothing is processed. A body that is not an update (not JSON, not
an object, nested too deep, over 1 MiB, fields of the wrong kind) gets 400 and a log line, and
affects nothing else. An update is stored in the inbox before the 200 (:mod:`bot.inbox`), then
goes to PTB's update queue (the documented way to run PTB inside one's own server); if the
store fails the answer is 503 and Telegram sends the update again. A redelivered
``update_id`` gets its 200 and is not handled again.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app import Services
from bot.intake import Intake
from bot.web.calendar import add_calendar_routes

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PTB_KEY = web.AppKey("ptb", Application)
SERVICES_KEY = web.AppKey("services", Services)
INTAKE_KEY = web.AppKey("intake", Intake)


def create_web_app(application: Application, services: Services, intake: Intake) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[PTB_KEY] = application
    app[SERVICES_KEY] = services
    app[INTAKE_KEY] = intake
    app.router.add_post(services.settings.webhook_path, webhook)
    app.router.add_get("/healthz", healthz)
    add_calendar_routes(app, services)  # agenda: calendar subscriptions
    return app


async def webhook(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES_KEY]
    expected = services.settings.webhook_secret or ""
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("webhook call with a wrong secret token from %s", request.remote)
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    application: Application = request.app[PTB_KEY]
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _refused(request, f"body over {MAX_BODY} bytes")
    try:
        text = body.decode("utf-8")
        update = _parse(text, application)
    except RecursionError:
        return _refused(request, "JSON nested too deep")
    except _NotAnUpdate as exc:
        return _refused(request, str(exc))
    except Exception as exc:  # noqa: BLE001 - whatever PTB makes of a malformed update: refused
        return _refused(request, f"not a valid update ({type(exc).__name__})")
    try:
        await request.app[INTAKE_KEY].receive([update], [text])
    except Exception:  # noqa: BLE001 - not stored: not acknowledged, Telegram sends it again
        log.error("could not store update %s in the inbox; answering 503", update.update_id, exc_info=True)
        return web.json_response({"ok": False, "error": "try again later"}, status=503)
    return web.json_response({"ok": True})


class _NotAnUpdate(ValueError):
    """The body parsed, but is not a Telegram update."""


def _parse(text: str, application: Application) -> Update:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _NotAnUpdate(f"not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise _NotAnUpdate(f"a JSON {type(data).__name__}, not an object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < 2**63:
        raise _NotAnUpdate("no valid update_id")
    update = Update.de_json(data, application.bot)
    if update is None:
        raise _NotAnUpdate("empty update")
    return update


def _refused(request: web.Request, reason: str) -> web.Response:
    log.warning("webhook: malformed update refused with 400 (%s) from %s", reason, request.remote)
    return web.json_response({"ok": False, "error": "bad update"}, status=400)


async def healthz(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES_KEY]
    database_ok = await services.db.ping()
    pack = services.content.current.pack
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "down",
        "content": {
            "event": pack.event.id,
            "version": pack.version,
            "sessions": len(pack.sessions),
            "faq": len(pack.faq),
            "loaded_at": services.content.current.loaded_at.isoformat(),
            "last_reload_error": services.content.last_error_count,
        },
        "answer_model": services.content.current.engine.semantic_status(),
    }
    return web.json_response(body, status=200 if database_ok else 503)
