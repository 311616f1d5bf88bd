"""Browsing with buttons and asking in free text, through the emulator, on the demo pack."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

from bot import callbacks
from bot.i18n import translator
from bot.sandbox.state import Entry

TAG = re.compile(r"<[^>]+>")
MINI = Path(__file__).resolve().parent / "data" / "packs" / "qa-mini"


def labels(entry: Entry) -> list[str]:
    return [b["text"] for row in entry.buttons for b in row]


async def test_programme_day_and_session_card(bot) -> None:
    pack = bot.services.content.current.pack
    user = bot.user(9101, "Ana", language_code="es")
    await user.command("menu")
    await user.reply()
    es = translator("es")
    await user.press(text=es._("📅 Programme"))
    menu = await user.reply()
    first_day = es.heading(es.date(pack.event.start, fmt="day"))  # a button: "Sábado, 25 de octubre"
    assert first_day in labels(menu)
    await user.press(text=first_day)
    day = await user.reply()
    session = pack.sessions_sorted()[0]
    assert session.title.get("es", "en") in day.text
    # open the first session of the day
    await user.press(data=callbacks.encode("sess", session.id, pack_version=pack.version))
    card = await user.reply()
    assert session.title.get("es", "en") in card.text
    assert es.time(session.start, pack.tz) in card.text and es.time(session.end, pack.tz) in card.text


async def test_now_and_next_follows_the_clock(bot) -> None:
    pack = bot.services.content.current.pack
    session = next(s for s in pack.sessions_sorted() if s.kind != "logistics")
    bot.clock.set(session.start + dt.timedelta(minutes=5))
    user = bot.user(9102, "Ivan", language_code="ru")
    await user.command("menu")
    await user.reply()
    await user.press(data=callbacks.encode("prog", "now", pack_version=pack.version))
    now = await user.reply()
    assert session.title.get("ru", "en") in TAG.sub("", now.text)


async def test_stale_and_forged_buttons_get_a_polite_answer(bot) -> None:
    pack = bot.services.content.current.pack
    user = bot.user(9103, "Li", language_code="zh")
    await user.command("menu")
    menu = await user.reply()
    zh = translator("zh")
    oops = zh._("Sorry, something went wrong on our side. Please try again, or use /menu.")
    for data in ("v1|oldver|sess|no-such-session|0", "garbage", "v1|" + pack.version[:6] + "|drop|tables|0", "v9|x|menu||0"):
        update = await user.press_raw(data, message=menu)
        query = bot.emulator.query(update["callback_query"]["id"])
        for _ in range(300):  # the spinner on the phone is always stopped, with a polite word
            if query["answered"]:
                break
            await asyncio.sleep(0.01)
        assert query["answered"] and query["text"], data
        assert query["text"] in (zh._("This button is no longer valid."), zh._("The programme has been updated since this button was sent."))
    assert all(oops not in e.text for e in bot.emulator.outgoing(9103))
    # a button from an older pack that still points at an existing session keeps working
    session = pack.sessions_sorted()[0]
    await user.press_raw(f"v1|000000|sess|{session.id}|0", message=menu)
    assert session.title.get("zh", "en") in (await user.reply()).text


async def test_free_text_answers_in_the_users_language(bot) -> None:
    """Asked in the person's language: answered in it. Asked clearly in another (#16.4): in
    that one, with a one-tap offer to switch (tests/test_answer_language.py)."""
    content = bot.services.content.current
    pack = content.pack
    user = bot.user(9104, "Marie", language_code="fr")
    switches = 0
    for entry in pack.faq[:5]:
        for asked_in, question in (("fr", entry.questions["fr"][0]), ("en", entry.questions["en"][0])):
            match = content.engine.ask(question, "fr", bot.clock.now()).match
            assert match is not None, question
            await user.send(question)
            answered = await user.reply()
            switched = any("🌐" in label for label in answered.button_texts())
            assert not switched or asked_in == "en", question  # never away from the setting's own language
            switches += switched
            shown = "en" if switched else "fr"  # in the question's language only with the offer
            reply = TAG.sub("", answered.text).replace("&amp;", "&")
            if match.type == "faq":
                expected = TAG.sub("", pack.faq_entry(match.id).answer.get(shown, "en"))
            elif match.type == "session":
                expected = pack.session(match.id).title.get(shown, "en")
            else:
                continue
            assert expected.split("\n")[0][:40] in reply, (question, match)
            assert ("Last updated" if switched else "Dernière mise à jour") in reply
    assert switches >= 3  # most of the English questions


async def test_unanswered_questions_reach_organisers_without_identity(bot) -> None:
    user = bot.user(9105, "Otto", language_code="en")
    for text in ("What is the best karaoke bar near the venue?", "what is the best KARAOKE bar near the venue"):
        await user.send(text)
        reply = await user.reply()
        assert "help desk" in reply.text.lower()
    organiser = bot.user(900, "Org", language_code="en")
    await organiser.command("unanswered")
    report = await organiser.reply()
    assert "2×" in report.text and "karaoke" in report.text.lower()
    assert "Otto" not in report.text and "9105" not in report.text


async def test_bad_input_gets_a_short_helpful_reply(bot) -> None:
    user = bot.user(9106, "Noor", language_code="ar")
    ar = translator("ar")
    await user.send_sticker()
    # (ar.paragraph: in Arabic a message starts right-to-left and commands keep their slash in front)
    assert ar.paragraph(ar._("I can only read text messages. Please type your question, or use /menu.")) in (await user.reply()).text
    await user.send_photo()
    assert (await user.reply()).text
    await user.command("frobnicate", "now", "please")
    assert ar.paragraph(ar._("I don't know this command. Ask me a question in your own words, or use the menu.")) in (await user.reply()).text
    for text in ("x" * 4096, "🙂🙂🙂", "   .  ", "مرحبا hello 你好 привет", "\u202eevil\u202c", "/language zz"):
        await user.send(text)
        reply = await user.reply()
        assert reply.text.strip()
        assert ar.paragraph(ar._("Sorry, something went wrong on our side. Please try again, or use /menu.")) not in reply.text


async def test_venue_rooms_page_and_room_card_with_map(bot) -> None:
    pack = bot.services.content.current.pack
    venue = max(pack.venues, key=lambda v: len(v.rooms))
    user = bot.user(9107, "Sam", language_code="en")
    await user.command("menu")
    await user.reply()
    await user.press(text="📍 Venues and rooms")
    await user.reply()
    await user.press(text=venue.name.get("en"))
    page1 = await user.reply()
    assert venue.name.get("en") in page1.text
    if len(venue.rooms) > 8:
        await user.press(text="Next ▶", message=page1)
        page2 = await user.reply()
        assert venue.rooms[8].name.get("en") in labels(page2)
    room = venue.rooms[8] if len(venue.rooms) > 8 else venue.rooms[0]
    await user.press(text=room.name.get("en"))
    card = await user.reply()
    assert room.name.get("en") in card.text
    if room.directions:
        assert TAG.sub("", room.directions.get("en"))[:30] in TAG.sub("", card.text).replace("&amp;", "&")
    if venue.geo is not None:
        await user.press(text="🗺 Map", message=card)
        pin = await user.reply()
        assert pin.kind == "venue" and pin.extra["venue"]["location"]["latitude"] == venue.geo.lat


async def test_names_with_html_characters_are_shown_as_written(bot) -> None:
    user = bot.user(9107, "<Ann & Bob>", language_code="en")
    await user.command("start")
    reply = await user.reply()
    assert translator("en")._("Welcome, {name}!").format(name="<Ann & Bob>") in reply.text
    assert bot.services.content.current.pack.event.name.get("en") in reply.text
    assert not bot.emulator.errors


async def test_reload_refuses_a_broken_pack_and_keeps_serving(database_url: str, tmp_path) -> None:
    import shutil

    from tests.support import running_bot

    pack_dir = tmp_path / "pack"
    shutil.copytree(Path(__file__).parent / "data" / "packs" / "qa-mini", pack_dir)
    async with running_bot(database_url, content_dir=pack_dir, organiser_ids=(901,)) as bot:
        organiser = bot.user(901, "Org", language_code="en")
        en = translator("en")
        version = bot.services.content.current.pack.version
        event = pack_dir / "event.yaml"
        good = event.read_text(encoding="utf-8")
        event.write_text(good.replace("timezone:", "timezone: Mars/Olympus\nx_timezone:", 1), encoding="utf-8")
        await organiser.command("reload")
        refused = await organiser.reply(timeout=20)
        assert "event.yaml:" in refused.text and "was not loaded" in refused.text
        assert bot.services.content.current.pack.version == version  # the old pack still serves
        event.write_text(good.replace("Nairobi", "Nairobi (updated)", 1), encoding="utf-8")
        await organiser.command("reload")
        done = await organiser.reply(timeout=20)
        pack = bot.services.content.current.pack
        assert pack.version != version
        counts = en.join([en.ngettext("{n} session", "{n} sessions", len(pack.sessions)).format(n=len(pack.sessions)),
                          en.ngettext("{n} answer", "{n} answers", len(pack.faq)).format(n=len(pack.faq))])
        assert en._("Content reloaded (version {version}): {counts}.").format(version=pack.version, counts=counts) in done.text
        assert f"{len(pack.sessions)} sessions and {len(pack.faq)} answers" in done.text
        delegate = bot.user(902, "Del", language_code="en")
        await delegate.command("help")  # someone else is still answered
        assert (await delegate.reply()).text


async def test_a_near_miss_is_offered_and_its_button_answers(database_url: str) -> None:
    from tests.support import running_bot

    async with running_bot(database_url, content_dir=MINI) as bot:
        pack = bot.services.content.current.pack
        user = bot.user(9131, "Kofi", language_code="en")
        await user.send("where can I buy a tie")
        unsure = await user.reply()
        label = pack.faq_entry("dress-code").questions["en"][0]
        assert "not sure" in unsure.text and label in labels(unsure)
        await user.press(text=label, message=unsure)
        answer = TAG.sub("", (await user.reply()).text)
        assert TAG.sub("", pack.faq_entry("dress-code").answer.get("en", "en"))[:30] in answer
