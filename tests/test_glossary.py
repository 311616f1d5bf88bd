"""The reviser's checks of ``content check --strict``: the pack's glossary and French typography.

Each check runs on a small pack in a temporary directory (a copy of the tiny test pack) and on
small catalogs, through the command line, as a pack author would run it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.catalog.cli import check_content, content_check_command
from bot.catalog.glossary import compile_pattern
from bot.catalog.loader import check_pack, load_pack

PACKS = Path(__file__).parent / "data" / "packs"
HANOI = Path(__file__).resolve().parents[1] / "content" / "hanoi-2025"
LINE_FORMAT = re.compile(r"^\S[^:]*:\d+: \S+: .+$")

PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Language: {lang}\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

"""


# ---- helpers -------------------------------------------------------------------------


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(PACKS / "tiny", target)
    return target


@pytest.fixture
def catalogs(tmp_path: Path) -> Path:
    """Catalogs with nothing to report (so a test sees only what it puts in)."""
    root = tmp_path / "locales"
    write_po(root, "fr", {"Programme": "Programme"})
    return root


def write_po(root: Path, lang: str, messages: dict[str, str | tuple[str, str, list[str]]]) -> Path:
    path = root / lang / "LC_MESSAGES" / "bot.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [PO_HEADER.format(lang=lang)]
    for msgid, value in messages.items():
        if isinstance(value, tuple):
            singular, plural, forms = value
            parts.append(f'msgid "{singular}"\nmsgid_plural "{plural}"\n')
            parts += [f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms)]
            parts.append("\n")
        else:
            parts.append(f'msgid "{msgid}"\nmsgstr "{value}"\n\n')
    path.write_text("".join(parts), encoding="utf-8")
    return path


def replace(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {file.name}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def line_of(file: Path, needle: str) -> int:
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {file}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    status = content_check_command(list(argv))
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(LINE_FORMAT.match(line) for line in lines), lines
    return status, lines


GLOSSARY = """\
terms:
  - id: side-event
    text: {en: side event, fr: événement parallèle}
    forms: {en: ["side event*"], fr: ["événement* parallèle*"]}
    avoid: {fr: ["manifestation* parallèle*"]}
    enforce: true
  - id: gala
    text: {en: gala dinner, fr: dîner de gala}
    avoid: {fr: ["gala"]}
"""


# ---- patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("manifestation* parallèle*", "Les manifestations parallèles ont lieu", "manifestations parallèles"),
        ("manifestation* parallèle*", "LES MANIFESTATIONS\u00a0PARALLÈLES", "MANIFESTATIONS\u00a0PARALLÈLES"),
        ("side event*", "the Side-Event Rooms", "Side-Event"),
        ("bureau d'information", "au bureau d\u2019information", None),  # normalised first, below
        ("gala", "le gala du soir", "gala"),
        ("gala", "les galas", None),  # whole words only
        ("справочн* стойк*", "на справочной стойке", "справочной стойке"),
        ("*فعالي* *جانبي*", "قاعات الفعاليات الجانبية", "الفعاليات الجانبية"),
        ("会外活动", "参加会外活动的代表", "会外活动"),  # no spaces in Chinese: no word edges
        ("phái đoàn", "trưởng phái đoàn", "phái đoàn"),
    ],
)
def test_patterns_match_inflections_and_whole_words(pattern: str, text: str, found: str | None) -> None:
    from bot.catalog.glossary import normalise

    match = compile_pattern(pattern).search(normalise(text))
    if pattern == "bureau d'information":
        assert match is not None and match.group(0) == "bureau d'information"
        return
    assert (match.group(0) if match else None) == found


def test_match_case_tells_capitals_apart() -> None:
    assert compile_pattern("quý vị", match_case=True).search("Kính mời Quý vị") is None
    assert compile_pattern("quý vị", match_case=True).search("ảnh của quý vị")
    assert compile_pattern("quý vị").search("Kính mời Quý vị")


def test_a_pattern_needs_letters() -> None:
    with pytest.raises(ValueError, match="no letters"):
        compile_pattern("* *")


# ---- the glossary against the pack and the catalogs ----------------------------------


def test_avoided_rendering_is_reported_in_the_pack_and_the_catalogs(pack, catalogs, capsys):
    (pack / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    programme = pack / "programme.yaml"
    replace(
        programme,
        "summary: {en: General discussion, fr: Débat général}",
        'summary: {en: General discussion, fr: "Débat général, puis manifestations parallèles"}',
    )
    po = write_po(catalogs, "fr", {"Side events": "Manifestations parallèles"})

    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1
    line = line_of(programme, "puis manifestations")
    assert lines[0] == (
        f"{programme}:{line}: sessions[plenary].summary.fr: “manifestations parallèles”: "
        "the glossary's fr rendering is “événement parallèle” (glossary term 'side-event')"
    )
    msgstr = line_of(po, 'msgstr "Manifestations')
    assert f"{po}:{msgstr}: msgstr: “Manifestations parallèles”: the glossary's fr" in lines[2]
    # the catalog's entry also lacks the approved term its msgid has (enforce)
    assert lines[1].startswith(f"{po}:{msgstr}: msgstr: the en text has “Side events” but")
    assert len(lines) == 3

    # without --strict the reviser's pass does not run: the pack is valid as before
    status, lines = run(capsys, str(pack), "--catalogs", str(catalogs))
    assert (status, lines) == (0, [])


def test_an_avoided_word_inside_an_approved_form_is_not_reported(pack, catalogs, capsys):
    (pack / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    programme = pack / "programme.yaml"
    replace(programme, "fr: Débat général}", 'fr: "Débat général, puis dîner de gala"}')
    assert run(capsys, str(pack), "--strict", "--catalogs", str(catalogs)) == (0, [])

    replace(programme, "puis dîner de gala", "puis le gala")
    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1 and len(lines) == 1
    assert "sessions[plenary].summary.fr: “gala”: the glossary's fr rendering is “dîner de gala”" in lines[0]


def test_enforce_reports_a_translation_without_the_term_of_its_source(pack, catalogs, capsys):
    (pack / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    programme = pack / "programme.yaml"
    replace(programme, "fr: Événement parallèle}", "fr: Réunion annexe}")
    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1 and len(lines) == 1
    assert lines[0] == (
        f"{programme}:{line_of(programme, 'Réunion annexe')}: sessions[side-event].title.fr: "
        "the en text has “Side event” but this fr text does not use the glossary's "
        "“événement parallèle” (glossary term 'side-event')"
    )
    # a placeholder named like the term is a value, not the term
    write_po(catalogs, "fr", {"Room: {side_event}": "Salle : {side_event}".replace(" :", "\u00a0:")})
    replace(programme, "fr: Réunion annexe}", "fr: Événement parallèle}")
    assert run(capsys, str(pack), "--strict", "--catalogs", str(catalogs)) == (0, [])


def test_glossary_problems_are_errors_in_both_modes(pack, catalogs, capsys):
    glossary = pack / "glossary.yaml"
    glossary.write_text(
        """\
terms:
  - id: Side_Event
    text: {en: side event, fr: événement parallèle}
  - id: gala
    text: {en: gala dinner, fr: dîner de gala}
    avoid: {fr: ["dîner*"], xx: ["gala"]}
  - id: gala
    text: {en: gala, fr: gala}
  - id: hall
    text: {en: hall, fr: salle}
    forms: {fr: ["salles"]}
    avoid: {fr: ["*"]}
    colour: blue
""",
        encoding="utf-8",
    )
    status, lines = run(capsys, str(pack), "--catalogs", str(catalogs))
    assert status == 1
    expected = {
        (2, "terms[0].id", "'Side_Event' is not a valid id"),
        (6, "terms[gala].avoid.xx", "unknown language 'xx'"),
        (7, "terms[gala].id", "duplicate term id 'gala' (already at line 4)"),
        (13, "terms[hall].colour", "unknown field"),
    }
    got = {(int(line.split(":")[1]), line.split(": ")[1], line) for line in lines}
    for number, field, words in expected:
        assert any(n == number and f == field and words in text for n, f, text in got), (number, field, lines)
    assert len(lines) == len(expected)

    # a valid but contradictory term: its own approved rendering would be reported
    glossary.write_text(
        """\
terms:
  - id: gala
    text: {en: gala dinner, fr: dîner de gala}
    forms: {fr: ["dîner*"]}
    avoid: {fr: ["de gala"]}
  - id: hall
    text: {en: hall, fr: salle}
    forms: {fr: ["salles"]}
""",
        encoding="utf-8",
    )
    status, lines = run(capsys, str(pack))
    assert status == 1 and len(lines) == 2
    assert "glossary.yaml:5: terms[gala].avoid.fr: the pattern matching “de gala” also matches" in lines[0]
    assert "glossary.yaml:8: terms[hall].forms.fr: none of the forms matches the approved rendering “salle”" in lines[1]


def test_an_enforced_term_needs_every_language_of_the_event(pack, catalogs, capsys):
    (pack / "glossary.yaml").write_text(
        "terms:\n  - id: hall\n    text: {en: hall}\n    enforce: true\n"
        "  - id: gala\n    text: {en: gala}\n    avoid: {fr: [gala]}\n",
        encoding="utf-8",
    )
    status, lines = run(capsys, str(pack), "--catalogs", str(catalogs))
    assert status == 0 and lines == [f"{pack / 'glossary.yaml'}:3: terms[hall].text: warning: term missing in fr"]
    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1 and lines == [f"{pack / 'glossary.yaml'}:3: terms[hall].text: term missing in fr"]


def test_the_glossary_is_optional_and_the_bot_ignores_it(pack, catalogs, capsys):
    before = load_pack(pack)
    assert run(capsys, str(pack), "--strict", "--catalogs", str(catalogs)) == (0, [])
    (pack / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    result = check_pack(pack)
    assert result.warnings == [] and result.errors == []  # not "not a content pack file"
    assert result.pack is not None and result.pack.version == before.version
    checked, terms = check_content(pack, catalogs=catalogs)
    assert terms == 2 and checked.ok


# ---- French typography ---------------------------------------------------------------


def test_plain_spaces_in_french_are_reported_in_texts_questions_and_catalogs(pack, catalogs, capsys):
    faq = pack / "faq.yaml"
    replace(faq, 'fr: "Oui\u00a0: réseau TINY."', 'fr: "Oui : réseau « TINY », mot de passe ; merci !"')
    replace(faq, "fr: [\"Y a-t-il du wifi\u202f?\"]", 'fr: ["Y a-t-il du wifi ?"]')
    po = write_po(catalogs, "fr", {"Venue: {venue}": "Lieu : {venue}", "Where?": "Où\u202f?"})

    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1
    answer = line_of(faq, "Oui : réseau")
    lieu = line_of(po, 'msgstr "Lieu')
    assert lines == [
        f"{faq}:{answer - 1}: faq[wifi].questions.fr[0]: plain space before '?' instead of a no-break "
        "space (U+00A0 or U+202F): “Y a-t-il du wifi ?”",
        f"{faq}:{answer}: faq[wifi].answer.fr: plain space after '«' instead of a no-break space "
        "(U+00A0 or U+202F): “Oui : réseau « T”",
        f"{faq}:{answer}: faq[wifi].answer.fr: plain space before '!' instead of a no-break space "
        "(U+00A0 or U+202F): “… », mot de passe ; merci !”",
        f"{faq}:{answer}: faq[wifi].answer.fr: plain space before ':' instead of a no-break space "
        "(U+00A0 or U+202F): “Oui :”",
        f"{faq}:{answer}: faq[wifi].answer.fr: plain space before ';' instead of a no-break space "
        "(U+00A0 or U+202F): “…u « TINY », mot de passe ;”",
        f"{faq}:{answer}: faq[wifi].answer.fr: plain space before '»' instead of a no-break space "
        "(U+00A0 or U+202F): “Oui : réseau « TINY »”",
        f"{po}:{lieu}: msgstr: plain space before ':' instead of a no-break "
        "space (U+00A0 or U+202F): “Lieu :”",
    ]

    replace(faq, 'fr: "Oui : réseau « TINY », mot de passe ; merci !"',
            'fr: "Oui\u00a0: réseau «\u00a0TINY\u00a0», mot de passe\u202f; merci\u202f!"')
    replace(faq, 'fr: ["Y a-t-il du wifi ?"]', 'fr: ["Y a-t-il du wifi\u202f?"]')
    write_po(catalogs, "fr", {"Venue: {venue}": "Lieu\u00a0: {venue}"})
    assert run(capsys, str(pack), "--strict", "--catalogs", str(catalogs)) == (0, [])


def test_typography_counts_repeated_faults_once_per_text(pack, catalogs, capsys):
    replace(pack / "faq.yaml", 'fr: "Oui\u00a0: réseau TINY."', 'fr: "Réseau ? TINY ? Oui ?"')
    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1 and len(lines) == 1 and "before '?'" in lines[0] and "(3 places)" in lines[0]


def test_plural_catalog_entries_point_at_their_own_msgstr_line(pack, catalogs, capsys):
    po = write_po(catalogs, "fr", {"x": ("{n} session", "{n} sessions", ["{n} séance", "{n} séances !"])})
    status, lines = run(capsys, str(pack), "--strict", "--catalogs", str(catalogs))
    assert status == 1 and lines == [
        f"{po}:{line_of(po, 'msgstr[1]')}: msgstr[1]: plain space before '!' instead of a no-break "
        "space (U+00A0 or U+202F): “{n} séances !”"
    ]


# ---- the demo pack -------------------------------------------------------------------


def test_demo_pack_and_the_bots_catalogs_pass_the_strict_review(capsys):
    status, lines = run(capsys, str(HANOI), "--strict")
    assert (status, lines) == (0, [])
    _, terms = check_content(HANOI)
    assert terms is not None and terms >= 9


def test_the_demo_glossary_catches_what_the_revision_removed(tmp_path, capsys):
    """The fixes of the revision stay fixed: putting a removed rendering back is reported."""
    pack = tmp_path / "hanoi"
    shutil.copytree(HANOI, pack)
    faq = pack / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    for old, new in [
        ("Quầy thông tin (+84 24 3999 2500) trước 18h00", "Bàn hỗ trợ (+84 24 3999 2500) trước 18h00"),
        ("ويُرجى الحجز لدى مكتب النقل", "فاحجز لدى مكتب النقل"),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    faq.write_text(text, encoding="utf-8")
    status, lines = run(capsys, str(pack), "--strict")
    assert status == 1
    found = {re.search(r"“([^”]+)”: the glossary", line).group(1) for line in lines if ": the glossary" in line}
    assert found == {"Bàn hỗ trợ", "فاحجز"}, lines
    assert any("this vi text does not use the glossary's “Quầy thông tin”" in line for line in lines)
