"""``python -m bench.qa.learning [--quick] [--kind blind|dev] [--share 0.1]``: what learning from the
event (#16.5) does to the questions that come after.

For each pack: ask every question; of its *misses* (in-scope questions answered wrongly or
refused; ``--refused-only``: the refused ones, those organisers see in ``/unanswered``), take
``share`` (10%, at least one; a fixed seed) and
attach each to its expected entry, as an organiser would (the engine's ``extra_phrasings``,
exactly what the bot's overlay gives it). Then ask the *remaining* questions again, the
attached ones excluded from both scores, and report top-1, refusal and helpfulness before
and after. On blind packs this is the only use of their questions: nothing is listed
question by question and nothing is tuned.

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from bench.qa.__main__ import (
    blind_sets,
    default_now,
    dev_sets,
    engine_answerer,
    warm_process,
    warm_semantic,
)
from bench.qa.evaluate import Outcome, Question, Stats, load_questions, run
from bot.answers import AnswerEngine
from bot.catalog.loader import load_pack

SEED = 16


def stats(outcomes: list[Outcome]) -> dict[str, object]:
    s = Stats()
    for o in outcomes:
        s.add(o)
    return {"top1": round(s.top1_rate, 3), "refusal": round(s.refusal_rate, 3), "helpful": round(s.helpful_rate, 3),
            "in_scope": s.in_scope, "out_of_scope": s.out_scope}


def learn_pack(pack_dir: Path, qpath: Path, share: float, refused_only: bool = False,
               quick: bool = False) -> dict[str, object]:
    pack = load_pack(pack_dir)
    questions = load_questions(qpath, default_now(pack), pack.tz)
    if quick:
        questions = questions[::3]
    engine = AnswerEngine(pack)
    engine.warm_up()
    warm_semantic(engine)
    before = run(engine_answerer(engine), questions)
    misses = [i for i, o in enumerate(before)
              if o.question.expect is not None and not o.right and (o.got is None or not refused_only)]
    k = max(1, round(share * len(misses))) if misses else 0
    chosen = set(random.Random(SEED).sample(misses, k)) if k else set()
    extra: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for i in sorted(chosen):
        q = questions[i]
        assert q.expect is not None
        extra.setdefault(q.expect[0], []).append((q.q, q.lang))
    learnt = AnswerEngine(pack, extra_phrasings=extra)
    learnt.warm_up()
    warm_semantic(learnt)
    rest: list[Question] = [q for i, q in enumerate(questions) if i not in chosen]
    kept_before = [o for i, o in enumerate(before) if i not in chosen]
    after = run(engine_answerer(learnt), rest)
    # a check that the overlay took: the attached questions themselves are answered now
    attached_right = sum(o.right for o in run(engine_answerer(learnt), [questions[i] for i in sorted(chosen)]))
    return {"questions": len(questions), "misses": len(misses), "attached": len(chosen), "attached_now_right": attached_right,
            "before": stats(kept_before), "after": stats(after)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.learning", description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="blind", choices=("blind", "dev"))
    parser.add_argument("--share", type=float, default=0.1, help="the share of the misses attached")
    parser.add_argument("--quick", action="store_true", help="the first pack only, a third of its questions")
    parser.add_argument("--refused-only", action="store_true", help="attach refused questions only (not wrong answers)")
    args = parser.parse_args(argv)
    warm_process()
    sets = blind_sets() if args.kind == "blind" else [s for s in dev_sets() if "." not in s[0]]
    if args.quick:
        sets = sets[:1]
    what = "refused in-scope questions" if args.refused_only else "misses (in-scope questions not answered right)"
    print(f"learning from the event on {len(sets)} {args.kind} pack(s): {args.share:.0%} of the {what} attached to "
          "their entry, the rest asked again", flush=True)
    packs: dict[str, object] = {}
    totals = {"before": [0, 0, 0, 0, 0], "after": [0, 0, 0, 0, 0]}  # top1, in, refused, out, helped
    for name, pack_dir, qpath in sets:
        figures = learn_pack(pack_dir, qpath, args.share, args.refused_only, args.quick)
        packs[name] = figures
        b, a = figures["before"], figures["after"]
        assert isinstance(b, dict) and isinstance(a, dict)
        print(f"  {name}: {figures['attached']} of {figures['misses']} misses attached "
              f"({figures['attached_now_right']} of them answered right after); on the "
              f"other {int(b['in_scope']) + int(b['out_of_scope'])}: top-1 {b['top1']:.3f} -> {a['top1']:.3f}, "
              f"refusal {b['refusal']:.3f} -> {a['refusal']:.3f}, helpful {b['helpful']:.3f} -> {a['helpful']:.3f}",
              flush=True)
        for when, f in (("before", b), ("after", a)):
            t = totals[when]
            t[0] += round(float(f["top1"]) * int(f["in_scope"]))
            t[1] += int(f["in_scope"])
            t[2] += round(float(f["refusal"]) * int(f["out_of_scope"]))
            t[3] += int(f["out_of_scope"])
            t[4] += round(float(f["helpful"]) * int(f["in_scope"]))
    overall = {when: {"top1": round(t[0] / t[1], 3) if t[1] else None, "refusal": round(t[2] / t[3], 3) if t[3] else None,
                      "helpful": round(t[4] / t[1], 3) if t[1] else None} for when, t in totals.items()}
    print(f"  all: top-1 {overall['before']['top1']} -> {overall['after']['top1']}, refusal "
          f"{overall['before']['refusal']} -> {overall['after']['refusal']}, helpful {overall['before']['helpful']} -> "
          f"{overall['after']['helpful']}")
    print(json.dumps({"kind": args.kind, "share": args.share, "overall": overall, "packs": packs}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
