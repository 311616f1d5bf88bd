"""Updates handled per second, end to end: our bot against a bare PTB echo bot on the same
emulator, in the same run.

    python -m bench.throughput [--quick] [--updates N] [--users N]

Each simulated user has a language and sends questions in it, taken from the demo pack's
FAQ (the question-answering path); the clock runs from the first update injected to the last reply received. The
emulator runs at 1,000 messages/s overall (Telegram's paid-broadcast rate) with per-chat
limits off, for both bots alike. The two bots run in alternate rounds (three by default, one
with ``--quick``) and the median round of each is reported, with the CPU time per update,
which a busy shared machine disturbs less than wall time. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.throughput_baseline import build_echo_app
from bot.catalog.loader import load_pack
from bot.delivery.ratelimit import Limits
from bot.i18n import compile_catalogs
from bot.sandbox.emulator import Emulator, RateLimits
from bot.sandbox.harness import DEMO_PACK, TOKEN, running_bot

BENCH_LIMITS = RateLimits(overall_per_s=1000, private_per_s=0, group_per_min=0)
BOT_LIMITS = Limits(overall_per_s=1000, private_per_s=0, group_per_min=0)


def questions(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(language, question) pairs from the demo pack's FAQ, in every language."""
    pack = load_pack(DEMO_PACK)
    pool = [(lang, q) for entry in pack.faq for lang, qs in entry.questions.items() for q in qs]
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(count)]


async def drive(emulator: Emulator, load: list[tuple[str, str]], users: int, uid0: int) -> dict:
    """Inject every update, wait for every reply; updates/s from first injection to last reply,
    and the process's CPU time per update (steadier than wall time on a shared machine)."""
    # each simulated delegate has a language and asks in it (one in seven users per language)
    languages = sorted({lang for lang, _ in load})
    sims = [emulator.user(uid0 + i, f"U{i}", language_code=languages[i % len(languages)]) for i in range(users)]
    speakers = {lang: [u for u in sims if u.data.get("language_code") == lang] or sims for lang in languages}
    turn = dict.fromkeys(languages, 0)
    per_user: dict[int, int] = {}
    errors_before = len(emulator.errors)
    started, cpu = time.perf_counter(), time.process_time()
    for lang, text in load:
        user = speakers[lang][turn[lang] % len(speakers[lang])]
        turn[lang] += 1
        per_user[user.id] = per_user.get(user.id, 0) + 1
        await user.send(text)
    for user in sims:
        await emulator.wait_for(user.id, per_user.get(user.id, 0), timeout=600)
    elapsed = time.perf_counter() - started
    return {
        "updates": len(load),
        "seconds": round(elapsed, 3),
        "updates_per_s": round(len(load) / elapsed, 1),
        "cpu_ms_per_update": round((time.process_time() - cpu) / len(load) * 1000, 3),
        "errors": len(emulator.errors) - errors_before,
    }


async def bare_ptb(load: list[tuple[str, str]], users: int, uid0: int = 10_000) -> dict:
    """The upper bound for PTB: the bare echo bot of :mod:`bench.throughput_baseline`."""
    async with Emulator(token=TOKEN, limits=BENCH_LIMITS) as emu:
        app = build_echo_app(emu)
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=30)
            await drive(emu, load[:50], 10, uid0 + 900_000)  # warm-up: connections, imports
            result = await drive(emu, load, users, uid0)
            await app.updater.stop()
            await app.stop()
    return result


async def ours(load: list[tuple[str, str]], users: int, uid0: int = 20_000) -> dict:
    """The delegate assistant as it runs (polling, SQLite, its own rate limiter at 1,000/s)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        async with running_bot(url, emulator_limits=BENCH_LIMITS, bot_limits=BOT_LIMITS) as bot:
            # warm-up with other users, as for the bare bot: lazy loads (locales, segmenter)
            await drive(bot.emulator, load[:50], 10, uid0 + 900_000)
            result = await drive(bot.emulator, load, users, uid0)
            result["replies"] = sum(len(bot.emulator.outgoing(uid0 + u)) for u in range(users))
    return result


def median_run(runs: list[dict]) -> dict:
    """The run with the median updates/s (the figures of one real run, not a blend)."""
    return sorted(runs, key=lambda r: r["updates_per_s"])[len(runs) // 2]


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput")
    parser.add_argument("--quick", action="store_true", help="a smaller run (< 60 s)")
    parser.add_argument("--updates", type=int, default=None)
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="alternate rounds of both bots; medians reported")
    args = parser.parse_args(argv)
    updates = args.updates or (600 if args.quick else 3000)
    users = args.users or (60 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 3)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "telegram", "bot", "alembic"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    compile_catalogs()
    load = questions(updates)
    print(f"throughput: {updates} questions from {users} users, {rounds} round(s), emulator at 1000 msg/s", flush=True)
    await bare_ptb(load[:50], 10)  # imports and first connections outside the measurement
    bare_runs, our_runs = [], []
    rss = 0
    for n in range(rounds):  # alternate, so a noisy moment on a shared machine hits both
        bare_runs.append(await bare_ptb(load, users))
        print(f"round {n + 1} bare PTB echo bot: {json.dumps(bare_runs[-1])}", flush=True)
        our_runs.append(await ours(load, users))
        rss = max(rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        print(f"round {n + 1} delegate assistant: {json.dumps(our_runs[-1])}", flush=True)
    bare, mine = median_run(bare_runs), median_run(our_runs)
    print(json.dumps({
        "updates_per_s": mine["updates_per_s"],
        "bare_ptb_updates_per_s": bare["updates_per_s"],
        "ratio": round(mine["updates_per_s"] / bare["updates_per_s"], 3),
        "errors": sum(r["errors"] for r in bare_runs + our_runs),
        "cpu_ms_per_update": mine["cpu_ms_per_update"],
        "bare_cpu_ms_per_update": bare["cpu_ms_per_update"],
        "updates": updates,
        "users": users,
        "rounds": rounds,
        "max_rss_mb": round(rss / 1024, 1),
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
