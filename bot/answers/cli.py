"""``python -m bot ask``: answer questions like the bot does, from the command line.

    python -m bot ask --content DIR [--lang LL] [--now ISO] "question"
    python -m bot ask --content DIR --jsonl < questions.jsonl

One JSON object per question: ``{"lang": ..., "match": {"type", "id", "score"} | null,
"answer": "...", "alternatives": [{"type", "id", "score"}, ...]}`` (the answer as plain
text; the alternatives are the "did you mean" entries the reply offers, best first).
``--jsonl`` reads ``{"q", "lang", "now"}`` lines; a line's ``lang``/``now`` override the options. Without ``--now`` the real clock
is used. Uses the same engine and the same composer as the bot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.answers.compose import compose, plain
from bot.answers.engine import AnswerEngine
from bot.catalog.models import SUPPORTED_LANGUAGES, ContentPack
from bot.clock import Clock

DEFAULT_CONTENT = Path(__file__).resolve().parents[2] / "content" / "hanoi-2025"


def parse_now(value: str | None, pack: ContentPack, clock: Clock | None = None) -> dt.datetime:
    """An ISO time; without an offset it is local to the event; none: the clock's now."""
    if not value:
        return (clock or Clock()).now()
    when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=pack.tz)
    return when


def answer_object(engine: AnswerEngine, question: str, lang: str, now: dt.datetime) -> dict[str, object]:
    answer = engine.ask(question, lang, now)
    reply = compose(answer, engine.pack, lang)
    return {
        "lang": lang,
        "match": answer.match.as_dict() if answer.match else None,
        "answer": plain(reply.text).replace("\u200f", "").replace("\u2068", "").replace("\u2069", ""),
        "alternatives": [match.as_dict() for match, _ in reply.alternatives],
    }


def _lang(value: str | None, default: str) -> str:
    value = (value or default or "en").strip().lower().replace("_", "-").split("-")[0]
    return value if value in SUPPORTED_LANGUAGES else default


def run_jsonl(engine: AnswerEngine, lines: Iterable[str], out: TextIO, lang: str, now: str | None) -> int:
    status = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            question = str(row.get("q") or "")
            row_lang = _lang(row.get("lang"), lang)
            when = parse_now(row.get("now") or now, engine.pack)
        except (ValueError, TypeError) as exc:
            print(f"line {n}: {exc}", file=sys.stderr)
            out.write(json.dumps({"lang": lang, "match": None, "answer": "", "alternatives": [], "error": str(exc)},
                                 ensure_ascii=False) + "\n")
            status = 1
            continue
        out.write(json.dumps(answer_object(engine, question, row_lang, when), ensure_ascii=False) + "\n")
        out.flush()
    return status


def ask_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot ask", description="Answer a question like the bot does.")
    parser.add_argument("question", nargs="*", help="the question (omit with --jsonl)")
    parser.add_argument("--content", default=str(DEFAULT_CONTENT), help="content pack directory")
    parser.add_argument("--lang", default=None, help="the user's language (default: the pack's default)")
    parser.add_argument("--now", default=None, help="the time to answer at, ISO 8601 (default: now)")
    parser.add_argument("--jsonl", action="store_true", help='read {"q","lang","now"} lines from stdin')
    args = parser.parse_args(argv)

    from bot.catalog.loader import PackError, load_pack

    try:
        pack = load_pack(Path(args.content))
    except PackError as exc:
        print(f"content pack {args.content} is not valid:", file=sys.stderr)
        for problem in getattr(exc, "problems", [])[:20]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"cannot load content pack {args.content}: {exc}", file=sys.stderr)
        return 1
    lang = _lang(args.lang, pack.default_language)
    from bot.config import SettingsError, load_settings

    try:  # the bot's own settings decide whether the model is asked and where its vectors live
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = AnswerEngine(pack, semantic=settings.semantic_answers, cache_dir=settings.embeddings_cache_dir)
    if args.jsonl:
        return run_jsonl(engine, sys.stdin, sys.stdout, lang, args.now)
    if not args.question:
        parser.error("a question is needed (or --jsonl)")
    try:
        now = parse_now(args.now, pack)
    except ValueError as exc:
        parser.error(f"--now: {exc}")
    print(json.dumps(answer_object(engine, " ".join(args.question), lang, now), ensure_ascii=False))
    return 0
