"""The migrations build exactly the models' schema, on SQLite and PostgreSQL; revision 0004 adds
the audit log and keeps the questions already stored to the hour (#10.14, #10.15)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select
from sqlalchemy.engine import Connection

from bot.services.agenda import reminder_key
from bot.store.db import Database, alembic_config
from bot.store.models import Base, DeliveryState, OutboxMessage, UnansweredQuestion


async def test_the_migrations_build_the_models_schema(db: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_0004_keeps_the_questions_already_stored_to_the_hour(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.upgrade("0001")
        exact = dt.datetime(2025, 10, 25, 3, 37, 12, 345678, tzinfo=dt.UTC)
        async with db.engine.begin() as conn:
            await conn.execute(insert(UnansweredQuestion.__table__).values(
                text="Where is the karaoke?", normalised="where is the karaoke", language="en",
                content_version="v1", asked_at=exact))
        await db.upgrade()
        async with db.session() as session:
            assert list(await session.scalars(select(UnansweredQuestion.asked_at))) == [exact.replace(minute=0, second=0, microsecond=0)]

        def downgrade(connection: Connection) -> list[str]:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0001")
            return inspect(connection).get_table_names()

        async with db.engine.begin() as conn:
            tables = await conn.run_sync(downgrade)
        assert "audit_log" not in tables and "unanswered_questions" in tables
    finally:
        await db.dispose()



async def test_0011_gives_the_reminders_already_stored_their_start(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.upgrade("0010")
        now = dt.datetime(2025, 10, 25, 1, 0, tzinfo=dt.UTC)
        start = "2025-10-25T10:00:00+07:00"
        common = {"kind": "reminder", "chat_id": 42, "rendered": False, "due_at": now, "next_attempt_at": now,
                  "created_at": now, "updated_at": now}
        async with db.engine.begin() as conn:
            await conn.execute(insert(OutboxMessage.__table__), [
                {**common, "key": "reminder:opening:7:30", "payload": {"session": "opening", "lead": 30, "start": start},
                 "state": DeliveryState.SENT},
                {**common, "key": "reminder:side:7:15", "payload": {"session": "side", "lead": 15},
                 "state": DeliveryState.PENDING},  # no start to give: left as it is
                {**common, "key": "broadcast:1:7", "kind": "broadcast", "payload": {"text": "x"},
                 "state": DeliveryState.PENDING},
            ])
        await db.upgrade()
        async with db.session() as session:
            keys = list(await session.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))
        assert keys == ["reminder:opening:7:30:20251025T0300Z", "reminder:side:7:15", "broadcast:1:7"]
        assert keys[0] == reminder_key("opening", 7, 30, dt.datetime.fromisoformat(start))
    finally:
        await db.dispose()
