"""bot.waiting: a wait with a time limit that never loses its task's cancellation."""

from __future__ import annotations

import asyncio

from bot.waiting import wait_event


async def test_set_in_time_is_true_and_a_time_out_is_false() -> None:
    event = asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await wait_event(event, 5) is True
    assert await wait_event(asyncio.Event(), 0.01) is False
    assert await wait_event(asyncio.Event(), -1) is False  # a deadline already past


async def test_a_cancellation_that_comes_as_the_event_is_set_stops_the_loop() -> None:
    event = asyncio.Event()

    async def loop() -> None:
        while True:
            event.clear()
            await wait_event(event, 10)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)
    event.set()
    task.cancel()  # in the same step: asyncio.wait_for on Python 3.11 swallows this one
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
