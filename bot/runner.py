"""Run modes: polling (``run``), webhook server (``serve``). Both stop cleanly on SIGTERM/SIGINT:
no new updates are taken, the ones already taken are handled, the offset is acknowledged."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from aiohttp import web
from telegram import Update

from bot.app import Services, StartupError, build_application, prepare, stop_delivery
from bot.web.webhook import create_web_app

log = logging.getLogger(__name__)


def stop_event_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def run_polling(services: Services, stop: asyncio.Event) -> None:
    application = build_application(services)
    try:
        async with application:
            await prepare(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0.0, timeout=30, allowed_updates=Update.ALL_TYPES
            )
            log.info("polling for updates")
            await stop.wait()
            log.info("stopping: finishing the updates already taken")
            await application.updater.stop()
            await application.stop()
            await stop_delivery(services)
    finally:
        await stop_delivery(services, timeout=0)
        await services.db.dispose()


async def serve_webhook(services: Services, stop: asyncio.Event, *, register: bool = True) -> None:
    """The webhook server on ``settings.host:settings.port``. ``register`` calls setWebhook."""
    settings = services.settings
    application = build_application(services, with_updater=False)
    web_app = create_web_app(application, services)
    runner = web.AppRunner(web_app, handle_signals=False)
    try:
        async with application:
            await prepare(application)
            # the port first: a port in use fails here, before anything is started
            await runner.setup()
            site = web.TCPSite(runner, settings.host, settings.port)
            try:
                await site.start()
            except OSError as exc:
                raise StartupError(f"PORT: cannot listen on {settings.host}:{settings.port} ({exc.strerror or exc})") from exc
            await application.start()
            if register and settings.webhook_url:
                await application.bot.set_webhook(
                    url=settings.webhook_url.rstrip("/") + settings.webhook_path,
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            log.info("webhook server listening on %s:%s", settings.host, settings.port)
            await stop.wait()
            log.info("stopping: no new requests, finishing the updates already accepted")
            await runner.cleanup()
            await application.stop()
            await stop_delivery(services)
    finally:
        await runner.cleanup()
        await stop_delivery(services, timeout=0)
        await services.db.dispose()
