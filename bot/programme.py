"""Questions about the programme against the clock (what is on now, what is next, a day), and
the pages of the programme a person can open with a button."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import Gone, InvalidArgument
from bot.catalog.models import SESSION_KINDS, ContentPack, Session

NEXT_COUNT = 3
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _ordered(pack: ContentPack, sessions: Sequence[Session] | None) -> list[Session]:
    if sessions is None:
        return pack.sessions_sorted()
    return sorted(sessions, key=lambda s: (s.start, s.end, s.id))


def sessions_between(pack: ContentPack, start: dt.datetime, end: dt.datetime,
                     sessions: Sequence[Session] | None = None) -> list[Session]:
    """Sessions that overlap ``[start, end)``, in order (of ``sessions`` when given, e.g. the
    programme as the organisers' changes make it run; else the pack's)."""
    return [s for s in _ordered(pack, sessions) if s.start < end and s.end > start]


def sessions_of_day(pack: ContentPack, day: dt.date, sessions: Sequence[Session] | None = None) -> list[Session]:
    """Sessions that overlap ``day`` in the event's time zone, in order."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=pack.tz)
    return sessions_between(pack, start, start + dt.timedelta(days=1), sessions)


def sessions_now_and_next(
    pack: ContentPack, now: dt.datetime, count: int = NEXT_COUNT, sessions: Sequence[Session] | None = None
) -> tuple[list[Session], list[Session]]:
    """Running sessions, and the next ``count`` starts (every session sharing the first start
    time is included, so parallel sessions are not cut off)."""
    ordered = _ordered(pack, sessions)
    running = [s for s in ordered if s.start <= now < s.end]
    upcoming = [s for s in ordered if s.start > now]
    if len(upcoming) > count:
        cut = upcoming[count - 1].start
        upcoming = [s for s in upcoming if s.start <= cut]
    return running, upcoming


def programme_days(pack: ContentPack) -> set[dt.date]:
    """The event's days and every day a session touches (in the event's time zone)."""
    days = set(pack.event_days())
    for session in pack.sessions:
        day = session.start.astimezone(pack.tz).date()
        while day <= session.end.astimezone(pack.tz).date():
            days.add(day)
            day += dt.timedelta(days=1)
    return days


class ProgrammeView(StrEnum):
    OVERVIEW = ""
    NOW = "now"
    TODAY = "today"
    TOMORROW = "tomorrow"
    DAY = "day"
    KINDS = "kinds"
    KIND = "kind"


@dataclass(frozen=True)
class ProgrammePage:
    """What a programme button opens: the overview, now and next, today, tomorrow, one day,
    the kinds of session, or the sessions of one kind. Its button argument is the view's
    name, with the day or kind after a colon (``day:2025-10-25``, ``kind:plenary``)."""

    view: ProgrammeView = ProgrammeView.OVERVIEW
    day: dt.date | None = None
    kind: str | None = None

    @classmethod
    def of_day(cls, day: dt.date) -> ProgrammePage:
        return cls(ProgrammeView.DAY, day=day)

    @classmethod
    def of_kind(cls, kind: str) -> ProgrammePage:
        return cls(ProgrammeView.KIND, kind=kind)

    @property
    def argument(self) -> str:
        if self.view == ProgrammeView.DAY and self.day is not None:
            return f"day:{self.day.isoformat()}"
        if self.view == ProgrammeView.KIND and self.kind is not None:
            return f"kind:{self.kind}"
        return self.view.value

    @classmethod
    def parse(cls, argument: str, pack: ContentPack) -> ProgrammePage:
        """The page a button's argument names (an argument rule, see :mod:`bot.callbacks`):
        a day must be one of the programme's, a kind one of the kinds of session."""
        name, colon, value = argument.partition(":")
        try:
            view = ProgrammeView(name)
        except ValueError:
            raise InvalidArgument(argument) from None
        if bool(colon) != (view in (ProgrammeView.DAY, ProgrammeView.KIND)):
            raise InvalidArgument(argument)
        if view == ProgrammeView.DAY:
            if not ISO_DAY.match(value):
                raise InvalidArgument(argument)
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                raise InvalidArgument(argument) from None
            if day not in programme_days(pack):
                raise Gone(argument)
            return cls.of_day(day)
        if view == ProgrammeView.KIND:
            if value not in SESSION_KINDS:
                raise InvalidArgument(argument)
            return cls.of_kind(value)
        return cls(view)
