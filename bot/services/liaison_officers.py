"""Liaison officers: what each covers (delegations, languages, categories), who is on duty,
and routing a request to the right one. Plain async code, no Telegram.

Routing, in order (:func:`route`):

1. urgent categories: every officer on duty and every supervisor, at once;
2. the least loaded officer on duty assigned to the request's delegation (by an assignment, or
   by the delegation their invite gave them);
3. else the least loaded officer on duty who speaks the request's language and covers its
   category (an officer with no category listed covers them all);
4. else the officers' group (``LIAISON_GROUP_CHAT_ID``), else every supervisor, else the least
   loaded officer on duty (a request reaches a person whenever anyone is on duty).

"Load" is the requests an officer holds or has been offered and not yet answered (open or
claimed). Officers who blocked the bot (``Person.active`` false) are never chosen.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog.models import SUPPORTED_LANGUAGES
from bot.clock import Clock
from bot.store.models import (
    CoverKind,
    Delegation,
    LiaisonRequest,
    OfficerCover,
    OfficerProfile,
    Person,
    RequestStatus,
    Role,
)

OFFICER_ROLES = (Role.OFFICER, Role.SUPERVISOR)


@dataclass(frozen=True)
class Route:
    """Where a request goes: officers to notify (``offered`` is the one it is offered to when
    routing chose one), the group, or nobody at all (``kind`` says which rule decided)."""

    kind: str  # urgent | delegation | language | group | supervisors | anyone | nobody
    officers: tuple[Person, ...] = ()
    group: bool = False

    @property
    def offered(self) -> Person | None:
        return self.officers[0] if self.kind in ("delegation", "language", "anyone") else None


@dataclass
class Assignment:
    """One officer's assignments, as read from a CSV line or a command."""

    who: str
    delegations: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


async def profile(session: AsyncSession, person: Person, clock: Clock) -> OfficerProfile:
    found = await session.get(OfficerProfile, person.id)
    if found is None:
        found = OfficerProfile(person_id=person.id, on_duty=False, updated_at=clock.now())
        session.add(found)
        await session.flush()
    return found


async def covers_of(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, dict[CoverKind, set[str]]]:
    ids = sorted(set(person_ids))
    out: dict[int, dict[CoverKind, set[str]]] = defaultdict(lambda: defaultdict(set))
    if not ids:
        return out
    rows = await session.execute(select(OfficerCover.person_id, OfficerCover.kind, OfficerCover.value)
                                 .where(OfficerCover.person_id.in_(ids)))
    for pid, kind, value in rows.all():
        out[pid][CoverKind(kind)].add(value)
    return out


async def assign(session: AsyncSession, person: Person, a: Assignment, clock: Clock, *, replace: bool = True) -> None:
    """Set what ``person`` covers (replacing what they covered unless ``replace`` is false)."""
    for lang in a.languages:
        if lang not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unknown language '{lang}' (supported: {', '.join(SUPPORTED_LANGUAGES)})")
    await profile(session, person, clock)
    if replace:
        await session.execute(delete(OfficerCover).where(OfficerCover.person_id == person.id))
    wanted = {(CoverKind.DELEGATION, d.strip()) for d in a.delegations if d.strip()}
    wanted |= {(CoverKind.LANGUAGE, x.strip()) for x in a.languages if x.strip()}
    wanted |= {(CoverKind.CATEGORY, c.strip()) for c in a.categories if c.strip()}
    have = (await covers_of(session, [person.id])).get(person.id, {}) if not replace else {}
    for kind, value in sorted(wanted):
        if value not in have.get(kind, set()):
            session.add(OfficerCover(person_id=person.id, kind=kind, value=value[:64]))
    await session.flush()


def read_words(who: str, words: Iterable[str], *, categories: Iterable[str],
               delegations: Iterable[str]) -> tuple[Assignment, list[str]]:
    """An assignment typed in a chat (``/assign WHO fr FRA transport``): each word, or each part
    of a comma-separated word, is a language code, a liaison category id of the pack, or the code
    of a delegation the bot knows (any case, in that order of preference; but a delegation's code
    as it is written, "AR", is that delegation unless it is exactly a language code or category).
    Returns the assignment and the words that are none of these."""
    category_ids = {c.lower(): c for c in categories}
    exact = set(delegations)
    delegation_codes = {d.lower(): d for d in exact}
    a, unknown = Assignment(who), []
    for word in (part.strip() for w in words for part in w.split(",")):
        low = word.lower()
        if not word:
            continue
        if word in exact and word not in SUPPORTED_LANGUAGES and word not in category_ids.values():
            a.delegations.append(word)
        elif low in SUPPORTED_LANGUAGES:
            a.languages.append(low)
        elif low in category_ids:
            a.categories.append(category_ids[low])
        elif low in delegation_codes:
            a.delegations.append(delegation_codes[low])
        else:
            unknown.append(word)
    return a, unknown


def parse_csv(text: str) -> list[Assignment]:
    """``officer,delegations,languages,categories`` (a header line; lists separated by ``;``).
    ``officer`` is a Telegram id or @username."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"officer"}
    if reader.fieldnames is None or not needed <= {f.strip() for f in reader.fieldnames}:
        raise ValueError("the first line must name the columns: officer,delegations,languages,categories")
    out = []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        who = row.get("officer", "").strip()
        if not who:
            raise ValueError(f"line {line}: no officer")
        out.append(Assignment(who, *(_items(row.get(name, "")) for name in ("delegations", "languages", "categories"))))
    return out


def _items(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(";") if x.strip()]


async def load(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, int]:
    """Open or claimed requests per officer: held, or offered and not claimed."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    live = LiaisonRequest.status.in_((RequestStatus.OPEN, RequestStatus.CLAIMED))
    held = await session.execute(
        select(LiaisonRequest.holder_id, func.count()).where(live, LiaisonRequest.holder_id.in_(ids))
        .group_by(LiaisonRequest.holder_id))
    offered = await session.execute(
        select(LiaisonRequest.offered_to_id, func.count())
        .where(LiaisonRequest.status == RequestStatus.OPEN, LiaisonRequest.offered_to_id.in_(ids))
        .group_by(LiaisonRequest.offered_to_id))
    out: dict[int, int] = defaultdict(int)
    for pid, n in [*held.all(), *offered.all()]:
        if pid is not None:
            out[pid] += n
    return out


async def on_duty(session: AsyncSession, exclude: Iterable[int] = ()) -> list[Person]:
    query = (select(Person).join(OfficerProfile, OfficerProfile.person_id == Person.id)
             .where(OfficerProfile.on_duty.is_(True), Person.active.is_(True), Person.role.in_(OFFICER_ROLES))
             .order_by(Person.id))
    excluded = set(exclude)
    return [p for p in (await session.scalars(query)).unique() if p.id not in excluded]


async def supervisors(session: AsyncSession, exclude: Iterable[int] = ()) -> list[Person]:
    return await _with_role(session, Role.SUPERVISOR, exclude)


async def organisers(session: AsyncSession) -> list[Person]:
    """Who an escalation reaches when the event has no supervisor and no officers' group."""
    return await _with_role(session, Role.ORGANISER, ())


async def _with_role(session: AsyncSession, role: Role, exclude: Iterable[int]) -> list[Person]:
    query = select(Person).where(Person.role == role, Person.active.is_(True)).order_by(Person.id)
    excluded = set(exclude)
    return [p for p in (await session.scalars(query)).unique() if p.id not in excluded]


async def route(session: AsyncSession, request: LiaisonRequest, *, has_group: bool,
                exclude: Iterable[int] = ()) -> Route:
    excluded = set(exclude)
    duty = await on_duty(session, excluded)
    if request.urgent:
        everyone = {p.id: p for p in [*duty, *await supervisors(session, excluded)]}
        return Route("urgent", tuple(everyone.values()), group=has_group)
    covers = await covers_of(session, [p.id for p in duty])
    delegation_code = None
    if request.delegation_id is not None:
        delegation_code = await session.scalar(select(Delegation.code).where(Delegation.id == request.delegation_id))
    by_delegation = [p for p in duty if delegation_code and (delegation_code in covers[p.id][CoverKind.DELEGATION]
                                                             or p.delegation_id == request.delegation_id)]
    by_language = [p for p in duty if request.language in covers[p.id][CoverKind.LANGUAGE]
                   and (not covers[p.id][CoverKind.CATEGORY] or request.category in covers[p.id][CoverKind.CATEGORY])]
    for kind, found in (("delegation", by_delegation), ("language", by_language)):
        if found:
            loads = await load(session, [p.id for p in found])
            best = min(found, key=lambda p: (loads.get(p.id, 0), p.id))
            return Route(kind, (best,))
    if has_group:
        return Route("group", group=True)
    sups = await supervisors(session, excluded)
    if sups:
        return Route("supervisors", tuple(sups))
    if duty:  # nobody covers it and nobody oversees: the least loaded officer on duty
        loads = await load(session, [p.id for p in duty])
        return Route("anyone", (min(duty, key=lambda p: (loads.get(p.id, 0), p.id)),))
    return Route("nobody")


async def officer_requests(session: AsyncSession, person_id: int) -> list[LiaisonRequest]:
    """The live requests an officer holds or has been offered (re-routed when they leave)."""
    query = select(LiaisonRequest).where(
        or_(
            (LiaisonRequest.holder_id == person_id) & (LiaisonRequest.status == RequestStatus.CLAIMED),
            (LiaisonRequest.offered_to_id == person_id) & (LiaisonRequest.status == RequestStatus.OPEN),
        )
    ).order_by(LiaisonRequest.id).with_for_update(of=LiaisonRequest)
    return list((await session.scalars(query)).unique())
