"""``python -m bench.qa.model_alone [SET-SUBSTRING...]``: how well the model alone ranks.

For each in-scope question of the dev sets (those whose name contains one of the arguments;
all fresh sets by default), the rank of the first right entry by the model's similarity
alone, as z-scores over the pack, for several ways of reading the pack's languages:

- ``own``: the question against its own language's texts only;
- ``pooled``: what the engine does (:meth:`bot.answers.engine._ModelView._pooled`): its own
  language, plus half of English's and half of the mean of the other languages';
- ``own+en``, ``own+others``, ``max``: other mixes, for comparison;
- ``pooled-raw``: ``pooled`` with the question as the model embeds it, without the question
  map (:mod:`bot.answers.question_map`; the map was fitted on these questions, so only
  ``python -m bench.qa.question_map --cv`` measures it fairly).

It prints top-1, top-3, the mean reciprocal rank, and how well the best z-score tells
in-scope from out-of-scope questions (AUC). Pooling weights are chosen on this (dev sets
only); it does not touch the words' engine or the decision model.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from bench.qa.__main__ import default_now, dev_sets, warm_process
from bench.qa.evaluate import load_questions
from bot.answers import AnswerEngine
from bot.answers.engine import POOL_PIVOT, _ModelView, pool
from bot.answers.fusion import zscores
from bot.catalog.loader import load_pack

MIXES = ("own", "pooled", "own+en", "own+others", "max", "pooled-raw")


def mixes(per: dict[str, np.ndarray], lang: str) -> dict[str, np.ndarray]:
    """The phrasings' similarities of one question under each mix (raw, before z-scores)."""
    own = per[lang]
    rest = {other: v for other, v in per.items() if other != lang}
    others = np.mean(list(rest.values()), axis=0) if rest else own
    pivot = rest.get(POOL_PIVOT, 0.0)
    return {"own": own, "pooled": pool(own, rest), "own+en": own + pivot,
            "own+others": own + others, "max": np.max(np.stack(list(per.values())), axis=0)}


def _auc(ins: list[float], outs: list[float]) -> float:
    if not ins or not outs:
        return float("nan")
    a, b = np.array(ins)[:, None], np.array(outs)[None, :]
    return float((a > b).mean() + 0.5 * (a == b).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.model_alone", description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=[".fresh"], help="parts of the dev sets' names (default: .fresh)")
    args = parser.parse_args(argv)
    warm_process()
    ranks: dict[str, list[int]] = {m: [] for m in MIXES}
    best_in: dict[str, list[float]] = {m: [] for m in MIXES}
    best_out: dict[str, list[float]] = {m: [] for m in MIXES}
    for name, pack_dir, qpath in dev_sets():
        if not any(part in name for part in args.sets):
            continue
        pack = load_pack(pack_dir)
        engine = AnswerEngine(pack)
        if engine.semantic is None or not engine.semantic.available:
            raise SystemExit("the model is needed")
        engine.semantic.warm()
        n = len(engine.entries)
        ids = {(str(e.type), e.id): i for i, e in enumerate(engine.entries)}
        for q in load_questions(qpath, default_now(pack), pack.tz):
            view = _ModelView(engine.semantic, q.q, n, lambda engine=engine: engine.retoner)
            vector = engine.semantic.embed(view._text_for(q.lang))
            per = {lang: found[0] for lang in engine.semantic.languages()
                   if (found := engine.semantic.scores(vector, lang, n)) is not None}
            right = {ids[(t, i)] for t, i in (q.expect or []) if (t, i) in ids}
            raw = engine.semantic.encoder.encode([view._text_for(q.lang)])[0]
            per_raw = {lang: found[0] for lang in per if (found := engine.semantic.scores(raw, lang, n)) is not None}
            found_mixes = mixes(per, q.lang)
            found_mixes["pooled-raw"] = mixes(per_raw, q.lang)["pooled"]
            for mix, sims in found_mixes.items():
                z = zscores(sims)
                order = np.argsort(-z, kind="stable")
                if right:
                    ranks[mix].append(min(int(np.flatnonzero(order == i)[0]) for i in right))
                    best_in[mix].append(float(z[order[0]]))
                elif q.expect is None:
                    best_out[mix].append(float(z[order[0]]))
        print(f"  {name}", file=sys.stderr, flush=True)
    for mix in MIXES:
        r = np.array(ranks[mix])
        if not len(r):
            continue
        print(f"{mix:11} n={len(r)} top1={np.mean(r == 0):.3f} top3={np.mean(r < 3):.3f} "
              f"mrr={np.mean(1 / (r + 1)):.3f} auc_in_out={_auc(best_in[mix], best_out[mix]):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
