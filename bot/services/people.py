"""People, their roles and delegations. Plain async code: no Telegram here.

Roles are *granted* (the bootstrap setting ``ORGANISER_IDS`` and organisers' decisions, see
:mod:`bot.services.roles`; invite links made by organisers, see :mod:`bot.services.invites`),
never assumed from a chat; every privileged action calls :meth:`PeopleService.require`, which
reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import LANGUAGES, pick_language
from bot.services import audit
from bot.services.audit import ORGANISER_SETTING, SYSTEM
from bot.services.recent import RecentCallers
from bot.services.storable import storable, storable_name
from bot.store.db import Database
from bot.store.models import AuditAction, Delegation, DelegationKind, Person, Role

#: how far each role reaches: a role never goes down through an invite (see invites.redeem)
ROLE_RANK = {Role.DELEGATE: 0, Role.OFFICER: 1, Role.SUPERVISOR: 2, Role.ORGANISER: 3}
MAX_DELEGATION_CODE = 64


class AccessDenied(Exception):
    """The person lacks the role an action needs."""


@dataclass(frozen=True)
class TelegramUser:
    """What the bot knows of a Telegram account, without depending on telegram.User."""

    id: int
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None

    def __post_init__(self) -> None:
        # the edge where Telegram's data enters the services: what is stored must be storable
        object.__setattr__(self, "first_name", storable_name(self.first_name))
        if self.username is not None:
            object.__setattr__(self, "username", storable_name(self.username) or None)


class PeopleService:
    """People and delegations. ``touch`` is on every update's path, so recent callers are kept
    in :attr:`recent` instead of writing on each message; every change made here invalidates
    the person's entry, and role checks (:meth:`require`) always read the database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        organiser_ids: Iterable[int] = (),
        *,
        open_access: bool = True,
        recent: RecentCallers | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.organiser_ids = frozenset(organiser_ids)
        self.open_access = open_access
        self.recent = recent or RecentCallers()

    # -- people ------------------------------------------------------------------------
    async def get(self, telegram_id: int) -> Person | None:
        async with self.db.session() as session:
            return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))

    async def touch(self, user: TelegramUser) -> tuple[Person, bool]:
        """The person behind a Telegram account, created on first contact. Returns (person, new)."""
        person = self.recent.get(user)
        if person is not None:
            return person, False
        async with self.db.session() as session:
            person, created = await self.touch_in(session, user)
        self.recent.put(user, person)
        return person, created

    async def touch_in(self, session: AsyncSession, user: TelegramUser) -> tuple[Person, bool]:
        """:meth:`touch` inside the caller's transaction (an invite's use, for example)."""
        now = self.clock.now()
        person = await session.scalar(select(Person).where(Person.telegram_id == user.id))
        created = person is None
        if person is None:
            person = Person(
                telegram_id=user.id,
                first_name=user.first_name[:200],
                username=user.username,
                language=pick_language(user.language_code),
                language_chosen=False,
                role=Role.ORGANISER if user.id in self.organiser_ids else Role.DELEGATE,
                active=True,
                created_at=now,
                updated_at=now,
                last_seen_at=now,
                delegation=None,  # loaded as "none", so it reads fine after the session
            )
            session.add(person)
            await session.flush()
            if person.role == Role.ORGANISER:  # the bootstrap setting: see bot.services.roles
                audit.record(session, at=now, actor=ORGANISER_SETTING, action=AuditAction.ROLE_CHANGED,
                             target=audit.person_target(user.id), old=None, new=Role.ORGANISER.value)
        else:
            person.first_name = user.first_name[:200] or person.first_name
            person.username = user.username
            person.active = True
            person.last_seen_at = now
            if not person.language_chosen and user.language_code:
                person.language = pick_language(user.language_code)
        return person, created

    def may_read_public_info(self, person: Person) -> bool:
        """Open events let anyone read the programme; closed ones need an invite first."""
        return self.open_access or person.delegation_id is not None or person.role != Role.DELEGATE

    async def set_language(self, telegram_id: int, lang: str) -> Person:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.recent.invalidate(telegram_id)
        async with self.db.session() as session:
            person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                raise LookupError(telegram_id)
            person.language = lang
            person.language_chosen = True
            person.updated_at = self.clock.now()
            return person

    async def mark_inactive(self, telegram_id: int) -> None:
        """Telegram said the person blocked the bot."""
        self.recent.invalidate(telegram_id)
        async with self.db.session() as session:
            await session.execute(
                update(Person).where(Person.telegram_id == telegram_id).values(active=False)
            )

    async def require(self, telegram_id: int, *roles: Role) -> Person:
        """The person, if they hold one of ``roles`` now (read from the database every time)."""
        person = await self.get(telegram_id)
        if person is None or person.role not in roles:
            raise AccessDenied(telegram_id)
        return person

    async def grant(self, telegram_id: int, role: Role) -> Person:
        """Set up a simulated person's role (the sandbox), recorded as the system's doing.
        People's decisions go through :class:`bot.services.roles.RoleService`, which checks
        them."""
        self.recent.invalidate(telegram_id)
        now = self.clock.now()
        async with self.db.session() as session:
            person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                raise LookupError(telegram_id)
            audit.record(session, at=now, actor=SYSTEM, action=AuditAction.ROLE_CHANGED,
                         target=audit.person_target(telegram_id), old=person.role.value, new=role.value)
            person.role = role
            person.updated_at = now
            return person

    # -- delegations -------------------------------------------------------------------
    async def ensure_delegation(
        self, code: str, name: str | None = None, kind: DelegationKind | None = None
    ) -> Delegation:
        async with self.db.session() as session:
            return await self.ensure_delegation_in(session, code, name, kind)

    async def ensure_delegation_in(
        self, session: AsyncSession, code: str, name: str | None, kind: DelegationKind | None
    ) -> Delegation:
        """:meth:`ensure_delegation` inside the caller's transaction."""
        code = storable(code).strip()
        name = storable(name) if name else name
        if not code or len(code) > MAX_DELEGATION_CODE:
            raise ValueError(f"a delegation code is 1 to {MAX_DELEGATION_CODE} characters")
        found = await session.scalar(select(Delegation).where(Delegation.code == code))
        if found is None:
            found = Delegation(
                code=code,
                name=(name or code).strip()[:200],
                kind=kind or DelegationKind.COUNTRY,
                created_at=self.clock.now(),
            )
            session.add(found)
            await session.flush()
        elif name and name.strip() and found.name != name.strip():
            found.name = name.strip()[:200]
        return found
