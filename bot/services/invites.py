"""Invite links: made by organisers (in the chat or from a CSV file), opened by the people
they are for. Plain async code: no Telegram here.

A link carries a random token; only its hash is stored. Opening it binds the person to the
invite's delegation and role, atomically (a counted invite is never used more than
``max_uses`` times, even by people pressing the link at the same moment). A person's role
never goes down through an invite: an organiser opening a link only tests it, and someone who
already holds a higher role keeps it; in both cases the use is not spent.

An organiser may revoke an invite (``/revoke``, ``python -m bot invites revoke``): its link stops
working at once, even for someone opening it at that very moment; the people who already used
it keep what it gave them (a role is changed with ``/role``). Revocations are written to the
audit log (:mod:`bot.services.audit`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from bot.i18n import LANGUAGES
from bot.services import audit
from bot.services.audit import Actor
from bot.services.invite_specs import (
    MAX_INVITE_DAYS,
    MAX_INVITE_USES,
    ImportRow,
    InviteSpec,
    parse_invite_csv,
)
from bot.services.people import ROLE_RANK, AccessDenied, PeopleService, TelegramUser
from bot.services.storable import storable
from bot.store.models import AuditAction, DelegationKind, Invite, InviteUse, Person, Role

TOKEN_BYTES = 16  # 128 bits: cannot be guessed; 22 url-safe characters in a deep link


class InviteStatus(StrEnum):
    OK = "ok"
    ALREADY = "already"  # this person already used this very invite
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"
    TESTED = "tested"  # an organiser opened it: nothing changed, the use is not spent
    HIGHER_ROLE = "higher_role"  # the person's role is above the invite's: nothing changed


class InviteState(StrEnum):
    """Where an invite stands now (for lists and the audit log)."""

    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED_UP = "used_up"


def state_of(invite: Invite, now: dt.datetime) -> InviteState:
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if invite.expires_at <= now:
        return InviteState.EXPIRED
    if invite.uses >= invite.max_uses:
        return InviteState.USED_UP
    return InviteState.ACTIVE


@dataclass(frozen=True)
class Revocation:
    invite: Invite
    #: False when it had been revoked before (then ``invite.revoked_at`` says when)
    revoked_now: bool


@dataclass(frozen=True)
class Redemption:
    status: InviteStatus
    person: Person
    invite: Invite | None = None


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    token: str

    def link(self, bot_username: str) -> str:
        return invite_link(bot_username, self.token)


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    return 16 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)


_LINK = re.compile(r"^(?:https?://)?t\.me/[A-Za-z0-9_]+/?\?start=([A-Za-z0-9_-]+)$")
MAX_INVITE_ID_DIGITS = 15


def invite_reference(text: str) -> int | str | None:
    """What ``/revoke`` was given: an invite's id (``12`` or ``#12``), its token, or its link;
    None when it is none of these."""
    text = text.strip()
    link = _LINK.match(text)
    if link:
        text = link.group(1)
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) <= MAX_INVITE_ID_DIGITS:
        return int(number)
    return text if looks_like_token(text) else None


# -- the service -------------------------------------------------------------------------------
class InviteService:
    """Makes and redeems invites. Invites bind people, so it works through the people service:
    the same database and clock, and the person touched in the same transaction as the use."""

    def __init__(self, people: PeopleService) -> None:
        self.people = people

    async def create(
        self,
        *,
        role: Role = Role.DELEGATE,
        delegation_code: str | None = None,
        delegation_name: str | None = None,
        delegation_kind: DelegationKind | None = None,
        max_uses: int = 1,
        ttl: dt.timedelta = dt.timedelta(days=30),
        language: str | None = None,
        label: str | None = None,
        created_by: Person | None = None,
    ) -> NewInvite:
        if created_by is not None and created_by.role != Role.ORGANISER:
            raise AccessDenied(created_by.telegram_id)
        if not 1 <= max_uses <= MAX_INVITE_USES:
            raise ValueError(f"uses must be between 1 and {MAX_INVITE_USES}")
        if not dt.timedelta(0) < ttl <= dt.timedelta(days=MAX_INVITE_DAYS):
            raise ValueError(f"an invite expires within {MAX_INVITE_DAYS} days")
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.people.clock.now()
        async with self.people.db.session() as session:
            delegation = None
            if delegation_code:
                delegation = await self.people.ensure_delegation_in(
                    session, delegation_code, delegation_name, delegation_kind
                )
            invite = Invite(
                token_hash=hash_token(token),
                role=role,
                delegation_id=delegation.id if delegation else None,
                language=language,
                label=(storable(label)[:200] or None) if label else None,
                max_uses=max_uses,
                uses=0,
                expires_at=now + ttl,
                created_by=created_by.id if created_by else None,
                created_at=now,
            )
            session.add(invite)
            await session.flush()
            invite.delegation = delegation
        return NewInvite(invite=invite, token=token)

    async def create_from(
        self, spec: InviteSpec, *, default_ttl: dt.timedelta, created_by: Person | None = None
    ) -> NewInvite:
        return await self.create(
            role=spec.role,
            delegation_code=spec.delegation,
            delegation_name=spec.delegation_name,
            delegation_kind=spec.kind,
            max_uses=spec.uses,
            ttl=dt.timedelta(days=spec.days) if spec.days else default_ttl,
            language=spec.language,
            label=spec.label,
            created_by=created_by,
        )

    async def redeem(self, user: TelegramUser, token: str) -> Redemption:
        """Bind ``user`` to the invite's delegation and role, unless that would lower their
        role (then nothing changes and the use is not spent)."""
        people = self.people
        now = people.clock.now()
        people.recent.invalidate(user.id)
        async with people.db.session() as session:
            person, _ = await people.touch_in(session, user)
            invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
            status = InviteStatus.OK
            if invite is None:
                status = InviteStatus.UNKNOWN
            elif invite.revoked_at is not None:
                status = InviteStatus.REVOKED
            elif await session.scalar(
                select(InviteUse.id).where(
                    InviteUse.invite_id == invite.id, InviteUse.person_id == person.id
                )
            ):
                status = InviteStatus.ALREADY
            elif invite.expires_at <= now:
                status = InviteStatus.EXPIRED
            elif invite.uses >= invite.max_uses:
                status = InviteStatus.USED_UP
            elif person.role == Role.ORGANISER:
                status = InviteStatus.TESTED
            elif ROLE_RANK[person.role] > ROLE_RANK[invite.role]:
                status = InviteStatus.HIGHER_ROLE
            else:
                claimed = await session.execute(
                    update(Invite)
                    .where(Invite.id == invite.id, Invite.uses < Invite.max_uses, Invite.revoked_at.is_(None))
                    .values(uses=Invite.uses + 1)
                )
                if cast(CursorResult[Any], claimed).rowcount != 1:  # used up, or revoked, meanwhile
                    await session.refresh(invite, ["revoked_at"])
                    status = InviteStatus.REVOKED if invite.revoked_at is not None else InviteStatus.USED_UP
                else:
                    session.add(InviteUse(invite_id=invite.id, person_id=person.id, used_at=now))
                    person.role = invite.role  # never lower: checked above
                    if invite.delegation_id is not None:
                        person.delegation_id = invite.delegation_id
                    if invite.language and not person.language_chosen:
                        person.language = invite.language
                    person.updated_at = now
            await session.flush()
            await session.refresh(person, ["delegation"])
            return Redemption(status=status, person=person, invite=invite)

    async def revoke(self, reference: int | str, *, by: Actor) -> Revocation | None:
        """Revoke an invite (by id or token): its link stops working at once; people who used it
        keep what it gave them. Recorded in the audit log. None when no invite matches. A person
        acting (``by.telegram_id``) must be an organiser now (:class:`AccessDenied`)."""
        now = self.people.clock.now()
        async with self.people.db.session() as session:
            if by.telegram_id is not None:
                actor = await session.scalar(select(Person).where(Person.telegram_id == by.telegram_id))
                if actor is None or actor.role != Role.ORGANISER:
                    raise AccessDenied(by.telegram_id)
            query = select(Invite)
            if isinstance(reference, int):
                query = query.where(Invite.id == reference)
            else:
                query = query.where(Invite.token_hash == hash_token(reference))
            invite = await session.scalar(query)
            if invite is None:
                return None
            before = state_of(invite, now)
            revoked = await session.execute(  # once, even when two organisers revoke it at once
                update(Invite)
                .where(Invite.id == invite.id, Invite.revoked_at.is_(None))
                .values(revoked_at=now)
                .execution_options(synchronize_session=False)
            )
            await session.refresh(invite, ["revoked_at"])
            if cast(CursorResult[Any], revoked).rowcount != 1:
                return Revocation(invite, revoked_now=False)
            audit.record(session, at=now, actor=by, action=AuditAction.INVITE_REVOKED,
                         target=audit.invite_target(invite.id), old=before.value,
                         new=InviteState.REVOKED.value)
            return Revocation(invite, revoked_now=True)

    async def recent(self, limit: int = 20) -> list[Invite]:
        """The latest invites, newest first (with their delegations)."""
        async with self.people.db.session() as session:
            found = await session.scalars(select(Invite).order_by(Invite.id.desc()).limit(limit))
            return list(found)

    async def import_csv(
        self, text: str, *, default_ttl: dt.timedelta, created_by: Person | None = None
    ) -> list[ImportRow]:
        """Create invites from CSV rows (see :func:`bot.services.invite_specs.parse_invite_csv`). Every row is checked
        first; nothing is created if any row is wrong."""
        rows = parse_invite_csv(text)
        if any(r.error for r in rows):
            return rows
        for row in rows:
            assert row.spec is not None
            created = await self.create_from(row.spec, default_ttl=default_ttl, created_by=created_by)
            row.token = created.token
        return rows
