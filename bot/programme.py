"""Questions about the programme against the clock: what is on now, what is next, a day."""

from __future__ import annotations

import datetime as dt

from bot.catalog.models import ContentPack, Session

NEXT_COUNT = 3


def sessions_between(pack: ContentPack, start: dt.datetime, end: dt.datetime) -> list[Session]:
    """Sessions that overlap ``[start, end)``, in order."""
    return [s for s in pack.sessions_sorted() if s.start < end and s.end > start]


def sessions_now_and_next(
    pack: ContentPack, now: dt.datetime, count: int = NEXT_COUNT
) -> tuple[list[Session], list[Session]]:
    """Running sessions, and the next ``count`` starts (every session sharing the first start
    time is included, so parallel sessions are not cut off)."""
    ordered = pack.sessions_sorted()
    running = [s for s in ordered if s.start <= now < s.end]
    upcoming = [s for s in ordered if s.start > now]
    if len(upcoming) > count:
        cut = upcoming[count - 1].start
        upcoming = [s for s in upcoming if s.start <= cut]
    return running, upcoming
