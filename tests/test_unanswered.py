"""Unanswered questions: the person's reply comes first and never depends on keeping the
question (#10.10); what is kept cannot tell who asked (#10.15); the organisers' list and the
reload report read right in Arabic (isolated Latin text)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.i18n import FSI, PDI, RLM, translator
from bot.store.db import Database
from bot.store.models import Person, UnansweredQuestion
from tests.support import Harness, running_bot

ORGANISER = 900
UNKNOWN = "Where can I rent a kayak for the weekend?"
T0 = dt.datetime(2025, 10, 25, 2, 0, tzinfo=dt.UTC)
MINI = Path(__file__).parent / "data" / "packs" / "qa-mini"


async def test_the_reply_comes_first_when_the_question_cannot_be_kept(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with bot.services.db.engine.begin() as conn:  # the question log is gone: a real failure
        await conn.execute(text("DROP TABLE unanswered_questions"))
    user = bot.user(7201, "Ana", language_code="en")
    await user.send(UNKNOWN)
    reply = await user.reply()
    en = translator("en")
    assert en._("I'm not sure I have the answer to that.") in reply.text
    assert en._("The service is briefly unavailable. Please send your message again in a minute.") not in reply.text
    await user.command("help")  # handled after the question (one chat, in order); still answered
    assert "/menu" in (await user.reply()).text
    failed = [r for r in caplog.records if r.getMessage().startswith("could not record an unanswered question")]
    assert len(failed) == 1 and failed[0].levelno == logging.WARNING
    assert "kayak" not in caplog.text  # neither the question nor the database's error quoting it


async def test_a_question_is_kept_with_its_hour_only(bot: Harness) -> None:
    asked = dt.datetime(2025, 10, 25, 3, 37, 12, 345678, tzinfo=dt.UTC)
    bot.clock.set(asked)
    user = bot.user(7202, "Ben", language_code="en")
    await user.send(UNKNOWN)
    await user.reply()
    await user.command("help")  # handled after the question: by then it is kept
    await user.reply()
    async with bot.services.db.session() as session:
        kept = list(await session.scalars(select(UnansweredQuestion.asked_at)))
        seen = await session.scalar(select(Person.last_seen_at).where(Person.telegram_id == 7202))
    assert kept == [dt.datetime(2025, 10, 25, 3, 0, tzinfo=dt.UTC)]
    assert seen == asked  # the person's own time stays exact: the two never match
    groups = await bot.services.questions.groups()
    assert groups[0].last_asked == kept[0] and groups[0].example == UNKNOWN


async def test_no_column_of_a_kept_question_can_tell_who_asked(db: Database) -> None:
    allowed = {"id", "text", "normalised", "language", "content_version", "asked_at"}
    assert {c.name for c in UnansweredQuestion.__table__.columns} == allowed
    assert not UnansweredQuestion.__table__.foreign_keys
    async with db.engine.connect() as conn:  # the table as migrated, not only the model
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("unanswered_questions"))
        keys = await conn.run_sync(lambda sync: inspect(sync).get_foreign_keys("unanswered_questions"))
    assert {c["name"] for c in columns} == allowed and keys == []
    # the only time kept is on the hour, whatever the clock says
    clock = dt.datetime(2025, 10, 25, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    from bot.clock import SimulatedClock
    from bot.services.questions import QuestionLog

    await QuestionLog(db, SimulatedClock(clock)).record("Is there a crèche?", "fr")
    async with db.session() as session:
        stored = await session.scalar(select(UnansweredQuestion.asked_at))
    assert stored == dt.datetime(2025, 10, 25, 18, 0, tzinfo=dt.UTC)


async def test_unanswered_in_arabic_isolates_the_questions_and_their_languages(bot: Harness) -> None:
    await bot.services.questions.record("Where is the karaoke?", "en", "v1")
    await bot.services.questions.record("Where is the karaoke?", "fr", "v1")
    organiser = bot.user(ORGANISER, "Org", language_code="ar")
    await organiser.command("unanswered")
    reply = (await organiser.reply()).text
    assert reply.startswith("\u200f")
    assert f"{FSI}Where is the karaoke?{PDI}" in reply
    ar = translator("ar")
    assert ar.join([ar.language_name("en"), ar.language_name("fr")]) in reply  # "الإنجليزية والفرنسية"
    assert "الإنجليزية والفرنسية" in reply


async def test_reload_in_arabic_isolates_each_problem_line(database_url: str, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINI, pack_dir)
    async with running_bot(database_url, content_dir=pack_dir, organiser_ids=(901,)) as bot:
        event = pack_dir / "event.yaml"
        event.write_text(event.read_text(encoding="utf-8").replace("timezone:", "timezone: Mars/Olympus\nx_timezone:", 1), encoding="utf-8")
        organiser = bot.user(901, "Org", language_code="ar")
        await organiser.command("reload")
        refused = (await organiser.reply(timeout=20)).text
        problems = [line for line in refused.splitlines() if "event.yaml:" in line]
        assert problems, refused
        # each line a right-to-left paragraph (RLM) holding the problem, isolated
        assert all(line.removeprefix(RLM).startswith(FSI) and line.endswith(PDI) for line in problems), problems


async def test_a_database_error_never_quotes_what_was_stored(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    async with db.session() as session:
        session.add(Person(telegram_id=1, first_name="A", username="secret-name", language="en", role="delegate",
                           active=True, created_at=T0, updated_at=T0))
    with pytest.raises(IntegrityError) as failed:
        async with db.session() as session:  # the same Telegram id again
            session.add(Person(telegram_id=1, first_name="A", username="secret-name", language="en", role="delegate",
                               active=True, created_at=T0, updated_at=T0))
    assert "secret-name" not in str(failed.value)
