"""Learning from the event (#16.5): organisers see unanswered questions grouped by similarity,
attach a group to the entry that should have answered it, and the bot answers it at once;
the role is checked at every step, forged buttons are refused, other processes pick the
phrasings up at their next refresh, and they export as YAML in the pack's format."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot import callbacks
from bot.answers import Match
from bot.answers.compose import compose, plain
from bot.answers.index import EntryType
from bot.app import refresh_phrasings
from bot.i18n import translator
from bot.services.audit import Actor
from bot.services.phrasings import PhrasingStore, export_yaml
from bot.services.questions import QuestionGroup, cluster
from bot.store.models import LearntPhrasing, Role, UnansweredQuestion
from handlers import Action
from handlers.learn import MAX_BUTTONS
from tests.support import DEMO_PACK, Harness

#: the reply to an attach comes after the answer engine is rebuilt with the new wordings (about
#: a second on an idle machine; several on a busy CI host running four test workers at once)
REBUILT = 30.0

ORGANISER = 900
PRINT = "can I bring my dog"
PRINT_TOO = "Can I bring my dog along?"
KARAOKE = "Is there a karaoke night?"
EN = translator("en")


async def answered_text(bot: Harness, update: Any) -> str:
    """The notice a button press was answered with (the spinner is always stopped)."""
    query = bot.emulator.query(update["callback_query"]["id"])
    for _ in range(500):
        if query["answered"]:
            break
        await asyncio.sleep(0.01)
    assert query["answered"], update["callback_query"]["data"]
    return query["text"] or ""


async def learnt_rows(bot: Harness) -> list[LearntPhrasing]:
    async with bot.services.db.session() as s:
        return list(await s.scalars(select(LearntPhrasing).order_by(LearntPhrasing.id)))


async def unanswered_count(bot: Harness) -> int:
    async with bot.services.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(UnansweredQuestion)) or 0)


async def ask_unanswered(bot: Harness, user_id: int, *questions: str) -> None:
    user = bot.user(user_id, "Del", language_code="en")
    for q in questions:
        await user.send(q)
        reply = await user.reply()
        assert EN._("I'm not sure I have the answer to that.") in reply.text, (q, reply.text)
    await user.command("help")  # handled after the questions: by then they are kept
    await user.reply()


def card(bot: Harness, faq_id: str) -> str:
    pack = bot.services.content.current.pack
    from bot.answers.compose import render

    text = render(Match(EntryType.FAQ, faq_id, 1.0), pack, "en")
    assert text is not None
    return plain(text)


async def test_an_organiser_attaches_a_group_and_the_bot_answers_it_at_once(bot: Harness) -> None:
    await ask_unanswered(bot, 7401, PRINT, PRINT_TOO, KARAOKE, PRINT)
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("unanswered")
    listing = await organiser.reply()
    lines = listing.text.splitlines()
    first = next(line for line in lines if line.startswith("1. "))
    assert "3×" in first and PRINT in first  # the two wordings grouped, three askings
    assert "similar wording" in listing.text and PRINT_TOO in listing.text
    assert any(line.startswith("2. ") and KARAOKE in line for line in lines)
    assert listing.button_texts()[:2] == ["📎 1", "📎 2"]
    await organiser.press(text="📎 1")
    offered = await organiser.reply()
    assert "Which entry should answer" in offered.text and "/attach" in offered.text
    business = compose(bot.services.content.current.engine.ask(PRINT, "en", bot.clock.now()),
                       bot.services.content.current.pack, "en").alternatives
    assert [m.id for m, _ in business][:1] == ["prohibited-items"]
    label = business[0][1]
    assert label in offered.button_texts()
    attach_data = offered.button_data()[offered.button_texts().index(label)]
    await organiser.press(text=label)
    done = await organiser.reply(timeout=REBUILT)
    assert "Learnt: 2 wordings now lead to" in done.text, done.text
    rows = await learnt_rows(bot)
    assert {(r.entry_type, r.entry_id, r.text) for r in rows} == {
        ("faq", "prohibited-items", PRINT), ("faq", "prohibited-items", PRINT_TOO)}
    assert all(r.added_by == f"telegram:{ORGANISER}" and r.language == "en" for r in rows)
    assert rows[0].event_id == bot.services.content.current.pack.event.id
    assert await unanswered_count(bot) == 1  # only the karaoke question is left
    # the very next question is answered, in both wordings and a new asker's
    delegate = bot.user(7402, "Ana", language_code="en")
    for q in (PRINT, PRINT_TOO):
        await delegate.send(q)
        answered = await delegate.reply()
        assert card(bot, "prohibited-items")[:60] in answered.text, answered.text
    await organiser.command("unanswered")
    again = await organiser.reply()
    assert PRINT not in again.text and KARAOKE in again.text
    # the old button names a question that is gone: said so, nothing attached twice
    stale = await organiser.press_raw(attach_data)
    assert "no longer in the list" in await answered_text(bot, stale)
    assert len(await learnt_rows(bot)) == 2


async def test_attach_by_entry_id_and_its_mistakes(bot: Harness) -> None:
    await ask_unanswered(bot, 7411, KARAOKE)
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    question = (await bot.services.questions.groups())[0].latest_id
    await organiser.command("attach", str(question), "no-such-entry")
    assert "The content has no entry" in (await organiser.reply()).text
    await organiser.command("attach", "seven", "wifi")
    assert "Usage: /attach" in (await organiser.reply()).text
    await organiser.command("attach", f"#{question}", "faq:souvenirs-shopping")
    assert "Learnt: 1 wording now leads to" in (await organiser.reply(timeout=REBUILT)).text
    assert [(r.entry_id, r.text) for r in await learnt_rows(bot)] == [("souvenirs-shopping", KARAOKE)]
    await organiser.command("attach", str(question), "wifi")  # gone: already attached
    assert "no longer in the list" in (await organiser.reply()).text
    assert len(await learnt_rows(bot)) == 1


async def test_the_role_is_checked_at_every_step_and_forged_buttons_are_refused(bot: Harness) -> None:
    await ask_unanswered(bot, 7421, PRINT)
    question = (await bot.services.questions.groups())[0].latest_id
    version = bot.services.content.current.pack.version
    delegate = bot.user(7422, "Eve", language_code="en")
    await delegate.command("unanswered")
    assert "for organisers only" in (await delegate.reply()).text
    await delegate.command("attach", str(question), "wifi")
    assert "for organisers only" in (await delegate.reply()).text
    await delegate.command("help")
    await delegate.reply()
    for data in (callbacks.encode(Action.LEARN, str(question)),
                 callbacks.encode(Action.ATTACH, f"{question}:f:wifi", pack_version=version)):
        pressed = await delegate.press_raw(data)
        assert await answered_text(bot, pressed) == EN._("Sorry, this command is for organisers only.")
        assert not await learnt_rows(bot)
    # an organiser demoted between the list and the button: refused at the button
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("unanswered")
    await organiser.reply()
    await organiser.press(text="📎 1")
    offered = await organiser.reply()
    await bot.services.people.grant(ORGANISER, Role.DELEGATE)
    pressed = await organiser.press(data=offered.button_data()[0])
    assert await answered_text(bot, pressed) == EN._("Sorry, this command is for organisers only.")
    assert not await learnt_rows(bot)
    await bot.services.people.grant(ORGANISER, Role.ORGANISER)
    # forged data from an organiser: an entry the pack never had, malformed arguments
    for argument in (f"{question}:f:no-such-entry", f"{question}:x:wifi", "abc", f"0{question}:f:wifi"):
        pressed = await organiser.press_raw(callbacks.encode(Action.ATTACH, argument, pack_version=version))
        assert await answered_text(bot, pressed) == EN._("This button is no longer valid."), argument
    pressed = await organiser.press_raw(callbacks.encode(Action.LEARN, "not-a-number"))
    assert await answered_text(bot, pressed) == EN._("This button is no longer valid.")
    assert not await learnt_rows(bot)
    assert await unanswered_count(bot) == 1


async def test_another_process_picks_the_phrasings_up_at_its_refresh(bot: Harness) -> None:
    services = bot.services
    event = services.content.current.pack.event.id
    assert not await refresh_phrasings(services)  # nothing new: no rebuild
    built = services.content.current
    before = services.content.current.engine.ask(PRINT, "en", bot.clock.now())
    assert before.match is None
    # another process (the same database) attaches a phrasing
    other = PhrasingStore(services.db, services.clock)
    done = await other.attach(event, "faq", "prohibited-items", [(PRINT, "en")], Actor.command_line())
    assert done.added == 1
    assert services.content.current is built  # not before the refresh
    assert await refresh_phrasings(services)
    after = services.content.current.engine.ask(PRINT, "en", bot.clock.now())
    assert after.match is not None and after.match.id == "prohibited-items"
    assert not await refresh_phrasings(services)
    # a reload of the pack keeps them
    assert services.content.reload() == []
    assert services.content.current.engine.ask(PRINT, "en", bot.clock.now()).match is not None


async def test_export_writes_the_packs_format(bot: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              database_url: str) -> None:
    services = bot.services
    event = services.content.current.pack.event.id
    store = PhrasingStore(services.db, services.clock)
    await store.attach(event, "faq", "wifi", [("le mot de passe du réseau ?", "fr"), ("wlan code", "en")],
                       Actor.person(ORGANISER))
    await store.attach(event, "room", "prayer-room", [("salle pour prier", "fr")], Actor.person(ORGANISER))
    await store.attach("another-event", "faq", "wifi", [("elsewhere", "en")], Actor.person(ORGANISER))
    text = export_yaml(await store.learnt(event), event)
    data = yaml.safe_load(text)
    assert data["faq"] == [{"id": "wifi", "questions": {"fr": ["le mot de passe du réseau ?"], "en": ["wlan code"]}}]
    assert data["room"] == [{"id": "prayer-room", "questions": {"fr": ["salle pour prier"]}}]
    assert [r["added_by"] for r in data["learnt"]] == [f"telegram:{ORGANISER}"] * 3
    assert "elsewhere" not in text
    # the command line, against the same database
    from bot.__main__ import main

    out = tmp_path / "learnt.yaml"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CONTENT_DIR", str(DEMO_PACK))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert await asyncio.to_thread(main, ["content", "export-phrasings", "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["faq"] == data["faq"]


def test_similar_questions_are_grouped_and_others_not() -> None:
    at = dt.datetime(2025, 10, 25, 2, tzinfo=dt.UTC)

    def group(text: str, n: int, lang: str = "en") -> QuestionGroup:
        return QuestionGroup(text.casefold(), text, n, [lang], at)

    clusters = cluster([group("Where can I rent a kayak?", 3), group("Is there a karaoke night?", 2),
                        group("where to rent a kayak", 1), group("kayak", 1), group("where is the gym", 1),
                        group("😀" * 10, 1),
                        group("😀" * 10 + "!", 1)])
    assert [[g.example for g in c.groups] for c in clusters] == [
        ["Where can I rent a kayak?", "where to rent a kayak", "kayak"], ["Is there a karaoke night?"],
        ["where is the gym"], ["😀" * 10], ["😀" * 10 + "!"]]  # no words: never grouped by the empty set
    assert clusters[0].count == 5


async def test_buttons_for_the_first_groups_only_and_the_list_fits(bot: Harness) -> None:
    for i in range(MAX_BUTTONS + 5):
        await bot.services.questions.record(f"question number {i} about topic{i} " + "🎉" * 300, "en", "v1")
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("unanswered")
    listing = await organiser.reply()
    assert len(listing.button_data()) == MAX_BUTTONS
    assert not bot.emulator.errors


def test_a_learnt_wording_is_that_entrys_even_against_a_time_question() -> None:
    from bot.answers import AnswerEngine
    from bot.catalog.loader import load_pack

    pack = load_pack(DEMO_PACK)
    now = dt.datetime(2025, 10, 25, 9, tzinfo=pack.tz)
    question = "What do I wear tomorrow night?"
    plain_engine = AnswerEngine(pack, semantic=False)
    assert plain_engine.ask(question, "en", now).match != Match(EntryType.FAQ, "dress-code-gala-dinner", 1.0)
    learnt = AnswerEngine(pack, semantic=False,
                          extra_phrasings={("faq", "dress-code-gala-dinner"): [(question, "en")],
                                           ("faq", "no-such-entry"): [("ignored", "en")]})
    for asked in (question, "what do i wear TOMORROW night", "  What do I wear tomorrow night ?? "):
        answer = learnt.ask(asked, "fr", now)
        assert answer.match == Match(EntryType.FAQ, "dress-code-gala-dinner", 1.0), asked
        assert answer.question_lang == "en" and answer.lang == "fr"
    assert learnt.ask("ignored", "en", now).match is None
