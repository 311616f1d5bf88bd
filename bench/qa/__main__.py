"""``python -m bench.qa [--quick] [--dev] [--errors]``: the question-answering benchmark.

For each pack (the demo pack content/hanoi-2025 and the held-out bench/qa/packs/
geneva-health-2026) it answers the labelled questions of bench/qa/questions/<pack>.jsonl
with our engine and with the BM25 baseline, and prints per language: top-1 accuracy on
in-scope questions, correct refusals on out-of-scope ones, p50/p99 latency. It also
measures p99 latency on a synthetic pack of 500 entries. The last line is one JSON object.

``--dev`` runs the tuning sets of bench/qa/dev/ instead (never the held-out pack);
``--errors`` lists the questions each answerer got wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from bench.qa.baseline import BM25Baseline, choose_threshold
from bench.qa.evaluate import (
    Outcome,
    Question,
    Stats,
    by_language,
    format_table,
    load_questions,
    run,
)
from bench.qa.synthetic import entry_count, synthetic_pack
from bot.answers import AnswerEngine
from bot.catalog.loader import load_pack
from bot.catalog.models import SUPPORTED_LANGUAGES, ContentPack

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PACKS = [
    ("hanoi-2025", ROOT / "content" / "hanoi-2025", HERE / "questions" / "hanoi-2025.jsonl"),
    ("geneva-health-2026", HERE / "packs" / "geneva-health-2026", HERE / "questions" / "geneva-health-2026.jsonl"),
]
DEV_DIR = HERE / "dev"
HELD_OUT = {"geneva-health-2026"}
QUICK_SYNTHETIC_LANGS = ("en", "ar")
DEV_PACK_DIRS = [ROOT / "tests" / "data" / "packs", ROOT / "content"]


def _print(*args: object) -> None:
    print(*args, flush=True)


def warm_process() -> None:
    """Load what every engine shares (the lexicon, jieba's dictionary) before timing builds."""
    from bot.answers.lexicon import load_lexicon
    from bot.answers.normalize import tokenize

    load_lexicon()
    tokenize("机场", "zh")


def warm_semantic(engine: AnswerEngine, langs: list[str] | None = None) -> float:
    """Embed the pack's texts before timing questions (the bot does it in the background at
    load); milliseconds taken (little when the disk cache has them)."""
    t0 = time.perf_counter()
    if engine.semantic is not None:
        engine.semantic.warm(langs)
    return (time.perf_counter() - t0) * 1000


def default_now(pack: ContentPack) -> dt.datetime:
    """Questions without "now" are asked on the first morning of the event."""
    return dt.datetime.combine(pack.event.start, dt.time(8, 0), tzinfo=pack.tz)


def engine_answerer(engine: AnswerEngine):
    def answer(q: str, lang: str, now: dt.datetime) -> tuple[str, str] | None:
        a = engine.ask(q, lang, now)
        return (a.match.type, a.match.id) if a.match else None

    return answer


def dev_sets() -> list[tuple[str, Path, Path]]:
    out = []
    for path in sorted(DEV_DIR.glob("*.jsonl")):  # <pack>.jsonl or <pack>.<anything>.jsonl
        pack = path.name.split(".")[0]
        for base in DEV_PACK_DIRS:
            if (base / pack / "event.yaml").exists():
                out.append((path.stem, base / pack, path))
                break
    return out


def baseline_threshold(sets: list[tuple[str, Path, Path]]) -> float:
    """The BM25 refusal threshold that does best on the dev questions (pooled)."""
    scored = []
    for _, pack_dir, qpath in sets:
        pack = load_pack(pack_dir)
        base = BM25Baseline(pack)
        for q in load_questions(qpath, default_now(pack), pack.tz):
            found = base.best(q.q)
            if found is None:
                scored.append((None, False, q.expect is not None))
                continue
            e = base.entries[found[0]]
            right = q.expect is not None and (e.type, e.id) in q.expect
            scored.append((found[1], right, q.expect is not None))
    return choose_threshold(scored) if scored else 0.0


def show_errors(name: str, outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if not o.right]
    _print(f"  {name}: {len(wrong)} wrong")
    for o in wrong:
        exp = "REFUSE" if o.question.expect is None else ",".join(f"{t}:{i}" for t, i in o.question.expect[:3])
        got = "refused" if o.got is None else f"{o.got[0]}:{o.got[1]}"
        _print(f"    [{o.question.lang}] {o.question.q!r} -> {got}  (expected {exp})")


def subset(questions: list[Question], quick: bool) -> list[Question]:
    return questions[::3] if quick else questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a third of the questions, a smaller synthetic run")
    parser.add_argument("--dev", action="store_true", help="run the tuning sets in bench/qa/dev/")
    parser.add_argument("--errors", action="store_true", help="list wrong answers")
    parser.add_argument("--no-baseline", action="store_true", help="skip the BM25 baseline (tuning)")
    parser.add_argument("--pack", help="run one pack directory ... ")
    parser.add_argument("--questions", help="... with this question file (JSON lines)")
    args = parser.parse_args(argv)
    langs = list(SUPPORTED_LANGUAGES)

    dev = dev_sets()
    sets = dev if args.dev else list(PACKS)
    if args.pack and args.questions:
        sets = [(Path(args.pack).name, Path(args.pack), Path(args.questions))]
    _print(f"question answering benchmark ({'quick' if args.quick else 'full'}"
           f"{', dev sets' if args.dev else ''})")
    t0 = time.perf_counter()
    warm_process()
    _print(f"lexicon and Chinese dictionary loaded in {(time.perf_counter() - t0) * 1000:.0f} ms (once per process)")
    threshold = 0.0
    if not args.no_baseline:
        t0 = time.perf_counter()
        threshold = baseline_threshold(dev)
        _print(f"BM25 baseline refusal threshold chosen on {len(dev)} dev set(s): {threshold:.3f} "
               f"({time.perf_counter() - t0:.1f} s)")

    figures: dict[str, dict[str, object]] = {}
    totals, base_totals, words_totals = Stats(), Stats(), Stats()
    worst_lang = 1.0
    synthetic_source: ContentPack | None = None
    synthetic_questions: list[Question] = []
    for name, pack_dir, qpath in sets:
        if not (pack_dir / "event.yaml").exists() or not qpath.exists():
            _print(f"\n{name}: skipped (missing {'pack' if not (pack_dir / 'event.yaml').exists() else qpath.name})")
            continue
        pack = load_pack(pack_dir)
        questions = subset(load_questions(qpath, default_now(pack), pack.tz), args.quick)
        t0 = time.perf_counter()
        engine = AnswerEngine(pack)
        build_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        engine.warm_up()
        warm_ms = (time.perf_counter() - t0) * 1000
        semantic_ms = warm_semantic(engine)
        _print(f"\n{name}: {entry_count(pack)} entries, index built in {build_ms:.0f} ms "
               f"(+{warm_ms:.0f} ms typo tables, +{semantic_ms:.0f} ms model vectors); {len(questions)} questions")
        ours = run(engine_answerer(engine), questions)
        ours_table = by_language(ours)
        words_outcomes = run(engine_answerer(AnswerEngine(pack, semantic=False)), questions)
        words = by_language(words_outcomes)["all"]
        for o in words_outcomes:
            words_totals.add(o)
        _print(f"  words alone (no second opinion from the model): top1 {words.top1_rate:.3f} "
               f"refusal {words.refusal_rate:.3f}")
        base_table = None
        if not args.no_baseline:
            baseline = BM25Baseline(pack, threshold)
            base_outcomes = run(baseline.answer, questions)
            base_table = by_language(base_outcomes)
            for o in base_outcomes:
                base_totals.add(o)
        _print(format_table(f"  {name}: ours", ours_table, base_table, langs))
        if args.errors:
            if name in HELD_OUT:
                _print("  (errors are not listed for the held-out pack: the engine must not be tuned on it)")
            else:
                show_errors("ours", ours)
        for o in ours:
            totals.add(o)
        all_ = ours_table["all"]
        per_lang = {lang: round(ours_table[lang].top1_rate, 3) for lang in langs if lang in ours_table}
        worst_lang = min([worst_lang, *per_lang.values()])
        figures[name] = {
            "top1": round(all_.top1_rate, 3),
            "refusal": round(all_.refusal_rate, 3),
            "bm25_top1": round(base_table["all"].top1_rate, 3) if base_table else None,
            "bm25_refusal": round(base_table["all"].refusal_rate, 3) if base_table else None,
            "p99_ms": round(all_.p99, 2),
            "n": len(questions),
            "top1_by_lang": per_lang,
            "refusal_by_lang": {lang: round(ours_table[lang].refusal_rate, 3) for lang in langs if lang in ours_table},
        }
        if synthetic_source is None:
            synthetic_source, synthetic_questions = pack, questions

    p99_big = None
    if synthetic_source is not None:
        size = 500
        big = synthetic_pack(synthetic_source, size)
        t0 = time.perf_counter()
        engine = AnswerEngine(big)
        build_ms = (time.perf_counter() - t0) * 1000
        engine.warm_up()
        if args.quick:  # a cold start embeds ~500 texts per language: two scripts stay in quick
            synthetic_questions = [q for q in synthetic_questions if q.lang in QUICK_SYNTHETIC_LANGS]
        semantic_ms = warm_semantic(engine, sorted({q.lang for q in synthetic_questions}))
        if engine.semantic is not None:  # as in the bot: a language not embedded is not waited for
            engine.semantic.blocking = False
        reps = 3
        outcomes = run(engine_answerer(engine), synthetic_questions * reps)
        stats = Stats()
        for o in outcomes:
            stats.add(o)
        p99_big = round(stats.p99, 2)
        _print(f"\nsynthetic pack: {entry_count(big)} entries, index built in {build_ms:.0f} ms "
               f"(+{semantic_ms:.0f} ms model vectors); {len(outcomes)} questions: p50 {stats.p50:.2f} ms, p99 {stats.p99:.2f} ms")

    result = {
        "top1": round(totals.top1_rate, 3),
        "refusal": round(totals.refusal_rate, 3),
        "bm25_top1": round(base_totals.top1_rate, 3) if base_totals.latencies else None,
        "bm25_refusal": round(base_totals.refusal_rate, 3) if base_totals.latencies else None,
        "words_top1": round(words_totals.top1_rate, 3) if words_totals.latencies else None,
        "words_refusal": round(words_totals.refusal_rate, 3) if words_totals.latencies else None,
        "p99_ms": p99_big,
        "p99_ms_packs": round(totals.p99, 2),
        "min_lang_top1": round(worst_lang, 3) if figures else None,
        "bm25_threshold": round(threshold, 3),
        "packs": figures,
    }
    _print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
