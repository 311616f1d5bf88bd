"""The fusion of the words' ranking with the model's and the calibrated decision
(bot.answers.fusion and the engine's rule that uses it): the features, the fitting, the
decisions and their safety, the coefficients kept in the repository."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.answers.engine import THRESHOLD, _choose
from bot.answers.fusion import (
    AGREE_Z,
    CALIBRATION_PATH,
    FEATURES,
    QUESTION_FEATURES,
    Calibration,
    calibration_error,
    candidates,
    fit_choice,
    load_calibration,
    reliability,
    zscores,
)

F = FEATURES.index


def _calibration(weights: dict[str, float], none: float = 0.0, answer_at: float = 0.7, offer_at: float = 0.4) -> Calibration:
    """A hand-made choice model: a candidate scores the named raw features times weights,
    "none of them" scores ``none``; probabilities are the softmax of those scores."""
    d = len(FEATURES)
    w = np.zeros(d)
    for name, value in weights.items():
        w[F(name)] = value
    return Calibration(FEATURES, np.zeros(d), np.ones(d), w, np.zeros(len(QUESTION_FEATURES)), none, answer_at, offer_at)


def _sims(n: int, **high: float) -> list[float]:
    """Compressed similarities of ``n`` entries around 0.80, some entries higher (e3=0.97)."""
    out = [0.80 + 0.01 * ((k * 7) % 5 - 2) for k in range(n)]
    for name, value in high.items():
        out[int(name[1:])] = value
    return out


def _decide(ranked, key_sims, types, cal: Calibration, body=None):
    """Candidates of a ranking, their probabilities, and the engine's choice among them."""
    n = len(types)
    cands = candidates(ranked, np.array(key_sims, dtype=np.float32),
                       np.array(body if body is not None else [-1.0] * n, dtype=np.float32), types, set(), 0.0)
    x = np.stack([c.features for c in cands])
    for c, prob in zip(cands, cal.probabilities(x), strict=True):
        c.probability = float(prob)
    ordered = sorted(cands, key=lambda c: -c.probability)
    chosen = _choose(ordered, [types[c.entry] for c in ordered], cal)
    return chosen, {c.entry: c for c in cands}


def test_similarities_are_read_against_the_packs_distribution():
    sims = np.array([0.80, 0.81, 0.79, 0.80, 0.93, -1.0], dtype=np.float32)  # compressed, one entry without text
    z = zscores(sims)
    assert int(np.argmax(z)) == 4 and z[4] > 1.9  # stands out though 0.93 is "only" 0.13 above the rest
    assert abs(float(z[:5].mean())) < 1e-5  # the entry without a text does not count
    assert np.all(zscores(np.array([0.5], dtype=np.float32)) == 0)  # nothing to compare with


def test_candidates_come_from_both_rankings_with_their_features():
    ranked = [(0, 10.0, 0.9), (1, 6.0, 0.5)]  # the words: entry 0, then 1
    key = [0.80, 0.81, 0.80, 0.95, 0.80, 0.79]  # the model: entry 3, which the words do not know
    cands = {c.entry: c for c in candidates(ranked, np.array(key, dtype=np.float32), np.full(6, -1.0, dtype=np.float32),
                                            ["faq"] * 6, {1}, 0.25)}
    assert {0, 1, 3} <= set(cands)
    words_top, named, model_only = cands[0].features, cands[1].features, cands[3].features
    assert words_top[F("lex_top")] == 1 and words_top[F("lex_conf")] == 0.9 and words_top[F("sem_top")] == 0
    assert named[F("entity")] == 1 and named[F("lex_ratio")] == pytest.approx(0.6)
    assert model_only[F("lex_present")] == 0 and model_only[F("sem_top")] == 1 and model_only[F("sem_lead")] > 0
    assert model_only[F("sem_z")] > 2 and cands[3].lexical_rank is None
    assert all(c.features[F("q_foreign")] == 0.25 for c in cands.values())


def test_what_the_question_asks_meets_the_kind_of_entry():
    ranked = [(0, 10.0, 0.9), (1, 8.0, 0.7), (2, 6.0, 0.5)]
    types = ["room", "session", "contact", "faq"]
    key, body = np.full(4, 0.8, dtype=np.float32), np.full(4, -1.0, dtype=np.float32)
    where = {c.entry: c.features for c in candidates(ranked, key, body, types, set(), 0.0, {"where"})}
    assert where[0][F("where_place")] == 1 and where[1][F("where_session")] == 1
    assert where[1][F("when_session")] == 0 and where[2][F("who_contact")] == 0 and where[0][F("where_session")] == 0
    when = {c.entry: c.features for c in candidates(ranked, key, body, types, set(), 0.0, {"status"})}
    assert when[1][F("when_session")] == 1 and when[0][F("where_place")] == 0
    who = {c.entry: c.features for c in candidates(ranked, key, body, types, set(), 0.0, {"contact"})}
    assert who[2][F("who_contact")] == 1 and who[1][F("when_session")] == 0
    # an FAQ entry has none of them, whatever is asked
    faq = candidates([(3, 10.0, 0.9)], key, body, types, set(), 0.0, {"where", "when", "who"})[0]
    assert not any(faq.features[F(n)] for n in ("where_place", "where_session", "when_session", "who_contact"))


def test_the_words_confident_choice_stands():
    cal = _calibration({"sem_z": 2.0}, none=3.0)  # a model that likes only what it singles out
    chosen, _ = _decide([(0, 10.0, 0.8)], [0.80, 0.81, 0.80, 0.79], ["faq"] * 4, cal)
    assert chosen is not None and chosen.entry == 0 and chosen.probability < cal.answer_at


def test_the_model_rescues_an_faq_the_words_were_unsure_of():
    cal = _calibration({"sem_z": 2.0}, none=3.0)
    key = _sims(20, e4=0.95)
    chosen, cands = _decide([(0, 5.0, 0.3), (4, 3.0, 0.3)], key, ["faq"] * 20, cal)
    assert chosen is not None and chosen.entry == 4 and cands[4].probability >= cal.answer_at
    # the same with a lower probability than answer_at: a refusal
    strict = _calibration({"sem_z": 2.0}, none=3.0, answer_at=0.9999)
    assert _decide([(0, 5.0, 0.3), (4, 3.0, 0.3)], key, ["faq"] * 20, strict)[0] is None


@pytest.mark.parametrize("kind", ["session", "room", "venue", "contact"])
def test_a_time_or_a_place_is_never_answered_on_the_models_word(kind):
    """The model singles out a session (or a room...) the words barely know: however likely
    the decision model finds it, it is not answered (a wrong time or place is worse than
    "not sure"); an FAQ the same way would be."""
    cal = _calibration({"sem_z": 3.0}, none=2.0, answer_at=0.5)
    key = _sims(20, e3=0.97)
    types = ["faq", "faq", "faq", kind] + ["faq"] * 16
    chosen, cands = _decide([(0, 5.0, 0.3), (3, 4.0, THRESHOLD - 0.1)], key, types, cal)
    assert cands[3].probability > 0.99
    assert chosen is None or types[chosen.entry] == "faq"
    as_faq, _ = _decide([(0, 5.0, 0.3), (3, 4.0, THRESHOLD - 0.1)], key, ["faq"] * 20, cal)
    assert as_faq is not None and as_faq.entry == 3


@pytest.mark.parametrize("kind", ["faq", "session"])
def test_agreement_of_both_rankings_answers_an_faq_or_a_session(kind):
    # "la charla de créditos de biodiversidad, a qué hora es": the words' first choice, not
    # sure, and the model's, singled out
    cal = _calibration({}, none=5.0)  # a decision model that would refuse everything
    key = _sims(20, e0=0.95)
    types = [kind] + ["faq"] * 19
    chosen, cands = _decide([(0, 5.0, 0.45)], key, types, cal)
    assert cands[0].features[F("sem_z")] >= AGREE_Z and chosen is not None and chosen.entry == 0
    # the words too unsure (below the agreement floor): refused
    assert _decide([(0, 5.0, 0.2)], key, types, cal)[0] is None


@pytest.mark.parametrize("kind", ["room", "venue", "contact"])
def test_agreement_does_not_answer_a_place_or_a_contact(kind):
    cal = _calibration({}, none=5.0)
    assert _decide([(0, 5.0, 0.45)], _sims(20, e0=0.95), [kind] + ["faq"] * 19, cal)[0] is None


def test_the_models_clear_choice_that_the_words_accept_wins():
    cal = _calibration({"sem_z": 1.0}, none=1.0)
    key = _sims(20, e2=0.97)
    ranked = [(0, 10.0, 0.7), (2, 8.0, THRESHOLD + 0.02)]
    chosen, _ = _decide(ranked, key, ["session"] + ["faq"] * 19, cal)
    assert chosen is not None and chosen.entry == 2
    # ... unless the words' choice is one of its entry's own phrasings asked word for word
    exact, _ = _decide([(0, 10.0, 1.0), (2, 8.0, THRESHOLD + 0.02)], key, ["faq"] * 20, cal)
    assert exact is not None and exact.entry == 0


def test_the_choice_model_learns_which_candidate_and_when_none():
    """Questions of four candidates: the right one is the best by x0 - x1, when the
    question's own q_sem_best is high; otherwise none is (out of scope). The fit finds both."""
    rng = np.random.default_rng(7)
    q = F("q_sem_best")
    questions, truth = [], []
    for _ in range(300):
        x = rng.normal(size=(4, len(FEATURES)))
        x[:, q] = rng.normal()
        best = int(np.argmax(x[:, 0] - x[:, 1]))
        in_scope = x[0, q] > 0
        questions.append((x, (np.arange(4) == best).astype(float) if in_scope else np.zeros(4)))
        truth.append(best if in_scope else None)
    w, none_w, none_b = fit_choice(questions, np.ones(len(questions)), l2=0.1)
    assert w[0] > 1 and w[1] < -1
    assert none_w[QUESTION_FEATURES.index("q_sem_best")] < -1  # a high q_sem_best: none unlikely
    d = len(FEATURES)
    cal = Calibration(FEATURES, np.zeros(d), np.ones(d), w, none_w, none_b, 0.5, 0.3)
    got = []
    for x, _ in questions:
        p = cal.probabilities(x)
        assert 0 < p.sum() <= 1 + 1e-9  # "none" takes the rest
        got.append(int(np.argmax(p)) if p.max() >= 0.5 else None)
    assert np.mean([g == t for g, t in zip(got, truth, strict=True)]) > 0.85


def test_reliability_table_and_calibration_error():
    rows = reliability([0.05, 0.15, 0.95, 0.92, 0.97], [False, True, True, True, False])
    assert [(r["from"], r["n"]) for r in rows] == [(0.0, 1), (0.1, 1), (0.9, 3)]
    assert rows[2]["right"] == pytest.approx(2 / 3, abs=1e-3)
    assert 0 < calibration_error(rows) < 1


def test_the_kept_coefficients_match_the_features_and_round_trip(tmp_path):
    data = json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))
    assert data["model"]["features"] == list(FEATURES)  # refit (python -m bench.qa.fit) after changing features
    cal = load_calibration()
    assert cal is not None and 0 < cal.offer_at < 1 and 0 < cal.answer_at < 1
    again = Calibration.from_json(cal.as_json())
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, len(FEATURES)))
    assert np.allclose(again.probabilities(x), cal.probabilities(x), atol=1e-5)
    other = dict(cal.as_json(), features=[*FEATURES[:-1], "something-else"])
    with pytest.raises(ValueError):
        Calibration.from_json(other)
    broken = tmp_path / "calibration.json"
    broken.write_text("{}", encoding="utf-8")
    assert load_calibration(broken) is None  # no fitted model: the engine decides from its words


def test_agreement_does_not_answer_who_with_a_session():
    # "who moderates the glacier panel?": the panel is both rankings' first choice, but its
    # card is not an answer to who; an FAQ still is ("who do I call for a doctor?")
    cal = _calibration({}, none=5.0)
    key = _sims(20, e0=0.95)
    for kind, answered in (("session", False), ("faq", True)):
        cands = candidates([(0, 5.0, 0.45)], np.array(key, dtype=np.float32), np.full(20, -1.0, dtype=np.float32),
                           [kind] + ["faq"] * 19, set(), 0.0)
        for c, prob in zip(cands, cal.probabilities(np.stack([c.features for c in cands])), strict=True):
            c.probability = float(prob)
        ordered = sorted(cands, key=lambda c: -c.probability)
        types = [([kind] + ["faq"] * 19)[c.entry] for c in ordered]
        chosen = _choose(ordered, types, cal, who=True)
        assert (chosen is not None and chosen.entry == 0) is answered
