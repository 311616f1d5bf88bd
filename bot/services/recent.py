"""The people behind recent updates, kept in memory so that a chat does not cost a database
write per message.

A small, bounded cache with a time to live, owned by :class:`bot.services.people.PeopleService`:
every change the service makes to a person drops that person's entry (:meth:`invalidate`).
With several worker processes each has its own copy; a change made by another process is seen
when the entry expires (``ttl`` seconds), or sooner once something calls :meth:`invalidate` or
:meth:`clear` on every process. Role checks never read it (they read the database).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.people import TelegramUser
    from bot.store.models import Person


@dataclass(frozen=True)
class _Entry:
    user: TelegramUser
    person: Person
    stored_at: float


class RecentCallers:
    """At most ``size`` people, each for ``ttl`` seconds; the least recently stored go first.

    Ages are measured on a monotonic timer (``timer``, replaceable in tests): this is how old
    a copy is, not what time it is at the event, so it does not use the event clock."""

    def __init__(
        self, *, ttl: float = 60.0, size: int = 50_000, timer: Callable[[], float] = time.monotonic
    ) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.ttl = ttl
        self.size = size
        self._timer = timer
        self._entries: OrderedDict[int, _Entry] = OrderedDict()

    def get(self, user: TelegramUser) -> Person | None:
        """The stored person, if they were stored less than ``ttl`` seconds ago with the very
        same Telegram details (a new name or language code is a miss: it must be written)."""
        entry = self._entries.get(user.id)
        if entry is None:
            return None
        if entry.user != user or self._timer() - entry.stored_at >= self.ttl:
            del self._entries[user.id]
            return None
        return entry.person

    def put(self, user: TelegramUser, person: Person) -> None:
        self._entries.pop(user.id, None)
        self._entries[user.id] = _Entry(user, person, self._timer())
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def invalidate(self, telegram_id: int) -> None:
        """Forget one person (their role, language or delegation changed)."""
        self._entries.pop(telegram_id, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
