"""Numbers typed or forged by hostile users in the new features: a superscript digit ("²",
which ``str.isdigit`` accepts and ``int`` refuses) or a number beyond the 32-bit id columns
(PostgreSQL refuses it) is answered like any other mistake, never with "something went wrong"."""

from __future__ import annotations

from bot import callbacks
from bot.i18n import translator
from handlers import Action
from tests.support import Harness
from tests.test_learn import KARAOKE, ORGANISER, ask_unanswered, learnt_rows
from tests.test_liaison_chat import answered_text, make_officer

EN = translator("en")
BROKEN = EN._("Sorry, something went wrong on our side. Please try again, or use /menu.")
HUGE = "99999999999"  # fits the old 12-digit patterns, not an INTEGER column


async def test_agenda_settings_refuse_a_superscript_digit(bot: Harness) -> None:
    user = bot.user(7501, "Sam", language_code="en")
    await user.command("reminders", "²")
    assert "Choose 10, 15, 30 or 60 minutes" in (await user.reply()).text
    await user.command("briefing", "²")
    assert "Choose an hour from 0 to 23" in (await user.reply()).text
    await user.command("briefing", "7")  # a plain digit still works
    assert BROKEN not in (await user.reply()).text


async def test_attach_refuses_a_superscript_digit_and_a_huge_number(bot: Harness) -> None:
    await ask_unanswered(bot, 7502, KARAOKE)
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    for number in ("²", HUGE, f"#{HUGE}"):
        await organiser.command("attach", number, "wifi")
        reply = (await organiser.reply()).text
        assert "Usage: /attach" in reply, (number, reply)
    for data in (callbacks.encode(Action.LEARN, HUGE),
                 callbacks.encode(Action.ATTACH, f"{HUGE}:f:wifi",
                                  pack_version=bot.services.content.current.pack.version)):
        pressed = await organiser.press_raw(data)
        assert await answered_text(bot, pressed) == EN._("This button is no longer valid."), data
    assert not await learnt_rows(bot)


async def test_liaison_refuses_a_request_number_beyond_the_id_column(bot: Harness) -> None:
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    await anna.command("escalate", HUGE, "urgent")
    assert "Use /escalate NUMBER" in (await anna.reply()).text
    await anna.command("handover", HUGE, "@anna", "note")
    assert "Use /handover NUMBER OFFICER" in (await anna.reply()).text
    for action, argument in ((Action.LIAISON_CLAIM, HUGE), (Action.LIAISON_SHOW, HUGE),
                             (Action.LIAISON_RATE, f"{HUGE}.5"), (Action.LIAISON_CANCEL, HUGE)):
        pressed = await anna.press_raw(callbacks.encode(action, argument))
        assert await answered_text(bot, pressed) == EN._("This button is no longer valid."), action


async def test_a_telegram_id_beyond_bigint_is_nobody(bot: Harness) -> None:
    """20 digits pass the id pattern of /focal and /role but not PostgreSQL's BIGINT: it was
    "the service is briefly unavailable"."""
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    nobody = EN._("No one with this Telegram id or username has written to the assistant yet.")
    for command in (("focal", "99999999999999999999", "on"), ("role", "99999999999999999999", "officer")):
        await organiser.command(*command)
        assert nobody in (await organiser.reply()).text, command
