"""The migrations build exactly the models' schema, on SQLite and PostgreSQL; revision 0004 adds
the audit log and keeps the questions already stored to the hour (#10.14, #10.15)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select
from sqlalchemy.engine import Connection

from bot.store.db import Database, alembic_config
from bot.store.models import Base, UnansweredQuestion


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

