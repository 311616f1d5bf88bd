"""``python -m bench.qa.loo [--l2 X] [--cache FILE]``: the decision model, checked leave one
pack out.

Collects the candidates of the dev sets as :mod:`bench.qa.fit` does (the dev questions and
the dev packs' held-out phrasings; ``--cache`` keeps them in a pickle for the next run), then
for each dev pack fits the model (weights, thresholds) on the other packs
only and scores that pack with the fit's own decision rule (:func:`bench.qa.fit.decide`):
top-1 on in-scope questions, correct refusals, helpful. Beside it, the same pack scored by
the model fitted on all packs (in sample) and by the committed bot/answers/calibration.json.
A large gap between "loo" and "insample" means the fit learns the packs, not the questions.
``--curve`` adds the operating curve: the pooled figures of the leave-one-out fits with their
answer threshold moved (``answer_at``, the fit's own other thresholds kept), to show what a
refusal more costs in top-1.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import bench.qa.fit as fitting
from bot.answers.fusion import Calibration, load_calibration

Scores = tuple[float, float, float, int, int]


def fitted(train: list[fitting.Asked], l2: float) -> Calibration:
    return fitting.fitted(train, l2)


def score(questions: list[fitting.Asked], cal: Calibration) -> Scores:
    """(top-1, refusals, helpful, in-scope count, out-of-scope count) by the fit's rule."""
    n_in = n_out = right_in = right_out = helpful = 0
    for a in questions:
        if a.features is None:
            answered, right, offered = not (a.fixed_right and not a.in_scope), a.fixed_right, False
        else:
            p = cal.probabilities(a.features)
            answered, right, offered, _ = fitting.decide(a, p, cal.answer_at, cal.offer_at, cal.keep_at)
        if a.in_scope:
            n_in += 1
            right_in += right
            helpful += right or (not answered and offered)
        else:
            n_out += 1
            right_out += a.fixed_right if a.features is None else not answered
    return right_in / max(n_in, 1), right_out / max(n_out, 1), helpful / max(n_in, 1), n_in, n_out


def pooled(rows: list[Scores]) -> str:
    n_in, n_out = sum(r[3] for r in rows) or 1, sum(r[4] for r in rows) or 1
    return (f"top1 {sum(r[0] * r[3] for r in rows) / n_in:.3f} ref {sum(r[1] * r[4] for r in rows) / n_out:.3f} "
            f"help {sum(r[2] * r[3] for r in rows) / n_in:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.loo", description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=1.0, help="the regularisation (the committed fit's: 1)")
    parser.add_argument("--cache", help="keep the collected candidates in this pickle (reused when present)")
    parser.add_argument("--curve", action="store_true", help="also the pooled figures as answer_at moves")
    parser.add_argument("--no-first-run", action="store_true",
                        help="the fresh sets as today's engine sees them, not as at their first run (bench.qa.firstrun)")
    args = parser.parse_args(argv)
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.exists():
        asked = pickle.loads(cache.read_bytes())
    else:
        fitting.warm_process()
        asked = [fitting._unsure_only(a) for a in fitting.collect() + fitting.collect_held_out()]
        if cache is not None:
            cache.write_bytes(pickle.dumps(asked))
    if not args.no_first_run:
        asked = [fitting._unsure_only(a) for a in fitting.with_first_runs(asked)]
    packs = sorted({a.pack.split(".")[0] for a in asked})
    dev = [a for a in asked if not a.pack.endswith(".held-out")]
    everything = fitted(asked, args.l2)
    committed = load_calibration()
    table: dict[str, list[Scores]] = {"loo": [], "insample": [], "committed": []}
    curve: dict[float, list[Scores]] = {at / 100: [] for at in range(20, 95, 5)}
    for pack in packs:
        test = [a for a in dev if a.pack == pack]
        loo = fitted([a for a in asked if a.pack.split(".")[0] != pack], args.l2)
        row = {"loo": score(test, loo), "insample": score(test, everything)}
        if committed is not None:
            row["committed"] = score(test, committed)
        for k, v in row.items():
            table[k].append(v)
        if args.curve:
            for at, rows in curve.items():
                rows.append(score(test, replace(loo, answer_at=at)))
        print(f"{pack:26s} " + "  ".join(f"{k} top1 {v[0]:.3f} ref {v[1]:.3f} help {v[2]:.3f}" for k, v in row.items())
              + f"  (n {row['loo'][3]}/{row['loo'][4]}; loo thresholds {loo.answer_at:.2f}/{loo.offer_at:.2f})", flush=True)
    for k, rows in table.items():
        if rows:
            print(f"pooled {k:10s} {pooled(rows)}")
    if args.curve:
        print("operating curve of the loo fits (pooled), answer_at instead of each fit's own:")
        for at, rows in curve.items():
            print(f"  answer_at {at:.2f}  {pooled(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
