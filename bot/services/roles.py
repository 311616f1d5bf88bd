"""Roles given and taken: by an organiser (``/role`` in the chat), at the command line
(``python -m bot people role``), and by the ``ORGANISER_IDS`` setting. Plain async code: no
Telegram here. Every change is written to the audit log with who made it and when.

What ``ORGANISER_IDS`` means (the safer of the two readings): it *bootstraps* organisers, and
a decision recorded in the database wins over it.

- A listed person is an organiser from their first contact, or from the next start if they
  were already known, unless a person (an organiser in the chat, or someone at the command
  line) has set their role since: that decision stands, listed or not. So an organiser whose
  account is lost or misused can be demoted at once, without a restart, and stays demoted.
- A person who is an organiser only because the setting listed them goes back to the role
  they had before when they are no longer listed (at the next start), unless they are the
  last organiser. An organiser made so by a person stays one until a person changes it.

Two mistakes are refused: an organiser lowering their own role (another organiser, or the
command line, must do it), and any change that would leave the event without an organiser.
Both are checked in the same transaction as the change, after locking the organisers (see
``_lock_organisers``), so two organisers demoting each other at the same moment cannot both
succeed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.audit import ORGANISER_SETTING, Actor
from bot.services.people import ROLE_RANK, AccessDenied, PeopleService
from bot.services.storable import storable
from bot.store.models import AuditAction, Person, Role

log = logging.getLogger(__name__)
MAX_TELEGRAM_ID_DIGITS = 20
ROLE_VALUES = frozenset(role.value for role in Role)


class RoleProblem(StrEnum):
    UNKNOWN_PERSON = "unknown_person"  # no one with this id or username has written to the bot
    AMBIGUOUS = "ambiguous"  # several people have had this username: use the Telegram id
    OWN_ROLE = "own_role"  # an organiser lowering their own role
    LAST_ORGANISER = "last_organiser"  # the change would leave no organiser


@dataclass(frozen=True)
class Someone:
    """Who a refusal is about, as read in its transaction (which was rolled back)."""

    telegram_id: int
    first_name: str
    username: str | None

    @classmethod
    def of(cls, person: Person) -> Someone:
        return cls(person.telegram_id, person.first_name, person.username)


class RoleRefused(Exception):
    def __init__(self, problem: RoleProblem, person: Person | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.person = Someone.of(person) if person is not None else None


@dataclass(frozen=True)
class RoleChange:
    person: Person
    old: Role
    new: Role

    @property
    def changed(self) -> bool:
        return self.old != self.new


class RoleService:
    """Looks people up and changes their roles, through the people service (the same database,
    clock and cache of recent callers, whose entry for the person is dropped on a change)."""

    def __init__(self, people: PeopleService) -> None:
        self.people = people

    async def find(self, who: str) -> Person:
        """A person by Telegram id (``123456789``) or username (``@name``, any case)."""
        async with self.people.db.session() as session:
            return await self._find(session, who)

    async def change(self, who: str, role: Role, *, by: Actor) -> RoleChange:
        """Give ``who`` the role ``role``. A person acting (``by.telegram_id``) must be an
        organiser now; raises :class:`AccessDenied` otherwise, :class:`RoleRefused` for an
        unknown person or a refused change (see the module's docstring)."""
        people = self.people
        async with people.db.session() as session:
            await self._lock_organisers(session)
            if by.telegram_id is not None:
                actor = await session.scalar(select(Person).where(Person.telegram_id == by.telegram_id))
                if actor is None or actor.role != Role.ORGANISER:
                    raise AccessDenied(by.telegram_id)
            organisers = list(await session.scalars(select(Person.telegram_id).where(Person.role == Role.ORGANISER)))
            person = await self._find(session, who, lock=True)
            old = person.role
            if old == role:
                return RoleChange(person, old, role)
            if by.telegram_id == person.telegram_id and ROLE_RANK[role] < ROLE_RANK[old]:
                raise RoleRefused(RoleProblem.OWN_ROLE, person)
            if old == Role.ORGANISER and set(organisers) <= {person.telegram_id}:
                raise RoleRefused(RoleProblem.LAST_ORGANISER, person)
            self._set(session, person, role, by)
        people.recent.invalidate(person.telegram_id)
        log.info("role of %s changed by %s: %s -> %s", person.telegram_id, by.name, old.value, role.value)
        return RoleChange(person, old, role)

    async def apply_organiser_setting(self) -> list[RoleChange]:
        """At start: organisers for the people ``ORGANISER_IDS`` lists (unless a person decided
        their role), and their former role back for those it no longer lists (if the setting
        was what made them organisers). See the module's docstring."""
        people = self.people
        listed = people.organiser_ids
        changes: list[RoleChange] = []
        async with people.db.session() as session:
            await self._lock_organisers(session)
            promote: list[Person] = []
            if listed:
                promote = list(await session.scalars(
                    select(Person).where(Person.telegram_id.in_(listed), Person.role != Role.ORGANISER)
                ))
            for person in promote:
                entry = await audit.latest(session, audit.person_target(person.telegram_id), AuditAction.ROLE_CHANGED)
                if entry is None or entry.actor == ORGANISER_SETTING.name:
                    changes.append(RoleChange(person, person.role, Role.ORGANISER))
                    self._set(session, person, Role.ORGANISER, ORGANISER_SETTING)
            await session.flush()
            organisers = len(list(await session.scalars(select(Person.id).where(Person.role == Role.ORGANISER))))
            unlisted = select(Person).where(Person.role == Role.ORGANISER).order_by(Person.id)
            if listed:
                unlisted = unlisted.where(Person.telegram_id.not_in(listed))
            for person in list(await session.scalars(unlisted)):
                entry = await audit.latest(session, audit.person_target(person.telegram_id), AuditAction.ROLE_CHANGED)
                if entry is None or entry.actor != ORGANISER_SETTING.name:
                    continue
                if organisers <= 1:  # never none: the operator makes another organiser first
                    log.warning("ORGANISER_IDS no longer lists %s, the last organiser: kept", person.telegram_id)
                    continue
                before = entry.old_value if entry.old_value in ROLE_VALUES else Role.DELEGATE
                changes.append(RoleChange(person, person.role, Role(before)))
                self._set(session, person, Role(before), ORGANISER_SETTING)
                organisers -= 1
        for change in changes:
            people.recent.invalidate(change.person.telegram_id)
            log.info("ORGANISER_IDS: role of %s %s -> %s", change.person.telegram_id, change.old.value, change.new.value)
        return changes

    # -- inside a transaction ----------------------------------------------------------------
    @staticmethod
    async def _lock_organisers(session: AsyncSession) -> None:
        """The first statement of a role change: an update that changes nothing, so that two
        changes never decide on the same list of organisers. On PostgreSQL it locks the
        organisers' rows (a second change waits, then sees the first one's result); on SQLite
        it takes the database's write lock before anything is read."""
        await session.execute(
            update(Person)
            .where(Person.role == Role.ORGANISER)
            .values(role=Person.role)
            .execution_options(synchronize_session=False)
        )

    def _set(self, session: AsyncSession, person: Person, role: Role, by: Actor) -> None:
        now = self.people.clock.now()
        audit.record(
            session,
            at=now,
            actor=by,
            action=AuditAction.ROLE_CHANGED,
            target=audit.person_target(person.telegram_id),
            old=person.role.value,
            new=role.value,
        )
        person.role = role
        person.updated_at = now

    @staticmethod
    async def _find(session: AsyncSession, who: str, *, lock: bool = False) -> Person:
        who = storable(who).strip()
        query = select(Person)
        digits = who.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= MAX_TELEGRAM_ID_DIGITS:
            if not -(2**63) <= int(who) < 2**63:  # beyond the BIGINT column: nobody (PostgreSQL refuses it)
                raise RoleRefused(RoleProblem.UNKNOWN_PERSON)
            query = query.where(Person.telegram_id == int(who))
        else:
            name = who.removeprefix("@").lower()
            if not name:
                raise RoleRefused(RoleProblem.UNKNOWN_PERSON)
            query = query.where(func.lower(Person.username) == name)
        if lock:
            query = query.with_for_update(of=Person)  # not the joined delegation (an outer join)
        found = list((await session.scalars(query.limit(2))).unique())
        if not found:
            raise RoleRefused(RoleProblem.UNKNOWN_PERSON)
        if len(found) > 1:
            raise RoleRefused(RoleProblem.AMBIGUOUS)
        return found[0]
