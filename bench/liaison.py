"""Liaison requests end to end on the emulator: delegates open requests while simulated officers
claim (several racing on every Claim), answer, read the delegate's thanks and resolve.

    python -m bench.liaison [--quick] [--delegates N] [--officers N] [--seconds S]
                            [--limits telegram|fast] [--database-url URL]

The real bot (polling, outbox and sender, SQLite unless ``--database-url``) against the emulator.
N delegates (default 300; ``--quick`` 60) each send one request at a random moment within S
seconds (default 60; ``--quick`` 15); 10% are urgent (medical), 5% are in a language no officer
speaks and are left unclaimed on purpose (the sweep escalates them at the end, after the event
clock is moved past ``LIAISON_CLAIM_MINUTES``). 12 officers (``--quick`` 6) are on duty and speak
the others' languages. For each request: the officer(s) notified and two others press Claim at
once; the one who holds it answers (a Telegram reply to the card); the delegate thanks (a reply to
the answer); the holder resolves. Midway one officer goes off duty (/duty off) and one blocks the
bot: their requests are re-routed, and the new holder gets everything said so far.

The delegate's category is set beforehand (the draft the category button makes); the delegate's
*last step* is the message with the request. Figures:

- ``requests``; ``claimed_once``: requests whose every routing had exactly one successful Claim;
  ``double_claims``: routings with more than one (target 0);
- ``lost_messages``: answers that never reached the delegate (and were not refused with a reason,
  as when the request had just been re-routed), thanks that never reached an officer, requests
  that never reached one, once the outbox is drained (target 0);
  ``unfinished``: flows that did not complete within their waits (late, not lost);
- ``route_p50_ms``, ``route_p99_ms``: non-urgent requests, from the delegate's message to the
  officer's notification reaching the emulator (target p99 < 1000); ``urgent_p99_ms``: urgent
  ones, to the first on-duty officer's notification (target < 500);
- ``escalated``: requests the sweep escalated (the unclaimed ones above).

``--limits fast`` (default) lifts Telegram's rate limits in the emulator and the bot, so the
figures are the bot's own routing and relaying. ``--limits telegram`` applies them (30 messages/s
overall, 1/s per private chat after a burst of 3): the scenario then asks for more than Telegram
delivers (about 7 messages per request, 5 requests a second, and 12 officers' chats at 1 message
a second each), and routing time is mostly the wait in each officer's chat. Last line: one JSON
object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.clock import SimulatedClock
from bot.delivery.ratelimit import Limits
from bot.i18n import compile_catalogs
from bot.sandbox.emulator import Emulator, RateLimits, SimUser
from bot.sandbox.harness import FAST, TOKEN, running_bot
from bot.sandbox.state import IN, Entry
from bot.services import liaison_officers as officers
from bot.store.models import (
    LiaisonEvent,
    LiaisonRequest,
    OfficerProfile,
    Person,
    RequestAction,
    Role,
)

TELEGRAM = RateLimits(overall_per_s=30, private_per_s=1, private_burst=3, group_per_min=20)
BOT_TELEGRAM = Limits(overall_per_s=30, private_per_s=1, group_per_min=20)
REF = re.compile(r"ref-(\d+)")
NUMBER = re.compile(r"Request #(\d+)")
OFFICER_LANGS = ["en", "fr", "es", "ru", "ar", "vi"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def has_written(emu: Emulator, user_id: int, name: str, lang: str) -> SimUser:
    user = emu.user(user_id, name, language_code=lang, started=True)
    chat = user.chat
    chat.add(Entry(message_id=chat.new_id(), direction=IN, kind="text", text="/start", date=emu.now(), sender_id=user_id))
    return user


class Watch:
    """Indexes the bot's messages to the officers as they arrive: cards by request number."""

    def __init__(self, emu: Emulator, ids: list[int]) -> None:
        self.emu, self.ids = emu, ids
        self.seen: dict[int, int] = dict.fromkeys(ids, 0)
        self.cards: dict[int, list[tuple[int, Entry]]] = defaultdict(list)  # number -> (officer, entry)
        self.first_ref: dict[int, float] = {}  # ref -> first arrival at any officer (monotonic)
        self.texts: dict[int, list[Entry]] = defaultdict(list)  # officer -> relays
        self.changed = asyncio.Event()

    def scan(self) -> None:
        for oid in self.ids:
            chat = self.emu.chats.get(oid)
            if chat is None:
                continue
            new = chat.history[self.seen[oid]:]
            self.seen[oid] = len(chat.history)
            for entry in new:
                if entry.direction == IN:
                    continue
                text = entry.text or ""
                for ref in REF.findall(text):
                    self.first_ref.setdefault(int(ref), entry.at)
                found = NUMBER.search(text)
                if found and any("lclaim" in b.get("callback_data", "") for row in entry.buttons for b in row):
                    self.cards[int(found.group(1))].append((oid, entry))
                self.texts[oid].append(entry)
                self.changed.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.scan()
            await asyncio.sleep(0.005)


async def wait_until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.01)
    return None


async def answered(emu: Emulator, update: dict[str, Any], timeout: float = 30) -> str:
    query = emu.query(update["callback_query"]["id"])
    await wait_until(lambda: query["answered"], timeout)
    return query["text"] or ""


async def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.liaison", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--delegates", type=int)
    p.add_argument("--officers", type=int)
    p.add_argument("--seconds", type=float)
    p.add_argument("--limits", choices=("telegram", "fast"), default="fast")
    p.add_argument("--database-url")
    p.add_argument("--seed", type=int, default=14)
    args = p.parse_args(argv)
    n = args.delegates or (60 if args.quick else 300)
    n_off = args.officers or (6 if args.quick else 12)
    span = args.seconds or (15.0 if args.quick else 60.0)
    rng = random.Random(args.seed)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "telegram", "bot", "alembic", "aiohttp", "handlers", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    compile_catalogs()
    print(f"liaison: {n} delegates within {span:.0f}s, {n_off} officers, limits={args.limits}", flush=True)
    limits = TELEGRAM if args.limits == "telegram" else FAST
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        emu = Emulator(token=TOKEN, limits=limits, latency=0.02)
        async with emu, running_bot(url, emulator=emu, bot_limits=BOT_TELEGRAM if args.limits == "telegram" else None,
                                    concurrent_updates=32, settings_overrides={"semantic_answers": False}) as bot:
            result = await scenario(bot, emu, n, n_off, span, rng)
    print(json.dumps(result))


async def scenario(bot: Any, emu: Emulator, n: int, n_off: int, span: float, rng: random.Random) -> dict[str, Any]:
    s = bot.services
    now = s.clock.now()
    officer_ids = [700_001 + i for i in range(n_off)]
    officer_users = {oid: has_written(emu, oid, f"Officer{i}", "en") for i, oid in enumerate(officer_ids)}
    delegate_ids = [100_001 + i for i in range(n)]
    kinds: dict[int, str] = {}
    for i, did in enumerate(delegate_ids):
        kinds[did] = "lonely" if i % 20 == 7 else "urgent" if i % 10 == 3 else "normal"
    langs = {did: ("zh" if kinds[did] == "lonely" else OFFICER_LANGS[i % len(OFFICER_LANGS)])
             for i, did in enumerate(delegate_ids)}
    delegates = {did: has_written(emu, did, f"D{did}", langs[did]) for did in delegate_ids}
    async with s.db.session() as session:
        await session.execute(insert(Person), [
            {"telegram_id": t, "first_name": f"Officer{i}", "language": "en", "language_chosen": False,
             "role": Role.OFFICER, "active": True, "created_at": now, "updated_at": now, "last_seen_at": now}
            for i, t in enumerate(officer_ids)] + [
            {"telegram_id": t, "first_name": f"D{t}", "language": langs[t], "language_chosen": True,
             "role": Role.DELEGATE, "active": True, "created_at": now, "updated_at": now, "last_seen_at": now}
            for t in delegate_ids])
        people = {t: pid for t, pid in (await session.execute(select(Person.telegram_id, Person.id))).all()}
        for i, oid in enumerate(officer_ids):
            person = await session.get(Person, people[oid])
            assert person is not None
            langs_of = [OFFICER_LANGS[i % len(OFFICER_LANGS)], OFFICER_LANGS[(i + 1) % len(OFFICER_LANGS)]]
            await officers.assign(session, person, officers.Assignment(str(oid), languages=langs_of), s.clock)
        await session.execute(OfficerProfile.__table__.update().values(on_duty=True))
    for did in delegate_ids:
        category = "medical" if kinds[did] == "urgent" else "other" if kinds[did] == "lonely" else "transport"
        async with s.db.session() as session:
            person = await session.get(Person, people[did])
        assert person is not None
        await s.liaison.set_draft(person, "new", category=category)
    # the officers' own /start replies are not part of it; the watcher starts now
    watch = Watch(emu, officer_ids)
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch.run(stop))
    gone: set[int] = set()  # officers who went off duty or blocked the bot: they stop acting
    sent_at: dict[int, float] = {}
    stats: Counter[str] = Counter()
    winners_per_race: list[tuple[int, int]] = []  # (request number, officers told they won)
    lost: list[str] = []
    numbers: dict[int, int] = {}

    async def delegate_flow(did: int, delay: float) -> None:
        await asyncio.sleep(delay)
        user = delegates[did]
        sent_at[did] = time.monotonic()
        await user.send(f"Please help, ref-{did}")
        await emu.wait_for(did, 1, timeout=120)  # the confirmation, in the delegate's language
        async with s.db.session() as session:
            number = await session.scalar(select(LiaisonRequest.id).where(LiaisonRequest.delegate_id == people[did]))
        assert number is not None
        numbers[did] = number
        if kinds[did] == "lonely":
            return
        used: set[int] = set()
        thanked = False
        answer_entry: Entry | None = None
        for _attempt in range(6):
            cards = await wait_until(lambda: [c for c in watch.cards[number] if c[1].message_id not in used
                                              and c[0] not in gone] or None, 60)
            if not cards:
                break
            for _, entry in cards:
                used.add(entry.message_id)
            notified = [oid for oid, _ in cards]
            others = [o for o in officer_ids if o not in gone and o not in notified and emu.outgoing(o)]
            racers = list(dict.fromkeys(notified + rng.sample(others, min(2, len(others)))))
            on = {o: e for o, e in cards}
            updates = await asyncio.gather(*(
                officer_users[o].press_raw(f"v1||lclaim|{number}|0", message=on.get(o) or emu.outgoing(o)[-1])
                for o in racers))
            texts = await asyncio.gather(*(answered(emu, u) for u in updates))
            won = [o for o, t in zip(racers, texts, strict=True) if "You now hold" in t]
            winners_per_race.append((number, len(won)))
            if not won:
                continue
            holder = won[0]
            card = next((e for o, e in cards if o == holder), None)
            if card is None:  # a racer who had no card won: the bot sends them one
                card = await wait_until(lambda h=holder: next((e for e in reversed(emu.outgoing(h))
                                                               if f"Request #{number}" in (e.text or "")
                                                               and "lresolve" in str(e.reply_markup)), None), 30)
                if card is None:
                    lost.append(f"card {did}")
                    return
            if holder in gone:
                continue  # went off duty or blocked the bot meanwhile: re-routed
            if answer_entry is None:
                await officer_users[holder].send(f"On it ans-{did}", reply_to=card)
                got = await wait_until(lambda: [e for e in emu.outgoing(did) if f"ans-{did}" in (e.text or "")], 30)
                if not got:
                    continue  # refused (re-routed meanwhile): the next holder answers
                answer_entry = got[-1]
            if not thanked:
                await user.send(f"Thanks thx-{did}", reply_to=answer_entry)
                thanked = True
            got_thx = await wait_until(lambda h=holder: [e for e in emu.outgoing(h) if f"thx-{did}" in (e.text or "")]
                                       or (h in gone), 30)
            if holder in gone or not got_thx or isinstance(got_thx, bool):
                continue  # re-routed: the next holder gets the thanks with everything said so far
            card_now = [e for e in emu.outgoing(holder) if "lresolve" in str(e.reply_markup)]
            update = await officer_users[holder].press_raw(f"v1||lresolve|{number}|0", message=card_now[-1])
            if "is resolved" in await answered(emu, update):
                stats["resolved"] += 1
                return
        lost.append(f"thanks {did}")

    async def disruptions() -> None:
        await asyncio.sleep(span * 0.4)
        off = officer_ids[0]
        gone.add(off)
        await officer_users[off].send("/duty off")
        await asyncio.sleep(span * 0.1)
        blocker = officer_ids[1]
        gone.add(blocker)
        officer_users[blocker].block()

    started = time.monotonic()
    flows = [delegate_flow(did, rng.uniform(0, span)) for did in delegate_ids]
    await asyncio.gather(*flows, disruptions())
    elapsed = time.monotonic() - started
    await s.sender.idle(timeout=120)  # whatever is still on its way arrives: late is not lost
    stop.set()
    await watcher
    watch.scan()

    def said(chat_id: int, words: str, direction: str) -> bool:
        chat = emu.chats.get(chat_id)
        return chat is not None and any(words in (e.text or "") for e in chat.history
                                        if (e.direction == IN) == (direction == "in") and not e.deleted)

    def refused(officer: int, words: str) -> bool:
        """The bot told the officer their message did not go (the request had been re-routed)."""
        history = emu.chats[officer].history
        at = next((i for i, e in enumerate(history) if e.direction == IN and words in (e.text or "")), None)
        return at is not None and any("this request" in (e.text or "") for e in history[at + 1:] if e.direction != IN)

    lost_answers = [d for d in delegate_ids
                    if any(said(o, f"ans-{d}", "in") and not refused(o, f"ans-{d}") for o in officer_ids)
                    and not said(d, f"ans-{d}", "out")]
    lost_thanks = [d for d in delegate_ids
                   if said(d, f"thx-{d}", "in") and not any(said(o, f"thx-{d}", "out") for o in officer_ids)]
    # the sweep, as its job would run it once LIAISON_CLAIM_MINUTES have passed on the event clock
    clock = s.clock
    assert isinstance(clock, SimulatedClock)
    clock.advance(dt.timedelta(minutes=s.settings.liaison_claim_minutes + 1))
    swept = await s.liaison.sweep()
    async with s.db.session() as session:
        claims = dict((await session.execute(select(LiaisonEvent.request_id, func.count()).where(
            LiaisonEvent.action == RequestAction.CLAIMED).group_by(LiaisonEvent.request_id))).all())
        routes = dict((await session.execute(select(LiaisonEvent.request_id, func.count()).where(
            LiaisonEvent.action.in_((RequestAction.ROUTED, RequestAction.REROUTED))).group_by(
            LiaisonEvent.request_id))).all())
        reroutes = dict((await session.execute(select(LiaisonEvent.request_id, func.count()).where(
            LiaisonEvent.action == RequestAction.REROUTED).group_by(LiaisonEvent.request_id))).all())
    claimed = [rid for rid in claims]
    # a second winner of one race is a double claim unless the request was re-routed in between
    # (its holder went off duty or blocked the bot a moment after winning: it was open again)
    double = sum(1 for rid in claimed if claims[rid] > reroutes.get(rid, 0) + 1) + sum(
        1 for rid, w in winners_per_race if w > 1 + reroutes.get(rid, 0))
    once = sum(1 for rid in claimed if claims[rid] <= reroutes.get(rid, 0) + 1)
    route_ms = [(watch.first_ref[d] - sent_at[d]) * 1000 for d in delegate_ids
                if kinds[d] == "normal" and d in watch.first_ref]
    urgent_ms = [(watch.first_ref[d] - sent_at[d]) * 1000 for d in delegate_ids
                 if kinds[d] == "urgent" and d in watch.first_ref]
    never = [d for d in delegate_ids if kinds[d] != "lonely" and d not in watch.first_ref]
    print(f"ran {elapsed:.1f}s: {stats['resolved']} resolved, {len(routes)} routed, "
          f"{sum(reroutes.values())} re-routed, races {len(winners_per_race)}, unfinished {lost[:5]}, "
          f"never notified {len(never)}, answers lost {lost_answers[:5]}, thanks lost {lost_thanks[:5]}", flush=True)
    return {
        "requests": len(numbers), "claimed_once": once, "double_claims": double,
        "lost_messages": len(lost_answers) + len(lost_thanks) + len(never),
        "route_p50_ms": round(statistics.median(route_ms), 1) if route_ms else None,
        "route_p99_ms": round(percentile(route_ms, 0.99), 1) if route_ms else None,
        "urgent_p99_ms": round(percentile(urgent_ms, 0.99), 1) if urgent_ms else None,
        "escalated": len(swept.escalated),
        "resolved": stats["resolved"], "unfinished": len(lost), "rerouted": sum(reroutes.values()), "races": len(winners_per_race),
        "delegates": n, "officers": n_off, "seconds": round(elapsed, 1),
    }


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
