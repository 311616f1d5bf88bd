"""Forged or malformed button data never raise: every argument of every button is checked in
one place, and whatever does not pass gets the invalid-data handler's polite answer (#10.6)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.i18n import language_in_sentence, translator
from tests.support import Harness

TAG_FREE_OOPS = "Sorry, something went wrong on our side. Please try again, or use /menu."


async def answered_text(bot: Harness, update: dict[str, Any]) -> str:
    query = bot.emulator.query(update["callback_query"]["id"])
    for _ in range(500):  # the spinner on the phone is always stopped, with a polite word
        if query["answered"]:
            break
        await asyncio.sleep(0.01)
    assert query["answered"], update["callback_query"]["data"]
    return query["text"] or ""


async def test_forged_arguments_get_the_invalid_data_answer(bot) -> None:
    pack = bot.services.content.current.pack
    ver = pack.version[:6]
    venue = max(pack.venues, key=lambda v: len(v.rooms))
    category = pack.faq[0].category
    session = pack.sessions_sorted()[0]
    user = bot.user(9601, "Wei", language_code="zh")
    zh = translator("zh")
    await user.command("menu")
    menu = await user.reply()
    forged = [
        f"v1|{ver}|lang|zz|0",  # not a language (raised ValueError)
        f"v1|{ver}|prog|day:9999-12-31|0",  # the last day there is (raised OverflowError)
        f"v1|{ver}|prog|day:0001-01-01|0",
        f"v1|{ver}|prog|day:2025-13-45|0",
        f"v1|{ver}|prog|day:1999-01-01|0",  # a real date, but not a day of this event
        f"v1|{ver}|prog|kind:karaoke|0",
        f"v1|{ver}|prog|everything|0",
        f"v1|{ver}|sess|no-such-session|0",
        f"v1|{ver}|venue|no-such-venue|0",
        f"v1|{ver}|room|no-such-room|0",
        f"v1|{ver}|map|no-such-place|0",
        f"v1|{ver}|faq|no-such-topic|0",
        f"v1|{ver}|faqe|no-such-entry|0",
        f"v1|{ver}|contact|no-such-contact|0",
        f"v1|{ver}|menu|surprise|0",  # an argument where none is taken
        f"v1|{ver}|contacts||3",  # a page where there are no pages
        f"v1|{ver}|sess|{session.id}|7",
        f"v1|{ver}|venue|{venue.id}|9999",  # a page out of range
        f"v1|{ver}|faq|{category}|500",
        f"v1|{ver}|prog|day:{pack.event.start.isoformat()}|80",
        f"v1|{ver}|nope||0",  # an unknown kind of button
        f"v1|{ver}|sess|{session.id}|0|extra",
        f"v1|{ver}|sess|{session.id}|-1",
        f"v1|{ver}|sess|{session.id}|x",
        "v1",
        "|||||",
    ]
    for data in forged:
        update = await user.press_raw(data, message=menu)
        assert await answered_text(bot, update) == zh._("This button is no longer valid."), data
    assert not any(TAG_FREE_OOPS in e.text or zh._(TAG_FREE_OOPS) in e.text for e in bot.emulator.outgoing(9601))
    # the person can carry on: the menu was put back and real buttons work
    await user.press_raw(f"v1|{ver}|sess|{session.id}|0", message=menu)
    assert session.title.get("zh", "en") in (await user.reply()).text


async def test_real_pages_and_arguments_still_work(bot) -> None:
    pack = bot.services.content.current.pack
    ver = pack.version[:6]
    venue = max(pack.venues, key=lambda v: len(v.rooms))
    user = bot.user(9602, "Ana", language_code="en")
    await user.command("menu")
    menu = await user.reply()
    if len(venue.rooms) > 8:
        await user.press_raw(f"v1|{ver}|venue|{venue.id}|1", message=menu)
        page = await user.reply()
        assert venue.rooms[8].name.get("en") in [b["text"] for row in page.buttons for b in row]
    await user.press_raw(f"v1|{ver}|lang|fr|0", message=menu)
    fr = translator("fr")
    assert fr._("Language set to {language}.").format(language=language_in_sentence("fr")) in (await user.reply()).text
