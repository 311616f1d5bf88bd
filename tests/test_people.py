"""People, roles and invites on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.clock import SimulatedClock
from bot.services.invite_specs import parse_invite_csv
from bot.services.invites import InviteService, InviteStatus, hash_token
from bot.services.people import AccessDenied, PeopleService, TelegramUser
from bot.store.db import Database
from bot.store.models import Invite, Role

T0 = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def people(db: Database, clock: SimulatedClock) -> PeopleService:
    return PeopleService(db, clock, organiser_ids=[999])


@pytest.fixture
def invites(people: PeopleService) -> InviteService:
    return InviteService(people)


async def test_first_contact_takes_language_from_telegram(people: PeopleService) -> None:
    person, new = await people.touch(TelegramUser(1, "Ana", None, "es-MX"))
    assert new and person.language == "es" and person.role == Role.DELEGATE
    person, new = await people.touch(TelegramUser(1, "Ana", None, "pt-BR"))
    assert not new and person.language == "en"  # unsupported language: English


async def test_chosen_language_wins_over_telegram(people: PeopleService) -> None:
    await people.touch(TelegramUser(2, "Li", None, "zh-hans"))
    await people.set_language(2, "ar")
    person, _ = await people.touch(TelegramUser(2, "Li", None, "zh-hans"))
    assert person.language == "ar"


async def test_bootstrap_organiser_and_role_checks(people: PeopleService) -> None:
    await people.touch(TelegramUser(999, "Org"))
    assert (await people.require(999, Role.ORGANISER)).role == Role.ORGANISER
    await people.touch(TelegramUser(5, "Someone"))
    with pytest.raises(AccessDenied):
        await people.require(5, Role.ORGANISER)
    with pytest.raises(AccessDenied):
        await people.require(12345, Role.ORGANISER)  # unknown person


async def test_invite_binds_delegation_and_role_once(people: PeopleService, invites: InviteService, db: Database) -> None:
    organiser, _ = await people.touch(TelegramUser(999, "Org"))
    created = await invites.create(
        role=Role.OFFICER, delegation_code="FRA", delegation_name="France", created_by=organiser
    )
    assert len(created.token) >= 22
    async with db.session() as s:  # only the hash is stored
        stored = await s.get(Invite, created.invite.id)
        assert stored.token_hash == hash_token(created.token) and created.token not in stored.token_hash
    first = await invites.redeem(TelegramUser(10, "Jean", None, "fr"), created.token)
    assert first.status == InviteStatus.OK
    assert first.person.role == Role.OFFICER and first.person.delegation.name == "France"
    again = await invites.redeem(TelegramUser(10, "Jean", None, "fr"), created.token)
    assert again.status == InviteStatus.ALREADY
    other = await invites.redeem(TelegramUser(11, "Paul", None, "fr"), created.token)
    assert other.status == InviteStatus.USED_UP and other.person.delegation is None
    assert other.person.role == Role.DELEGATE


async def test_invite_expiry_unknown_and_counted(invites: InviteService, clock: SimulatedClock) -> None:
    created = await invites.create(delegation_code="VNM", max_uses=3, ttl=dt.timedelta(days=1))
    results = await asyncio.gather(
        *(invites.redeem(TelegramUser(100 + i, f"U{i}"), created.token) for i in range(5))
    )
    assert sorted(r.status for r in results).count(InviteStatus.OK) == 3
    unknown = await invites.redeem(TelegramUser(200, "X"), "A" * 22)
    assert unknown.status == InviteStatus.UNKNOWN
    late = await invites.create(delegation_code="VNM", ttl=dt.timedelta(hours=1))
    clock.advance(dt.timedelta(hours=2))
    assert (await invites.redeem(TelegramUser(201, "Y"), late.token)).status == InviteStatus.EXPIRED


async def test_only_organisers_create_invites(people: PeopleService, invites: InviteService) -> None:
    delegate, _ = await people.touch(TelegramUser(7, "D"))
    with pytest.raises(AccessDenied):
        await invites.create(delegation_code="FRA", created_by=delegate)


async def test_csv_import_checks_every_row_first(invites: InviteService) -> None:
    bad = "delegation,role,uses,language\nFRA,delegate,2,fr\nDEU,king,1,de\n,delegate,1,en\n"
    rows = await invites.import_csv(bad, default_ttl=dt.timedelta(days=3))
    assert [(r.line, r.error) for r in rows if r.error] == [
        (3, "role: 'king' is not a role"),
        (4, "delegation: a delegate's invite needs a delegation"),
    ]
    good = "delegation,delegation_name,role,uses,days,language,label\nFRA,France,delegate,2,5,fr,Mme X\nUNODC,UNODC,officer,1,,en,\n"
    rows = await invites.import_csv(good, default_ttl=dt.timedelta(days=3))
    assert all(r.token for r in rows) and not any(r.error for r in rows)
    result = await invites.redeem(TelegramUser(300, "M"), rows[0].token)
    assert result.status == InviteStatus.OK and result.person.language == "fr"


def test_csv_rejects_unknown_columns() -> None:
    rows = parse_invite_csv("delegation,colour\nFRA,blue\n")
    assert rows[0].error and "colour" in rows[0].error
