"""Pending updates and ``getUpdates`` long polling, as Telegram keeps them.

Updates stay until confirmed (a later ``offset``); ``allowed_updates`` is remembered between
calls, and an update of another type is never queued. As at Telegram (Client.cpp
``add_update_impl`` filters when an update is created), changing ``allowed_updates`` does not
drop updates already waiting. A second concurrent ``getUpdates`` ends the first one with 409
Conflict, as Telegram does. Waiting uses events, never sleeping loops.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from bot.sandbox.state import ApiError
from bot.waiting import wait_event

#: what Telegram sends when allowed_updates was never given (or given as an empty list)
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_OTHER_POLL = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
                       "instance is running")
CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                    "to delete the webhook first")


def update_type(update: dict[str, Any]) -> str:
    for key in update:
        if key != "update_id":
            return key
    return ""


def update_chat(update: dict[str, Any]) -> int:
    """The chat an update belongs to (for in-order webhook delivery per chat)."""
    body = update.get(update_type(update))
    if isinstance(body, dict):
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        sender = body.get("from")
        if sender:
            return int(sender["id"])
    return -int(update["update_id"]) - (1 << 52)


class UpdateQueue:
    def __init__(self, first_id: int | None = None) -> None:
        self.pending: OrderedDict[int, dict[str, Any]] = OrderedDict()
        # Telegram: "update identifiers start from a certain positive number and increase
        # sequentially"; after a week without updates the next one "is chosen randomly". A new
        # emulator is such a bot: ids from a random start, so a bot that keeps a database between
        # emulators (tests that restart it) never takes a new update for one it has seen
        self._ids = itertools.count(first_id if first_id is not None else random.randrange(1, 1 << 30))
        self._event = asyncio.Event()
        self.allowed: frozenset[str] | None = None
        self._polls = 0
        self.closing = False
        self.listeners: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self.pending)

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update with the next ``update_id``; one of a type the bot does not take
        is not queued (and gets no ``update_id``: the payload comes back as it was)."""
        if not self.is_allowed(payload):
            return payload
        update = {"update_id": next(self._ids), **payload}
        self.pending[update["update_id"]] = update
        self.signal()
        return update

    def signal(self) -> None:
        """Wake every waiting poll (and the webhook sender)."""
        self._event.set()
        self._event = asyncio.Event()
        for listener in self.listeners:
            listener()

    def set_allowed(self, value: Iterable[str] | None) -> None:
        if value is None:
            return
        value = frozenset(value)
        self.allowed = value or None

    def is_allowed(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        return kind not in DEFAULT_EXCLUDED if self.allowed is None else kind in self.allowed

    def confirm(self, offset: int) -> None:
        pending = self.pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popitem(last=False)
            return
        while pending:
            first = next(iter(pending))
            if first >= offset:
                break
            pending.popitem(last=False)

    def drop(self, update_id: int) -> None:
        self.pending.pop(update_id, None)

    def clear(self) -> None:
        self.pending.clear()

    def take(self, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` pending updates."""
        return list(itertools.islice(self.pending.values(), limit))

    async def poll(self, offset: int, limit: int, timeout: float,
                   blocked: Callable[[], bool]) -> list[dict[str, Any]]:
        """``getUpdates``: confirm below ``offset``, then return what is there or wait for it."""
        if offset:
            self.confirm(offset)
        self._polls += 1
        mine = self._polls
        self.signal()  # an older poll still waiting ends with 409, as at Telegram
        items = self.take(limit)
        if items or timeout <= 0:
            return items
        deadline = time.monotonic() + timeout
        while True:
            event = self._event
            left = deadline - time.monotonic()
            if left <= 0 or self.closing:
                return []
            await wait_event(event, left)
            if self.closing:
                return []
            if mine != self._polls:
                raise ApiError(409, CONFLICT_OTHER_POLL)
            if blocked():
                raise ApiError(409, CONFLICT_WEBHOOK)
            items = self.take(limit)
            if items:
                return items

    def close(self) -> None:
        self.closing = True
        self.signal()
