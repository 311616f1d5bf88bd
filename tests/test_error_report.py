"""Unexpected errors reach the operators' chat (#11.7): what failed, where, the kind of update,
never the message's text; once per quiet period for the same failure; cut when too long."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import Update

from bot.i18n import translator
from handlers.error_report import MAX_REPORT, QUIET_PERIOD, report_text, update_kind
from tests.support import Harness, running_bot

OPERATORS = -1001234567
SECRET = "my passport number is X123 and where is the karaoke"


def fail_on_questions(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"could not answer {args[0]!r}")  # the message quotes the question

    monkeypatch.setattr(bot.services.content.current.engine, "ask", boom)


async def test_an_unexpected_error_is_reported_to_the_operators(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPERATOR_CHAT_ID", str(OPERATORS))
    async with running_bot(database_url) as bot:
        operators = bot.emulator.group(chat_id=OPERATORS, title="Operators")
        fail_on_questions(bot, monkeypatch)
        user = bot.user(9701, "Ilse", language_code="de")
        await user.send(SECRET)
        apology = await user.reply()
        en = translator("en")
        assert en._("Sorry, something went wrong on our side. Please try again, or use /menu.") in apology.text
        report = (await operators.wait_for(1))[-1].text
        assert "builtins.RuntimeError" in report
        assert "update: message (text)" in report and "chat: private 9701" in report
        assert "handlers/ask.py:" in report and "in on_text" in report
        assert "passport" not in report and "karaoke" not in report and "could not answer" not in report
        # the same failure again soon: no second report; after the quiet period, one with the count
        await user.send(SECRET)
        await user.reply()
        await user.send(SECRET)
        await user.reply()
        assert len(operators.bot_messages()) == 1
        bot.clock.advance(QUIET_PERIOD + dt.timedelta(seconds=1))
        await user.send(SECRET)
        await user.reply()
        report = (await operators.wait_for(2))[-1].text
        assert "the same failure happened 2 more time(s) since the last report" in report


async def test_an_unreachable_operators_chat_changes_nothing_for_the_person(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPERATOR_CHAT_ID", "-100999")  # a chat the bot is not in
    async with running_bot(database_url) as bot:
        fail_on_questions(bot, monkeypatch)
        user = bot.user(9702, "Ilse", language_code="fr")
        await user.send("où est la salle de prière ?")
        fr = translator("fr")
        assert fr._("Sorry, something went wrong on our side. Please try again, or use /menu.") in (await user.reply()).text
        await user.command("help")  # and the bot goes on
        assert (await user.reply()).text


def test_a_long_report_keeps_its_head_and_innermost_frames() -> None:
    def down(n: int) -> None:
        if n == 0:
            raise ValueError("deep")
        down(n - 1)

    try:
        down(400)
    except ValueError as exc:
        error = exc
    text = report_text(error, None, repeats=3)
    assert len(text) <= MAX_REPORT
    assert text.startswith("Unexpected error: builtins.ValueError")
    assert "outer frame(s) left out" in text and "in down" in text.splitlines()[-1]
    assert "3 more time(s)" in text


def test_the_kind_of_update_never_carries_its_content() -> None:
    sender = {"id": 5, "is_bot": False, "first_name": "A"}
    chat = {"id": 5, "type": "private"}
    command = Update.de_json(
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": "/invite delegate SECRET 5"}},
        None,
    )
    assert update_kind(command) == "message (command /invite)"
    button = Update.de_json(
        {"update_id": 2, "callback_query": {"id": "q", "from": sender, "chat_instance": "c", "data": "v1|abc|sess|secret-id|0"}},
        None,
    )
    assert update_kind(button) == "callback_query (button sess)"
    forged = Update.de_json(
        {"update_id": 3, "callback_query": {"id": "q", "from": sender, "chat_instance": "c", "data": "my secret"}}, None
    )
    assert update_kind(forged) == "callback_query (data not ours)"
    assert update_kind(None).startswith("none")


async def test_the_apology_is_in_the_language_the_person_chose(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Her phone is in English but she chose Arabic with /language: the bot speaks Arabic to
    her, its apology too (not the Telegram app's language)."""
    async with running_bot(database_url) as bot:
        user = bot.user(9703, "Salma", language_code="en")
        await user.command("language")
        await user.reply()
        await user.press(data="v1||lang|ar|0")
        await user.reply()
        fail_on_questions(bot, monkeypatch)
        await user.send("أين غرفة الصلاة؟")
        ar = translator("ar")
        apology = ar.paragraph(ar._("Sorry, something went wrong on our side. Please try again, or use /menu."))
        assert (await user.reply()).text == apology
