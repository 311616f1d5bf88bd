"""Long polling that acknowledges nothing it has not stored.

``getUpdates`` acknowledges by offset: asking with ``offset = last update_id + 1`` confirms
every update before it, and Telegram forgets them. PTB's ``Updater`` puts each batch on the
application's queue and asks for the next batch at once, so the offset moves on before the
batch is stored anywhere but in memory (and on stop it acknowledges whatever it fetched). A
hook between the two does not exist, hence this loop, which is short: each batch goes to
:meth:`Intake.receive <bot.intake.Intake.receive>` (stored in the inbox) and only then is
the next batch asked for. If the store fails, the same offset is asked for again after a
pause, and Telegram sends the same updates again.

Errors of ``getUpdates`` itself: a timeout asks again; 429 waits ``retry_after``; network
errors and 409 Conflict (another instance polling, or a webhook set) wait with a growing
pause (up to 30 s) and are logged; a token Telegram rejects stops the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.intake import Intake
from bot.waiting import wait_event

log = logging.getLogger(__name__)
MAX_PAUSE = 30.0
READ_MARGIN_S = 10.0  # a long poll's answer may take this much longer than its timeout
_T = TypeVar("_T")


class Poller:
    def __init__(
        self, bot: Bot, intake: Intake, *, timeout: int = 30, allowed_updates: Sequence[str] = Update.ALL_TYPES
    ) -> None:
        self.bot = bot
        self.intake = intake
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.offset = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; an interrupted ``getUpdates`` acknowledges nothing."""
        await self.bot.delete_webhook()  # polling and a webhook exclude each other
        pause = 0.0
        while not stop.is_set():
            try:
                batch = await _unless_stopped(self._get(), stop)
            except TimedOut:
                continue
            except RetryAfter as exc:
                await wait_event(stop, _seconds(exc.retry_after))
                continue
            except InvalidToken:
                raise
            except (Conflict, NetworkError) as exc:
                pause = min(max(pause * 2, 1.0), MAX_PAUSE)
                log.warning("getUpdates failed (%s: %s); again in %.0f s", type(exc).__name__, exc, pause)
                await wait_event(stop, pause)
                continue
            if batch is None:  # stopped while waiting
                return
            pause = 0.0
            updates, payloads = batch
            if not updates:
                continue
            try:
                await self.intake.receive(updates, payloads)
            except Exception:  # noqa: BLE001 - not stored: not acknowledged; Telegram keeps them
                pause = min(max(pause * 2, 1.0), MAX_PAUSE)
                log.error("could not store %d update(s) in the inbox; asking again in %.0f s",
                          len(updates), pause, exc_info=True)
                await wait_event(stop, pause)
                continue
            self.offset = updates[-1].update_id + 1

    async def _get(self) -> tuple[list[Update], list[str]]:
        """One ``getUpdates``: the updates, and each one's JSON as Telegram sent it (what the
        inbox keeps; cheaper and truer than serialising PTB's objects again)."""
        # Bot.get_updates parses the answer and drops the JSON; do_api_request, PTB's public way
        # to a raw answer, warns on every call that get_updates exists: hence the method both
        # of them call (PTB is pinned)
        raw = await self.bot._post(
            "getUpdates",
            {"offset": self.offset, "timeout": self.timeout, "allowed_updates": self.allowed_updates},
            read_timeout=self.timeout + READ_MARGIN_S,
        )
        updates = [Update.de_json(item, self.bot) for item in raw]
        return [u for u in updates if u is not None], [json.dumps(item) for item in raw]

    async def acknowledge(self, timeout: float = 1.0) -> None:
        """Confirm everything stored (on stop, within ``timeout`` seconds), so that Telegram
        does not send it again; if that fails, a redelivery is ignored anyway."""
        if not self.offset:
            return
        try:
            await asyncio.wait_for(
                self.bot.get_updates(offset=self.offset, timeout=0, limit=1, allowed_updates=self.allowed_updates),
                timeout,
            )
        except (TelegramError, TimeoutError) as exc:
            log.info("could not acknowledge the last updates (%s); Telegram may send them again", type(exc).__name__)


async def _unless_stopped(call: Coroutine[Any, Any, _T], stop: asyncio.Event) -> _T | None:
    """The call's result, or None (and the call cancelled) if ``stop`` is set first."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await task
        return None
    return task.result()



def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]
