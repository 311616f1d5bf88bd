"""The baseline for throughput benchmarks: a bare python-telegram-bot echo bot (an Application
with one MessageHandler replying with the text), polling the Bot API emulator.

    figures = await run_bare_echo(emulator, n_updates=3000, n_users=300)

Updates/s are measured end to end: from the first update injected to the last reply the
emulator recorded. Configure the emulator's limits first (e.g. ``RateLimits.off()`` or
``RateLimits(overall_per_s=1000, private_per_s=0, group_per_min=0)``): a bare echo bot does not
pace itself, so per-chat limits would turn replies into 429 errors (counted in ``errors``).

Standalone: ``python -m bench.throughput_baseline [--updates N] [--users N]`` (last line JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.sandbox.emulator import Emulator
from bot.sandbox.limits import RateLimits


async def _echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build_echo_app(emulator: Emulator, *, concurrent_updates: bool | int = False) -> Application:
    """The bare echo bot, pointed at ``emulator``."""
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .concurrent_updates(concurrent_updates)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    return app


async def run_bare_echo(emulator: Emulator, n_updates: int, n_users: int, *,
                        concurrent_updates: bool | int = False, timeout: float = 600.0,
                        texts: list[str] | None = None) -> dict[str, Any]:
    """Push ``n_updates`` text messages from ``n_users`` fresh simulated users (round robin)
    through a bare PTB echo bot in polling mode; wait for every reply (up to ``timeout`` s).

    Returns ``updates``, ``users``, ``replies``, ``seconds`` (first injection to last reply),
    ``updates_per_s``, ``inject_seconds`` (how long injecting took), ``errors`` (Bot API errors
    during the run, e.g. 429) and ``complete`` (every reply arrived)."""
    if n_updates < 1 or n_users < 1:
        raise ValueError("n_updates and n_users must be positive")
    users = [emulator.new_user(f"Bench{i}", language_code="en") for i in range(n_users)]
    expected: dict[int, int] = {}
    for index in range(n_updates):
        uid = users[index % n_users].id
        expected[uid] = expected.get(uid, 0) + 1
    errors_before = len(emulator.errors)
    app = build_echo_app(emulator, concurrent_updates=concurrent_updates)
    complete = True
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            started = time.monotonic()
            for index in range(n_updates):
                text = texts[index % len(texts)] if texts else f"echo {index}"
                await users[index % n_users].send(text)
            injected = time.monotonic()
            deadline = started + timeout
            for user in users:
                try:
                    await emulator.wait_for(user.id, expected[user.id], timeout=max(0.0, deadline - time.monotonic()))
                except AssertionError:
                    complete = False
                    break
        finally:
            await app.updater.stop()
            await app.stop()
    replies = [e for u in users for e in emulator.outgoing(u.id)]
    last = max((e.at for e in replies), default=time.monotonic())
    seconds = max(last - started, 1e-9)
    return {
        "updates": n_updates,
        "users": n_users,
        "replies": len(replies),
        "seconds": round(seconds, 3),
        "updates_per_s": round(len(replies) / seconds, 1),
        "inject_seconds": round(injected - started, 3),
        "errors": len(emulator.errors) - errors_before,
        "complete": complete and len(replies) == n_updates,
    }


async def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput_baseline")
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    async with Emulator(limits=RateLimits.off()) as emulator:
        await run_bare_echo(emulator, 50, 5)  # warm-up
        figures = await run_bare_echo(emulator, args.updates, args.users)
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1:]))
