"""The sandbox's web chat: talk to the bot as a delegate, an organiser or a liaison officer,
through the emulator (http://127.0.0.1:8080 by default).

The page (``static/sandbox.html``) polls ``/api/messages`` and posts what the person does.
Requests are checked field by field (:mod:`bot.web.sandbox_requests`: a malformed one gets
400 and the reason); bubbles and the chat's own words come from :mod:`bot.web.sandbox_view`,
in the person's language. An invitation link the bot hands out (``t.me/<bot>?start=...``)
opens here as a new simulated person, who joins the list of personas.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import ShiftedClock
from bot.i18n import pick_language, translator
from bot.sandbox.emulator import Emulator, SimUser
from bot.web import sandbox_requests as fields
from bot.web.sandbox_requests import BadRequest, json_object, refuse_bad_requests
from bot.web.sandbox_view import bubble, chrome

STATIC = Path(__file__).resolve().parent / "static"
PAGE = STATIC / "sandbox.html"
SIDE_BY_SIDE = STATIC / "side-by-side.html"
ICON = STATIC / "favicon.svg"
#: the language a person chose in the bot (``/language``), or None to follow Telegram's
ChosenLanguage = Callable[[int], Awaitable[str | None]]


async def _no_choice(_: int) -> str | None:
    return None


def chosen_language_from(people: Any) -> ChosenLanguage:
    """A :data:`ChosenLanguage` reading the bot's people service (``get(id) -> Person``)."""

    async def chosen(user_id: int) -> str | None:
        person = await people.get(user_id)
        return person.language if person is not None and person.language_chosen else None

    return chosen


def create_chat_app(emulator: Emulator, personas: list[tuple[SimUser, str]], clock: ShiftedClock,
                    tz: dt.tzinfo, *, chosen_language: ChosenLanguage = _no_choice) -> web.Application:
    app = web.Application(client_max_size=fields.MAX_BODY, middlewares=[refuse_bad_requests])
    personas = list(personas)
    users = {user.id: user for user, _ in personas}
    guests = itertools.count(1)

    def persona_of(value: Any) -> SimUser:
        user = users.get(value) if isinstance(value, int) and not isinstance(value, bool) else None
        if user is None:
            raise BadRequest("unknown persona")
        return user

    def persona_in_query(request: web.Request) -> SimUser:
        value = request.query.get("user", "")
        return persona_of(int(value) if value.isascii() and value.isdigit() else None)

    async def language_of(user: SimUser) -> str:
        """The language the bot speaks to this person: chosen with /language, else Telegram's."""
        return await chosen_language(user.id) or pick_language(user.data.get("language_code"))

    async def page(_: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGE)

    async def side_by_side(_: web.Request) -> web.FileResponse:  # liaison: a delegate and an officer
        return web.FileResponse(SIDE_BY_SIDE)

    async def icon(_: web.Request) -> web.FileResponse:
        return web.FileResponse(ICON, headers={"Content-Type": "image/svg+xml"})

    async def persona_list(_: web.Request) -> web.Response:
        now = clock.now().astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes")
        return web.json_response({
            "personas": [{"id": u.id, "label": label} for u, label in personas],
            "clock": now,
            "bot_username": emulator.bot_user["username"],
        })

    async def messages(request: web.Request) -> web.Response:
        user = persona_in_query(request)
        history = emulator.history(user.id)
        changes = len(history) + sum(len(e.edits) for e in history) + sum(e.deleted for e in history)
        t = translator(await language_of(user))
        version = f"{changes}:{t.lang}"  # a new language redraws the chat in it
        if version == request.query.get("after"):
            return web.json_response({"messages": [], "cursor": version})
        return web.json_response({
            "messages": [bubble(entry, t, tz) for entry in history if not entry.deleted],
            "cursor": version,
            "reset": True,
            "ui": chrome(t),
        })

    async def send(request: web.Request) -> web.Response:
        body = await json_object(request)
        user, text = persona_of(body.get("user")), fields.message_text(body)
        await user.send(text)
        return web.json_response({"ok": True})

    async def press(request: web.Request) -> web.Response:
        body = await json_object(request)
        user = persona_of(body.get("user"))
        entry = emulator.chats[user.id].by_id.get(fields.whole_number(body, "message_id"))
        if entry is None:
            raise BadRequest("no such message")
        await user.press_raw(fields.callback_data(body), message=entry)
        return web.json_response({"ok": True})

    async def persona(request: web.Request) -> web.Response:
        body = await json_object(request)
        user = persona_of(body.get("user"))
        user.data["language_code"] = fields.language_code(body)
        return web.json_response({"ok": True})

    async def open_link(request: web.Request) -> web.Response:
        """A person who was given the link opens it: a new simulated user, ``/start <payload>``."""
        body = await json_object(request)
        payload = fields.start_parameter(body)
        language = fields.language_code(body, default="en")
        name = f"Guest {next(guests)}"
        guest = emulator.new_user(name, language_code=language)
        personas.append((guest, name))
        users[guest.id] = guest
        await guest.open_link(payload)
        return web.json_response({"ok": True, "persona": {"id": guest.id, "label": name}})

    async def set_clock(request: web.Request) -> web.Response:
        body = await json_object(request)
        clock.set(fields.clock_time(body, tz))
        return web.json_response({"ok": True})

    app.router.add_get("/", page)
    app.router.add_get("/side-by-side", side_by_side)
    app.router.add_get("/favicon.svg", icon)
    app.router.add_get("/favicon.ico", icon)
    app.router.add_get("/api/personas", persona_list)
    app.router.add_get("/api/messages", messages)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/persona", persona)
    app.router.add_post("/api/open-link", open_link)
    app.router.add_post("/api/clock", set_clock)
    return app
