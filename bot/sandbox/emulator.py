"""A local emulator of the Telegram Bot API, for tests, benchmarks and the sandbox.

It serves ``/bot<token>/<method>`` (GET or POST; JSON, form-urlencoded and multipart bodies;
method names in any case) on 127.0.0.1 with Telegram's own response shapes, validates like
Telegram (text length, entities, button data, unknown chats, blocked users, stale callback
queries), enforces Telegram's rate limits (429 with ``retry_after``), keeps every chat's
history, delivers updates by long polling or by webhook (secret header, retries, order kept
per chat), and lets tests act as users and groups (:class:`~bot.sandbox.users.SimUser`,
:class:`~bot.sandbox.users.SimGroup`), from Python or over JSON at ``/sim/...``. Nothing here
talks to Telegram.

    async with Emulator(token=TOKEN) as emu:
        app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).build()
        alice = emu.user(1001, "Alice", language_code="fr")
        await alice.send("/start")
        [reply] = await alice.replies()

It is as strict as Telegram where the bot meets a rule (see the README's emulator section for
what it models and what it does not): a person who never wrote to the bot cannot be written to,
a bot removed from a group cannot post there, old messages cannot be deleted, webhooks need
HTTPS on Telegram's ports (``allow_local_http_webhooks=True`` lets tests use
``http://127.0.0.1``), paid broadcasts have their own budget.

Run on its own: ``python -m bot.sandbox.emulator --port 8081``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.sandbox.access import GENERAL_TOPIC, manages_topic
from bot.sandbox.entities import find_entities, utf16_len
from bot.sandbox.limits import RateLimiter, RateLimits, TokenBucket
from bot.sandbox.methods import BotApi
from bot.sandbox.params import read_params
from bot.sandbox.simapi import create_sim_app
from bot.sandbox.state import (
    ADMINISTRATOR,
    IN,
    KICKED,
    MEMBER,
    OUT,
    ApiError,
    CallbackQuery,
    Chat,
    Edit,
    Entry,
    current_seq,
)
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.users import SimGroup, SimUser
from bot.sandbox.webhook import WebhookDelivery

__all__ = [
    "ApiError", "CallbackQuery", "Chat", "Edit", "Emulator", "Entry", "Fault", "RateLimits", "SimGroup",
    "SimUser", "TokenBucket", "current_seq",
]

log = logging.getLogger(__name__)
DEFAULT_TOKEN = "123456:SANDBOX-token-0000000000000000"
MAX_USER_TEXT = 4096
_ADMIN_RIGHTS = dict.fromkeys((
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages", "can_manage_topics",
), True)


@dataclass
class Fault:
    """An injected failure: the call answers ``status`` after ``delay`` seconds; with
    ``execute`` the call is carried out after the delay instead (a slow Telegram that still
    did it, after the client may have given up)."""

    status: int
    description: str
    delay: float = 0.0
    retry_after: int | None = None
    execute: bool = False


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    if status == 400:
        return "Bad Request: injected failure"
    if status == 403:
        return "Forbidden: bot was blocked by the user"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Error"


def _error(code: int, description: str, parameters: Mapping[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = dict(parameters)
    return web.json_response(body, status=code)


class Emulator:
    """The Bot API of one bot. See the module docstring; the public surface is:

    lifecycle ``start``/``stop``/``async with``, ``base_url``, ``base_file_url``;
    people ``user``/``new_user``/``group`` (and on them: ``SimUser.start``/``deactivate``/
    ``block``, ``SimGroup.kick_bot``/``add_bot``/``upgrade``); time ``advance``; reading
    ``history``/``outgoing``/``query``/``last_request``/``state``; waiting ``wait_for``/``mark``;
    faults ``fail_next``/``delay_next``/``clear_faults``; limits ``set_limits``.

    ``allow_local_http_webhooks`` lets ``setWebhook`` take an http:// URL (or any port) on this
    machine, for local tests; Telegram never does.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        limits: RateLimits | None = None,
        clock: Clock | None = None,
        bot_username: str = "delegate_assistant_bot",
        bot_name: str = "Delegate Assistant",
        webhook_retry_delay: float = 0.2,
        webhook_max_delay: float = 5.0,
        webhook_timeout: float = 10.0,
        callback_query_ttl: float | None = 15.0,
        privacy_mode: bool = False,
        latency: float = 0.0,
        sim_http: bool = True,
        keep_requests: int = 1000,
        allow_local_http_webhooks: bool = False,
    ) -> None:
        self.token = token
        self.clock = clock or Clock()
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": not privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_delay = webhook_max_delay
        self.webhook_timeout = webhook_timeout
        self.callback_query_ttl = callback_query_ttl
        self.privacy_mode = privacy_mode
        self.latency = latency
        self.sim_http = sim_http
        self.allow_local_http_webhooks = allow_local_http_webhooks
        self.paid_messages = 0  # sent with allow_paid_broadcast (Telegram bills 0.1 Star each)
        self._limits = limits or RateLimits()
        self.limiter = RateLimiter(self._limits)
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, SimGroup] = {}
        self.queries: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.profile: dict[tuple[str, str], str] = {}
        self.menu_button: dict[str, Any] | None = None
        self.files: dict[str, dict[str, Any]] = {}
        self.chat_actions: dict[int, tuple[str, float]] = {}
        self.calls: dict[str, int] = {}
        self.errors: list[tuple[str, int, str]] = []
        self.requests: deque[tuple[str, dict[str, Any]]] | None = deque(maxlen=keep_requests) if keep_requests else None
        self.webhook: dict[str, Any] | None = None
        self.updates = UpdateQueue()
        self.delivery = WebhookDelivery(self)
        self.api = BotApi(self)
        self._faults: dict[str, deque[Fault]] = {}
        self._waiters: dict[int | None, list[asyncio.Future[None]]] = {}
        self._query_ids = itertools.count(4_000_000_000_000_001)
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Emulator:
        """Listen on ``host:port`` (0: a free port); ``base_url`` is then ready for PTB."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        if self.sim_http:
            app.add_subapp("/sim", create_sim_app(self))
        self.updates.closing = False
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        self.updates.close()  # end the long polls now, not at their timeout
        await self.delivery.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- configuration ------------------------------------------------------------------------
    @property
    def limits(self) -> RateLimits:
        return self._limits

    @limits.setter
    def limits(self, value: RateLimits) -> None:
        self.set_limits(value)

    def set_limits(self, limits: RateLimits) -> None:
        """New limits, with fresh (full) buckets."""
        self._limits = limits
        self.limiter = RateLimiter(limits)

    def fail_next(self, method: str, status: int = 500, count: int = 1, *, delay: float = 0.0,
                  description: str | None = None, retry_after: int | None = None,
                  execute: bool = False) -> None:
        """The next ``count`` calls of ``method`` (any case; ``"*"`` for any method) answer
        ``status`` after ``delay`` seconds. A delay longer than the client's timeout makes a
        timeout; ``execute=True`` carries the call out after the delay instead of failing."""
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(status, description or _default_description(status, retry_after), delay,
                      retry_after, execute)
        self._faults.setdefault(method.lower(), deque()).extend([fault] * count)

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` are carried out only after ``seconds``."""
        self.fail_next(method, 200, count, delay=seconds, execute=True)

    def clear_faults(self, method: str | None = None) -> None:
        if method is None:
            self._faults.clear()
        else:
            self._faults.pop(method.lower(), None)

    def faults_summary(self) -> dict[str, list[dict[str, Any]]]:
        return {name: [asdict(f) for f in faults] for name, faults in self._faults.items() if faults}

    def _take_fault(self, key: str) -> Fault | None:
        for name in (key, "*"):
            faults = self._faults.get(name)
            if faults:
                return faults.popleft()
        return None

    # -- people ---------------------------------------------------------------------------
    def user(self, user_id: int, first_name: str = "User", *, username: str | None = None,
             language_code: str | None = "en", last_name: str | None = None,
             is_premium: bool | None = None, started: bool = False) -> SimUser:
        """The simulated user ``user_id`` (created on first call). As at Telegram, the bot can
        write to them only once they wrote to it (sent anything, pressed Start): until then
        sending answers 403 "bot can't initiate conversation with a user". ``started=True``
        makes a user who already did, earlier (no update is sent)."""
        existing = self.users.get(user_id)
        if existing is not None:
            if started:
                existing.chat.started = True
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            data["last_name"] = last_name
        if username:
            data["username"] = username
        if language_code:
            data["language_code"] = language_code
        if is_premium:
            data["is_premium"] = True
        sim = SimUser(self, data)
        self.users[user_id] = sim
        self.chats[user_id] = Chat(id=user_id, type="private", user=data, started=started)
        return sim

    def skip_user_ids(self, up_to: int) -> None:
        """Fresh ids (:meth:`new_user`) from now on start above ``up_to``: ids someone outside
        this emulator already knows (the sandbox's database, kept between runs)."""
        self._user_ids = itertools.count(max(next(self._user_ids), up_to + 1))

    def new_user(self, first_name: str = "User", **kwargs: Any) -> SimUser:
        """A user with a fresh id."""
        user_id = next(self._user_ids)
        while user_id in self.chats:
            user_id = next(self._user_ids)
        return self.user(user_id, first_name, **kwargs)

    def group(self, chat_id: int | None = None, title: str = "Group", *, forum: bool = False,
              supergroup: bool | None = None, username: str | None = None, bot_admin: bool = True,
              bot_rights: Mapping[str, bool] | None = None, members: Iterable[SimUser] = ()) -> SimGroup:
        """A group (``supergroup`` or ``forum`` for a supergroup; forums have topics) with the
        bot in it, by default as an administrator with every right (so it sees every message);
        ``bot_rights`` withholds some, e.g. ``{"can_manage_topics": False}``."""
        if chat_id is not None and chat_id in self.groups:
            return self.groups[chat_id]
        is_super = bool(supergroup) or forum
        if chat_id is None:
            chat_id = self._new_group_id(is_super)
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        chat = Chat(id=chat_id, type="supergroup" if is_super else "group", title=title, is_forum=forum,
                    username=username)
        if bot_admin:
            chat.admins.add(self.bot_user["id"])
            if bot_rights:
                chat.rights[self.bot_user["id"]] = dict(bot_rights)
        self.chats[chat_id] = chat
        group = self.groups[chat_id] = SimGroup(self, chat)
        group.add(*members)
        return group

    def _new_group_id(self, supergroup: bool) -> int:
        n = next(self._group_ids)
        return -(1_000_000_000_000 + n) if supergroup else -(4_000_000 + n)

    def set_bot_status(self, chat: Chat, status: str, *, by: SimUser | None,
                       rights: Mapping[str, bool] | None = None) -> dict[str, Any]:
        """The bot becomes ``member``, ``administrator``, ``left`` or ``kicked`` in a group
        (``by`` a person, or by itself when None); Telegram tells it with ``my_chat_member``."""
        bot_id = self.bot_user["id"]
        old = ADMINISTRATOR if bot_id in chat.admins else chat.bot_status
        chat.admins.discard(bot_id)
        chat.rights.pop(bot_id, None)
        chat.bot_status = MEMBER if status == ADMINISTRATOR else status
        if status == ADMINISTRATOR:
            chat.admins.add(bot_id)
            if rights:
                chat.rights[bot_id] = dict(rights)
        self.changed(chat)
        return self.member_update(by, chat, old, status)

    def upgrade_group(self, chat: Chat, by: SimUser | None = None) -> SimGroup:
        """A basic group becomes a supergroup with a new id, as Telegram does it: the old chat
        answers 400 with ``migrate_to_chat_id`` from now on; both chats get their service
        message (``migrate_to_chat_id`` / ``migrate_from_chat_id``)."""
        if chat.type != "group" or chat.migrated_to is not None:
            raise ValueError(f"chat {chat.id} is not a basic group that can be upgraded")
        new = Chat(id=self._new_group_id(True), type="supergroup", title=chat.title, username=chat.username,
                   members=set(chat.members), admins=set(chat.admins), bot_status=chat.bot_status,
                   rights={k: dict(v) for k, v in chat.rights.items()}, migrated_from=chat.id)
        self.chats[new.id] = new
        group = self.groups[new.id] = SimGroup(self, new)
        chat.migrated_to = new.id
        people = sorted(chat.admins - {self.bot_user["id"]}) or sorted(chat.members)
        sender = by.id if by is not None else (people[0] if people else None)  # by default an admin did it
        for where, extra in ((chat, {"migrate_to_chat_id": new.id}), (new, {"migrate_from_chat_id": chat.id})):
            entry = where.add(Entry(message_id=where.new_id(), direction=IN, kind="service", date=self.now(),
                                    sender_id=sender, extra=extra))
            self.changed(where)
            if where.bot_status == MEMBER:
                self.updates.push({"message": self.message_dict(where, entry)})
        return group

    def advance(self, delta: dt.timedelta | float) -> dt.datetime:
        """Move the emulator's clock (message dates, the 48-hour delete window) ``delta``
        (seconds or a timedelta) ahead. Needs a clock that can move (``SimulatedClock``, or
        ``ShiftedClock`` in the sandbox); with the harness the bot's clock moves too, as it is
        the same clock."""
        step = delta if isinstance(delta, dt.timedelta) else dt.timedelta(seconds=delta)
        clock: Any = self.clock
        if hasattr(clock, "advance"):
            return clock.advance(step)
        if hasattr(clock, "set"):
            clock.set(clock.now() + step)
            return clock.now()
        raise TypeError("the emulator runs on real time: give it clock=SimulatedClock(...) to move it")

    def chat_by_username(self, username: str) -> Chat | None:
        return next((c for c in self.chats.values() if c.username and c.username.lower() == username.lower()), None)

    # -- reading ----------------------------------------------------------------------------
    def history(self, chat_id: int) -> list[Entry]:
        """Every message of a chat, both directions, deleted ones included."""
        chat = self.chats.get(chat_id)
        return list(chat.history) if chat else []

    def outgoing(self, chat_id: int) -> list[Entry]:
        """The bot's (not deleted) messages in a chat."""
        chat = self.chats.get(chat_id)
        return [e for e in chat.history if e.direction == OUT and not e.deleted and e.kind != "service"] if chat else []

    def query(self, query_id: str) -> CallbackQuery | None:
        """A callback query sent to the bot, and whether (and how) the bot answered it."""
        return self.queries.get(query_id)

    def last_request(self, method: str) -> dict[str, Any] | None:
        """The parameters of the last call of ``method`` (as decoded)."""
        key = method.lower()
        for name, params in reversed(self.requests or ()):
            if name.lower() == key:
                return params
        return None

    @property
    def pending_updates(self) -> int:
        return len(self.updates)

    @property
    def webhook_deliveries(self) -> int:
        return self.delivery.deliveries

    def state(self) -> dict[str, Any]:
        hook = None
        if self.webhook is not None:
            hook = {k: v for k, v in self.webhook.items() if k != "secret_token"}
            hook["has_secret_token"] = bool(self.webhook.get("secret_token"))
        return {
            "bot": self.bot_user, "base_url": self.base_url, "webhook": hook,
            "pending_updates": self.pending_updates, "webhook_deliveries": self.webhook_deliveries,
            "calls": self.calls, "errors": self.errors[-50:], "limits": asdict(self.limits),
            "rate_limited": self.limiter.refused, "paid_messages": self.paid_messages,
            "users": len(self.users), "chats": len(self.chats),
            "faults": self.faults_summary(),
        }

    # -- waiting -----------------------------------------------------------------------------
    @staticmethod
    def mark() -> int:
        """A point on the change counter: pass it as ``since_seq`` to wait for newer messages."""
        return current_seq()

    def changed(self, chat: Chat) -> None:
        """Wake whoever waits on this chat (or on any chat)."""
        for key in (chat.id, None):
            waiters = self._waiters.pop(key, None)
            if waiters:
                for future in waiters:
                    if not future.done():
                        future.set_result(None)

    async def _wait_chat(self, chat_id: int | None, timeout: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(chat_id, []).append(future)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(future, timeout)

    def _bot_entries(self, chat_id: int, after: int, since: int,
                     predicate: Callable[[Entry], bool] | None) -> list[Entry]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        history = chat.history[after:] if after else chat.history
        out = [e for e in history if e.direction == OUT and e.seq > since and e.kind != "service"]
        return [e for e in out if predicate(e)] if predicate else out

    async def wait_for(self, chat_id: int, count: int | Callable[[Entry], bool] = 1, *,
                       predicate: Callable[[Entry], bool] | None = None, timeout: float = 5.0,
                       after: int = 0, since_seq: int = 0, since: int | None = None) -> list[Entry]:
        """Wait until the bot has ``count`` messages in ``chat_id`` (matching ``predicate``) and
        return them all, oldest first. Counted are messages sent *or edited* after the change
        mark ``since_seq`` (``since``; default 0: the whole history; take one with
        :meth:`mark`) and beyond the first ``after`` entries. Raises AssertionError on timeout."""
        if callable(count):
            predicate, count = count, 1
        mark = since_seq if since is None else since
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self._bot_entries(chat_id, after, mark, predicate)
            if len(found) >= count:
                return found
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(
                    f"chat {chat_id}: waited {timeout}s for {count} bot message(s), got {len(found)}: "
                    + repr([e.text[:80] for e in found])
                )
            await self._wait_chat(chat_id, left)

    async def wait_change(self, chat_id: int | None, since: int, timeout: float) -> bool:
        """Wait until the chat (None: any chat) changed after mark ``since``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def changed() -> bool:
            if chat_id is None:
                return any(c.touched > since for c in self.chats.values())
            chat = self.chats.get(chat_id)
            return chat is not None and chat.touched > since

        while not changed():
            left = deadline - loop.time()
            if left <= 0:
                return False
            await self._wait_chat(chat_id, left)
        return True

    # -- building objects ----------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def sender_dict(self, entry: Entry) -> dict[str, Any]:
        if entry.direction == OUT:
            return self.bot_user
        user = self.users.get(entry.sender_id or 0)
        return user.data if user else {"id": entry.sender_id or 0, "is_bot": False, "first_name": str(entry.sender_id)}

    def message_dict(self, chat: Chat, entry: Entry, *, nested: bool = True) -> dict[str, Any]:
        """The Message object Telegram returns or sends for ``entry``."""
        out: dict[str, Any] = {
            "message_id": entry.message_id,
            "from": self.sender_dict(entry),
            "date": entry.date,
            "chat": chat.as_dict(),
        }
        if entry.thread_id and chat.is_forum:
            out["message_thread_id"] = entry.thread_id
            out["is_topic_message"] = True
        if nested:
            target = entry.reply_to
            if target is None and chat.is_forum and entry.thread_id and entry.thread_id != entry.message_id:
                target = entry.thread_id  # Telegram: a topic message replies to the topic's first message
            replied = chat.by_id.get(target) if target else None
            if replied is not None and not replied.deleted:
                out["reply_to_message"] = self.message_dict(chat, replied, nested=False)
        if entry.kind == "text":
            out["text"] = entry.text
            if entry.entities:
                out["entities"] = entry.entities
        elif entry.text and entry.kind not in ("venue", "service"):
            out["caption"] = entry.text
            if entry.entities:
                out["caption_entities"] = entry.entities
        if entry.edit_date:
            out["edit_date"] = entry.edit_date
        markup = entry.reply_markup
        if markup and markup.get("inline_keyboard"):
            out["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        options = entry.options
        if options:
            if "link_preview_options" in options:
                out["link_preview_options"] = options["link_preview_options"]
            if options.get("protect_content"):
                out["has_protected_content"] = True
        if entry.extra:
            out.update(entry.extra)
        return out

    def member_dict(self, chat: Chat, user_id: int) -> dict[str, Any]:
        """A ChatMember object for ``user_id`` in ``chat``."""
        if user_id == self.bot_user["id"]:
            user: dict[str, Any] = self.bot_user
        elif user_id in self.users:
            user = self.users[user_id].data
        else:
            user = {"id": user_id, "is_bot": False, "first_name": str(user_id)}
        if chat.private:
            status = "member" if user_id in (chat.id, self.bot_user["id"]) else "left"
            return {"status": status, "user": user}
        if user_id in chat.admins:
            return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                    **_ADMIN_RIGHTS, **chat.rights.get(user_id, {})}
        if user_id == self.bot_user["id"]:
            if chat.bot_status == KICKED:
                return {"status": "kicked", "user": user, "until_date": 0}
            return {"status": chat.bot_status, "user": user}
        if user_id in chat.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    # -- simulated input ---------------------------------------------------------------------------
    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (``{"message": {...}}`` etc.); it gets the next ``update_id``."""
        return self.updates.push(payload)

    async def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.updates.push(payload)

    async def user_message(self, user: SimUser, chat: Chat, kind: str, text: str = "", *,
                           extra: dict[str, Any] | None = None, thread_id: int | None = None,
                           reply_to: Entry | int | None = None) -> dict[str, Any]:
        """Record a message from ``user`` in ``chat`` and send the bot its update. A message in
        the private chat opens it: from then on the bot may write there."""
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat.id} was upgraded to the supergroup {chat.migrated_to}: post there")
        if kind == "text":
            if not text.strip():
                raise ValueError("a text message needs text")
            if utf16_len(text) > MAX_USER_TEXT:
                raise ValueError("Telegram does not send messages over 4096 characters")
        reply_id = reply_to.message_id if isinstance(reply_to, Entry) else reply_to
        if reply_id is not None and reply_id not in chat.by_id:
            raise ValueError(f"no message {reply_id} in chat {chat.id}")
        if thread_id is not None and chat.is_forum and thread_id != 1 and thread_id not in chat.topics:
            raise ValueError(f"no topic {thread_id} in chat {chat.id}")
        if chat.is_forum and (thread_id or GENERAL_TOPIC) in chat.closed_topics \
                and not manages_topic(chat, thread_id or GENERAL_TOPIC, user.id):
            raise ValueError(f"topic {thread_id or GENERAL_TOPIC} of chat {chat.id} is closed: only its creator "
                             "and administrators who manage topics can write there")
        entry = chat.add(Entry(
            message_id=chat.new_id(), direction=IN, kind=kind, text=text,
            entities=find_entities(text) if text else [], date=self.now(), at=time.monotonic(),
            sender_id=user.id, thread_id=thread_id if chat.is_forum else None, extra=extra or {},
            reply_to=reply_id,
        ))
        if chat.private:
            chat.started = True
        self.changed(chat)
        self._register_files(extra or {})
        message = self.message_dict(chat, entry)
        if not self._reaches_bot(chat, entry):
            return {"message": message}  # privacy mode: the bot never sees it
        return self.updates.push({"message": message})

    def _register_files(self, extra: dict[str, Any]) -> None:
        """Files a simulated user sent can be fetched by the bot (getFile + download)."""
        for value in extra.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and "file_id" in item and item["file_id"] not in self.files:
                    self.files[item["file_id"]] = {"data": b"sandbox upload", "name": item.get("file_name"),
                                                   "mime": item.get("mime_type"), "unique": item.get("file_unique_id", "u")}

    def _reaches_bot(self, chat: Chat, entry: Entry) -> bool:
        if not chat.private and chat.bot_status != MEMBER:
            return False  # the bot left or was removed: it sees nothing there
        if chat.private or not self.privacy_mode or self.bot_user["id"] in chat.admins:
            return True
        if entry.text.startswith("/"):
            return True
        if f"@{self.bot_user['username']}".lower() in entry.text.lower():
            return True
        replied = chat.by_id.get(entry.reply_to) if entry.reply_to else None
        return replied is not None and replied.direction == OUT

    async def press(self, user: SimUser, chat: Chat, entry: Entry, data: str) -> dict[str, Any]:
        """``user`` presses a button with ``data`` on ``entry``: a ``callback_query`` update."""
        query_id = str(next(self._query_ids))
        record = CallbackQuery(query_id, user.id, chat.id, entry.message_id, data)
        self.queries[query_id] = record
        user.last_query = record
        payload = {
            "id": query_id,
            "from": user.data,
            "message": self.message_dict(chat, entry),
            "chat_instance": str(abs(chat.id) * 7919 % (1 << 62)),
            "data": data,
        }
        return self.updates.push({"callback_query": payload})

    def member_update(self, user: SimUser | None, chat: Chat, old: str, new: str) -> dict[str, Any]:
        """The ``my_chat_member`` update Telegram sends when the bot's status changes (``user``:
        who changed it; None: the bot itself, e.g. leaveChat)."""

        def member(status: str) -> dict[str, Any]:
            body: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == KICKED:
                body["until_date"] = 0
            elif status == ADMINISTRATOR:
                # the rights withheld or granted override the defaults (a dict, not keywords: the
                # same name twice would be a TypeError)
                body.update({"can_be_edited": False, "is_anonymous": False, **_ADMIN_RIGHTS,
                             **chat.rights.get(self.bot_user["id"], {})})
            return body

        return self.updates.push({"my_chat_member": {
            "chat": chat.as_dict(), "from": user.data if user is not None else self.bot_user, "date": self.now(),
            "old_chat_member": member(old), "new_chat_member": member(new),
        }})

    def announce_members(self, chat: Chat, users: Iterable[SimUser]) -> dict[str, Any]:
        users = list(users)
        entry = chat.add(Entry(
            message_id=chat.new_id(), direction=IN, kind="service", date=self.now(), sender_id=users[0].id,
            extra={"new_chat_members": [u.data for u in users]},
        ))
        self.changed(chat)
        return self.updates.push({"message": self.message_dict(chat, entry)})

    def create_topic(self, chat: Chat, name: str, *, icon_color: int = 7322096, by_bot: bool,
                     by: int | None = None) -> dict[str, Any]:
        """A topic made by the bot (``by_bot``) or by the person ``by`` (None: someone unnamed)."""
        thread_id = chat.new_id()
        chat.topics[thread_id] = name
        chat.topic_creators[thread_id] = self.bot_user["id"] if by_bot else (by or 0)
        chat.add(Entry(
            message_id=thread_id, direction=OUT if by_bot else IN, kind="service", text=name, date=self.now(),
            sender_id=None if by_bot else by, thread_id=thread_id,
            extra={"forum_topic_created": {"name": name, "icon_color": icon_color}},
        ))
        self.changed(chat)
        return {"message_thread_id": thread_id, "name": name, "icon_color": icon_color}

    def set_topic_closed(self, chat: Chat, thread_id: int, closed: bool, *, by_bot: bool,
                         by: int | None = None) -> None:
        """Close or reopen a topic (1: the General topic), with Telegram's service message in it
        (``forum_topic_closed`` / ``forum_topic_reopened``). No checks: see closeForumTopic."""
        if closed:
            chat.closed_topics.add(thread_id)
        else:
            chat.closed_topics.discard(thread_id)
        chat.add(Entry(
            message_id=chat.new_id(), direction=OUT if by_bot else IN, kind="service", date=self.now(),
            sender_id=None if by_bot else by, thread_id=None if thread_id == GENERAL_TOPIC else thread_id,
            extra={"forum_topic_closed" if closed else "forum_topic_reopened": {}},
        ))
        self.changed(chat)

    def delete_topic(self, chat: Chat, thread_id: int) -> None:
        """A topic deleted with all its messages: its id is then unknown (``message thread not found``)."""
        if thread_id not in chat.topics:
            raise ValueError(f"no topic {thread_id} in chat {chat.id}")
        del chat.topics[thread_id]
        chat.closed_topics.discard(thread_id)
        chat.topic_creators.pop(thread_id, None)
        for entry in chat.history:
            if entry.thread_id == thread_id and not entry.deleted:
                entry.deleted = True
                chat.touch(entry, content=False)
        self.changed(chat)

    # -- HTTP ----------------------------------------------------------------------------------------
    def _fail(self, request: web.Request, method: str, status: int, description: str,
              parameters: Mapping[str, Any] | None = None) -> web.Response:
        transport = request.transport
        if transport is not None and not transport.is_closing():  # else nobody will read it
            self.errors.append((method, status, description))
        return _error(status, description, parameters)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        key = method.lower()
        self.calls[key] = self.calls.get(key, 0) + 1
        if request.match_info["token"] != self.token:
            return self._fail(request, method, 401, "Unauthorized")
        try:
            params = await read_params(request)
        except ApiError as exc:
            return self._fail(request, method, exc.code, exc.description, exc.parameters)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self._faults:
            fault = self._take_fault(key)
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if not fault.execute:
                    parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
                    return self._fail(request, method, fault.status, fault.description, parameters)
        handler = self.api.methods.get(key)
        if handler is None:
            return self._fail(request, method, 404, "Not Found")
        if self.requests is not None:
            self.requests.append((method, params))
        try:
            result = await handler(params)
        except ApiError as exc:
            return self._fail(request, method, exc.code, exc.description, exc.parameters)
        except (KeyError, ValueError, TypeError) as exc:
            return self._fail(request, method, 400, f"Bad Request: {exc}")
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        file = self.files.get(path.rsplit("/", 1)[-1])
        if file is None:
            return _error(404, "Not Found")
        return web.Response(body=file["data"] or b"sandbox file",
                            content_type=file.get("mime") or "application/octet-stream")


# -- standalone runner --------------------------------------------------------------------------------
def _parse_user(spec: str) -> tuple[int, str, str]:
    parts = spec.split(":")
    return int(parts[0]), parts[1] if len(parts) > 1 else "User", parts[2] if len(parts) > 2 else "en"


async def _serve(args: argparse.Namespace) -> None:
    limits = {"telegram": RateLimits(), "off": RateLimits.off()}[args.limits]
    emu = Emulator(token=args.token, limits=limits, bot_username=args.username)
    await emu.start(args.host, args.port)
    for spec in args.user:
        user_id, name, language = _parse_user(spec)
        emu.user(user_id, name, language_code=language)
    print(f"Bot API emulator: {emu.base_url}  (token {emu.token})\n"
          f"  simulated users and chats: {emu.url}/sim/state\n  Ctrl+C to stop.", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="delegate_assistant_bot")
    parser.add_argument("--limits", choices=("telegram", "off"), default="telegram",
                        help="Telegram's rate limits (paid broadcasts: 1,000/s with allow_paid_broadcast), or none")
    parser.add_argument("--user", action="append", default=[], metavar="ID:NAME[:LANG]",
                        help="a simulated user to create (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

