"""A PTB rate limiter that paces like Telegram counts: overall, per group *and per private chat*.

PTB's ``AIORateLimiter`` has no per-private-chat limit and, on a 429, pauses every request of
the bot. Here a 429 pauses only the chat it came from (its ``retry_after``), the request is
retried up to ``max_retries`` times, and the rest of the bot keeps going. Requests sent with
``allow_paid_broadcast`` (the outbox's paid broadcasts) count against an overall bucket of their
own (``paid_per_s``). ``next_free`` and ``free_now`` let the sender ask without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)
JSON = bool | dict[str, Any] | list[dict[str, Any]]


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


class ChatRateLimiter(BaseRateLimiter[int]):
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._overall = (
            AsyncLimiter(self.limits.overall_per_s, 1) if self.limits.overall_per_s else None
        )
        self._paid = AsyncLimiter(self.limits.paid_per_s, 1) if self.limits.paid_per_s else None
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._paused_until: dict[int | str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter | None:
        is_group = isinstance(chat_id, str) or chat_id < 0
        if is_group:
            if not self.limits.group_per_min:
                return None
            rate, period = self.limits.group_per_min, 60.0
        else:
            if not self.limits.private_per_s:
                return None
            burst = max(1, self.limits.private_burst)
            rate, period = burst, burst / self.limits.private_per_s
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > 4096:
                for key, other in list(self._chats.items()):
                    if other.has_capacity(other.max_rate):
                        del self._chats[key]
            limiter = self._chats[chat_id] = AsyncLimiter(rate, period)
        return limiter

    async def _wait_pause(self, chat_id: int | str) -> None:
        until = self._paused_until.get(chat_id)
        if until is not None:
            delay = until - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self._paused_until.pop(chat_id, None)

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
        if chat_id is None:
            return await callback(*args, **kwargs)
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        max_retries = self.limits.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(max_retries + 1):
            await self._wait_pause(chat_id)
            chat_limiter = self._chat_limiter(chat_id)
            overall = self._paid if data.get("allow_paid_broadcast") else self._overall
            async with chat_limiter or contextlib.nullcontext(), overall or contextlib.nullcontext():
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    if attempt >= max_retries:
                        log.warning("429 on %s after %d retries: giving up", endpoint, attempt)
                        raise
                    seconds = _seconds(exc)
                    log.info("429 on %s: chat paused for %.1fs", endpoint, seconds)
                    self._paused_until[chat_id] = time.monotonic() + seconds + 0.05
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
            wait = max(wait, _wait(self._chats.get(chat_id)))
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


def _seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives it as a number or a timedelta."""
    delay = exc._retry_after  # noqa: SLF001 - the public attribute warns about its future type
    return delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
