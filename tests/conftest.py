"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the Bot API emulator and the real PTB application talking to it over HTTP."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.i18n import compile_catalogs
from bot.store.db import Database

ROOT = Path(__file__).resolve().parent.parent
DEMO_PACK = Path(os.environ.get("TEST_CONTENT_DIR", ROOT / "content" / "hanoi-2025"))
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
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.upgrade()
    try:
        yield database
    finally:
        await database.dispose()


# -- the bot against the emulator ----------------------------------------------------------
import asyncio  # noqa: E402
import datetime as dt  # noqa: E402
import socket  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from bot.app import Services, build_services  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.delivery.ratelimit import Limits  # noqa: E402
from bot.runner import run_polling, serve_webhook  # noqa: E402
from bot.sandbox.emulator import Emulator, RateLimits, SimUser  # noqa: E402

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
WEBHOOK_SECRET = "test-secret_123"
#: generous limits for conversations in tests; the rate-limit tests set Telegram's own
FAST = RateLimits(overall_per_s=1000, private_per_s=50, private_burst=50, group_per_min=600)
EVENT_MORNING = dt.datetime(2025, 10, 25, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hanoi


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Harness:
    """A running bot (real PTB Application over HTTP) and the emulator it talks to."""

    emulator: Emulator
    services: Services
    clock: SimulatedClock
    mode: str

    def user(self, user_id: int, first_name: str = "User", language_code: str | None = "en", **kw: object) -> SimUser:
        return self.emulator.user(user_id, first_name, language_code=language_code, **kw)  # type: ignore[arg-type]


@asynccontextmanager
async def running_bot(
    database_url: str,
    *,
    mode: str = "polling",
    content_dir: Path = DEMO_PACK,
    organiser_ids: tuple[int, ...] = (),
    emulator_limits: RateLimits = FAST,
    bot_limits: Limits | None = None,
    open_access: bool = True,
    now: dt.datetime = EVENT_MORNING,
):
    clock = SimulatedClock(now)
    async with Emulator(token=TOKEN, limits=emulator_limits, clock=clock, webhook_retry_delay=0.05) as emu:
        port = free_port()
        settings = load_settings(
            bot_token=TOKEN,
            database_url=database_url,
            content_dir=content_dir,
            telegram_api_url=emu.base_url,
            organiser_ids=",".join(str(i) for i in organiser_ids),
            open_access=open_access,
            webhook_url=f"http://127.0.0.1:{port}" if mode == "webhook" else None,
            webhook_secret=WEBHOOK_SECRET if mode == "webhook" else None,
            host="127.0.0.1",
            port=port,
            bot_username=emu.bot_user["username"],
        )
        services = build_services(settings, clock=clock)
        services.limits = bot_limits or Limits(overall_per_s=0, private_per_s=0, group_per_min=0)
        stop = asyncio.Event()
        runner = run_polling(services, stop) if mode == "polling" else serve_webhook(services, stop)
        task = asyncio.create_task(runner)
        try:
            for _ in range(500):  # ready: polling started, or the webhook registered
                if task.done():
                    task.result()
                if (mode == "polling" and emu.calls.get("getupdates")) or (mode == "webhook" and emu.webhook):
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the bot did not start")
            yield Harness(emulator=emu, services=services, clock=clock, mode=mode)
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)


@pytest.fixture
async def bot(database_url: str):
    """The bot in polling mode on the demo pack, with a fresh database of each kind."""
    async with running_bot(database_url, organiser_ids=(900,)) as harness:
        yield harness
