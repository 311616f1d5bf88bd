"""``python -m bot content check DIR [--strict] [--catalogs DIR]``: validate a content pack.

The contract: exit 0 when the pack is valid, 1 otherwise, and one line per problem on
stdout, ``file:line: field: what is wrong``. Errors come first, then warnings, whose
message part starts with ``warning:``; warnings do not fail the check unless
``--strict``. A one-line summary goes to stderr.

``--strict`` also runs the reviser's pass (:mod:`bot.catalog.review`): the pack's texts
and the bot's catalogs against the pack's optional ``glossary.yaml``, and typography
(French no-break spaces). The glossary file itself is validated in both modes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.catalog.checks import Reporter
from bot.catalog.loader import check_pack
from bot.catalog.problems import CheckResult, sort_key
from bot.catalog.review import read_pack_glossary, review


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot content check",
        description="Validate a content pack: one line per problem, exit 1 if it is not valid.",
    )
    parser.add_argument("dir", metavar="DIR", help="the content pack directory")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (e.g. missing translations) as errors, and check the texts and "
        "the bot's catalogs against the pack's glossary and typography",
    )
    parser.add_argument(
        "--catalogs",
        metavar="DIR",
        help="the gettext catalogs --strict reviews (default: the bot's own locales/)",
    )
    return parser


def check_content(
    path: str | Path, strict: bool = False, catalogs: str | Path | None = None
) -> tuple[CheckResult, int | None]:
    """:func:`check_pack`, the glossary, and with ``strict`` the reviser's pass.

    Returns the result and the number of glossary terms (None without a glossary).
    """
    directory = Path(path)
    result = check_pack(directory)
    report = Reporter()
    pack = result.pack
    glossary = None
    if directory.is_dir():
        glossary = read_pack_glossary(directory, pack.languages if pack else None, report)
    problems = [*result.problems, *report.problems]
    if strict and pack is not None:
        if catalogs is None:
            from bot.i18n import LOCALES_DIR

            catalogs = LOCALES_DIR
        problems += review(directory, pack, glossary, Path(catalogs))
    errors = [p for p in problems if not p.is_warning]
    warnings = [p for p in problems if p.is_warning]
    if strict:
        errors, warnings = [*errors, *(w.as_error() for w in warnings)], []
    errors.sort(key=sort_key)
    warnings.sort(key=sort_key)
    checked = CheckResult(pack=None if errors else pack, errors=errors, warnings=warnings)
    return checked, (len(glossary) if glossary is not None else None)


def content_check_command(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse has printed why
        return exc.code if isinstance(exc.code, int) else 2
    began = time.perf_counter()
    result, terms = check_content(args.dir, strict=args.strict, catalogs=args.catalogs)
    took = time.perf_counter() - began
    out = sys.stdout
    for problem in result.problems:
        print(problem, file=out)
    out.flush()
    counts = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
    if result.pack is not None:
        pack = result.pack
        rooms = sum(len(v.rooms) for v in pack.venues)
        glossary = f", {terms} glossary terms" if terms is not None else ""
        print(
            f"{args.dir}: valid, {counts}; version {pack.version}: {len(pack.venues)} venues, "
            f"{rooms} rooms, {len(pack.sessions)} sessions, {len(pack.faq)} FAQ entries"
            f"{glossary}, languages {', '.join(pack.languages)} ({took:.2f}s)",
            file=sys.stderr,
        )
        return 0
    print(f"{args.dir}: NOT valid, {counts}", file=sys.stderr)
    return 1
