"""The sender's side of the outbox: claiming due rows, marking them sent or failed, giving
them back. No Telegram. Features use :mod:`bot.delivery.outbox`; only the sender uses this.

Rows go ``pending -> claimed`` (held by one sender: nothing sent yet) ``-> sending`` (the
request is out; marked just before it leaves) ``-> sent | failed | skipped``, or back to
``pending`` for a retry. Claims take due rows by priority, then due time; on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so several senders share the work without taking the same row.
Each sender holds an advisory lock while it lives (:meth:`Claims.alive`), so a sender starting
up takes back only the rows of senders that are gone (:meth:`Claims.recover`); on SQLite, one
process, that is every other sender. Only rows that were ``sending`` when their sender died can
reach Telegram twice, and they are counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.delivery.message import Message, Skip
from bot.delivery.outbox import BLOCKED, LIVE, OUTBOX, Outbox, RenderRequest
from bot.store.models import DeliveryState, Person, Priority

log = logging.getLogger(__name__)
HELD: tuple[DeliveryState, ...] = (DeliveryState.CLAIMED, DeliveryState.SENDING)
IN_FLIGHT = "in flight when the bot was killed: sent again"
#: advisory-lock namespace of live senders on PostgreSQL (the other key is the sender id)
SENDER_LOCK_CLASS = 0x0B0C


@dataclass(slots=True)
class Claimed:
    """A row a sender holds: what it needs to render and send it."""

    id: int
    key: str | None
    kind: str
    priority: Priority
    person_id: int | None
    chat_id: int
    thread_id: int | None
    group_id: str | None
    payload: dict[str, Any]
    rendered: bool
    paid: bool
    due_at: dt.datetime
    attempts: int


@dataclass
class Recovery:
    """What a starting sender found of senders that are gone: ``released`` rows were claimed but
    never sent; ``in_flight`` rows had their request out when the process died, so Telegram may
    have them already: they are sent again (the only duplicates the outbox allows)."""

    released: int = 0
    in_flight: int = 0


# -- outcomes the sender records (one transaction per batch) ---------------------------------
@dataclass(frozen=True)
class Sent:
    id: int
    message_id: int | None
    attempts: int
    language: str | None = None


@dataclass(frozen=True)
class Retry:
    """A retryable error: back to pending, claimable again at ``at``."""

    id: int
    error: str
    at: dt.datetime
    attempts: int


@dataclass(frozen=True)
class Failed:
    id: int
    error: str
    attempts: int


@dataclass(frozen=True)
class Requeued:
    """Not sent (a 429, or the sender stopping before the request went out): still held."""

    id: int


@dataclass(frozen=True)
class Blocked:
    """Telegram said 403: the person (or the chat) is marked and their live rows fail."""

    id: int
    person_id: int | None
    chat_id: int
    error: str
    attempts: int


Outcome = Sent | Retry | Failed | Requeued | Blocked


@dataclass
class Prepared:
    """A row made ready to send: marked ``sending`` and rendered."""

    row: Claimed
    message: Message


class Claims:
    """One sender's operations on the outbox table, each its own transaction. ``sender_id`` is
    the ``claimed_by`` of the rows it holds and its advisory-lock key on PostgreSQL."""

    def __init__(self, outbox: Outbox, sender_id: int | None = None) -> None:
        self.outbox = outbox
        self.sender_id = sender_id or new_sender_id()

    async def claim(
        self, limits: Mapping[Priority, int], *, session: AsyncSession | None = None
    ) -> list[Claimed]:
        """Take up to ``limits[p]`` due rows of each priority ``p`` for this sender, most urgent
        and oldest first. Rows of a person who blocked the bot fail here, unsent."""
        if session is None:
            async with self.outbox.db.session() as s:
                return await self.claim(limits, session=s)
        now = self.outbox.clock.now()
        claimed: list[Claimed] = []
        for priority in sorted(limits):
            limit = limits[priority]
            if limit <= 0:
                continue
            due = (
                select(OUTBOX.c.id)
                .where(OUTBOX.c.state == DeliveryState.PENDING, OUTBOX.c.priority == int(priority),
                       OUTBOX.c.next_attempt_at <= now)
                .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            result = await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(due.scalar_subquery()))
                .values(state=DeliveryState.CLAIMED, claimed_by=self.sender_id, updated_at=now)
                .returning(*_CLAIMED_COLUMNS)
            )
            claimed.extend(_claimed(row) for row in result.all())
        blocked = await self._inactive(session, {c.person_id for c in claimed if c.person_id is not None})
        if blocked:
            gone = [c.id for c in claimed if c.person_id in blocked]
            await session.execute(
                update(OUTBOX).where(OUTBOX.c.id.in_(gone)).values(
                    state=DeliveryState.FAILED, last_error=BLOCKED, claimed_by=None, updated_at=now)
            )
            claimed = [c for c in claimed if c.person_id not in blocked]
        claimed.sort(key=lambda c: (c.priority, c.due_at, c.id))
        return claimed

    @staticmethod
    async def _inactive(session: AsyncSession, person_ids: set[int]) -> set[int]:
        if not person_ids:
            return set()
        result = await session.execute(
            select(Person.id).where(Person.id.in_(sorted(person_ids)), Person.active.is_(False))
        )
        return set(result.scalars().all())

    async def prepare(self, rows: Sequence[Claimed]) -> list[Prepared]:
        """Mark ``rows`` as ``sending`` (those still held by this sender: a row cancelled
        meanwhile is dropped) and render them for their recipients as they are now. A renderer
        that skips, or fails, ends its row here."""
        if not rows:
            return []
        now = self.outbox.clock.now()
        async with self.outbox.db.session() as s:
            result = await s.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_([r.id for r in rows]), OUTBOX.c.state == DeliveryState.CLAIMED,
                       OUTBOX.c.claimed_by == self.sender_id)
                .values(state=DeliveryState.SENDING, updated_at=now)
                .returning(OUTBOX.c.id)
            )
            held = set(result.scalars().all())
        rows = [r for r in rows if r.id in held]
        ready: list[Prepared] = []
        ended: list[tuple[int, DeliveryState, str]] = []
        for row in rows:
            if row.rendered:
                try:
                    ready.append(Prepared(row, Message.from_json(row.payload)))
                except (TypeError, ValueError, KeyError) as exc:
                    ended.append((row.id, DeliveryState.FAILED, f"unreadable message: {exc}"))
        await self._render_all([r for r in rows if not r.rendered], ready, ended)
        if ended:
            async with self.outbox.db.session() as s:
                for row_id, state, reason in ended:
                    await s.execute(update(OUTBOX).where(OUTBOX.c.id == row_id).values(
                        state=state, last_error=reason[:500], claimed_by=None, updated_at=now))
        return ready

    async def _render_all(self, rows: list[Claimed], ready: list[Prepared],
                          ended: list[tuple[int, DeliveryState, str]]) -> None:
        """Render rows with their renderers, on a read session of their own: a renderer that
        fails ends its row, and the rows after it get a fresh session (its error may have broken
        the transaction)."""
        while rows:
            async with self.outbox.db.sessions() as session:
                need = sorted({r.person_id for r in rows if r.person_id is not None})
                people = {p.id: p for p in (await session.scalars(select(Person).where(Person.id.in_(need)))).all()}
                for n, row in enumerate(rows):
                    try:
                        outcome = await self._render(session, row, people.get(row.person_id or -1))
                    except Exception as exc:  # noqa: BLE001 - one broken row must not stop the sender
                        log.exception("outbox row %s (%s): rendering failed", row.id, row.kind)
                        ended.append((row.id, DeliveryState.FAILED, f"render error: {type(exc).__name__}: {exc}"))
                        rows = rows[n + 1 :]
                        break
                    if isinstance(outcome, Message):
                        ready.append(Prepared(row, outcome))
                    elif isinstance(outcome, Skip):
                        ended.append((row.id, DeliveryState.SKIPPED, outcome.reason))
                    else:
                        ended.append((row.id, DeliveryState.FAILED, outcome))
                else:
                    rows = []
                await session.rollback()  # it only read

    async def _render(self, session: AsyncSession, row: Claimed, person: Person | None) -> Message | Skip | str:
        """The renderer's message or Skip, or why there is none (a string)."""
        renderer = self.outbox.renderers.get(row.kind)
        if renderer is None:
            log.error("outbox row %s: no renderer for kind %r", row.id, row.kind)
            return f"no renderer for kind {row.kind!r}"
        return await renderer(RenderRequest(
            kind=row.kind, spec=row.payload, person=person, chat_id=row.chat_id,
            thread_id=row.thread_id, key=row.key, group_id=row.group_id, due_at=row.due_at,
            session=session,
        ))

    async def record(self, outcomes: Iterable[Outcome]) -> list[Blocked]:
        """Write what happened to a batch of rows, in one transaction. For a 403 the person is
        marked as having blocked the bot and their other live rows fail (reason ``blocked``).
        Returns the 403s recorded."""
        now = self.outbox.clock.now()
        by_kind: dict[type, list[Any]] = {}
        for outcome in outcomes:
            by_kind.setdefault(type(outcome), []).append(outcome)
        if not by_kind:
            return []
        held = or_(OUTBOX.c.state == DeliveryState.CLAIMED, OUTBOX.c.state == DeliveryState.SENDING)  # no IN: executemany
        mine = and_(OUTBOX.c.id == bindparam("oid"), OUTBOX.c.claimed_by == self.sender_id, held)
        done: dict[str, Any] = {"updated_at": now, "claimed_by": None, "attempts": bindparam("att")}
        async with self.outbox.db.session() as s:
            if sent := by_kind.get(Sent):
                await s.execute(
                    update(OUTBOX).where(mine).values(
                        state=DeliveryState.SENT, telegram_message_id=bindparam("mid"), sent_at=now,
                        language=bindparam("lang"), last_error=None, **done),
                    [{"oid": o.id, "mid": o.message_id, "att": o.attempts, "lang": o.language} for o in sent],
                )
            if retry := by_kind.get(Retry):
                await s.execute(
                    update(OUTBOX).where(mine).values(
                        state=DeliveryState.PENDING, next_attempt_at=bindparam("at", type_=OUTBOX.c.next_attempt_at.type), last_error=bindparam("err"),
                        **done),
                    [{"oid": o.id, "at": o.at, "att": o.attempts, "err": o.error[:500]} for o in retry],
                )
            failed: list[Failed | Blocked] = [*by_kind.get(Failed, []), *by_kind.get(Blocked, [])]
            if failed:
                await s.execute(
                    update(OUTBOX).where(mine).values(state=DeliveryState.FAILED, last_error=bindparam("err"), **done),
                    [{"oid": o.id, "att": o.attempts, "err": o.error[:500]} for o in failed],
                )
            if requeued := by_kind.get(Requeued):
                await s.execute(
                    update(OUTBOX).where(mine).values(state=DeliveryState.CLAIMED, updated_at=now),
                    [{"oid": o.id} for o in requeued],
                )
            blocked: list[Blocked] = by_kind.get(Blocked, [])
            for o in blocked:
                await self._block(s, o, now)
        return blocked

    @staticmethod
    async def _block(s: AsyncSession, o: Blocked, now: dt.datetime) -> None:
        if o.person_id is not None:
            await s.execute(update(Person).where(Person.id == o.person_id).values(active=False))
            whose = OUTBOX.c.person_id == o.person_id
        else:
            await s.execute(update(Person).where(Person.telegram_id == o.chat_id).values(active=False))
            whose = OUTBOX.c.chat_id == o.chat_id
        await s.execute(update(OUTBOX).where(whose, OUTBOX.c.state.in_(LIVE)).values(
            state=DeliveryState.FAILED, last_error=BLOCKED, claimed_by=None, updated_at=now))

    async def release(self) -> int:
        """A stopping sender gives back the rows it claimed but never sent (back to pending)."""
        async with self.outbox.db.session() as s:
            result = await s.execute(
                update(OUTBOX).where(OUTBOX.c.claimed_by == self.sender_id, OUTBOX.c.state == DeliveryState.CLAIMED)
                .values(state=DeliveryState.PENDING, claimed_by=None, updated_at=self.outbox.clock.now())
            )
            return int(cast(CursorResult[Any], result).rowcount or 0)

    async def recover(self) -> Recovery:
        """At start: rows held by senders that are gone go back to pending. On SQLite (one
        process) that is every sender but this one; on PostgreSQL a sender whose advisory lock
        is free. Rows that were ``sending`` are counted and logged: they may be sent twice."""
        recovery = Recovery()
        now = self.outbox.clock.now()
        async with self.outbox.db.session() as s:
            owners = set((await s.execute(
                select(OUTBOX.c.claimed_by).where(OUTBOX.c.state.in_(HELD)).distinct()
            )).scalars().all())
            owners.discard(self.sender_id)
            for owner in owners:
                if not await self._gone(s, owner):
                    continue
                whose = OUTBOX.c.claimed_by.is_(None) if owner is None else OUTBOX.c.claimed_by == owner
                out = await s.execute(
                    update(OUTBOX).where(whose, OUTBOX.c.state == DeliveryState.SENDING).values(
                        state=DeliveryState.PENDING, claimed_by=None, updated_at=now, last_error=IN_FLIGHT)
                )
                held = await s.execute(
                    update(OUTBOX).where(whose, OUTBOX.c.state == DeliveryState.CLAIMED).values(
                        state=DeliveryState.PENDING, claimed_by=None, updated_at=now)
                )
                recovery.in_flight += int(cast(CursorResult[Any], out).rowcount or 0)
                recovery.released += int(cast(CursorResult[Any], held).rowcount or 0)
        if recovery.in_flight:
            log.warning("outbox: %d message(s) were in flight when the bot was killed: sending them "
                        "again (Telegram may have them already)", recovery.in_flight)
        if recovery.released:
            log.info("outbox: %d claimed message(s) of a stopped sender back to pending", recovery.released)
        return recovery

    async def _gone(self, s: AsyncSession, owner: int | None) -> bool:
        if owner is None or s.get_bind().dialect.name != "postgresql":
            return True
        got = (await s.execute(text("SELECT pg_try_advisory_xact_lock(:c, :o)"),
                               {"c": SENDER_LOCK_CLASS, "o": owner})).scalar_one()
        return bool(got)

    @asynccontextmanager
    async def alive(self) -> Any:
        """Hold this sender's advisory lock while it runs (PostgreSQL; nothing on SQLite)."""
        if self.outbox.db.dialect != "postgresql":
            yield None
            return
        key = {"c": SENDER_LOCK_CLASS, "o": self.sender_id}
        conn: AsyncConnection = await self.outbox.db.engine.connect()
        try:
            await conn.execute(text("SELECT pg_advisory_lock(:c, :o)"), key)
            await conn.commit()
            yield conn
        finally:
            try:  # the connection goes back to the pool: the lock must not stay with it
                await conn.execute(text("SELECT pg_advisory_unlock(:c, :o)"), key)
                await conn.commit()
            except Exception:  # noqa: BLE001 - a broken connection: closing it ends the lock too
                await conn.invalidate()
            await conn.close()


_CLAIMED_COLUMNS = (
    OUTBOX.c.id, OUTBOX.c.key, OUTBOX.c.kind, OUTBOX.c.priority, OUTBOX.c.person_id, OUTBOX.c.chat_id,
    OUTBOX.c.thread_id, OUTBOX.c.group_id, OUTBOX.c.payload, OUTBOX.c.rendered, OUTBOX.c.paid,
    OUTBOX.c.due_at, OUTBOX.c.attempts,
)


def _claimed(row: Any) -> Claimed:
    return Claimed(
        id=row.id, key=row.key, kind=row.kind, priority=Priority(row.priority), person_id=row.person_id,
        chat_id=row.chat_id, thread_id=row.thread_id, group_id=row.group_id, payload=row.payload,
        rendered=bool(row.rendered), paid=bool(row.paid), due_at=row.due_at, attempts=row.attempts,
    )


def new_sender_id() -> int:
    """A random positive 31-bit id: an advisory-lock key and the ``claimed_by`` of its rows."""
    return random.SystemRandom().randrange(1, 2**31 - 1)
