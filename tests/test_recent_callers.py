"""The recent-callers cache: bounded, expiring, and invalidated by every change to a person."""

from __future__ import annotations

import pytest

from bot.clock import SimulatedClock
from bot.services.people import PeopleService, TelegramUser
from bot.services.recent import RecentCallers
from bot.store.db import Database
from bot.store.models import Person


class Timer:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def person(telegram_id: int) -> Person:
    return Person(telegram_id=telegram_id, first_name="P", language="en")


def test_bounded_oldest_out_first() -> None:
    cache = RecentCallers(size=3, ttl=60, timer=Timer())
    users = [TelegramUser(i, "U") for i in range(5)]
    for user in users:
        cache.put(user, person(user.id))
    assert len(cache) == 3
    assert cache.get(users[0]) is None and cache.get(users[1]) is None
    assert cache.get(users[4]) is not None


def test_expires_and_misses_on_new_details() -> None:
    timer = Timer()
    cache = RecentCallers(ttl=60, timer=timer)
    user = TelegramUser(1, "Ana", None, "es")
    cache.put(user, person(1))
    assert cache.get(user) is not None
    assert cache.get(TelegramUser(1, "Ana", None, "fr")) is None  # Telegram says something new
    cache.put(user, person(1))
    timer.now = 60.0
    assert cache.get(user) is None


def test_invalidate_and_clear() -> None:
    cache = RecentCallers(timer=Timer())
    a, b = TelegramUser(1, "A"), TelegramUser(2, "B")
    cache.put(a, person(1))
    cache.put(b, person(2))
    cache.invalidate(1)
    assert cache.get(a) is None and cache.get(b) is not None
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError):
        RecentCallers(size=0)


async def test_changes_to_a_person_invalidate_their_entry(db: Database) -> None:
    people = PeopleService(db, SimulatedClock(), recent=RecentCallers(timer=Timer()))
    user = TelegramUser(7, "Li", None, "zh")
    await people.touch(user)
    assert len(people.recent) == 1
    await people.set_language(7, "fr")
    assert len(people.recent) == 0
    person, _ = await people.touch(user)
    assert person.language == "fr"  # read again, not the stale copy
