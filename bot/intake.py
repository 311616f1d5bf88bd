"""From Telegram to the handlers through the inbox (:mod:`bot.inbox`).

Polling (:mod:`bot.polling`) and the webhook (:mod:`bot.web.webhook`) hand what they receive
to :meth:`Intake.receive`, which returns once the new updates are stored; only then may they
acknowledge them to Telegram. The stored updates go on PTB's update queue; redeliveries do
not. At start, :meth:`Intake.replay` queues the updates a previous run left unhandled,
before anything new arrives, so each chat's order is kept.

The intake is also the processor's :class:`~bot.updates.Watcher`: it marks each update
handled when its handler finishes and keeps count of what a shutdown left for the next start.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.inbox import Inbox, Received
from bot.updates import ChatOrderedProcessor, chat_key

log = logging.getLogger(__name__)
HOUSEKEEPING_S = 3600.0
CLOSE_TIMEOUT_S = 2.0  # for the last writes at shutdown, when the database is slow or away


@dataclass
class StopCounts:
    """What a shutdown did with the updates it found."""

    cut_off: list[int] = field(default_factory=list)  # running at the deadline: cancelled
    left: int = 0  # never started: still pending


class Intake:
    def __init__(self, application: Application, inbox: Inbox) -> None:
        self.application = application
        self.inbox = inbox
        self.stop_counts = StopCounts()
        self._replayed: set[int] = set()
        processor = application.update_processor
        if isinstance(processor, ChatOrderedProcessor):
            processor.watcher = self

    async def receive(self, updates: Sequence[Update], payloads: Sequence[str] | None = None) -> int:
        """Store the updates (``payloads``: their JSON as received; rebuilt from the objects
        when not given), queue the new ones, and say how many were new. Raises when the
        store fails: the caller must not acknowledge them then."""
        items = [
            Received(update.update_id, _chat_column(update), payloads[i] if payloads is not None else update.to_json())
            for i, update in enumerate(updates)
        ]
        new = await self.inbox.store(items)
        queued = 0
        for update in updates:
            if update.update_id in new:
                new.discard(update.update_id)  # the same id twice in one batch: queued once
                await self.application.update_queue.put(update)
                queued += 1
        if queued < len(updates):
            log.info("%d redelivered update(s) ignored: already in the inbox", len(updates) - queued)
        return queued

    async def replay(self) -> int:
        """Queue what the last run left unhandled, oldest first (call before new updates flow)."""
        count = 0
        for row in await self.inbox.backlog():
            try:
                update = Update.de_json(json.loads(row.payload), self.application.bot)
            except Exception:  # noqa: BLE001 - a row we cannot read back: give up on it, loudly
                log.warning("update %s skipped: its stored JSON cannot be read back", row.update_id, exc_info=True)
                await self.inbox.skip(row.update_id)
                continue
            self._replayed.add(row.update_id)
            await self.application.update_queue.put(update)
            count += 1
        if count:
            log.info("replaying %d update(s) left unhandled by the last run", count)
        return count

    async def housekeeping(self) -> None:
        """Delete old handled rows now (before new updates arrive: after a long pause Telegram
        may number updates afresh) and every hour (a named job: never scheduled twice)."""
        await self._housekeeping(None)
        queue = self.application.job_queue
        if queue is None:
            return
        for job in queue.get_jobs_by_name("inbox-housekeeping"):
            job.schedule_removal()
        queue.run_repeating(
            self._housekeeping, interval=HOUSEKEEPING_S, first=HOUSEKEEPING_S, name="inbox-housekeeping"
        )

    async def _housekeeping(self, _context: ContextTypes.DEFAULT_TYPE | None) -> None:
        try:
            deleted = await self.inbox.purge()
        except Exception:  # noqa: BLE001 - next hour, then
            log.warning("inbox housekeeping failed", exc_info=True)
            return
        if deleted:
            log.info("inbox housekeeping: %d handled update(s) older than a day deleted", deleted)

    # -- the processor's watcher -----------------------------------------------------------------
    async def starting(self, update: object) -> None:
        if isinstance(update, Update) and update.update_id in self._replayed:
            try:
                await self.inbox.attempt(update.update_id)
            except Exception:  # noqa: BLE001 - the handling goes on; the count is a safety net
                log.warning("could not count the attempt of update %s", update.update_id, exc_info=True)

    def finished(self, update: object) -> None:
        if isinstance(update, Update):
            self._replayed.discard(update.update_id)
            self.inbox.handled(update.update_id)

    def cut_off(self, update: object) -> None:
        if isinstance(update, Update):
            self.stop_counts.cut_off.append(update.update_id)

    def left(self, update: object) -> None:
        self.stop_counts.left += 1

    async def close(self) -> None:
        """After the processor stopped: write the handled marks, count the cut-off attempts."""
        await self.inbox.flush(timeout=CLOSE_TIMEOUT_S)
        fresh = [i for i in self.stop_counts.cut_off if i not in self._replayed]  # replays: counted
        if fresh:
            try:
                await asyncio.wait_for(self.inbox.count_attempts(fresh), CLOSE_TIMEOUT_S)
            except Exception:  # noqa: BLE001 - they are replayed all the same
                log.warning("could not count the attempts of %d cut-off update(s)", len(fresh), exc_info=True)


def _chat_column(update: Update) -> int | None:
    """The chat id to store: an id that is not a 64-bit integer (a forged update) is not kept."""
    key = chat_key(update)
    return key if isinstance(key, int) and not isinstance(key, bool) and -(2**63) <= key < 2**63 else None
