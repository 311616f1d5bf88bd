"""Worker slots that a handler gives back while it only waits.

The update processor (:mod:`bot.updates`) lets a fixed number of updates run at once. A
handler that has to wait for its chat's pacing (1 message per second in a private chat) or
for a 429's ``retry_after`` would hold one of those slots doing nothing, and a few chatty
people would hold them all. :func:`slot_released` gives the slot back for the wait and
queues for one again afterwards, behind the updates that were already waiting. Outside the
processor (jobs, the outbox's sender) there is no slot and it does nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class Slot:
    """One update's hold on the processor's semaphore; knows whether it holds it right now, so
    that a cancellation while queueing again never releases a slot it does not hold."""

    __slots__ = ("_semaphore", "held")

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self.held = False

    async def take(self) -> None:
        await self._semaphore.acquire()
        self.held = True

    def give(self) -> None:
        if self.held:
            self.held = False
            self._semaphore.release()


#: the slot of the update this task is handling (set by the processor, per task)
current_slot: ContextVar[Slot | None] = ContextVar("current_slot", default=None)


@asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Wait without holding a slot: ``async with slot_released(): await asyncio.sleep(...)``."""
    slot = current_slot.get()
    if slot is None or not slot.held:
        yield
        return
    slot.give()
    yield  # an exception (a cancellation) leaves without the slot: nothing to give back then
    await slot.take()
