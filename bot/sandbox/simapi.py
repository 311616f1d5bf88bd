"""JSON endpoints to act as simulated users and read the chats, for a web chat or scripts.

The emulator serves them under ``/sim``; another aiohttp app can mount the same routes with
``app.add_subapp("/sim", create_sim_app(emulator))``. Every answer is JSON: ``{"ok": true, ...}``
or ``{"ok": false, "error": "..."}`` with status 400/404.

    GET  /sim/state                          bot, webhook, pending updates, call counts, last errors
    GET  /sim/users                          users
    POST /sim/users                          {id?, first_name, last_name?, username?, language_code?,
                                              started?}  (started: wrote to the bot before; until a
                                              user writes, the bot cannot write to them)
    GET  /sim/users/{id}                     one user and their private chat summary
    POST /sim/users/{id}/send                {text, reply_to_message_id?}
    POST /sim/users/{id}/command             {command, args?: [..] | "a b"}
    POST /sim/users/{id}/start               {payload?}  (opening a t.me/<bot>?start=<payload> link)
    POST /sim/users/{id}/press               {callback_data? | data? | text?, message_id?}
    POST /sim/users/{id}/tap                 {text}  (a reply-keyboard button)
    POST /sim/users/{id}/location            {latitude, longitude}
    POST /sim/users/{id}/photo               {caption?}
    POST /sim/users/{id}/document            {file_name?, caption?}
    POST /sim/users/{id}/sticker             {emoji?}
    POST /sim/users/{id}/voice               {duration?}
    POST /sim/users/{id}/block | /unblock    {notify?}
    POST /sim/users/{id}/deactivate          the account is deleted (403 "user is deactivated")
    GET  /sim/chats                          chat summaries
    GET  /sim/chats/{chat_id}/history        ?since=SEQ&wait=SECONDS&deleted=0|1
                                             -> {seq, chat, entries changed after SEQ, answers (callback
                                                answers given after SEQ: the toast/alert texts)}
    POST /sim/groups                         {id?, title, forum?, supergroup?, members?: [ids], admins?: [ids],
                                              bot_admin?, bot_rights?: {can_manage_topics: false, ...}}
    POST /sim/groups/{chat_id}/members       {user_id, admin?, announce?}
    POST /sim/groups/{chat_id}/topics        {name}
    POST /sim/groups/{chat_id}/post          {user_id, text, message_thread_id?, reply_to_message_id?}
    POST /sim/groups/{chat_id}/press         {user_id, callback_data? | text?, message_id?}
    POST /sim/groups/{chat_id}/kick_bot      {by?: user_id}   the bot is removed (my_chat_member: kicked)
    POST /sim/groups/{chat_id}/add_bot       {by?: user_id, admin?, rights?}
    POST /sim/groups/{chat_id}/upgrade       {by?: user_id}   -> the new supergroup (the old id migrates)
    POST /sim/clock                          {seconds}   move the emulator's clock ahead
    GET  /sim/queries/{query_id}             a callback query and how the bot answered it
    POST /sim/faults                         {method, status?, count?, delay?, description?, retry_after?, execute?}
    DELETE /sim/faults                       clear all faults
    POST /sim/limits                         {off?: true} or RateLimits fields
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.limits import RateLimits
from bot.sandbox.users import SimUser

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SimError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _ok(**body: Any) -> web.Response:
    return web.json_response({"ok": True, **body}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def create_sim_app(emu: Emulator) -> web.Application:
    """The ``/sim`` routes as an aiohttp application (mount it with ``add_subapp``)."""

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except SimError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
        except AssertionError as exc:  # e.g. no such button
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "error": f"bad request: {exc}"}, status=400)

    app = web.Application(middlewares=[errors], client_max_size=1024 * 1024)

    async def body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            data = await request.json()
        except ValueError:
            raise SimError(400, "the body must be a JSON object") from None
        if not isinstance(data, dict):
            raise SimError(400, "the body must be a JSON object")
        return data

    def user_of(request: web.Request) -> SimUser:
        try:
            return emu.users[int(request.match_info["user_id"])]
        except (KeyError, ValueError):
            raise SimError(404, "no such user") from None

    def group_of(request: web.Request) -> Any:
        try:
            return emu.groups[int(request.match_info["chat_id"])]
        except (KeyError, ValueError):
            raise SimError(404, "no such group") from None

    def user_dict(user: SimUser) -> dict[str, Any]:
        chat = user.chat
        return {**user.data, "blocked": chat.blocked, "started": chat.started, "deactivated": chat.deactivated}

    async def state(_: web.Request) -> web.Response:
        return _ok(**emu.state())

    async def users(_: web.Request) -> web.Response:
        return _ok(users=[user_dict(u) for u in emu.users.values()])

    async def create_user(request: web.Request) -> web.Response:
        data = await body(request)
        fields = {k: data[k] for k in ("username", "language_code", "last_name") if data.get(k)}
        started = bool(data.get("started"))
        if data.get("id") is not None and int(data["id"]) in emu.users:
            user = emu.users[int(data["id"])]
            if data.get("first_name"):
                user.data["first_name"] = str(data["first_name"])
            user.data.update(fields)
            user.chat.started = user.chat.started or started
        elif data.get("id") is not None:
            user = emu.user(int(data["id"]), str(data.get("first_name") or "User"), started=started, **fields)
        else:
            user = emu.new_user(str(data.get("first_name") or "User"), started=started, **fields)
        return _ok(user=user_dict(user))

    async def get_user(request: web.Request) -> web.Response:
        user = user_of(request)
        return _ok(user=user_dict(user), chat=user.chat.summary())

    def reply_to(data: dict[str, Any]) -> int | None:
        value = data.get("reply_to_message_id")
        return int(value) if value not in (None, "") else None

    async def send(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        text = str(data.get("text") or "")
        if not text.strip():
            raise SimError(400, "empty message")
        return _ok(update=await user.send(text, reply_to=reply_to(data)))

    async def command(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        args = data.get("args") or []
        args = args.split() if isinstance(args, str) else [str(a) for a in args]
        return _ok(update=await user.command(str(data["command"]), *args))

    async def start(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        return _ok(update=await user.open_link(data.get("payload") or None))

    async def press(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        callback = data.get("callback_data", data.get("data"))
        message_id = data.get("message_id")
        if callback is not None and message_id is not None and data.get("raw"):
            update = await user.press_raw(str(callback), message=int(message_id))
        else:
            update = await user.press(None if callback is None else str(callback), text=data.get("text"),
                                      message=None if message_id is None else int(message_id))
        return _ok(update=update, query_id=update["callback_query"]["id"])

    async def tap(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        return _ok(update=await user.tap(str(data["text"])))

    async def location(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        return _ok(update=await user.send_location(float(data["latitude"]), float(data["longitude"])))

    async def photo(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        return _ok(update=await user.send_photo(str(data.get("caption") or "")))

    async def document(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        update = await user.send_document(str(data.get("file_name") or "document.pdf"), str(data.get("caption") or ""))
        return _ok(update=update)

    async def sticker(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        return _ok(update=await user.send_sticker(str(data.get("emoji") or "👍")))

    async def voice(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        return _ok(update=await user.send_voice(int(data.get("duration") or 3)))

    async def block(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        user.block(notify=bool(data.get("notify")))
        return _ok(user=user_dict(user))

    async def unblock(request: web.Request) -> web.Response:
        user, data = user_of(request), await body(request)
        user.unblock(notify=bool(data.get("notify")))
        return _ok(user=user_dict(user))

    async def deactivate(request: web.Request) -> web.Response:
        user = user_of(request)
        user.deactivate()
        return _ok(user=user_dict(user))

    def by_of(data: dict[str, Any]) -> SimUser | None:
        return None if data.get("by") in (None, "") else emu.users[int(data["by"])]

    async def kick_bot(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        return _ok(update=group.kick_bot(by_of(data)), group=group.chat.summary())

    async def add_bot(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        update = group.add_bot(by_of(data), admin=bool(data.get("admin")), rights=data.get("rights"))
        return _ok(update=update, group=group.chat.summary())

    async def upgrade(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        try:
            new = group.upgrade(by_of(data))
        except ValueError as exc:
            raise SimError(400, str(exc)) from None
        return _ok(group=new.chat.summary(), migrated_from=group.id)

    async def clock(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            now = emu.advance(float(data["seconds"]))
        except TypeError as exc:
            raise SimError(400, str(exc)) from None
        return _ok(now=now.isoformat())

    async def chats(_: web.Request) -> web.Response:
        return _ok(chats=[c.summary() for c in emu.chats.values()])

    async def history(request: web.Request) -> web.Response:
        try:
            chat = emu.chats[int(request.match_info["chat_id"])]
        except (KeyError, ValueError):
            raise SimError(404, "no such chat") from None
        since = int(request.query.get("since") or 0)
        wait = min(60.0, float(request.query.get("wait") or 0))
        if wait > 0 and chat.touched <= since:
            await emu.wait_change(chat.id, since, wait)
        deleted = request.query.get("deleted", "1") not in ("0", "false")
        entries = [e.as_dict() for e in chat.history if e.touched > since and (deleted or not e.deleted)]
        answers = [q.as_dict() for q in emu.queries.values() if q.chat_id == chat.id and q.touched > since]
        return _ok(seq=chat.touched, chat=chat.summary(), entries=entries, answers=answers)

    async def create_group(request: web.Request) -> web.Response:
        data = await body(request)
        chat_id = data.get("id")
        group = emu.group(None if chat_id in (None, "") else int(chat_id), str(data.get("title") or "Group"),
                          forum=bool(data.get("forum")), supergroup=data.get("supergroup"),
                          bot_admin=data.get("bot_admin", True) is not False, bot_rights=data.get("bot_rights"))
        group.add(*(emu.users[int(uid)] for uid in data.get("members") or []))
        group.add(*(emu.users[int(uid)] for uid in data.get("admins") or []), admin=True)
        return _ok(group=group.chat.summary())

    async def add_member(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        group.add(emu.users[int(data["user_id"])], admin=bool(data.get("admin")), announce=bool(data.get("announce")))
        return _ok(group=group.chat.summary())

    async def topic(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        thread_id = group.create_topic(str(data["name"]))
        return _ok(message_thread_id=thread_id, name=str(data["name"]))

    async def post(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        user = emu.users[int(data["user_id"])]
        thread = data.get("message_thread_id")
        update = await group.post(user, str(data["text"]), None if thread in (None, "") else int(thread),
                                  reply_to=reply_to(data))
        return _ok(update=update)

    async def group_press(request: web.Request) -> web.Response:
        group, data = group_of(request), await body(request)
        user = emu.users[int(data["user_id"])]
        callback = data.get("callback_data", data.get("data"))
        message_id = data.get("message_id")
        update = await user.press_in(group, None if callback is None else str(callback), text=data.get("text"),
                                     message=None if message_id is None else int(message_id))
        return _ok(update=update, query_id=update["callback_query"]["id"])

    async def query(request: web.Request) -> web.Response:
        record = emu.queries.get(request.match_info["query_id"])
        if record is None:
            raise SimError(404, "no such callback query")
        return _ok(query=record.as_dict())

    async def add_fault(request: web.Request) -> web.Response:
        data = await body(request)
        emu.fail_next(
            str(data["method"]), int(data.get("status") or 500), int(data.get("count") or 1),
            delay=float(data.get("delay") or 0), description=data.get("description"),
            retry_after=None if data.get("retry_after") is None else int(data["retry_after"]),
            execute=bool(data.get("execute")),
        )
        return _ok(faults=emu.faults_summary())

    async def clear_faults(_: web.Request) -> web.Response:
        emu.clear_faults()
        return _ok(faults={})

    async def limits(request: web.Request) -> web.Response:
        data = await body(request)
        if data.get("off"):
            new = RateLimits.off()
        else:
            names = {f.name for f in dataclasses.fields(RateLimits)}
            new = dataclasses.replace(emu.limits, **{k: v for k, v in data.items() if k in names})
        emu.set_limits(new)
        return _ok(limits=dataclasses.asdict(new))

    r = app.router
    r.add_get("/state", state)
    r.add_get("/users", users)
    r.add_post("/users", create_user)
    r.add_get("/users/{user_id}", get_user)
    for name, handler in (("send", send), ("command", command), ("start", start), ("press", press), ("tap", tap),
                          ("location", location), ("photo", photo), ("document", document), ("sticker", sticker),
                          ("voice", voice), ("block", block), ("unblock", unblock), ("deactivate", deactivate)):
        r.add_post(f"/users/{{user_id}}/{name}", handler)
    r.add_get("/chats", chats)
    r.add_get("/chats/{chat_id}/history", history)
    r.add_post("/groups", create_group)
    r.add_post("/groups/{chat_id}/members", add_member)
    r.add_post("/groups/{chat_id}/topics", topic)
    r.add_post("/groups/{chat_id}/post", post)
    r.add_post("/groups/{chat_id}/press", group_press)
    r.add_post("/groups/{chat_id}/kick_bot", kick_bot)
    r.add_post("/groups/{chat_id}/add_bot", add_bot)
    r.add_post("/groups/{chat_id}/upgrade", upgrade)
    r.add_post("/clock", clock)
    r.add_get("/queries/{query_id}", query)
    r.add_post("/faults", add_fault)
    r.add_delete("/faults", clear_faults)
    r.add_post("/limits", limits)
    return app
