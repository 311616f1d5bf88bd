"""The sandbox's web chat: talk to the bot as a delegate, an organiser or a liaison officer,
through the emulator (http://127.0.0.1:8080 by default)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import ShiftedClock
from bot.sandbox.emulator import Emulator, SimUser

PAGE = Path(__file__).resolve().parent / "static" / "sandbox.html"


def create_chat_app(emulator: Emulator, personas: list[tuple[SimUser, str]], clock: ShiftedClock,
                    tz: dt.tzinfo) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    users = {user.id: user for user, _ in personas}

    def user_of(value: Any) -> SimUser:
        try:
            return users[int(value)]
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text='{"error": "unknown persona"}', content_type="application/json") from None

    async def page(_: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGE)

    async def persona_list(_: web.Request) -> web.Response:
        now = clock.now().astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes")
        return web.json_response(
            {"personas": [{"id": u.id, "label": label} for u, label in personas], "clock": now}
        )

    async def messages(request: web.Request) -> web.Response:
        user = user_of(request.query.get("user"))
        history = emulator.history(user.id)
        version = len(history) + sum(len(e.edits) for e in history) + sum(e.deleted for e in history)
        if str(version) == request.query.get("after"):
            return web.json_response({"messages": [], "cursor": version})
        out = []
        for entry in history:
            if entry.deleted:
                continue
            text = entry.text
            if entry.kind == "venue":
                venue = entry.extra.get("venue", {})
                loc = venue.get("location", {})
                text = f"📍 {venue.get('title', '')}\n{venue.get('address', '')}\n({loc.get('latitude')}, {loc.get('longitude')})"
            elif entry.kind not in ("text",) and not text:
                text = f"[{entry.kind}]"
            # the emulator keeps what Telegram keeps: plain text plus entities (the bot's HTML
            # already parsed); entry.html turns them back into safe, escaped HTML for the page
            formatted = entry.kind == "text" and bool(entry.entities) and entry.direction == "out"
            out.append({
                "message_id": entry.message_id,
                "from": "bot" if entry.direction == "out" else "user",
                "text": entry.html if formatted else text,
                "parse_mode": "HTML" if formatted else None,
                "buttons": entry.buttons,
                "time": dt.datetime.fromtimestamp(entry.date, dt.UTC).astimezone(tz).strftime("%d %b %H:%M"),
            })
        return web.json_response({"messages": out, "cursor": version, "reset": True})

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("text", ""))[:4096]
        if not text.strip():
            return web.json_response({"error": "empty message"}, status=400)
        await user_of(body.get("user")).send(text)
        return web.json_response({"ok": True})

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        user = user_of(body.get("user"))
        entry = emulator.chats[user.id].by_id.get(int(body.get("message_id") or 0))
        if entry is None:
            return web.json_response({"error": "no such message"}, status=400)
        await user.press_raw(str(body.get("data", "")), message=entry)
        return web.json_response({"ok": True})

    async def persona(request: web.Request) -> web.Response:
        body = await request.json()
        user = user_of(body.get("user"))
        user.data["language_code"] = str(body.get("language_code", "en"))[:8]
        return web.json_response({"ok": True})

    async def set_clock(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            when = dt.datetime.fromisoformat(str(body.get("now", "")))
        except ValueError:
            return web.json_response({"error": "not a date and time"}, status=400)
        clock.set(when if when.tzinfo else when.replace(tzinfo=tz))
        return web.json_response({"ok": True})

    app.router.add_get("/", page)
    app.router.add_get("/api/personas", persona_list)
    app.router.add_get("/api/messages", messages)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/persona", persona)
    app.router.add_post("/api/clock", set_clock)
    return app
