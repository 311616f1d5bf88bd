"""Updates handled per second, end to end: our bot against a bare PTB echo bot on the same
emulator, in the same run.

    python -m bench.throughput [--quick] [--updates N] [--users N]

Each simulated user sends questions taken from the demo pack's FAQ (the question-answering
path); the clock runs from the first update injected to the last reply received. The
emulator runs at 1,000 messages/s overall (Telegram's paid-broadcast rate) with per-chat
limits off, for both bots alike. Last line: one JSON object.
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

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.catalog.loader import load_pack
from bot.delivery.ratelimit import Limits
from bot.i18n import compile_catalogs
from bot.sandbox.emulator import Emulator, RateLimits
from bot.sandbox.harness import DEMO_PACK, TOKEN, running_bot

BENCH_LIMITS = RateLimits(overall_per_s=1000, private_per_s=0, group_per_min=0)


def questions(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(language, question) pairs from the demo pack's FAQ, in every language."""
    pack = load_pack(DEMO_PACK)
    pool = [(lang, q) for entry in pack.faq for lang, qs in entry.questions.items() for q in qs]
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(count)]


async def drive(emulator: Emulator, load: list[tuple[str, str]], users: int, uid0: int) -> dict:
    """Inject every update, wait for every reply; updates/s from first injection to last reply."""
    sims = [emulator.user(uid0 + i, f"U{i}", language_code=load[i % len(load)][0]) for i in range(users)]
    per_user: dict[int, int] = {}
    started = time.perf_counter()
    for index, (_, text) in enumerate(load):
        user = sims[index % users]
        per_user[user.id] = per_user.get(user.id, 0) + 1
        await user.send(text)
    for user in sims:
        await emulator.wait_for(user.id, per_user.get(user.id, 0), timeout=600)
    elapsed = time.perf_counter() - started
    errors = len(emulator.errors)
    return {"updates": len(load), "seconds": round(elapsed, 3), "updates_per_s": round(len(load) / elapsed, 1), "errors": errors}


async def bare_ptb(load: list[tuple[str, str]], users: int) -> dict:
    """The upper bound for PTB: an echo bot with nothing else, in polling mode."""

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    async with Emulator(token=TOKEN, limits=BENCH_LIMITS) as emu:
        app: Application = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=30)
            result = await drive(emu, load, users, 10_000)
            await app.updater.stop()
            await app.stop()
    return result


async def ours(load: list[tuple[str, str]], users: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        async with running_bot(url, emulator_limits=BENCH_LIMITS, bot_limits=Limits(overall_per_s=1000, private_per_s=0, group_per_min=0)) as bot:
            # warm-up with other users, as for the bare bot: lazy loads (locales, segmenter)
            await drive(bot.emulator, load[:50], 10, 90_000)
            bot.emulator.errors.clear()
            result = await drive(bot.emulator, load, users, 20_000)
            answered = sum(1 for u in range(users) for e in bot.emulator.outgoing(20_000 + u))
            result["replies"] = answered
    return result


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput")
    parser.add_argument("--quick", action="store_true", help="a smaller run (< 60 s)")
    parser.add_argument("--updates", type=int, default=None)
    parser.add_argument("--users", type=int, default=None)
    args = parser.parse_args(argv)
    updates = args.updates or (600 if args.quick else 3000)
    users = args.users or (60 if args.quick else 300)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "telegram", "bot", "alembic"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    compile_catalogs()
    load = questions(updates)
    print(f"throughput: {updates} questions from {users} users, emulator at 1000 msg/s", flush=True)
    # warm-up of both (imports, first connections, index build) is outside the measurement
    await bare_ptb(load[:50], 10)
    bare = await bare_ptb(load, users)
    print(f"bare PTB echo bot: {json.dumps(bare)}", flush=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mine = await ours(load, users)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"delegate assistant: {json.dumps(mine)}", flush=True)
    print(json.dumps({
        "updates_per_s": mine["updates_per_s"],
        "bare_ptb_updates_per_s": bare["updates_per_s"],
        "ratio": round(mine["updates_per_s"] / bare["updates_per_s"], 3),
        "errors": mine["errors"] + bare["errors"],
        "updates": updates,
        "users": users,
        "max_rss_mb": round(max(rss_before, rss_after) / 1024, 1),
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
