"""Invite links through the chat: a role never goes down through an invite (#10.4), and
``/invite`` follows the CSV import's rules (#10.5). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from bot.clock import SimulatedClock
from bot.i18n import translator
from bot.role_sentences import already_registered, link_registers, registered_as, whoever_opens
from bot.services.invite_specs import InviteError, InviteProblem, parse_invite_csv
from bot.services.invites import InviteService, InviteStatus, hash_token
from bot.services.people import PeopleService, TelegramUser
from bot.store.db import Database
from bot.store.models import Invite, Role
from handlers.organiser import NotTheUsage, parse_invite_args
from tests.support import Harness

ORGANISER = 900
T0 = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r"start=([A-Za-z0-9_-]+)")


async def invite(bot: Harness, *args: str, lang: str = "en") -> str:
    organiser = bot.user(ORGANISER, "Org", language_code=lang)
    await organiser.command("invite", *args)
    reply = await organiser.reply()
    found = LINK.search(reply.text)
    assert found, reply.text
    return found.group(1)


async def uses_of(bot: Harness, token: str) -> int:
    async with bot.services.db.session() as s:
        return await s.scalar(select(Invite.uses).where(Invite.token_hash == hash_token(token)))


async def test_an_organiser_testing_a_link_keeps_the_role_and_the_use(bot) -> None:
    token = await invite(bot, "officer", "UNODC", "1", lang="fr")
    organiser = bot.user(ORGANISER, "Org", language_code="fr")
    await organiser.open_link(token)
    await organiser.replies(1)
    assert (await bot.services.people.get(ORGANISER)).role == Role.ORGANISER
    assert await uses_of(bot, token) == 0
    note, welcome = await organiser.replies(2)
    fr = translator("fr")
    assert fr._("As an organiser, you keep your role: opening the link changed nothing for you and did not use it up.") in note.text
    async with bot.services.db.session() as s:
        expires = await s.scalar(select(Invite.expires_at).where(Invite.token_hash == hash_token(token)))
    assert fr._("This invite link works until {expires}.").format(
        expires=fr.datetime(expires, bot.services.content.current.pack.tz)) in note.text
    # "UNODC" is no country and has no name yet: the sentence without it, then its code as a code
    assert whoever_opens(fr, Role.OFFICER, None) in note.text
    assert fr._("Delegation code: {code}").format(code="UNODC") in note.text
    assert fr.ngettext("It can be used {n} more time.", "It can be used {n} more times.", 1).format(n=1) in note.text
    assert registered_as(fr, Role.ORGANISER, None) in welcome.text
    # the one use is still there for the officer it was made for
    officer = bot.user(6101, "Olga", language_code="en")
    await officer.open_link(token)
    await officer.replies(1)
    assert (await bot.services.people.get(6101)).role == Role.OFFICER
    assert await uses_of(bot, token) == 1
    # the organiser can still make invites
    assert await invite(bot, "delegate", "FRA", "1", lang="fr")


async def test_an_officer_opening_a_delegates_link_stays_an_officer(bot) -> None:
    officer_token = await invite(bot, "officer", "UNODC", "1")
    officer = bot.user(6201, "Olga", language_code="es")
    await officer.open_link(officer_token)
    await officer.replies(1)
    token = await invite(bot, "delegate", "FRA", "1")
    await officer.open_link(token)
    await officer.replies(1)
    person = await bot.services.people.get(6201)
    assert person.role == Role.OFFICER
    assert await uses_of(bot, token) == 0
    note, _ = await officer.replies(2)
    es = translator("es")
    assert link_registers(es, Role.DELEGATE) in note.text
    assert already_registered(es, Role.OFFICER) in note.text
    assert "Usted ya tiene asignada la función de oficial de enlace" in note.text
    delegate = bot.user(6202, "Pierre", language_code="fr")
    await delegate.open_link(token)
    await delegate.replies(1)
    person = await bot.services.people.get(6202)
    assert person.role == Role.DELEGATE and person.delegation is not None and person.delegation.code == "FRA"


async def test_invite_arguments_follow_the_csv_rules(bot) -> None:
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    en = translator("en")
    usage = en._("Usage: /invite ROLE DELEGATION [USES] [DAYS], for example /invite delegate FRA 5 30")
    refused = [
        ["delegate", "5"],  # the number is not a delegation
        ["delegate"],
        [],
        ["king", "FRA"],
        ["organiser", "10000", "999999"],  # days: 1 to 3650
        ["delegate", "FRA", "0"],  # uses: 1 to 10000
        ["delegate", "FRA", "10001"],
        ["delegate", "FRA", "5", "3651"],
        ["delegate", "FRA", "5", "0"],
        ["delegate", "FRA", "x"],
        ["delegate", "FRA", "1", "2", "3"],
        ["delegate", "FRA", "UNODC"],
        ["delegate", "F" * 65],
    ]
    for args in refused:
        await organiser.command("invite", *args)
        reply = await organiser.reply()
        assert usage in reply.text and "t.me" not in reply.text, args
    async with bot.services.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Invite)) == 0
    for args in (["delegate", "FRA", "10000", "3650"], ["organiser"], ["officer", "2", "30"], ["supervisor", "UNODC"]):
        await organiser.command("invite", *args)
        assert "t.me" in (await organiser.reply()).text, args
    async with bot.services.db.session() as s:
        longest = await s.scalar(select(func.max(Invite.expires_at)))
    assert longest <= bot.clock.now().replace(microsecond=0) + dt.timedelta(days=3650, seconds=1)


# -- the service and the shared rules, without the chat ----------------------------------------
@pytest.fixture
def invites(db: Database) -> InviteService:
    return InviteService(PeopleService(db, SimulatedClock(T0), organiser_ids=[999]))


async def test_roles_only_go_up_through_invites(invites: InviteService, db: Database) -> None:
    organiser, _ = await invites.people.touch(TelegramUser(999, "Org"))
    for role in Role:
        made = await invites.create(role=role, delegation_code="FRA", created_by=organiser)
        tested = await invites.redeem(TelegramUser(999, "Org"), made.token)
        assert tested.status == InviteStatus.TESTED and tested.person.role == Role.ORGANISER, role
        assert tested.person.delegation is None
    officer_link = await invites.create(role=Role.OFFICER, delegation_code="UNODC")
    assert (await invites.redeem(TelegramUser(10, "Olga"), officer_link.token)).person.role == Role.OFFICER
    delegate_link = await invites.create(role=Role.DELEGATE, delegation_code="FRA")
    kept = await invites.redeem(TelegramUser(10, "Olga"), delegate_link.token)
    assert kept.status == InviteStatus.HIGHER_ROLE and kept.person.role == Role.OFFICER
    assert kept.person.delegation.code == "UNODC"
    supervisor_link = await invites.create(role=Role.SUPERVISOR)
    up = await invites.redeem(TelegramUser(10, "Olga"), supervisor_link.token)
    assert up.status == InviteStatus.OK and up.person.role == Role.SUPERVISOR
    async with db.session() as s:  # nobody's test or refusal spent a use
        uses = dict((await s.execute(select(Invite.role, func.sum(Invite.uses)).group_by(Invite.role))).all())
    assert uses == {Role.DELEGATE: 0, Role.ORGANISER: 0, Role.OFFICER: 1, Role.SUPERVISOR: 1}


async def test_an_organiser_testing_a_used_up_link_learns_it(invites: InviteService) -> None:
    made = await invites.create(delegation_code="FRA")
    assert (await invites.redeem(TelegramUser(20, "Del"), made.token)).status == InviteStatus.OK
    assert (await invites.redeem(TelegramUser(999, "Org"), made.token)).status == InviteStatus.USED_UP


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["delegate", "5"], InviteProblem.NO_DELEGATION),
        (["king"], InviteProblem.ROLE),
        (["organiser", "10000", "999999"], InviteProblem.DAYS),
        (["delegate", "FRA", "10001"], InviteProblem.USES),
        (["delegate", "FRA", "²"], InviteProblem.USES),
        (["delegate", "X" * 65], InviteProblem.DELEGATION_TOO_LONG),
    ],
)
def test_invite_command_and_csv_share_the_rules(args: list[str], problem: InviteProblem) -> None:
    with pytest.raises(InviteError) as raised:
        parse_invite_args(args)
    assert raised.value.problem == problem
    role, rest = args[0], args[1:]
    delegation = rest.pop(0) if rest and not rest[0].isdigit() else ""
    row = ",".join([role, delegation, *(rest + ["", ""])[:2]])
    [parsed] = parse_invite_csv(f"role,delegation,uses,days\n{row}\n")
    assert parsed.error == InviteError(problem, raised.value.value).describe()


def test_invite_command_words() -> None:
    spec = parse_invite_args(["Delegate", "FRA", "5", "30"])
    assert (spec.role, spec.delegation, spec.uses, spec.days) == (Role.DELEGATE, "FRA", 5, 30)
    spec = parse_invite_args(["officer", "2"])
    assert (spec.role, spec.delegation, spec.uses, spec.days) == (Role.OFFICER, None, 2, None)
    for words in ([], ["delegate", "FRA", "1", "2", "3"]):
        with pytest.raises(NotTheUsage):
            parse_invite_args(words)
