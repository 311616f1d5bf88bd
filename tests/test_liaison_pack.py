"""liaison.yaml: categories (urgent ones marked) and quick replies, checked by ``content check``;
optional, with event.yaml's liaison_categories or built-in defaults when a pack has none."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.catalog.liaison import DEFAULT_CATEGORIES
from bot.catalog.loader import check_pack, load_pack
from bot.catalog.models import SUPPORTED_LANGUAGES

PACKS = Path(__file__).parent / "data" / "packs"
HANOI = Path(__file__).resolve().parents[1] / "content" / "hanoi-2025"

GOOD = """\
categories:
  - id: transport
    name: {en: Transport, fr: Transport}
  - id: medical
    urgent: true
    name: {en: Medical, fr: Médical}
quick_replies:
  - id: car
    categories: [transport]
    text: {en: Your car is on its way., fr: Votre voiture est en route.}
  - id: soon
    text: {en: Soon., fr: Bientôt.}
"""


def tiny(tmp_path: Path, liaison: str | None = None, *, event_categories: bool = True) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(PACKS / "tiny", target)
    if not event_categories:
        event = target / "event.yaml"
        text = event.read_text(encoding="utf-8")
        text = text[: text.index("liaison_categories:")]
        event.write_text(text, encoding="utf-8")
    if liaison is not None:
        (target / "liaison.yaml").write_text(liaison, encoding="utf-8")
    return target


def test_hanoi_pack_has_urgent_categories_and_quick_replies_in_seven_languages():
    pack = load_pack(HANOI, strict=True)
    urgent = {c.id for c in pack.liaison_categories if c.urgent}
    assert urgent == {"medical", "security"}
    assert len(pack.liaison_categories) == 8
    assert pack.quick_replies
    for item in [*pack.liaison_categories]:
        assert item.name.languages() == set(SUPPORTED_LANGUAGES)
    for reply in pack.quick_replies:
        assert reply.text.languages() == set(SUPPORTED_LANGUAGES)
    assert [q.id for q in pack.quick_replies_for("transport")][:2] == ["on-my-way", "car-on-its-way"]
    assert "room-booked" not in {q.id for q in pack.quick_replies_for("transport")}


def test_liaison_yaml_is_read(tmp_path: Path):
    pack = load_pack(tiny(tmp_path, GOOD, event_categories=False), strict=True)
    assert [(c.id, c.urgent) for c in pack.liaison_categories] == [("transport", False), ("medical", True)]
    assert pack.liaison_category("medical") is not None
    assert pack.liaison_category("nope") is None
    assert pack.quick_reply("car") is not None
    assert pack.quick_replies_for("medical") == [pack.quick_reply("soon")]


def test_without_liaison_yaml_event_categories_then_defaults(tmp_path: Path):
    pack = load_pack(tiny(tmp_path))
    assert [c.id for c in pack.liaison_categories] == ["transport", "other"]
    assert pack.quick_replies == []
    bare = load_pack(tiny(tmp_path / "b", event_categories=False))
    assert bare.liaison_categories == list(DEFAULT_CATEGORIES)
    assert {c.id for c in bare.liaison_categories if c.urgent} == {"medical", "security"}
    for category in DEFAULT_CATEGORIES:
        assert category.name.languages() == set(SUPPORTED_LANGUAGES)


def test_both_places_is_a_warning(tmp_path: Path):
    result = check_pack(tiny(tmp_path, GOOD))
    assert result.pack is not None
    assert any("replace event.yaml's liaison_categories" in p.message for p in result.warnings)
    assert [c.id for c in result.pack.liaison_categories] == ["transport", "medical"]


def test_problems_point_at_file_line_and_field(tmp_path: Path):
    bad = """\
categories:
  - id: transport
    name: {en: Transport, fr: Transport}
  - id: transport
    name: {en: Again, fr: Encore}
  - id: medical
    urgent: maybe
    name: {en: Medical, fr: Médical}
  - id: Bad Id
    name: {en: X, fr: X}
quick_replies:
  - id: car
    categories: [transprot]
    text: {en: Car., fr: Voiture.}
  - id: empty
    text: {en: "  ", fr: Rien}
  - id: nofr
    text: {en: Only English.}
colour: red
"""
    result = check_pack(tiny(tmp_path, bad, event_categories=False))
    assert result.pack is None
    lines = [str(p) for p in result.errors]
    name = str(tmp_path / "tiny" / "liaison.yaml")

    def has(line: int, field: str, words: str) -> bool:
        return any(s.startswith(f"{name}:{line}: {field}: ") and words in s for s in lines)

    assert has(4, "categories[transport].id", "duplicate liaison category id 'transport'"), lines
    assert has(7, "categories[medical].urgent", ""), lines
    assert has(9, "categories[9].id", "") or any(":9: categories" in s for s in lines), lines
    assert has(13, "quick_replies[car].categories[0]", "unknown liaison category 'transprot'"), lines
    assert any(f"{name}:16: quick_replies[empty].text" in s for s in lines), lines
    assert any(f"{name}:19: colour: unknown key 'colour'" in s for s in lines), lines
    warnings = [str(p) for p in result.warnings]
    assert any(f"{name}:18: quick_replies[nofr].text" in s and "missing in fr" in s for s in warnings), warnings


def test_strict_makes_missing_languages_errors(tmp_path: Path):
    text = GOOD.replace("{en: Soon., fr: Bientôt.}", "{en: Soon.}")
    assert check_pack(tiny(tmp_path, text, event_categories=False)).pack is not None
    assert check_pack(tiny(tmp_path / "s", text, event_categories=False), strict=True).pack is None


def test_pack_version_changes_with_liaison_yaml(tmp_path: Path):
    one = load_pack(tiny(tmp_path, GOOD, event_categories=False))
    two = load_pack(tiny(tmp_path / "x", GOOD.replace("Soon.", "Shortly."), event_categories=False))
    assert one.version != two.version
