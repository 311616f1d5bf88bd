"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the Bot API emulator and the real PTB application talking to it over HTTP."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22 warns otherwise; our code takes both forms
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.i18n import compile_catalogs
from bot.sandbox.harness import Harness
from bot.store.db import Database
from tests.support import DEMO_PACK, running_bot

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES", "") == "1"
# pytest-xdist runs the suite in several processes (``make test`` does): each worker gets a
# database of its own, ``<name>_gw0``, ``<name>_gw1``..., created beside TEST_DATABASE_URL's
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_created: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    if not WORKER:  # the controller, once, before its workers start
        compile_catalogs()
        if getattr(config.option, "numprocesses", None):  # one process embeds as it goes
            _embed_the_demo_pack()
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")


def _embed_the_demo_pack() -> None:
    """Fill the model's vector cache (var/cache/embeddings) with the demo pack's texts. Every
    running bot embeds them at start; on a fresh checkout each worker would compute the same
    vectors at once (minutes on two cores), then read them from the cache like everyone else."""
    from bot.answers.engine import AnswerEngine
    from bot.catalog.loader import load_pack

    semantic = AnswerEngine(load_pack(DEMO_PACK)).semantic
    if semantic is not None and semantic.available:
        semantic.warm()


def _pg_url() -> str:
    url = make_url(PG_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    if WORKER:
        url = url.set(database=f"{url.database}_{WORKER}")
    return url.render_as_string(hide_password=False)


async def _create_worker_database(url: str) -> None:
    """Create this worker's database (once per process; it is kept between runs)."""
    if not WORKER or url in _created:
        return
    target = make_url(url)
    engine = create_async_engine(target.set(database=make_url(PG_URL).database), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": target.database})
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await engine.dispose()
    _created.add(url)


async def _reset_postgres(url: str) -> None:
    await _create_worker_database(url)
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
