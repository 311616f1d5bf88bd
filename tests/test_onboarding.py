"""Issue 3's acceptance: a person opens an invite link, gets the welcome and main menu in
French, switches to Arabic with /language, and is stored with the right delegation and role;
on SQLite and PostgreSQL, in polling and webhook mode, through the Bot API emulator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.i18n import RLM, translator
from bot.store.models import Person, Role
from tests.support import running_bot

ORGANISER = 900


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_invite_welcome_in_french_then_arabic(database_url: str, mode: str) -> None:
    async with running_bot(database_url, mode=mode, organiser_ids=(ORGANISER,)) as bot:
        organiser = bot.user(ORGANISER, "Org", language_code="en")
        await organiser.command("invite", "delegate", "FRA", "1", "10")
        reply = await organiser.reply()
        link = re.search(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)", reply.text)
        assert link, reply.text
        assert link.group(1) == bot.emulator.bot_user["username"]

        delegate = bot.user(5001, "Camille", language_code="fr-FR")
        await delegate.open_link(link.group(2))
        welcome = await delegate.reply()
        fr = translator("fr")
        assert "Bienvenue, Camille" in welcome.text
        # one sentence for a delegate, the country named in French (CLDR), never its code
        assert fr._("You are registered as a delegate of the delegation of {delegation}.").format(
            delegation="France"
        ) in welcome.text
        assert "Vous figurez parmi les membres de la délégation suivante\u00a0: France." in welcome.text
        assert "FRA" not in welcome.text
        labels = [b["text"] for row in welcome.buttons for b in row]
        assert fr._("📅 Programme") in labels and fr._("🌐 Language") in labels
        assert all(label not in labels for label in ("❓ Practical information", "🌐 Language"))

        await delegate.command("language")
        picker = await delegate.reply()
        assert "العربية" in [b["text"] for row in picker.buttons for b in row]
        await delegate.press(text="العربية")
        switched = await delegate.reply()
        ar = translator("ar")
        assert switched.text.startswith(RLM)
        assert ar._("Language set to {language}.").format(language="العربية") in switched.text
        assert re.search(r"[\u0600-\u06FF]", switched.text)
        assert ar._("📅 Programme") in [b["text"] for row in switched.buttons for b in row]

        # and the bot keeps speaking Arabic although Telegram still says French
        await delegate.command("help")
        assert re.search(r"[\u0600-\u06FF]", (await delegate.reply()).text)

        async with bot.services.db.session() as s:
            person = await s.scalar(select(Person).where(Person.telegram_id == 5001))
            assert person.language == "ar" and person.language_chosen
            assert person.role == Role.DELEGATE
            assert person.delegation is not None and person.delegation.code == "FRA"


async def test_used_or_forged_invite_is_refused_politely(bot) -> None:
    organiser = bot.user(900, "Org")
    await organiser.command("invite", "officer", "UNODC", "1")
    token = re.search(r"start=([A-Za-z0-9_-]+)", (await organiser.reply()).text).group(1)
    first = bot.user(6001, "Ana", language_code="es")
    await first.open_link(token)
    await first.replies(1)
    second = bot.user(6002, "Luis", language_code="es")
    await second.open_link(token)
    notice, welcome = await second.replies(2)
    es = translator("es")
    assert es._("This invite link has already been used. Please ask the organisers for a new one.") in notice.text
    assert "Luis" in welcome.text
    forged = bot.user(6003, "Eve", language_code="en")
    await forged.open_link("A" * 22)
    notice, _ = await forged.replies(2)
    assert "not valid" in notice.text
    assert (await bot.services.people.get(6001)).role == Role.OFFICER
    assert (await bot.services.people.get(6002)).role == Role.DELEGATE
    assert (await bot.services.people.get(6003)).delegation_id is None


async def test_organiser_commands_need_the_role(bot) -> None:
    intruder = bot.user(7001, "Mallory", language_code="en")
    await intruder.command("invite", "organiser", "XXX", "100")
    reply = await intruder.reply()
    assert "for organisers only" in reply.text
    assert "t.me" not in reply.text
    await intruder.command("unanswered")
    assert "for organisers only" in (await intruder.reply()).text
