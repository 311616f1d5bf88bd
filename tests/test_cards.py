"""Cards never show a session time or room that differs from the pack.

For every session of the demo pack (content/hanoi-2025) and of the test pack, in all
seven languages: the session card shows the pack's own start and end time in the event's
time zone, with the zone label, and the session's room name, and no other clock time.
The schedule lines and the composed answer for "when is ..." are checked the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.answers.compose import plain as plain_html
from bot.answers.compose import render
from bot.answers.engine import Match
from bot.bidi import visible
from bot.cards import faq_card, room_card, schedule_line, session_card, venue_card
from bot.catalog.loader import load_pack
from bot.catalog.models import SUPPORTED_LANGUAGES, ContentPack, Session
from bot.i18n import translator

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content" / "hanoi-2025"
MINI = ROOT / "tests" / "data" / "packs" / "qa-mini"
# a clock time as the translators print it: 09:00, 9:00, 9:00 ص, 21:30 ...
CLOCK = re.compile(r"(?<![\d/.])(\d{1,2}:\d{2})(?!\d)")


def plain(html: str) -> str:
    """A card as read: its text without tags, entities, direction marks or isolates."""
    return visible(plain_html(html))


def _demo_pack() -> ContentPack | None:
    if not (DEMO / "programme.yaml").exists() or not (DEMO / "venues.yaml").exists():
        return None
    return load_pack(DEMO)


PACKS = {"qa-mini": lambda: load_pack(MINI), "hanoi-2025": _demo_pack}


def _sessions(name: str) -> list[tuple[str, str]]:
    pack = PACKS[name]()
    if pack is None:
        return []
    return [(name, s.id) for s in pack.sessions]


_cache: dict[str, ContentPack] = {}


def _pack(name: str) -> ContentPack:
    if name not in _cache:
        pack = PACKS[name]()
        if pack is None:
            pytest.skip("content/hanoi-2025 is not complete yet (no programme.yaml/venues.yaml)")
        _cache[name] = pack
    return _cache[name]


def _cases() -> list:
    cases = [pytest.param(name, sid, id=f"{name}:{sid}") for name, sid in _sessions("qa-mini")]
    demo = _sessions("hanoi-2025")
    if demo:
        cases += [pytest.param(name, sid, id=f"{name}:{sid}") for name, sid in demo]
    else:
        cases.append(pytest.param("hanoi-2025", "", id="hanoi-2025",
                                  marks=pytest.mark.skip(reason="content/hanoi-2025 is not complete yet")))
    return cases


def _clock_times(text: str) -> set[str]:
    return {m.group(1).lstrip("0") or "0" for m in CLOCK.finditer(text)}


def _expected_times(session: Session, pack: ContentPack, lang: str) -> set[str]:
    t = translator(lang)
    return _clock_times(t.time(session.start, pack.tz) + " " + t.time(session.end, pack.tz))


def _pack_texts(session: Session, pack: ContentPack, lang: str) -> str:
    """Pack text on the card (summary, directions): their own times are the pack's words."""
    parts = [session.summary.get(lang, pack.default_language) if session.summary else ""]
    found = pack.place(session.room)
    if found:
        room, venue = found
        for d in ((room.directions if room else None), venue.directions):
            if d:
                parts.append(d.get(lang, pack.default_language))
    parts.append(session.title.get(lang, pack.default_language))
    return " ".join(parts)


def _room_name(session: Session, pack: ContentPack, lang: str) -> str:
    room, venue = pack.place(session.room)
    return (room.name if room else venue.name).get(lang, pack.default_language)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize(("pack_name", "session_id"), _cases())
def test_session_card_shows_the_packs_time_and_room(pack_name, session_id, lang):
    pack = _pack(pack_name)
    session = pack.session(session_id)
    assert session is not None
    t = translator(lang)
    card = plain(session_card(session, pack, lang))
    start, end = t.time(session.start, pack.tz), t.time(session.end, pack.tz)
    # the exact strings the translator prints for the pack's times, in the event zone
    assert start in card and end in card
    assert t.zone_label(pack.tz, session.start) in card
    local = session.start.astimezone(pack.tz)
    assert local.hour == session.start.hour and local.minute == session.start.minute  # naive = event-local
    assert _room_name(session, pack, lang) in card
    # no clock time on the card other than the session's own (or those the pack's text says)
    shown = _clock_times(card) - _clock_times(_pack_texts(session, pack, lang))
    assert shown <= _expected_times(session, pack, lang), f"unexpected times {shown} in {card!r}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("pack_name", ["qa-mini", "hanoi-2025"])
def test_schedule_lines_and_rendered_answers(pack_name, lang):
    pack = _pack(pack_name)
    t = translator(lang)
    for session in pack.sessions:
        line = plain(schedule_line(t, session, pack, lang))
        assert t.time(session.start, pack.tz) in line and t.time(session.end, pack.tz) in line
        assert _room_name(session, pack, lang) in line
        assert _clock_times(line) - _clock_times(session.title.get(lang, pack.default_language)) <= _expected_times(session, pack, lang)
        rendered = render(Match("session", session.id, 1.0), pack, lang)
        assert rendered is not None and t.time(session.start, pack.tz) in plain(rendered)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_other_cards_render_and_escape(lang):
    pack = _pack("qa-mini")
    for entry in pack.faq:
        card = visible(faq_card(entry, pack, lang))
        assert entry.answer.get(lang, pack.default_language)[:20].replace("&", "&amp;")[:10] in card
    for venue in pack.venues:
        assert plain(venue_card(venue, pack, lang)).strip()
        for room in venue.rooms:
            card = plain(room_card(room, venue, pack, lang))
            assert room.name.get(lang, pack.default_language) in card
    for contact in pack.event.contacts:
        card = plain(render(Match("contact", contact.id, 1.0), pack, lang) or "")
        if contact.phone:
            assert contact.phone in card


def test_arabic_cards_are_right_to_left():
    pack = _pack("qa-mini")
    card = session_card(pack.sessions[0], pack, "ar")
    assert card.startswith("\u200f")
    assert "\u2068" in card  # embedded times and names are isolated


def test_commands_in_arabic_keep_their_slash_in_front():
    """In a right-to-left line a leading "/" would be drawn after the word ("menu/"): a
    left-to-right mark goes before each command's slash, never inside tags or URLs."""
    t = translator("ar")
    text = t.paragraph("/menu – القائمة\n<b>x</b> https://example.org/map /help")
    # every line of the message is a right-to-left paragraph
    assert text == "\u200f\u200e/menu – القائمة\n\u200f<b>x</b> https://example.org/map \u200e/help"
    assert t.paragraph(text) == text  # applying it twice changes nothing
    assert translator("fr").paragraph("/menu") == "/menu"


def test_last_updated_line_uses_the_entrys_date_else_the_packs():
    pack = _pack("qa-mini")
    t = translator("en")
    card = plain(session_card(pack.sessions[0], pack, "en"))
    assert "Last updated: " + t.date(pack.updated, pack.tz, fmt="medium") in card


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_room_card_gives_the_rooms_capacity_in_the_readers_numbers(lang):
    """'How many people fit in the plenary hall' is answered by the room's card, so it shows the
    pack's ``capacity``, counted with the language's plural and written in its digits; a room
    without one shows no such line."""
    pack = _demo_pack() or _pack("qa-mini")
    t = translator(lang)
    sized = [(r, v) for v in pack.venues for r in v.rooms if r.capacity]
    assert sized, "the pack gives no room a capacity"
    room, venue = sized[0]
    card = plain(room_card(room, venue, pack, lang))
    line = t.ngettext("Capacity: {n} seat", "Capacity: {n} seats", room.capacity)
    assert line.format(n=t.number(room.capacity)) in card
    assert t.number(room.capacity) in card
    bare = room.model_copy(update={"capacity": None})
    assert line.split("{")[0].strip() not in plain(room_card(bare, venue, pack, lang))
