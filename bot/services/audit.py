"""The audit log: who gave or took a role, who revoked an invite, and when.

An entry is written by the service making the change, in the same transaction (so there is
never a change without its entry, nor an entry without its change). Plain async code: no
Telegram here.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import Database
from bot.store.models import AuditAction, AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the audit log names them."""

    name: str
    #: a person's Telegram id, when a person acts (their role is checked by the service)
    telegram_id: int | None = None

    @classmethod
    def person(cls, telegram_id: int) -> Actor:
        return cls(f"telegram:{telegram_id}", telegram_id)

    @classmethod
    def command_line(cls) -> Actor:
        """Someone at the command line, named by the system user running it."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no user name in this environment
            user = "unknown"
        return cls(f"cli:{user}"[:100])


#: the bootstrap setting: organisers granted because ORGANISER_IDS lists them
ORGANISER_SETTING = Actor("setting:ORGANISER_IDS")
#: the program itself (the sandbox's simulated people)
SYSTEM = Actor("system")


def person_target(telegram_id: int) -> str:
    return f"person:{telegram_id}"


def invite_target(invite_id: int) -> str:
    return f"invite:{invite_id}"


def record(
    session: AsyncSession,
    *,
    at: dt.datetime,
    actor: Actor,
    action: AuditAction,
    target: str,
    old: str | None,
    new: str | None,
) -> None:
    """Add an entry to the caller's transaction."""
    session.add(AuditEntry(at=at, actor=actor.name, action=action, target=target, old_value=old, new_value=new))


async def latest(session: AsyncSession, target: str, action: AuditAction) -> AuditEntry | None:
    """The latest entry of ``action`` on ``target``, if any."""
    return await session.scalar(
        select(AuditEntry)
        .where(AuditEntry.target == target, AuditEntry.action == action)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )


async def history(db: Database, limit: int = 100) -> list[AuditEntry]:
    """The latest entries, newest first."""
    async with db.session() as session:
        found = await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return list(found)
