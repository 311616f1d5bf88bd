"""/broadcast in the chat, through the real bot and the emulator, on SQLite and PostgreSQL:
compose, preview, send, the live progress message ending as the report; refusals (wrong role,
forged buttons, too long, in the past, nobody); receipts pressed twice; approval by a second
organiser only; recall while sending; what the organiser is asked to type next, kept across a
restart, dropped when it no longer stands, and against a liaison request's prompt."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import callbacks
from bot.sandbox.emulator import Emulator, SimUser
from bot.sandbox.harness import Harness
from bot.services.broadcast import STEP_TTL, Step
from bot.store.db import Database
from bot.store.models import (
    Broadcast,
    BroadcastState,
    BroadcastStep,
    Delegation,
    UnansweredQuestion,
)
from handlers.broadcast import parse_time
from tests.processes import start_bot
from tests.support import FAST, TOKEN, running_bot
from tests.test_broadcast import got, people

ORGANISER = 900
SECOND = 901


async def answered(bot: Harness, update: Any) -> str:
    query = bot.emulator.query(update["callback_query"]["id"])
    for _ in range(500):
        if query["answered"]:
            break
        await asyncio.sleep(0.01)
    assert query["answered"]
    return query["text"] or ""


async def start(bot: Harness, user_id: int = ORGANISER) -> SimUser:
    user = bot.user(user_id, f"Org{user_id}", language_code="en")
    await user.send("/start")
    await user.reply(timeout=30)
    return user


async def compose(org: SimUser, english: str, french: str | None = None, audience: str = "all delegates") -> None:
    await org.send("/broadcast")
    panel = await org.reply(timeout=10)
    assert "Broadcast #" in panel.text and "(draft)" in panel.text
    # a new draft has no text at all: it says so, not "these readers get the text in English"
    assert "The broadcast has no text yet" in panel.text and "get the text in" not in panel.text
    await org.send(english)
    panel = await org.reply(timeout=10)
    assert "Texts: English" in panel.text
    if french is not None:
        await org.press(text="FR")
        assert "French" in (await org.reply(timeout=10)).text
        await org.send(french)
        await org.reply(timeout=10)
    await org.press(text="Audience")
    await org.reply(timeout=10)
    await org.press(text=audience)
    assert "Audience: " + audience in (await org.reply(timeout=10)).text


async def preview(bot: Harness, org: SimUser) -> str:
    await org.press(text="Preview")
    return await wait_text(bot, org, "Ready to send")


async def wait_text(bot: Harness, user: SimUser, needle: str, timeout: float = 30) -> str:
    [entry] = await bot.emulator.wait_for(user.id, lambda e: needle in e.text, timeout=timeout)
    return entry.text


async def test_compose_preview_send_and_the_live_report(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        org = await start(bot)
        (en, _), (fr, _), (ar, _) = await people(bot, [(5001, "en", "FRA"), (5002, "fr", "FRA"), (5003, "ar", None)])
        await compose(org, "Opening moves to <Hall B> & C 🎉", "L’ouverture passe en salle B")
        await org.press(text="Preview")
        shown = await org.replies(5, timeout=10)
        texts = [e.text for e in shown]
        assert "Opening moves to <Hall B> & C 🎉" in texts and "L’ouverture passe en salle B" in texts
        last = texts[-1]
        assert "Ready to send to 3 recipients." in last and "No text in" in last and "Arabic" in last
        await org.press(text="Send now")
        await wait_text(bot, org, "Sent: 3")
        await wait_text(bot, org, "Broadcast #1: sent")
        assert got(en) == ["Opening moves to <Hall B> & C 🎉"] and got(fr) == ["L’ouverture passe en salle B"]
        assert got(ar) == ["Opening moves to <Hall B> & C 🎉"]
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.state == BroadcastState.DONE


async def test_refusals_for_the_wrong_role_and_forged_buttons(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        org = await start(bot)
        [(delegate, _)] = await people(bot, [(5001, "en", None)])
        await delegate.send("/broadcast")
        assert "organisers only" in (await delegate.reply()).text
        await compose(org, "Secret plan")
        for op in ("go.1", "x.1", "ok.1", "pv.1", "aw.1.everyone"):
            update = await delegate.press_raw(callbacks.encode("bcast", op))
            assert await answered(bot, update) == "Sorry, this is for organisers only."
        update = await delegate.press_raw(callbacks.encode("bcast", "zz.1"))  # malformed for an organiser too
        update = await org.press_raw(callbacks.encode("bcast", "go.99"))
        await org.reply(timeout=10)
        assert "does not exist" in org.last_message().text
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.state == BroadcastState.DRAFT
        assert got(delegate, lambda t: "Secret" in t) == []


async def test_too_long_nobody_and_the_past_are_refused_with_a_reason(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        org = await start(bot)
        await org.send("/broadcast")
        await org.reply(timeout=10)
        await org.send("a" * 1023 + "🎉")  # 1,025 UTF-16 units: a text, but too long for a caption
        await org.reply(timeout=10)
        await org.send_photo()
        assert "Attachment: a photo" in (await org.reply(timeout=10)).text
        await org.press(text="Preview")
        warning = await wait_text(bot, org, "too long")
        assert "1,025" in warning and "1,024" in warning
        assert "Send now" not in [b["text"] for row in org.last_message().buttons for b in row]
        await org.press(text="Back to the draft")
        await org.reply(timeout=10)
        await org.press(text="Remove the attachment")
        await org.reply(timeout=10)
        await org.send("Another text")  # the default text exists: a language must be chosen
        assert "Press a language" in (await org.reply(timeout=10)).text
        await org.press(text="EN")
        await org.reply(timeout=10)
        await org.send("Short now")
        await org.reply(timeout=10)
        await org.press(text="Audience")
        await org.reply(timeout=10)
        await org.press(text="all delegates")  # there are none
        await org.reply(timeout=10)
        await org.press(text="Preview")
        await wait_text(bot, org, "Nobody is in this audience")
        stale = await org.press_raw(callbacks.encode("bcast", "go.1"))  # "Send now" all the same
        await answered(bot, stale)
        assert "Nobody is in this audience" in (await org.reply(timeout=10)).text
        await org.press(text="Audience")
        await org.reply(timeout=10)
        await org.press(text="Everyone")
        await org.reply(timeout=10)
        await preview(bot, org)
        await org.press(text="Send at a time")
        await org.reply(timeout=10)
        await org.send("2020-01-01 09:00")
        assert "in the past" in (await org.reply(timeout=10)).text
        await org.send("nonsense")
        assert "HH:MM" in (await org.reply(timeout=10)).text
        await org.send("2025-10-25 18:00")
        progress = await org.reply(timeout=10)
        assert "scheduled" in progress.text and "Goes out at" in progress.text
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.state == BroadcastState.SCHEDULED
        assert b.send_at == dt.datetime(2025, 10, 25, 11, 0, tzinfo=dt.UTC)  # 18:00 in Hanoi


async def test_receipt_pressed_twice_counts_once_and_the_report_lists_who_has_not(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        org = await start(bot)
        (a, _), (b, _) = await people(bot, [(5001, "en", "FRA"), (5002, "en", "VNM")])
        await compose(org, "Read me")
        await org.press(text="Ask to confirm")
        assert "confirm receipt" in (await org.reply(timeout=10)).text
        await preview(bot, org)
        await org.press(text="Send now")
        await wait_text(bot, a, "Read me")
        first = await a.press(text="Confirm receipt")
        assert await answered(bot, first) == "Thank you: receipt confirmed."
        second = await a.press(text="Confirm receipt")
        assert await answered(bot, second) == "You have already confirmed."
        assert await bot.services.broadcasts.confirmed_count(1) == 1
        await wait_text(bot, org, "Confirmed receipt: 1 of 2")
        await org.press(text="Who has not confirmed")
        report = await wait_text(bot, org, "Not confirmed yet")
        # the delegation named as the rest of the bot names it (CLDR), not by its code
        assert "Vietnam" in report and "VNM" not in report and "U5002" in report and "U5001" not in report


async def test_approval_needs_a_second_organiser(database_url: str) -> None:
    overrides = {"broadcast_approval_above": 1}
    async with running_bot(database_url, organiser_ids=(ORGANISER, SECOND), settings_overrides=overrides) as bot:
        org, other = await start(bot), await start(bot, SECOND)
        [(a, _), (b, _)] = await people(bot, [(5001, "en", None), (5002, "en", None)])
        await compose(org, "Big news")
        last = await preview(bot, org)
        assert "second organiser must approve" in last
        await org.press(text="Send now")
        assert "Sent for approval" in (await org.reply(timeout=10)).text
        request = await wait_text(bot, other, "asks for approval")
        assert "#1" in request and "2 recipients" in request
        own = await org.press_raw(callbacks.encode("bcast", "ok.1"))
        await answered(bot, own)
        assert "cannot approve your own" in (await org.reply(timeout=10)).text
        forged = await a.press_raw(callbacks.encode("bcast", "ok.1"))
        assert await answered(bot, forged) == "Sorry, this is for organisers only."
        await other.press(text="Preview")
        [approve_prompt] = await bot.emulator.wait_for(other.id, lambda e: "Approve sending" in e.text, timeout=10)
        assert "Approve sending it to 2 recipients?" in approve_prompt.text
        await other.press(text="Approve", message=approve_prompt)
        await wait_text(bot, a, "Big news")
        await wait_text(bot, b, "Big news")
        await wait_text(bot, org, "approved by a second organiser")
        again = await other.press(text="Approve", message=approve_prompt)
        await answered(bot, again)
        assert "not waiting for approval" in (await other.reply(timeout=10)).text


async def test_recall_from_the_chat_deletes_and_reports(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        org = await start(bot)
        crowd = await people(bot, [(5001 + i, "en", None) for i in range(3)])
        await compose(org, "Wrong hall")
        await preview(bot, org)
        await org.press(text="Send now")
        await wait_text(bot, org, "Broadcast #1: sent")
        await org.press(text="Recall")
        await org.reply(timeout=10)
        await org.press(text="Yes, delete them")
        assert "3 delivered messages are being deleted" in (await org.reply(timeout=10)).text
        assert bot.services.sender is not None
        await bot.services.sender.idle()
        assert all(got(user) == [] for user, _ in crowd)


async def test_a_demoted_organiser_can_no_longer_compose_or_send(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER, SECOND)) as bot:
        org, other = await start(bot), await start(bot, SECOND)
        await people(bot, [(5001, "en", None)])
        await compose(org, "Before")
        session = bot.services.content.current.pack.sessions_sorted()[0]
        await org.press(text="Session button")
        await org.reply(timeout=10)
        await org.send(session.id)
        assert "Button to the session" in (await org.reply(timeout=10)).text
        await org.press(text="EN")
        await org.reply(timeout=10)
        await other.send(f"/role {ORGANISER} delegate")
        await other.reply(timeout=10)
        await org.send("After the demotion")  # no longer taken as the draft's text
        await org.reply(timeout=10)
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.texts == {"en": "Before"}
        update = await org.press_raw(callbacks.encode("bcast", "go.1"))
        assert await answered(bot, update) == "Sorry, this is for organisers only."
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.state == BroadcastState.DRAFT


async def step_of(bot: Harness, user_id: int) -> Step | None:
    """The step stored for this person, as it is (standing or not)."""
    person = await bot.services.people.get(user_id)
    assert person is not None
    async with bot.services.db.session() as s:
        row = await s.get(BroadcastStep, person.id)
        return None if row is None else Step(row.step, row.broadcast_id, row.language)


@contextlib.asynccontextmanager
async def bot_process(emu: Emulator, database_url: str, log_path: Path) -> AsyncIterator[None]:
    """``python -m bot`` as a real process (a restart loses everything held in memory), stopped
    by SIGTERM at the end of the block."""
    process = await start_bot(emu, database_url, log_path, ORGANISER_IDS=str(ORGANISER))
    try:
        yield
        await process.stop(signal.SIGTERM, timeout=30)
    finally:
        process.kill()
    assert process.proc.returncode == 0, process.log


async def test_a_restart_between_the_prompt_and_the_answer_keeps_what_was_asked(database_url: str, tmp_path: Path) -> None:
    """The bot is stopped and started again between each prompt and the organiser's answer: the
    answer lands in the draft, never among the questions."""
    async with Emulator(token=TOKEN, limits=FAST) as emu:
        org = emu.user(ORGANISER, f"Org{ORGANISER}", language_code="en")
        async with bot_process(emu, database_url, tmp_path / "first.log"):
            await org.send("/start")
            await org.reply(timeout=30)
            await org.send("/broadcast")
            assert "(draft)" in (await org.reply(timeout=10)).text
            await org.send("Opening moves to Hall B")
            assert "Texts: English" in (await org.reply(timeout=10)).text
            await org.press(text="FR")
            assert "Send the text in French" in (await org.reply(timeout=10)).text
        async with bot_process(emu, database_url, tmp_path / "second.log"):
            await org.send("L’ouverture passe en salle B")  # the French text, not a question
            panel = await org.reply(timeout=30)
            assert "Broadcast #1 (draft)" in panel.text and "Texts: English and French" in panel.text
            await org.press(text="Audience")
            await org.reply(timeout=10)
            await org.press(text="Delegations")
            assert "delegation codes" in (await org.reply(timeout=10)).text
        db = Database(database_url)
        try:
            async with db.session() as s:
                s.add(Delegation(code="FRA", name="France", created_at=dt.datetime.now(dt.UTC)))
        finally:
            await db.dispose()
        async with bot_process(emu, database_url, tmp_path / "third.log"):
            await org.send("fra")
            assert "Audience: the delegations FRA" in (await org.reply(timeout=30)).text
    db = Database(database_url)
    try:
        async with db.session() as s:
            b = await s.get(Broadcast, 1)
            assert b is not None and b.state == BroadcastState.DRAFT
            assert b.texts == {"en": "Opening moves to Hall B", "fr": "L’ouverture passe en salle B"}
            assert b.audience == {"kind": "delegations", "codes": ["FRA"]}
            assert (await s.scalars(select(UnansweredQuestion))).all() == []
            step = await s.get(BroadcastStep, 1)  # the organiser is the first person
            assert step is not None and (step.step, step.broadcast_id) == ("any", 1)  # the panel is up
    finally:
        await db.dispose()


async def test_a_step_that_no_longer_stands_lets_the_question_through(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER, SECOND)) as bot:
        org, other = await start(bot), await start(bot, SECOND)
        await people(bot, [(5001, "en", None)])
        svc = bot.services.broadcasts
        # asked for the text, and the answer comes after STEP_TTL: a question, answered as one
        await org.send("/broadcast")
        await org.reply(timeout=10)
        assert await step_of(bot, ORGANISER) == Step("text", 1, "en")
        bot.clock.advance(STEP_TTL + dt.timedelta(minutes=1))
        await org.send("where is the prayer room?")
        answer = await org.reply(timeout=10)
        assert "Broadcast #" not in answer.text and "Press a language" not in answer.text
        assert await step_of(bot, ORGANISER) is None
        b = await svc.get(1)
        assert b is not None and b.texts == {}
        # asked for a time, and the draft is cancelled meanwhile by the other organiser
        await compose(org, "Lunch is served")
        await org.press(text="Preview")  # the first broadcast's preview said "Ready to send" too
        await org.replies(1, timeout=30, predicate=lambda e: "Ready to send" in e.text)
        await org.press(text="Send at a time")
        assert "HH:MM" in (await org.reply(timeout=10)).text
        second = await bot.services.people.get(SECOND)
        assert second is not None
        await svc.cancel(second, 1)
        await org.send("where is the prayer room?")
        answer = await org.reply(timeout=10)
        assert "HH:MM" not in answer.text and "can no longer be changed" not in answer.text
        assert "Broadcast #" not in answer.text
        assert await step_of(bot, ORGANISER) is None
        b = await svc.get(1)
        assert b is not None and b.state == BroadcastState.CANCELLED and b.send_at is None
        # asked for a correction of a sent broadcast, which is recalled meanwhile
        await compose(org, "Wrong hall")
        await org.press(text="Preview")  # the first broadcast's preview said "Ready to send" too
        await org.replies(1, timeout=30, predicate=lambda e: "Ready to send" in e.text)
        await org.press(text="Send now")
        await wait_text(bot, org, "Broadcast #2: sent")
        await org.press(text="Correct the text")
        await org.reply(timeout=10)
        await org.press(text="English")
        assert "corrected text in English" in (await org.reply(timeout=10)).text
        assert await step_of(bot, ORGANISER) == Step("fix", 2, "en")
        await other.press_raw(callbacks.encode("bcast", "rcy.2"))
        await other.reply(timeout=10)
        await org.send("where is the prayer room?")
        answer = await org.reply(timeout=10)
        assert "being edited" not in answer.text and "recalled" not in answer.text
        assert await step_of(bot, ORGANISER) is None


async def liaison_prompt(user: SimUser) -> None:
    """From the menu, a new liaison request: the bot asks to describe it (the person's draft)."""
    await user.send("/menu")
    await user.reply(timeout=10)
    await user.press(text="Contact my liaison officer")
    await user.reply(timeout=10)
    await user.press(text="Transport")
    assert "describe your request" in (await user.reply(timeout=10)).text


async def test_the_most_recent_prompt_wins_between_a_broadcast_and_a_liaison_request(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        org = await start(bot)
        org_person = await bot.services.people.get(ORGANISER)
        assert org_person is not None
        minute = dt.timedelta(minutes=1)
        # the liaison request's prompt first, the broadcast's after it: the text is the broadcast's
        await liaison_prompt(org)
        bot.clock.advance(minute)
        await org.send("/broadcast")
        await org.reply(timeout=10)
        await org.send("The shuttle leaves at 18:00")
        assert "Texts: English" in (await org.reply(timeout=10)).text
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.texts == {"en": "The shuttle leaves at 18:00"}
        assert await bot.services.liaison.mine(org_person) == []
        # the broadcast's panel first, the liaison request's prompt after it: the request's; the
        # broadcast's step is forgotten (the next message is a question again)
        bot.clock.advance(minute)
        await liaison_prompt(org)
        await org.send("Please send a car to the Melia hotel")
        await wait_text(bot, org, "Request #1 is registered")
        [request] = await bot.services.liaison.mine(org_person)
        assert request.category == "transport"
        b = await bot.services.broadcasts.get(1)
        assert b is not None and b.texts == {"en": "The shuttle leaves at 18:00"}
        assert await step_of(bot, ORGANISER) is None
        await org.send("where is the prayer room?")
        answer = await org.reply(timeout=10)
        assert "Press a language" not in answer.text and "Broadcast #" not in answer.text
        # at the same moment (a clock standing still), the broadcast's prompt wins, as before
        await liaison_prompt(org)
        await org.send("/broadcast")
        await org.reply(timeout=10)
        await org.send("Another text")
        assert "Press a language" in (await org.reply(timeout=10)).text
        assert len(await bot.services.liaison.mine(org_person)) == 1


def test_a_time_in_year_one_is_not_understood_rather_than_an_error() -> None:
    """"0001-01-01 00:00" in a zone east of UTC is before the first instant Python can hold in
    UTC: it was an OverflowError out of the handler (the organiser got no answer)."""
    hanoi = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime(2025, 10, 25, 3, 0, tzinfo=dt.UTC)
    assert parse_time("0001-01-01 00:00", now, hanoi) is None
    assert parse_time("2025-02-30 10:00", now, hanoi) is None
    assert parse_time("2025-10-26 10:00", now, hanoi) == dt.datetime(2025, 10, 26, 3, 0, tzinfo=dt.UTC)


def test_a_progress_message_is_edited_every_few_seconds_not_every_second():
    """Each edit of the author's progress message takes one of the ~1 message/s Telegram allows
    in their chat: edited every second, it made the organiser's own replies 1-4 s late."""
    from handlers.broadcast import PROGRESS_EDIT_EVERY_S, progress_edit_due

    assert progress_edit_due(None, 100.0, "sending")  # never shown
    assert not progress_edit_due((100.0, "sending"), 101.0, "sending")  # counts moved a second later
    assert progress_edit_due((100.0, "sending"), 100.0 + PROGRESS_EDIT_EVERY_S, "sending")
    assert progress_edit_due((100.0, "sending"), 100.5, "done")  # the final report at once
