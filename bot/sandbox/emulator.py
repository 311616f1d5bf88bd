"""A local emulator of the Telegram Bot API, for tests, benchmarks and the sandbox.

It serves ``/bot<token>/<method>`` (JSON, form-urlencoded and multipart bodies) with
Telegram's own response shapes, validates like Telegram (text length, button data, HTML
entities, unknown chats, blocked users), enforces Telegram's rate limits (429 with
``retry_after``), keeps every chat's history, delivers updates by long polling or by webhook
(with the secret header, retrying when the bot fails), and lets tests act as users
(:class:`SimUser`) and groups. Nothing here talks to Telegram.

    async with Emulator(token=TOKEN) as emu:
        app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).build()
        alice = emu.user(1001, "Alice", language_code="fr")
        await alice.send("/start")
        [reply] = await alice.replies()
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.clock import Clock
from bot.sandbox.entities import EntityError, parse_entities

log = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
SENDING = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendlocation", "sendvenue", "sendchataction_"}
)
EDITING = frozenset({"editmessagetext", "editmessagereplymarkup"})
JSON_FIELDS = (
    "reply_markup",
    "entities",
    "link_preview_options",
    "reply_parameters",
    "allowed_updates",
    "commands",
    "scope",
    "menu_button",
)


_SEQ = itertools.count(1)


def current_seq() -> int:
    """The change counter now: entries created or edited later have a higher ``seq``."""
    return next(_SEQ)


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


# -- rate limits ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RateLimits:
    """Telegram's limits. 0 disables a limit; benchmarks raise ``overall_per_s`` to 1000."""

    overall_per_s: float = 30.0
    private_per_s: float = 1.0
    private_burst: int = 3
    group_per_min: float = 20.0

    @classmethod
    def off(cls) -> RateLimits:
        return cls(overall_per_s=0, private_per_s=0, group_per_min=0)


class Bucket:
    """A token bucket on monotonic time."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        """Take a token; returns 0 when allowed, else the seconds until one is free."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


# -- chats and history ----------------------------------------------------------------------
@dataclass
class Entry:
    """One message in a chat's history."""

    message_id: int
    direction: str  # "in": user -> bot; "out": bot -> user
    kind: str  # text | location | venue | document | photo | sticker | service
    text: str = ""
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    date: int = 0
    at: float = 0.0  # monotonic time when it happened
    sender_id: int | None = None
    thread_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    edits: list[str] = field(default_factory=list)
    deleted: bool = False
    seq: int = 0  # the emulator's change counter when this entry was last created or edited

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard", []) or []

    def button_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup
    title: str = ""
    is_forum: bool = False
    user: dict[str, Any] | None = None  # the private chat's user
    blocked: bool = False
    members: set[int] = field(default_factory=set)
    history: list[Entry] = field(default_factory=list)
    by_id: dict[int, Entry] = field(default_factory=dict)
    next_id: int = 1
    topics: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        if self.type == "private" and self.user:
            out = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
            if self.user.get("username"):
                out["username"] = self.user["username"]
            return out
        out = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            out["is_forum"] = True
        return out

    def add(self, entry: Entry) -> Entry:
        entry.seq = next(_SEQ)
        self.history.append(entry)
        self.by_id[entry.message_id] = entry
        return entry

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value


# -- the emulator ---------------------------------------------------------------------------
class Emulator:
    def __init__(
        self,
        token: str = "123456:SANDBOX-token-0000000000000000",
        *,
        limits: RateLimits | None = None,
        clock: Clock | None = None,
        bot_username: str = "delegate_assistant_bot",
        bot_name: str = "Delegate Assistant",
        webhook_retry_delay: float = 0.2,
    ) -> None:
        self.token = token
        self.limits = limits or RateLimits()
        self.clock = clock or Clock()
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.webhook_retry_delay = webhook_retry_delay
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, SimUser] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.calls: dict[str, int] = {}
        self.errors: list[tuple[str, int, str]] = []
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._queries: dict[str, dict[str, Any]] = {}
        self._query_ids = itertools.count(1)
        self._faults: dict[str, list[tuple[int, str, float]]] = {}
        self._new_update = asyncio.Condition()
        self._new_output = asyncio.Condition()
        self._overall: Bucket | None = None
        self._chat_buckets: dict[int, Bucket] = {}
        self.webhook: dict[str, Any] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wake = asyncio.Event()
        self.webhook_deliveries = 0
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0
        self.host = "127.0.0.1"
        self._reset_buckets()

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Emulator:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True
        async with self._new_update:  # end the long polls now, not at their timeout
            self._new_update.notify_all()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def set_limits(self, limits: RateLimits) -> None:
        self.limits = limits
        self._reset_buckets()

    def _reset_buckets(self) -> None:
        rate = self.limits.overall_per_s
        self._overall = Bucket(rate, max(1.0, rate)) if rate else None
        self._chat_buckets = {}

    def fail_next(self, method: str, status: int = 500, count: int = 1, *, delay: float = 0.0,
                  description: str = "Internal Server Error") -> None:
        """The next ``count`` calls of ``method`` fail with ``status`` (after ``delay`` seconds)."""
        self._faults.setdefault(method.lower(), []).extend([(status, description, delay)] * count)

    # -- users and groups --------------------------------------------------------------
    def user(self, user_id: int, first_name: str = "User", *, username: str | None = None,
             language_code: str | None = "en", last_name: str | None = None) -> SimUser:
        existing = self.users.get(user_id)
        if existing is not None:
            return existing
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            data["last_name"] = last_name
        if username:
            data["username"] = username
        if language_code:
            data["language_code"] = language_code
        sim = SimUser(self, data)
        self.users[user_id] = sim
        self.chats[user_id] = Chat(id=user_id, type="private", user=data)
        return sim

    def group(self, chat_id: int, title: str, *, forum: bool = False) -> Chat:
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = Chat(
                id=chat_id, type="supergroup" if forum else "group", title=title, is_forum=forum
            )
        return chat

    def history(self, chat_id: int) -> list[Entry]:
        chat = self.chats.get(chat_id)
        return list(chat.history) if chat else []

    def outgoing(self, chat_id: int) -> list[Entry]:
        return [e for e in self.history(chat_id) if e.direction == "out" and not e.deleted]

    async def wait_for(self, chat_id: int, count: int = 1, *, after: int = 0, timeout: float = 5.0,
                       predicate: Callable[[Entry], bool] | None = None, since_seq: int = 0) -> list[Entry]:
        """Wait until the bot has sent ``count`` messages to ``chat_id`` beyond the first
        ``after`` entries of its history, or sent or edited them after change ``since_seq``
        (matching ``predicate``); returns them in history order."""

        def found() -> list[Entry]:
            chat = self.chats.get(chat_id)
            if chat is None:
                return []
            out = [e for e in chat.history[after:] if e.direction == "out" and e.seq > since_seq]
            return [e for e in out if predicate(e)] if predicate else out

        async def wait() -> list[Entry]:
            async with self._new_output:
                while len(found()) < count:
                    await self._new_output.wait()
                return found()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            got = found()
            raise AssertionError(
                f"chat {chat_id}: waited {timeout}s for {count} bot message(s), got {len(got)}: "
                + repr([e.text[:80] for e in got])
            ) from None

    async def _notify_output(self) -> None:
        async with self._new_output:
            self._new_output.notify_all()

    # -- updates -----------------------------------------------------------------------
    async def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        async with self._new_update:
            self._new_update.notify_all()
        self._webhook_wake.set()
        return update

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    # -- HTTP --------------------------------------------------------------------------
    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"sandbox file", content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        key = method.lower()
        self.calls[key] = self.calls.get(key, 0) + 1
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        faults = self._faults.get(key)
        if faults:
            status, description, delay = faults.pop(0)
            if delay:
                await asyncio.sleep(delay)
            self.errors.append((method, status, description))
            return _error(status, description)
        handler = getattr(self, f"m_{key}", None)
        if handler is None:
            return _error(404, "Not Found")
        try:
            params = await _params(request)
            result = await handler(params)
        except ApiError as exc:
            self.errors.append((method, exc.code, exc.description))
            return _error(exc.code, exc.description, exc.retry_after)
        except (KeyError, ValueError, TypeError) as exc:
            self.errors.append((method, 400, str(exc)))
            return _error(400, f"Bad Request: {exc}")
        return web.json_response({"ok": True, "result": result})

    # -- checks ------------------------------------------------------------------------
    def _chat(self, params: dict[str, Any]) -> Chat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _rate(self, chat: Chat) -> None:
        wait = 0.0
        limits = self.limits
        if chat.type == "private" and limits.private_per_s:
            bucket = self._chat_buckets.get(chat.id)
            if bucket is None:
                bucket = self._chat_buckets[chat.id] = Bucket(limits.private_per_s, max(1, limits.private_burst))
            wait = bucket.take()
        elif chat.type != "private" and limits.group_per_min:
            bucket = self._chat_buckets.get(chat.id)
            if bucket is None:
                bucket = self._chat_buckets[chat.id] = Bucket(limits.group_per_min / 60.0, limits.group_per_min)
            wait = bucket.take()
        if not wait and self._overall is not None:
            wait = self._overall.take()
        if wait:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []) or []:
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and (not data or len(str(data).encode()) > MAX_CALLBACK_DATA):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _text(self, params: dict[str, Any], name: str = "text", limit: int = MAX_TEXT) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(name)
        if raw is None or str(raw).strip() == "":
            raise ApiError(400, "Bad Request: message text is empty")
        mode = params.get("parse_mode")
        try:
            text, entities = parse_entities(str(raw), mode)
        except EntityError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > limit:
            raise ApiError(400, "Bad Request: message is too long")
        if params.get("entities"):
            entities = list(params["entities"])
        return text, entities

    def _message(self, chat: Chat, entry: Entry) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": entry.message_id,
            "date": entry.date,
            "chat": chat.as_dict(),
            "from": self.bot_user if entry.direction == "out" else self._sender(entry),
        }
        if entry.thread_id:
            out["message_thread_id"] = entry.thread_id
            out["is_topic_message"] = True
        if entry.kind == "text":
            out["text"] = entry.text
            if entry.entities:
                out["entities"] = entry.entities
        elif entry.text:
            out["caption"] = entry.text
        if entry.edits:
            out["edit_date"] = entry.date
        if entry.reply_markup and entry.reply_markup.get("inline_keyboard"):
            out["reply_markup"] = {"inline_keyboard": entry.reply_markup["inline_keyboard"]}
        out.update(entry.extra)
        return out

    def _sender(self, entry: Entry) -> dict[str, Any]:
        user = self.users.get(entry.sender_id or 0)
        return user.data if user else {"id": entry.sender_id or 0, "is_bot": False, "first_name": "?"}

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    async def _send(self, params: dict[str, Any], kind: str, text: str = "", entities: list[dict[str, Any]] | None = None,
                    extra: dict[str, Any] | None = None, check_text: bool = False) -> dict[str, Any]:
        chat = self._chat(params)
        markup = self._markup(params)
        if check_text:
            text, entities = self._text(params)
        self._rate(chat)
        thread = params.get("message_thread_id")
        entry = chat.add(Entry(
            message_id=chat.new_id(), direction="out", kind=kind, text=text,
            parse_mode=params.get("parse_mode"), entities=entities or [], reply_markup=markup,
            date=self._now(), at=time.monotonic(), thread_id=int(thread) if thread else None,
            extra=extra or {},
        ))
        await self._notify_output()
        return self._message(chat, entry)

    # -- methods -----------------------------------------------------------------------
    async def m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def m_logout(self, params: dict[str, Any]) -> bool:
        return True

    async def m_close(self, params: dict[str, Any]) -> bool:
        return True

    async def m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        timeout = min(50.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if offset:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()

        def ready() -> list[dict[str, Any]]:
            items = list(itertools.islice(self._updates, 0, limit))
            if allowed:
                items = [u for u in items if any(k in u for k in allowed)]
            return items

        items = ready()
        if items or timeout <= 0:
            return items
        deadline = time.monotonic() + timeout
        async with self._new_update:
            while not (items := ready()):
                left = deadline - time.monotonic()
                if left <= 0 or self._closing:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), left)
        return items

    async def m_setwebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self.m_deletewebhook(params)
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (1 <= len(str(secret)) <= 256 and all(c.isalnum() or c in "_-" for c in str(secret))):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = {"url": url, "secret_token": secret, "last_error_date": None, "last_error_message": None}
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        self._webhook_wake.set()
        return True

    async def m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        self._webhook_wake.set()
        return True

    async def m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if self.webhook is not None:
            info["url"] = self.webhook["url"]
            if self.webhook["last_error_date"]:
                info["last_error_date"] = self.webhook["last_error_date"]
                info["last_error_message"] = self.webhook["last_error_message"]
        return info

    async def _deliver_webhooks(self) -> None:
        """Push updates one at a time, in order; retry the same update until the bot takes it."""
        delay = self.webhook_retry_delay
        async with ClientSession(timeout=ClientTimeout(total=10)) as http:
            while True:
                if self.webhook is None:
                    return
                if not self._updates:
                    self._webhook_wake.clear()
                    await self._webhook_wake.wait()
                    continue
                hook = self.webhook
                update = self._updates[0]
                headers = {"Content-Type": "application/json"}
                if hook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
                try:
                    async with http.post(hook["url"], data=json.dumps(update), headers=headers) as resp:
                        ok = 200 <= resp.status < 300
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                except (TimeoutError, OSError, ClientError) as exc:
                    ok, error = False, f"Connection failed: {type(exc).__name__}"
                if ok:
                    if self._updates and self._updates[0] is update:
                        self._updates.popleft()
                    self.webhook_deliveries += 1
                    delay = self.webhook_retry_delay
                else:
                    hook["last_error_date"] = self._now()
                    hook["last_error_message"] = error
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)

    async def m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send(params, "text", check_text=True)

    async def m_sendlocation(self, params: dict[str, Any]) -> dict[str, Any]:
        lat, lon = float(params["latitude"]), float(params["longitude"])
        return await self._send(params, "location", extra={"location": {"latitude": lat, "longitude": lon}})

    async def m_sendvenue(self, params: dict[str, Any]) -> dict[str, Any]:
        lat, lon = float(params["latitude"]), float(params["longitude"])
        location = {"latitude": lat, "longitude": lon}
        venue = {"location": location, "title": str(params["title"]), "address": str(params["address"])}
        return await self._send(params, "venue", text=venue["title"], extra={"venue": venue, "location": location})

    async def m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = str(params.get("caption") or "")
        if len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        name = getattr(params.get("document"), "filename", None) or "document"
        document = {"file_id": f"doc{time.monotonic_ns()}", "file_unique_id": "u", "file_name": name}
        return await self._send(params, "document", text=caption, extra={"document": document})

    async def m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": f"ph{time.monotonic_ns()}", "file_unique_id": "p", "width": 90, "height": 90}]
        return await self._send(params, "photo", text=str(params.get("caption") or ""), extra={"photo": photo})

    async def m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    async def m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        entry = chat.by_id.get(int(params.get("message_id") or 0))
        if entry is None or entry.deleted or entry.direction != "out":
            raise ApiError(400, "Bad Request: message to edit not found")
        text, entities = self._text(params)
        markup = self._markup(params)
        if text == entry.text and markup == entry.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        self._rate(chat)
        entry.edits.append(entry.text)
        entry.text, entry.entities, entry.reply_markup = text, entities, markup
        entry.seq = next(_SEQ)
        entry.parse_mode = params.get("parse_mode")
        await self._notify_output()
        return self._message(chat, entry)

    async def m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        entry = chat.by_id.get(int(params.get("message_id") or 0))
        if entry is None or entry.deleted or entry.direction != "out":
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = self._markup(params)
        if markup == entry.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        self._rate(chat)
        entry.reply_markup = markup
        entry.seq = next(_SEQ)
        await self._notify_output()
        return self._message(chat, entry)

    async def m_deletemessage(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        entry = chat.by_id.get(int(params.get("message_id") or 0))
        if entry is None or entry.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        entry.deleted = True
        return True

    async def m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query = self._queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=_truthy(params.get("show_alert")))
        return True

    async def m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            name = str(command.get("command", ""))
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(str(command.get("description", ""))) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[str(params.get("language_code") or "")] = list(commands)
        return True

    async def m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(str(params.get("language_code") or ""), [])

    async def m_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    async def m_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        return True

    async def m_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        out = chat.as_dict()
        out["accent_color_id"] = 0
        out["max_reaction_count"] = 11
        return out

    async def m_createforumtopic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY" if not name else "Bad Request: TOPIC_TITLE_INVALID")
        thread_id = chat.new_id()
        chat.topics[thread_id] = name
        chat.add(Entry(message_id=thread_id, direction="out", kind="service", text=name, date=self._now(), at=time.monotonic()))
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    # -- simulated input ---------------------------------------------------------------
    async def user_message(self, user: SimUser, chat: Chat, kind: str, text: str = "",
                           extra: dict[str, Any] | None = None, thread_id: int | None = None) -> dict[str, Any]:
        entry = chat.add(Entry(
            message_id=chat.new_id(), direction="in", kind=kind, text=text, date=self._now(),
            at=time.monotonic(), sender_id=user.id, thread_id=thread_id, extra=extra or {},
        ))
        message: dict[str, Any] = {
            "message_id": entry.message_id, "date": entry.date, "chat": chat.as_dict(), "from": user.data,
        }
        if thread_id:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if kind == "text":
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra or {})
        return await self.push_update({"message": message})

    async def press(self, user: SimUser, chat: Chat, entry: Entry, data: str) -> dict[str, Any]:
        query_id = f"{next(self._query_ids)}{user.id}"
        self._queries[query_id] = {"answered": False, "data": data, "user": user.id}
        payload = {
            "id": query_id,
            "from": user.data,
            "message": self._message(chat, entry),
            "chat_instance": str(chat.id),
            "data": data,
        }
        return await self.push_update({"callback_query": payload})

    def query(self, query_id: str) -> dict[str, Any] | None:
        return self._queries.get(query_id)


class SimUser:
    """A simulated Telegram user talking to the bot in a private chat (and in groups)."""

    def __init__(self, emulator: Emulator, data: dict[str, Any]) -> None:
        self.emulator = emulator
        self.data = data
        self._mark = 0

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def chat(self) -> Chat:
        return self.emulator.chats[self.id]

    def _remember(self) -> None:
        self._mark = current_seq()

    async def send(self, text: str) -> dict[str, Any]:
        self._remember()
        return await self.emulator.user_message(self, self.chat, "text", text)

    async def command(self, name: str, *args: str) -> dict[str, Any]:
        return await self.send(" ".join([f"/{name}", *args]))

    async def open_link(self, payload: str) -> dict[str, Any]:
        """What Telegram sends when the person opens ``t.me/<bot>?start=<payload>``."""
        return await self.send(f"/start {payload}")

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        self._remember()
        return await self.emulator.user_message(
            self, self.chat, "location", extra={"location": {"latitude": latitude, "longitude": longitude}}
        )

    async def send_photo(self, caption: str = "") -> dict[str, Any]:
        self._remember()
        photo = [{"file_id": f"up{time.monotonic_ns()}", "file_unique_id": "x", "width": 640, "height": 480}]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        return await self.emulator.user_message(self, self.chat, "photo", extra=extra)

    async def send_sticker(self) -> dict[str, Any]:
        self._remember()
        sticker = {"file_id": "st1", "file_unique_id": "s", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": "👍"}
        return await self.emulator.user_message(self, self.chat, "sticker", extra={"sticker": sticker})

    async def press(self, data: str | None = None, *, text: str | None = None, message: Entry | None = None) -> dict[str, Any]:
        """Press an inline button, chosen by its data or its label, on ``message`` or else on
        the newest bot message that has such a button."""
        candidates = [message] if message is not None else list(reversed(self.emulator.outgoing(self.id)))
        for entry in candidates:
            for row in entry.buttons:
                for button in row:
                    if "callback_data" not in button:
                        continue
                    if (data is not None and button["callback_data"] == data) or (
                        text is not None and text in button["text"]
                    ):
                        self._remember()
                        return await self.emulator.press(self, self.chat, entry, button["callback_data"])
        raise AssertionError(f"no button {data or text!r} in the chat of user {self.id}")

    async def press_raw(self, data: str, message: Entry | None = None) -> dict[str, Any]:
        """Send any callback data, as a forged or stale client would."""
        entry = message or self.last_message()
        self._remember()
        return await self.emulator.press(self, self.chat, entry, data)

    def block(self) -> None:
        self.chat.blocked = True

    def unblock(self) -> None:
        self.chat.blocked = False

    async def post_in(self, group: Chat, text: str, thread_id: int | None = None) -> dict[str, Any]:
        group.members.add(self.id)
        return await self.emulator.user_message(self, group, "text", text, thread_id=thread_id)

    def inbox(self) -> list[Entry]:
        return self.emulator.outgoing(self.id)

    def last_message(self) -> Entry:
        inbox = self.inbox()
        if not inbox:
            raise AssertionError(f"user {self.id} has no message from the bot")
        return inbox[-1]

    async def replies(self, count: int = 1, timeout: float = 5.0,
                      predicate: Callable[[Entry], bool] | None = None) -> list[Entry]:
        """The bot's messages sent or edited since this user last did something (waits for
        ``count``)."""
        return await self.emulator.wait_for(self.id, count, since_seq=self._mark, timeout=timeout, predicate=predicate)

    async def reply(self, timeout: float = 5.0) -> Entry:
        return (await self.replies(1, timeout))[-1]


# -- request parsing ------------------------------------------------------------------------
async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                params[key] = value if not isinstance(value, str) else value
    for name in JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[name] = json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    return params


def _truthy(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)
