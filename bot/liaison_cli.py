"""The liaison commands of ``python -m bot``:

    python -m bot officers assign @anna --delegation FRA --language fr --category transport
    python -m bot officers import officers.csv     # officer,delegations,languages,categories
    python -m bot officers list
    python -m bot report requests [--out FILE]     # time to claim / resolve per category and officer

``assign`` and ``import`` need people who have written to the bot; an officer's role is given
with ``python -m bot people role WHO officer`` (or an invite), and ``assign`` refuses anyone who
is not an officer or supervisor. Lists in the CSV are separated by ``;``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot")
    sub = p.add_subparsers(dest="command", required=True)
    off = sub.add_parser("officers", help="liaison officers' assignments")
    off_sub = off.add_subparsers(dest="officers_command", required=True)
    assign = off_sub.add_parser("assign", help="set what an officer covers (replaces it unless --add)")
    assign.add_argument("who", metavar="TELEGRAM_ID|@USERNAME")
    assign.add_argument("--delegation", action="append", default=[], help="a delegation code (repeat)")
    assign.add_argument("--language", action="append", default=[], help="a language code (repeat)")
    assign.add_argument("--category", action="append", default=[], help="a liaison category id (repeat)")
    assign.add_argument("--add", action="store_true", help="add to what they cover instead of replacing it")
    imp = off_sub.add_parser("import", help="assignments from a CSV file: officer,delegations,languages,categories")
    imp.add_argument("file")
    off_sub.add_parser("list", help="officers, their duty and what they cover")
    report = sub.add_parser("report", help="reports")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    req = report_sub.add_parser("requests", help="CSV: time to claim and to resolve per category and officer")
    req.add_argument("--out", help="write to this file (default: stdout)")
    return p


def main(argv: list[str], settings: Settings) -> int:
    args = parser().parse_args(argv)
    if args.command == "report":
        text = asyncio.run(_report(settings))
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    if args.officers_command == "list":
        return asyncio.run(_list(settings))
    from bot.services.liaison_officers import Assignment, parse_csv

    if args.officers_command == "import":
        try:
            assignments = parse_csv(Path(args.file).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            print(f"error: {args.file}: {exc}", file=sys.stderr)
            return 1
        return asyncio.run(_assign(settings, assignments, replace=True))
    one = Assignment(args.who, args.delegation, args.language, args.category)
    return asyncio.run(_assign(settings, [one], replace=not args.add))


async def _assign(settings: Settings, assignments: list, *, replace: bool) -> int:
    from bot.clock import Clock
    from bot.services import liaison_officers as officers
    from bot.services.people import PeopleService
    from bot.services.roles import RoleRefused, RoleService
    from bot.store.db import Database

    db = Database(settings.database_url)
    problems = []
    try:
        await db.upgrade()
        roles = RoleService(PeopleService(db, Clock(), settings.organiser_ids))
        async with db.session() as session:  # all or nothing
            for index, a in enumerate(assignments, start=1):
                try:
                    person = await roles._find(session, a.who)
                except RoleRefused as exc:
                    problems.append(f"{index}: {a.who}: {exc.problem.value.replace('_', ' ')}")
                    continue
                if not person.is_officer:
                    problems.append(f"{index}: {a.who}: not a liaison officer (python -m bot people role {a.who} officer)")
                    continue
                try:
                    await officers.assign(session, person, a, Clock(), replace=replace)
                except ValueError as exc:
                    problems.append(f"{index}: {a.who}: {exc}")
            if problems:
                raise _Rollback
    except _Rollback:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(problems)} problem(s); nothing was changed", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"{len(assignments)} officer(s) assigned", file=sys.stderr)
    return 0


class _Rollback(Exception):
    pass


async def _list(settings: Settings) -> int:
    from sqlalchemy import select

    from bot.services import liaison_officers as officers
    from bot.store.db import Database
    from bot.store.models import OfficerProfile, Person

    db = Database(settings.database_url)
    try:
        await db.upgrade()
        async with db.session() as s:
            people = list((await s.scalars(select(Person).where(Person.role.in_(officers.OFFICER_ROLES))
                                           .order_by(Person.id))).unique())
            duty = {p.person_id: p.on_duty for p in await s.scalars(select(OfficerProfile))}
            covers = await officers.covers_of(s, [p.id for p in people])
    finally:
        await db.dispose()
    if not people:
        print("no liaison officers yet")
    for p in people:
        c = covers.get(p.id, {})
        parts = [f"{kind.value}s={','.join(sorted(values))}" for kind, values in sorted(c.items()) if values]
        state = "on duty" if duty.get(p.id) else "off duty"
        print(f"{p.telegram_id}  {p.first_name}  {p.role.value}  {state}  {' '.join(parts) or '(no assignment)'}")
    return 0


async def _report(settings: Settings) -> str:
    from bot.services.liaison_report import requests_csv
    from bot.store.db import Database

    db = Database(settings.database_url)
    try:
        await db.upgrade()
        text = await requests_csv(db)
    finally:
        await db.dispose()
    return text
