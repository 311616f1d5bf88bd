"""The words' ranking and the model's, fused, and a calibrated decision on the result.

The lexical engine ranks the pack's entries by the words, stems and concepts a question
shares with them; the multilingual model ranks them by meaning (:mod:`bot.answers.semantic`).
Neither is enough alone: the words know the pack's own phrasings and names exactly, the model
knows the delegate's other ways of saying the same thing. Each candidate of either ranking
(the first few of both) is described by features of *both* rankings (:data:`FEATURES`):
its confidence and rank by the words, its similarity read against the distribution over
all the pack's entries (a z-score per question: the model's raw similarities are compressed,
an unrelated question still scores 0.8), whether both rankings agree, whether the question
names it in full, what kind of entry it is. A conditional logit (a learned mix of the two
rankings: a softmax over the candidates' scores and the score of "none of them") turns them
into the probability that each candidate is the right answer, read against the others.

Its weights and the decision thresholds are fitted on the dev sets only
(``python -m bench.qa.fit`` writes :data:`CALIBRATION_PATH`): answer when the best candidate
is at least ``answer_at`` likely (the words' own confident first choice: ``keep_at``),
offer as "did you mean" buttons the candidates at least ``offer_at`` likely, refuse
otherwise. The benchmark prints how well the probabilities are
calibrated (a reliability table).
"""

from __future__ import annotations

import json
import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")

#: the features of a candidate, in the order of the fitted weights
FEATURES: tuple[str, ...] = (
    "lex_conf",  # the lexical confidence (coverage and key recall), 0 when not a lexical candidate
    "lex_ratio",  # its lexical score over the best lexical score
    "lex_top",  # the words' first choice
    "lex_present",  # among the words' candidates at all
    "sem_z",  # similarity to its nearest phrasing, as a z-score over all entries
    "sem_lead",  # that z-score minus the best other entry's (the model's first choice: its margin)
    "sem_top",  # the model's first choice
    "body_z",  # similarity to its answer's head, as a z-score
    "body_lead",  # that minus the best other answer's (0 for an entry without an answer)
    "agree",  # the first choice of both
    "entity",  # the question names it in full (a room, a session, a person)
    "type_session",
    "type_place",
    "type_contact",
    "q_foreign",  # share of the question's weight in words the pack never uses
    "q_sem_best",  # how much the model's best entry stands out (question-level)
    "q_lex_best",  # the words' best confidence (question-level)
    "lex_x_sem",  # lex_conf times the model's agreement (sem_z clipped to 0..4, over 4)
    "lex_sure",  # the words alone would answer with it (lex_conf at or above their threshold)
    "sem_strong",  # the model singles it out (sem_z from 2 to 4, mapped to 0..1)
    # what the question asks and what kind of entry it is ("where…" and a room): the words
    # weigh it (the engine's TYPE_BOOST), the model's similarities do not
    "where_place",  # asks where or the way, and it is a room or a venue
    "where_session",  # asks where, and it is a session (its card says where it is held)
    "when_session",  # asks when (or whether it started), and it is a session
    "who_contact",  # asks whom to contact or who, and it is a contact
)
_WHERE, _WHEN, _WHO = frozenset({"where", "route"}), frozenset({"when", "status"}), frozenset({"contact", "who"})
#: each intent feature: the lexicon's intents behind it, and the kind of entry it meets
_ASKS: tuple[tuple[frozenset[str], str], ...] = (
    (_WHERE, "place"), (_WHERE, "session"), (_WHEN, "session"), (_WHO, "contact"))
#: an entry type's kind for the intent features (an FAQ entry has none)
_KIND = {"room": "place", "venue": "place", "session": "session", "contact": "contact"}
#: the features a first run recorded before the intent features (bench.qa.firstrun adds
#: those from the question's intents: :func:`with_intents`)
BASE_FEATURES: tuple[str, ...] = FEATURES[:-len(_ASKS)]

#: the words' own threshold (bot.answers.engine.THRESHOLD), for the lex_sure feature
LEXICAL_THRESHOLD = 0.54
#: agreement: the words' first choice, an FAQ entry or a session they account for at least AGREE_FLOOR,
#: is also the model's and stands AGREE_Z deviations above the pack's mean: it answers
#: whatever the regression says (the earlier engine's "second opinion", kept as a rule)
AGREE_Z = 3.0
AGREE_FLOOR = 0.4


def preferred(x: np.ndarray, probability: float, words_top: np.ndarray, words_probability: float) -> bool:
    """Whether the words' confident first choice (features ``words_top``) gives way to this
    candidate: the words accept it too (at their threshold), it is the model's first choice
    and stands AGREE_Z deviations out, the decision model finds it likelier, and the words'
    choice is not one of its entry's own phrasings asked word for word ("souvenirs for my
    kids" is the shopping FAQ, not the session on children online)."""
    f = FEATURES.index
    return (x[f("lex_conf")] >= LEXICAL_THRESHOLD and x[f("sem_top")] == 1.0 and x[f("sem_z")] >= AGREE_Z
            and probability > words_probability and words_top[f("lex_conf")] < 0.999)


def agreed(x: np.ndarray, faq: bool, sessions: bool = True) -> bool:
    """Whether a candidate's features show the agreement rule above: an FAQ entry, or a
    session (both rankings' first choice: "la charla de créditos de biodiversidad, a qué
    hora es" names the side event loosely, and the model singles it out) unless
    ``sessions`` is false (the engine: a question asking who, "who moderates the glacier
    panel?", which a session's card does not answer); never a place or a contact."""
    f = FEATURES.index
    return ((faq or (sessions and x[f("type_session")] == 1.0)) and x[f("agree")] == 1.0
            and x[f("sem_z")] >= AGREE_Z and x[f("lex_conf")] >= AGREE_FLOOR)


def intent_features(intents: AbstractSet[str], entry_type: str) -> list[float]:
    """A candidate's intent features: what the question asks (``intents``, the lexicon's)
    against its entry's type."""
    kind = _KIND.get(entry_type)
    return [float(kind == wanted and bool(asks & intents)) for asks, wanted in _ASKS]


def with_intents(x: np.ndarray, intents: AbstractSet[str]) -> np.ndarray:
    """Candidates' :data:`BASE_FEATURES` (rows of ``x``) with the intent features after them
    (the type read back from the kind features: a place's is "room")."""
    f = BASE_FEATURES.index
    types = ["session" if row[f("type_session")] == 1.0 else "room" if row[f("type_place")] == 1.0
             else "contact" if row[f("type_contact")] == 1.0 else "faq" for row in x]
    extra = [intent_features(intents, t) for t in types]
    return np.hstack([x, np.array(extra, dtype=float).reshape(len(x), len(_ASKS))])


def singled_out(x: np.ndarray) -> bool:
    """Whether the model singles a candidate out: its first choice, AGREE_Z deviations above
    the pack's mean ("parol ot wifi?" is the Wi-Fi entry, whatever the words make of "parol")."""
    f = FEATURES.index
    return x[f("sem_top")] == 1.0 and x[f("sem_z")] >= AGREE_Z


#: candidates taken from each ranking
LEXICAL_DEPTH = 5
SEMANTIC_DEPTH = 5
BODY_DEPTH = 3


@dataclass
class Candidate:
    entry: int
    features: np.ndarray
    lexical_conf: float
    lexical_rank: int | None
    probability: float = 0.0
    #: it names what the question needs named (the lexicon's ``needs`` concepts): else it
    #: may be offered but is never the answer
    fits: bool = True


#: the features that describe the question, not a candidate: the same for all its candidates,
#: they weigh only the option of answering none of them
QUESTION_FEATURES: tuple[str, ...] = ("q_foreign", "q_sem_best", "q_lex_best")
_QUESTION = [FEATURES.index(n) for n in QUESTION_FEATURES]


@dataclass(frozen=True)
class Calibration:
    """A fitted choice among a question's candidates and "none of them" (a conditional
    logit: a softmax over the candidates' scores and the score of answering none), over
    standardised :data:`FEATURES`, and its thresholds.

    A candidate's probability is read against the question's other candidates, as a
    delegate's question is: the model's first choice by a wide margin is likely even when
    its similarity is modest, and two close candidates share their probability. "None"
    scores by the question's own features (how much of it the pack never speaks of, how
    well the best of each ranking fits), so an out-of-scope question leaves every candidate
    unlikely."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    #: the score of "none of them", over :data:`QUESTION_FEATURES` (standardised), and its bias
    none_weights: np.ndarray
    none_bias: float
    answer_at: float
    offer_at: float
    #: the words' own confident first choice is kept down to this probability
    keep_at: float = 0.0

    def scores(self, x: np.ndarray) -> np.ndarray:
        """The softmax's scores of one question's candidates (rows of ``x``), then of "none"."""
        z = (x - self.mean) / self.scale
        return np.append(z @ self.weights, z[0, _QUESTION] @ self.none_weights + self.none_bias)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Each candidate's probability of being the answer (rows of ``x``, one question's
        candidates; "none" takes the rest)."""
        scores = self.scores(x)
        scores -= scores.max()
        p = np.exp(scores)
        return p[:-1] / p.sum()

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "none_weights": [round(float(v), 6) for v in self.none_weights],
            "none_bias": round(self.none_bias, 6),
            "answer_at": round(self.answer_at, 4),
            "offer_at": round(self.offer_at, 4),
            "keep_at": round(self.keep_at, 4),
        }

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError("calibration was fitted on other features: run python -m bench.qa.fit")
        return cls(names, np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]),
                   np.array(data["none_weights"]), float(data["none_bias"]), float(data["answer_at"]),
                   float(data["offer_at"]), float(data.get("keep_at", 0.0)))


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_PATH) -> Calibration | None:
    """The fitted calibration, or None when there is none (yet): then the engine decides
    from its words alone, as without the model."""
    try:
        return Calibration.from_json(json.loads(path.read_text(encoding="utf-8"))["model"])
    except (OSError, KeyError, ValueError):
        return None


def zscores(sims: np.ndarray) -> np.ndarray:
    """Similarities read against their distribution over the pack's entries (entries
    without a text, at -1, do not count)."""
    valid = sims[sims > -1.0]
    if len(valid) < 2:
        return np.zeros_like(sims)
    std = float(valid.std()) or 1.0
    return (sims - float(valid.mean())) / std


def candidates(
    ranked: list[tuple[int, float, float]],
    key_sims: np.ndarray,
    body_sims: np.ndarray,
    types: list[str],
    entity: set[int],
    foreign: float,
    intents: AbstractSet[str] = frozenset(),
) -> list[Candidate]:
    """The first candidates of both rankings, each with its :data:`FEATURES`."""
    key_z, body_z = zscores(key_sims), zscores(body_sims)
    sem_order = np.argsort(-key_z, kind="stable")
    body_order = np.argsort(-body_z, kind="stable")
    sem_top = int(sem_order[0]) if len(sem_order) else -1
    lex_top = ranked[0][0] if ranked else -1
    top_score = ranked[0][1] if ranked else 1.0
    lexical = {i: (k, score, conf) for k, (i, score, conf) in enumerate(ranked[:LEXICAL_DEPTH])}
    picked = list(dict.fromkeys([
        *lexical,
        *(int(i) for i in sem_order[:SEMANTIC_DEPTH]),
        *(int(i) for i in body_order[:BODY_DEPTH] if body_sims[i] > -1.0),
    ]))
    best_key = float(key_z[sem_top]) if sem_top >= 0 else 0.0
    key_lead = _leads(key_z, key_sims > -1.0)
    has_body = body_sims > -1.0
    body_lead = _leads(body_z, has_body)
    q_lex = ranked[0][2] if ranked else 0.0
    out = []
    for i in picked:
        rank, score, conf = lexical.get(i, (None, 0.0, 0.0))
        t = types[i]
        sem = float(key_z[i])
        x = np.array([
            conf,
            score / top_score if rank is not None and top_score > 0 else 0.0,
            float(i == lex_top),
            float(rank is not None),
            sem,
            float(key_lead[i]),
            float(i == sem_top),
            float(body_z[i]) if has_body[i] else 0.0,
            float(body_lead[i]) if has_body[i] else 0.0,
            float(i == lex_top == sem_top),
            float(i in entity),
            float(t == "session"),
            float(t in ("room", "venue")),
            float(t == "contact"),
            foreign,
            best_key,
            q_lex,
            conf * min(max(sem, 0.0), 4.0) / 4.0,
            float(conf >= LEXICAL_THRESHOLD),
            min(max((sem - 2.0) / 2.0, 0.0), 1.0),
            *intent_features(intents, t),
        ])
        out.append(Candidate(i, x, conf, rank))
    return out


def _leads(z: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each entry's z-score minus the best of the *other* entries': the first one's margin
    over the second (positive), the others' distance to the first (negative)."""
    scores = np.where(valid, z, -np.inf)
    if int(valid.sum()) < 2:
        return np.zeros_like(z)
    order = np.argsort(-scores, kind="stable")
    first, second = float(scores[order[0]]), float(scores[order[1]])
    lead = z - first
    lead[order[0]] = first - second
    return np.where(valid, lead, 0.0)


# ---------------------------------------------------------------------------- fitting
def fit_choice(questions: list[tuple[np.ndarray, np.ndarray]], weights: np.ndarray, l2: float = 1.0,
               iterations: int = 60) -> tuple[np.ndarray, np.ndarray, float]:
    """The weights of :class:`Calibration` (candidates', none's, none's bias) that make each
    question's right candidates likely, or "none" when it has none (out of scope, or no right
    entry among the candidates): ``questions`` are (standardised features, 0/1 labels), one
    row per candidate; ``weights`` each question's weight. L2-regularised, by Newton steps with
    the softmax's Fisher information (a question with several right candidates counts the
    probability of any of them), halving a step that does not lower the loss."""
    n_feat, n_q = questions[0][0].shape[1], len(_QUESTION)
    width = max(len(x) for x, _ in questions) + 1
    dim = n_feat + n_q + 1
    phi = np.zeros((len(questions), width, dim))  # each option's features: candidates', then none's
    valid = np.zeros((len(questions), width), dtype=bool)
    right = np.zeros((len(questions), width))
    for k, (x, y) in enumerate(questions):
        n = len(x)
        phi[k, :n, :n_feat] = x
        phi[k, :n, _QUESTION] = 0.0  # the same for all candidates: they weigh "none" only
        phi[k, -1, n_feat : n_feat + n_q] = x[0, _QUESTION]
        phi[k, -1, -1] = 1.0
        valid[k, :n] = True
        valid[k, -1] = True
        if y.any():
            right[k, :n] = y
        else:
            right[k, -1] = 1.0
    reg = np.full(dim, l2)
    reg[-1] = 0.0  # none's bias is not shrunk

    def loss_and_probs(theta: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.where(valid, phi @ theta, -np.inf)
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        got = np.maximum((p * right).sum(axis=1), 1e-300)
        return float(-(weights * np.log(got)).sum() + 0.5 * (reg * theta * theta).sum()), p

    theta = np.zeros(dim)
    loss, p = loss_and_probs(theta)
    for _ in range(iterations):
        target = p * right
        target /= np.maximum(target.sum(axis=1, keepdims=True), 1e-300)  # the right ones' share
        grad = np.einsum("q,qo,qod->d", weights, p - target, phi) + reg * theta
        mean_phi = np.einsum("qo,qod->qd", p, phi)
        fisher = (np.einsum("q,qo,qod,qoe->de", weights, p, phi, phi)
                  - np.einsum("q,qd,qe->de", weights, mean_phi, mean_phi))
        step = np.linalg.solve(fisher + np.diag(reg + 1e-6), grad)
        scale = 1.0
        while scale > 1e-4:
            trial = theta - scale * step
            trial_loss, trial_p = loss_and_probs(trial)
            if trial_loss <= loss:
                break
            scale /= 2
        else:
            break
        converged = loss - trial_loss < 1e-7 * max(1.0, abs(loss))
        theta, loss, p = trial, trial_loss, trial_p
        if converged:
            break
    return theta[:n_feat], theta[n_feat : n_feat + n_q], float(theta[-1])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def reliability(probabilities: list[float], outcomes: list[bool], bins: int = 10) -> list[dict[str, float]]:
    """How often a decision said to be p likely was right, per bin of p (a reliability
    table), and its weight: rows {"from", "to", "n", "mean_p", "right"}."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [k for k, p in enumerate(probabilities) if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if not idx:
            continue
        rows.append({
            "from": round(lo, 2), "to": round(hi, 2), "n": len(idx),
            "mean_p": round(sum(probabilities[k] for k in idx) / len(idx), 3),
            "right": round(sum(outcomes[k] for k in idx) / len(idx), 3),
        })
    return rows


def calibration_error(rows: list[dict[str, float]]) -> float:
    """Expected calibration error of a reliability table (weighted mean |p - right|)."""
    total = sum(r["n"] for r in rows)
    if not total:
        return math.nan
    return round(sum(r["n"] * abs(r["mean_p"] - r["right"]) for r in rows) / total, 3)
