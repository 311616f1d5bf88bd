"""Waiting for an event with a time limit, safe against lost cancellations.

On Python 3.11, ``asyncio.wait_for(event.wait(), t)`` swallows a cancellation that arrives
just as the event is set (python/cpython#86296, fixed in 3.12): a loop that waits this way
and is stopped by cancelling its task then runs on for ever. The outbox sender, killed at
the moment a commit woke it, did exactly that in a clean-clone test run.
:func:`wait_event` uses ``asyncio.timeout``, which tells its own time-out from a
cancellation from outside.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; whether it was set."""
    try:
        async with asyncio.timeout(max(timeout, 0.0)):
            await event.wait()
    except TimeoutError:
        return False
    return True
