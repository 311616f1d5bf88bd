"""The sandbox runs on one clock (its event morning, seconds ticking): every service is built
on it, the content holder included, rather than given it afterwards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.config import load_settings
from bot.sandbox.run import sandbox_services
from tests.support import DEMO_PACK

START = dt.datetime(2025, 10, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_every_service_of_the_sandbox_has_its_clock(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sandbox.db'}", content_dir=DEMO_PACK, semantic_answers=False
    )
    services, clock = sandbox_services(settings, START)
    assert services.clock is clock
    assert abs(clock.now() - START) < dt.timedelta(minutes=5)
    assert services.people.clock is clock and services.questions.clock is clock
    assert services.invites.people.clock is clock and services.roles.people.clock is clock
    assert services.agenda.clock is clock and services.outbox.clock is clock  # reminders follow the event clock
    # the content was loaded on the sandbox's clock too: on the event's morning, not today
    assert abs(services.content.current.loaded_at - START) < dt.timedelta(minutes=5)
    services.content.reload()
    assert abs(services.content.current.loaded_at - START) < dt.timedelta(minutes=5)


def test_without_a_start_the_sandbox_opens_on_the_events_first_morning(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sandbox.db'}", content_dir=DEMO_PACK, semantic_answers=False
    )
    services, clock = sandbox_services(settings)
    assert services.clock is clock
    pack = services.content.current.pack
    first_morning = dt.datetime.combine(pack.event.start, dt.time(8, 30), tzinfo=pack.tz)
    assert abs(services.clock.now() - first_morning) < dt.timedelta(minutes=5)
    assert abs(services.content.current.loaded_at - first_morning) < dt.timedelta(minutes=5)
