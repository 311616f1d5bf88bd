"""Dates, times and speakers as each language writes them (#17.4, speakers), on rendered
cards and replies.

Times are 24-hour with two-digit hours in every language ("08:30", as the pack and UN practice
write them; not "8:30 ص" nor Spanish "8:30"); Arabic months are named in both calendars as UN
Arabic writes them; Vietnamese dates read as the pack does ("Thứ Bảy, ngày 25/10", never
"Th 7" or "thg 10"); the event's days are one range from Babel's ``format_interval``; a
heading that starts with a date starts with a capital where the language has capitals.
Speakers are translated texts; a group is never counted as people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.bidi import visible
from bot.cards import event_dates, schedule_list, session_card, speakers_line
from bot.catalog.loader import check_pack, load_pack
from bot.catalog.models import SUPPORTED_LANGUAGES, Speaker, Text
from bot.i18n import translator
from tests.support import DEMO_PACK, Harness

MINI = Path(__file__).parent / "data" / "packs" / "qa-mini"
PACK = load_pack(DEMO_PACK)
OPENING = PACK.session("opening-ceremony")  # Saturday 25 October 2025, 08:30–10:00
assert OPENING is not None


def card(lang: str) -> str:
    assert OPENING is not None
    return visible(session_card(OPENING, PACK, lang))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_times_are_24_hour_with_two_digits(lang: str) -> None:
    shown = card(lang)
    assert "08:30–10:00" in shown, shown
    assert not re.search(r"(?<!\d)8:30|\b(AM|PM)\b|[صم](?=\s|$)", shown.split("\n")[1]), shown.split("\n")[1]


def test_each_language_writes_the_day_as_its_documents_do() -> None:
    when = {lang: card(lang).split("\n")[1] for lang in SUPPORTED_LANGUAGES}
    assert when["en"] == "🕘 Saturday 25 October, 08:30–10:00 (UTC+7)"
    assert when["fr"] == "🕘 Samedi 25 octobre, 08:30–10:00 (UTC+7)"
    assert when["es"] == "🕘 Sábado, 25 de octubre, 08:30–10:00 (UTC+7)"
    assert when["ru"] == "🕘 Суббота, 25 октября, 08:30–10:00 (UTC+7)"
    assert when["ar"] == "🕘 السبت، 25 تشرين الأول/أكتوبر، 08:30–10:00 (UTC+7)"
    assert when["zh"] == "🕘 10月25日星期六，08:30–10:00（UTC+7）"
    assert when["vi"] == "🕘 Thứ Bảy, ngày 25/10, 08:30–10:00 (UTC+7)"
    assert "thg" not in card("vi") and "Th 7" not in card("vi")


def test_arabic_months_are_named_in_both_calendars_wherever_a_date_is_formatted() -> None:
    ar = translator("ar")
    dates = [ar.date(PACK.event.start, fmt=fmt) for fmt in ("day", "short-day", "medium", "long")]
    dates += [ar.datetime(OPENING.start, PACK.tz), ar.dates(PACK.event.start, PACK.event.end), card("ar")]
    for shown in dates:
        assert "تشرين الأول/أكتوبر" in shown, shown
        assert "أكتوبر" not in shown.replace("تشرين الأول/أكتوبر", ""), shown
    import datetime as dt

    assert ar.date(dt.date(2025, 12, 1), fmt="long") == "1 كانون الأول/ديسمبر 2025"
    assert ar.date(dt.date(2026, 6, 1), fmt="long") == "1 حزيران/يونيه 2026"


def test_the_events_days_are_one_range() -> None:
    got = {lang: visible(event_dates(translator(lang), PACK)) for lang in SUPPORTED_LANGUAGES}
    assert got["en"] == "The event takes place on 25–26 October 2025."
    assert got["fr"] == "Dates de la Conférence\u00a0: 25–26 octobre 2025."
    assert got["es"] == "Fechas de la Conferencia: 25–26 de octubre de 2025."
    assert got["ru"] == "Даты проведения Конференции: 25–26 октября 2025\u202fг."  # not "г.."
    assert got["ar"] == "يُعقد المؤتمر في 25–26 تشرين الأول/أكتوبر 2025."
    assert got["zh"] == "本次会议于2025年10月25日至26日举行。"
    assert got["vi"] == "Hội nghị diễn ra ngày 25–26/10/2025."
    import datetime as dt

    assert translator("en").dates(dt.date(2025, 10, 30), dt.date(2025, 11, 2)) == "30 October\u2009–\u20092 November 2025"  # CLDR's thin spaces
    assert translator("vi").dates(dt.date(2025, 10, 30), dt.date(2025, 11, 2)) == "30/10–2/11/2025"
    assert translator("fr").dates(dt.date(2025, 10, 25), dt.date(2025, 10, 25)) == "25 octobre 2025"


def test_a_heading_capitalises_a_date_a_sentence_does_not() -> None:
    fr, ru = translator("fr"), translator("ru")
    day = fr.date(PACK.event.start, fmt="day")
    assert day == "samedi 25 octobre"
    assert schedule_list(PACK.sessions_sorted()[:2], PACK, "fr", day).startswith("<b>Samedi 25 octobre</b>")
    assert fr._("No sessions on {day}.").format(day=day) == "Aucune séance le samedi 25 octobre."
    assert schedule_list(PACK.sessions_sorted()[:2], PACK, "ru", ru.date(PACK.event.start, fmt="day")).startswith(
        "<b>Суббота, 25 октября</b>")
    assert translator("ar").heading("السبت") == "السبت" and translator("zh").heading("10月25日") == "10月25日"


async def test_the_programmes_day_button_and_heading_in_french(bot: Harness) -> None:
    fr = translator("fr")
    user = bot.user(7801, "Aline", language_code="fr")
    await user.command("menu")
    await user.reply()
    await user.press(text=fr._("📅 Programme"))
    await user.reply()
    await user.press(text="Samedi 25 octobre")
    day = (await user.reply()).text
    assert day.startswith("Samedi 25 octobre\n"), day[:80]


# ---- speakers ---------------------------------------------------------------------------


def test_a_group_is_not_counted_and_one_person_is_one_speaker() -> None:
    ar, en, ru = translator("ar"), translator("en"), translator("ru")
    group = [Speaker(name=Text({"en": "Heads of State and Government", "ar": "رؤساء الدول والحكومات"}), group=True)]
    assert visible(speakers_line(en, group, PACK) or "") == "Speakers:\n• Heads of State and Government"
    assert visible(speakers_line(ar, group, PACK) or "") == "المتحدثون:\n• رؤساء الدول والحكومات"
    assert "المتحدثان" not in (speakers_line(ar, group * 2, PACK) or "")  # never "the two speakers"
    one = [Speaker(name=Text({"en": "Amina Mohammed"}))]
    assert visible(speakers_line(en, one, PACK) or "") == "Speaker: Amina Mohammed"
    # Russian: one named person is "Выступает", whatever a count would say (21, 31...)
    assert visible(speakers_line(ru, one, PACK) or "") == "Выступает: Amina Mohammed"
    two = [Speaker(name=Text({"en": "Amina Mohammed"})), Speaker(name=Text({"en": "Kristalina Georgieva"}))]
    assert visible(speakers_line(en, two, PACK) or "") == "Speakers: Amina Mohammed and Kristalina Georgieva"
    assert visible(speakers_line(translator("zh"), two, PACK) or "") == "发言人：Amina Mohammed和Kristalina Georgieva"


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_the_demo_packs_speakers_are_translated(lang: str) -> None:
    for session in PACK.sessions:
        for speaker in session.speakers:
            assert speaker.name.has(lang), (session.id, speaker.name.root)
    signing = PACK.session("signing-ceremony")
    assert signing is not None and "Heads of State" not in visible(session_card(signing, PACK, lang))
    assert [s.group for s in signing.speakers] == [False, False, True]


def test_speakers_in_the_formats_three_shapes(tmp_path: Path) -> None:
    """Plain strings (format v1 as it was), texts, and texts with ``group: true``; content
    check validates each, and a key that is neither a language nor ``group`` is an error."""
    pack_dir = tmp_path / "pack"
    import shutil

    shutil.copytree(MINI, pack_dir)
    programme = pack_dir / "programme.yaml"
    data = yaml.safe_load(programme.read_text(encoding="utf-8"))
    data["sessions"][0]["speakers"] = [
        "President of Kenya",
        {"en": "UN Deputy Secretary-General", "fr": "Vice-Secrétaire générale de l'ONU"},
        {"en": "Ministers of finance", "fr": "Ministres des finances", "group": True},
        {"name": {"en": "Heads of delegation"}, "group": True},
    ]
    programme.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    speakers = load_pack(pack_dir).sessions[0].speakers
    assert [(s.name.get("fr", "en"), s.group) for s in speakers] == [
        ("President of Kenya", False),
        ("Vice-Secrétaire générale de l'ONU", False),
        ("Ministres des finances", True),
        ("Heads of delegation", True),
    ]
    result = check_pack(pack_dir, strict=True)
    missing = [str(p) for p in result.problems if ".speakers[" in str(p)]
    assert any("speakers[0].name" in p and "missing in fr" in p for p in missing), missing
    data["sessions"][0]["speakers"] = [{"en": "Ministers", "grup": True}]
    programme.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = check_pack(pack_dir)
    assert result.pack is None
    assert any("'grup' is neither a language nor 'group'" in str(p) for p in result.problems), result.problems
