"""``python -m bench.qa.language``: how well the bot tells the language a question is written
in, and how often it would answer in a language the person did not ask in.

Every dev question (bench/qa/dev/*.jsonl, never the blind ones) carries the language it is
written in. Each is asked as if by a person of each of the seven settings:

- **accuracy**: :func:`bot.answers.language.reading` names the question's language;
- **switch rate**: with another setting, the bot answers in the question's language (the
  rest stay in the setting: a missed switch is harmless, the person reads their own language);
- **false switches**: the bot answers in a language that is not the question's: with the
  setting equal to the question's language (it should never move), or with another setting
  to a third language. This is the figure that must stay near zero.

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bot.answers.language import reading, switch_to
from bot.catalog.models import SUPPORTED_LANGUAGES

HERE = Path(__file__).resolve().parent
DEV_DIR = HERE / "dev"


def dev_questions(directory: Path = DEV_DIR) -> list[tuple[str, str]]:
    """(question, its language) of every dev question file."""
    out = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("//"):
                row = json.loads(line)
                out.append((str(row["q"]), str(row.get("lang") or "en")))
    return out


def measure(questions: list[tuple[str, str]], langs: tuple[str, ...] = tuple(SUPPORTED_LANGUAGES)) -> dict[str, object]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    switched: Counter[str] = Counter()
    offered: Counter[str] = Counter()  # (question, other setting) pairs per question language
    false_same: Counter[str] = Counter()
    false_other: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for q, lang in questions:
        total[lang] += 1
        if reading(q).lang == lang:
            right[lang] += 1
        for setting in langs:
            got = switch_to(q, setting)
            if setting == lang:
                if got is not None:
                    false_same[lang] += 1
                    examples[lang].append(f"[{setting}->{got}] {q}")
                continue
            offered[lang] += 1
            if got == lang:
                switched[lang] += 1
            elif got is not None:
                false_other[lang] += 1
                examples[lang].append(f"[{setting}->{got}] {q}")
    n, pairs = sum(total.values()), sum(offered.values())
    false = sum(false_same.values()) + sum(false_other.values())
    per_lang = {
        lang: {"n": total[lang], "accuracy": round(right[lang] / total[lang], 3),
               "switch_rate": round(switched[lang] / offered[lang], 3) if offered[lang] else None,
               "false_switches": false_same[lang] + false_other[lang]}
        for lang in langs if total[lang]
    }
    return {
        "questions": n,
        "accuracy": round(sum(right.values()) / n, 3) if n else None,
        "switch_rate": round(sum(switched.values()) / pairs, 3) if pairs else None,
        "false_switches": false,
        "false_switch_rate": round(false / (n * len(langs)), 4) if n else None,
        "false_same_setting": sum(false_same.values()),
        "by_lang": per_lang,
        "examples": {k: v[:10] for k, v in examples.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.language", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same (the whole run takes about a second)")
    parser.add_argument("--examples", action="store_true", help="list the false switches (dev questions only)")
    args = parser.parse_args(argv)
    result = measure(dev_questions())
    print(f"language of the question, on {result['questions']} dev questions asked under each of the seven settings")
    print(f"  detector accuracy {result['accuracy']}, switch rate (other setting) {result['switch_rate']}, "
          f"false switches {result['false_switches']} ({result['false_switch_rate']} of all question x setting pairs; "
          f"{result['false_same_setting']} away from the question's own language)")
    for lang, row in result["by_lang"].items():  # type: ignore[union-attr]
        print(f"  {lang}: n {row['n']:4d}  accuracy {row['accuracy']:.3f}  switch rate {row['switch_rate']}  "
              f"false switches {row['false_switches']}")
    if args.examples:
        for lang, lines in result["examples"].items():  # type: ignore[union-attr]
            for line in lines:
                print(f"    {lang} {line}")
    print(json.dumps({k: v for k, v in result.items() if k != "examples"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
