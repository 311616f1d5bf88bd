"""NUL and other control characters where Telegram's data (and an organiser's) is stored
(#10.8). PostgreSQL refuses a NUL in any text: one NUL in a first name made every message of
that person fail with "briefly unavailable". They are dropped where the data enters the
services, on both databases, for every stored field: names, usernames, questions, delegation
codes and names, invite labels."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from bot.i18n import translator
from bot.services.invites import hash_token
from bot.services.storable import storable, storable_name
from bot.store.models import Delegation, Invite, Person, Role, UnansweredQuestion
from tests.support import Harness

ORGANISER = 900
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")
DIRTY_NAME = "A\x00na\x07 \x1bMar\x01ía"
DIRTY_QUESTION = "Where can I rent\x00 a kayak\x0b for the\x1f weekend?\x00"
UNAVAILABLE = "The service is briefly unavailable. Please send your message again in a minute."
LINK = re.compile(r"start=([A-Za-z0-9_-]+)")


def test_what_is_dropped_and_what_is_kept() -> None:
    assert storable("a\x00b\x01c\x08d\te\nf\x0bg\x0ch\ri\r\nj\x1fk\x7f") == "abcd\te\nfgh\ni\njk\x7f"
    assert storable("lone \ud800 half") == "lone \ufffd half"
    assert storable("\ud83d\ude00 joined") == "😀 joined"  # a pair given as two halves
    assert storable("Nguyễn 中文 عربي 😀") == "Nguyễn 中文 عربي 😀"


async def test_a_name_and_a_question_with_control_characters(bot: Harness) -> None:
    user = bot.emulator.user(7301, DIRTY_NAME, username="ana\x00_m", language_code="en")
    await user.start()
    welcome = await user.reply()
    en = translator("en")
    assert en._(UNAVAILABLE) not in welcome.text
    assert "Ana María" in welcome.text
    await user.send(DIRTY_QUESTION)
    answer = await user.reply()
    assert en._("I'm not sure I have the answer to that.") in answer.text
    await user.command("help")  # every message, not only the first
    assert "/menu" in (await user.reply()).text
    async with bot.services.db.session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 7301))
        kept = await session.scalar(select(UnansweredQuestion))
    assert person.first_name == "Ana María" and person.username == "ana_m"
    assert kept.text == "Where can I rent a kayak for the weekend?"
    assert not CONTROLS.search(kept.normalised)


async def test_invites_from_the_chat_and_from_a_csv_file_with_control_characters(bot: Harness) -> None:
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("invite", "delegate", "F\x00RA\x07", "2")
    reply = await organiser.reply()
    token = LINK.search(reply.text)
    assert token, reply.text
    rows = await bot.services.invites.import_csv(
        "delegation,delegation_name,role,uses,label\nD\x00EU,Ger\x00many\x1b,delegate,1,Herr\x00 Schmidt\x07\n",
        default_ttl=dt.timedelta(days=3),
    )
    assert not any(row.error for row in rows), rows
    newcomer = bot.user(7302, "Jean\x00-Luc\x02", language_code="fr")
    await newcomer.open_link(token.group(1))
    welcome = await newcomer.reply()
    assert translator("fr")._(UNAVAILABLE) not in welcome.text
    async with bot.services.db.session() as session:
        codes = sorted(await session.scalars(select(Delegation.code)))
        names = sorted(await session.scalars(select(Delegation.name)))
        invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(rows[0].token or "")))
        person = await session.scalar(select(Person).where(Person.telegram_id == 7302))
    assert codes == ["DEU", "FRA"] and names == ["FRA", "Germany"]
    assert invite.label == "Herr Schmidt"
    assert person.first_name == "Jean-Luc" and person.delegation.code == "FRA"



def test_a_name_loses_bidi_overrides_and_isolates_but_keeps_marks() -> None:
    assert storable_name("Eve\u202e") == "Eve"
    assert storable_name("\u2067علي\u2069 \u202aX\u202c \u2066Y\u2069") == "علي X Y"
    assert storable_name("\u200fسلمى\u200e") == "\u200fسلمى\u200e"
    assert storable("Eve\u202e") == "Eve\u202e"  # a person's words are left as typed


async def test_a_right_to_left_override_in_a_name_cannot_reverse_an_organisers_line(bot: Harness) -> None:
    """"Eve" + U+202E: the organiser's "Role of Eve (7302): delegate." would show the id reversed."""
    eve = bot.emulator.user(7302, "Eve\u202e", username="eve\u202e_x", language_code="en")
    await eve.start()
    await eve.reply()
    organiser = bot.user(ORGANISER, "Olga", language_code="en")
    await organiser.start()
    await organiser.reply()
    await bot.services.people.grant(ORGANISER, Role.ORGANISER)
    await organiser.command("role", "7302")
    answer = (await organiser.reply()).text
    assert "Eve (7302)" in answer and "\u202e" not in answer
    person = await bot.services.people.get(7302)
    assert person is not None and person.first_name == "Eve" and person.username == "eve_x"
