"""``python -m bot report broadcast ID [--out FILE]``: a broadcast's per-recipient result as CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.services.broadcast import BroadcastError, ReportRow, report_rows
from bot.store.db import Database

COLUMNS = ["telegram_id", "name", "delegation", "language", "state", "error", "sent_at", "message_id", "confirmed_at"]


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def write_csv(rows: list[ReportRow], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.telegram_id, r.name, r.delegation, r.language, r.state, r.error, _when(r.sent_at),
                         r.message_id or "", _when(r.confirmed_at)])


def cmd_report_broadcast(settings: Settings, broadcast_id: int, out: Path | None) -> int:
    async def main() -> list[ReportRow]:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await report_rows(db, broadcast_id)
        finally:
            await db.dispose()

    try:
        rows = asyncio.run(main())
    except BroadcastError:
        print(f"error: no broadcast {broadcast_id}", file=sys.stderr)
        return 1
    if out is None:
        write_csv(rows, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="") as fh:
            write_csv(rows, fh)
        print(f"{len(rows)} recipient(s) written to {out}", file=sys.stderr)
    return 0
