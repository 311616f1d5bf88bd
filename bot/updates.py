"""Fair, concurrent update processing: each chat in order, no chat at the expense of another.

PTB runs updates one at a time unless told otherwise, and its concurrent processor neither
orders them per chat nor is fair between chats: :meth:`BaseUpdateProcessor.process_update`
takes one of the concurrency slots *first* and only then calls ``do_process_update``. A per-chat
lock taken there means that one person's burst fills every slot with updates that only wait
for each other (and for their chat's pacing, 1 message per second), and everyone else waits
behind them.

Here the order is reversed: an update first waits for its chat's turn (a FIFO lock per chat,
which costs no slot), and only the chat's next update queues for a slot. The slots' queue is
FIFO too, so chats take turns: a chat with a hundred queued messages has one in the queue, like
everybody else. While a handler only waits for its chat's pacing it gives its slot back
(:mod:`bot.slots`).

Shutdown (:meth:`ChatOrderedProcessor.drain`): no update starts any more; the running ones
may finish until the deadline; what still runs then is cancelled. A :class:`Watcher` (the
inbox's :class:`~bot.intake.Intake`) hears when each update starts, finishes, is cut off or
is left unstarted, so that nothing is lost across a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.slots import Slot, current_slot

log = logging.getLogger(__name__)


class Watcher(Protocol):
    async def starting(self, update: object) -> None:
        """Called in the update's slot right before its handlers run."""

    def finished(self, update: object) -> None:
        """Its handlers (and the error handler, if one raised) are done."""

    def cut_off(self, update: object) -> None:
        """It was running at the shutdown deadline and was cancelled."""

    def left(self, update: object) -> None:
        """It never started: the processor was stopping."""


@dataclass(frozen=True)
class DrainReport:
    finished: int  # running at the stop and finished in time
    cut_off: int  # still running at the deadline: cancelled


class _Turn:
    """A chat's FIFO lock and how many of its updates hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Each chat's updates one after the other, at most ``max_concurrent_updates`` at once, the
    chats taking turns for the slots (see the module docstring)."""

    def __init__(self, max_concurrent_updates: int, watcher: Watcher | None = None) -> None:
        super().__init__(max_concurrent_updates)
        # sized as configured (the base class sized it by the property below)
        self._semaphore = type(self._semaphore)(max_concurrent_updates)
        self.watcher = watcher
        self._turns: dict[int, _Turn] = {}
        self._running: dict[asyncio.Task[Any], object] = {}
        self._stopping = False
        self._cut_off: set[asyncio.Task[Any]] = set()

    @property
    def max_concurrent_updates(self) -> int:
        """At least 2 as PTB sees it: with 1, PTB runs each update inline in its fetcher task,
        which a shutdown could then only cut off by killing the fetcher. Each update gets its
        own task; the semaphore, sized as configured, keeps the limit."""
        return max(2, self._max_concurrent_updates)

    @property
    def current_concurrent_updates(self) -> int:
        return self._max_concurrent_updates - self._semaphore.current_value

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """The chat's turn first, then a slot (PTB's ``process_update``, which this replaces on
        purpose, takes the slot first: see the module docstring)."""
        key = chat_key(update)
        turn = self._enter(key)
        try:
            async with turn.lock if turn is not None else nullcontext():
                slot = Slot(self._semaphore)
                if not self._stopping:
                    await slot.take()
                try:
                    if self._stopping:
                        self._leave(update)
                        return
                    await self._run(update, coroutine, slot)
                finally:
                    slot.give()
        finally:
            self._exit(key, turn)
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # a no-op once awaited; spares a warning if it never started

    async def _run(self, update: object, coroutine: Awaitable[Any], slot: Slot) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running[task] = update
        token = current_slot.set(slot)
        done = False
        try:
            if self.watcher is not None:
                await self.watcher.starting(update)
            await self.do_process_update(update, coroutine)
            done = True
        except asyncio.CancelledError:
            raise
        except Exception:
            done = True  # PTB hands it to the error handler once it leaves here
            raise
        finally:
            current_slot.reset(token)
            self._running.pop(task, None)
            if self.watcher is not None:
                if done:
                    self.watcher.finished(update)
                elif task in self._cut_off:
                    self.watcher.cut_off(update)

    def _leave(self, update: object) -> None:
        if self.watcher is not None:
            self.watcher.left(update)

    def _enter(self, key: int | None) -> _Turn | None:
        if key is None:
            return None
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.users += 1
        return turn

    def _exit(self, key: int | None, turn: _Turn | None) -> None:
        if key is None or turn is None:
            return
        turn.users -= 1
        if turn.users <= 0:
            self._turns.pop(key, None)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def drain(self, timeout: float) -> DrainReport:
        """Stop starting updates; let the running ones finish for up to ``timeout`` seconds,
        then cancel the rest. Updates still queued are left (the watcher hears of each)."""
        self._stopping = True
        running = set(self._running)
        finished = len(running)
        if running:
            _, pending = await asyncio.wait(running, timeout=max(0.0, timeout))
            finished -= len(pending)
            for task in pending:
                self._cut_off.add(task)
                task.cancel()
            if pending:
                with suppress(asyncio.CancelledError):
                    await asyncio.wait(pending, timeout=2.0)
        # what waited for a turn or a slot now passes through, unstarted (PTB's stop waits for it)
        return DrainReport(finished=finished, cut_off=len(self._cut_off))

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def chat_key(update: object) -> int | None:
    """The chat whose order an update must keep (the person's id when there is no chat)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None
