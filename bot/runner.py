"""Run modes: polling (``run``), webhook server (``serve``).

Both start the same way: migrations, then the updates a previous run left in the inbox, then
new ones (:mod:`bot.intake`). Both stop the same way on SIGTERM/SIGINT, within
``SHUTDOWN_TIMEOUT_S``: no new updates are taken; the running handlers may finish until the
deadline; the queued ones are not started (they stay in the inbox for the next start); what
still runs at the deadline is cancelled (handled again at the next start) and counted in the
log.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from aiohttp import web
from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.app import Services, StartupError, build_application, prepare, stop_delivery
from bot.inbox import Inbox
from bot.intake import Intake
from bot.polling import Poller
from bot.updates import ChatOrderedProcessor
from bot.web.webhook import create_web_app

log = logging.getLogger(__name__)
#: of the shutdown budget, kept for what comes after the handlers (stop PTB, write the marks)
STOP_RESERVE_S = 1.0


def stop_event_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def run_polling(
    services: Services, stop: asyncio.Event, *, update_processor: BaseUpdateProcessor | None = None
) -> None:
    """Long polling until ``stop``. ``update_processor`` replaces the fair one (a benchmark's
    baseline)."""
    application = build_application(services, with_updater=False, update_processor=update_processor)
    try:
        async with application:
            await prepare(application)
            intake = Intake(application, Inbox(services.db, services.clock))
            await application.start()
            try:
                await intake.replay()
                await intake.housekeeping()
                poller = Poller(application.bot, intake, allowed_updates=Update.ALL_TYPES)
                polling = asyncio.create_task(poller.run(stop), name="polling")
                log.info("polling for updates")
                await _wait(stop, polling)
                started = asyncio.get_running_loop().time()
                log.info("stopping: no new updates; finishing the running ones (at most %.0f s)",
                         services.settings.shutdown_timeout_s)
                await polling
                await poller.acknowledge()
                await _finish(application, intake, services, started)
            finally:
                if application.running:  # a failure on the way
                    await _abort(application, intake)
    finally:
        await stop_delivery(services, timeout=0)
        await services.db.dispose()


async def serve_webhook(services: Services, stop: asyncio.Event, *, register: bool = True) -> None:
    """The webhook server on ``settings.host:settings.port``. ``register`` calls setWebhook."""
    settings = services.settings
    application = build_application(services, with_updater=False)
    intake = Intake(application, Inbox(services.db, services.clock))
    web_app = create_web_app(application, services, intake)
    runner = web.AppRunner(web_app, handle_signals=False, shutdown_timeout=STOP_RESERVE_S)
    try:
        async with application:
            await prepare(application)
            await application.start()
            try:
                await intake.replay()  # before the port opens: the backlog goes first
                await intake.housekeeping()
                # the port before telling Telegram: a port in use fails here
                await runner.setup()
                site = web.TCPSite(runner, settings.host, settings.port)
                try:
                    await site.start()
                except OSError as exc:
                    raise StartupError(
                        f"PORT: cannot listen on {settings.host}:{settings.port} ({exc.strerror or exc})"
                    ) from exc
                if register and settings.webhook_url:
                    await application.bot.set_webhook(
                        url=settings.webhook_url.rstrip("/") + settings.webhook_path,
                        secret_token=settings.webhook_secret,
                        allowed_updates=Update.ALL_TYPES,
                    )
                log.info("webhook server listening on %s:%s", settings.host, settings.port)
                await stop.wait()
                started = asyncio.get_running_loop().time()
                log.info("stopping: no new requests; finishing the running updates (at most %.0f s)",
                         settings.shutdown_timeout_s)
                await runner.cleanup()
                await _finish(application, intake, services, started)
            finally:
                if application.running:  # a failure on the way
                    await _abort(application, intake)
    finally:
        await runner.cleanup()
        await stop_delivery(services, timeout=0)
        await services.db.dispose()


async def _wait(stop: asyncio.Event, polling: asyncio.Task[None]) -> None:
    """Until ``stop``, or until polling ends by itself (a rejected token: raised here)."""
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopper, polling}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if polling.done() and not stop.is_set():
        stop.set()
        polling.result()


async def _finish(application: Application, intake: Intake, services: Services, started: float) -> None:
    """Drain the processor within the budget, stop PTB, write the last marks, say what happened."""
    loop = asyncio.get_running_loop()
    budget = services.settings.shutdown_timeout_s
    processor = application.update_processor
    finished = 0
    left = max(0.0, budget - (loop.time() - started) - min(STOP_RESERVE_S, budget / 4))
    # the handlers and the outbox's sender wind down side by side, within the same budget:
    # the sender finishes its in-flight sends and gives back what it had claimed
    sender = asyncio.create_task(stop_delivery(services, timeout=left))
    try:
        if isinstance(processor, ChatOrderedProcessor):
            finished = (await processor.drain(left)).finished
    finally:
        await sender
    await application.stop()
    await intake.close()
    counts = intake.stop_counts
    log.info(
        "stopped in %.1f s: %d running update(s) finished, %d cut off at the deadline (handled again "
        "at the next start), %d not started (kept in the inbox for the next start)",
        loop.time() - started, finished, len(counts.cut_off), counts.left,
    )


async def _abort(application: Application, intake: Intake) -> None:
    """Stop at once after a failure (PTB must stop before it shuts down); nothing is lost: what
    did not finish stays in the inbox."""
    processor = application.update_processor
    if isinstance(processor, ChatOrderedProcessor):
        await processor.drain(0)
    await stop_delivery(application.bot_data["services"], timeout=0)
    await application.stop()
    await intake.close()
