"""``python -m bot content check DIR [--strict]``: validate a content pack.

The contract: exit 0 when the pack is valid, 1 otherwise, and one line per problem on
stdout, ``file:line: field: what is wrong``. Errors come first, then warnings, whose
message part starts with ``warning:``; warnings do not fail the check unless
``--strict``. A one-line summary goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time

from bot.catalog.loader import check_pack


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot content check",
        description="Validate a content pack: one line per problem, exit 1 if it is not valid.",
    )
    parser.add_argument("dir", metavar="DIR", help="the content pack directory")
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings (e.g. missing translations) as errors"
    )
    return parser


def content_check_command(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse has printed why
        return exc.code if isinstance(exc.code, int) else 2
    began = time.perf_counter()
    result = check_pack(args.dir, strict=args.strict)
    took = time.perf_counter() - began
    out = sys.stdout
    for problem in result.problems:
        print(problem, file=out)
    out.flush()
    counts = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
    if result.pack is not None:
        pack = result.pack
        rooms = sum(len(v.rooms) for v in pack.venues)
        print(
            f"{args.dir}: valid, {counts}; version {pack.version}: {len(pack.venues)} venues, "
            f"{rooms} rooms, {len(pack.sessions)} sessions, {len(pack.faq)} FAQ entries, "
            f"languages {', '.join(pack.languages)} ({took:.2f}s)",
            file=sys.stderr,
        )
        return 0
    print(f"{args.dir}: NOT valid, {counts}", file=sys.stderr)
    return 1
