"""The outbox table and its service, on a real database (SQLite and PostgreSQL): idempotent
enqueue, bulk enqueue, cancel, counts, claims by priority and due time, SKIP LOCKED, recovery.
The sender's end-to-end behaviour against the emulator is in test_sender.py."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, update

from bot.clock import SimulatedClock
from bot.delivery.claims import Claims, Failed, Sent
from bot.delivery.message import Button, Message
from bot.delivery.outbox import Outbox, Recipient
from bot.services.people import PeopleService, TelegramUser
from bot.store.db import Database
from bot.store.models import DeliveryState, OutboxMessage, Person, Priority

T0 = dt.datetime(2025, 10, 25, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def outbox(db: Database, clock: SimulatedClock) -> Outbox:
    return Outbox(db, clock)


async def people(db: Database, clock: SimulatedClock, n: int, first: int = 1000) -> list[Person]:
    service = PeopleService(db, clock)
    return [(await service.touch(TelegramUser(first + i, f"P{i}", language_code="en")))[0] for i in range(n)]


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_second_enqueue_with_the_same_key_is_a_no_op(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    [alice] = await people(db, clock, 1)
    message = Message("Your session starts in 30 minutes.", buttons=((Button("Open", callback_data="card:x"),),))
    async with db.session() as s:
        first = await outbox.enqueue(s, "reminder", to=Recipient.of(alice), message=message, key="reminder:x:1:30")
        second = await outbox.enqueue(s, "reminder", to=Recipient.of(alice), message=Message("other"), key="reminder:x:1:30")
    async with db.session() as s:  # and in a later transaction too
        third = await outbox.enqueue(s, "reminder", to=Recipient.of(alice), message=Message("other"), key="reminder:x:1:30")
    assert (first, second, third) == (True, False, False)
    [row] = await rows(db)
    assert row.state == DeliveryState.PENDING and row.chat_id == alice.telegram_id and row.person_id == alice.id
    assert Message.from_json(row.payload) == message
    assert row.priority == Priority.NORMAL and row.due_at == T0 and row.next_attempt_at == T0


async def test_rows_without_a_key_are_all_kept_and_a_person_id_finds_the_chat(
    db: Database, clock: SimulatedClock, outbox: Outbox
) -> None:
    [alice] = await people(db, clock, 1)
    async with db.session() as s:
        for _ in range(2):
            assert await outbox.enqueue(s, "relay", to=Recipient(person_id=alice.id), message=Message("hi"))
        with pytest.raises(LookupError):
            await outbox.enqueue(s, "relay", to=Recipient(person_id=alice.id + 999), message=Message("hi"))
    assert [r.chat_id for r in await rows(db)] == [alice.telegram_id] * 2


async def test_bad_enqueues_are_refused(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    [alice] = await people(db, clock, 1)
    to = Recipient.of(alice)
    async with db.session() as s:
        with pytest.raises(ValueError):
            await outbox.enqueue(s, "x", to=to)  # neither a message nor a spec
        with pytest.raises(ValueError):
            await outbox.enqueue(s, "x", to=to, message=Message("a"), spec={"a": 1})
        with pytest.raises(ValueError):
            await outbox.enqueue(s, "", to=to, message=Message("a"))
        with pytest.raises(ValueError):
            await outbox.enqueue(s, "x", to=to, message=Message("a"), due_at=dt.datetime(2025, 1, 1))
        with pytest.raises(ValueError):
            await outbox.cancel(s, prefix="")
    with pytest.raises(ValueError):
        Message("")  # a text message needs text
    assert await rows(db) == []


async def test_a_rolled_back_state_change_takes_its_messages_with_it(
    db: Database, clock: SimulatedClock, outbox: Outbox
) -> None:
    [alice] = await people(db, clock, 1)
    woken: list[int] = []
    outbox.on_commit(lambda: woken.append(1))
    with pytest.raises(RuntimeError):
        async with db.session() as s:
            await outbox.enqueue(s, "notice", to=Recipient.of(alice), message=Message("moved"), key="k1")
            raise RuntimeError("the state change failed")
    assert await rows(db) == [] and woken == []
    async with db.session() as s:
        await outbox.enqueue(s, "notice", to=Recipient.of(alice), message=Message("moved"), key="k1")
        assert woken == []  # not before the commit
    assert woken == [1] and len(await rows(db)) == 1


async def test_bulk_enqueue_of_ten_thousand_rows_skips_the_keys_already_there(
    db: Database, clock: SimulatedClock, outbox: Outbox
) -> None:
    recipients = [Recipient(chat_id=5_000_000 + i, key=f"broadcast:b1:{i}") for i in range(10_000)]
    async with db.session() as s:
        written = await outbox.enqueue_many(s, "broadcast", recipients[:4_000], spec={"broadcast": "b1"}, group_id="b1")
    async with db.session() as s:
        again = await outbox.enqueue_many(s, "broadcast", recipients, spec={"broadcast": "b1"}, group_id="b1")
    assert (written, again) == (4_000, 6_000)
    counts = await outbox.counts("b1")
    assert counts["pending"] == 10_000 and sum(counts.values()) == 10_000
    async with db.session() as s:
        bulk = await s.scalar(select(func.count()).where(OutboxMessage.priority == Priority.BULK, OutboxMessage.rendered.is_(False)))
    assert bulk == 10_000


async def test_cancel_by_key_prefix_and_group_leaves_the_rest(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    async with db.session() as s:
        for i in range(3):
            await outbox.enqueue(s, "reminder", to=Recipient(chat_id=10 + i), message=Message("r"), key=f"reminder:opening:{i}:30")
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=20), message=Message("r"), key="reminder:opening_2:0:30")
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=21), message=Message("r"), key="reminder:plenary:0:30")
        await outbox.enqueue_many(s, "broadcast", [Recipient(chat_id=30 + i) for i in range(4)], message=Message("b"), group_id="b7")
    async with db.session() as s:
        assert await outbox.cancel(s, key="reminder:plenary:0:30") == 1
        # "_" in a prefix is a character, not a wildcard: opening_2 stays
        assert await outbox.cancel(s, prefix="reminder:opening:") == 3
        assert await outbox.cancel(s, group_id="b7", reason="recalled by the organiser") == 4
        assert await outbox.cancel(s, group_id="b7") == 0
    states = {r.key or f"b{r.chat_id}": r.state for r in await rows(db)}
    assert states["reminder:opening_2:0:30"] == DeliveryState.PENDING
    assert sum(1 for v in states.values() if v == DeliveryState.CANCELLED) == 8
    assert (await outbox.counts("b7"))["cancelled"] == 4


async def test_revive_makes_a_cancelled_row_pending_again_but_never_touches_a_sent_one(
    db: Database, clock: SimulatedClock, outbox: Outbox
) -> None:
    """Unfollow then follow again: the reminder's key exists (cancelled); revive brings it back."""
    later = T0 + dt.timedelta(hours=2)
    async with db.session() as s:
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=1), spec={"v": 1}, key="a")
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=2), spec={"v": 1}, key="b")
        await outbox.cancel(s, key="a")
        await s.execute(update(OutboxMessage).where(OutboxMessage.key == "b").values(state=DeliveryState.SENT))
    async with db.session() as s:
        assert await outbox.enqueue(s, "reminder", to=Recipient(chat_id=1), spec={"v": 2}, key="a", due_at=later, revive_cancelled=True)
        assert not await outbox.enqueue(s, "reminder", to=Recipient(chat_id=2), spec={"v": 2}, key="b", revive_cancelled=True)
        assert not await outbox.enqueue(s, "reminder", to=Recipient(chat_id=1), spec={"v": 3}, key="a", revive_cancelled=True)
    a, b = await rows(db)
    assert (a.state, a.payload, a.due_at, a.last_error) == (DeliveryState.PENDING, {"v": 2}, later, None)
    assert (b.state, b.payload) == (DeliveryState.SENT, {"v": 1})


async def test_claims_take_due_rows_by_priority_then_due_time(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    async with db.session() as s:
        for i in range(5):
            await outbox.enqueue(s, "broadcast", to=Recipient(chat_id=100 + i), message=Message("b"),
                                 priority=Priority.BULK, due_at=T0 - dt.timedelta(minutes=10 - i))
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=200), message=Message("r2"), due_at=T0 - dt.timedelta(seconds=5))
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=201), message=Message("r1"), due_at=T0 - dt.timedelta(seconds=9))
        await outbox.enqueue(s, "urgent", to=Recipient(chat_id=300), message=Message("u"), priority=Priority.URGENT)
        await outbox.enqueue(s, "reminder", to=Recipient(chat_id=400), message=Message("later"), due_at=T0 + dt.timedelta(minutes=1))
    claims = Claims(outbox)
    got = await claims.claim({Priority.URGENT: 10, Priority.NORMAL: 10, Priority.BULK: 3})
    assert [r.chat_id for r in got] == [300, 201, 200, 100, 101, 102]
    assert {r.state for r in await rows(db) if r.chat_id in (300, 201, 200, 100, 101, 102)} == {DeliveryState.CLAIMED}
    assert await claims.claim({Priority.NORMAL: 10}) == []  # 400 is not due yet
    clock.advance(dt.timedelta(minutes=1))
    assert [r.chat_id for r in await claims.claim({p: 10 for p in Priority})] == [400, 103, 104]


async def test_a_blocked_persons_rows_fail_at_claim_without_being_sent(
    db: Database, clock: SimulatedClock, outbox: Outbox
) -> None:
    alice, bob = await people(db, clock, 2)
    async with db.session() as s:
        await outbox.enqueue(s, "notice", to=Recipient.of(alice), message=Message("a"))
        await outbox.enqueue(s, "notice", to=Recipient.of(bob), message=Message("b"))
        await s.execute(update(Person).where(Person.id == alice.id).values(active=False))
    got = await Claims(outbox).claim({p: 10 for p in Priority})
    assert [r.person_id for r in got] == [bob.id]
    a, _ = await rows(db)
    assert (a.state, a.last_error) == (DeliveryState.FAILED, "blocked")


async def test_prepare_drops_a_row_cancelled_after_it_was_claimed(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    async with db.session() as s:
        for key in ("a", "b"):
            await outbox.enqueue(s, "notice", to=Recipient(chat_id=1), message=Message(key), key=key)
    claims = Claims(outbox)
    held = await claims.claim({Priority.NORMAL: 10})
    async with db.session() as s:
        assert await outbox.cancel(s, key="a") == 1
    ready = await claims.prepare(held)
    assert [p.message.text for p in ready] == ["b"]
    a, b = await rows(db)
    assert (a.state, b.state) == (DeliveryState.CANCELLED, DeliveryState.SENDING)


async def test_outcomes_are_recorded_only_for_rows_the_sender_holds(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    async with db.session() as s:
        for key in ("a", "b"):
            await outbox.enqueue(s, "notice", to=Recipient(chat_id=1), message=Message(key), key=key)
    mine, other = Claims(outbox), Claims(outbox)
    held = await mine.claim({Priority.NORMAL: 10})
    await mine.prepare(held)
    await other.record([Sent(held[0].id, 99, 1)])  # not its row: nothing changes
    await mine.record([Sent(held[0].id, 42, 1), Failed(held[1].id, "Bad Request: message is too long", 1)])
    a, b = await rows(db)
    assert (a.state, a.telegram_message_id, a.sent_at) == (DeliveryState.SENT, 42, T0)
    assert (b.state, b.last_error) == (DeliveryState.FAILED, "Bad Request: message is too long")
    assert await outbox.sent_messages("none") == []


async def test_recovery_counts_the_rows_that_were_in_flight(db: Database, clock: SimulatedClock, outbox: Outbox) -> None:
    async with db.session() as s:
        for i in range(5):
            await outbox.enqueue(s, "notice", to=Recipient(chat_id=i + 1), message=Message("x"), key=f"k{i}")
    dead = Claims(outbox)
    held = await dead.claim({Priority.NORMAL: 10})
    await dead.prepare(held[:2])  # two requests were out when the process died
    recovery = await Claims(outbox).recover()
    assert (recovery.in_flight, recovery.released) == (2, 3)
    states = [r.state for r in await rows(db)]
    assert states == [DeliveryState.PENDING] * 5
    assert sum(1 for r in await rows(db) if r.last_error and "in flight" in r.last_error) == 2


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url)
    await database.upgrade()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_postgres_concurrent_claims_skip_locked_rows_and_never_overlap(
    postgres_url: str, pg: Database, clock: SimulatedClock
) -> None:
    db, outbox, database_url = pg, Outbox(pg, clock), postgres_url
    async with db.session() as s:
        await outbox.enqueue_many(s, "broadcast", [Recipient(chat_id=i + 1) for i in range(30)], message=Message("b"))
    first, second = Claims(outbox), Claims(Outbox(Database(database_url), clock))
    try:
        async with db.session() as held:  # the first claim's transaction stays open...
            a = await first.claim({Priority.BULK: 10}, session=held)
            b = await asyncio.wait_for(second.claim({Priority.BULK: 10}), 10)  # ...the second skips its rows
        c = await first.claim({Priority.BULK: 100})
    finally:
        await second.outbox.db.dispose()
    ids = [r.id for r in a + b + c]
    assert len(a) == len(b) == 10 and len(c) == 10
    assert len(set(ids)) == 30


@pytest.mark.postgres
async def test_postgres_recovery_leaves_a_live_senders_rows_alone(pg: Database, clock: SimulatedClock) -> None:
    db, outbox = pg, Outbox(pg, clock)
    async with db.session() as s:
        await outbox.enqueue_many(s, "broadcast", [Recipient(chat_id=i + 1) for i in range(6)], message=Message("b"))
    live, dead = Claims(outbox), Claims(outbox)
    async with live.alive():
        await live.claim({Priority.BULK: 3})
        await dead.claim({Priority.BULK: 3})
        recovery = await Claims(outbox).recover()
        assert (recovery.released, recovery.in_flight) == (3, 0)
        assert sum(1 for r in await rows(db) if r.state == DeliveryState.CLAIMED) == 3
    recovery = await Claims(outbox).recover()  # the live one has stopped without giving back
    assert recovery.released == 3
