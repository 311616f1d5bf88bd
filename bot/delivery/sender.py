"""The one sender: drains the outbox under Telegram's limits, through the application's bot.

One task per process. Each pass it claims due rows when it needs more (urgent, then normal,
then bulk; by due time within a priority), starts sends for the held rows whose chat is free
now, up to ``max_in_flight`` at once so the overall rate is reached over HTTP latency, then
writes what finished meanwhile in one transaction. It goes
through the application's bot and its :class:`~bot.delivery.ratelimit.ChatRateLimiter`, so
replies and outbox messages share one pacing; it asks the limiter which chats are free
(``next_free``, ``free_now``) instead of parking a send behind a chatty chat, and it keeps at
most one send per chat in flight, so each chat gets its messages in order (a row waiting for a
retry after an error may be overtaken by the next one).

What Telegram answers decides what happens to a row:

- 200: ``sent``, with the Telegram message id (to edit or recall it later).
- 429: only that chat pauses for ``retry_after``; the row stays held and goes when the pause
  ends (not counted as an attempt). The limiter makes no retries of its own for the sender:
  every call passes ``rate_limit_args=0`` (see :data:`bot.delivery.botapi.NO_LIMITER_RETRIES`).
- 403: the person blocked the bot: ``Person.active`` becomes False and their other live rows
  fail with ``blocked``; nothing more goes to them until they write again
  (:meth:`PeopleService.touch` sets ``active`` back, and rows enqueued from then on go).
- 400: ``failed`` with Telegram's description.
- timeouts, connection errors, 5xx: retried after ``backoff_base_s * 2**(attempts-1)`` seconds
  (at most ``backoff_cap_s``), by the injected clock, up to ``max_attempts`` requests; then
  ``failed``. A connect or pool timeout means the request never left. A *read* (or write)
  timeout is ambiguous: Telegram may have delivered the message and only the answer was lost.
  Telegram offers no idempotency key for sendMessage, so the sender retries anyway (a reminder
  that is late or lost is worse than one that comes twice), counts it in
  ``stats["ambiguous"]`` and logs a warning; with the bot's 15-second read timeout this is rare.

Time: due times and backoff follow the injected :class:`~bot.clock.Clock`; rate limits and
429 pauses are real seconds. A repeating JobQueue job wakes the sender about every second to claim what the
clock says is due (:func:`schedule_tick`); an enqueue wakes it as soon as its transaction
commits; tests move the simulated clock and call :meth:`Sender.tick`, which returns after that
pass.

Stopping (SIGTERM): no new claims, the sends in flight get ``shutdown_timeout_s`` to finish,
their outcomes are written, and the rows claimed but not sent go back to pending: nothing is
sent twice. After a kill -9 the next start sends again only the rows that were ``sending``, and
counts them (:class:`~bot.delivery.claims.Recovery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import JobQueue

from bot.delivery.botapi import ambiguous, deliver, describe, seconds
from bot.delivery.claims import (
    Blocked,
    Claimed,
    Claims,
    Failed,
    Outcome,
    Prepared,
    Recovery,
    Requeued,
    Retry,
    Sent,
)
from bot.delivery.outbox import BLOCKED, Outbox
from bot.delivery.ratelimit import ChatRateLimiter
from bot.store.models import Priority
from bot.waiting import wait_event

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
UNLIMITED_RATE = 1000.0  # for sizing claims when no overall limit is set


@dataclass(frozen=True)
class SenderConfig:
    max_in_flight: int = 200
    max_attempts: int = 8
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    #: rows claimed ahead per priority: this many seconds at the overall rate (at least min_claim)
    claim_ahead_s: float = 2.0
    min_claim: int = 20
    overall_per_s: float = 30.0
    paid_per_s: float = 1000.0
    #: after a send finishes, wait this long for others before the next pass (batches writes)
    coalesce_s: float = 0.01
    #: per-request read timeout; None: the bot's own
    read_timeout: float | None = None
    shutdown_timeout_s: float = 10.0


class Sender:
    """The outbox's one sender (see the module docstring). ``start``, ``wake``, ``tick``,
    ``stop``; ``idle`` for tests and benchmarks; ``stats`` for figures."""

    def __init__(
        self,
        outbox: Outbox,
        bot: Bot,
        *,
        limiter: ChatRateLimiter | None = None,
        config: SenderConfig | None = None,
        on_blocked: Callable[[int], None] | None = None,
        sender_id: int | None = None,
    ) -> None:
        self.outbox = outbox
        self.claims = Claims(outbox, sender_id)
        self.id = self.claims.sender_id
        self.bot = bot
        self.limiter = limiter
        self.config = config or SenderConfig()
        self.on_blocked = on_blocked
        self.stats: Counter[str] = Counter()
        self.recovery = Recovery()
        #: held rows by (priority, due, id); paid rows apart: they count against their own bucket
        self._heaps: dict[bool, list[tuple[int, float, int, Claimed]]] = {False: [], True: []}
        self._held: Counter[Priority] = Counter()
        self._returned: dict[int, Claimed] = {}  # 429s: back in the heap once that is written
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._busy: set[int] = set()
        self._paused: dict[int, float] = {}
        self._outcomes: list[Outcome] = []
        self._recording = 0  # outcomes being written now
        self._moving = 0  # claims or preparations under way: rows neither held nor out
        self._wake = asyncio.Event()
        self._claim_wanted = True
        self._dry: dict[Priority, bool] = dict.fromkeys(Priority, False)
        self._paid_until = 0.0
        self._started = 0
        self._finished = 0
        self._pass_done = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._alive: contextlib.AsyncExitStack | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> Recovery:
        """Take over what dead senders left, then run. Returns what was recovered."""
        self._alive = contextlib.AsyncExitStack()
        await self._alive.enter_async_context(self.claims.alive())
        self.recovery = await self.claims.recover()
        self.stats["recovered_in_flight"] += self.recovery.in_flight
        self.outbox.on_commit(self.wake)
        self._task = asyncio.create_task(self._run(), name=f"outbox-sender-{self.id}")
        return self.recovery

    def wake(self) -> None:
        """Look for due rows now (an enqueue committed, or the tick)."""
        self._claim_wanted = True
        self._wake.set()

    async def tick(self, timeout: float = 30.0) -> None:
        """Claim what the clock says is due and start sending it; returns after that pass.
        Tests and benchmarks call it after moving a simulated clock (the JobQueue's job only
        wakes the sender, so a slow pass never makes the scheduler skip or pile up ticks)."""
        task = self._task
        if task is None or task.done():
            return
        want = self._started + 1
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._finished < want and not task.done():
            left = deadline - loop.time()
            if left <= 0:
                return
            await wait_event(self._pass_done, left)

    async def idle(self, timeout: float = 60.0) -> None:
        """Wait until nothing is due, held or in flight (tests, benchmarks). Looks at the clock
        once a second, like the tick, not on every pass."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        looked = loop.time()
        await self.tick()
        while True:
            if all(self._dry.values()) and not (self._holding() or self._in_flight or self._outcomes
                                                 or self._recording or self._moving or self._returned):
                return
            if loop.time() > deadline:
                raise TimeoutError(f"outbox sender still busy: {self._holding()} held, {len(self._in_flight)} in flight")
            await asyncio.sleep(0.02)
            if loop.time() - looked >= TICK_SECONDS:
                looked = loop.time()
                await self.tick()

    async def stop(self, timeout: float | None = None) -> None:
        """SIGTERM: stop claiming, let the sends in flight finish (within ``timeout``), write
        their outcomes, give back the rows claimed but not sent."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        waiting = list(self._in_flight.values())
        if waiting:
            budget = self.config.shutdown_timeout_s if timeout is None else timeout
            _, late = await asyncio.wait(waiting, timeout=budget)
            for task in late:  # their rows stay "sending": counted and sent again at next start
                task.cancel()
            if late:
                log.warning("outbox: %d send(s) still out after %.0fs: left for the next start", len(late), budget)
                await asyncio.wait(late)
        try:
            await self._flush()
            released = await self.claims.release()
            log.info("outbox sender stopped: %d claimed message(s) back to pending", released)
        finally:
            await self._close()

    async def abandon(self) -> None:
        """What kill -9 does to a sender (tests, benchmarks): everything stops at once and the
        database is left as it is: claimed and sending rows stay so."""
        tasks = [t for t in (self._task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._outcomes.clear()
        await self._close()

    async def _close(self) -> None:
        self._task = None
        self.outbox.off_commit(self.wake)
        if self._alive is not None:
            alive, self._alive = self._alive, None
            await alive.aclose()

    # -- the loop -----------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._started += 1
            try:
                if self._claim_wanted or self._wants_more():
                    await self._claim()
                await self._dispatch()  # first: the slots freed since the last pass fill at once
                await self._flush()  # then what finished is written while the new sends are out
                wait = self._next_wait()
            except Exception:  # noqa: BLE001 - a database hiccup: try again in a moment
                log.exception("outbox sender: pass failed; retrying")
                wait = 1.0
            self._finished += 1
            self._pass_done.set()
            self._pass_done = asyncio.Event()
            if self._stopping:
                break
            await wait_event(self._wake, wait)
            if self._in_flight and self.config.coalesce_s:
                # sends finish one by one: let a few more finish, so one pass (two database
                # transactions) serves several of them instead of each its own
                await asyncio.sleep(self.config.coalesce_s)

    def _rate(self) -> float:
        cfg = self.config
        paid = time.monotonic() < self._paid_until
        rate = cfg.paid_per_s if paid else cfg.overall_per_s
        return rate or UNLIMITED_RATE

    def _batch(self) -> int:
        return max(self.config.min_claim, math.ceil(self._rate() * self.config.claim_ahead_s))

    def _wants_more(self) -> bool:
        """A priority may have more due rows and few are held: claim without waiting for a tick."""
        low = self._batch() // 2
        return any(not self._dry[p] and self._held[p] < low for p in Priority)

    async def _claim(self) -> None:
        self._claim_wanted = False
        batch = self._batch()
        limits = {p: batch - self._held[p] for p in Priority}
        self._moving += 1
        try:
            rows = await self.claims.claim(limits)
        finally:
            self._moving -= 1
        got = Counter(r.priority for r in rows)
        for p, n in limits.items():
            self._dry[p] = n > 0 and got[p] < n
        for row in rows:
            self._push(row)
            if row.paid:
                self._paid_until = time.monotonic() + 5.0

    def _push(self, row: Claimed) -> None:
        heapq.heappush(self._heaps[row.paid], (int(row.priority), row.due_at.timestamp(), row.id, row))
        self._held[row.priority] += 1

    def _holding(self) -> int:
        return len(self._heaps[False]) + len(self._heaps[True])

    async def _flush(self) -> None:
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []
        self._recording = len(outcomes)
        try:
            blocked = await self.claims.record(outcomes)
        except Exception:
            self._outcomes[:0] = outcomes
            raise
        finally:
            self._recording = 0
        for outcome in outcomes:
            row = self._returned.pop(outcome.id, None) if isinstance(outcome, Requeued) else None
            if row is not None:
                self._push(row)
        if blocked:
            chats = {b.chat_id for b in blocked}
            people = {b.person_id for b in blocked if b.person_id is not None}
            self._drop(lambda r: r.chat_id in chats or r.person_id in people)
            if self.on_blocked is not None:
                for chat_id in chats:
                    self.on_blocked(chat_id)

    def _drop(self, predicate: Callable[[Claimed], bool]) -> None:
        for paid, heap in self._heaps.items():
            kept = [item for item in heap if not predicate(item[3])]
            for item in heap:
                if predicate(item[3]):
                    self._held[item[3].priority] -= 1
            heapq.heapify(kept)
            self._heaps[paid] = kept

    def _free(self, chat_id: int | None, paid: bool) -> float:
        return self.limiter.next_free(chat_id, paid=paid) if self.limiter is not None else 0.0

    async def _dispatch(self) -> None:
        """Start sends for the first held rows whose chat is free, within the overall budgets."""
        slots = self.config.max_in_flight - len(self._in_flight)
        if slots <= 0 or not self._holding():
            return
        budget = {
            paid: (self.limiter.free_now(paid=paid) if self.limiter is not None else slots)
            for paid in (False, True)
        }
        chosen: list[Claimed] = []
        later: list[tuple[int, float, int, Claimed]] = []
        chats: set[int] = set()
        now = time.monotonic()
        if len(self._paused) > 1024:
            self._paused = {chat: until for chat, until in self._paused.items() if until > now}
        while len(chosen) < slots:
            open_heaps = [h for paid, h in self._heaps.items() if h and budget[paid] > 0]
            if not open_heaps:
                break
            item = heapq.heappop(min(open_heaps, key=lambda h: h[0]))
            row = item[3]
            if (row.chat_id in self._busy or row.chat_id in chats or self._paused.get(row.chat_id, 0.0) > now
                    or self._free(row.chat_id, row.paid) > 0):
                later.append(item)  # its chat is not free: the rows behind it may go
                continue
            budget[row.paid] -= 1
            chats.add(row.chat_id)
            chosen.append(row)
            self._held[row.priority] -= 1
        for item in later:
            heapq.heappush(self._heaps[item[3].paid], item)
        if not chosen:
            return
        self._moving += 1
        try:
            prepared = await self.claims.prepare(chosen)
        except Exception:
            for row in chosen:
                self._push(row)
            raise
        finally:
            self._moving -= 1
        for ready in prepared:
            self._busy.add(ready.row.chat_id)
            task = asyncio.create_task(self._send(ready))
            self._in_flight[ready.row.id] = task
        self.stats["dispatched"] += len(chosen)

    def _next_wait(self) -> float:
        """Seconds until the earliest held row could go (at most the tick interval)."""
        if not self._holding():
            return 5.0 if not self._in_flight else TICK_SECONDS
        now = time.monotonic()
        wait = TICK_SECONDS
        for heap in self._heaps.values():
            for _, _, _, row in heap[:64]:
                if row.chat_id not in self._busy:
                    wait = min(wait, max(self._paused.get(row.chat_id, 0.0) - now, self._free(row.chat_id, row.paid)))
        return max(0.002, wait)

    # -- one send ---------------------------------------------------------------------------
    async def _send(self, ready: Prepared) -> None:
        row = ready.row
        attempts = row.attempts + 1
        outcome: Outcome | None = None
        try:
            message_id = await deliver(self.bot, row, ready.message, self.config.read_timeout)
            outcome = Sent(row.id, message_id, attempts, ready.message.language)
            self.stats["sent"] += 1
        except RetryAfter as exc:
            pause = seconds(exc._retry_after)  # noqa: SLF001 - the public one warns about its type
            self._paused[row.chat_id] = time.monotonic() + pause
            self.stats["rate_limited"] += 1
            log.info("outbox: 429 for a chat: paused %.1fs, message %s held", pause, row.id)
            self._returned[row.id] = row
            outcome = Requeued(row.id)
        except Forbidden as exc:
            outcome = Blocked(row.id, row.person_id, row.chat_id, f"{BLOCKED}: {exc.message}", attempts)
            self.stats["blocked"] += 1
            log.info("outbox: message %s: Telegram refused the chat (%s)", row.id, exc.message)
        except ChatMigrated as exc:
            outcome = Failed(row.id, f"chat migrated to {exc.new_chat_id}", attempts)
            self.stats["failed"] += 1
        except BadRequest as exc:
            if ready.message.edit_message_id is not None and "not modified" in exc.message.lower():
                outcome = Sent(row.id, ready.message.edit_message_id, attempts, ready.message.language)  # already so
                return
            outcome = Failed(row.id, exc.message, attempts)
            self.stats["failed"] += 1
            log.info("outbox: message %s (%s) refused: %s", row.id, row.kind, exc.message)
        except (TelegramError, httpx.HTTPError, aiohttp.ClientError, OSError) as exc:
            outcome = self._retry(row, attempts, exc)
        except Exception as exc:  # noqa: BLE001 - e.g. a payload PTB refuses: this row only
            log.exception("outbox: message %s (%s) could not be sent", row.id, row.kind)
            outcome = Failed(row.id, f"{type(exc).__name__}: {exc}", attempts)
            self.stats["failed"] += 1
        finally:
            self._in_flight.pop(row.id, None)
            self._busy.discard(row.chat_id)
            if outcome is not None:
                self._outcomes.append(outcome)
            self._wake.set()

    def _retry(self, row: Claimed, attempts: int, exc: Exception) -> Outcome:
        error = describe(exc)
        if ambiguous(exc):
            self.stats["ambiguous"] += 1
            log.warning("outbox: message %s: read timeout, Telegram may have it: sending again", row.id)
        if attempts >= self.config.max_attempts:
            self.stats["failed"] += 1
            log.warning("outbox: message %s failed after %d attempts: %s", row.id, attempts, error)
            return Failed(row.id, error, attempts)
        delay = min(self.config.backoff_cap_s, self.config.backoff_base_s * 2 ** (attempts - 1))
        self.stats["retried"] += 1
        log.info("outbox: message %s: %s; retry in %.0fs", row.id, error, delay)
        return Retry(row.id, error, self.outbox.clock.now() + dt.timedelta(seconds=delay), attempts)


def schedule_tick(job_queue: JobQueue[Any], sender: Sender, interval: float = TICK_SECONDS) -> None:
    """The repeating job that asks the clock what is due: never skipped when the loop is late,
    never two at once."""

    async def tick(_context: Any) -> None:
        sender.wake()  # the sender's next pass claims what the clock says is due

    for job in job_queue.get_jobs_by_name("outbox-tick"):
        job.schedule_removal()
    job_queue.run_repeating(
        tick, interval=interval, first=interval, name="outbox-tick",
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
