"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the Bot API emulator and the real PTB application talking to it over HTTP."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22 warns otherwise; our code takes both forms
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.i18n import compile_catalogs
from bot.sandbox.harness import Harness
from bot.store.db import Database
from tests.support import running_bot

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES", "") == "1"


def pytest_configure(config: pytest.Config) -> None:
    compile_catalogs()
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")


def _pg_url() -> str:
    url = PG_URL
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    return url


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    url = _pg_url()
    try:
        await _reset_postgres(url)
    except OSError as exc:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc}")
    return url


@pytest.fixture
async def postgres_url() -> str:
    """A fresh, empty PostgreSQL database, for what only PostgreSQL does (SKIP LOCKED, advisory
    locks); skipped with the reason when TEST_DATABASE_URL is not set."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    url = _pg_url()
    await _reset_postgres(url)
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.upgrade()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    """The bot in polling mode on the demo pack, with a fresh database of each kind."""
    async with running_bot(database_url, organiser_ids=(900,)) as running:
        yield running
