"""Webhook delivery as Telegram does it: each update POSTed as JSON to the registered URL with
``X-Telegram-Bot-Api-Secret-Token``; up to ``max_connections`` requests at once, but updates of
one chat strictly in order; a failed delivery (non-2xx, connection error, timeout) is retried
with growing delays, and nothing new goes out until that delay has passed. An update leaves
the queue only when the bot answered 2xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.sandbox import errors
from bot.sandbox.state import ApiError
from bot.sandbox.updates import update_chat
from bot.waiting import wait_event

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SCAN_WINDOW = 2000  # how far past the head of the queue one dispatch round looks
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def parse_webhook_url(url: str) -> SplitResult:
    """Client.cpp ``do_set_webhook``: the URL must parse (https:// when no scheme is given)."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ApiError(400, errors.WEBHOOK_INVALID_URL) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(400, errors.WEBHOOK_INVALID_URL)
    return parts


def verify_webhook_url(parts: SplitResult, *, allow_local_http: bool = False) -> None:
    """WebhookActor.cpp ``start_up``: HTTPS on port 80, 88, 443 or 8443; ``check_ip_address``:
    no reserved or IPv6-only address. ``allow_local_http`` (an emulator setting for local tests,
    never Telegram's behaviour) accepts any scheme and port on this machine (localhost,
    127.0.0.1, ::1)."""
    host = (parts.hostname or "").lower()
    if allow_local_http and host in LOCAL_HOSTS:
        return
    if parts.scheme != "https":
        raise ApiError(400, errors.WEBHOOK_HTTPS)
    if (parts.port or 443) not in WEBHOOK_PORTS:
        raise ApiError(400, errors.WEBHOOK_PORT)
    try:
        address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        return  # a name: Telegram resolves it later, the emulator does not
    if address.version == 6:
        raise ApiError(400, errors.WEBHOOK_IPV6)
    if not address.is_global:
        raise ApiError(400, errors.WEBHOOK_RESERVED_IP.format(ip=address))


class WebhookDelivery:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.deliveries = 0
        self.failures = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._busy_chats: set[int] = set()
        self._retry_at = 0.0
        self._delay = emulator.webhook_retry_delay
        self._session: ClientSession | None = None
        emulator.updates.listeners.append(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._retry_at = 0.0
        self._delay = self.emu.webhook_retry_delay
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="emulator-webhook")
        self.wake()

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._inflight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._inflight.clear()
        self._busy_chats.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.emu.webhook is not None:
            wait: float | None = None
            now = loop.time()
            if now < self._retry_at:
                wait = self._retry_at - now
            else:
                self._dispatch()
            self._wake.clear()
            if wait is None:
                await self._wake.wait()
            else:
                await wait_event(self._wake, wait)

    def _dispatch(self) -> None:
        hook = self.emu.webhook
        if hook is None:
            return
        limit = int(hook.get("max_connections") or 40)
        if len(self._inflight) >= limit:
            return
        queue = self.emu.updates
        blocked = set(self._busy_chats)
        for scanned, (update_id, update) in enumerate(queue.pending.items()):
            if len(self._inflight) >= limit or scanned >= SCAN_WINDOW:
                break
            if update_id in self._inflight:
                continue
            chat = update_chat(update)
            if chat in blocked:
                continue
            blocked.add(chat)  # later updates of this chat wait for this one
            self._busy_chats.add(chat)
            self._inflight[update_id] = asyncio.get_running_loop().create_task(self._post(update_id, update, chat))

    def _http(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(timeout=ClientTimeout(total=self.emu.webhook_timeout))
        return self._session

    async def _post(self, update_id: int, update: dict[str, Any], chat: int) -> None:
        hook = self.emu.webhook
        ok = False
        error = ""
        try:
            if hook is None:
                return
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers[SECRET_HEADER] = str(hook["secret_token"])
            try:
                async with self._http().post(str(hook["url"]), data=json.dumps(update), headers=headers) as resp:
                    await resp.read()
                    ok = 200 <= resp.status < 300
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except TimeoutError:
                error = "Connection timed out"
            except (OSError, ClientError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
        finally:
            self._inflight.pop(update_id, None)
            self._busy_chats.discard(chat)
        loop = asyncio.get_running_loop()
        if ok:
            self.emu.updates.drop(update_id)
            self.deliveries += 1
            self._delay = self.emu.webhook_retry_delay
        elif hook is not None:
            self.failures += 1
            hook["last_error_date"] = self.emu.now()
            hook["last_error_message"] = error
            log.debug("webhook delivery of update %s failed: %s", update_id, error)
            self._retry_at = max(self._retry_at, loop.time() + self._delay)
            self._delay = min(self._delay * 2, self.emu.webhook_max_delay)
        self.wake()
