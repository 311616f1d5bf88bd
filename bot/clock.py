"""The one source of "now".

Everything that needs the current time takes a :class:`Clock`; nothing calls
``datetime.now()`` directly. Tests and the sandbox use :class:`SimulatedClock`, which
can be set and advanced.
"""

from __future__ import annotations

import datetime as dt


class Clock:
    """Real time, always timezone-aware (UTC)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def now_in(self, tz: dt.tzinfo) -> dt.datetime:
        return self.now().astimezone(tz)


class SimulatedClock(Clock):
    """A clock that stands still until told to move (tests, sandbox, benchmarks)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        start = start or dt.datetime.now(dt.UTC)
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs an aware datetime")
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("SimulatedClock needs an aware datetime")
        self._now = when

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self._now += delta
        return self._now


class ShiftedClock(Clock):
    """Real time moved to another moment: the sandbox lives on the event's first morning while
    seconds keep ticking; :meth:`set` jumps to another moment."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._offset = start - dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._offset = when - dt.datetime.now(dt.UTC)
