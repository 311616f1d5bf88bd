"""Answers in the language asked (#16.4): a question clearly written in another of the pack's
languages is answered in it, with a one-tap offer to switch; short, mixed or name-bearing
questions never flip the language."""

from __future__ import annotations

import pytest

from bot.answers.compose import compose, plain
from bot.answers.language import reading, switch_to
from bot.i18n import translator
from bot.store.models import Person
from tests.support import Harness

AIRPORT_EN = "How do I get from the airport to my hotel?"


def offer(lang: str) -> str:
    from bot.i18n import language_in_sentence

    return translator(lang)._("🌐 Always answer me in {language}").format(language=language_in_sentence(lang))


def expected_card(bot: Harness, question: str, setting: str, lang: str) -> str:
    content = bot.services.content.current
    answer = content.engine.ask(question, setting, bot.clock.now())
    assert answer.match is not None
    return plain(compose(answer, content.pack, lang).text)


async def person(bot: Harness, telegram_id: int) -> Person:
    from sqlalchemy import select

    async with bot.services.db.session() as s:
        found = await s.scalar(select(Person).where(Person.telegram_id == telegram_id))
    assert found is not None
    return found


async def test_a_question_in_another_language_is_answered_in_it_with_a_switch(bot: Harness) -> None:
    user = bot.user(7301, "Amélie", language_code="fr")
    await user.send(AIRPORT_EN)
    reply = await user.reply()
    english, french = expected_card(bot, AIRPORT_EN, "fr", "en"), expected_card(bot, AIRPORT_EN, "fr", "fr")
    assert english != french
    assert english[:80] in reply.text and french[:80] not in reply.text
    assert offer("en") in reply.button_texts()
    assert offer("fr") not in reply.button_texts()
    assert (await person(bot, 7301)).language == "fr"  # nothing changes until the person says so
    await user.press(text=offer("en"))
    done = await user.reply()
    assert translator("en")._("Language set to {language}.").format(language="English") in done.text
    assert (await person(bot, 7301)).language == "en"
    await user.send(AIRPORT_EN)  # now in their setting: no offer any more
    again = await user.reply()
    assert english[:80] in again.text and offer("en") not in again.button_texts()


async def test_another_script_switches_and_labels_the_offer_in_it(bot: Harness) -> None:
    user = bot.user(7302, "Minh", language_code="vi")
    question = "Как добраться из аэропорта до гостиницы?"
    await user.send(question)
    reply = await user.reply()
    assert expected_card(bot, question, "vi", "ru")[:80] in reply.text
    assert offer("ru") in reply.button_texts()


@pytest.mark.parametrize(
    ("question", "setting"),
    [
        ("Is there a transfer from Nội Bài airport?", "en"),  # a Vietnamese name in English
        ("wifi?", "fr"),  # too short
        ("le wifi password", "fr"),  # mixed
        ("Dónde está el Hội trường Ba Đình?", "es"),  # a Vietnamese name in Spanish
        ("Où est la salle Nguyễn Du ?", "fr"),
        ("badge perdu", "en"),  # two words: not clear enough
        ("COP30 UNFCCC 2026 Hanoi", "ru"),  # acronyms, numbers, names
        ("https://example.org/la-cena-de-gala-del-jueves", "fr"),  # a link
        ("gala dinner 19:30 Sofitel Legend Metropole", "vi"),
    ],
)
def test_names_numbers_and_short_or_mixed_questions_never_switch(question: str, setting: str) -> None:
    assert switch_to(question, setting) is None


def test_clear_questions_switch_and_only_into_the_packs_languages() -> None:
    assert switch_to("¿dónde está la sala de oración?", "en") == "es"
    assert switch_to("où se trouve la salle de prière ?", "es") == "fr"
    assert switch_to("where can I find the prayer room?", "fr") == "en"
    assert switch_to("phòng cầu nguyện ở đâu vậy?", "en") == "vi"
    assert switch_to("祈祷室在哪里？", "ar") == "zh"
    assert switch_to("أين غرفة الصلاة؟", "zh") == "ar"
    assert switch_to("¿dónde está la sala de oración?", "en", available=["en", "fr"]) is None
    assert switch_to("where can I find the prayer room?", "en") is None  # already the setting
    assert reading("where can I find the prayer room?").lang == "en"


def test_english_contractions_are_english() -> None:
    """"what's", "i'm", "don't": English, as "qu'il" and "l'aéroport" are French (an Arabic
    speaker's "what's on sunday before lunch" was answered in Arabic)."""
    assert switch_to("what's on sunday before lunch", "ar") == "en"
    assert switch_to("i'm lost, where's room 3", "fr") == "en"
    assert switch_to("c'est où le mcdonald's", "fr") is None  # a French question with a possessive
    assert switch_to("c'est où le mcdonald's", "es") == "fr"


async def test_a_short_question_stays_in_the_setting(bot: Harness) -> None:
    user = bot.user(7303, "Ana", language_code="es")
    await user.send("wifi password")
    reply = await user.reply()
    assert not any("🌐" in text for text in reply.button_texts())


def test_a_language_is_named_in_lower_case_inside_a_french_spanish_or_vietnamese_sentence():
    """"Toujours me répondre en français", not "en Français"; the picker keeps "Français"."""
    from bot.i18n import LANGUAGE_NAMES, language_in_sentence

    assert translator("fr")._("🌐 Always answer me in {language}").format(language=language_in_sentence("fr")) \
        == "🌐 Toujours me répondre en français"
    assert language_in_sentence("es") == "español" and language_in_sentence("vi") == "tiếng Việt"
    assert language_in_sentence("ru") == LANGUAGE_NAMES["ru"] and LANGUAGE_NAMES["fr"] == "Français"
