"""Run the real bot against the emulator in-process: for tests, benchmarks and demos.

    async with running_bot(database_url, content_dir=...) as bot:
        alice = bot.user(1, "Alice", language_code="fr")
        await alice.send("/start")
        reply = await alice.reply()
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.app import Services, build_services
from bot.clock import SimulatedClock
from bot.config import ROOT, load_settings
from bot.delivery.ratelimit import Limits
from bot.runner import run_polling, serve_webhook
from bot.sandbox.emulator import Emulator, RateLimits, SimUser

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
WEBHOOK_SECRET = "test-secret_123"
DEMO_PACK = ROOT / "content" / "hanoi-2025"
#: generous limits for conversations in tests; the rate-limit tests set Telegram's own
FAST = RateLimits(overall_per_s=1000, private_per_s=50, private_burst=50, group_per_min=600)
NO_LIMITS = Limits(overall_per_s=0, private_per_s=0, group_per_min=0)
EVENT_MORNING = dt.datetime(2025, 10, 25, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hanoi


def _ephemeral_ports() -> tuple[int, int]:
    """The range the kernel takes local ports of outgoing connections from."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default; IANA's 49152-65535 lies inside it too


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, for a server that binds it a moment later. Chosen outside
    the ephemeral range: a port the kernel picked with bind(("127.0.0.1", 0)) and that was
    then closed can be taken meanwhile as the local port of any outgoing connection (the
    test workers make thousands), and the server's bind then fails with "address already in
    use". Random, so that parallel test processes rarely try the same one, and never the
    same one twice in a process."""
    low, _ = _ephemeral_ports()
    floor = 10000 if low > 12000 else 1024
    for _ in range(200):
        port = random.randrange(floor, low if low > floor + 1000 else 65535)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # no luck: the kernel's choice, as before
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Harness:
    """A running bot (real PTB Application over HTTP) and the emulator it talks to."""

    emulator: Emulator
    services: Services
    clock: SimulatedClock
    mode: str

    def user(self, user_id: int, first_name: str = "User", language_code: str | None = "en", *,
             started: bool = False) -> SimUser:
        """A simulated person. As at Telegram the bot can write to them only after they wrote to
        it: ``started=True`` for someone who did so before the test begins."""
        return self.emulator.user(user_id, first_name, language_code=language_code, started=started)


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
    concurrent_updates: int = 4,
    shutdown_timeout_s: float = 10.0,
    emulator: Emulator | None = None,
    clock: SimulatedClock | None = None,
    settings_overrides: dict[str, object] | None = None,
) -> AsyncIterator[Harness]:
    """``emulator`` and ``clock`` (optional) outlive this bot: a restart against the same
    Telegram keeps the chats (an emulator already running is left running at the end)."""
    clock = clock or SimulatedClock(now)
    reused = emulator is not None
    if emulator is None:
        # the webhook is served on http://127.0.0.1 here, which Telegram would refuse: the
        # emulator is told to accept it (its default, like Telegram, requires HTTPS on 80, 88,
        # 443 or 8443)
        emulator = Emulator(token=TOKEN, limits=emulator_limits, clock=clock, webhook_retry_delay=0.05,
                            allow_local_http_webhooks=True)
    else:
        emulator.clock = clock
    async with contextlib.AsyncExitStack() as stack:
        emu = emulator if emulator.port else await stack.enter_async_context(emulator)
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
            concurrent_updates=concurrent_updates,
            shutdown_timeout_s=shutdown_timeout_s,
            **(settings_overrides or {}),
        )
        services = build_services(settings, clock=clock)
        services.limits = bot_limits or NO_LIMITS
        stop = asyncio.Event()
        runner = run_polling(services, stop) if mode == "polling" else serve_webhook(services, stop)
        started = emu.calls.get("getupdates" if mode == "polling" else "setwebhook", 0)
        task = asyncio.create_task(runner)
        try:
            if mode == "webhook" and reused:
                emu.webhook = None  # as deleteWebhook: the bot before this one left its own
                emu.delivery.wake()
            for _ in range(1000):  # ready: polling started, or the webhook registered
                if task.done():
                    task.result()
                if emu.calls.get("getupdates" if mode == "polling" else "setwebhook", 0) > started:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the bot did not start")
            semantic = services.content.current.engine.semantic
            if semantic is not None:  # answers must not depend on how far the background warm-up got
                await asyncio.to_thread(semantic.wait, 300)
            yield Harness(emulator=emu, services=services, clock=clock, mode=mode)
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
