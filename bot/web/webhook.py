"""The aiohttp app of ``python -m bot serve``: Telegram's webhook and /healthz.

The webhook path checks ``X-Telegram-Bot-Api-Secret-Token`` in constant time; a wrong or
missing token gets 403 and nothing is processed. Accepted updates go to PTB's update queue
(the documented way to run PTB inside one's own server); on shutdown the server first stops
accepting requests, then PTB drains the queue, so an acknowledged update is never dropped.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app import Services

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PTB_KEY = web.AppKey("ptb", Application)
SERVICES_KEY = web.AppKey("services", Services)


def create_web_app(application: Application, services: Services) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[PTB_KEY] = application
    app[SERVICES_KEY] = services
    app.router.add_post(services.settings.webhook_path, webhook)
    app.router.add_get("/healthz", healthz)
    return app


async def webhook(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES_KEY]
    expected = services.settings.webhook_secret or ""
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("webhook call with a wrong secret token from %s", request.remote)
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    try:
        data = await request.json()
        if not isinstance(data, dict) or "update_id" not in data:
            raise ValueError("not an update")
    except (json.JSONDecodeError, ValueError, UnicodeDecodeError):
        return web.json_response({"ok": False, "error": "bad update"}, status=400)
    application: Application = request.app[PTB_KEY]
    update = Update.de_json(data, application.bot)
    await application.update_queue.put(update)
    return web.json_response({"ok": True})


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
