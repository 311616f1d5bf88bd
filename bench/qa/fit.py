"""``python -m bench.qa.fit``: fit the answer engine's decision model on the dev sets.

The engine fuses its lexical ranking with the model's (:mod:`bot.answers.fusion`); a
conditional logit (a softmax over the candidates and "none of them") turns each candidate's features into the probability that it is the
right answer. This script

1. asks every question of the dev sets (bench/qa/dev/, never the benchmark or blind packs)
   with the engine's decision model switched off, and collects every candidate's features
   and whether it is one of the question's expected entries;
   and, because the words were tuned on those same questions (there they look more
   reliable than on a pack nobody tuned for), also the dev packs' own FAQ phrasings held
   out: each third of them asked of an engine built without it, so that the words meet
   phrasings they do not know, as on a new pack; and some entries left out whole, their
   questions asked as out of scope (a topic the pack does not have, near ones it has);
2. chooses the regularisation by fitting on one dev pack and scoring on the others (log
   loss), then fits on all of them;
3. chooses the two thresholds (answer / offer as "did you mean") that do best on the dev
   questions and, at half weight, the held-out phrasings: a right answer or a correct refusal counts 1, a refusal that offers the right
   entry 0.5, a wrong answer -0.5 (a refusal is the safe outcome: a wrong room or time costs a delegate more than "not sure"), buttons offered on an
   out-of-scope question -0.25 (a suggestion under "not sure", not an answer);
4. writes bot/answers/calibration.json (weights, thresholds, and the reliability table on
   the dev sets) and prints it. Same inputs, same file: the fit is deterministic.

The last line is one JSON object (the fit's figures).
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.qa.__main__ import default_now, dev_sets, warm_process
from bench.qa.evaluate import load_questions
from bot.answers import AnswerEngine, fusion, semantic
from bot.answers.engine import ALTERNATIVE_FLOOR, THRESHOLD
from bot.answers.fusion import (
    CALIBRATION_PATH,
    FEATURES,
    QUESTION_FEATURES,
    Calibration,
    agreed,
    calibration_error,
    fit_choice,
    preferred,
    reliability,
    standardise,
)
from bot.answers.question_map import load_question_map
from bot.catalog.loader import load_pack

L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
RIGHT, REFUSED_RIGHT, HELPFUL_REFUSAL, WRONG, NOISE = 1.0, 1.0, 0.5, -0.5, -0.25
#: the held-out phrasings count half as much as a dev question when choosing the thresholds
HELD_OUT_WEIGHT = 0.5
#: how much a question of a fresh set (``*.fresh*.jsonl``: written blind, like a new pack's
#: questions, where the words were not tuned on the question before its first run) counts
#: against one of the sets the words were tuned on (``--fresh-weight``)
FRESH_WEIGHT = 1.0


@dataclass
class Asked:
    """One dev question with the engine's candidates (None: a time question, not fused)."""

    pack: str
    in_scope: bool
    features: np.ndarray | None  # candidates x features
    labels: np.ndarray | None  # candidate is an expected entry
    answerable: np.ndarray | None  # an FAQ entry, or supported by the words
    fixed_right: bool  # the outcome of a question the decision model does not decide
    faq: np.ndarray | None = None  # the candidate is an FAQ entry
    fits: np.ndarray | None = None  # it names what the question needs named (Candidate.fits)
    text: str = ""  # the question (diagnostics)
    lang: str = ""
    fresh: bool = False  # from a fresh set (see FRESH_WEIGHT)
    set: str = ""  # the question file's name (``hanoi-2025.fresh``); "" for a held-out phrasing
    #: the entries the question file expects, as labelled when asked (None: out of scope)
    expect: tuple[tuple[str, str], ...] | None = None
    #: what the question asks (the lexicon's intents, as today's engine reads it)
    intents: frozenset[str] = frozenset()


#: what the temperature and the thresholds are chosen on: "fresh" (the fresh sets as at
#: their first run, the dev material most like a pack nobody tuned for) or "all" dev sets
TEMPER_ON = "fresh"
THRESHOLDS_ON = "all"


def _calibration_set(asked: list[Asked], on: str) -> list[Asked]:
    """The questions ``on`` names (all of ``asked`` when it has no fresh set)."""
    fresh = [a for a in asked if a.fresh]
    return fresh if on == "fresh" and fresh else asked


def set_fresh_weight(weight: float) -> None:
    global FRESH_WEIGHT
    FRESH_WEIGHT = weight


def set_calibration_sets(temper_on: str, thresholds_on: str) -> None:
    global TEMPER_ON, THRESHOLDS_ON
    TEMPER_ON, THRESHOLDS_ON = temper_on, thresholds_on


def weight_of(a: Asked) -> float:
    """How much a question counts in the fit and the thresholds."""
    if a.pack.endswith(".held-out"):
        return HELD_OUT_WEIGHT
    return FRESH_WEIGHT if a.fresh else 1.0


def collect(sets: list[tuple[str, Path, Path]] | None = None) -> list[Asked]:
    """Every question of the dev sets (or of ``sets``: (name, pack dir, question file))."""
    asked: list[Asked] = []
    for name, pack_dir, qpath in dev_sets() if sets is None else sets:
        asked.extend(collect_set(name, pack_dir, qpath))
    return asked


#: a folder of question maps fitted each without one pack (``--maps``), or None: the map itself
MAPS: Path | None = None


@contextmanager
def map_without(pack: str) -> Iterator[None]:
    """While a dev pack's questions are asked: the question map fitted without that pack
    (:data:`MAPS`, from ``python -m bench.qa.question_map --folds``), so that the model's
    features there look as on a pack the map never saw."""
    if MAPS is None:
        yield
        return
    matrix = load_question_map(MAPS / f"{pack}.npy")
    if matrix is None:
        raise SystemExit(f"no question map for {pack} in {MAPS}")
    saved = semantic.load_question_map
    semantic.load_question_map = lambda: matrix
    try:
        yield
    finally:
        semantic.load_question_map = saved


def collect_set(name: str, pack_dir: Path, qpath: Path) -> list[Asked]:
    """One question file's questions, each with the candidates of an engine without a fit."""
    with map_without(pack_dir.name):
        return _collect_set(name, pack_dir, qpath)


def _collect_set(name: str, pack_dir: Path, qpath: Path) -> list[Asked]:
    pack = load_pack(pack_dir)
    engine = AnswerEngine(pack)
    engine.calibration = None  # the features, without any earlier fit's decisions
    if engine.semantic is None or not engine.semantic.available:
        raise SystemExit("the model is needed to fit the decision model")
    engine.semantic.warm()
    questions = load_questions(qpath, default_now(pack), pack.tz)
    asked: list[Asked] = []
    fresh = ".fresh" in name
    for q in questions:
        expect = tuple(q.expect) if q.expect is not None else None
        answer = engine.ask(q.q, q.lang, q.now)
        got = (answer.match.type, answer.match.id) if answer.match else None
        in_scope = q.expect is not None
        if not answer.evidence:
            right = (got in q.expect) if in_scope else got is None
            asked.append(Asked(name.split(".")[0], in_scope, None, None, None, bool(right), text=q.q, lang=q.lang,
                               fresh=fresh, set=name, expect=expect, intents=answer.intents))
            continue
        expected = set(q.expect or [])
        entries = [engine.entries[c.entry] for c in answer.evidence]
        asked.append(Asked(
            name.split(".")[0], in_scope,
            np.stack([c.features for c in answer.evidence]),
            np.array([(str(e.type), e.id) in expected for e in entries], dtype=float),
            np.array([e.type == "faq" or c.lexical_conf >= THRESHOLD for e, c in zip(entries, answer.evidence, strict=True)]),
            False,
            np.array([e.type == "faq" for e in entries]),
            np.array([c.fits for c in answer.evidence]),
            text=q.q, lang=q.lang, fresh=fresh, set=name, expect=expect, intents=answer.intents,
        ))
    print(f"  {name}: {len(questions)} questions", flush=True)
    return asked


def collect_held_out(folds: int = 3) -> list[Asked]:
    """The dev packs' FAQ phrasings, each asked of an engine built without its fold."""
    asked: list[Asked] = []
    packs = {name.split(".")[0]: pack_dir for name, pack_dir, _ in dev_sets()}
    for name, pack_dir in sorted(packs.items()):
        with map_without(pack_dir.name):
            asked.extend(_held_out(name, pack_dir, folds))
    return asked


def _held_out(name: str, pack_dir: Path, folds: int) -> list[Asked]:
    asked: list[Asked] = []
    pack = load_pack(pack_dir)
    now = default_now(pack)
    for fold in range(folds):
        held: list[tuple[str, str, str]] = []  # (entry id, lang, question)
        absent: list[tuple[str, str]] = []  # (lang, question) of an entry left out
        faq = []
        for n, entry in enumerate(pack.faq):
            if n % (2 * folds) == fold:
                absent.extend((lang, qs[0]) for lang, qs in entry.questions.items() if qs)
                continue
            kept: dict[str, list[str]] = {}
            for lang, questions in entry.questions.items():
                for k, question in enumerate(questions):
                    if (k + len(entry.id) + len(lang)) % folds == fold:
                        held.append((entry.id, lang, question))
                    else:
                        kept.setdefault(lang, []).append(question)
            if not kept:  # an entry keeps at least one phrasing
                lang, questions = next(iter(entry.questions.items()))
                kept[lang] = questions[:1]
                held = [h for h in held if (h[0], h[1], h[2]) != (entry.id, lang, questions[0])]
            faq.append(entry.model_copy(update={"questions": kept}))
        reduced = pack.model_copy(update={"faq": faq})
        reduced._lookup = {}
        engine = AnswerEngine(reduced)
        engine.calibration = None
        engine.semantic.warm()
        for entry_id, lang, question in held:
            answer = engine.ask(question, lang, now)
            if not answer.evidence:
                continue
            entries = [engine.entries[c.entry] for c in answer.evidence]
            asked.append(Asked(
                f"{name}.held-out", True,
                np.stack([c.features for c in answer.evidence]),
                np.array([(str(e.type), e.id) == ("faq", entry_id) for e in entries], dtype=float),
                np.array([e.type == "faq" or c.lexical_conf >= THRESHOLD
                          for e, c in zip(entries, answer.evidence, strict=True)]),
                False,
                np.array([e.type == "faq" for e in entries]),
                text=question, lang=lang,
            ))
        for lang, question in absent:
            answer = engine.ask(question, lang, now)
            if answer.evidence:
                asked.append(Asked(
                    f"{name}.held-out", False, np.stack([c.features for c in answer.evidence]),
                    np.zeros(len(answer.evidence)),
                    np.array([engine.entries[c.entry].type == "faq" or c.lexical_conf >= THRESHOLD
                              for c in answer.evidence]),
                    False,
                    np.array([engine.entries[c.entry].type == "faq" for c in answer.evidence]),
                    text=question, lang=lang,
                ))
        print(f"  {name}, held-out phrasings, fold {fold + 1}/{folds}: {len(held)} questions, "
              f"{len(absent)} of entries left out", flush=True)
    return asked


def with_first_runs(asked: list[Asked]) -> list[Asked]:
    """``asked`` with the fresh sets recorded at their first run as they were then
    (:mod:`bench.qa.firstrun`: the words were tuned on them since)."""
    from bench.qa import firstrun  # it imports this module

    records = firstrun.recorded()
    out = firstrun.apply(asked, records)
    taken = {id(r) for questions in records.values() for r in questions}
    used = {a.set for a in out if id(a) in taken}
    print(f"first runs: {len(used)} of {len(records)} recorded sets", flush=True)
    return out


def _unsure_only(a: Asked) -> Asked:
    """A question whose words' first choice is confident, as a fixed outcome."""
    if a.features is None:
        return a
    top = np.flatnonzero(a.features[:, LEX_TOP] == 1.0)
    if len(top) and a.features[top[0], LEX_CONF] >= THRESHOLD:
        right = bool(a.labels[top[0]]) if a.in_scope else False
        return Asked(a.pack, a.in_scope, None, None, None, right, text=a.text, lang=a.lang, fresh=a.fresh, set=a.set,
                     expect=a.expect)
    return a


def right_ones(a: Asked) -> np.ndarray:
    """Which of a question's candidates are right (all 0: "none of them" is, out of scope or
    no expected entry among the candidates)."""
    return a.labels if a.in_scope else np.zeros(len(a.labels))


def fit(asked: list[Asked], l2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The choice model's standardisation and weights (:func:`bot.answers.fusion.fit_choice`)."""
    fused = [a for a in asked if a.features is not None]
    x = np.vstack([a.features for a in fused])
    mean, scale = standardise(x)
    questions = [((a.features - mean) / scale, right_ones(a)) for a in fused]
    weights = np.array([weight_of(a) for a in fused])
    w, none_w, none_b = fit_choice(questions, weights, l2)
    return mean, scale, w, none_w, none_b


def log_loss(asked: list[Asked], mean, scale, w, none_w, none_b) -> float:
    """The mean negative log-likelihood of the right outcome (a right candidate, or none)."""
    cal = Calibration(FEATURES, mean, scale, w, none_w, none_b, 0.5, 0.3)
    total, n = 0.0, 0
    for a in asked:
        if a.features is None:
            continue
        p, right = cal.probabilities(a.features), right_ones(a)
        got = float((p * right).sum()) if right.any() else 1.0 - float(p.sum())
        total -= math.log(max(got, 1e-9))
        n += 1
    return total / max(n, 1)


def choose_l2(asked: list[Asked]) -> float:
    """The regularisation that generalises best from one dev pack to the others."""
    packs = sorted({a.pack.split(".")[0] for a in asked})
    if len(packs) < 2:
        return 1.0
    best = (math.inf, 1.0)
    for l2 in L2_GRID:
        loss = 0.0
        for held in packs:
            model = fit([a for a in asked if not a.pack.startswith(held)], l2)
            loss += log_loss([a for a in asked if a.pack.startswith(held)], *model)
        print(f"  l2 {l2:5.1f}: held-out log loss {loss / len(packs):.4f}", flush=True)
        best = min(best, (loss / len(packs), l2))
    return best[1]


LEX_CONF, LEX_TOP, LEX_PRESENT, SEM_TOP = (FEATURES.index(n) for n in ("lex_conf", "lex_top", "lex_present", "sem_top"))


def _chosen(a: Asked, p: np.ndarray, keep_at: float) -> tuple[int | None, bool]:
    """The candidate the engine's rule (bot.answers.engine._choose) picks before the answer
    threshold, and whether that threshold applies to it (the words' confident choice and the
    agreement rule stand without it)."""
    order = np.argsort(-p, kind="stable")
    lexical = next((k for k in order if a.features[k, LEX_TOP] == 1.0), None)
    gated = False
    if lexical is not None and a.features[lexical, LEX_CONF] >= THRESHOLD:
        model = next((k for k in order if a.features[k, SEM_TOP] == 1.0), None)
        if model is not None and model != lexical and preferred(a.features[model], p[model], a.features[lexical], p[lexical]):
            chosen = model
        else:
            chosen = lexical if p[lexical] >= keep_at else None
    elif lexical is not None and agreed(a.features[lexical], bool(a.faq[lexical])):
        # (the engine also declines a session here when the question asks who: the fit
        # does not keep the question's intents, and counts those few as the rule answers)
        chosen = lexical
    else:
        chosen, gated = next((k for k in order if a.answerable[k]), None), True
    if chosen is not None and a.fits is not None and not a.fits[chosen]:
        chosen = None  # never the answer (bot.answers.engine._choose)
    return (None if chosen is None else int(chosen)), gated


def _offers(a: Asked, p: np.ndarray, chosen: int | None) -> tuple[float, float]:
    """The "did you mean" buttons (bot.answers.engine._offered) as two numbers: the highest
    probability of a right entry among the first three eligible candidates, and the first
    one's (-1 when none): offered right / any at ``offer_at`` when that is at least it."""
    order = np.argsort(-p, kind="stable")
    eligible = [k for k in order if k != chosen and
                (a.features[k, LEX_PRESENT] == 0.0 or a.features[k, LEX_CONF] >= ALTERNATIVE_FLOOR
                 or fusion.singled_out(a.features[k]))][:3]
    right = max((float(p[k]) for k in eligible if a.labels[k]), default=-1.0)
    return right, float(p[eligible[0]]) if eligible else -1.0


def decide(a: Asked, p: np.ndarray, answer_at: float, offer_at: float, keep_at: float) -> tuple[bool, bool, bool, bool]:
    """(answered, answered right, a right entry among the offered buttons, any button): the
    engine's rule (bot.answers.engine._choose and _offered)."""
    chosen, gated = _chosen(a, p, keep_at)
    if chosen is not None and gated and p[chosen] < answer_at:
        chosen = None
    right, first = _offers(a, p, chosen)
    return (chosen is not None, chosen is not None and bool(a.labels[chosen]), right >= offer_at, first >= offer_at)


def _outcomes(asked: list[Asked], cal: Calibration, keep_at: float) -> np.ndarray:
    """Per question, what the thresholds act on (see :func:`_utility`)."""
    rows = []
    for a in asked:
        weight = weight_of(a)
        if a.features is None:
            rows.append((weight, a.in_scope, 1, float(a.fixed_right), 0, 0, 0.0, 0.0, -1, -1, -1, -1))
            continue
        p = cal.probabilities(a.features)
        chosen, gated = _chosen(a, p, keep_at)
        refused = _offers(a, p, None)
        if chosen is None:
            rows.append((weight, a.in_scope, 0, 0.0, 0, 0, 0.0, 0.0, *refused, *refused))
        else:
            rows.append((weight, a.in_scope, 0, 0.0, 1, gated, float(p[chosen]), float(a.labels[chosen]),
                         *_offers(a, p, chosen), *refused))
    return np.array(rows, dtype=float).reshape(-1, 12)


def _utility(rows: np.ndarray, answer_at: float, offer_at: float) -> float:
    """The dev outcome of a pair of thresholds: a right answer or a correct refusal counts
    RIGHT, a refusal offering the right entry HELPFUL_REFUSAL, a wrong answer WRONG, buttons
    on an out-of-scope question NOISE (:func:`decide`'s rule, on all questions at once)."""
    weight, in_scope, fixed, fixed_right, has, gated, g, label = (rows[:, k] for k in range(8))
    answered = (has == 1) & ((gated == 0) | (g >= answer_at))
    offered_right = np.where(answered, rows[:, 8], rows[:, 10]) >= offer_at
    offered_any = np.where(answered, rows[:, 9], rows[:, 11]) >= offer_at
    right = answered & (label == 1)
    u_in = np.where(right, RIGHT, np.where(answered, WRONG, HELPFUL_REFUSAL * offered_right))
    u_out = np.where(answered, WRONG, REFUSED_RIGHT + NOISE * offered_any)
    return float((weight * np.where(fixed == 1, RIGHT * fixed_right, np.where(in_scope == 1, u_in, u_out))).sum())


def utility(asked: list[Asked], cal: Calibration, answer_at: float, offer_at: float, keep_at: float) -> float:
    return _utility(_outcomes(asked, cal, keep_at), answer_at, offer_at)


def choose_thresholds(asked: list[Asked], cal: Calibration) -> tuple[float, float, float]:
    """(answer_at, offer_at, keep_at) by coordinate search from a coarse start."""
    keep_at = 0.0  # the words' confident choice stands (a rule, not fitted)
    rows = _outcomes(asked, cal, keep_at)
    grid = [round(v, 2) for v in np.arange(0.0, 0.96, 0.01)]
    best = [0.5, 0.3]
    score = _utility(rows, *best)
    for _ in range(3):
        for k in range(2):
            for v in grid:
                trial = list(best)
                trial[k] = v
                u = _utility(rows, *trial)
                if u > score + 1e-9:
                    best, score = trial, u
    return best[0], best[1], keep_at


def temper(cal: Calibration, asked: list[Asked]) -> Calibration:
    """The model with all its scores times a temperature and "none" shifted, chosen for the
    lowest log loss on the dev questions as delegates ask them (the held-out phrasings, which
    the fit also learns from, are easier: fitted on both, the model is overconfident on the
    questions). Each question's order of candidates is unchanged."""
    dev = [a for a in _calibration_set(asked, TEMPER_ON) if not a.pack.endswith(".held-out") and a.features is not None]
    if not dev:
        return cal
    width = max(len(a.features) for a in dev)
    scores = np.full((len(dev), width + 1), -np.inf)
    right = np.zeros((len(dev), width + 1), dtype=bool)
    for k, a in enumerate(dev):
        n = len(a.features)
        own = cal.scores(a.features)
        scores[k, :n], scores[k, -1] = own[:-1], own[-1]
        ones = right_ones(a)
        if ones.any():
            right[k, :n] = ones.astype(bool)
        else:
            right[k, -1] = True
    best = (math.inf, 1.0, 0.0)
    for temperature in np.arange(0.3, 1.51, 0.05):
        for shift in np.arange(-3.0, 3.01, 0.25):
            s = scores * temperature
            s[:, -1] += shift
            top = s.max(axis=1, keepdims=True)
            log_total = np.log(np.exp(s - top).sum(axis=1)) + top[:, 0]
            log_right = np.log(np.where(right, np.exp(s - top), 0.0).sum(axis=1)) + top[:, 0]
            best = min(best, (float((log_total - log_right).mean()), float(temperature), float(shift)))
    _, temperature, shift = best
    return replace(cal, weights=cal.weights * temperature, none_weights=cal.none_weights * temperature,
                   none_bias=cal.none_bias * temperature + shift)


def fitted(asked: list[Asked], l2: float) -> Calibration:
    """The choice model fitted on ``asked``, tempered on its dev questions, then its thresholds."""
    mean, scale, w, none_w, none_b = fit(asked, l2)
    cal = temper(Calibration(FEATURES, mean, scale, w, none_w, none_b, 0.5, 0.3, 0.0), asked)
    answer_at, offer_at, keep_at = choose_thresholds(_calibration_set(asked, THRESHOLDS_ON), cal)
    return replace(cal, answer_at=answer_at, offer_at=offer_at, keep_at=keep_at)


def top_reliability(asked: list[Asked], cal: Calibration) -> list[dict[str, float]]:
    ps, right = [], []
    for a in asked:
        if a.features is None:
            continue
        p = cal.probabilities(a.features)
        k = int(np.argmax(p))
        ps.append(float(p[k]))
        right.append(bool(a.labels[k]))
    return reliability(ps, right)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.fit", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(CALIBRATION_PATH), help="where to write the fitted model")
    parser.add_argument("--l2", type=float, default=None, help="this regularisation instead of choosing one")
    parser.add_argument("--cache", help="the candidates collected by python -m bench.qa.loo --cache (same code only)")
    parser.add_argument("--fresh-weight", type=float, default=None,
                        help=f"how much a fresh set's question counts against a tuned-on set's ({FRESH_WEIGHT})")
    parser.add_argument("--maps", help="question maps fitted each without one dev pack (python -m bench.qa.question_map "
                                       "--folds DIR): each pack's questions asked with its own")
    parser.add_argument("--no-first-run", action="store_true",
                        help="the fresh sets' candidates as today's engine sees them, not as at their first run")
    parser.add_argument("--temper-on", choices=("fresh", "all"), default=TEMPER_ON,
                        help="the questions the temperature is chosen on (fresh: the fresh sets' first runs)")
    parser.add_argument("--thresholds-on", choices=("fresh", "all"), default=THRESHOLDS_ON,
                        help="the questions the thresholds are chosen on")
    args = parser.parse_args(argv)
    if args.fresh_weight is not None:
        set_fresh_weight(args.fresh_weight)
    set_calibration_sets(args.temper_on, args.thresholds_on)
    if args.maps:
        global MAPS
        MAPS = Path(args.maps)
    t0 = time.perf_counter()
    if args.cache:
        asked = pickle.loads(Path(args.cache).read_bytes())
    else:
        warm_process()
        print("collecting candidates on the dev sets (bench/qa/dev/)", flush=True)
        asked = collect() + collect_held_out()
    if not args.no_first_run:
        asked = with_first_runs(asked)
    # the regression decides only where the words are not sure (their confident choice
    # stands): it learns from those questions; the others count as they are
    asked = [_unsure_only(a) for a in asked]
    fused = [a for a in asked if a.features is not None]
    print(f"{len(asked)} questions, {len(fused)} decided by the model (the words not sure), "
          f"{sum(len(a.labels) for a in fused)} candidates", flush=True)
    l2 = args.l2 if args.l2 is not None else choose_l2(asked)
    cal = fitted(asked, l2)
    answer_at, offer_at, keep_at = cal.answer_at, cal.offer_at, cal.keep_at
    table = top_reliability([a for a in asked if not a.pack.endswith(".held-out")], cal)
    print(f"l2 {l2}; answer at p >= {answer_at} (the words' confident choice: {keep_at}), "
          f"offer buttons at p >= {offer_at}")
    print("weights (standardised features):")
    for name, weight in sorted(zip(FEATURES, cal.weights, strict=True), key=lambda kv: -abs(kv[1])):
        print(f"  {name:14} {weight:+.3f}")
    print(f"none of them: bias {cal.none_bias:+.3f}, " + ", ".join(
        f"{name} {weight:+.3f}" for name, weight in zip(QUESTION_FEATURES, cal.none_weights, strict=True)))
    print("reliability of the best candidate on the dev questions it decides (p -> how often right):")
    for row in table:
        print(f"  {row['from']:.1f}-{row['to']:.1f}  n {row['n']:4d}  mean p {row['mean_p']:.3f}  right {row['right']:.3f}")
    out = {
        "about": "the answer engine's decision model; written by python -m bench.qa.fit on the dev sets only",
        "model": cal.as_json(),
        "l2": l2,
        "dev": {"questions": len(asked), "fused": len(fused), "candidates": int(sum(len(a.labels) for a in fused)),
                "reliability": table, "ece": calibration_error(table)},
    }
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out} in {time.perf_counter() - t0:.0f} s")
    print(json.dumps({"l2": l2, "answer_at": answer_at, "offer_at": offer_at, "keep_at": keep_at, "ece_dev": calibration_error(table),
                      "questions": len(asked), "fused": len(fused)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
