"""Right-to-left safety (#17.1): in an Arabic reply, phone numbers, e-mail addresses, URLs,
codes and Latin-script names keep their own order.

Checked as a reader's screen would show them: each line of a reply the real bot sent through
the emulator is laid out by the Unicode Bidirectional Algorithm (python-bidi, as Telegram's
apps lay out each paragraph, its direction taken from its first strong character), and the
value must appear in its logical order in that visual line ("+84 24 3999 2520", never
"2520 3999 24 84+")."""

from __future__ import annotations

import html
import re

import pytest
from bidi import get_base_level, get_display

from bot.bidi import LRI, PDI, isolate_ltr_runs, ltr_runs, visible
from bot.catalog.loader import load_pack
from bot.i18n import translator
from tests.support import DEMO_PACK, Harness

PHONE = "+84 24 3999 2520"  # the Transport Desk, in the demo pack's texts and contacts
_TAG = re.compile(r"<[^>]+>")


def screen_lines(message_html: str) -> list[str]:
    """The message as shown: each line (a paragraph) laid out by the bidi algorithm with its
    own direction, direction marks and isolates then dropped."""
    text = html.unescape(_TAG.sub("", message_html))
    return [visible(get_display(line)) for line in text.split("\n")]


def shown_in_order(message_html: str, value: str) -> bool:
    return any(value in line for line in screen_lines(message_html))


def arabic_lines_are_right_to_left(message_html: str) -> list[str]:
    """The lines with Arabic in them that would be laid out left to right (none, we want)."""
    text = html.unescape(_TAG.sub("", message_html))
    return [line for line in text.split("\n") if re.search("[\u0600-\u06ff]", line) and get_base_level(line) != 1]


# ---- the function -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        (f"يُرجى الاتصال بمكتب النقل: {PHONE}.", [PHONE]),
        ("البريد: transport@hanoi-convention.example أو الموقع https://example.org/a?b=1", ["transport@hanoi-convention.example", "https://example.org/a?b=1"]),
        ("يعمل تطبيقا Grab وXanh SM بشكل جيد", ["Grab", "Xanh SM"]),
        ("شباك صرافة تابع لـVietcombank، وBIDV", ["Vietcombank", "BIDV"]),
        ("العنوان للسائق: Trung tâm Hội nghị Quốc gia، Đại lộ Thăng Long", ["Trung tâm Hội nghị Quốc gia", "Đại lộ Thăng Long"]),
        ("القاعات من B01 إلى B16", ["B01", "B16"]),
        ("محطة Noi Bai (Terminal 2) ثم", ["Noi Bai (Terminal 2)"]),
        ("الهاتف (+84) فقط", ["+84"]),
        # numbers, times and dates the algorithm keeps whole, and ranges read right to left
        ("من 06:00 إلى 22:00، يومي 25 و26", []),
        ("06:00–22:00 و25–26/10 و2025-10-25 و30 دقيقة", []),
    ],
)
def test_the_runs_that_are_isolated(text: str, runs: list[str]) -> None:
    assert [text[a:b] for a, b in ltr_runs(text)] == runs
    isolated = isolate_ltr_runs(text)
    for run in runs:
        assert f"{LRI}{run}{PDI}" in isolated
    assert visible(isolated) == text


def test_a_text_with_its_own_isolates_and_a_left_to_right_language_are_left_alone() -> None:
    own = f"الهاتف: \u2066{PHONE}\u2069"
    assert isolate_ltr_runs(own) == own
    assert translator("fr").embed(f"Téléphone : {PHONE}") == f"Téléphone : {PHONE}"
    assert translator("ar").embed(f"الهاتف: {PHONE}") == f"الهاتف: {LRI}{PHONE}{PDI}"


def test_the_screen_check_can_fail() -> None:
    """Without the isolates, the algorithm shows the phone number back to front: the check
    below is no formality."""
    bare = f"يُرجى الاتصال بمكتب النقل: {PHONE}."
    assert not shown_in_order(bare, PHONE)
    assert "2520 3999 24 84+" in screen_lines(bare)[0]
    assert shown_in_order(translator("ar").embed(bare), PHONE)
    # a line of an Arabic card that starts with a Latin word is laid out left to right
    assert arabic_lines_are_right_to_left("Wi-Fi متوفر في القاعات")
    assert not arabic_lines_are_right_to_left(translator("ar").paragraph(translator("ar").embed("Wi-Fi متوفر في القاعات")))


def test_every_arabic_text_of_the_demo_pack_shows_its_phones_and_addresses_in_order() -> None:
    """All of them, through the cards' one helper (the 29 lines the reviser found)."""
    from bot.catalog.checks import texts

    pack = load_pack(DEMO_PACK)
    t = translator("ar")
    value = re.compile(r"\+\d[\d ]+\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+[\w/]")
    checked = 0
    for item in [pack.event, *pack.venues, *pack.sessions, *pack.faq]:
        for _path, text in texts(item, ()):
            arabic = text.root.get("ar")
            if not arabic:
                continue
            shown = t.paragraph(t.embed(arabic))
            for found in value.findall(arabic):
                assert shown_in_order(shown, found), (found, screen_lines(shown))
                checked += 1
    assert checked >= 29


# ---- replies of the real bot --------------------------------------------------------------


async def test_arabic_replies_keep_phones_e_mails_and_latin_names_in_order(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    ar = translator("ar")
    user = bot.user(7701, "John Smith", language_code="ar")

    await user.command("start")
    welcome = (await user.reply()).text
    assert shown_in_order(welcome, "John Smith")
    assert arabic_lines_are_right_to_left(welcome) == []

    # the help desk's card: every contact's phone and e-mail
    await user.press(text=ar._("☎️ Help desk"))
    contacts = (await user.reply()).text
    for contact in pack.event.contacts:
        if contact.phone:
            assert shown_in_order(contacts, contact.phone), (contact.phone, screen_lines(contacts))
        if contact.email:
            assert shown_in_order(contacts, contact.email), contact.email
    assert shown_in_order(contacts, PHONE)
    assert arabic_lines_are_right_to_left(contacts) == []

    # answers whose Arabic text holds a phone number, a network's name, a Vietnamese address
    for entry_id, values in {
        "airport-transfer": [PHONE],
        "wifi": ["HanoiConvention-Delegates", "Hanoi2025"],
        "taxi-grab": ["Trung tâm Hội nghị Quốc gia", "Xanh SM"],
    }.items():
        entry = pack.faq_entry(entry_id)
        assert entry is not None
        await user.send(entry.questions["ar"][0])
        answer = (await user.reply()).text
        assert entry.answer.get("ar")[:12] in visible(answer), (entry_id, answer)
        for shown in values:
            assert shown in entry.answer.get("ar")
            assert shown_in_order(answer, shown), (entry_id, shown, screen_lines(answer))
        assert arabic_lines_are_right_to_left(answer) == []
