"""The outbox: every message the bot sends on its own is first a row here. No Telegram.

A feature writes its messages with :meth:`Outbox.enqueue` (or :meth:`Outbox.enqueue_many`) on
*its own* session, so the state change and the messages it causes commit together or not at
all::

    async with services.db.session() as s:
        follow = await agenda.follow(s, person, session_id)        # the state change
        await services.outbox.enqueue(
            s, "reminder", to=Recipient.of(person),
            spec={"session": session_id, "lead": 30},                # rendered at send time
            key=f"reminder:{session_id}:{person.id}:30:{starts:%Y%m%dT%H%MZ}", due_at=starts - lead,
        )

A second enqueue with the same ``key`` is a no-op (a unique index and ``ON CONFLICT DO
NOTHING``), so planning twice never sends twice. After the commit the sender is woken at once.

A row is ``pending`` until due, then ``claimed`` by one sender (nothing sent yet), ``sending``
while its request is out, and ends ``sent`` (with Telegram's message id), ``failed`` (with the
reason), ``skipped`` (its renderer said so) or ``cancelled``. A payload is a rendered
:class:`~bot.delivery.message.Message` or a *spec* that the renderer registered for the row's
kind turns into a message at send time, in the recipient's language of that moment.

A feature adds a kind of message in two steps: a renderer registered at wiring time
(``outbox.renderers.register("reminder", render_reminder)``: spec and recipient in, a
:class:`~bot.delivery.message.Message` or a :class:`~bot.delivery.message.Skip` out), and an
enqueue in the transaction of its state change. Bulk rows (broadcasts) share a ``group_id``:
:meth:`Outbox.counts` is their live progress, :meth:`Outbox.sent_messages` what a correction or
a recall targets, :meth:`Outbox.cancel` stops what has not gone yet.

The sender's side (claims, outcomes, recovery) is :mod:`bot.delivery.claims`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.clock import Clock
from bot.delivery.message import Message, Skip
from bot.store.db import Database
from bot.store.models import DeliveryState, OutboxMessage, Person, Priority

log = logging.getLogger(__name__)
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
LIVE: tuple[DeliveryState, ...] = (DeliveryState.PENDING, DeliveryState.CLAIMED)
#: the reason on rows that failed because their person blocked the bot
BLOCKED = "blocked"
_CHUNK = 1000


@dataclass(frozen=True)
class Recipient:
    """Who gets a message: a person (their private chat) and/or a chat (a group, a forum topic
    with ``thread_id``). ``key`` and ``spec`` are per recipient in :meth:`Outbox.enqueue_many`
    (``spec`` replaces the shared one for this recipient)."""

    person_id: int | None = None
    chat_id: int | None = None
    thread_id: int | None = None
    key: str | None = None
    spec: dict[str, Any] | None = None

    @classmethod
    def of(cls, person: Person, *, key: str | None = None, spec: dict[str, Any] | None = None) -> Recipient:
        return cls(person_id=person.id, chat_id=person.telegram_id, key=key, spec=spec)


@dataclass(frozen=True)
class RenderRequest:
    """What a renderer gets: the row's spec, the recipient as they are now, and the session of
    the sender's transaction (to read anything else; do not commit it)."""

    kind: str
    spec: dict[str, Any]
    person: Person | None
    chat_id: int
    thread_id: int | None
    key: str | None
    group_id: str | None
    due_at: dt.datetime
    session: AsyncSession


Renderer = Callable[[RenderRequest], Awaitable[Message | Skip]]


@dataclass
class Renderers:
    """``kind -> renderer``: features register theirs at wiring time."""

    by_kind: dict[str, Renderer] = field(default_factory=dict)

    def register(self, kind: str, renderer: Renderer) -> None:
        existing = self.by_kind.get(kind)
        if existing is not None and existing is not renderer:
            raise ValueError(f"a renderer for {kind!r} is registered already")
        self.by_kind[kind] = renderer

    def get(self, kind: str) -> Renderer | None:
        return self.by_kind.get(kind)


class Outbox:
    """The outbox service (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.renderers = Renderers()
        self._listeners: list[Callable[[], None]] = []

    # -- waking the sender ----------------------------------------------------------------
    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each commit of a session that enqueued something."""
        self._listeners.append(listener)

    def off_commit(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _watch(self, session: AsyncSession) -> None:
        sync = session.sync_session
        if not sync.info.get("outbox_watched"):
            sync.info["outbox_watched"] = True
            event.listen(sync, "after_commit", self._committed)

    def _committed(self, _session: Any) -> None:
        for listener in self._listeners:
            listener()

    # -- enqueue ----------------------------------------------------------------------------
    async def enqueue(
        self,
        session: AsyncSession,
        kind: str,
        *,
        to: Recipient,
        message: Message | None = None,
        spec: dict[str, Any] | None = None,
        key: str | None = None,
        priority: Priority = Priority.NORMAL,
        due_at: dt.datetime | None = None,
        group_id: str | None = None,
        revive_cancelled: bool = False,
    ) -> bool:
        """Add one message on the caller's session; True if a row was written, False when a row
        with ``key`` exists already (then nothing changes, unless that row was cancelled and
        ``revive_cancelled`` asks to make it pending again with this payload and due time)."""
        if key is not None:
            to = Recipient(to.person_id, to.chat_id, to.thread_id, key, to.spec)
        written = await self.enqueue_many(
            session, kind, [to], message=message, spec=spec, priority=priority, due_at=due_at,
            group_id=group_id, revive_cancelled=revive_cancelled,
        )
        return written == 1

    async def enqueue_many(
        self,
        session: AsyncSession,
        kind: str,
        recipients: Sequence[Recipient],
        *,
        message: Message | None = None,
        spec: dict[str, Any] | None = None,
        priority: Priority = Priority.BULK,
        due_at: dt.datetime | None = None,
        group_id: str | None = None,
        revive_cancelled: bool = False,
    ) -> int:
        """Add one message per recipient (a broadcast: thousands of rows in a few statements).
        Returns how many rows were written (recipients whose key exists already are skipped).

        ``due_at`` is by the injected clock; rows of one priority go by due time, at most
        ``RATE_OVERALL_PER_S`` a second for all kinds together, so a batch of ``n`` that must
        all be out by ``T`` is due at ``T - n / rate``. ``Message(allow_paid_broadcast=True)`` (or
        ``"allow_paid_broadcast": true`` in a spec) sends these rows at the paid rate instead."""
        if not kind or len(kind) > 40:
            raise ValueError("kind: 1 to 40 characters")
        if group_id is not None and not 1 <= len(group_id) <= 64:
            raise ValueError("group_id: 1 to 64 characters")
        if (message is None) == (spec is None and not any(r.spec is not None for r in recipients)):
            raise ValueError("give a rendered message or a render spec, not both")
        if not recipients:
            return 0
        now = self.clock.now()
        due = due_at or now
        if due.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        chats = await self._chat_ids(session, [r.person_id for r in recipients if r.chat_id is None])
        rows = []
        for r in recipients:
            chat_id = r.chat_id if r.chat_id is not None else chats.get(r.person_id or -1)
            if chat_id is None:
                raise LookupError(f"no chat for recipient {r}")
            if r.key is not None and not 1 <= len(r.key) <= 200:
                raise ValueError("key: 1 to 200 characters")
            body = r.spec if r.spec is not None else spec
            payload = message.to_json() if body is None and message is not None else body
            assert payload is not None
            paid = bool(message.allow_paid_broadcast if body is None and message is not None
                        else payload.get("allow_paid_broadcast"))
            rows.append({
                "key": r.key, "kind": kind, "priority": int(priority), "person_id": r.person_id,
                "chat_id": chat_id, "thread_id": r.thread_id, "group_id": group_id,
                "payload": payload, "rendered": body is None, "paid": paid,
                "state": DeliveryState.PENDING, "due_at": due, "next_attempt_at": due, "attempts": 0,
                "created_at": now, "updated_at": now,
            })
        self._watch(session)
        written = 0
        for start in range(0, len(rows), _CHUNK):
            result = await session.execute(self._insert(session, revive_cancelled), rows[start : start + _CHUNK])
            written += len(result.all())
        return written

    def _insert(self, session: AsyncSession, revive: bool) -> Any:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(OUTBOX)
        if revive:
            excluded = stmt.excluded
            stmt = stmt.on_conflict_do_update(
                index_elements=[OUTBOX.c.key],
                set_={name: excluded[name] for name in (
                    "kind", "priority", "person_id", "chat_id", "thread_id", "group_id", "payload",
                    "rendered", "paid", "state", "due_at", "next_attempt_at", "attempts", "updated_at")}
                | {"last_error": None, "claimed_by": None},
                where=OUTBOX.c.state == DeliveryState.CANCELLED,
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=[OUTBOX.c.key])
        return stmt.returning(OUTBOX.c.id)

    @staticmethod
    async def _chat_ids(session: AsyncSession, person_ids: list[int | None]) -> dict[int, int]:
        wanted = sorted({p for p in person_ids if p is not None})
        found: dict[int, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            result = await session.execute(select(Person.id, Person.telegram_id).where(Person.id.in_(chunk)))
            found.update({pid: tid for pid, tid in result.all()})
        return found

    # -- cancel and read --------------------------------------------------------------------
    async def cancel(
        self,
        session: AsyncSession,
        *,
        key: str | None = None,
        prefix: str | None = None,
        group_id: str | None = None,
        reason: str = "cancelled",
    ) -> int:
        """Cancel the rows not yet sent (pending, or claimed but not yet out) with this key, key
        prefix or group; returns how many. A row already ``sending`` goes out."""
        where: list[ColumnElement[bool]] = [OUTBOX.c.state.in_(LIVE)]
        if key is not None:
            where.append(OUTBOX.c.key == key)
        if prefix is not None:
            if not prefix:
                raise ValueError("an empty prefix would cancel everything")
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(OUTBOX.c.key.like(escaped + "%", escape="\\"))
        if group_id is not None:
            where.append(OUTBOX.c.group_id == group_id)
        if len(where) == 1:
            raise ValueError("cancel needs a key, a prefix or a group")
        result = await session.execute(
            update(OUTBOX).where(*where).values(
                state=DeliveryState.CANCELLED, last_error=reason[:500], claimed_by=None,
                updated_at=self.clock.now(),
            )
        )
        return int(cast(CursorResult[Any], result).rowcount or 0)

    async def counts(self, group_id: str) -> dict[str, int]:
        """Rows of a group per state (every state present, zeros included): live progress."""
        async with self.db.session() as s:
            result = await s.execute(
                select(OUTBOX.c.state, func.count()).where(OUTBOX.c.group_id == group_id).group_by(OUTBOX.c.state)
            )
            found = {str(state): n for state, n in result.all()}
        return {state.value: found.get(state.value, 0) for state in DeliveryState}

    async def sent_messages(self, group_id: str) -> list[tuple[int, int | None, int, int]]:
        """``(row id, person id, chat id, Telegram message id)`` of a group's sent rows: what an
        edit or a recall of a broadcast targets."""
        async with self.db.session() as s:
            result = await s.execute(
                select(OUTBOX.c.id, OUTBOX.c.person_id, OUTBOX.c.chat_id, OUTBOX.c.telegram_message_id)
                .where(OUTBOX.c.group_id == group_id, OUTBOX.c.state == DeliveryState.SENT)
                .order_by(OUTBOX.c.id)
            )
            return [(int(a), b, int(c), int(d)) for a, b, c, d in result.all()]

