"""Unanswered questions grouped for organisers: most asked first, each with its latest wording
and languages, read in two queries whatever the number of groups (no query per group)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from bot.clock import SimulatedClock
from bot.services.questions import MEMBERS_SHOWN, QuestionLog, hour_of
from bot.store.db import Database

T0 = dt.datetime(2025, 10, 25, 2, 0, tzinfo=dt.UTC)


async def test_groups_are_read_in_two_queries(db: Database) -> None:
    clock = SimulatedClock(T0)
    log = QuestionLog(db, clock)
    # group k is asked k+1 times (the big one MEMBERS_SHOWN times more), in English and French;
    # the oldest askings of the big group, beyond the latest MEMBERS_SHOWN, are in Russian
    for i in range(5):
        clock.set(T0 - dt.timedelta(hours=1, minutes=i))
        await log.record("Where is the karaoke 5", "ru", "v1")
    clock.set(T0)
    for k in range(6):
        for i in range(k + 1 + (MEMBERS_SHOWN if k == 5 else 0)):
            clock.advance(dt.timedelta(minutes=1))
            await log.record(f"Where is the karaoke {k}" + "?" * i, "en" if i % 2 else "fr", "v1")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001 - SQLAlchemy's event
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        groups = await log.groups(limit=4)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    assert [g.count for g in groups] == [6 + MEMBERS_SHOWN + 5, 5, 4, 3]
    assert groups[0].example == "Where is the karaoke 5" + "?" * (5 + MEMBERS_SHOWN)  # the latest wording
    assert groups[0].languages == ["en", "fr"]  # of the latest askings only
    assert groups[1].example == "Where is the karaoke 4????" and groups[1].languages == ["en", "fr"]
    assert groups[3].example == "Where is the karaoke 2??"
    assert groups[0].last_asked == hour_of(clock.now())  # kept to the hour (#10.15)
    # since this hour: the Russian askings of the hour before are left out
    recent = await log.groups(limit=1, since=hour_of(clock.now()))
    assert [(g.count, g.example) for g in recent] == [(6 + MEMBERS_SHOWN, groups[0].example)]
