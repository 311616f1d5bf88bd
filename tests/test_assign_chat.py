"""/assign in the chat: an organiser sees and sets what a liaison officer covers (languages,
request categories, delegations; routing then uses them, see test_liaison_service.py). Only
organisers; only officers can be assigned; words that are none of these
change nothing. Through the real bot and emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.i18n import translator
from bot.services import liaison_officers as officers
from bot.store.models import CoverKind, Role
from tests.support import Harness

ORGANISER = 900
en, ar = translator("en"), translator("ar")


async def covers(bot: Harness, telegram_id: int) -> dict[CoverKind, set[str]]:
    person = await bot.services.people.get(telegram_id)
    assert person is not None
    async with bot.services.db.session() as s:
        return dict((await officers.covers_of(s, [person.id])).get(person.id, {}))


async def test_an_organiser_assigns_an_officer_from_the_chat(bot: Harness) -> None:
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("help")
    assert "/assign" in (await organiser.reply()).text
    anna = bot.user(7501, "Anna", language_code="en")
    await anna.send("/start")
    await anna.reply(timeout=30)
    await bot.services.people.ensure_delegation("FRA", "France")

    await organiser.command("assign", "7501", "fr")  # not an officer yet: nothing changes
    answer = (await organiser.reply()).text
    assert en._("{person} is not a liaison officer. First: {command}").format(
        person="Anna (7501)", command="/role 7501 officer") in answer
    assert await covers(bot, 7501) == {}

    await bot.services.people.grant(7501, Role.OFFICER)
    await organiser.command("assign", "7501")
    assert en._("{person} has no assignment: they receive requests by routing when no one assigned is on duty.").format(
        person="Anna (7501)") in (await organiser.reply()).text

    await organiser.command("assign", "7501", "FR,fra", "Transport", "zorg", "🦄")  # two unknown words
    answer = (await organiser.reply()).text
    assert "Not understood:" in answer and "zorg" in answer and "🦄" in answer and "FR," not in answer
    assert await covers(bot, 7501) == {}  # all or nothing

    await organiser.command("assign", "7501", "FR,fra", "transport", "ar")
    answer = (await organiser.reply()).text
    assert en._("Assignment of {person}:").format(person="Anna (7501)") in answer
    assert en._("Delegations: {items}").format(items="FRA") in answer
    assert en._("Languages: {items}").format(items=en.join(sorted([en.language_name("ar"), en.language_name("fr")]))) in answer
    assert "Request categories: " in answer
    assert await covers(bot, 7501) == {CoverKind.DELEGATION: {"FRA"}, CoverKind.LANGUAGE: {"fr", "ar"},
                                       CoverKind.CATEGORY: {"transport"}}

    await organiser.command("assign", "7501", "NONE")  # everything removed
    assert "has no assignment" in (await organiser.reply()).text
    assert await covers(bot, 7501) == {}

    await organiser.command("assign")
    assert "Usage: /assign" in (await organiser.reply()).text
    await organiser.command("assign", "@nobody_here", "fr")
    assert en._("No one with this Telegram id or username has written to the assistant yet.") in (await organiser.reply()).text


async def test_only_organisers_assign(bot: Harness) -> None:
    anna = bot.user(7501, "Anna", language_code="ar")
    await anna.send("/start")
    await anna.reply(timeout=30)
    await bot.services.people.grant(7501, Role.SUPERVISOR)  # a supervisor is not an organiser
    await anna.command("assign", "7501", "fr")
    assert ar._("Sorry, this command is for organisers only.") in (await anna.reply()).text
    assert await covers(bot, 7501) == {}


async def test_a_delegation_whose_code_is_also_a_language_code(bot: Harness) -> None:
    """Delegations with two-letter codes (AR Argentina, ES Spain, RU Russia) can be assigned:
    typed as their code is written they are the delegation, in lower case the language."""
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("start")
    await organiser.reply(timeout=30)
    anna = bot.user(7501, "Anna", language_code="en")
    await anna.send("/start")
    await anna.reply(timeout=30)
    await bot.services.people.grant(7501, Role.OFFICER)
    await bot.services.people.ensure_delegation("AR", "Argentina")
    await organiser.command("assign", "7501", "AR", "es")
    answer = (await organiser.reply()).text
    assert en._("Delegations: {items}").format(items="AR") in answer
    assert await covers(bot, 7501) == {CoverKind.DELEGATION: {"AR"}, CoverKind.LANGUAGE: {"es"}}


async def test_an_assignment_longer_than_a_message_arrives_in_parts(bot: Harness) -> None:
    """Eighty delegations with long codes (imported from a CSV, say): the answer is split,
    nothing is lost."""
    organiser = bot.user(ORGANISER, "Org", language_code="ar")
    anna = bot.user(7501, "Anna", language_code="en")
    await anna.send("/start")
    await anna.reply(timeout=30)
    await bot.services.people.grant(7501, Role.OFFICER)
    codes = [f"delegation-{i:02d}-" + "x" * 50 for i in range(80)]
    for code in codes:
        await bot.services.people.ensure_delegation(code, code)
    officer = await bot.services.people.get(7501)
    assert officer is not None
    async with bot.services.db.session() as s:  # as `officers import` does: no chat message holds them all
        await officers.assign(s, officer, officers.Assignment("7501", delegations=codes), bot.clock)
    await organiser.command("assign", "7501")
    parts = await organiser.replies(2, timeout=30)
    text = "".join(p.text for p in parts)
    assert all(code in text for code in codes)
    assert await covers(bot, 7501) == {CoverKind.DELEGATION: set(codes)}
