"""The content pack loader and validator, ``PackHolder`` and ``content check``."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.catalog.cli import content_check_command
from bot.catalog.loader import (
    PackError,
    PackHolder,
    Problem,
    check_pack,
    load_pack,
)
from bot.catalog.models import ContentPack

PACKS = Path(__file__).parent / "data" / "packs"
TINY = PACKS / "tiny"
BROKEN = PACKS / "broken"
HANOI = Path(__file__).resolve().parents[1] / "content" / "hanoi-2025"
PACK_FILES = ("event.yaml", "venues.yaml", "programme.yaml", "faq.yaml")
LINE_FORMAT = re.compile(r"^\S[^:]*:\d+: \S+: .+$")


# ---- helpers -------------------------------------------------------------------------


def copy_pack(tmp_path: Path, name: str = "tiny") -> Path:
    target = tmp_path / name
    shutil.copytree(PACKS / name, target)
    return target


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {file.name}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def where(problems: list[Problem]) -> set[tuple[str, int, str]]:
    return {(Path(p.file).name, p.line, p.field) for p in problems}


def only(problems: list[Problem], file: str, line: int, field: str) -> Problem:
    found = [p for p in problems if (Path(p.file).name, p.line, p.field) == (file, line, field)]
    assert len(found) == 1, f"expected one problem at {file}:{line}: {field}, got {problems}"
    return found[0]


# ---- a valid pack --------------------------------------------------------------------


def test_tiny_pack_loads_without_problems():
    result = check_pack(TINY)
    assert result.ok and result.errors == [] and result.warnings == []
    pack = result.pack
    assert isinstance(pack, ContentPack)
    assert pack.languages == ["en", "fr"]
    assert [s.id for s in pack.sessions] == [
        "opening-ceremony",
        "plenary",
        "side-event",
        "arrivals",
    ]
    assert pack.room("plenary-hall").capacity == 3000
    assert pack.room("plenary-hall").floor == "2"
    assert pack.place("airport")[0] is None
    assert pack.category_name("transport").get("fr") == "Transport"
    assert pack.faq_entry("airport-transfer").questions["fr"] == ["Comment venir de l'aéroport\u202f?"]
    # times are local to the event zone unless they carry an offset
    opening = pack.session("opening-ceremony")
    assert opening.start.utcoffset() == dt.timedelta(hours=7)
    assert opening.start.astimezone(dt.UTC).hour == 2
    assert pack.faq_entry("wifi").updated.utcoffset() == dt.timedelta(hours=7)


def test_version_updated_and_source_dir(tmp_path):
    pack = load_pack(TINY)
    assert re.fullmatch(r"[0-9a-f]{8,12}", pack.version)
    assert load_pack(TINY).version == pack.version  # stable
    assert pack.source_dir == str(TINY.resolve())
    # no event.updated: the newest file's mtime, aware, in the event zone
    newest = max((TINY / name).stat().st_mtime for name in PACK_FILES)
    assert pack.updated is not None and pack.updated.tzinfo is not None
    assert pack.updated.utcoffset() == dt.timedelta(hours=7)
    assert pack.updated.timestamp() == pytest.approx(newest)

    copy = copy_pack(tmp_path)
    assert load_pack(copy).version == pack.version  # the bytes, not the place, count
    edit(copy / "faq.yaml", "Take the shuttle.", "Take the blue shuttle.")
    assert load_pack(copy).version != pack.version
    edit(copy / "event.yaml", "end: 2025-10-26\n", "end: 2025-10-26\nupdated: 2025-10-24T08:00\n")
    updated = load_pack(copy).updated
    assert updated == dt.datetime(2025, 10, 24, 1, 0, tzinfo=dt.UTC)
    assert updated.utcoffset() == dt.timedelta(hours=7)


def test_files_are_named_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(PACKS)
    result = check_pack("broken")
    assert any(p.file == "broken/programme.yaml" for p in result.errors)
    problem = Problem("broken/programme.yaml", 24, "sessions[backwards].end", "ends too early")
    assert str(problem) == "broken/programme.yaml:24: sessions[backwards].end: ends too early"
    warning = Problem("p/faq.yaml", 3, "faq[x].answer", "text missing in fr", "warning")
    assert str(warning) == "p/faq.yaml:3: faq[x].answer: warning: text missing in fr"


# ---- the broken pack: every mistake found, with file, line and field -----------------

BROKEN_ERRORS = [
    # (file, line, field, part of the message)
    ("event.yaml", 5, "languages[2]", "unknown language 'xx'"),
    ("event.yaml", 8, "reminder_lead_minutes[1]", "reminder lead 0"),
    ("event.yaml", 9, "organiser", "unknown field"),
    ("event.yaml", 13, "contacts[help-desk].id", "duplicate contact id 'help-desk'"),
    ("event.yaml", 15, "contacts[medical].name", "missing required field"),
    ("venues.yaml", 4, "venues[ncc].geo.lat", "less than or equal to 90"),
    ("venues.yaml", 8, "venues[ncc].rooms[plenary-hall].capacity", "greater than or equal to 0"),
    ("venues.yaml", 9, "venues[ncc].rooms[ncc].id", "already used by the venue at line 2"),
    ("venues.yaml", 11, "venues[ncc].rooms[2].id", "'Side Room' is not a valid id"),
    ("venues.yaml", 14, "venues[hotel].name", "missing the default language 'en'"),
    ("venues.yaml", 16, "venues[hotel].rooms[plenary-hall].id", "duplicate room id 'plenary-hall'"),
    ("programme.yaml", 9, "sessions[overlapping].title.de", "unknown language 'de'"),
    ("programme.yaml", 19, "sessions[nowhere].room", "did you mean 'plenary-hall'?"),
    ("programme.yaml", 24, "sessions[backwards].end", "ends before"),
    ("programme.yaml", 29, "sessions[too-early].start", "outside the event"),
    ("programme.yaml", 34, "sessions[bad-kind].kind", "'party' is not allowed"),
    ("programme.yaml", 38, "sessions[untitled].title", "missing required field"),
    ("programme.yaml", 43, "sessions[untitled].dresscode", "unknown field"),
    ("programme.yaml", 44, "sessions[opening].id", "duplicate session id 'opening'"),
    ("faq.yaml", 5, "faq[shuttle].category", "unknown category 'transprot'"),
    ("faq.yaml", 8, "faq[shuttle].related[1]", "unknown id 'gala-dinner'"),
    ("faq.yaml", 11, "faq[taxi].questions.kk", "unknown language 'kk'"),
    ("faq.yaml", 17, "faq[faq-dates].updated", "valid datetime"),
    ("faq.yaml", 18, "comments", "unknown key 'comments'"),
]
BROKEN_WARNINGS = [
    ("programme.yaml", 11, "sessions[overlapping].start", "overlaps session 'opening'"),
    ("faq.yaml", 11, "faq[taxi].questions", "questions missing in fr"),
    ("faq.yaml", 11, "faq[taxi].questions.es", "not one of the event's languages"),
    ("faq.yaml", 12, "faq[taxi].answer", "text missing in fr (falls back to en)"),
]


@pytest.fixture(scope="module")
def broken():
    return check_pack(BROKEN)


@pytest.mark.parametrize(("file", "line", "field", "message"), BROKEN_ERRORS)
def test_broken_pack_error(broken, file, line, field, message):
    problem = only(broken.errors, file, line, field)
    assert message in problem.message
    assert not problem.is_warning


@pytest.mark.parametrize(("file", "line", "field", "message"), BROKEN_WARNINGS)
def test_broken_pack_warning(broken, file, line, field, message):
    problem = only(broken.warnings, file, line, field)
    assert message in problem.message
    assert problem.is_warning and str(problem).split(": ", 2)[2].startswith("warning: ")


def test_broken_pack_reports_exactly_these(broken):
    assert broken.pack is None and not broken.ok
    assert where(broken.errors) == {e[:3] for e in BROKEN_ERRORS}
    assert where(broken.warnings) == {w[:3] for w in BROKEN_WARNINGS}
    assert len(broken.errors) == len(BROKEN_ERRORS)
    # errors come in file order, then line order
    order = [(PACK_FILES.index(Path(p.file).name), p.line) for p in broken.errors]
    assert order == sorted(order)
    with pytest.raises(PackError) as caught:
        load_pack(BROKEN)
    assert len(caught.value.errors) == len(BROKEN_ERRORS)
    assert "sessions[backwards].end" in str(caught.value)


# ---- single mistakes in an otherwise valid pack --------------------------------------


def test_bad_yaml_reports_its_line_and_other_files_still_checked(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "programme.yaml", "    room: side-room\n", "    room: [side-room\n")
    edit(pack / "faq.yaml", "category: general", "category: genral")
    result = check_pack(pack)
    syntax = [p for p in result.errors if p.field == "(syntax)"]
    assert len(syntax) == 1
    assert Path(syntax[0].file).name == "programme.yaml"
    # the bracket opened on line 21 is still open when the next item starts on line 22
    assert syntax[0].line == 22
    assert syntax[0].message.startswith(
        "invalid YAML: while parsing a flow sequence (from line 21)"
    )
    assert ("faq.yaml", 13, "faq[wifi].category") in where(result.errors)
    # sessions of the unreadable file are unknown: no cascade of "unknown id" in related
    assert not any("related" in p.field for p in result.errors)


def test_bad_yaml_indentation(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "venues.yaml", "        floor: 2\n", "       floor: 2\n")
    (problem,) = check_pack(pack).errors
    assert (Path(problem.file).name, problem.field) == ("venues.yaml", "(syntax)")
    assert problem.line == 9


def test_missing_event_file(tmp_path):
    pack = copy_pack(tmp_path)
    (pack / "event.yaml").unlink()
    result = check_pack(pack)
    assert ("event.yaml", 1, "(file)") in where(result.errors)
    assert "missing file" in only(result.errors, "event.yaml", 1, "(file)").message


def test_missing_directory(tmp_path):
    result = check_pack(tmp_path / "nope")
    assert [p.message for p in result.errors] == ["no such directory"]


def test_file_that_is_not_a_mapping(tmp_path):
    pack = copy_pack(tmp_path)
    (pack / "faq.yaml").write_text("- id: a\n- id: b\n", encoding="utf-8")
    (pack / "event.yaml").write_text("just a sentence\n", encoding="utf-8")
    result = check_pack(pack)
    assert "must be a mapping" in only(result.errors, "faq.yaml", 1, "(file)").message
    assert "must be a mapping" in only(result.errors, "event.yaml", 1, "(file)").message


def test_empty_event_file(tmp_path):
    pack = copy_pack(tmp_path)
    (pack / "event.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert "empty" in only(check_pack(pack).errors, "event.yaml", 1, "(file)").message


def test_bad_time_zone_and_event_dates(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "event.yaml", "timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Hanoi-City")
    edit(pack / "event.yaml", "start: 2025-10-25", "start: 2025-10-27")
    result = check_pack(pack)
    assert "unknown time zone" in only(result.errors, "event.yaml", 5, "timezone").message


def test_event_ends_before_it_starts(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "event.yaml", "start: 2025-10-25", "start: 2025-10-27")
    result = check_pack(pack)
    assert "ends before it starts" in only(result.errors, "event.yaml", 8, "end").message


def test_session_after_the_event_in_event_zone(tmp_path):
    pack = copy_pack(tmp_path)
    # 23:00 local on the last day is fine; 00:30 the next day is not; an offset counts
    edit(pack / "programme.yaml", "end: 2025-10-26T23:00", "end: 2025-10-27T00:30")
    edit(pack / "programme.yaml", "start: 2025-10-26T14:00", "start: 2025-10-26T17:30:00+00:00")
    edit(pack / "programme.yaml", "end: 2025-10-26T15:00", "end: 2025-10-26T18:00:00+00:00")
    result = check_pack(pack)
    assert where(result.errors) == {
        ("programme.yaml", 19, "sessions[side-event].start"),
        ("programme.yaml", 26, "sessions[arrivals].end"),
    }
    assert "starts on 2025-10-27" in result.errors[0].message


def test_duplicate_yaml_key(tmp_path):
    pack = copy_pack(tmp_path)
    edit(
        pack / "programme.yaml", "    room: side-room\n", "    room: side-room\n    room: airport\n"
    )
    problem = only(check_pack(pack).errors, "programme.yaml", 22, "sessions[side-event].room")
    assert "duplicate key 'room' (first at line 21)" in problem.message


def test_wrong_types_and_unknown_top_level_key(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "venues.yaml", "capacity: 3000", "capacity: many")
    edit(pack / "venues.yaml", "venues:\n", "venue_list: []\nvenues:\n")
    edit(pack / "event.yaml", "reminder_lead_minutes: [30, 10]", "reminder_lead_minutes: 30")
    result = check_pack(pack)
    assert where(result.errors) == {
        ("event.yaml", 9, "reminder_lead_minutes"),
        ("venues.yaml", 1, "venue_list"),
        ("venues.yaml", 11, "venues[ncc].rooms[plenary-hall].capacity"),
    }
    assert "did you mean 'venues'?" in result.errors[1].message
    assert "got str 'many'" in result.errors[2].message


def test_a_text_of_the_wrong_shape(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "venues.yaml", "        floor: 2", "        directions: [up, left]")
    problem = only(
        check_pack(pack).errors, "venues.yaml", 9, "venues[ncc].rooms[plenary-hall].directions"
    )
    assert problem.message.startswith("must be a text: a string, or a mapping of language")


def test_unknown_field_suggests_the_right_one(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "programme.yaml", "    summary:", "    sumary:")
    problem = only(check_pack(pack).errors, "programme.yaml", 15, "sessions[plenary].sumary")
    assert problem.message == "unknown field (did you mean 'summary'?)"


def test_categories_not_declared_means_any_category(tmp_path):
    pack = copy_pack(tmp_path)
    faq = pack / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text[text.index("faq:\n") :], encoding="utf-8")
    edit(faq, "category: general", "category: anything")
    result = check_pack(pack)
    assert result.ok and result.pack.faq_categories == []


def test_empty_text_and_empty_questions(tmp_path):
    pack = copy_pack(tmp_path)
    edit(
        pack / "faq.yaml",
        'answer: {en: "Take the shuttle.", fr: "Prenez la navette."}',
        'answer: {en: "Take the shuttle.", fr: "  "}',
    )
    edit(pack / "faq.yaml", 'fr: ["Comment venir de l\'aéroport\u202f?"]', "fr: []")
    result = check_pack(pack)
    assert where(result.errors) == {
        ("faq.yaml", 9, "faq[airport-transfer].questions.fr"),
        ("faq.yaml", 10, "faq[airport-transfer].answer.fr"),
    }
    assert "questions for 'fr' are empty" in result.errors[0].message
    assert "text for 'fr' is empty" in result.errors[1].message


# ---- languages -----------------------------------------------------------------------


def test_missing_language_is_a_warning_and_strict_makes_it_an_error(tmp_path):
    pack = copy_pack(tmp_path)
    # a plain string is the default language: French falls back, and we say so
    edit(
        pack / "programme.yaml",
        "title: {en: Side event, fr: Événement parallèle}",
        "title: Side event",
    )
    edit(pack / "faq.yaml", '      fr: ["Comment venir de l\'aéroport\u202f?"]\n', "")
    result = check_pack(pack)
    assert result.ok and result.pack is not None
    title = only(result.warnings, "programme.yaml", 17, "sessions[side-event].title")
    assert title.message == "text missing in fr (falls back to en)"
    questions = only(result.warnings, "faq.yaml", 7, "faq[airport-transfer].questions")
    assert "missing in fr" in questions.message
    assert result.pack.session("side-event").title.get("fr", "en") == "Side event"

    strict = check_pack(pack, strict=True)
    assert strict.pack is None and strict.warnings == []
    assert where(strict.errors) == where(result.warnings)
    with pytest.raises(PackError):
        load_pack(pack, strict=True)
    load_pack(pack)  # not strict: loads (and logs the warnings)


def test_text_without_the_default_language_is_an_error(tmp_path):
    pack = copy_pack(tmp_path)
    edit(
        pack / "programme.yaml",
        "summary: {en: General discussion, fr: Débat général}",
        "summary: {fr: Débat général}",
    )
    problem = only(check_pack(pack).errors, "programme.yaml", 15, "sessions[plenary].summary")
    assert problem.message == "text missing the default language 'en'"


def test_unknown_language_in_text_questions_and_languages(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "event.yaml", "languages: [en, fr]", "languages: [en, fr, english]")
    edit(
        pack / "venues.yaml",
        "name: {en: Noi Bai airport, fr: Aéroport de Noi Bai}",
        "name: {en: Noi Bai airport, fr: Aéroport de Noi Bai, fr-ca: Aéroport}",
    )
    edit(
        pack / "faq.yaml",
        '    questions: {en: ["Is there wifi?"], fr: ["Y a-t-il du wifi\u202f?"]}',
        '    questions: {en: ["Is there wifi?"], fr: ["Y a-t-il du wifi\u202f?"], EN: ["Wifi?"]}',
    )
    result = check_pack(pack)
    assert where(result.errors) == {
        ("event.yaml", 6, "languages[2]"),
        ("venues.yaml", 14, "venues[airport].name.fr-ca"),
        ("faq.yaml", 14, "faq[wifi].questions.EN"),
    }


# ---- PackHolder ----------------------------------------------------------------------


def test_holder_keeps_the_old_pack_on_a_broken_reload_and_swaps_on_a_good_one(tmp_path):
    pack_dir = copy_pack(tmp_path)
    built: list[str] = []
    swapped: list[str] = []

    def index(pack: ContentPack) -> dict[str, str]:
        built.append(pack.version)
        return {s.id: s.title.get("en") for s in pack.sessions}

    holder = PackHolder.load(pack_dir, prepare={"index": index})
    holder.on_swap(lambda state: swapped.append(state.pack.version))
    first = holder.current
    assert first["index"]["plenary"] == "Plenary session"

    # unchanged: nothing rebuilt, nothing swapped
    result = holder.reload()
    assert result.ok and not result.changed and holder.current is first
    assert built == [first.pack.version]

    # broken: the old pack stays, the problems come back
    edit(pack_dir / "programme.yaml", "room: side-room", "room: nowhere")
    result = holder.reload()
    assert not result.ok and not result.changed
    assert ("programme.yaml", 21, "sessions[side-event].room") in where(result.errors)
    assert holder.current is first and result.state is first
    with pytest.raises(PackError):
        holder.reload(raise_errors=True)
    assert holder.current is first and swapped == []

    # fixed, with a new title: swapped, index rebuilt, listener told
    edit(pack_dir / "programme.yaml", "room: nowhere", "room: side-room")
    edit(pack_dir / "programme.yaml", "{en: Plenary session,", "{en: Plenary debate,")
    result = holder.reload()
    assert result.ok and result.changed
    assert holder.current is result.state and holder.current is not first
    assert holder.current["index"]["plenary"] == "Plenary debate"
    assert holder.pack.session("plenary").title.get("en") == "Plenary debate"
    assert swapped == [holder.pack.version] and holder.pack.version != first.pack.version
    # the old snapshot a reader may still hold is untouched
    assert first.pack.session("plenary").title.get("en") == "Plenary session"
    assert first["index"]["plenary"] == "Plenary session"


def test_holder_keeps_the_old_pack_when_a_prepare_hook_fails(tmp_path):
    pack_dir = copy_pack(tmp_path)
    holder = PackHolder.load(pack_dir)
    first = holder.current

    def fussy(pack: ContentPack) -> int:
        if len(pack.sessions) > 4:
            raise RuntimeError("too many sessions for this index")
        return len(pack.sessions)

    holder.add_prepare("count", fussy)
    assert holder.current["count"] == 4 and holder.current.pack is first.pack

    text = (pack_dir / "programme.yaml").read_text(encoding="utf-8")
    extra = text.split("sessions:\n", 1)[1].split("  - id: plenary\n")[0]
    (pack_dir / "programme.yaml").write_text(
        text
        + extra.replace("opening-ceremony", "second-opening")
        .replace("T09:00", "T16:00")
        .replace("T10:30", "T17:00"),
        encoding="utf-8",
    )
    assert check_pack(pack_dir).ok
    result = holder.reload()
    assert not result.ok
    (problem,) = result.errors
    assert problem.field == "(prepare count)" and "too many sessions" in problem.message
    assert holder.pack is first.pack and holder.current["count"] == 4


def test_holder_without_a_pack(tmp_path):
    holder = PackHolder(tmp_path / "missing")
    assert not holder.loaded
    with pytest.raises(LookupError):
        holder.current  # noqa: B018
    assert not holder.reload().ok
    with pytest.raises(PackError):
        PackHolder.load(BROKEN)


async def test_holder_reload_async(tmp_path):
    pack_dir = copy_pack(tmp_path)
    holder = PackHolder(pack_dir)
    result = await holder.reload_async()
    assert result.ok and result.changed and holder.pack.event.id == "tiny-2025"


# ---- command line --------------------------------------------------------------------


def test_cli_valid_pack(capsys):
    assert content_check_command([str(TINY)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "valid" in err and "4 sessions" in err and len(err.strip().splitlines()) == 1


def test_cli_broken_pack(capsys):
    assert content_check_command([str(BROKEN)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == len(BROKEN_ERRORS) + len(BROKEN_WARNINGS)
    assert all(LINE_FORMAT.match(line) for line in lines), lines
    # errors first, then warnings
    kinds = [": warning: " in line for line in lines]
    assert kinds == sorted(kinds)
    assert f"{BROKEN / 'programme.yaml'}:24: sessions[backwards].end: " in out
    assert "NOT valid" in err and len(err.strip().splitlines()) == 1


def test_cli_strict_and_usage(tmp_path, capsys):
    pack = copy_pack(tmp_path)
    edit(
        pack / "programme.yaml",
        "title: {en: Side event, fr: Événement parallèle}",
        "title: Side event",
    )
    assert content_check_command([str(pack)]) == 0
    out, _ = capsys.readouterr()
    assert out.count("\n") == 1 and ": warning: text missing in fr" in out
    assert content_check_command([str(pack), "--strict"]) == 1
    out, _ = capsys.readouterr()
    assert out.count("\n") == 1 and "warning:" not in out and "text missing in fr" in out
    assert content_check_command([]) == 2
    assert content_check_command([str(tmp_path / "nowhere")]) == 1


# ---- size and the demo pack ---------------------------------------------------------


def test_a_500_entry_pack_loads(tmp_path):
    """Big packs load whole (their speed is measured in bench/, not here)."""
    langs = ["en", "fr", "es", "ru", "ar", "zh", "vi"]

    def text(s: str) -> dict[str, str]:
        return {lang: f"{s} ({lang})" for lang in langs}

    shutil.copytree(TINY, tmp_path / "big")
    big = tmp_path / "big"
    event = yaml.safe_load((big / "event.yaml").read_text(encoding="utf-8"))
    event["languages"] = langs
    event["name"] = text("Big")
    event["short_name"] = text("B")
    event["contacts"] = []
    event["liaison_categories"] = []
    venues = {
        "venues": [
            {
                "id": f"v{v}",
                "name": text("venue"),
                "directions": text("go"),
                "rooms": [
                    {"id": f"v{v}-r{r}", "name": text("room"), "directions": text("go")}
                    for r in range(10)
                ],
            }
            for v in range(5)
        ]
    }
    sessions = [
        {
            "id": f"s{i}",
            "title": text("session"),
            "summary": text("about " * 10),
            "kind": "plenary",
            "room": f"v{i % 5}-r{i // 5 % 10}",
            "start": f"2025-10-{25 + i % 2}T{8 + i // 50 % 12:02d}:00",
            "end": f"2025-10-{25 + i % 2}T{8 + i // 50 % 12:02d}:45",
        }
        for i in range(250)
    ]
    faq = {
        "categories": [{"id": "general", "name": text("general")}],
        "faq": [
            {
                "id": f"f{i}",
                "category": "general",
                "answer": text("answer " * 20),
                "questions": {lang: [f"question {i}?", f"other {i}?"] for lang in langs},
                "related": [f"s{i}"],
            }
            for i in range(250)
        ],
    }
    for name, data in (
        ("event", event),
        ("venues", venues),
        ("programme", {"sessions": sessions}),
        ("faq", faq),
    ):
        (big / f"{name}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    result = check_pack(big)
    assert result.errors == [] and result.warnings == []
    assert len(result.pack.sessions) + len(result.pack.faq) == 500


def test_demo_pack_hanoi_2025_is_clean():
    missing = [name for name in PACK_FILES if not (HANOI / name).is_file()]
    if missing:
        pytest.skip(f"content/hanoi-2025 is not complete yet (missing {', '.join(missing)})")
    result = check_pack(HANOI)
    assert result.errors == [], "\n".join(str(p) for p in result.errors)
    assert result.warnings == [], "\n".join(str(p) for p in result.warnings)
    assert result.pack.languages == ["en", "fr", "es", "ru", "ar", "zh", "vi"]


def test_bot_refuses_to_start_on_a_broken_pack_with_its_errors_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONTENT_DIR": str(BROKEN), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env.pop("BOT_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: CONTENT_DIR: ")
    assert "Traceback" not in done.stderr
    assert "event.yaml:5: languages[2]: unknown language 'xx'" in done.stderr


def test_auto_follow_all_or_delegations_and_roles(tmp_path):
    pack = copy_pack(tmp_path)
    edit(pack / "programme.yaml", "    audience: [all]\n", "    audience: [all]\n    auto_follow: all\n")
    edit(pack / "programme.yaml", "    summary: {en: General discussion, fr: Débat général}\n",
         "    summary: {en: General discussion, fr: Débat général}\n    auto_follow: {delegations: [VNM, unodc], roles: [organiser]}\n")
    result = check_pack(pack)
    assert not result.errors
    loaded = load_pack(pack)
    opening, plenary = loaded.session("opening-ceremony"), loaded.session("plenary")
    assert opening.auto_follow.everyone and not opening.auto_follow.delegations
    assert plenary.auto_follow.delegations == ["VNM", "unodc"] and plenary.auto_follow.roles == ["organiser"]
    assert loaded.session("side-event").auto_follow is None


@pytest.mark.parametrize("value, message", [
    ("everybody", "write auto_follow: all"),
    ("{roles: [king]}", "'king' is not allowed"),
    ("{}", "name delegations or roles"),
    ("{everyone: true, roles: [delegate]}", "already includes"),
    ("{delegations: ['VNM; DROP']}", "not a delegation code"),
])
def test_a_bad_auto_follow_is_an_error_on_its_line(tmp_path, value, message):
    pack = copy_pack(tmp_path)
    edit(pack / "programme.yaml", "    audience: [all]\n", f"    audience: [all]\n    auto_follow: {value}\n")
    result = check_pack(pack)
    assert result.errors, value
    problem = result.errors[0]
    assert Path(problem.file).name == "programme.yaml" and problem.line == 9, problem
    assert "auto_follow" in problem.field and message in problem.message, problem
