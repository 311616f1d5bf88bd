"""Command line for the people who run the event: ``python -m bot invites list|revoke``,
``python -m bot people role WHO [ROLE]`` and ``python -m bot report audit``.

Changes made here are written to the audit log as ``cli:<system user>``. The rules are the
services' (:mod:`bot.services.roles`, :mod:`bot.services.invites`): at the command line too,
a change that would leave no organiser is refused. A running bot sees a role changed here on
the person's next message at the latest a minute later (its copy of recent callers); their
powers, which are read from the database on each action, at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.clock import Clock
from bot.config import Settings
from bot.services import audit
from bot.services.audit import Actor
from bot.services.invites import InviteService, invite_reference, state_of
from bot.services.people import PeopleService
from bot.services.roles import RoleProblem, RoleRefused, RoleService
from bot.store.db import Database
from bot.store.models import Invite, Role

T = TypeVar("T")
REFUSALS = {
    RoleProblem.UNKNOWN_PERSON: "no one with this Telegram id or username has written to the bot",
    RoleProblem.AMBIGUOUS: "several people have had this username: use the Telegram id",
    RoleProblem.OWN_ROLE: "a person may not lower their own role",
    RoleProblem.LAST_ORGANISER: "this is the last organiser: make someone else an organiser first",
}


def _with_people(settings: Settings, work: Callable[[PeopleService], Awaitable[T]]) -> T:
    async def main() -> T:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await work(PeopleService(db, Clock(), settings.organiser_ids))
        finally:
            await db.dispose()

    return asyncio.run(main())


def _when(value: dt.datetime) -> str:
    return f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z"


def _describe(invite: Invite, now: dt.datetime) -> str:
    delegation = invite.delegation.code if invite.delegation else "-"
    state = state_of(invite, now).value
    when = _when(invite.revoked_at) if invite.revoked_at else _when(invite.expires_at)
    label = f"  {invite.label}" if invite.label else ""
    return f"{invite.id:5d}  {invite.role.value:<10}  {delegation:<12}  {invite.uses}/{invite.max_uses}  {state} {when}{label}"


def cmd_invites_list(settings: Settings, limit: int) -> int:
    invites = _with_people(settings, lambda people: InviteService(people).recent(limit))
    now = Clock().now()
    if not invites:
        print("no invites")
    for invite in invites:
        print(_describe(invite, now))
    return 0


def cmd_invites_revoke(settings: Settings, which: str) -> int:
    reference = invite_reference(which)
    if reference is None:
        print(f"error: '{which}' is not an invite number, token or link", file=sys.stderr)
        return 2
    revocation = _with_people(
        settings, lambda people: InviteService(people).revoke(reference, by=Actor.command_line())
    )
    if revocation is None:
        print(f"error: no invite has the number, token or link '{which}'", file=sys.stderr)
        return 1
    invite = revocation.invite
    if not revocation.revoked_now and invite.revoked_at is not None:
        print(f"invite {invite.id} was already revoked on {_when(invite.revoked_at)}")
    else:
        print(f"invite {invite.id} revoked: its link no longer works (people who used it keep their role)")
    print(_describe(invite, Clock().now()))
    return 0


def cmd_people_role(settings: Settings, who: str, role_name: str | None) -> int:
    try:
        role = Role(role_name.lower()) if role_name else None
    except ValueError:
        print(f"error: '{role_name}' is not a role (delegate, officer, supervisor, organiser)", file=sys.stderr)
        return 2

    async def work(people: PeopleService) -> str:
        roles = RoleService(people)
        if role is None:
            person = await roles.find(who)
            return f"{person.telegram_id} ({person.first_name}): {person.role.value}"
        change = await roles.change(who, role, by=Actor.command_line())
        person = change.person
        if not change.changed:
            return f"{person.telegram_id} ({person.first_name}): already {role.value}"
        return f"{person.telegram_id} ({person.first_name}): {change.old.value} -> {change.new.value}"

    try:
        print(_with_people(settings, work))
    except RoleRefused as refused:
        print(f"error: {who}: {REFUSALS[refused.problem]}", file=sys.stderr)
        return 1
    return 0


def cmd_report_audit(settings: Settings, limit: int) -> int:
    entries = _with_people(settings, lambda people: audit.history(people.db, limit))
    if not entries:
        print("the audit log is empty")
    for entry in entries:
        change = f"{entry.old_value or '-'} -> {entry.new_value or '-'}"
        print(f"{_when(entry.at)}  {entry.actor:<24}  {entry.action.value:<15}  {entry.target:<20}  {change}")
    return 0
