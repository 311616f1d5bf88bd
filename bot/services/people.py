"""People, delegations, roles and invite links. Plain async code: no Telegram here.

Roles are *granted* (bootstrap organiser ids, invite links made by organisers), never assumed
from a chat; every privileged action calls :meth:`PeopleService.require`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import LANGUAGES, pick_language
from bot.store.db import Database
from bot.store.models import Delegation, DelegationKind, Invite, InviteUse, Person, Role

TOKEN_BYTES = 16  # 128 bits: cannot be guessed; 22 url-safe characters in a deep link
MAX_INVITE_USES = 10_000


class AccessDenied(Exception):
    """The person lacks the role an action needs."""


class InviteStatus(StrEnum):
    OK = "ok"
    ALREADY = "already"  # this person already used this very invite
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"


@dataclass(frozen=True)
class TelegramUser:
    """What the bot knows of a Telegram account, without depending on telegram.User."""

    id: int
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Redemption:
    status: InviteStatus
    person: Person


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


class PeopleService:
    """People and invites. ``touch`` is on every update's path, so it remembers recent callers
    for ``cache_seconds`` instead of writing on each message; every change made here drops the
    cached copy, and role checks (:meth:`require`) always read the database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        organiser_ids: Iterable[int] = (),
        cache_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.organiser_ids = frozenset(organiser_ids)
        self.cache_seconds = cache_seconds
        self._recent: dict[int, tuple[TelegramUser, Person, float]] = {}

    def forget(self, telegram_id: int) -> None:
        self._recent.pop(telegram_id, None)

    # -- people ------------------------------------------------------------------------
    async def get(self, telegram_id: int) -> Person | None:
        async with self.db.session() as s:
            return await s.scalar(select(Person).where(Person.telegram_id == telegram_id))

    async def touch(self, user: TelegramUser) -> tuple[Person, bool]:
        """The person behind a Telegram account, created on first contact. Returns (person, new)."""
        now = time.monotonic()
        recent = self._recent.get(user.id)
        if recent is not None and recent[0] == user and now - recent[2] < self.cache_seconds:
            return recent[1], False
        async with self.db.session() as s:
            person, created = await self._touch(s, user)
        if len(self._recent) > 50_000:
            self._recent.clear()
        self._recent[user.id] = (user, person, now)
        return person, created

    async def _touch(self, s: AsyncSession, user: TelegramUser) -> tuple[Person, bool]:
        now = self.clock.now()
        person = await s.scalar(select(Person).where(Person.telegram_id == user.id))
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
            s.add(person)
            await s.flush()
        else:
            person.first_name = user.first_name[:200] or person.first_name
            person.username = user.username
            person.active = True
            person.last_seen_at = now
            if not person.language_chosen and user.language_code:
                person.language = pick_language(user.language_code)
            if user.id in self.organiser_ids and person.role != Role.ORGANISER:
                person.role = Role.ORGANISER
                person.updated_at = now
        return person, created

    async def set_language(self, telegram_id: int, lang: str) -> Person:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.forget(telegram_id)
        async with self.db.session() as s:
            person = await s.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                raise LookupError(telegram_id)
            person.language = lang
            person.language_chosen = True
            person.updated_at = self.clock.now()
            return person

    async def mark_inactive(self, telegram_id: int) -> None:
        """Telegram said the person blocked the bot."""
        self.forget(telegram_id)
        async with self.db.session() as s:
            await s.execute(
                update(Person).where(Person.telegram_id == telegram_id).values(active=False)
            )

    async def require(self, telegram_id: int, *roles: Role) -> Person:
        """The person, if they hold one of ``roles`` now (read from the database every time)."""
        person = await self.get(telegram_id)
        if person is None or person.role not in roles:
            raise AccessDenied(telegram_id)
        return person

    async def grant(self, telegram_id: int, role: Role) -> Person:
        self.forget(telegram_id)
        async with self.db.session() as s:
            person = await s.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                raise LookupError(telegram_id)
            person.role = role
            person.updated_at = self.clock.now()
            return person

    # -- delegations -------------------------------------------------------------------
    async def ensure_delegation(
        self, code: str, name: str | None = None, kind: DelegationKind | None = None
    ) -> Delegation:
        async with self.db.session() as s:
            return await self._ensure_delegation(s, code, name, kind)

    async def _ensure_delegation(
        self, s: AsyncSession, code: str, name: str | None, kind: DelegationKind | None
    ) -> Delegation:
        code = code.strip()
        if not code or len(code) > 64:
            raise ValueError("a delegation code is 1 to 64 characters")
        found = await s.scalar(select(Delegation).where(Delegation.code == code))
        if found is None:
            found = Delegation(
                code=code,
                name=(name or code).strip()[:200],
                kind=kind or DelegationKind.COUNTRY,
                created_at=self.clock.now(),
            )
            s.add(found)
            await s.flush()
        elif name and name.strip() and found.name != name.strip():
            found.name = name.strip()[:200]
        return found

    # -- invites -----------------------------------------------------------------------
    async def create_invite(
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
        if ttl <= dt.timedelta(0):
            raise ValueError("an invite must expire in the future")
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock.now()
        async with self.db.session() as s:
            delegation = None
            if delegation_code:
                delegation = await self._ensure_delegation(
                    s, delegation_code, delegation_name, delegation_kind
                )
            invite = Invite(
                token_hash=hash_token(token),
                role=role,
                delegation_id=delegation.id if delegation else None,
                language=language,
                label=(label or None) and label[:200],
                max_uses=max_uses,
                uses=0,
                expires_at=now + ttl,
                created_by=created_by.id if created_by else None,
                created_at=now,
            )
            s.add(invite)
            await s.flush()
            invite.delegation = delegation
        return NewInvite(invite=invite, token=token)

    async def redeem(self, user: TelegramUser, token: str) -> Redemption:
        """Bind ``user`` to the invite's delegation and role. Atomic: a counted invite is never
        used more than ``max_uses`` times, even by people pressing the link at the same moment."""
        now = self.clock.now()
        self.forget(user.id)
        async with self.db.session() as s:
            person, _ = await self._touch(s, user)
            invite = await s.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
            status = InviteStatus.OK
            if invite is None:
                status = InviteStatus.UNKNOWN
            elif invite.revoked_at is not None:
                status = InviteStatus.REVOKED
            elif await s.scalar(
                select(InviteUse.id).where(
                    InviteUse.invite_id == invite.id, InviteUse.person_id == person.id
                )
            ):
                status = InviteStatus.ALREADY
            elif invite.expires_at <= now:
                status = InviteStatus.EXPIRED
            else:
                claimed = await s.execute(
                    update(Invite)
                    .where(Invite.id == invite.id, Invite.uses < Invite.max_uses)
                    .values(uses=Invite.uses + 1)
                )
                if claimed.rowcount != 1:
                    status = InviteStatus.USED_UP
                else:
                    s.add(InviteUse(invite_id=invite.id, person_id=person.id, used_at=now))
                    # an organiser keeps their powers when they open a delegate's link
                    if not (person.role == Role.ORGANISER and invite.role == Role.DELEGATE):
                        person.role = invite.role
                    if invite.delegation_id is not None:
                        person.delegation_id = invite.delegation_id
                    if invite.language and not person.language_chosen:
                        person.language = invite.language
                    person.updated_at = now
            await s.flush()
            await s.refresh(person, ["delegation"])
            return Redemption(status=status, person=person)

    async def import_invites_csv(
        self, text: str, *, default_ttl: dt.timedelta, created_by: Person | None = None
    ) -> list[ImportRow]:
        """Create invites from CSV rows. Columns (header required, order free):
        ``delegation`` (code), ``delegation_name``, ``kind`` (country|organisation), ``role``
        (delegate|organiser|officer|supervisor), ``uses``, ``days``, ``language``, ``label``.
        Every row is checked first; nothing is created if any row is wrong."""
        rows = parse_invite_csv(text)
        errors = [r for r in rows if r.error]
        if errors:
            return rows
        for row in rows:
            assert row.spec is not None
            created = await self.create_invite(
                role=row.spec.role,
                delegation_code=row.spec.delegation,
                delegation_name=row.spec.delegation_name,
                delegation_kind=row.spec.kind,
                max_uses=row.spec.uses,
                ttl=dt.timedelta(days=row.spec.days) if row.spec.days else default_ttl,
                language=row.spec.language,
                label=row.spec.label,
                created_by=created_by,
            )
            row.token = created.token
        return rows


@dataclass
class InviteSpec:
    role: Role
    delegation: str | None
    delegation_name: str | None
    kind: DelegationKind | None
    uses: int
    days: int | None
    language: str | None
    label: str | None


@dataclass
class ImportRow:
    line: int
    spec: InviteSpec | None
    error: str | None = None
    token: str | None = None


CSV_COLUMNS = ("delegation", "delegation_name", "kind", "role", "uses", "days", "language", "label")


def parse_invite_csv(text: str) -> list[ImportRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    unknown = [c for c in (reader.fieldnames or []) if c and c.strip() not in CSV_COLUMNS]
    if not reader.fieldnames or unknown:
        what = f"unknown column(s): {', '.join(unknown)}" if unknown else "no header row"
        return [ImportRow(line=1, spec=None, error=f"{what} (expected: {', '.join(CSV_COLUMNS)})")]
    rows = []
    for record in reader:
        line = reader.line_num
        get = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        try:
            role = Role(get.get("role") or "delegate")
        except ValueError:
            rows.append(ImportRow(line, None, f"role: '{get.get('role')}' is not a role"))
            continue
        try:
            kind = DelegationKind(get["kind"]) if get.get("kind") else None
        except ValueError:
            rows.append(ImportRow(line, None, f"kind: '{get.get('kind')}' is not country or organisation"))
            continue
        uses_text, days_text = get.get("uses") or "1", get.get("days") or ""
        if not uses_text.isdigit() or not 1 <= int(uses_text) <= MAX_INVITE_USES:
            rows.append(ImportRow(line, None, f"uses: '{uses_text}' is not a number from 1 to {MAX_INVITE_USES}"))
            continue
        if days_text and (not days_text.isdigit() or not 1 <= int(days_text) <= 3650):
            rows.append(ImportRow(line, None, f"days: '{days_text}' is not a number from 1 to 3650"))
            continue
        language = get.get("language") or None
        if language is not None and language not in LANGUAGES:
            rows.append(ImportRow(line, None, f"language: '{language}' is not one of {', '.join(LANGUAGES)}"))
            continue
        delegation = get.get("delegation") or None
        if delegation and len(delegation) > 64:
            rows.append(ImportRow(line, None, "delegation: longer than 64 characters"))
            continue
        if role == Role.DELEGATE and not delegation:
            rows.append(ImportRow(line, None, "delegation: a delegate's invite needs a delegation"))
            continue
        rows.append(
            ImportRow(
                line,
                InviteSpec(
                    role=role,
                    delegation=delegation,
                    delegation_name=get.get("delegation_name") or None,
                    kind=kind,
                    uses=int(uses_text),
                    days=int(days_text) if days_text else None,
                    language=language,
                    label=get.get("label") or None,
                ),
            )
        )
    return rows
