"""reminder keys name the session's start: reminder:{session}:{person}:{lead}:{start}

Revision ID: 0011
Revises: 0010

A reminder's idempotency key had no start time, so a session that moved after its reminder
went out (a delay, a new version of the pack) never got one before its new time: the new
row had the key of the sent one. Rows stored before this revision get their start, taken
from their own spec, so that planning after the upgrade finds them (and sends nothing twice).
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _with_start(key: str, payload: object) -> str | None:
    spec = json.loads(payload) if isinstance(payload, str) else payload
    if key.count(":") != 3 or not isinstance(spec, dict) or not spec.get("start"):
        return None
    try:
        start = dt.datetime.fromisoformat(str(spec["start"]))
    except ValueError:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return f"{key}:{start.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


def upgrade() -> None:
    bind = op.get_bind()
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("key", sa.String),
                      sa.column("kind", sa.String), sa.column("payload", sa.JSON))
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.key, outbox.c.payload)
                        .where(outbox.c.kind == "reminder", outbox.c.key.is_not(None))).all()
    for row_id, key, payload in rows:
        new = _with_start(key, payload)
        if new is not None:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key=new))


def downgrade() -> None:
    bind = op.get_bind()
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("kind", sa.String))
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.key).where(outbox.c.kind == "reminder", outbox.c.key.is_not(None))).all()
    kept: set[str] = set()
    for row_id, key in sorted(rows, key=lambda r: -r[0]):  # the newest row of a key keeps it
        if key.count(":") != 4:
            continue
        old = key.rsplit(":", 1)[0]
        if old in kept:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key=None))
        else:
            kept.add(old)
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key=old))
