"""``python -m bench.qa.ablation [--held-out]``: what each idea of the engine contributes.

Runs the engine on the dev sets (bench/qa/dev/) with one component switched off at a time
and prints top-1 and refusal for each variant. With ``--held-out`` it also reports the
benchmark packs' figures (for the record only: decisions are taken on the dev sets).
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import bot.answers.engine as engine_mod
import bot.answers.index as index_mod
import bot.answers.normalize as norm
from bench.qa.__main__ import PACKS, default_now, dev_sets, engine_answerer, warm_process
from bench.qa.evaluate import Stats, load_questions, run
from bot.answers import AnswerEngine
from bot.answers.lexicon import Lexicon
from bot.catalog.loader import load_pack


def _clear_caches() -> None:
    """Every variant starts from scratch: analysis caches, word lists and the lexicon (its
    prefix cache remembers what the previous variant's stemmer produced)."""
    from bot.answers import lexicon as lexicon_mod

    index_mod._CACHE.clear()
    for fn in (norm._word, norm._han_words, norm._arabic_stems, norm.arabic_alternatives, norm.stem_word, norm._stopwords,
               norm._weak, lexicon_mod.load_lexicon):
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


@contextlib.contextmanager
def _patched(*patches: mock._patch) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        _clear_caches()
        yield
    _clear_caches()


def _no_stemming() -> contextlib.AbstractContextManager:
    return _patched(
        mock.patch.object(norm, "stem_word", lambda word, lang: word),
        mock.patch.object(norm, "_arabic_stems", lambda word: (word,)),
    )


def _no_lexicon() -> contextlib.AbstractContextManager:
    return _patched(mock.patch.object(engine_mod, "load_lexicon", lambda: Lexicon({})))


def _no_concepts_keep_intents() -> contextlib.AbstractContextManager:
    import yaml

    from bot.answers.lexicon import LEXICON_PATH

    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    data["concepts"] = {}
    return _patched(mock.patch.object(engine_mod, "load_lexicon", lambda: Lexicon(data)))


def _no_time() -> contextlib.AbstractContextManager:
    return _patched(mock.patch.object(engine_mod, "parse_time", lambda *a, **k: None))


def _no_typos() -> contextlib.AbstractContextManager:
    class NoFix:
        def correct(self, word: str) -> None:
            return None

    return _patched(mock.patch.object(engine_mod.AnswerEngine, "_corrector", lambda self, key: NoFix()))


def _no_key_recall() -> contextlib.AbstractContextManager:
    # confidence = coverage alone, at the threshold that suited it best on the dev sets
    return _patched(mock.patch.object(engine_mod, "KEY_RECALL", False),
                    mock.patch.object(engine_mod, "THRESHOLD", 0.6))


def _no_weak_words() -> contextlib.AbstractContextManager:
    return _patched(mock.patch.object(engine_mod, "is_weak", lambda tok, lang: False),
                    mock.patch.object(engine_mod, "WEAK_CONCEPT_FACTOR", 1.0),
                    mock.patch.object(engine_mod, "GENERIC_FACTOR", 1.0))


def _no_field_credit() -> contextlib.AbstractContextManager:
    return _patched(mock.patch.object(engine_mod, "BODY_CREDIT", 1.0),
                    mock.patch.object(engine_mod, "BODY_CONCEPT_CREDIT", 1.0),
                    mock.patch.object(engine_mod, "CONCEPT_CREDIT", 1.0))


def _no_entities_and_shapes() -> contextlib.AbstractContextManager:
    return _patched(mock.patch.object(engine_mod, "ENTITY_BONUS", 0.0),
                    mock.patch.object(engine_mod, "TYPE_BOOST", {}))


def _one_reading() -> contextlib.AbstractContextManager:
    return _patched(mock.patch.object(engine_mod.AnswerEngine, "_languages",
                                      lambda self, text, hint: norm.detect_language(text, hint)[:1]))


def _no_vi_toneless() -> contextlib.AbstractContextManager:
    real = norm._word.__wrapped__

    def word(w: str, lang: str):  # noqa: ANN202
        surface, key, terms, stop, script, toned = real(w, lang)
        if lang == "vi" and toned:
            terms = tuple(t for t in terms if not t.startswith("v0:"))
        return surface, key, terms, stop, script, toned

    return _patched(mock.patch.object(norm, "_word", word))


VARIANTS: list[tuple[str, Callable[[], contextlib.AbstractContextManager]]] = [
    ("full engine", contextlib.nullcontext),
    ("- concept lexicon (concepts and intents)", _no_lexicon),
    ("- concepts (intents kept)", _no_concepts_keep_intents),
    ("- stemming (en fr es ru, Arabic light stems)", _no_stemming),
    ("- time expressions", _no_time),
    ("- typo correction, split/joined words", _no_typos),
    ("- key recall in the confidence", _no_key_recall),
    ("- weak/generic word weights", _no_weak_words),
    ("- body/concept credit (all matches count fully)", _no_field_credit),
    ("- entity bonus and question-shape boosts", _no_entities_and_shapes),
    ("- second-language reading", _one_reading),
    ("full engine (again: nothing leaks between runs)", contextlib.nullcontext),
]


def evaluate(sets) -> Stats:
    total = Stats()
    for _, pack_dir, qpath in sets:
        pack = load_pack(pack_dir)
        engine = AnswerEngine(pack)
        for o in run(engine_answerer(engine), load_questions(qpath, default_now(pack), pack.tz)):
            total.add(o)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.ablation", description=__doc__.splitlines()[0])
    parser.add_argument("--held-out", action="store_true", help="also report the benchmark packs")
    parser.add_argument("--extra", action="append", default=[], metavar="PACK_DIR:QUESTIONS",
                        help="another dev set (a pack directory and its question file)")
    args = parser.parse_args(argv)
    warm_process()
    dev = dev_sets()
    for item in args.extra:
        pack_dir, _, questions = item.partition(":")
        dev.append((Path(questions).stem, Path(pack_dir), Path(questions)))
    bench = [(n, d, q) for n, d, q in PACKS if (d / "event.yaml").exists() and q.exists()]
    print(f"ablation on {len(dev)} dev set(s)" + (f" and {len(bench)} benchmark pack(s)" if args.held_out else ""))
    results = {}
    for name, variant in VARIANTS:
        with variant():
            d = evaluate(dev)
            row = {"dev_top1": round(d.top1_rate, 3), "dev_refusal": round(d.refusal_rate, 3)}
            if args.held_out and bench:
                b = evaluate(bench)
                row.update(bench_top1=round(b.top1_rate, 3), bench_refusal=round(b.refusal_rate, 3))
        results[name] = row
        print(f"  {name:50} " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
