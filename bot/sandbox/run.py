"""``python -m bot`` without a token: the emulator, the demo content, the bot and a web chat."""

from __future__ import annotations

import datetime as dt
import logging

from aiohttp import web
from sqlalchemy import select

from bot.app import Services, build_services
from bot.catalog.loader import load_pack
from bot.clock import ShiftedClock
from bot.config import ROOT, Settings
from bot.inbox import Inbox
from bot.runner import run_polling, stop_event_on_signals
from bot.sandbox.emulator import Emulator
from bot.store.models import Role
from bot.web.calendar import add_calendar_routes
from bot.web.sandbox_chat import chosen_language_from, create_chat_app

log = logging.getLogger(__name__)
SANDBOX_TOKEN = "100000:SANDBOX-local-emulator-token-xyz"
DELEGATE, ORGANISER, OFFICER = 1001, 1002, 1003


def sandbox_services(settings: Settings, start: dt.datetime | None = None) -> tuple[Services, ShiftedClock]:
    """The services on the sandbox's clock: real time moved to ``start``, or to 08:30 on the
    event's first day. The clock is given to :func:`build_services`, so that every service,
    the content holder included, has it from the start."""
    if start is None:  # the pack is read once more, for its first day and time zone
        pack = load_pack(settings.content_dir)
        start = dt.datetime.combine(pack.event.start, dt.time(8, 30), tzinfo=pack.tz)
    clock = ShiftedClock(start)
    return build_services(settings, clock=clock), clock


async def sandbox_officer_on_duty(services: Services) -> None:
    """The sandbox's officer covers every language and is on duty: the delegate's requests go
    to them (the side-by-side page shows both chats)."""
    from bot.i18n import LANGUAGES
    from bot.services import liaison_officers as officers
    from bot.store.models import Person

    async with services.db.session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == OFFICER))
        assert person is not None
        await officers.assign(session, person, officers.Assignment(str(OFFICER), languages=list(LANGUAGES)),
                              services.clock)
    officer = await services.people.get(OFFICER)
    assert officer is not None
    await services.liaison.set_duty(officer, True)


async def skip_known_people(emulator: Emulator, services: Services) -> None:
    """The sandbox's database outlives each run, its emulator does not: a guest opening an
    invitation gets an id the bot has never seen, not the id (and so the role, language and
    pending reply) of someone from an earlier run."""
    from sqlalchemy import func

    from bot.store.models import Person

    async with services.db.session() as session:
        highest = await session.scalar(select(func.max(Person.telegram_id)))
    if highest is not None:
        emulator.skip_user_ids(int(highest))


async def run_sandbox(settings: Settings, *, port: int, start: dt.datetime | None = None) -> None:
    # polling today; should the sandbox ever serve a webhook, it is on this machine over http
    emulator = Emulator(token=SANDBOX_TOKEN, bot_username="delegate_assistant_sandbox_bot",
                        allow_local_http_webhooks=True)
    await emulator.start("127.0.0.1", 0)
    settings = settings.model_copy(update={
        "bot_token": SANDBOX_TOKEN,
        "telegram_api_url": emulator.base_url,
        "database_url": f"sqlite+aiosqlite:///{ROOT / 'var' / 'sandbox.db'}",
        "organiser_ids": [*settings.organiser_ids, ORGANISER],
        "bot_username": emulator.bot_user["username"],
        "calendar_base_url": f"http://127.0.0.1:{port}",  # agenda: calendar subscriptions from the chat's server
    })
    services, clock = sandbox_services(settings, start)
    pack = services.content.current.pack
    emulator.clock = clock
    personas = [
        (emulator.user(DELEGATE, "Delegate", language_code="en"), "Delegate"),
        (emulator.user(ORGANISER, "Organiser", language_code="en"), "Organiser"),
        # the officer is already known to the bot (below): they have written to it before
        (emulator.user(OFFICER, "Officer", language_code="en", started=True), "Liaison officer"),
    ]
    await services.db.upgrade()
    await skip_known_people(emulator, services)
    # a new emulator numbers its updates from 1 again: the last run's would pass for redeliveries
    await Inbox(services.db, clock).clear()
    await services.people.ensure_delegation("VNM", "Viet Nam")
    from bot.services.people import TelegramUser

    await services.people.touch(TelegramUser(OFFICER, "Officer", None, "en"))
    await services.people.grant(OFFICER, Role.OFFICER)
    await sandbox_officer_on_duty(services)

    chat_app = create_chat_app(emulator, personas, clock, pack.tz, chosen_language=chosen_language_from(services.people))
    add_calendar_routes(chat_app, services)  # agenda: calendar subscriptions
    chat = web.AppRunner(chat_app, access_log=None)
    await chat.setup()
    await web.TCPSite(chat, "127.0.0.1", port).start()
    print(
        f"\n  Sandbox ready: open http://127.0.0.1:{port} and talk to the bot.\n"
        f"  Content: {pack.event.id} ({len(pack.sessions)} sessions, {len(pack.faq)} answers); "
        f"event clock {clock.now().astimezone(pack.tz):%Y-%m-%d %H:%M} ({pack.event.timezone}).\n"
        f"  Bot API emulator at {emulator.base_url}. Press Ctrl+C to stop.\n",
        flush=True,
    )
    try:
        await run_polling(services, stop_event_on_signals())
    finally:
        await chat.cleanup()
        await emulator.stop()
