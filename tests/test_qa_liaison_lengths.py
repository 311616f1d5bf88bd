"""Liaison cards at Telegram's length limit (4,096 UTF-16 units): an officer who reads Arabic
gets a long request whose Latin runs the bot isolates (each isolate is two more units), and an
officer gets a request handed over with a long note; neither card may be refused as too long
(the outbox does not retry a refused message: the officer would never hear of the request);
and /queue counts what waits beyond the 30 it lists."""

from __future__ import annotations

from sqlalchemy import update

from bot.store.models import Person, Role
from bot.telegram_text import MESSAGE_TEXT, units
from tests.support import Harness
from tests.test_liaison_chat import answered_text, make_officer, open_request, wait_text

MIXED = "a ب " * 1000  # 4,000 characters: 1,000 Latin runs among Arabic words


async def test_an_arabic_reading_officer_gets_a_long_mixed_request(bot: Harness) -> None:
    anna = await make_officer(bot, 501, "Anna", languages=["en", "ar"])
    async with bot.services.db.session() as s:
        await s.execute(update(Person).where(Person.telegram_id == 501).values(language="ar"))
    await open_request(bot, MIXED)
    card = (await anna.replies(1, timeout=10, predicate=lambda e: "الطلب رقم 1" in (e.text or "")))[-1]
    assert units(card.text) <= MESSAGE_TEXT
    assert "a ب a ب" in card.text.replace("\u2066", "").replace("\u2069", "")  # the words, cut, are there


async def test_a_request_handed_over_with_a_long_note_reaches_the_new_holder(bot: Harness) -> None:
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    bob = await make_officer(bot, 502, "Bob", languages=["en"], duty=False)
    await open_request(bot, "🚗" * 2000)  # 4,000 units
    card = await wait_text(anna, "Request #1")
    assert "You now hold Request #1" in await answered_text(bot, await anna.press(text="Claim", message=card))
    await anna.send("/handover 1 502 " + "📝" * 2000)
    assert "handed over to Bob" in (await wait_text(anna, "handed over")).text
    handed = await wait_text(bob, "Handed over to you by Anna", timeout=10)
    assert units(handed.text) <= MESSAGE_TEXT and "📝📝📝" in handed.text


async def test_a_request_escalated_with_a_long_note_reaches_the_supervisors(bot: Harness) -> None:
    """/escalate's note is the rest of a command of up to 4,096 units: the supervisors' card
    cuts it (it was put in whole, the card was refused as too long, and nobody heard of it)."""
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    sam = await make_officer(bot, 601, "Sam", role=Role.SUPERVISOR, duty=False)
    await open_request(bot, "Car please")
    card = await wait_text(anna, "Request #1")
    assert "You now hold Request #1" in await answered_text(bot, await anna.press(text="Claim", message=card))
    await anna.send("/escalate 1 " + "x" * 4080)
    assert "escalated to the supervisors" in (await wait_text(anna, "escalated")).text
    escalated = await wait_text(sam, "Escalated", timeout=10)
    assert units(escalated.text) <= MESSAGE_TEXT and "xxxxxxxxxx" in escalated.text


async def test_queue_counts_every_unclaimed_request_not_the_first_30(bot: Harness) -> None:
    from sqlalchemy import select

    from bot.services.liaison_render import Sent

    anna = await make_officer(bot, 501, "Anna", languages=["en"], duty=False)
    alice = bot.user(1, "Alice", "en")
    await alice.send("/start")
    await alice.reply()
    async with bot.services.db.session() as s:
        person = await s.scalar(select(Person).where(Person.telegram_id == 1))
    assert person is not None
    for i in range(33):
        await bot.services.liaison.open(person, "transport", Sent("text", f"car {i}"))
    await anna.send("/queue")
    listing = await wait_text(anna, "Unclaimed")
    assert "Unclaimed</b>: 33" in listing.text or "Unclaimed: 33" in listing.text, listing.text
