"""Fairness and lossless shutdown, end to end: one chatty person against everybody else, then a
SIGTERM with a backlog and a restart on the same database.

    python -m bench.fairness [--quick] [--postgres URL]

The bot runs as its own process (``python -m bot run``: polling, SQLite by default) against
the emulator with Telegram's limits (30 messages/s overall, 1/s per private chat after a burst
of 3), and paces itself with the same defaults. Everyone asks questions from the demo pack's
FAQ (the model's second opinion is off: scheduling is measured here, not the model).

1. Burst: one person sends 100 questions at once, then 200 others send one each. Measured:
   the others' reply times (p50, p99; from each one's message to its reply), against
   ``others_floor_s`` = 200 / 30 per s, the least time Telegram's overall limit allows for
   their replies; and ``chatty_done_s``, until the chatty person's last reply.
2. Shutdown: the chatty person sends 20 more and 100 others one more each; one second later
   SIGTERM. Measured: ``shutdown_s``, from the signal to the process's exit (the limit is
   ``SHUTDOWN_TIMEOUT_S``, 10 s).
3. Restart on the same database, until every message has its reply. Counted over the whole
   run: ``lost`` (messages never answered) and ``duplicates`` (answers beyond one per message).

Baseline, in the same run: the same burst against the bot with the old processor, which took a
concurrency slot before the chat's turn (:mod:`bench.fairness_baseline`).

``--quick`` (under 60 s): 12 and 60 in the burst, 4 and 30 in the backlog; same keys. Last
line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.throughput import questions
from bot.config import ROOT
from bot.sandbox.emulator import Emulator, RateLimits, SimUser
from bot.sandbox.harness import DEMO_PACK, TOKEN

TELEGRAM = RateLimits(overall_per_s=30, private_per_s=1, private_burst=3, group_per_min=20)
SHUTDOWN_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Scale:
    chatty: int  # the chatty person's burst
    others: int  # one message each
    backlog_chatty: int  # sent right before SIGTERM
    backlog_others: int


FULL = Scale(chatty=100, others=200, backlog_chatty=20, backlog_others=100)
QUICK = Scale(chatty=12, others=60, backlog_chatty=4, backlog_others=30)


class BotProcess:
    """The bot (or the baseline) as a process against the emulator, its log in a file."""

    def __init__(self, module: str, emu: Emulator, database_url: str, log_path: Path) -> None:
        self.module, self.emu, self.database_url, self.log_path = module, emu, database_url, log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {
            **os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": self.emu.base_url,
            "DATABASE_URL": self.database_url, "CONTENT_DIR": str(DEMO_PACK), "LOG_LEVEL": "INFO",
            "SEMANTIC_ANSWERS": "false", "SHUTDOWN_TIMEOUT_S": str(SHUTDOWN_TIMEOUT_S),
            "RATE_OVERALL_PER_S": "30", "RATE_PRIVATE_PER_S": "1", "RATE_GROUP_PER_MIN": "20",
        }
        polls = self.emu.calls.get("getupdates", 0)
        args = [sys.executable, "-m", self.module] + (["run"] if self.module == "bot" else [])
        with self.log_path.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(*args, cwd=ROOT, env=env, stdout=out, stderr=out)
        for _ in range(1200):
            if self.proc.returncode is not None:
                raise SystemExit(f"the bot exited with {self.proc.returncode}; see {self.log_path}")
            if self.emu.calls.get("getupdates", 0) > polls:
                return
            await asyncio.sleep(0.05)
        raise SystemExit(f"the bot did not start; see {self.log_path}")

    async def stop(self) -> float:
        """SIGTERM; the seconds until the process is gone."""
        assert self.proc is not None
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.proc.wait(), 120)
        return time.perf_counter() - started

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


class Crowd:
    """The simulated people and how many answers each is owed."""

    def __init__(self, emu: Emulator, scale: Scale, uid0: int) -> None:
        self.emu = emu
        self.chatty = emu.user(uid0, "Chatty", language_code="en")
        self.others = [emu.user(uid0 + 1 + i, f"P{i}", language_code="en") for i in range(scale.others)]
        pool = [q for lang, q in questions(500) if lang == "en"]
        self._questions = random.Random(11).choices(pool, k=10_000)
        self.owed: dict[int, int] = {}

    async def send(self, user: SimUser) -> None:
        self.owed[user.id] = self.owed.get(user.id, 0) + 1
        await user.send(self._questions[sum(self.owed.values()) % len(self._questions)])

    async def answered(self, user: SimUser, timeout: float) -> float:
        await self.emu.wait_for(user.id, self.owed[user.id], timeout=timeout)
        return time.perf_counter()

    def tally(self) -> tuple[int, int]:
        """(lost, duplicates) over every message sent."""
        lost = duplicates = 0
        for user_id, owed in self.owed.items():
            got = len(self.emu.outgoing(user_id))
            lost += max(0, owed - got)
            duplicates += max(0, got - owed)
        return lost, duplicates


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def burst(crowd: Crowd, scale: Scale) -> dict[str, float]:
    """The chatty person's burst, then everybody else's one message; reply times."""
    started = time.perf_counter()
    for _ in range(scale.chatty):
        await crowd.send(crowd.chatty)
    sent: dict[int, float] = {}
    for user in crowd.others:
        sent[user.id] = time.perf_counter()
        await crowd.send(user)
    timeout = scale.chatty * 3 + 120
    done = await asyncio.gather(*(crowd.answered(user, timeout) for user in crowd.others))
    latencies = [at - sent[user.id] for user, at in zip(crowd.others, done, strict=True)]
    figures = {"others_p50_s": percentile(latencies, 50), "others_p99_s": percentile(latencies, 99),
               "others_last_s": max(latencies)}
    print(f"  others answered: p50 {figures['others_p50_s']:.2f}s, p99 {figures['others_p99_s']:.2f}s, "
          f"last {figures['others_last_s']:.2f}s", flush=True)
    chatty_done = await crowd.answered(crowd.chatty, timeout)
    figures["chatty_done_s"] = chatty_done - started
    print(f"  chatty person's {scale.chatty} answers done after {figures['chatty_done_s']:.1f}s", flush=True)
    return figures


async def warm_up(emu: Emulator, uid0: int) -> None:
    """A few questions first: connections, imports and caches, outside the measurement."""
    users = [emu.user(uid0 + i, f"W{i}", language_code="en") for i in range(3)]
    for user in users:
        await user.send("where is the prayer room?")
    for user in users:
        await emu.wait_for(user.id, 1, timeout=60)


async def ours(scale: Scale, database_url: str, workdir: Path) -> dict[str, float]:
    print("ours (fair processor, inbox):", flush=True)
    async with Emulator(token=TOKEN, limits=TELEGRAM) as emu:
        crowd = Crowd(emu, scale, 100_000)
        first = BotProcess("bot", emu, database_url, workdir / "ours-first.log")
        second = BotProcess("bot", emu, database_url, workdir / "ours-second.log")
        try:
            await first.start()
            await warm_up(emu, 190_000)
            figures = await burst(crowd, scale)
            for _ in range(scale.backlog_chatty):
                await crowd.send(crowd.chatty)
            for user in crowd.others[: scale.backlog_others]:
                await crowd.send(user)
            await asyncio.sleep(1.0)
            figures["shutdown_s"] = await first.stop()
            stopped = re.search(r"stopped in .*", first.log_path.read_text())
            print(f"  SIGTERM with a backlog: exited after {figures['shutdown_s']:.2f}s "
                  f"({stopped.group(0) if stopped else 'no stop line'})", flush=True)
            restarted = time.perf_counter()
            await second.start()
            timeout = scale.backlog_chatty * 3 + 120
            await asyncio.gather(*(crowd.answered(u, timeout) for u in [crowd.chatty, *crowd.others]))
            await asyncio.sleep(2.0)  # a duplicate would arrive now
            print(f"  restart: the backlog was answered {time.perf_counter() - restarted:.1f}s after the restart",
                  flush=True)
            await second.stop()
        finally:
            first.kill()
            second.kill()
        figures["lost"], figures["duplicates"] = crowd.tally()
        figures["rate_limited"] = sum(1 for e in emu.errors if e[1] == 429)
        print(f"  lost {figures['lost']}, duplicates {figures['duplicates']}, "
              f"429s from the emulator {figures['rate_limited']}", flush=True)
    return figures


async def baseline(scale: Scale, database_url: str, workdir: Path) -> dict[str, float]:
    print("baseline (the old processor: a slot first, then the chat's turn):", flush=True)
    async with Emulator(token=TOKEN, limits=TELEGRAM) as emu:
        crowd = Crowd(emu, scale, 200_000)
        bot = BotProcess("bench.fairness_baseline", emu, database_url, workdir / "baseline.log")
        try:
            await bot.start()
            await warm_up(emu, 290_000)
            figures = await burst(crowd, scale)
            await bot.stop()
        finally:
            bot.kill()
    return figures


async def reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fairness")
    parser.add_argument("--quick", action="store_true", help="a smaller run (< 60 s)")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database; it is WIPED first")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    floor = scale.others / TELEGRAM.overall_per_s
    print(f"fairness: one person sends {scale.chatty} questions at once, {scale.others} others one each; "
          f"then {scale.backlog_chatty} + {scale.backlog_others} more and SIGTERM; emulator at Telegram's "
          f"limits; the others' floor is {floor:.2f}s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)

        async def database(name: str) -> str:
            if args.postgres:
                await reset_postgres(args.postgres)
                return args.postgres
            return f"sqlite:///{workdir / name}"

        mine = await ours(scale, await database("ours.db"), workdir)
        base = await baseline(scale, await database("baseline.db"), workdir)
    print(json.dumps({
        "others_p99_s": round(mine["others_p99_s"], 3),
        "others_floor_s": round(floor, 3),
        "chatty_done_s": round(mine["chatty_done_s"], 3),
        "shutdown_s": round(mine["shutdown_s"], 3),
        "lost": mine["lost"],
        "duplicates": mine["duplicates"],
        "others_p50_s": round(mine["others_p50_s"], 3),
        "shutdown_timeout_s": SHUTDOWN_TIMEOUT_S,
        "rate_limited": mine["rate_limited"],
        "baseline_others_p99_s": round(base["others_p99_s"], 3),
        "baseline_chatty_done_s": round(base["chatty_done_s"], 3),
        "chatty": scale.chatty,
        "others": scale.others,
        "database": "postgresql" if args.postgres else "sqlite",
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
