"""Command line: ``python -m bot [run|serve|sandbox|ask|content check|db upgrade|invites|people|report]``.

With no command: the sandbox when no ``BOT_TOKEN`` is set, polling otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings

log = logging.getLogger("bot")


def setup_logging(level: str, token: str | None = None) -> None:
    from bot.redact import install

    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # no line at any level may carry the token (PTB logs the API URL at DEBUG, httpx the URLs)
    install(token)
    # httpx logs every request URL at INFO: noise, and redacted all the same
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_run(settings: Settings) -> int:
    from bot.app import build_services
    from bot.i18n import compile_catalogs
    from bot.runner import run_polling, stop_event_on_signals

    if not settings.bot_token:
        print("error: BOT_TOKEN: needed to run the bot (or start the sandbox: python -m bot sandbox)", file=sys.stderr)
        return 2
    compile_catalogs()

    async def main() -> None:
        await run_polling(build_services(settings), stop_event_on_signals())

    asyncio.run(main())
    return 0


def cmd_serve(settings: Settings) -> int:
    from bot.app import build_services
    from bot.i18n import compile_catalogs
    from bot.runner import serve_webhook, stop_event_on_signals

    for name, value in (("BOT_TOKEN", settings.bot_token), ("WEBHOOK_SECRET", settings.webhook_secret)):
        if not value:
            print(f"error: {name}: needed by the webhook server", file=sys.stderr)
            return 2
    compile_catalogs()

    async def main() -> None:
        await serve_webhook(build_services(settings), stop_event_on_signals())

    asyncio.run(main())
    return 0


def cmd_sandbox(settings: Settings, port: int | None, now: str | None) -> int:
    from bot.i18n import compile_catalogs
    from bot.sandbox.run import run_sandbox

    compile_catalogs()
    start = _parse_now(now) if now else None
    asyncio.run(run_sandbox(settings, port=port or settings.sandbox_port, start=start))
    return 0


def _parse_now(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        print(f"error: --now: '{text}' is not an ISO date-time", file=sys.stderr)
        raise SystemExit(2) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def cmd_db_upgrade(settings: Settings) -> int:
    from bot.store.db import Database

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            print(f"database at revision {await db.current_revision()}")
        finally:
            await db.dispose()

    asyncio.run(main())
    return 0


def cmd_invites_import(settings: Settings, path: str, out: str | None, bot_username: str | None) -> int:
    from bot.clock import Clock
    from bot.services.invites import InviteService, invite_link
    from bot.services.people import PeopleService
    from bot.store.db import Database

    username = bot_username or settings.bot_username
    if not username:
        print("error: BOT_USERNAME: needed to write invite links (or pass --bot-username)", file=sys.stderr)
        return 2
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 1

    async def create() -> list:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            invites = InviteService(PeopleService(db, Clock(), settings.organiser_ids))
            return await invites.import_csv(
                text, default_ttl=dt.timedelta(days=settings.invite_ttl_days)
            )
        finally:
            await db.dispose()

    rows = asyncio.run(create())
    errors = [r for r in rows if r.error]
    for row in errors:
        print(f"{path}:{row.line}: {row.error}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s); no invite was created", file=sys.stderr)
        return 1
    import csv

    target = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(target)
        writer.writerow(["line", "delegation", "role", "uses", "label", "link"])
        for row in rows:
            writer.writerow(
                [row.line, row.spec.delegation or "", row.spec.role.value, row.spec.uses,
                 row.spec.label or "", invite_link(username, row.token)]
            )
    finally:
        if out:
            target.close()
    print(f"{len(rows)} invite(s) created", file=sys.stderr)
    return 0


def cmd_report_unanswered(settings: Settings, limit: int) -> int:
    from bot.clock import Clock
    from bot.services.questions import QuestionLog
    from bot.store.db import Database

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            groups = await QuestionLog(db, Clock()).groups(limit=limit)
        finally:
            await db.dispose()
        if not groups:
            print("no unanswered questions")
        for group in groups:
            print(f"{group.count:4d}  [{','.join(group.languages)}]  {group.last_asked:%Y-%m-%d %H:%M}Z  {group.example}")

    asyncio.run(main())
    return 0


def cmd_export_phrasings(settings: Settings, event: str | None, out: str | None) -> int:
    """The phrasings organisers attached during the event, as YAML in the pack's format."""
    from bot.catalog.loader import load_pack
    from bot.clock import Clock
    from bot.services.phrasings import PhrasingStore, export_yaml
    from bot.store.db import Database

    event_id = event or load_pack(settings.content_dir).event.id

    async def main() -> str:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            rows = await PhrasingStore(db, Clock()).learnt(event_id)
        finally:
            await db.dispose()
        print(f"{len(rows)} learnt phrasing(s) for {event_id}", file=sys.stderr)
        return export_yaml(rows, event_id)

    text = asyncio.run(main())
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The delegate assistant.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot with long polling (needs BOT_TOKEN)")
    sub.add_parser("serve", help="run the webhook server on $PORT (needs BOT_TOKEN, WEBHOOK_SECRET)")
    sandbox = sub.add_parser("sandbox", help="the emulator, the demo content and a web chat")
    sandbox.add_argument("--port", type=int, default=None)
    sandbox.add_argument("--now", default=None, help="start the sandbox clock at this ISO time")
    sub.add_parser("ask", help="answer a question like the bot does (see --help)", add_help=False)
    content = sub.add_parser("content", help="content pack tools")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    content_sub.add_parser("check", help="validate a content pack", add_help=False)
    export = content_sub.add_parser("export-phrasings", help="the phrasings learnt during the event, as YAML")
    export.add_argument("--event", help="the event id (default: the pack in CONTENT_DIR)")
    export.add_argument("--out", help="write to this file (default: stdout)")
    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations")
    invites = sub.add_parser("invites", help="invite links")
    invites_sub = invites.add_subparsers(dest="invites_command", required=True)
    imp = invites_sub.add_parser("import", help="create invites from a CSV file")
    imp.add_argument("file")
    imp.add_argument("--out", help="write the links to this CSV file (default: stdout)")
    imp.add_argument("--bot-username", help="the bot's @username, for the links")
    listed = invites_sub.add_parser("list", help="the latest invites, with their numbers")
    listed.add_argument("--limit", type=int, default=50)
    revoke = invites_sub.add_parser("revoke", help="withdraw an invite (its number, token or link)")
    revoke.add_argument("invite", metavar="ID|TOKEN|LINK")
    people = sub.add_parser("people", help="people and their roles")
    people_sub = people.add_subparsers(dest="people_command", required=True)
    role = people_sub.add_parser("role", help="see or change a person's role (recorded in the audit log)")
    role.add_argument("who", metavar="TELEGRAM_ID|@USERNAME")
    role.add_argument("role", nargs="?", help="delegate, officer, supervisor or organiser")
    sub.add_parser("officers", help="liaison officers: assign, import (CSV), list", add_help=False)
    report = sub.add_parser("report", help="reports for organisers")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    unanswered = report_sub.add_parser("unanswered", help="questions the bot could not answer")
    unanswered.add_argument("--limit", type=int, default=100)
    report_sub.add_parser("requests", help="liaison requests: time to claim and resolve (CSV)", add_help=False)
    audit = report_sub.add_parser("audit", help="who changed a role or revoked an invite, and when")
    audit.add_argument("--limit", type=int, default=100)
    report_broadcast = report_sub.add_parser("broadcast", help="a broadcast's result per recipient, as CSV")
    report_broadcast.add_argument("broadcast_id", type=int, metavar="ID")
    report_broadcast.add_argument("--out", type=Path, help="write the CSV here (default: standard output)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # commands with their own parsers: hand over everything after the command words
    if argv[:1] == ["ask"]:
        from bot.answers.cli import ask_command

        return ask_command(argv[1:])
    if argv[:2] == ["content", "check"]:
        from bot.catalog.cli import content_check_command

        return content_check_command(argv[2:])
    if argv[:1] == ["officers"] or argv[:2] == ["report", "requests"]:  # liaison: bot/liaison_cli.py
        from bot.liaison_cli import main as liaison_main

        settings = settings_or_exit()
        setup_logging(settings.log_level, settings.bot_token)
        return liaison_main(argv, settings)
    args = build_parser().parse_args(argv)
    settings = settings_or_exit()
    setup_logging(settings.log_level, settings.bot_token)
    command = args.command or ("run" if settings.bot_token else "sandbox")
    from bot.catalog.problems import PackError

    try:
        return run_command(command, args, settings)
    except PackError as exc:  # a broken pack at start-up: its problems, not a traceback
        print(f"error: CONTENT_DIR: the content pack in {settings.content_dir} cannot be loaded "
              f"({len(exc.errors)} error(s); `python -m bot content check {settings.content_dir}`):",
              file=sys.stderr)
        for problem in exc.errors:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except Exception as exc:  # start-up failures a person can fix: one line, not a traceback
        message = startup_failure(exc, settings)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


def startup_failure(exc: BaseException, settings: Settings) -> str | None:
    """What to tell the person starting the bot when Telegram, the database or the port is
    unusable (the database and the port are named where they fail: :class:`StartupError`)."""
    from telegram.error import InvalidToken, NetworkError

    from bot.app import StartupError

    if isinstance(exc, StartupError):
        return str(exc)
    if isinstance(exc, InvalidToken):
        return "BOT_TOKEN: Telegram does not accept this token"
    if isinstance(exc, NetworkError):
        return f"cannot reach the Telegram Bot API at {settings.telegram_api_url} ({exc})"
    return None


def run_command(command: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot import admin_cli

    if command == "run":
        return cmd_run(settings)
    if command == "serve":
        return cmd_serve(settings)
    if command == "sandbox":
        return cmd_sandbox(settings, getattr(args, "port", None), getattr(args, "now", None))
    if command == "db":
        return cmd_db_upgrade(settings)
    if command == "invites":
        if args.invites_command == "list":
            return admin_cli.cmd_invites_list(settings, args.limit)
        if args.invites_command == "revoke":
            return admin_cli.cmd_invites_revoke(settings, args.invite)
        return cmd_invites_import(settings, args.file, args.out, args.bot_username)
    if command == "people":
        return admin_cli.cmd_people_role(settings, args.who, args.role)
    if command == "content" and args.content_command == "export-phrasings":
        return cmd_export_phrasings(settings, args.event, args.out)
    if command == "report":
        if args.report_command == "audit":
            return admin_cli.cmd_report_audit(settings, args.limit)
        if args.report_command == "broadcast":
            from bot.broadcast_cli import cmd_report_broadcast

            return cmd_report_broadcast(settings, args.broadcast_id, args.out)
        return cmd_report_unanswered(settings, args.limit)
    build_parser().print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
