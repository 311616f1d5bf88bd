"""An organiser's broadcast end to end on the emulator at Telegram's limits, with a kill -9 of
the bot at 40%, reminders falling due meanwhile, a paid broadcast, and in the same run a naive
loop (``send_message`` per recipient through PTB's ``AIORateLimiter``) to the same recipients.

    python -m bench.broadcast [--quick] [--recipients N] [--paid-recipients N]
                              [--naive-recipients N] [--reminders N] [--latency S] [--database-url URL]

The broadcast goes through :class:`~bot.services.broadcast.BroadcastService` (audience
"delegates", a text per language rendered at send time, one outbox row per recipient) and the
one sender of the real bot (polling, its rate limiter, the outbox on SQLite unless
``--database-url``). 2% of the recipients have blocked the bot. When 40% of the recipients have
the message, the sender is abandoned as kill -9 leaves it (rows claimed or with a request out
stay so) and the bot is stopped; a new bot on the same database and emulator finishes the
broadcast. ``killed_in_flight`` is what its recovery found with a request out (sent again:
the only duplicates allowed). Then ``--reminders`` normal-priority rows (reminders) fall due one
after another while the rest of the broadcast drains (the simulated clock follows real time);
``reminder_late_p99_s`` is how late they reach the emulator after their due time (the sender
looks at the clock about once a second). Then a paid broadcast (``allow_paid_broadcast``, the
emulator at 1,000/s) and the naive loop.

``rate_ratio`` = messages a second while the broadcast drains after the restart (the
emulator's arrival times of the broadcast and the reminders, see
:func:`bench.outbox.steady_rate`) over the emulator's 30/s; ``rate_ratio_with_restart`` counts
the whole broadcast, the restart's gap included; ``paid_rate_ratio`` the same at 1,000/s;
``naive_rate_ratio`` the naive loop's; ``bare_ptb_paid_rate_ratio`` what PTB alone reaches at
the paid rate in this process (:func:`bench.outbox.bare_ptb`: the machine's ceiling). Targets: lost 0, duplicates <= killed_in_flight,
rate_ratio >= 0.95, paid_rate_ratio >= 0.9, reminder_late_p99_s <= 2. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from bench.outbox import (
    BOT_LIMITS,
    PAID,
    TELEGRAM,
    add_people,
    bare_ptb,
    has_written,
    naive_loop,
    recipients,
    steady_rate,
)
from bot.clock import SimulatedClock
from bot.delivery.message import Message
from bot.delivery.outbox import Recipient
from bot.i18n import compile_catalogs
from bot.sandbox.emulator import Emulator
from bot.sandbox.harness import EVENT_MORNING, TOKEN, running_bot
from bot.store.models import Person, Priority, Role

TEXTS = {"en": "The opening moves to Hall B.", "fr": "L’ouverture a lieu en salle B."}
PAID_TEXTS = {"en": "Shuttles leave at 18:00.", "fr": "Les navettes partent à 18 h."}
KILL_AT = 0.40


def note(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)
ORGANISER = 999_999_001


async def organiser(bot: Any) -> Person:
    now = bot.clock.now()
    async with bot.services.db.session() as s:
        await s.execute(insert(Person), [{
            "telegram_id": ORGANISER, "first_name": "Organiser", "language": "en", "language_chosen": False,
            "role": Role.ORGANISER, "active": True, "created_at": now, "updated_at": now, "last_seen_at": now}])
        person = await s.scalar(select(Person).where(Person.telegram_id == ORGANISER))
    assert person is not None
    return person


async def release(bot: Any, author: Person, texts: dict[str, str], *, paid: bool = False) -> int:
    svc = bot.services.broadcasts
    b = await svc.start(author)
    for lang, text in texts.items():
        await svc.set_text(author, b.id, lang, text)
    await svc.change(author, b.id, audience={"kind": "role", "role": "delegate"}, paid=paid)
    await svc.submit(author, b.id)
    return int(b.id)


def arrivals(emu: Emulator, ids: list[int], texts: set[str]) -> tuple[Counter[int], list[float]]:
    per: Counter[int] = Counter()
    times: list[float] = []
    for user_id in ids:
        for entry in emu.outgoing(user_id):
            if entry.text in texts:
                per[user_id] += 1
                times.append(entry.at)
    return per, times


def follow_real_time(clock: Any) -> asyncio.Task[None]:
    """Move the simulated clock with real time (due times are by the clock)."""
    start, t0 = clock.now(), time.monotonic()

    async def run() -> None:
        while True:
            clock.set(start + dt.timedelta(seconds=time.monotonic() - t0))
            await asyncio.sleep(0.02)

    return asyncio.create_task(run())


async def wait_for_share(bot: Any, group_id: str, total: int, share: float, timeout: float) -> None:
    """Until the outbox records ``share`` of the broadcast as sent."""
    want = math.ceil(total * share)
    deadline = shown = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await bot.services.outbox.counts(group_id)
        if abs(time.monotonic() - shown) >= 2:
            shown = time.monotonic()
            note(", ".join(f"{k} {v}" for k, v in counts.items() if v))
        if counts["sent"] >= want:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{share:.0%} of the broadcast was not sent within {timeout}s")


async def reminders(bot: Any, ids: list[int], every: float) -> dict[int, float]:
    """Normal-priority rows due one every ``every`` seconds from now: monotonic due time each."""
    people = await add_people(bot, ids)
    now, mono = bot.clock.now(), time.monotonic()
    due: dict[int, float] = {}
    async with bot.services.db.session() as s:
        for i, user_id in enumerate(ids):
            offset = (i + 1) * every
            await bot.services.outbox.enqueue(
                s, "reminder", to=Recipient(person_id=people[user_id], chat_id=user_id), message=Message("reminder"),
                key=f"reminder:bench:{user_id}", priority=Priority.NORMAL, due_at=now + dt.timedelta(seconds=offset))
            due[user_id] = mono + offset
    return due


async def run(args: argparse.Namespace) -> dict[str, Any]:
    n, paid_n = args.recipients, args.paid_recipients
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        clock = SimulatedClock(EVENT_MORNING)
        emu = Emulator(token=TOKEN, limits=TELEGRAM, latency=args.latency, clock=clock)
        settings = {"semantic_answers": False, "broadcast_approval_above": 0, "broadcast_paid_allowed": True}
        ticking = follow_real_time(clock)
        async with emu:
            ids, blocked = recipients(emu, 1_000_001, n)
            texts = set(TEXTS.values())
            reminded = list(range(6_000_001, 6_000_001 + args.reminders))
            for user_id in reminded:
                has_written(emu, user_id)
            # -- the first bot: the broadcast starts, and the bot is killed at 40% -------------
            async with running_bot(url, emulator=emu, clock=clock, bot_limits=BOT_LIMITS,
                                   settings_overrides=settings) as bot:
                people = await add_people(bot, ids)
                # half read French: each gets their language
                async with bot.services.db.session() as s:
                    await s.execute(update(Person).where(Person.id.in_(list(people.values())[::2])).values(language="fr"))
                author = await organiser(bot)
                started = time.monotonic()
                bid = await release(bot, author, TEXTS)
                note(f"broadcast #{bid} released to {n}")
                await wait_for_share(bot, f"bc{bid}", n, KILL_AT, timeout=3600)
                await bot.services.sender.abandon()  # kill -9: claimed and sending rows stay so
                killed_at = time.monotonic()
                note("sender killed")
            # -- the second bot on the same database and Telegram finishes it -----------------
            async with running_bot(url, emulator=emu, clock=clock, bot_limits=BOT_LIMITS,
                                   settings_overrides=settings) as bot:
                restarted = time.monotonic()
                note(f"restarted: {bot.services.sender.recovery}")
                killed_in_flight = bot.services.sender.recovery.in_flight
                remaining_s = (n * (1 - KILL_AT)) / TELEGRAM.overall_per_s
                due = await reminders(bot, reminded, every=max(0.05, remaining_s * 0.8 / max(1, len(reminded))))
                await bot.services.sender.idle(timeout=3600)
                finished = time.monotonic()
                note("broadcast drained")
                per, times = arrivals(emu, ids, texts)
                rem_times = {u: next(e.at for e in emu.outgoing(u) if e.text == "reminder") for u in reminded}
                late = sorted(max(0.0, rem_times[u] - due[u]) for u in reminded)
                after = [t for t in times if t >= restarted] + [t for t in rem_times.values() if t >= restarted]
                b = await bot.services.broadcasts.get(bid)
                progress = await bot.services.broadcasts.progress(b)
                # -- a paid broadcast --------------------------------------------------------
                emu.set_limits(PAID)
                async with bot.services.db.session() as s:  # the first batch's people are done
                    await s.execute(update(Person).where(Person.role == Role.DELEGATE).values(role=Role.OFFICER))
                paid_ids, paid_blocked = recipients(emu, 2_000_001, paid_n)
                await add_people(bot, paid_ids)
                paid_texts = set(PAID_TEXTS.values())
                in_flight = bot.services.sender.config.max_in_flight
                paid_started = time.monotonic()
                await release(bot, author, PAID_TEXTS, paid=True)
                await bot.services.sender.idle(timeout=3600)
                paid_s = time.monotonic() - paid_started
                note("paid broadcast drained")
                paid_per, paid_times = arrivals(emu, paid_ids, paid_texts)
        ticking.cancel()
    # the ceiling of the paid rate in this process on this machine: PTB alone, same client,
    # limiter and sends in flight, no outbox, no database (bench.outbox)
    ceiling = await bare_ptb(list(range(5_000_001, 5_000_001 + min(paid_n, 3000))), concurrency=in_flight,
                             latency=args.latency)
    naive = await naive_loop(list(range(3_000_001, 3_000_001 + args.naive_recipients)),
                             set(range(3_000_001, 3_000_001 + args.naive_recipients, 50)), paid=False,
                             latency=args.latency)
    burst = TELEGRAM.overall_burst or TELEGRAM.overall_per_s
    rate = steady_rate(sorted(after), burst)
    whole = steady_rate(sorted(times + list(rem_times.values())), burst)
    paid_rate = steady_rate(paid_times, PAID.overall_burst or PAID.overall_per_s)
    lost = sum(1 for u in ids if u not in blocked and per[u] == 0)
    return {
        "recipients": n,
        "delivered": sum(1 for u in ids if per[u] > 0),
        "duplicates": sum(max(0, c - 1) for c in per.values()),
        "lost": lost,
        "blocked": progress.blocked,
        "killed_in_flight": killed_in_flight,
        "rate_ratio": round(rate / TELEGRAM.overall_per_s, 3),
        "paid_rate_ratio": round(paid_rate / PAID.overall_per_s, 3),
        "naive_rate_ratio": naive["rate_ratio"],
        "bare_ptb_paid_rate_ratio": ceiling["rate_ratio"],
        "reminder_late_p99_s": round(late[min(len(late) - 1, math.ceil(0.99 * len(late)) - 1)], 3) if late else None,
        "reminder_late_p50_s": round(late[len(late) // 2], 3) if late else None,
        "reminders": len(late),
        "rate_ratio_with_restart": round(whole / TELEGRAM.overall_per_s, 3),
        "killed_at_s": round(killed_at - started, 1), "restart_gap_s": round(restarted - killed_at, 2),
        "broadcast_s": round(finished - started, 1),
        "paid_recipients": paid_n, "paid_delivered": sum(1 for u in paid_ids if paid_per[u] > 0),
        "paid_lost": sum(1 for u in paid_ids if u not in paid_blocked and paid_per[u] == 0),
        "paid_duplicates": sum(max(0, c - 1) for c in paid_per.values()), "paid_s": round(paid_s, 2),
        "naive_recipients": args.naive_recipients, "naive_lost": naive["lost"],
        "latency_s": args.latency, "database": url.split(":", 1)[0],
    }


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (under a minute)")
    parser.add_argument("--recipients", type=int, help="the broadcast at 30/s (default 10000; --quick 450)")
    parser.add_argument("--paid-recipients", type=int, help="the paid broadcast (default 10000; --quick 2000)")
    parser.add_argument("--naive-recipients", type=int, help="the naive loop (default: --recipients; --quick 150)")
    parser.add_argument("--reminders", type=int, help="reminders falling due meanwhile (default 100; --quick 15)")
    parser.add_argument("--latency", type=float, default=0.05, help="the emulator's answer delay, seconds")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    args.recipients = args.recipients or (450 if args.quick else 10_000)
    args.paid_recipients = args.paid_recipients or (2000 if args.quick else 10_000)
    args.naive_recipients = args.naive_recipients or (150 if args.quick else args.recipients)
    args.reminders = args.reminders or (15 if args.quick else 100)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "telegram", "bot", "alembic", "aiohttp", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    compile_catalogs()
    print(f"broadcast: {args.recipients} recipients at 30/s (2% blocked, kill -9 at {KILL_AT:.0%}), "
          f"{args.reminders} reminders meanwhile, {args.paid_recipients} paid at 1000/s, naive loop to "
          f"{args.naive_recipients}; emulator latency {args.latency}s", flush=True)
    print(json.dumps(await run(args)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
