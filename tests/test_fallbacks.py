"""No raw id in what a person reads: where the pack does not name something, the bot says it
in the person's language (a topic without a name, a kind or an audience the code does not
know, an answer's button)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.answers.compose import label
from bot.answers.engine import Match
from bot.cards import audience_label, category_name, kind_name
from bot.catalog.loader import check_pack, load_pack
from bot.i18n import translator

TINY = Path(__file__).parent / "data" / "packs" / "tiny"


def test_a_pack_without_categories_gets_a_translated_topic_and_a_warning(tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(TINY, pack_dir)
    faq = pack_dir / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").split("faq:", 1)[1].join(["faq:", ""]), encoding="utf-8")
    result = check_pack(pack_dir)
    assert result.pack is not None
    warnings = [str(p) for p in result.problems]
    assert any("faq.yaml:1: categories: warning: no categories" in w for w in warnings), warnings
    pack = result.pack
    assert category_name(translator("fr"), pack, "transport") == "Autres questions"
    assert category_name(translator("ar"), pack, "general") == "أسئلة أخرى"
    named = load_pack(TINY)
    assert category_name(translator("fr"), named, "general") == "Général"


def test_unknown_kinds_and_audiences_are_said_not_spelt() -> None:
    assert kind_name(translator("ru"), "workshop") == "Другие заседания"
    assert audience_label(translator("es"), "vip") == "participantes con acceso especial"
    assert audience_label(translator("fr"), "media") == "médias"


def test_an_answers_button_is_one_of_its_questions_in_some_language() -> None:
    pack = load_pack(TINY)
    assert label(Match("faq", "wifi", 1.0), pack, "ar") == "Is there wifi?"
    assert label(Match("faq", "wifi", 1.0), pack, "fr") == "Y a-t-il du wifi ?"
