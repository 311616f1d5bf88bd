"""The one sender, end to end: the real PTB application drains the outbox through the emulator,
on SQLite and PostgreSQL. Simulated people write to the bot first (Telegram refuses a bot's
first message), then the tests enqueue as a feature would, move the simulated clock and tick."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from bot.delivery.message import Message, Skip
from bot.delivery.outbox import Outbox, Recipient, RenderRequest
from bot.delivery.ratelimit import Limits
from bot.delivery.sender import Sender
from bot.i18n import translator
from bot.sandbox.emulator import Emulator, SimUser
from bot.sandbox.harness import FAST, TOKEN, Harness
from bot.store.db import Database
from bot.store.models import DeliveryState, OutboxMessage, Person, Priority
from tests.support import running_bot

SECOND = dt.timedelta(seconds=1)
PACED = Limits(overall_per_s=20, private_per_s=0, group_per_min=0)


async def delegates(bot: Harness, n: int, first: int = 5_000, language: str = "en") -> list[tuple[SimUser, Person]]:
    """``n`` people who have written to the bot (/start) and got its welcome."""
    users = [bot.user(first + i, f"D{i}", language_code=language) for i in range(n)]
    for user in users:
        await user.send("/start")
    for user in users:
        await user.reply(timeout=30)
    found = []
    for user in users:
        person = await bot.services.people.get(user.id)
        assert person is not None
        found.append((user, person))
    return found


async def enqueue(bot: Harness, person: Person, text: str, **kw: object) -> bool:
    async with bot.services.db.session() as s:
        return await bot.services.outbox.enqueue(s, kw.pop("kind", "test"), to=Recipient.of(person),  # type: ignore[arg-type]
                                                 message=Message(text), **kw)  # type: ignore[arg-type]


def outbox_texts(emu: Emulator, chat_id: int, prefix: str = "outbox") -> list[str]:
    return [e.text for e in emu.outgoing(chat_id) if e.text.startswith(prefix)]


async def rows(bot: Harness) -> list[OutboxMessage]:
    async with bot.services.db.session() as s:
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


def sender_of(bot: Harness) -> Sender:
    assert bot.services.sender is not None
    return bot.services.sender


async def until(check: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait (real time) until ``check()`` is true; a clear failure otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not true after {timeout}s: {check}")
        await asyncio.sleep(0.05)


async def test_each_row_is_delivered_once_in_order_with_its_message_id(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        people = await delegates(bot, 10)
        for n in range(3):
            for _, person in people:
                assert await enqueue(bot, person, f"outbox {n} for {person.telegram_id}", key=f"t:{person.id}:{n}")
        for _, person in people:  # planning again changes nothing
            assert not await enqueue(bot, person, "outbox again", key=f"t:{person.id}:0")
        await sender_of(bot).idle()
        for user, _ in people:
            assert outbox_texts(bot.emulator, user.id) == [f"outbox {n} for {user.id}" for n in range(3)]
        by_text = {e.text: e.message_id for u, _ in people for e in bot.emulator.outgoing(u.id)}
        for row in await rows(bot):
            assert row.state == DeliveryState.SENT and row.attempts == 1 and row.claimed_by is None
            assert row.telegram_message_id == by_text[Message.from_json(row.payload).text]


async def test_the_job_queue_tick_sends_what_the_clock_says_is_due(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        [(alice, person)] = await delegates(bot, 1)
        await enqueue(bot, person, "outbox at ten", due_at=bot.clock.now() + dt.timedelta(minutes=10))
        await asyncio.sleep(1.5)  # a tick or more: not due yet
        assert outbox_texts(bot.emulator, alice.id) == []
        bot.clock.advance(dt.timedelta(minutes=10))
        await bot.emulator.wait_for(alice.id, lambda e: e.text == "outbox at ten", timeout=10)  # no tick() here


async def test_a_429_pauses_that_chat_only(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        (alice, a), (bob, b), (carol, c) = await delegates(bot, 3)
        sender = sender_of(bot)
        bot.emulator.fail_next("sendMessage", 429, retry_after=4)
        asked = time.monotonic()
        await enqueue(bot, a, "outbox for alice")
        await until(lambda: sender.stats["rate_limited"] == 1)
        await enqueue(bot, b, "outbox for bob")
        await enqueue(bot, c, "outbox for carol")
        [to_bob] = await bot.emulator.wait_for(bob.id, lambda e: e.text == "outbox for bob", timeout=10)
        [to_carol] = await bot.emulator.wait_for(carol.id, lambda e: e.text == "outbox for carol", timeout=10)
        [to_alice] = await bot.emulator.wait_for(alice.id, lambda e: e.text == "outbox for alice", timeout=15)
        assert to_alice.at > max(to_bob.at, to_carol.at)
        assert to_alice.at - asked >= 4  # waited out its retry_after, no earlier
        await sender.idle()
        assert outbox_texts(bot.emulator, alice.id) == ["outbox for alice"]
        first = (await rows(bot))[0]
        assert (first.state, first.attempts) == (DeliveryState.SENT, 1)  # a 429 is not an attempt
        assert sender.stats["rate_limited"] == 1


async def test_a_403_marks_the_person_blocked_until_they_write_again(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        (alice, a), (bob, b) = await delegates(bot, 2)
        alice.block()
        errors = len(bot.emulator.errors)
        # "two" first: it is not due, so it is surely live when the 403 on "one" comes back
        # (the sender may send "one" before a later insert commits)
        await enqueue(bot, a, "outbox two", key="two", due_at=bot.clock.now() + dt.timedelta(minutes=5))
        await enqueue(bot, a, "outbox one", key="one")
        await enqueue(bot, b, "outbox for bob")
        await sender_of(bot).idle()
        two, one, to_bob = await rows(bot)
        assert one.state == DeliveryState.FAILED and one.last_error.startswith("blocked")
        assert (two.state, two.last_error) == (DeliveryState.FAILED, "blocked")  # not even tried
        assert to_bob.state == DeliveryState.SENT
        assert not (await bot.services.people.get(alice.id)).active
        await enqueue(bot, a, "outbox three", key="three")  # while still blocked: fails unsent
        await sender_of(bot).idle()
        assert [e[1] for e in bot.emulator.errors[errors:]] == [403]
        assert (await rows(bot))[-1].last_error == "blocked"
        alice.unblock()
        await alice.send("hello again")
        await alice.reply()
        assert (await bot.services.people.get(alice.id)).active
        await enqueue(bot, a, "outbox four", key="four")
        await sender_of(bot).idle()
        assert outbox_texts(bot.emulator, alice.id) == ["outbox four"]


async def test_a_400_fails_the_row_with_telegrams_reason(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        [(alice, person)] = await delegates(bot, 1)
        await enqueue(bot, person, "outbox " + "x" * 5000)
        await enqueue(bot, person, "outbox fine")
        await sender_of(bot).idle()
        too_long, fine = await rows(bot)
        assert too_long.state == DeliveryState.FAILED and "too long" in too_long.last_error.lower()
        assert fine.state == DeliveryState.SENT
        assert outbox_texts(bot.emulator, alice.id) == ["outbox fine"]


async def test_a_5xx_is_retried_after_a_backoff_then_sent(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        [(alice, person)] = await delegates(bot, 1)
        bot.emulator.fail_next("sendMessage", 502)
        start = bot.clock.now()
        await enqueue(bot, person, "outbox retried")
        await until(lambda: rows_match(bot, lambda r: r.attempts == 1 and r.state == DeliveryState.PENDING))
        [row] = await rows(bot)
        assert row.next_attempt_at == start + SECOND and "Bad Gateway" in row.last_error
        await sender_of(bot).tick()
        assert outbox_texts(bot.emulator, alice.id) == []  # not before its time
        bot.clock.advance(SECOND)
        await sender_of(bot).idle()
        [row] = await rows(bot)
        assert (row.state, row.attempts) == (DeliveryState.SENT, 2)
        assert outbox_texts(bot.emulator, alice.id) == ["outbox retried"]


async def test_a_read_timeout_is_retried_and_counted_as_ambiguous(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        [(alice, person)] = await delegates(bot, 1)
        sender = sender_of(bot)
        sender.config = dataclasses.replace(sender.config, read_timeout=0.5)
        bot.emulator.fail_next("sendMessage", 500, delay=2.0)  # answers after the client gave up
        await enqueue(bot, person, "outbox after a timeout")
        await until(lambda: rows_match(bot, lambda r: r.attempts == 1 and r.state == DeliveryState.PENDING))
        assert "timed out" in (await rows(bot))[0].last_error and sender.stats["ambiguous"] == 1
        bot.clock.advance(SECOND)
        await sender.idle()
        assert outbox_texts(bot.emulator, alice.id) == ["outbox after a timeout"]


async def test_retries_stop_at_the_cap_and_the_row_fails(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        [(alice, person)] = await delegates(bot, 1)
        sender = sender_of(bot)
        sender.config = dataclasses.replace(sender.config, max_attempts=3)
        bot.emulator.fail_next("sendMessage", 500, count=10)
        await enqueue(bot, person, "outbox never")
        for attempt in (1, 2):
            await until(lambda n=attempt: rows_match(bot, lambda r: r.attempts == n and r.state == DeliveryState.PENDING))
            bot.clock.advance(dt.timedelta(seconds=2 ** (attempt - 1)))
            await sender.tick()
        await until(lambda: rows_match(bot, lambda r: r.state == DeliveryState.FAILED))
        [row] = await rows(bot)
        assert row.attempts == 3 and "Internal Server Error" in row.last_error
        bot.emulator.clear_faults()
        bot.clock.advance(dt.timedelta(minutes=10))
        await sender.idle()
        assert outbox_texts(bot.emulator, alice.id) == []


async def rows_match(bot: Harness, predicate: Callable[[OutboxMessage], bool]) -> bool:
    found = await rows(bot)
    return bool(found) and all(predicate(r) for r in found)


@pytest.mark.parametrize("priority", [Priority.URGENT, Priority.NORMAL])
async def test_urgent_and_normal_rows_jump_a_bulk_backlog(database_url: str, priority: Priority) -> None:
    async with running_bot(database_url, bot_limits=PACED) as bot:
        people = await delegates(bot, 61)
        bulk, (vip_user, vip) = people[:60], people[60]
        async with bot.services.db.session() as s:
            await bot.services.outbox.enqueue_many(
                s, "broadcast", [Recipient.of(p) for _, p in bulk], message=Message("outbox bulk"), group_id="b1")

        def bulk_delivered() -> int:
            return sum(len(outbox_texts(bot.emulator, u.id)) for u, _ in bulk)

        await until(lambda: bulk_delivered() >= 5)
        before = bulk_delivered()
        await enqueue(bot, vip, "outbox first", priority=priority)
        await bot.emulator.wait_for(vip_user.id, lambda e: e.text == "outbox first", timeout=10)
        overtaken = bulk_delivered() - before
        assert overtaken <= 25, f"{overtaken} bulk messages went before the {priority.name} one"
        assert 60 - before - overtaken >= 20  # the backlog was still there: the order was earned
        await sender_of(bot).idle()
        assert bulk_delivered() == 60 and (await bot.services.outbox.counts("b1"))["sent"] == 60


async def test_a_spec_is_rendered_at_send_time_in_the_current_language_or_skipped(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        (alice, a), (bob, b) = await delegates(bot, 2)
        seen: list[str] = []

        async def greeting(req: RenderRequest) -> Message | Skip:
            assert req.person is not None and req.session is not None
            seen.append(req.person.language)
            if req.spec.get("cancelled"):
                return Skip("the session was cancelled")
            return Message(translator(req.person.language)._("Did you mean one of these?"))

        bot.services.outbox.renderers.register("greeting", greeting)
        later = bot.clock.now() + dt.timedelta(minutes=30)
        async with bot.services.db.session() as s:
            await bot.services.outbox.enqueue(s, "greeting", to=Recipient.of(a), spec={}, due_at=later)
            await bot.services.outbox.enqueue(s, "greeting", to=Recipient.of(b), spec={"cancelled": True}, due_at=later)
        await bot.services.people.set_language(alice.id, "fr")  # after the enqueue
        bot.clock.advance(dt.timedelta(minutes=30))
        await sender_of(bot).idle()
        french = translator("fr")._("Did you mean one of these?")
        assert french != translator("en")._("Did you mean one of these?")
        assert bot.emulator.outgoing(alice.id)[-1].text == french
        to_alice, to_bob = await rows(bot)
        assert to_alice.state == DeliveryState.SENT
        assert (to_bob.state, to_bob.last_error) == (DeliveryState.SKIPPED, "the session was cancelled")
        assert len(bot.emulator.outgoing(bob.id)) == 1  # the welcome only
        assert sorted(seen) == ["en", "fr"]


async def test_a_renderer_that_fails_ends_its_row_only(database_url: str) -> None:
    """Even when its failure breaks the database transaction it was reading in."""
    async with running_bot(database_url) as bot:
        people = await delegates(bot, 3)

        async def fragile(req: RenderRequest) -> Message | Skip:
            if req.spec.get("boom"):
                await req.session.execute(text("SELECT * FROM no_such_table"))
            return Message(f"outbox rendered {req.spec['n']}")

        bot.services.outbox.renderers.register("fragile", fragile)
        async with bot.services.db.session() as s:
            for n, (_, person) in enumerate(people):
                await bot.services.outbox.enqueue(s, "fragile", to=Recipient.of(person), spec={"n": n, "boom": n == 1})
            await bot.services.outbox.enqueue(s, "unknown-kind", to=Recipient.of(people[0][1]), spec={"n": 9})
        await sender_of(bot).idle()
        states = [(r.state, r.last_error) for r in await rows(bot)]
        assert states[0] == states[2] == (DeliveryState.SENT, None)
        assert states[1][0] == DeliveryState.FAILED and states[1][1].startswith("render error")
        assert states[3] == (DeliveryState.FAILED, "no renderer for kind 'unknown-kind'")
        assert [outbox_texts(bot.emulator, u.id) for u, _ in people] == [["outbox rendered 0"], [], ["outbox rendered 2"]]


async def test_sigterm_with_a_backlog_then_restart_sends_each_row_exactly_once(database_url: str) -> None:
    emulator = Emulator(token=TOKEN, limits=FAST, webhook_retry_delay=0.05)
    async with emulator:
        async with running_bot(database_url, emulator=emulator, bot_limits=Limits(overall_per_s=10, private_per_s=0, group_per_min=0)) as bot:
            people = await delegates(bot, 40)
            async with bot.services.db.session() as s:
                await bot.services.outbox.enqueue_many(
                    s, "broadcast", [Recipient.of(p, key=f"b:{p.id}") for _, p in people],
                    message=Message("outbox once"), group_id="b1")
            await until(lambda: sum(len(outbox_texts(emulator, u.id)) for u, _ in people) >= 5)
            clock = bot.clock
        # stopped as on SIGTERM: what went is recorded, what was held is pending again
        before = {u.id: len(outbox_texts(emulator, u.id)) for u, _ in people}
        db = Database(database_url)
        try:
            async with db.session() as s:
                states = Counter((await s.scalars(select(OutboxMessage.state))).all())
        finally:
            await db.dispose()
        assert set(states) <= {DeliveryState.SENT, DeliveryState.PENDING}, states
        assert states[DeliveryState.SENT] == sum(before.values()) < 40
        async with running_bot(database_url, emulator=emulator, clock=clock) as bot:
            assert (sender_of(bot).recovery.in_flight, sender_of(bot).recovery.released) == (0, 0)
            await sender_of(bot).idle()
            assert {u.id: len(outbox_texts(emulator, u.id)) for u, _ in people} == {u.id: 1 for u, _ in people}
            assert (await bot.services.outbox.counts("b1"))["sent"] == 40


async def test_a_kill_leaves_rows_that_are_recovered_and_only_in_flight_ones_counted(database_url: str) -> None:
    emulator = Emulator(token=TOKEN, limits=FAST, webhook_retry_delay=0.05)
    async with emulator:
        async with running_bot(database_url, emulator=emulator, bot_limits=Limits(overall_per_s=10, private_per_s=0, group_per_min=0)) as bot:
            people = await delegates(bot, 30)
            emulator.delay_next("sendMessage", 1.5, count=3)  # out, and carried out after the kill
            async with bot.services.db.session() as s:
                await bot.services.outbox.enqueue_many(
                    s, "broadcast", [Recipient.of(p) for _, p in people], message=Message("outbox once"), group_id="b1")
            await until(lambda: rows_count(bot, DeliveryState.SENDING, at_least=3))
            await sender_of(bot).abandon()  # kill -9: no cleanup at all
            states = Counter(r.state for r in await rows(bot))
            clock = bot.clock
        assert states[DeliveryState.SENDING] >= 3 and states[DeliveryState.CLAIMED] > 0
        await asyncio.sleep(1.6)  # the requests that were out land anyway
        async with running_bot(database_url, emulator=emulator, clock=clock) as bot:
            recovery = sender_of(bot).recovery
            assert recovery.in_flight == states[DeliveryState.SENDING]
            assert recovery.released == states[DeliveryState.CLAIMED]
            assert sender_of(bot).stats["recovered_in_flight"] == recovery.in_flight
            await sender_of(bot).idle()
            got = {u.id: len(outbox_texts(emulator, u.id)) for u, _ in people}
            assert min(got.values()) == 1  # nothing lost
            assert sum(got.values()) - 30 <= recovery.in_flight  # twice only what was in flight
            assert (await bot.services.outbox.counts("b1"))["sent"] == 30


async def test_a_kill_that_comes_as_the_sender_is_woken_still_stops_it(database_url: str) -> None:
    """Cancelled in the very step its wake-up event is set (a commit woke it as it was
    killed): on Python 3.11 ``asyncio.wait_for`` lost that cancellation and the sender's loop
    ran on, polling the database for ever (a CI run hung in the test above)."""
    async with running_bot(database_url) as bot:
        sender = sender_of(bot)
        await sender.idle()
        task = sender._task
        assert task is not None
        sender.wake()
        await asyncio.wait_for(sender.abandon(), 5)
        assert task.cancelled()


async def rows_count(bot: Harness, state: DeliveryState, at_least: int) -> bool:
    return sum(1 for r in await rows(bot) if r.state == state) >= at_least


@pytest.mark.postgres
async def test_postgres_two_senders_share_the_work_and_never_send_twice(postgres_url: str) -> None:
    async with running_bot(postgres_url) as bot:
        people = await delegates(bot, 40)
        first = sender_of(bot)
        small = dataclasses.replace(first.config, min_claim=4, claim_ahead_s=0, max_in_flight=2)
        first.config = small
        other_db = Database(postgres_url)
        second = Sender(Outbox(other_db, bot.clock), first.bot, limiter=first.limiter, config=small)
        await second.start()
        try:
            async with bot.services.db.session() as s:
                for n in range(3):
                    await bot.services.outbox.enqueue_many(
                        s, "test", [Recipient.of(p) for _, p in people], message=Message(f"outbox {n}"),
                        priority=Priority.NORMAL)
            for _ in range(200):
                await asyncio.gather(first.tick(), second.tick())
                if rows_sent := await rows_count(bot, DeliveryState.SENT, at_least=120):
                    break
            assert rows_sent
        finally:
            await second.stop()
            await other_db.dispose()
        for user, _ in people:
            assert sorted(outbox_texts(bot.emulator, user.id)) == ["outbox 0", "outbox 1", "outbox 2"]
        assert first.stats["sent"] > 0 and second.stats["sent"] > 0
        assert first.stats["sent"] + second.stats["sent"] == 120
