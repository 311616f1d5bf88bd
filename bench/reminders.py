"""Reminders on time, once, through a programme change and a kill -9.

    python -m bench.reminders [--quick] [--delegates N] [--opening M] [--latency S] [--database-url URL]

The bot runs as its own process (``python -m bot run``: polling, SQLite by default) against the
emulator at Telegram's limits (30 messages/s overall, 1/s per private chat), pacing itself with
the same figures, on a clock ahead of real time (``CLOCK_OFFSET_S``: real seconds from the
event's morning). Its pack (written for the run) has an opening ceremony at 09:00 and a few
sessions beside it; everyone has the pack's 30-minute lead. 2,000 delegates (``--quick``: 200)
have written to the bot: 1,500 (150) follow the opening, the rest are spread over the other
sessions. Their follows are rows in the database before the bot starts; the bot plans the
reminders at start-up (one batch: everything due at 08:30 starts early enough at the overall rate).

In the middle: a programme change (one session moved to another room, ``/reload`` by an
organiser: its followers get one notice each, nobody else), then a ``kill -9`` of the bot while
the batch drains, and a restart on the same database and clock.

Figures: ``due`` (reminders that fell due), ``delivered`` (people who got theirs), ``duplicates``,
``lost``; ``late_p50_s``, ``late_p99_s``: when the emulator received a reminder minus when it
was due (start minus lead); ``early_max_s``: how much earlier than that any came (the limit is
``early_limit_s`` = batch ÷ rate + 5 s); ``killed_in_flight``: rows that were out (``sending``)
when the bot was killed (each may come twice); ``rate_ratio``: messages per second while the
batch drained, the restart's gap left out, over the limit (``rate_ratio_with_gap``: with it);
``notices``, ``notice_duplicates``, ``notices_to_others``: the programme change. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, insert, select, text

from bot.config import ROOT
from bot.i18n import compile_catalogs
from bot.sandbox.emulator import Emulator, RateLimits
from bot.sandbox.harness import TOKEN
from bot.store.db import Database
from bot.store.models import DeliveryState, Follow, FollowState, OutboxMessage, Person, Role

TELEGRAM = RateLimits()  # 30/s overall, 1/s per private chat (burst 3), 20/min per group
RATE = 30.0
LEAD = dt.timedelta(minutes=30)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2025, 10, 25)
OPENING_AT = dt.datetime(2025, 10, 25, 9, 0, tzinfo=TZ)
ORGANISER = 7_999_999
FIRST_ID = 7_000_001
TIDY = Path(__file__).resolve().parent.parent / "tests" / "data" / "packs" / "tiny"


def has_written(emu: Emulator, user_id: int) -> None:
    """The person wrote to the bot before (recorded in the chat, as Telegram remembers it)."""
    emu.user(user_id, f"D{user_id}", started=True)


def steady_rate(times: list[float], burst: float) -> float:
    """Messages per second from arrival times; a token bucket starts full, so ``n`` messages
    over ``T`` seconds at rate ``r`` are ``burst + r * T`` (as in bench.outbox)."""
    if len(times) < 2:
        return 0.0
    span = max(times) - min(times)
    if span <= 0:
        return 0.0
    return (len(times) - burst) / span if len(times) > 2 * burst else len(times) / span


async def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check`` every 0.1 s for at most ``timeout`` seconds; whether it came true."""
    for _ in range(int(timeout * 10) + 1):
        if check():
            return True
        await asyncio.sleep(0.1)
    return check()


def write_pack(directory: Path, others: list[str], moved: str | None = None) -> None:
    """A two-language pack: the opening and ``others`` at 09:00; ``moved`` in another room."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("event.yaml", "venues.yaml", "faq.yaml"):
        (directory / name).write_text((TIDY / name).read_text(encoding="utf-8"), encoding="utf-8")
    sessions = [{"id": "opening-ceremony", "title": {"en": "Opening ceremony", "fr": "Cérémonie d'ouverture"},
                 "kind": "ceremony", "start": "2025-10-25T09:00", "end": "2025-10-25T10:00", "room": "plenary-hall"}]
    for n, sid in enumerate(others):
        sessions.append({"id": sid, "title": {"en": f"Bench session {n + 1}", "fr": f"Séance d'essai {n + 1}"},
                         "kind": "side-event", "start": "2025-10-25T09:00", "end": "2025-10-25T09:45",
                         "room": "plenary-hall" if sid == moved else "side-room"})
    text = yaml.safe_dump({"sessions": sessions}, allow_unicode=True, sort_keys=False)
    (directory / "programme.yaml").write_text(text, encoding="utf-8")


class BotProcess:
    """``python -m bot run`` against the emulator, on the bench's clock; its log in a file."""

    def __init__(self, emu: Emulator, database_url: str, pack: Path, offset_s: float, log_path: Path) -> None:
        self.emu, self.database_url, self.pack, self.offset_s, self.log_path = emu, database_url, pack, offset_s, log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> float:
        """Start and wait until it polls; returns the seconds that took."""
        started = time.perf_counter()
        env = {
            **os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": self.emu.base_url,
            "DATABASE_URL": self.database_url, "CONTENT_DIR": str(self.pack), "LOG_LEVEL": "INFO",
            "SEMANTIC_ANSWERS": "false", "RATE_OVERALL_PER_S": str(RATE), "RATE_PRIVATE_PER_S": "1",
            "RATE_GROUP_PER_MIN": "20", "ORGANISER_IDS": str(ORGANISER), "CLOCK_OFFSET_S": repr(self.offset_s),
        }
        polls = self.emu.calls.get("getupdates", 0)
        with self.log_path.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                                                             stdout=out, stderr=out)
        for _ in range(2400):
            if self.proc.returncode is not None:
                raise SystemExit(f"the bot exited with {self.proc.returncode}; see {self.log_path}")
            if self.emu.calls.get("getupdates", 0) > polls:
                return time.perf_counter() - started
            await asyncio.sleep(0.025)
        raise SystemExit(f"the bot did not start; see {self.log_path}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 60)


async def seed(url: str, emu: Emulator, follows: dict[int, str]) -> None:
    """People who wrote to the bot (as /start would have made them), and their follows; a
    PostgreSQL database is emptied first (give the bench one of its own)."""
    db = Database(url)
    try:
        if db.dialect == "postgresql":
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await db.upgrade()
        now = dt.datetime.now(dt.UTC)
        ids = [*follows, ORGANISER]
        async with db.session() as s:
            await s.execute(insert(Person), [
                {"telegram_id": u, "first_name": f"D{u}", "language": "fr" if u % 5 == 0 else "en",
                 "language_chosen": False, "role": Role.ORGANISER if u == ORGANISER else Role.DELEGATE,
                 "active": True, "created_at": now, "updated_at": now, "last_seen_at": now}
                for u in ids
            ])
            person = dict((await s.execute(select(Person.telegram_id, Person.id))).all())
            await s.execute(insert(Follow), [
                {"person_id": person[u], "session_id": sid, "state": FollowState.FOLLOWING, "created_at": now,
                 "updated_at": now} for u, sid in follows.items()
            ])
            await s.commit()
        for u in ids:
            has_written(emu, u)
    finally:
        await db.dispose()


async def in_state(url: str, state: DeliveryState) -> int:
    db = Database(url)
    try:
        async with db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.kind == "reminder", OutboxMessage.state == state)) or 0)
    finally:
        await db.dispose()


def reminders_of(emu: Emulator, user_id: int) -> list[float]:
    return [e.at for e in emu.outgoing(user_id) if e.text.startswith("⏰")]


def notices_of(emu: Emulator, user_id: int) -> int:
    return sum(1 for e in emu.outgoing(user_id) if e.text.startswith("📣"))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    delegates = args.delegates or (200 if args.quick else 2000)
    opening = args.opening or (150 if args.quick else 1500)
    others = [f"bench-session-{n + 1}" for n in range(2 if args.quick else 4)]
    moved = others[-1]
    ids = list(range(FIRST_ID, FIRST_ID + delegates))
    follows = {u: ("opening-ceremony" if i < opening else others[i % len(others)]) for i, u in enumerate(ids)}
    pack = workdir / "pack"
    write_pack(pack, others)
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    target = OPENING_AT - LEAD  # every reminder's due time: 08:30
    batch = len(follows)
    drain_s = batch / RATE
    # the bot's clock: the event morning, so that the batch starts ~lead_in seconds after the
    # bot is up (start-up, the programme change and its notices come first)
    lead_in = 12.0
    print(f"reminders: {delegates} delegates, {opening} on the opening (09:00, 30-minute lead), "
          f"{delegates - opening} over {len(others)} other sessions; {RATE:.0f}/s; batch of {batch} "
          f"drains in {drain_s:.1f}s", flush=True)
    async with Emulator(token=TOKEN, limits=TELEGRAM, latency=args.latency) as emu:
        await seed(url, emu, follows)
        event_start = target - dt.timedelta(seconds=drain_s + lead_in + 8.0)
        offset_s = (event_start - dt.datetime.now(dt.UTC)).total_seconds()
        mono0, real0 = time.monotonic(), dt.datetime.now(dt.UTC)

        def event_time(at: float) -> dt.datetime:
            return real0 + dt.timedelta(seconds=at - mono0 + offset_s)

        first = BotProcess(emu, url, pack, offset_s, workdir / "bot-first.log")
        second = BotProcess(emu, url, pack, offset_s, workdir / "bot-second.log")
        try:
            startup_s = await first.start()
            print(f"  bot up in {startup_s:.1f}s; event clock {event_time(time.monotonic()).astimezone(TZ):%H:%M:%S}",
                  flush=True)
            # the programme change: one session to another room, reloaded by an organiser
            write_pack(pack, others, moved=moved)
            organiser = emu.user(ORGANISER, "Org", language_code="en")
            await organiser.send("/reload")
            await emu.wait_for(ORGANISER, lambda e: "reloaded" in e.text or "problem" in e.text, timeout=60)
            moved_followers = [u for u, sid in follows.items() if sid == moved]
            await wait_until(lambda: all(notices_of(emu, u) > 0 for u in moved_followers), 30)
            print(f"  programme change: {sum(notices_of(emu, u) for u in moved_followers)} notices for "
                  f"{len(moved_followers)} followers", flush=True)
            # the kill -9, a third of the way through the batch
            while sum(len(reminders_of(emu, u)) for u in ids) < batch // 3:
                if event_time(time.monotonic()) > target + dt.timedelta(seconds=60):
                    raise SystemExit("the batch did not start; see the bot's log")
                await asyncio.sleep(0.02)
            first.kill()
            await first.proc.wait()  # type: ignore[union-attr]
            killed_at = time.monotonic()
            killed_in_flight = await in_state(url, DeliveryState.SENDING)
            print(f"  kill -9 at {event_time(killed_at).astimezone(TZ):%H:%M:%S}: {killed_in_flight} rows were out",
                  flush=True)
            restart_s = await second.start()
            restarted_at = time.monotonic()
            print(f"  restarted in {restart_s:.1f}s", flush=True)
            await wait_until(lambda: all(reminders_of(emu, u) for u in ids), drain_s + 120)
            await asyncio.sleep(3.0)  # a duplicate would arrive now
            await second.stop()
        finally:
            first.kill()
            second.kill()
        arrivals = {u: reminders_of(emu, u) for u in ids}
        got = [at for times in arrivals.values() for at in times]
        firsts = [times[0] for times in arrivals.values() if times]
        late = [(event_time(at) - target).total_seconds() for at in firsts]
        early = max((-x for x in late), default=0.0)
        ordered = sorted(got)  # the restart's gap: the longest silence around the kill
        gap = max((b - a for a, b in zip(ordered, ordered[1:], strict=False) if b >= killed_at and a <= restarted_at),
                  default=0.0)
        span = (max(got) - min(got)) if got else 0.0
        burst = TELEGRAM.overall_burst or TELEGRAM.overall_per_s
        rate_with_gap = steady_rate(got, burst)
        # the bucket starts full, and fills again during the restart's gap: two bursts
        rate = (len(got) - 2 * burst) / max(1e-9, span - gap) if span > gap and len(got) > 4 * burst else rate_with_gap
        notice_counts = Counter({u: notices_of(emu, u) for u in ids})
    return {
        "due": len(ids), "delivered": sum(1 for t in arrivals.values() if t),
        "duplicates": sum(max(0, len(t) - 1) for t in arrivals.values()),
        "lost": sum(1 for t in arrivals.values() if not t),
        "late_p50_s": round(statistics.median(late), 3) if late else None,
        "late_p99_s": round(percentile(late, 0.99), 3) if late else None,
        "early_max_s": round(early, 3), "early_limit_s": round(drain_s + 5, 3),
        "killed_in_flight": killed_in_flight, "rate_ratio": round(rate / RATE, 3),
        "rate_ratio_with_gap": round(rate_with_gap / RATE, 3), "restart_gap_s": round(gap, 2),
        "startup_s": round(startup_s, 2), "restart_s": round(restart_s, 2),
        "notices": sum(1 for u in moved_followers if notice_counts[u] > 0),
        "notice_duplicates": sum(max(0, notice_counts[u] - 1) for u in moved_followers),
        "notices_to_others": sum(n for u, n in notice_counts.items() if follows[u] != moved),
        "delegates": delegates, "opening": opening, "database": url.split(":", 1)[0],
        "restarted_after_s": round(restarted_at - killed_at, 2),
    }


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 delegates, 150 on the opening (< 60 s)")
    parser.add_argument("--delegates", type=int, help="default 2000 (--quick 200)")
    parser.add_argument("--opening", type=int, help="how many follow the opening: default 1500 (--quick 150)")
    parser.add_argument("--latency", type=float, default=0.05, help="the emulator's answer delay, seconds")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, database)")
    args = parser.parse_args(argv)
    compile_catalogs()
    if args.keep:
        workdir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
        print(f"  work directory: {workdir}", flush=True)
        figures = await run(args, workdir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await run(args, Path(tmp))
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
