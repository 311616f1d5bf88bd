"""``GET /calendar/<secret>.ics``: a person's agenda for calendar apps to poll (see
:mod:`bot.services.calendar`). An unknown secret gets 404, like a path that does not exist;
so does a person who may no longer read the event's information."""

from __future__ import annotations

import logging
import re

from aiohttp import web

from bot.app import Services

log = logging.getLogger(__name__)
PATH = "/calendar/{token}.ics"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def add_calendar_routes(app: web.Application, services: Services) -> None:
    async def calendar(request: web.Request) -> web.Response:
        token = request.match_info.get("token", "")
        body = await services.agenda.calendar_of(token, services.people.may_read_public_info) if TOKEN.match(token) else None
        if body is None:
            log.info("calendar: unknown secret from %s", request.remote)
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                            headers={"Cache-Control": "private, max-age=300"})

    app.router.add_get(PATH, calendar)


def calendar_url(services: Services, token: str) -> str | None:
    """The subscription URL, when the bot has a public address."""
    base = services.settings.calendar_base_url or services.settings.webhook_url
    if not base:
        return None
    return base.rstrip("/") + PATH.format(token=token)
