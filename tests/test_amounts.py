"""Whether an entry states a price (bot.answers.amounts), and what a price question gets from
an entry that names the cost but gives no figure: a "did you mean", not the answer."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from bot.answers import AnswerEngine
from bot.answers.amounts import states_price
from bot.catalog.loader import load_pack

MINI = Path(__file__).resolve().parent / "data" / "packs" / "qa-mini"


@pytest.mark.parametrize("text", [
    "A ride to Westlands usually costs KES 500–1,000.",
    "Comptez 20 000 FCFA la nuit.",
    "Tickets: 15 € at the door.",
    "$25 per person",
    "Поездка стоит около 3 000 рублей.",
    "السعر 50 دولار للشخص",
    "每晚800元，含早餐",
    "Vé 50 đô một người",
    "The shuttle is free of charge.",
    "Le déjeuner est inclus.",
    "Xe đưa đón miễn phí.",
    "الحافلات المجانية تعمل كل ساعة",
    "会场与酒店之间有免费班车",
    "A ride costs a few thousand som.",  # a magnitude in words is a figure too
    "Un trajet coûte quelques milliers de soums.",
])
def test_a_figure_or_free_is_a_price(text):
    assert states_price(text)


@pytest.mark.parametrize("text", [
    "Book with the code ECOBLEUE27: the negotiated rates are guaranteed until 20 January.",
    "Taxis have no meter: agree on the fare before you get in.",
    "COP 30 opens on 10 November.",  # a conference's number, not Colombian pesos
    "Tea is served: 1 cup per delegate.",  # "CUP" only in capitals is a currency
    "Gate 2 opens at 07:00.",
    "Feel free to ask the Help Desk.",
    "Duty-free shops are in the departure hall.",
    "Ouvert tous les jours, y compris le dimanche.",
    "Thousands of delegates are expected.",
])
def test_rates_without_a_figure_are_not_a_price(text):
    assert not states_price(text)


@pytest.fixture(scope="module")
def priced(tmp_path_factory):
    """qa-mini with a hotels FAQ that speaks of rates and gives none, and a taxi FAQ that
    gives a fare."""
    root = tmp_path_factory.mktemp("priced") / "pack"
    shutil.copytree(MINI, root)
    faq = yaml.safe_load((root / "faq.yaml").read_text(encoding="utf-8"))
    faq["faq"] += [
        {"id": "hotels", "category": "general",
         "questions": {"en": ["Which are the official hotels?", "Is there a conference rate at the hotels?"]},
         "answer": {"en": "The Serena and the Stanley are the official hotels. Book with the code SUMMIT26: "
                          "the price is the negotiated conference rate, lower than the public price."}},
        {"id": "taxi", "category": "transport",
         "questions": {"en": ["Can I take a taxi to the venue?", "How do I get a taxi?"]},
         "answer": {"en": "Taxis wait at Gate C. A ride to the city centre costs about KES 800."}},
    ]
    (root / "faq.yaml").write_text(yaml.safe_dump(faq, allow_unicode=True), encoding="utf-8")
    return AnswerEngine(load_pack(root))


def _hit(answer):
    return (answer.match.type, answer.match.id) if answer.match else None


@pytest.mark.parametrize(("question", "lang"), [
    ("how much is a night at the Serena with the conference rate?", "en"),
    ("roughly how much should a night at the Serena cost with the conference rate?", "en"),
    ("c'est combien la nuit au Serena avec le tarif conférence ?", "fr"),
])
def test_a_price_the_pack_does_not_give_is_not_answered_with_the_entry_that_names_the_rate(priced, question, lang):
    answer = priced.ask(question, lang, dt.datetime(2026, 3, 10, 11, 0, tzinfo=priced.tz))
    assert _hit(answer) is None


def test_the_entry_that_names_the_rate_is_offered_and_the_one_that_gives_the_fare_answers(priced):
    now = dt.datetime(2026, 3, 10, 11, 0, tzinfo=priced.tz)
    answer = priced.ask("how much is a night at the Serena with the conference rate?", "en", now)
    assert ("faq", "hotels") in {(m.type, m.id) for m in answer.alternatives}  # offered, not given
    assert _hit(priced.ask("how much is a taxi to the city centre?", "en", now)) == ("faq", "taxi")
