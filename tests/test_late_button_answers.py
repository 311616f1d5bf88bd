"""A button press whose answer reaches Telegram too late (the query's time-out, e.g. a backlog
handled after a restart, or a slow moment) was still carried out: the person is not told that
something went wrong, and the operators get no report."""

from __future__ import annotations

from bot.i18n import translator
from tests.support import Harness


async def test_a_press_answered_too_late_gets_no_apology(bot: Harness) -> None:
    user = bot.user(9801, "Ana", language_code="en")
    await user.command("menu")
    menu = await user.reply()
    en = translator("en")
    bot.emulator.callback_query_ttl = 0.0  # every answer comes after the query's time-out
    await user.press(text=en._("📅 Programme"), message=menu)
    await user.command("help")
    assert "/agenda" in (await user.replies(1, predicate=lambda e: "/agenda" in (e.text or "")))[-1].text
    apology = en._("Sorry, something went wrong on our side. Please try again, or use /menu.")
    assert not any(apology in (e.text or "") for e in bot.emulator.history(user.id))
