"""Builds the PTB Application and wires services, handlers and the error handler.

Run modes (see :mod:`bot.runner`) differ only in how updates arrive: polling, a webhook
served by our aiohttp app, or the sandbox's emulator.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import LinkPreviewOptions
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults, JobQueue

from bot.clock import Clock, ShiftedClock
from bot.config import Settings
from bot.content import ContentHolder
from bot.delivery.http import AiohttpRequest
from bot.delivery.outbox import Outbox
from bot.delivery.ratelimit import ChatRateLimiter, Limits
from bot.delivery.request import TelegramRequest
from bot.delivery.sender import Sender, SenderConfig, schedule_tick
from bot.services.agenda import PLANNING_EVERY_S, AgendaService
from bot.services.broadcast import BroadcastService
from bot.services.invites import InviteService
from bot.services.liaison import LiaisonService
from bot.services.people import PeopleService
from bot.services.phrasings import REFRESH_SECONDS, PhrasingStore
from bot.services.questions import QuestionLog
from bot.services.roles import RoleService
from bot.store.db import Database
from bot.updates import ChatOrderedProcessor

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the handlers need, in one place (stored in ``application.bot_data``)."""

    settings: Settings
    clock: Clock
    db: Database
    content: ContentHolder
    people: PeopleService
    invites: InviteService
    roles: RoleService
    questions: QuestionLog
    outbox: Outbox
    liaison: LiaisonService
    phrasings: PhrasingStore  # learnt phrasings: the pack's overlay (#16.5)
    limits: Limits = field(default_factory=Limits)
    #: follows, reminders, the organisers' overlay, programme changes (bot/services/agenda.py)
    agenda: AgendaService = field(init=False)
    #: the one sender, once the application runs (see start_delivery)
    sender: Sender | None = None
    #: organiser broadcasts (registers its renderer with the outbox)
    broadcasts: BroadcastService = field(init=False)

    def __post_init__(self) -> None:
        self.broadcasts = BroadcastService(
            self.db, self.clock, self.outbox, self.content,
            approval_above=self.settings.broadcast_approval_above,
            paid_allowed=self.settings.broadcast_paid_allowed,
            rate=self.settings.rate_overall_per_s, paid_rate=self.settings.rate_paid_broadcast_per_s,
        )


def build_services(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Services:
    if clock is None:  # CLOCK_OFFSET_S (benchmarks): real seconds, from another moment
        offset = dt.timedelta(seconds=settings.clock_offset_s)
        clock = ShiftedClock(Clock().now() + offset) if offset else Clock()
    db = db or Database(settings.database_url)
    people = PeopleService(db, clock, settings.organiser_ids, open_access=settings.open_access)
    content = ContentHolder.load(
        settings.content_dir,
        semantic=settings.semantic_answers,
        cache_dir=settings.embeddings_cache_dir,
        clock=clock,
    )
    outbox = Outbox(db, clock)
    services = Services(
        settings=settings,
        clock=clock,
        db=db,
        content=content,
        people=people,
        invites=InviteService(people),
        roles=RoleService(people),
        questions=QuestionLog(db, clock),
        outbox=outbox,
        liaison=LiaisonService(db, clock, outbox, lambda: content.current.pack, settings),
        phrasings=PhrasingStore(db, clock),
        limits=Limits(
            overall_per_s=settings.rate_overall_per_s,
            private_per_s=settings.rate_private_per_s,
            group_per_min=settings.rate_group_per_min,
            paid_per_s=settings.rate_paid_broadcast_per_s,
        ),
    )
    services.agenda = AgendaService(db, clock, services.content, services.outbox, services.limits.overall_per_s)
    return services


def build_application(
    services: Services, *, with_updater: bool = True, update_processor: BaseUpdateProcessor | None = None
) -> Application:
    """The PTB Application for these services. The run modes pass ``with_updater=False``: they
    feed ``application.update_queue`` through the inbox (:mod:`bot.intake`). ``update_processor``
    replaces the fair one (for a benchmark's baseline)."""
    from handlers import register
    from handlers.context import CONTEXT_TYPES

    settings = services.settings
    if not settings.bot_token:
        raise ValueError("BOT_TOKEN is needed to build the application")
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .context_types(CONTEXT_TYPES)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_api_url.replace("/bot", "/file/bot"))
        .rate_limiter(ChatRateLimiter(services.limits))
        .defaults(Defaults(parse_mode="HTML", link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(update_processor or ChatOrderedProcessor(settings.concurrent_updates))
        # Bot API calls over aiohttp: httpx's pool costs far more CPU per request with many sends
        # in flight (see bot/delivery/http.py); both clients tell a 5xx from other network
        # errors, and the rate limiter retries by kind
        .request(AiohttpRequest(pool_size=128, read_timeout=15, connect_timeout=10, pool_timeout=10))
        .get_updates_request(TelegramRequest(read_timeout=10, connect_timeout=10, pool_timeout=10))
    )
    if not with_updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["services"] = services  # read through BotContext.services
    register(application)
    return application


class StartupError(Exception):
    """A start-up failure the person starting the bot can fix; the message says what to fix."""


async def prepare(application: Application) -> None:
    """Run once the application is initialised, before updates flow: migrations, commands."""
    services: Services = application.bot_data["services"]
    try:
        await services.db.upgrade()
    except Exception as exc:  # any driver's failure: the same advice
        raise StartupError(f"DATABASE_URL: cannot use the database ({type(exc).__name__}: {exc})") from exc
    await services.roles.apply_organiser_setting()  # what ORGANISER_IDS says now (bot.services.roles)
    from handlers.commands import publish_commands

    await publish_commands(application)
    await services.agenda.start()  # the overlay, and a pack changed while the bot was stopped
    await start_delivery(application)
    await refresh_phrasings(services)  # the learnt phrasings join the engine before the first question
    if application.job_queue is not None:
        schedule_phrasings_refresh(application.job_queue, services)
    if application.job_queue is not None:  # agenda: the automatic follows' reminders, as they near
        schedule_planning(application.job_queue, services.agenda)
    log.info(
        "bot @%s ready: content %s (version %s), database %s",
        application.bot.username,
        services.content.current.pack.event.id,
        services.content.current.pack.version,
        services.db.dialect,
    )


def schedule_planning(job_queue: JobQueue, agenda: AgendaService) -> None:
    """Every minute, the reminders of automatic follows that fall due within the horizon
    (:meth:`AgendaService.plan_all`); a failure is logged and the next minute tries again."""

    async def plan(_context: object) -> None:
        try:
            await agenda.plan_all()
        except Exception:
            log.exception("agenda: planning failed; trying again in a minute")

    job_queue.run_repeating(plan, interval=PLANNING_EVERY_S, first=PLANNING_EVERY_S, name="agenda-planning",
                            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1})


async def start_delivery(application: Application) -> Sender:
    """Start the outbox's one sender on the application's bot (sharing its rate limiter), and
    the JobQueue's tick that wakes it about every second. After migrations (``prepare``)."""
    services: Services = application.bot_data["services"]
    limiter = application.bot.rate_limiter
    sender = Sender(
        services.outbox,
        application.bot,
        limiter=limiter if isinstance(limiter, ChatRateLimiter) else None,
        config=SenderConfig(
            max_in_flight=services.settings.outbox_max_in_flight,
            max_attempts=services.settings.outbox_max_attempts,
            overall_per_s=services.limits.overall_per_s,
            paid_per_s=services.limits.paid_per_s,
            shutdown_timeout_s=services.settings.shutdown_timeout_s,
        ),
        on_blocked=lambda chat_id: blocked(services, chat_id),
    )
    await sender.start()
    services.sender = sender
    from handlers import liaison

    liaison.start(application)  # forum topics through this bot, the liaison sweep job
    if application.job_queue is not None:
        schedule_tick(application.job_queue, sender)
    return sender


_background: set[asyncio.Task[object]] = set()


def blocked(services: Services, chat_id: int) -> None:
    """The sender's 403 hook: the person's next message must reach the database, an officer's
    open requests go to other officers, and the holders of a delegate's requests are told."""
    services.people.recent.invalidate(chat_id)
    task: asyncio.Task[object] = asyncio.get_running_loop().create_task(services.liaison.person_blocked(chat_id))
    _background.add(task)
    task.add_done_callback(_background.discard)
async def refresh_phrasings(services: Services) -> bool:
    """Rebuild the answer engine if the learnt phrasings of the event in service changed in the
    database (another process's organiser attached some); True if it was rebuilt. A failure
    keeps the engine as it is (logged), to be tried again at the next refresh."""
    event_id = services.content.current.pack.event.id
    try:
        if await services.phrasings.stamp(event_id) == services.content.current.phrasings_stamp:
            return False
        overlay = await services.phrasings.overlay(event_id)
        return await services.content.use_phrasings_async(event_id, overlay)
    except Exception as exc:
        log.warning("could not refresh the learnt phrasings: %s", type(exc).__name__)
        return False


def schedule_phrasings_refresh(job_queue: Any, services: Services, interval: float = REFRESH_SECONDS) -> None:
    """Every ``interval`` seconds, the phrasings other processes learnt join this one's engine."""

    async def refresh(_context: Any) -> None:
        await refresh_phrasings(services)

    for job in job_queue.get_jobs_by_name("phrasings-refresh"):
        job.schedule_removal()
    job_queue.run_repeating(refresh, interval=interval, first=interval, name="phrasings-refresh",
                            job_kwargs={"coalesce": True, "max_instances": 1})


async def stop_delivery(services: Services, timeout: float | None = None) -> None:
    """Stop the sender (SIGTERM: in-flight sends finish within the shutdown timeout; claimed
    rows go back to pending). Does nothing when it is not running."""
    sender, services.sender = services.sender, None
    if sender is not None:
        await sender.stop(timeout)
