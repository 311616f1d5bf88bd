"""Telegram's flood limits as the emulator enforces them: token buckets on monotonic time.

Telegram does not publish exact numbers; its FAQ says about 30 messages per second per bot
overall, about one per second per private chat (short bursts pass) and 20 per minute per
group. Messages sent with ``allow_paid_broadcast`` (paid in Stars) draw on their own budget of
up to 1,000 per second instead of the 30; per-chat limits apply to them all the same. A request
over any limit is refused as a whole (no token is taken from the other buckets) with 429 and
``retry_after`` = the whole seconds until it would pass.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """Limits per bot. A rate of 0 disables that limit; bursts default to sensible values.

    ``RateLimits()`` is Telegram's default; ``RateLimits.off()`` for tests that do not care.
    ``paid_per_s`` is the overall budget of messages sent with ``allow_paid_broadcast`` (Telegram:
    up to 1,000/s), used instead of ``overall_per_s`` for them only.
    """

    overall_per_s: float = 30.0
    private_per_s: float = 1.0
    private_burst: int = 3
    group_per_min: float = 20.0
    #: how many messages may go out at once overall (default: one second's worth)
    overall_burst: int | None = None
    #: how many messages a group may get at once (default: one minute's worth)
    group_burst: int | None = None
    paid_per_s: float = 1000.0

    @classmethod
    def off(cls) -> RateLimits:
        return cls(overall_per_s=0, private_per_s=0, group_per_min=0, paid_per_s=0)

    def with_overall(self, per_s: float) -> RateLimits:
        """The same limits with another overall rate (e.g. for benchmarks)."""
        return dataclasses.replace(self, overall_per_s=per_s)


class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` saved up; monotonic time."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 when one is free now). Takes nothing."""
        elapsed = now - self.stamp
        if elapsed > 0:
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
            self.stamp = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class RateLimiter:
    """The buckets of one bot: one overall, one per chat (created on first use)."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._overall = (
            TokenBucket(limits.overall_per_s, limits.overall_burst or limits.overall_per_s)
            if limits.overall_per_s > 0 else None
        )
        self._paid = TokenBucket(limits.paid_per_s, limits.paid_per_s) if limits.paid_per_s > 0 else None
        self._chats: dict[int, TokenBucket | None] = {}
        self.refused = 0

    def _chat_bucket(self, chat_id: int, private: bool) -> TokenBucket | None:
        try:
            return self._chats[chat_id]
        except KeyError:
            pass
        limits = self.limits
        bucket: TokenBucket | None = None
        if private and limits.private_per_s > 0:
            bucket = TokenBucket(limits.private_per_s, limits.private_burst)
        elif not private and limits.group_per_min > 0:
            bucket = TokenBucket(limits.group_per_min / 60.0, limits.group_burst or limits.group_per_min)
        self._chats[chat_id] = bucket
        return bucket

    def check(self, chat_id: int, private: bool, paid: bool = False) -> int:
        """Count one message to ``chat_id`` (``paid``: sent with ``allow_paid_broadcast``, from
        the paid budget): 0 when allowed, else ``retry_after`` in whole seconds (and nothing is
        counted)."""
        chat = self._chat_bucket(chat_id, private)
        overall = self._paid if paid else self._overall
        now = time.monotonic()
        wait = chat.wait(now) if chat is not None else 0.0
        if overall is not None:
            wait = max(wait, overall.wait(now))
        if wait > 0:
            self.refused += 1
            return max(1, math.ceil(wait))
        if chat is not None:
            chat.take()
        if overall is not None:
            overall.take()
        return 0
