"""``python -m bench.qa [--quick] [--kind dev,benchmark,holdout,blind] [--errors] [--synthetic-only]``: the
question-answering benchmark.

Four kinds of packs, reported apart:

- **dev**: the tuning sets of bench/qa/dev/ against their packs (the engine's weights and
  its decision model were chosen on these: ``python -m bench.qa.fit``);
- **benchmark**: the demo pack content/hanoi-2025 and the held-out bench/qa/packs/
  geneva-health-2026 with the labelled questions of bench/qa/questions/ (for checking);
- **holdout**: earlier blind packs (bench/qa/holdout/, laid out as the blind ones) whose
  errors nobody has read: a validation set to check a change between blind measurements,
  never tuned on, never listed question by question;
- **blind**: packs written by someone who never saw the engine, discovered in
  bench/qa/blind/: a pack directory ``<id>/`` beside its questions ``<id>.jsonl``. Never
  tuned on, never listed question by question (``--errors`` is refused for them): their
  figures are the headline.

For each kind and language it prints top-1 accuracy on in-scope questions, correct refusals
on out-of-scope ones, helpfulness (the right answer, or a refusal whose "did you mean"
buttons hold the right entry), p50/p99 latency, the same engine without the model ("words
alone") and a BM25 baseline beside, and how well the decision model's probabilities are
calibrated (a reliability table). It also measures p99 latency on a synthetic pack of 500
entries, and how long the model takes to embed that pack cold in seven languages. The last
line is one JSON object.

``--synthetic-only`` runs the 500-entry part alone (the demo pack's questions; with
``--quick``, a third of them and two languages). ``--dev`` is ``--kind dev``; ``--errors`` lists the questions answered wrongly (dev sets and
the demo pack only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.qa.baseline import BM25Baseline, choose_threshold
from bench.qa.evaluate import (
    Got,
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
from bot.answers.engine import THRESHOLD
from bot.answers.fusion import calibration_error, reliability
from bot.catalog.loader import load_pack
from bot.catalog.models import SUPPORTED_LANGUAGES, ContentPack

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PACKS = [
    ("hanoi-2025", ROOT / "content" / "hanoi-2025", HERE / "questions" / "hanoi-2025.jsonl"),
    ("geneva-health-2026", HERE / "packs" / "geneva-health-2026", HERE / "questions" / "geneva-health-2026.jsonl"),
]
DEV_DIR = HERE / "dev"
BLIND_DIR = HERE / "blind"
HOLDOUT_DIR = HERE / "holdout"
HELD_OUT = {"geneva-health-2026"}
KINDS = ("dev", "benchmark", "holdout", "blind")
QUICK_SYNTHETIC_LANGS = ("en", "ar")
DEV_PACK_DIRS = [ROOT / "tests" / "data" / "packs", ROOT / "content", DEV_DIR / "packs"]

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
    def answer(q: str, lang: str, now: dt.datetime) -> Got:
        a = engine.ask(q, lang, now)
        got = Got((str(a.match.type), a.match.id) if a.match else None,
                  [(str(m.type), m.id) for m in a.alternatives])
        lexical = next((c for c in a.evidence if c.lexical_rank == 0), None)
        if a.evidence and engine.calibration is not None and not (lexical and lexical.lexical_conf >= THRESHOLD):
            # the questions the decision model decides (the words' confident choice stands)
            best = max(a.evidence, key=lambda c: c.probability)
            e = engine.entries[best.entry]
            got.top, got.probability = (str(e.type), e.id), best.probability
        return got

    return answer


def blind_sets(directory: Path = BLIND_DIR) -> list[tuple[str, Path, Path]]:
    """The blind packs: ``<id>/event.yaml`` with ``<id>.jsonl`` beside it. Only their names
    are read here; their contents are read by the benchmark alone, never shown."""
    if not directory.is_dir():
        return []
    return [(d.name, d, directory / f"{d.name}.jsonl") for d in sorted(directory.iterdir())
            if (d / "event.yaml").is_file() and (directory / f"{d.name}.jsonl").is_file()]


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


def _rate(stats: Stats | None, attr: str) -> float | None:
    return round(getattr(stats, attr), 3) if stats is not None and stats.latencies else None


def _min_lang(table: dict[str, Stats], langs: list[str]) -> float | None:
    rates = [table[lang].top1_rate for lang in langs if lang in table and table[lang].in_scope]
    return round(min(rates), 3) if rates else None


def figures_of(ours: list[Outcome], words: list[Outcome], base: list[Outcome], langs: list[str]) -> dict[str, object]:
    """The figures of a set of outcomes: overall, per language, and the reliability table."""
    o, w = by_language(ours), by_language(words) if words else {}
    b = by_language(base) if base else {}
    table = reliability([x.probability for x in ours if x.probability is not None],
                        [x.top_right for x in ours if x.probability is not None])
    per_lang = {}
    for lang in langs:
        if lang in o:
            per_lang[lang] = {"top1": _rate(o[lang], "top1_rate"), "refusal": _rate(o[lang], "refusal_rate"),
                              "helpful": _rate(o[lang], "helpful_rate"), "words_top1": _rate(w.get(lang), "top1_rate"),
                              "bm25_top1": _rate(b.get(lang), "top1_rate"), "p99_ms": round(o[lang].p99, 2),
                              "n": len(o[lang].latencies)}
    a = o.get("all")
    return {
        "top1": _rate(a, "top1_rate"), "refusal": _rate(a, "refusal_rate"), "helpful": _rate(a, "helpful_rate"),
        "words_top1": _rate(w.get("all"), "top1_rate"), "words_refusal": _rate(w.get("all"), "refusal_rate"),
        "words_helpful": _rate(w.get("all"), "helpful_rate"),
        "bm25_top1": _rate(b.get("all"), "top1_rate"), "bm25_refusal": _rate(b.get("all"), "refusal_rate"),
        "p50_ms": round(a.p50, 2) if a else None, "p99_ms": round(a.p99, 2) if a else None,
        "n": len(ours), "min_lang_top1": _min_lang(o, langs),
        "by_lang": per_lang, "reliability": table, "ece": calibration_error(table),
    }


def format_reliability(rows: list[dict[str, float]]) -> str:
    lines = ["  reliability of the decision model's best candidate, on the questions it decides "
             "(the words unsure): p -> how often right"]
    lines += [f"    {r['from']:.1f}-{r['to']:.1f}  n {r['n']:4d}  mean p {r['mean_p']:.3f}  right {r['right']:.3f}"
              for r in rows]
    return "\n".join(lines)


def synthetic_run(source: ContentPack, questions: list[Question], quick: bool) -> dict[str, object]:
    """p99 latency on a 500-entry pack, and its model vectors built cold in seven languages
    (two with --quick) on this machine."""
    big = synthetic_pack(source, 500)
    with tempfile.TemporaryDirectory(prefix="bench-qa-vectors-") as cold:
        t0 = time.perf_counter()
        engine = AnswerEngine(big, cache_dir=Path(cold))
        build_ms = (time.perf_counter() - t0) * 1000
        engine.warm_up()
        langs = list(QUICK_SYNTHETIC_LANGS) if quick else list(SUPPORTED_LANGUAGES)
        texts = engine.semantic.text_count() if engine.semantic is not None else 0
        vectors_s = warm_semantic(engine, langs) / 1000
        if engine.semantic is not None:  # as in the bot: a language not embedded is not waited for
            engine.semantic.blocking = False
        asked = [q for q in questions if q.lang in langs]
        outcomes = run(engine_answerer(engine), asked * 3)
    stats = Stats()
    for o in outcomes:
        stats.add(o)
    _print(f"\nsynthetic pack: {entry_count(big)} entries, index built in {build_ms:.0f} ms; the model's vectors "
           f"({texts} texts in all, built cold for {len(langs)} language(s)) in {vectors_s:.1f} s; "
           f"{len(outcomes)} questions: p50 {stats.p50:.2f} ms, p99 {stats.p99:.2f} ms")
    return {"p99_ms": round(stats.p99, 2), "p50_ms": round(stats.p50, 2), "entries": entry_count(big),
            "model_texts": texts, "model_vectors_s": round(vectors_s, 1), "model_vectors_langs": len(langs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a third of the questions, a smaller synthetic run")
    parser.add_argument("--kind", default=",".join(KINDS), help="which kinds of packs: dev,benchmark,holdout,blind")
    parser.add_argument("--dev", action="store_true", help="the tuning sets only (--kind dev)")
    parser.add_argument("--errors", action="store_true", help="list wrong answers (never for holdout or blind packs)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the BM25 baseline")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the 500-entry latency run")
    parser.add_argument("--synthetic-only", action="store_true",
                        help="only the 500-entry run (p99, vectors built cold), with the demo pack's questions")
    parser.add_argument("--blind-dir", default=str(BLIND_DIR), help=argparse.SUPPRESS)
    parser.add_argument("--pack", help="run one pack directory ... ")
    parser.add_argument("--questions", help="... with this question file (JSON lines)")
    args = parser.parse_args(argv)
    langs = list(SUPPORTED_LANGUAGES)
    kinds = ["dev"] if args.dev else [k.strip() for k in args.kind.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"--kind: unknown kind(s) {', '.join(unknown)} ({', '.join(KINDS)})")
    custom = bool(args.pack and args.questions)
    if args.errors and {"blind", "holdout"} & set(kinds) and not custom:
        print("--errors: wrong answers are never listed for holdout or blind packs (nobody may tune on them); "
              "add --kind dev or --kind benchmark", file=sys.stderr)
        return 2

    if args.synthetic_only:
        warm_process()
        name, pack_dir, qpath = PACKS[0]
        pack = load_pack(pack_dir)
        synthetic = synthetic_run(pack, subset(load_questions(qpath, default_now(pack), pack.tz), args.quick), args.quick)
        _print(json.dumps({"p99_ms": synthetic["p99_ms"], "model_vectors_500_s": synthetic["model_vectors_s"],
                           "synthetic": synthetic}, ensure_ascii=False))
        return 0
    dev = dev_sets()
    sets_by_kind: dict[str, list[tuple[str, Path, Path]]] = {
        "dev": dev, "benchmark": list(PACKS), "holdout": blind_sets(HOLDOUT_DIR),
        "blind": blind_sets(Path(args.blind_dir))}
    if custom:
        sets_by_kind = {"custom": [(Path(args.pack).name, Path(args.pack), Path(args.questions))]}
        kinds = ["custom"]
    _print(f"question answering benchmark ({'quick' if args.quick else 'full'}; kinds: {', '.join(kinds)})")
    t0 = time.perf_counter()
    warm_process()
    _print(f"lexicon and Chinese dictionary loaded in {(time.perf_counter() - t0) * 1000:.0f} ms (once per process)")
    threshold = 0.0
    if not args.no_baseline:
        t0 = time.perf_counter()
        threshold = baseline_threshold(dev)
        _print(f"BM25 baseline refusal threshold chosen on {len(dev)} dev set(s): {threshold:.3f} "
               f"({time.perf_counter() - t0:.1f} s)")

    results: dict[str, dict[str, object]] = {}
    synthetic_source: ContentPack | None = None
    synthetic_questions: list[Question] = []
    p99_packs = Stats()
    for kind in kinds:
        sets = sets_by_kind.get(kind, [])
        _print(f"\n=== {kind} packs: {len(sets)} question set(s) ===")
        ours_all: list[Outcome] = []
        words_all: list[Outcome] = []
        base_all: list[Outcome] = []
        packs: dict[str, object] = {}
        for name, pack_dir, qpath in sets:
            if not (pack_dir / "event.yaml").exists() or not qpath.exists():
                _print(f"\n{name}: skipped (missing {'pack' if not (pack_dir / 'event.yaml').exists() else qpath.name})")
                continue
            pack = load_pack(pack_dir)
            questions = subset(load_questions(qpath, default_now(pack), pack.tz), args.quick)
            t0 = time.perf_counter()
            engine = AnswerEngine(pack)
            build_ms = (time.perf_counter() - t0) * 1000
            engine.warm_up()
            semantic_ms = warm_semantic(engine)
            _print(f"\n{name}: {entry_count(pack)} entries, index built in {build_ms:.0f} ms "
                   f"(+{semantic_ms:.0f} ms model vectors); {len(questions)} questions")
            ours = run(engine_answerer(engine), questions)
            words = run(engine_answerer(AnswerEngine(pack, semantic=False)), questions)
            base = run(BM25Baseline(pack, threshold).answer, questions) if not args.no_baseline else []
            _print(format_table(f"  {name}: ours (words alone and BM25 beside)", by_language(ours), by_language(words),
                                by_language(base) if base else None, langs))
            if args.errors:
                if kind in ("blind", "holdout") or name in HELD_OUT:
                    _print("  (errors are not listed for a held-out or blind pack: the engine must not be tuned on it)")
                else:
                    show_errors("ours", ours)
            packs[name] = {k: v for k, v in figures_of(ours, words, base, langs).items()
                           if k not in ("by_lang", "reliability")}
            ours_all += ours
            words_all += words
            base_all += base
            for o in ours:
                p99_packs.add(o)
            if synthetic_source is None and kind not in ("blind", "holdout"):
                synthetic_source, synthetic_questions = pack, questions
        if not ours_all:
            continue
        figures = figures_of(ours_all, words_all, base_all, langs)
        figures["packs"] = packs
        results[kind] = figures
        if len(packs) > 1:
            _print(format_table(f"\n  all {kind} packs", by_language(ours_all), by_language(words_all),
                                by_language(base_all) if base_all else None, langs))
        _print(format_reliability(figures["reliability"]) + f"\n  (expected calibration error {figures['ece']})")

    synthetic = {}
    if synthetic_source is not None and not args.no_synthetic:
        synthetic = synthetic_run(synthetic_source, synthetic_questions, args.quick)
    headline = next((k for k in ("blind", "benchmark", "dev", "custom") if k in results), None)
    top = results.get(headline, {}) if headline else {}
    result = {
        "headline": headline,
        **{k: top.get(k) for k in ("top1", "refusal", "helpful", "words_top1", "words_refusal", "words_helpful",
                                   "bm25_top1", "bm25_refusal", "min_lang_top1")},
        "p99_ms": synthetic.get("p99_ms"),
        "p99_ms_packs": round(p99_packs.p99, 2) if p99_packs.latencies else None,
        "model_vectors_500_s": synthetic.get("model_vectors_s"),
        "bm25_threshold": round(threshold, 3),
        "synthetic": synthetic,
        "kinds": results,
    }
    _print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
