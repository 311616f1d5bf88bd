"""The baseline of :mod:`bench.fairness`: the bot as it was, with the update processor that took
a concurrency slot *before* the chat's turn (``bot/updates.py`` before issue #10), run as its
own process like ``python -m bot run``:

    BOT_TOKEN=... TELEGRAM_API_URL=... python -m bench.fairness_baseline
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.updates import chat_key


class LockAfterSlotProcessor(BaseUpdateProcessor):
    """Verbatim the old processor: PTB grants the slot, then the update waits for its chat's
    lock, holding the slot (so one person's queued messages fill every slot)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = chat_key(update)
        if chat_id is None:
            await coroutine
            return
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def main() -> None:
    from bot.__main__ import settings_or_exit, setup_logging
    from bot.app import build_services
    from bot.i18n import compile_catalogs
    from bot.runner import run_polling, stop_event_on_signals

    settings = settings_or_exit()
    setup_logging(settings.log_level, settings.bot_token)
    compile_catalogs()

    async def run() -> None:
        processor = LockAfterSlotProcessor(settings.concurrent_updates)
        await run_polling(build_services(settings), stop_event_on_signals(), update_processor=processor)

    asyncio.run(run())


if __name__ == "__main__":
    main()
