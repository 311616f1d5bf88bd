"""``python -m bench.qa.question_map [--cv] [--folds DIR]``: fit the question map on the dev sets.

The map (:mod:`bot.answers.question_map`) turns a question's vector ``v`` into ``W v``
before the engine compares it with the pack's texts. It is fitted on every in-scope
question of the dev sets (``bench/qa/dev/``, never the hold-out or blind packs): per
question, the engine's pooled similarity of each entry of its pack
(:func:`bot.answers.engine.pool` over every language, each entry at its nearest phrasing)
goes into a softmax, and the loss is minus the log of the expected entries' share;
``LAMBDA * |W - I|^2`` keeps the map near the identity. Full-batch Adam from the identity:
the same questions give the same map.

- ``--cv``: fit on three quarters of the dev packs, measure the model's own first choice on
  the fresh sets of the quarter left out (top-1, top-3, mean reciprocal rank), for each
  quarter: what the map does on packs it never saw, against the identity.
- ``--folds DIR``: also write each quarter's map (``DIR/<pack>.npy`` for every pack of the
  quarter left out), so that a fresh set's first run can be recorded again with a map that
  never saw its pack (see bench/qa/dev/README.md).

Without either, it writes bot/answers/question_map.npy. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.qa.__main__ import default_now, dev_sets, warm_process
from bench.qa.evaluate import load_questions
from bot.answers import AnswerEngine
from bot.answers.engine import _ModelView, pool_weights
from bot.answers.question_map import QUESTION_MAP_PATH, save_question_map
from bot.catalog.loader import load_pack

#: the regularisation towards the identity, the steps, the step size and the softmax's sharpness
#: (chosen with --cv, top-1 on packs left out: LAMBDA 0.1 and 60 steps 0.727, 0.02 and 100 steps 0.751,
#: 0.005 and 150 steps 0.768, 0.001 and 150 steps 0.770, these 0.772: the steps, more than LAMBDA,
#: now keep it near the identity)
LAMBDA = 0.001
EPOCHS = 300
STEP = 3e-3
SHARPNESS = 30.0
FOLDS = 4


@dataclass
class Language:
    """One language's phrasings of a pack (answers' heads are left out: the map is fitted on
    what the fusion reads first), sorted by entry."""

    matrix: np.ndarray  # rows x 384
    starts: np.ndarray  # where each entry's rows begin
    entries: np.ndarray  # the entry of each group


@dataclass
class Pack:
    n: int
    languages: dict[str, Language]


@dataclass
class Question:
    pack: str
    set: str
    lang: str
    vector: np.ndarray  # as the model embeds it, not mapped
    right: list[int]


def collect() -> tuple[dict[str, Pack], list[Question]]:
    """Every dev pack's phrasings and every in-scope dev question, as the model embeds them."""
    warm_process()
    packs: dict[str, Pack] = {}
    questions: list[Question] = []
    for name, pack_dir, qpath in dev_sets():
        pack = load_pack(pack_dir)
        engine = AnswerEngine(pack)
        semantic = engine.semantic
        if semantic is None or not semantic.available or semantic.encoder is None:
            raise SystemExit("the model is needed")
        semantic.warm()
        n = len(engine.entries)
        if pack_dir.name not in packs:
            built = {lang: semantic._built[lang] for lang in semantic.languages()}
            packs[pack_dir.name] = Pack(n, {lang: _language(b.entries, b.matrix, b.passage) for lang, b in built.items()})
        ids = {(str(e.type), e.id): i for i, e in enumerate(engine.entries)}
        for q in load_questions(qpath, default_now(pack), pack.tz):
            right = sorted({ids[key] for key in (q.expect or []) if key in ids})
            if not right:
                continue
            view = _ModelView(semantic, q.q, n, lambda engine=engine: engine.retoner)
            vector = semantic.encoder.encode([view._text_for(q.lang)])[0]
            questions.append(Question(pack_dir.name, name, q.lang, vector.astype(np.float64), right))
        print(f"  {name}", file=sys.stderr, flush=True)
    return packs, questions


def _language(entries: np.ndarray, matrix: np.ndarray, passage: np.ndarray) -> Language:
    keep = ~passage
    e, m = entries[keep], matrix[keep].astype(np.float64)
    order = np.argsort(e, kind="stable")
    e, m = e[order], m[order]
    starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]])
    return Language(m, starts, e[starts])


def _mix(lang: str, langs: list[str]) -> dict[str, float]:
    """The weight of each language's similarities in the engine's pooling (engine.pool)."""
    return {lang: 1.0, **pool_weights([other for other in langs if other != lang])}


def forward(pack: Pack, questions: list[Question], w: np.ndarray,
            gradient: bool = False) -> tuple[np.ndarray, float, np.ndarray | None]:
    """The pooled similarities (questions x entries, -inf where an entry has no phrasing in
    the question's language), and with ``gradient`` the loss and its gradient in ``w``."""
    vectors = np.stack([q.vector for q in questions])
    mapped = vectors @ w.T
    nearest: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for lang, texts in pack.languages.items():
        sims = mapped @ texts.matrix.T
        best = np.maximum.reduceat(sims, texts.starts, axis=1)
        widths = np.diff(np.r_[texts.starts, sims.shape[1]])
        columns = np.where(sims >= np.repeat(best, widths, axis=1), np.arange(sims.shape[1]), sims.shape[1])
        per_entry = np.full((len(questions), pack.n), -np.inf)
        row = np.full((len(questions), pack.n), -1)
        per_entry[:, texts.entries] = best
        row[:, texts.entries] = np.minimum.reduceat(columns, texts.starts, axis=1)
        nearest[lang] = (per_entry, row)
    pooled = np.full((len(questions), pack.n), -np.inf)
    grad = np.zeros_like(w) if gradient else None
    loss = 0.0
    by_lang: dict[str, list[int]] = {}
    for k, q in enumerate(questions):
        by_lang.setdefault(q.lang, []).append(k)
    for lang, ks in by_lang.items():
        if lang not in nearest:
            continue
        rows = np.array(ks)
        own = nearest[lang][0][rows]
        weights = _mix(lang, list(pack.languages))
        # an entry without text in another language counts -1 there, as in engine.pool
        sims = sum(weight * np.where(np.isfinite(nearest[other][0][rows]), nearest[other][0][rows], -1.0)
                   for other, weight in weights.items())
        sims = np.where(np.isfinite(own), sims, -np.inf)
        pooled[rows] = sims
        if grad is None:
            continue
        logits = SHARPNESS * sims
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        target = np.zeros_like(p)
        for j, k in enumerate(ks):
            target[j, questions[k].right] = 1.0
        share = np.maximum((p * target).sum(axis=1), 1e-12)
        loss -= float(np.log(share).sum())
        d_sims = SHARPNESS * (p - p * target / share[:, None])
        d_sims[~np.isfinite(sims)] = 0.0
        d_mapped = np.zeros((len(ks), w.shape[0]))
        for other, weight in weights.items():
            texts = pack.languages[other]
            row = nearest[other][1][rows]
            qi, ei = np.nonzero(row >= 0)
            scatter = np.zeros((len(ks), texts.matrix.shape[0]))
            np.add.at(scatter, (qi, row[qi, ei]), d_sims[qi, ei])
            d_mapped += weight * (scatter @ texts.matrix)
        grad += d_mapped.T @ vectors[rows]
    return pooled, loss, grad


def fit(packs: dict[str, Pack], questions: list[Question], names: list[str]) -> np.ndarray:
    """The map fitted on the questions of the packs ``names``."""
    dim = questions[0].vector.shape[0]
    identity = np.eye(dim)
    w = identity.copy()
    first, second = np.zeros_like(w), np.zeros_like(w)
    groups = {name: [q for q in questions if q.pack == name] for name in names}
    count = sum(len(g) for g in groups.values())
    for step in range(1, EPOCHS + 1):
        grad = np.zeros_like(w)
        for name, group in groups.items():
            if group:
                grad += forward(packs[name], group, w, gradient=True)[2]
        grad = grad / count + LAMBDA * (w - identity)
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad * grad
        w -= STEP * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return w


def ranks(packs: dict[str, Pack], questions: list[Question], w: np.ndarray) -> list[int]:
    """Each question's rank of its first right entry by the mapped, pooled similarities."""
    out = []
    for name in sorted({q.pack for q in questions}):
        group = [q for q in questions if q.pack == name]
        sims = forward(packs[name], group, w)[0]
        for k, q in enumerate(group):
            order = np.argsort(-sims[k], kind="stable")
            out.append(min(int(np.flatnonzero(order == r)[0]) for r in q.right))
    return out


def summary(r: list[int]) -> dict[str, float]:
    a = np.array(r)
    return {"n": len(a), "top1": round(float(np.mean(a == 0)), 4), "top3": round(float(np.mean(a < 3)), 4),
            "mrr": round(float(np.mean(1 / (a + 1))), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.question_map", description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="measure on packs left out of the fit (writes nothing)")
    parser.add_argument("--folds", help="also write each quarter's map for its packs into this folder")
    parser.add_argument("--out", default=str(QUESTION_MAP_PATH), help="where to write the map")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    packs, questions = collect()
    names = sorted(packs)
    result: dict[str, object] = {"questions": len(questions), "packs": len(names)}
    if args.cv or args.folds:
        base: list[int] = []
        mapped: list[int] = []
        for k in range(FOLDS):
            held = names[k::FOLDS]
            w = fit(packs, questions, [n for n in names if n not in held])
            fresh = [q for q in questions if q.pack in held and ".fresh" in q.set]
            before, after = ranks(packs, fresh, np.eye(w.shape[0])), ranks(packs, fresh, w)
            base += before
            mapped += after
            print(f"left out {', '.join(held)}: identity {summary(before)} -> mapped {summary(after)}", flush=True)
            if args.folds:
                Path(args.folds).mkdir(parents=True, exist_ok=True)
                for name in held:
                    save_question_map(w, Path(args.folds) / f"{name}.npy")
        result["left_out"] = {"identity": summary(base), "mapped": summary(mapped)}
    if not args.cv:
        save_question_map(fit(packs, questions, names), Path(args.out))
        result["written"] = args.out
    result["seconds"] = round(time.perf_counter() - t0)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
