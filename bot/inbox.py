"""The inbox: every update is in the database before Telegram is told that it arrived.

The mirror of the outbox. An update is stored (its JSON as received, its ``update_id``,
chat and arrival time) and only then acknowledged: by the next ``getUpdates`` offset when
polling (:mod:`bot.polling`), by the HTTP 200 of the webhook (:mod:`bot.web.webhook`). If the
store fails, nothing is acknowledged and Telegram sends the update again. An ``update_id``
seen before is ignored, so a redelivery is handled once. A row is ``handled`` when its
handler finished (the error handler included); at the next start the rows still ``pending``
are handled first, oldest first, before anything new.

Why an inbox rather than withholding the acknowledgement until the update is handled:

- Polling acknowledges by offset, everything below it at once. Held back until handled, the
  offset could only move past a prefix of finished updates: one person's burst, paced at one
  message per second, would hold it for everybody, and every restart would bring back all
  updates after the oldest unfinished one, finished ones included, so a record of the
  handled ones (a table) would be needed anyway.
- A webhook call held open until its update is handled ties up one of Telegram's connections
  (``max_connections``, 40 by default) for the handler's whole time, pacing included; Telegram
  gives up on slow answers and sends again, and a shutdown would have to refuse every queued
  update, one failed call at a time.
- With the inbox, acknowledging costs one insert; handling goes at its own pace; a shutdown is
  bounded because what has not started is safe in the database; a restart resumes.

Cost per update: one insert per received batch (a ``getUpdates`` answer, or one webhook
call), and one update when handled. Handled marks are group-committed: while one write is
running, the updates finishing meanwhile are gathered into the next one (one write when
idle, fewer than one per update under load).

``attempts`` counts handlings that began and did not finish: it is raised when a replayed
row starts and when a shutdown cancels a running handler. A row replayed after
:data:`MAX_ATTEMPTS` of them is skipped with a warning, so that an update that kills the
process cannot keep it from starting. (A hard crash during an update's first handling is not
counted; its first replay is.) Handled and skipped rows are deleted after a day
(:meth:`Inbox.purge`; Telegram redelivers for at most a day).

Several webhook workers on PostgreSQL could share the replay: :meth:`Inbox.backlog` already
reads with ``FOR UPDATE SKIP LOCKED``, so two workers never claim the same rows at the same
moment; to hand rows out for good, that transaction would also set a lease (``claimed_by``,
``claimed_until``) that the others skip. One process is built now; nothing here assumes it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.clock import Clock
from bot.store.db import Database
from bot.store.models import InboxState, InboxUpdate

log = logging.getLogger(__name__)
#: a replayed update that was started this many times without finishing is skipped
MAX_ATTEMPTS = 3
#: handled and skipped rows are kept this long (Telegram redelivers for at most a day)
KEEP = dt.timedelta(days=1)
_CHUNK = 500  # ids per statement, well below every driver's limit on parameters


@dataclass(frozen=True)
class Received:
    """An update as it arrived: its id, the chat whose order it keeps, its JSON text."""

    update_id: int
    chat_id: int | None
    payload: str


@dataclass(frozen=True)
class Pending:
    """A stored update not handled yet (for the replay)."""

    update_id: int
    chat_id: int | None
    payload: str
    attempts: int


class Inbox:
    def __init__(self, db: Database, clock: Clock, *, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.db = db
        self.clock = clock
        self.max_attempts = max_attempts
        self._handled: list[int] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False

    # -- receiving -----------------------------------------------------------------------------
    async def store(self, items: Sequence[Received]) -> set[int]:
        """Store the updates not seen before, in one statement, and return their ids (the
        others are redeliveries). Raises if the database fails: then acknowledge nothing."""
        rows: dict[int, dict[str, Any]] = {}
        now = self.clock.now()
        for item in items:
            rows.setdefault(item.update_id, {
                "update_id": item.update_id, "chat_id": item.chat_id, "payload": item.payload,
                "state": InboxState.PENDING, "attempts": 0, "received_at": now,
            })
        if not rows:
            return set()
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(InboxUpdate)
            .values(list(rows.values()))
            .on_conflict_do_nothing(index_elements=[InboxUpdate.update_id])
            .returning(InboxUpdate.update_id)
        )
        async with self.db.session() as session:
            return set((await session.scalars(statement)).all())

    # -- handled marks (group commit) ------------------------------------------------------------
    def handled(self, update_id: int) -> None:
        """Mark the update handled: written right away when idle, together with the others
        that finish meanwhile when a write is under way."""
        self._handled.append(update_id)
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_loop(), name="inbox-handled")

    async def _write_loop(self) -> None:
        delay = 0.5
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._write_handled()
                delay = 0.5
            except Exception:  # noqa: BLE001 - the database is away: keep the marks, try again
                log.warning("could not mark %d update(s) handled; retrying", len(self._handled), exc_info=True)
                if self._closing:
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                self._wake.set()
            if self._closing and not self._handled:
                return

    async def _write_handled(self) -> None:
        ids, self._handled = self._handled, []
        if not ids:
            return
        try:
            now = self.clock.now()
            async with self.db.session() as session:
                for chunk in _chunks(ids):
                    await session.execute(
                        update(InboxUpdate)
                        .where(InboxUpdate.update_id.in_(chunk), InboxUpdate.state == InboxState.PENDING)
                        .values(state=InboxState.HANDLED, handled_at=now)
                    )
        except BaseException:
            self._handled[:0] = ids
            raise

    async def flush(self, timeout: float = 5.0) -> None:
        """Write the marks not written yet (at shutdown), for at most ``timeout`` seconds; the
        writer then ends. Marks not written: those updates are handled again at the next start."""
        self._closing = True
        self._wake.set()
        try:
            if self._writer is not None and not self._writer.done():
                await asyncio.wait_for(asyncio.shield(self._writer), timeout)
            if self._handled:
                await asyncio.wait_for(self._write_handled(), timeout)
        except Exception:  # noqa: BLE001 - the database is away or slow: say so, go on
            log.warning("could not mark %d update(s) handled at shutdown", len(self._handled), exc_info=True)
        finally:
            if self._writer is not None and not self._writer.done():
                self._writer.cancel()
            self._closing = False

    # -- replay ----------------------------------------------------------------------------------
    async def backlog(self) -> list[Pending]:
        """The updates not handled yet, oldest first; those started :attr:`max_attempts` times
        without finishing are marked skipped (with a warning) instead."""
        now = self.clock.now()
        async with self.db.session() as session:
            rows = (await session.scalars(
                select(InboxUpdate)
                .where(InboxUpdate.state == InboxState.PENDING)
                .order_by(InboxUpdate.update_id)
                .with_for_update(skip_locked=True)
            )).all()
            pending = []
            for row in rows:
                if row.attempts >= self.max_attempts:
                    log.warning("update %s skipped: its handling was started %d times without finishing",
                                row.update_id, row.attempts)
                    row.state, row.handled_at = InboxState.SKIPPED, now
                else:
                    pending.append(Pending(row.update_id, row.chat_id, row.payload, row.attempts))
        return pending

    async def attempt(self, update_id: int) -> None:
        """A replayed update starts: count the attempt first (the handling may kill the process)."""
        await self.count_attempts([update_id])

    async def count_attempts(self, update_ids: Iterable[int]) -> None:
        ids = list(update_ids)
        async with self.db.session() as session:
            for chunk in _chunks(ids):
                await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id.in_(chunk), InboxUpdate.state == InboxState.PENDING)
                    .values(attempts=InboxUpdate.attempts + 1)
                )

    async def skip(self, update_id: int) -> None:
        """Give up on one update (its JSON cannot be read back)."""
        async with self.db.session() as session:
            await session.execute(
                update(InboxUpdate).where(InboxUpdate.update_id == update_id)
                .values(state=InboxState.SKIPPED, handled_at=self.clock.now())
            )

    # -- housekeeping and figures ----------------------------------------------------------------
    async def purge(self, keep: dt.timedelta = KEEP) -> int:
        """Delete handled and skipped rows older than ``keep``; how many went."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(InboxUpdate).where(
                    InboxUpdate.state != InboxState.PENDING, InboxUpdate.handled_at < self.clock.now() - keep
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def clear(self) -> None:
        """Forget every row: for a new Telegram whose update ids start again (the sandbox's
        emulator at each start), where old ids would pass for redeliveries."""
        async with self.db.session() as session:
            await session.execute(delete(InboxUpdate))

    async def counts(self) -> dict[str, int]:
        """Rows per state (for /healthz, tests and benchmarks)."""
        async with self.db.session() as session:
            rows = (await session.execute(
                select(InboxUpdate.state, func.count()).group_by(InboxUpdate.state)
            )).all()
        counts = dict.fromkeys((s.value for s in InboxState), 0)
        counts.update({InboxState(state).value: int(n) for state, n in rows})
        return counts


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
