"""The outbox and its sender against the emulator at Telegram's limits, and in the same run a
naive loop (``send_message`` per recipient through PTB's stock ``AIORateLimiter``).

    python -m bench.outbox [--quick] [--recipients N] [--paid-recipients N] [--latency S]
                           [--database-url URL] [--profile FILE]

Two batches of bulk rows go through the real bot (polling, its ``ChatRateLimiter``, the outbox
on SQLite unless ``--database-url``): N recipients at the free rate (the emulator at Telegram's
limits: 30 messages/s overall, 1/s per private chat), then M recipients with
``allow_paid_broadcast`` (the emulator at 1,000/s). 2% of the recipients have blocked the bot.
Every recipient wrote to the bot beforehand (Telegram refuses a bot's first message). The
emulator answers each call after ``--latency`` seconds (default 0.05: a request's round trip to
Telegram's servers), so sending one message at a time cannot reach the limit.

Figures: ``delivered`` (recipients who got the message), ``duplicates``, ``lost`` (recipients
who have not blocked the bot and got nothing), ``blocked`` (rows failed because the recipient
blocked the bot); ``rate_ratio`` = messages per second while the batch drains (from the emulator's
own arrival times) over the emulator's limit, target >= 0.95;
``paid_rate_ratio`` the same at 1,000/s, target >= 0.9 (the emulator's bucket starts full, so a
burst of one second's worth is taken out: rate = (messages - burst) / seconds); ``naive_*`` the same for the naive loop;
``reminder_late_p50_s`` and ``reminder_late_max_s``: 20 normal-priority messages (reminders)
enqueued one every 0.25 s while the free batch drains, from their commit to the emulator;
``enqueue_s`` the time to enqueue the paid batch in one transaction; ``cpu_ms_per_message`` the
process's CPU time per paid message (bot, emulator and database share one process);
``bare_ptb_paid_rate_ratio`` and ``bare_ptb_cpu_ms_per_message``: PTB alone, with the same rate
limiter, HTTP client (``bot/delivery/http.py``) and number of sends in flight, no outbox and no
database, to the same emulator: the ceiling this process can reach; ``bare_ptb_httpx_*`` the same
with PTB's stock httpx client (``--profile`` writes a cProfile of the paid batch).
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, insert, select
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.delivery.http import AiohttpRequest
from bot.delivery.message import Message
from bot.delivery.outbox import Recipient
from bot.delivery.ratelimit import ChatRateLimiter, Limits
from bot.i18n import compile_catalogs
from bot.sandbox.emulator import Emulator, RateLimits
from bot.sandbox.harness import TOKEN, running_bot
from bot.sandbox.state import IN, Entry
from bot.store.models import DeliveryState, OutboxMessage, Person, Priority, Role

TELEGRAM = RateLimits()  # 30/s overall, 1/s per private chat (burst 3), 20/min per group
PAID = RateLimits(overall_per_s=1000.0, paid_per_s=1000.0)  # was RateLimits.paid_broadcast, gone from the emulator
BOT_LIMITS = Limits(overall_per_s=30, private_per_s=1, group_per_min=20, paid_per_s=1000)
BLOCKED_SHARE = 0.02


def has_written(emu: Emulator, user_id: int) -> None:
    """The person wrote to the bot before (recorded in the chat, as Telegram remembers it)."""
    chat = emu.user(user_id, f"R{user_id}", started=True).chat  # started: the bot may write to them
    chat.add(Entry(message_id=chat.new_id(), direction=IN, kind="text", text="/start", date=emu.now(), sender_id=user_id))


def recipients(emu: Emulator, first_id: int, count: int) -> tuple[list[int], set[int]]:
    """``count`` simulated people who wrote to the bot; every 50th has blocked it since."""
    ids = list(range(first_id, first_id + count))
    blocked = set(ids[:: round(1 / BLOCKED_SHARE)])
    for user_id in ids:
        has_written(emu, user_id)
        if user_id in blocked:
            emu.users[user_id].block()
    return ids, blocked


def steady_rate(times: list[float], burst: float) -> float:
    """Messages per second while a batch drains, from the emulator's arrival times. A limit is
    a token bucket that starts full, so ``n`` messages over ``T`` seconds at rate ``r`` are
    ``burst + r * T``: ``r = (n - burst) / T`` (the burst would flatter ``n / T``). A batch too
    small to empty the bucket never met the limit: then ``n / T``."""
    if len(times) < 2:
        return 0.0
    span = max(times) - min(times)
    if span <= 0:
        return 0.0
    return (len(times) - burst) / span if len(times) > 2 * burst else len(times) / span


def tally(emu: Emulator, ids: list[int], blocked: set[int], text: str, also: list[int] = ()) -> dict[str, object]:
    """Who got ``text``; the rate counts every message the bot sent meanwhile to ``also`` too
    (the reminders share the overall limit with the batch)."""
    per: Counter[int] = Counter()
    times: list[float] = []
    for user_id in ids:
        for entry in emu.outgoing(user_id):
            if entry.text == text:
                per[user_id] += 1
                times.append(entry.at)
    times += [e.at for user_id in also for e in emu.outgoing(user_id)]
    return {
        "delivered": sum(1 for u in ids if per[u] > 0),
        "duplicates": sum(max(0, n - 1) for n in per.values()),
        "lost": sum(1 for u in ids if u not in blocked and per[u] == 0),
        "rate": steady_rate(times, emu.limits.overall_burst or emu.limits.overall_per_s),
    }


async def add_people(bot, ids: list[int]) -> dict[int, int]:  # noqa: ANN001 - the harness
    """Person rows for the recipients (as /start would have made them): telegram id -> id."""
    now = bot.clock.now()
    async with bot.services.db.session() as s:
        await s.execute(insert(Person), [
            {"telegram_id": u, "first_name": f"R{u}", "language": "en", "language_chosen": False,
             "role": Role.DELEGATE, "active": True, "created_at": now, "updated_at": now, "last_seen_at": now}
            for u in ids
        ])
        found = await s.execute(select(Person.telegram_id, Person.id).where(Person.telegram_id.in_(ids)))
        return dict(found.all())


async def reminders_meanwhile(bot, ids: list[int], every: float) -> list[float]:  # noqa: ANN001
    """While the batch drains, a normal-priority message (a reminder) to each of ``ids``, one
    every ``every`` seconds; returns how late each arrived (seconds from its commit)."""
    people = await add_people(bot, ids)
    committed: dict[int, float] = {}
    for user_id in ids:
        await asyncio.sleep(every)
        async with bot.services.db.session() as s:
            await bot.services.outbox.enqueue(s, "reminder", to=Recipient(person_id=people[user_id], chat_id=user_id),
                                              message=Message("reminder"), priority=Priority.NORMAL)
        committed[user_id] = time.monotonic()
    late = []
    for user_id in ids:
        [entry] = await bot.emulator.wait_for(user_id, lambda e: e.text == "reminder", timeout=60)
        late.append(entry.at - committed[user_id])
    return sorted(late)


async def outbox_batch(bot, ids: list[int], blocked: set[int], *, paid: bool, group: str,  # noqa: ANN001
                       reminders: list[int] = ()) -> dict[str, object]:
    emu = bot.emulator
    emu.set_limits(PAID if paid else TELEGRAM)
    people = await add_people(bot, ids)
    text = f"outbox {group}"
    started = time.perf_counter()
    async with bot.services.db.session() as s:
        await bot.services.outbox.enqueue_many(
            s, "broadcast", [Recipient(person_id=people[u], chat_id=u, key=f"{group}:{u}") for u in ids],
            message=Message(text, allow_paid_broadcast=paid), group_id=group,
        )
    enqueue_s = time.perf_counter() - started
    cpu = time.process_time()
    sender = bot.services.sender
    meanwhile = asyncio.create_task(reminders_meanwhile(bot, list(reminders), 0.25)) if reminders else None
    await sender.idle(timeout=3600)
    drained = time.perf_counter() - started
    late = await meanwhile if meanwhile else []
    result = tally(emu, ids, blocked, text, also=list(reminders))
    counts = await bot.services.outbox.counts(group)
    async with bot.services.db.session() as s:
        blocked_rows = await s.scalar(select(func.count()).where(
            OutboxMessage.group_id == group, OutboxMessage.state == DeliveryState.FAILED,
            OutboxMessage.last_error.like("blocked%")))
    limit = (PAID if paid else TELEGRAM).overall_per_s
    return {
        **result, "blocked": blocked_rows, "rate_ratio": round(result["rate"] / limit, 3),
        "rate": round(result["rate"], 1), "seconds": round(drained, 2), "enqueue_s": round(enqueue_s, 3),
        "cpu_ms_per_message": round((time.process_time() - cpu) / max(1, len(ids)) * 1000, 3),
        "states": {k: v for k, v in counts.items() if v}, "sender": dict(sender.stats),
        **({"reminder_late_p50_s": round(late[len(late) // 2], 3),
            "reminder_late_max_s": round(late[-1], 3)} if late else {}),
    }


async def naive_loop(ids: list[int], blocked: set[int], *, paid: bool, latency: float) -> dict[str, object]:
    """The baseline: one ``send_message`` after another through PTB's AIORateLimiter."""
    limits = PAID if paid else TELEGRAM
    async with Emulator(token=TOKEN, limits=limits, latency=latency) as emu:
        for user_id in ids:
            has_written(emu, user_id)
            if user_id in blocked:
                emu.users[user_id].block()
        limiter = AIORateLimiter(overall_max_rate=limits.overall_per_s, overall_time_period=1,
                                 group_max_rate=20, group_time_period=60, max_retries=0)
        app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).rate_limiter(limiter).updater(None).build()
        errors: Counter[str] = Counter()
        text = "naive paid" if paid else "naive"
        async with app:
            for user_id in ids:
                try:
                    await app.bot.send_message(user_id, text, allow_paid_broadcast=True if paid else None)
                except Forbidden:
                    errors["blocked"] += 1
                except RetryAfter:
                    errors["rate_limited"] += 1
                except TelegramError as exc:
                    errors[type(exc).__name__] += 1
        result = tally(emu, ids, blocked, text)
    return {**result, "rate_ratio": round(result["rate"] / limits.overall_per_s, 3),
            "rate": round(result["rate"], 1), "errors": dict(errors)}


async def bare_ptb(ids: list[int], *, concurrency: int, latency: float, httpx: bool = False) -> dict[str, object]:
    """Where the paid rate's ceiling is: PTB alone (the bot's rate limiter and HTTP client, no
    outbox, no database) sending to the same emulator with as many sends in flight as the sender;
    with ``httpx``, PTB's stock HTTP client instead of the bot's."""
    async with Emulator(token=TOKEN, limits=PAID, latency=latency) as emu:
        for user_id in ids:
            has_written(emu, user_id)
        builder = (ApplicationBuilder().token(TOKEN).base_url(emu.base_url).updater(None)
                   .rate_limiter(ChatRateLimiter(BOT_LIMITS)))
        if httpx:
            builder = builder.connection_pool_size(128)
        else:
            builder = builder.request(AiohttpRequest(pool_size=128))
        app = builder.build()
        queue = list(reversed(ids))

        async def worker() -> None:
            while queue:
                await app.bot.send_message(queue.pop(), "bare", allow_paid_broadcast=True)

        async with app:
            cpu = time.process_time()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            cpu = time.process_time() - cpu
        result = tally(emu, ids, set(), "bare")
    return {"rate_ratio": round(result["rate"] / PAID.overall_per_s, 3), "rate": round(result["rate"], 1),
            "cpu_ms_per_message": round(cpu / len(ids) * 1000, 3), "concurrency": concurrency}


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (< 60 s)")
    parser.add_argument("--recipients", type=int, help="free-rate batch (default 3000; --quick 180)")
    parser.add_argument("--paid-recipients", type=int, help="paid batch (default 10000; --quick 3000)")
    parser.add_argument("--naive-paid-recipients", type=int, help="naive loop at the paid rate (default 1000; --quick 100)")
    parser.add_argument("--latency", type=float, default=0.05, help="the emulator's answer delay, seconds")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the paid batch here")
    args = parser.parse_args(argv)
    free_n = args.recipients or (180 if args.quick else 3000)
    paid_n = args.paid_recipients or (3000 if args.quick else 10_000)
    naive_paid_n = args.naive_paid_recipients or (100 if args.quick else 1000)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "telegram", "bot", "alembic", "aiohttp"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    compile_catalogs()
    print(f"outbox: {free_n} recipients at 30/s, {paid_n} at 1000/s (paid), 2% blocked, "
          f"emulator latency {args.latency}s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        emu = Emulator(token=TOKEN, limits=TELEGRAM, latency=args.latency)
        async with emu, running_bot(url, emulator=emu, bot_limits=BOT_LIMITS,
                                    settings_overrides={"semantic_answers": False}) as bot:
            ids, blocked = recipients(emu, 1_000_001, free_n)
            reminded = list(range(6_000_001, 6_000_021))
            for user_id in reminded:
                has_written(emu, user_id)
            free = await outbox_batch(bot, ids, blocked, paid=False, group="free", reminders=reminded)
            print(f"outbox, free rate: {json.dumps(free)}", flush=True)
            ids, blocked = recipients(emu, 2_000_001, paid_n)
            in_flight = bot.services.sender.config.max_in_flight
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            paid = await outbox_batch(bot, ids, blocked, paid=True, group="paid")
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(args.profile))
            print(f"outbox, paid rate: {json.dumps(paid)}", flush=True)
    naive = await naive_loop(list(range(3_000_001, 3_000_001 + free_n)), set(range(3_000_001, 3_000_001 + free_n, 50)),
                             paid=False, latency=args.latency)
    print(f"naive loop, free rate: {json.dumps(naive)}", flush=True)
    naive_paid = await naive_loop(list(range(4_000_001, 4_000_001 + naive_paid_n)),
                                  set(range(4_000_001, 4_000_001 + naive_paid_n, 50)), paid=True, latency=args.latency)
    print(f"naive loop, paid rate: {json.dumps(naive_paid)}", flush=True)
    bare_ids = list(range(5_000_001, 5_000_001 + min(paid_n, 3000)))
    bare = await bare_ptb(bare_ids, concurrency=in_flight, latency=args.latency)
    print(f"bare PTB, paid rate, {in_flight} sends at once: {json.dumps(bare)}", flush=True)
    stock = await bare_ptb(bare_ids[: 300 if args.quick else 3000], concurrency=in_flight, latency=args.latency, httpx=True)
    print(f"bare PTB with its stock httpx client, same: {json.dumps(stock)}", flush=True)
    print(json.dumps({
        "recipients": free_n, "delivered": free["delivered"],
        "reminder_late_p50_s": free["reminder_late_p50_s"], "reminder_late_max_s": free["reminder_late_max_s"], "duplicates": free["duplicates"] + paid["duplicates"],
        "lost": free["lost"] + paid["lost"], "blocked": free["blocked"], "rate_ratio": free["rate_ratio"],
        "paid_recipients": paid_n, "paid_delivered": paid["delivered"], "paid_blocked": paid["blocked"],
        "paid_rate_ratio": paid["rate_ratio"], "naive_rate_ratio": naive["rate_ratio"],
        "naive_paid_rate_ratio": naive_paid["rate_ratio"], "naive_lost": naive["lost"] + naive_paid["lost"],
        "bare_ptb_paid_rate_ratio": bare["rate_ratio"],
        "enqueue_s": paid["enqueue_s"], "cpu_ms_per_message": paid["cpu_ms_per_message"],
        "bare_ptb_cpu_ms_per_message": bare["cpu_ms_per_message"],
        "bare_ptb_httpx_paid_rate_ratio": stock["rate_ratio"],
        "bare_ptb_httpx_cpu_ms_per_message": stock["cpu_ms_per_message"],
        "latency_s": args.latency, "database": url.split(":", 1)[0],
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
