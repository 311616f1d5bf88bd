"""The words' ranking and the model's, fused, and a calibrated decision on the result.

The lexical engine ranks the pack's entries by the words, stems and concepts a question
shares with them; the multilingual model ranks them by meaning (:mod:`bot.answers.semantic`).
Neither is enough alone: the words know the pack's own phrasings and names exactly, the model
knows the delegate's other ways of saying the same thing. Each candidate of either ranking
(the first few of both) is described by features of *both* rankings (:data:`FEATURES`):
its confidence and rank by the words, its similarity read against the distribution over
all the pack's entries (a z-score per question: the model's raw similarities are compressed,
an unrelated question still scores 0.8), whether both rankings agree, whether the question
names it in full, what kind of entry it is. A logistic regression (a learned mix of the two
rankings) turns them into the probability that the candidate is the right answer.

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
    "sem_gap",  # that z-score minus the best entry's (0 for the model's first choice)
    "sem_top",  # the model's first choice
    "body_z",  # similarity to its answer's head, as a z-score
    "body_gap",  # that minus the best answer's
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
)

#: the words' own threshold (bot.answers.engine.THRESHOLD), for the lex_sure feature
LEXICAL_THRESHOLD = 0.54
#: agreement: the words' first choice, an FAQ entry they account for at least AGREE_FLOOR,
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


def agreed(x: np.ndarray, faq: bool) -> bool:
    """Whether a candidate's features show the agreement rule above."""
    f = FEATURES.index
    return faq and x[f("agree")] == 1.0 and x[f("sem_z")] >= AGREE_Z and x[f("lex_conf")] >= AGREE_FLOOR

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


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic regression over standardised :data:`FEATURES` and its thresholds."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    answer_at: float
    offer_at: float
    #: the words' own confident first choice is kept down to this probability
    keep_at: float = 0.0
    #: Platt scaling of the regression's output (slope, intercept): probabilities that mean
    #: what they say for the best candidate of a question
    platt: tuple[float, float] = (1.0, 0.0)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        z = self.platt[0] * z + self.platt[1]
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "answer_at": round(self.answer_at, 4),
            "offer_at": round(self.offer_at, 4),
            "keep_at": round(self.keep_at, 4),
            "platt": [round(v, 6) for v in self.platt],
        }

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError("calibration was fitted on other features: run python -m bench.qa.fit")
        return cls(names, np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]),
                   float(data["bias"]), float(data["answer_at"]), float(data["offer_at"]),
                   float(data.get("keep_at", 0.0)), tuple(data.get("platt", (1.0, 0.0))))


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
    best_body = float(body_z.max()) if len(body_z) else 0.0
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
            sem - best_key,
            float(i == sem_top),
            float(body_z[i]) if body_sims[i] > -1.0 else 0.0,
            float(body_z[i]) - best_body if body_sims[i] > -1.0 else -best_body,
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
        ])
        out.append(Candidate(i, x, conf, rank))
    return out


# ---------------------------------------------------------------------------- fitting
def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method) on
    standardised features."""
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w[:-1], float(w[-1])


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
