"""A PTB rate limiter that paces like Telegram counts, and retries what is safe to retry.

Pacing: overall, per group *and per private chat*. PTB's ``AIORateLimiter`` has no
per-private-chat limit and, on a 429, pauses every request of the bot. Here a 429 pauses only
the chat it came from (its ``retry_after``) and the rest of the bot keeps going. A handler
that waits for its chat's pacing or pause gives its worker slot back meanwhile
(:mod:`bot.slots`), so a chatty chat does not hold the slots others need. Requests sent
with ``allow_paid_broadcast`` (the outbox's paid broadcasts) count against an overall bucket
of their own (``paid_per_s``); ``next_free`` and ``free_now`` let the sender ask without
waiting.

Retries: a failed call is sent again (up to ``max_retries`` times, or ``rate_limit_args``
when the caller passes an int; 0 raises at once, for callers that retry themselves, like the
outbox's sender) only when it cannot have been carried out, because a second copy of a reply
is as wrong as none. By kind:

- 429 Too Many Requests: Telegram refused it. Retried after ``retry_after``.
- Connect errors, connect timeouts and pool timeouts: the request never left the process.
  Write errors and write timeouts: it was not sent completely, and an incomplete request is
  not executed. Retried after a short backoff (0.5 s, 1 s, 2 s: capped small, a person is
  waiting).
- 500, 502, 503 from Telegram (:class:`~bot.delivery.request.ServerError`): its front or the
  Bot API server failed before carrying the request out. Retried after the backoff.
- Read timeouts, a connection dropped while waiting for the answer, 504 Gateway Timeout:
  ambiguous, the request reached Telegram and may have been carried out. *Not* retried: the
  error goes on (to the error handler, which logs it) rather than risk sending the person the
  same message twice; the read timeout is long (15 s), so this is rare.
- 400, 401, 403, 404, 409: Telegram's answer about the request itself. Not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
from aiolimiter import AsyncLimiter
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.delivery.request import ServerError
from bot.slots import slot_released

log = logging.getLogger(__name__)
JSON = bool | dict[str, Any] | list[dict[str, Any]]
BACKOFF_S = 0.5  # the first pause before a retry after a network or server error; doubles
BACKOFF_CAP_S = 2.0
GUARD_S = 0.1  # a chat's messages leave at least this much later than its bucket allows
#: Telegram's 5xx answers that mean the request was not carried out
NOT_EXECUTED_STATUSES = frozenset({500, 502, 503})
#: transport failures before the request was completely sent
_NOT_SENT = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout,
    # the Bot API client (bot.delivery.http): no connection could be opened, or none in time
    aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError,
)


@dataclass(frozen=True)
class Limits:
    """Messages per second overall, per private chat (with a burst) and per group per minute.
    A rate of 0 disables that limit."""

    overall_per_s: float = 30.0
    private_per_s: float = 1.0
    private_burst: int = 3
    group_per_min: float = 20.0
    max_retries: int = 3
    #: overall rate of requests sent with ``allow_paid_broadcast`` (a bucket of their own)
    paid_per_s: float = 1000.0


class ChatPace:
    """One chat's token bucket (``rate`` per second, ``capacity`` saved up), counted when a
    message actually leaves rather than when it starts waiting, as Telegram counts arrivals: a
    message held up by the overall rate does not make the chat's next one early. A message
    leaves only with :data:`GUARD_S` worth of tokens to spare, so that the network's jitter
    does not bring two messages closer at Telegram than they left here."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def delay(self) -> float:
        """Seconds until a message may leave (0: now). Takes nothing."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        need = 1 + GUARD_S * self.rate
        return 0.0 if self.tokens >= need else (need - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1

    def idle(self) -> bool:
        return self.delay() == 0.0 and self.tokens >= self.capacity


class ChatRateLimiter(BaseRateLimiter[int]):
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._overall = (
            AsyncLimiter(self.limits.overall_per_s, 1) if self.limits.overall_per_s else None
        )
        self._paid = AsyncLimiter(self.limits.paid_per_s, 1) if self.limits.paid_per_s else None
        self._chats: dict[int | str, ChatPace] = {}
        self._paused_until: dict[int | str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_pace(self, chat_id: int | str) -> ChatPace | None:
        is_group = isinstance(chat_id, str) or chat_id < 0
        if is_group:
            if not self.limits.group_per_min:
                return None
            rate, capacity = self.limits.group_per_min / 60.0, self.limits.group_per_min
        else:
            if not self.limits.private_per_s:
                return None
            rate, capacity = self.limits.private_per_s, max(1, self.limits.private_burst)
        pace = self._chats.get(chat_id)
        if pace is None:
            if len(self._chats) > 4096:
                for key, other in list(self._chats.items()):
                    if other.idle():
                        del self._chats[key]
            pace = self._chats[chat_id] = ChatPace(rate, capacity)
        return pace

    async def _wait_pause(self, chat_id: int | str) -> None:
        until = self._paused_until.get(chat_id)
        if until is not None:
            delay = until - time.monotonic()
            if delay > 0:
                async with slot_released():
                    await asyncio.sleep(delay)
            else:
                self._paused_until.pop(chat_id, None)

    async def _paced(self, chat_id: int | str | None, *, paid: bool = False) -> None:
        """Wait for the chat's pause, its pace and the overall rate; the chat's token is taken
        as the message leaves. Calls without a chat (answering a button, commands, getMe) are
        not messages: not paced."""
        if chat_id is None:
            return
        await self._wait_pause(chat_id)
        pace = self._chat_pace(chat_id)
        if pace is not None:
            while (delay := pace.delay()) > 0:
                async with slot_released():
                    await asyncio.sleep(delay)
        overall = self._paid if paid else self._overall
        if overall is not None:
            await overall.acquire()
        if pace is not None:
            pace.take()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id) if chat_id is not None else None
        max_retries = self.limits.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(max_retries + 1):
            await self._paced(chat_id, paid=bool(data.get("allow_paid_broadcast")))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= max_retries:
                    if max_retries:
                        log.warning("429 on %s after %d retries: giving up", endpoint, attempt)
                    raise
                seconds = _seconds(exc)
                log.info("429 on %s: chat paused for %.1fs", endpoint, seconds)
                if chat_id is None:
                    async with slot_released():
                        await asyncio.sleep(seconds)
                else:
                    self._paused_until[chat_id] = time.monotonic() + seconds + 0.05
            except NetworkError as exc:
                if not not_carried_out(exc) or attempt >= max_retries:
                    if max_retries and not_carried_out(exc):
                        log.warning("%s on %s after %d retries: giving up", _kind(exc), endpoint, attempt)
                    raise
                delay = min(BACKOFF_S * 2**attempt, BACKOFF_CAP_S)
                log.info("%s on %s: retrying in %.1fs", _kind(exc), endpoint, delay)
                async with slot_released():
                    await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- read-only: for the outbox's sender, which picks the rows whose chat is free ---------
    def next_free(self, chat_id: int | str | None = None, *, paid: bool = False) -> float:
        """Seconds until one request to ``chat_id`` (None: any chat) would pass the overall
        limit (the paid one with ``paid``), the chat's limit and its 429 pause without waiting
        here; 0 when it would pass now. Takes nothing."""
        wait = _wait(self._paid if paid else self._overall)
        if chat_id is not None:
            until = self._paused_until.get(chat_id)
            if until is not None:
                wait = max(wait, until - time.monotonic())
            pace = self._chats.get(chat_id)
            if pace is not None:
                wait = max(wait, pace.delay())
        return max(0.0, wait)

    def free_now(self, *, paid: bool = False) -> int:
        """How many requests the overall limit (the paid one with ``paid``) would let through
        at once now; a large number when there is no limit. Takes nothing."""
        limiter = self._paid if paid else self._overall
        if limiter is None:
            return 1 << 30
        limiter.has_capacity()  # lets the bucket leak up to now
        return max(0, int(limiter.max_rate - limiter._level))  # noqa: SLF001 - aiolimiter keeps it private


def _wait(limiter: AsyncLimiter | None) -> float:
    """Seconds until ``limiter`` has room for one more (aiolimiter's leaky bucket)."""
    if limiter is None or limiter.has_capacity():
        return 0.0
    return (limiter._level + 1 - limiter.max_rate) / limiter._rate_per_sec  # noqa: SLF001


def not_carried_out(exc: BaseException) -> bool:
    """True when a failed Bot API call certainly was not carried out by Telegram, so sending
    it again cannot make a duplicate (see the module docstring for each kind)."""
    if isinstance(exc, ServerError):
        return exc.status in NOT_EXECUTED_STATUSES
    if isinstance(exc, TimedOut) or type(exc) is NetworkError:
        return isinstance(exc.__cause__, _NOT_SENT)
    return False  # BadRequest, Forbidden, Conflict, ... are NetworkErrors too: final answers


def _kind(exc: BaseException) -> str:
    if isinstance(exc, ServerError):
        return f"HTTP {exc.status}"
    cause = exc.__cause__
    return f"{type(exc).__name__} ({type(cause).__name__})" if cause is not None else type(exc).__name__


def _seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives it as a number or a timedelta."""
    delay = exc._retry_after  # noqa: SLF001 - the public attribute warns about its future type
    return delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
