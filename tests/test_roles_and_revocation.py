"""Invites can be revoked and roles changed, each recorded with who and when (#10.14): in the
chat (/invites, /revoke, /role) and at the command line (invites list|revoke, people role,
report audit); what ORGANISER_IDS means once a role has been decided; the two mistakes that
are refused (lowering one's own role, leaving no organiser). On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import re
import sys

import pytest
from sqlalchemy import select

from bot.cards import role_name
from bot.i18n import translator
from bot.services.audit import Actor
from bot.services.invites import InviteStatus
from bot.services.people import AccessDenied, TelegramUser
from bot.services.roles import RoleProblem, RoleRefused
from bot.store.models import AuditAction, AuditEntry, Role
from tests.support import ROOT, Harness, running_bot

ORGANISER = 900
LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")
en = translator("en")
START_OVER = en._("This invite link has been withdrawn. Please ask the organisers for a new one.")


async def make_invite(bot: Harness, *args: str) -> str:
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("invite", *args)
    reply = await organiser.reply()
    found = LINK.search(reply.text)
    assert found, reply.text
    return found.group(0)


async def entries(bot: Harness) -> list[AuditEntry]:
    async with bot.services.db.session() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def cli(database_url: str, *args: str) -> tuple[int, str, str]:
    """``python -m bot ARGS`` on the test's database, as an operator would run it."""
    env = {**os.environ, "DATABASE_URL": database_url, "ORGANISER_IDS": str(ORGANISER)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


# -- revocation --------------------------------------------------------------------------------
async def test_an_organiser_lists_and_revokes_invites_in_the_chat(bot: Harness) -> None:
    link = await make_invite(bot, "officer", "UNODC", "3")
    await make_invite(bot, "delegate", "FRA", "5", "30")
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("invites")
    listed = (await organiser.reply()).text
    assert en._("Recent invites, newest first:") in listed
    lines = [line for line in listed.splitlines() if line.startswith("#")]
    assert len(lines) == 2 and lines[0].startswith("#2 · delegate · France") and lines[1].startswith("#1 · liaison officer · UNODC")
    assert "used 0 of 3" in lines[1] and "valid until" in lines[1]

    await organiser.command("revoke", "1")
    done = (await organiser.reply()).text
    assert en._("Invite #{id} is revoked: its link no longer works. Whoever already used it keeps their role; /role changes it.").format(id=1) in done
    assert "revoked on" in done
    newcomer = bot.user(7401, "Olga", language_code="en")
    await newcomer.open_link(link.split("start=")[1])
    assert START_OVER in (await newcomer.replies(2))[0].text
    assert (await bot.services.people.get(7401)).role == Role.DELEGATE

    await organiser.command("revoke", link)  # by its link: already done
    again = (await organiser.reply()).text
    assert "#1 was already revoked on" in again
    await organiser.command("revoke", "42")
    assert en._("No invite has this number or link. /invites lists the recent ones.") in (await organiser.reply()).text
    await organiser.command("revoke")
    assert "Usage: /revoke NUMBER" in (await organiser.reply()).text

    revoked = [e for e in await entries(bot) if e.action == AuditAction.INVITE_REVOKED]
    assert [(e.actor, e.target, e.old_value, e.new_value, e.at) for e in revoked] == [
        (f"telegram:{ORGANISER}", "invite:1", "active", "revoked", bot.clock.now())
    ]


async def test_only_organisers_revoke_and_the_service_checks_again(bot: Harness) -> None:
    link = await make_invite(bot, "delegate", "FRA", "1")
    delegate = bot.user(7402, "Dan", language_code="en")
    await delegate.command("revoke", "1")
    assert en._("Sorry, this command is for organisers only.") in (await delegate.reply()).text
    await delegate.command("invites")
    assert en._("Sorry, this command is for organisers only.") in (await delegate.reply()).text
    with pytest.raises(AccessDenied):
        await bot.services.invites.revoke(1, by=Actor.person(7402))
    await delegate.open_link(link.split("start=")[1])  # the invite still works
    await delegate.replies(1)
    assert (await bot.services.people.get(7402)).delegation.code == "FRA"


async def test_a_link_revoked_while_someone_opens_it_is_not_used(bot: Harness) -> None:
    link = await make_invite(bot, "delegate", "FRA", "50")
    token = link.split("start=")[1]
    users = [TelegramUser(7500 + i, f"U{i}") for i in range(10)]
    results = await asyncio.gather(
        *(bot.services.invites.redeem(user, token) for user in users[:5]),
        bot.services.invites.revoke(token, by=Actor.person(ORGANISER)),
        *(bot.services.invites.redeem(user, token) for user in users[5:]),
    )
    redemptions = [r for r in results if not hasattr(r, "revoked_now")]
    used = sum(r.status == InviteStatus.OK for r in redemptions)
    assert all(r.status in (InviteStatus.OK, InviteStatus.REVOKED) for r in redemptions)
    async with bot.services.db.session() as session:
        from bot.store.models import Invite, InviteUse

        invite = await session.scalar(select(Invite))
        uses = len(list(await session.scalars(select(InviteUse))))
    assert invite.revoked_at is not None and invite.uses == used == uses


# -- roles -------------------------------------------------------------------------------------
async def test_an_organiser_changes_roles_and_the_next_message_sees_it(bot: Harness) -> None:
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("help")
    assert "/role" in (await organiser.reply()).text
    ana = bot.emulator.user(7403, "Ana", username="Ana_M", language_code="en")
    await ana.send("/help")
    assert "/invite" not in (await ana.reply()).text  # and Ana is now in the recent callers
    await organiser.command("role", "@ana_m", "organiser")
    assert en._("Role of {person} changed: {old} → {role}.").format(
        person=en._("{name} ({telegram_id})").format(name="Ana", telegram_id=7403),
        role=role_name(en, Role.ORGANISER), old=role_name(en, Role.DELEGATE)) in (await organiser.reply()).text
    await ana.send("/help")  # at once: her cached copy was dropped
    assert "/invite" in (await ana.reply()).text
    # Ana demotes the organiser listed in ORGANISER_IDS: the recorded decision wins
    await ana.command("role", str(ORGANISER), "officer")
    assert "changed: organiser → liaison officer." in (await ana.reply()).text
    await organiser.command("invite", "delegate", "FRA")
    assert en._("Sorry, this command is for organisers only.") in (await organiser.reply()).text
    await organiser.command("help")
    assert "/invite" not in (await organiser.reply()).text
    await ana.command("role", str(ORGANISER))
    assert en._("Role of {person}: {role}.").format(
        person=en._("{name} ({telegram_id})").format(name="Org", telegram_id=ORGANISER), role=role_name(en, Role.OFFICER)
    ) in (await ana.reply()).text
    changes = [e for e in await entries(bot) if e.action == AuditAction.ROLE_CHANGED]
    assert [(e.actor, e.target, e.old_value, e.new_value) for e in changes] == [
        ("setting:ORGANISER_IDS", f"person:{ORGANISER}", None, "organiser"),
        (f"telegram:{ORGANISER}", "person:7403", "delegate", "organiser"),
        ("telegram:7403", f"person:{ORGANISER}", "organiser", "officer"),
    ]
    assert all(e.at == bot.clock.now() for e in changes)


async def test_the_mistakes_that_are_refused(bot: Harness) -> None:
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("role", str(ORGANISER), "delegate")
    assert en._("You cannot lower your own role: please ask another organiser.") in (await organiser.reply()).text
    await organiser.command("role", "12345", "officer")
    assert en._("No one with this Telegram id or username has written to the assistant yet.") in (await organiser.reply()).text
    await organiser.command("role", "@no\x00body", "officer")  # a NUL in a lookup is only not found
    assert en._("No one with this Telegram id or username has written to the assistant yet.") in (await organiser.reply()).text
    await organiser.command("role", str(ORGANISER), "king")
    assert "“king” is not a role" in (await organiser.reply()).text
    await organiser.command("role")
    assert "Usage: /role TELEGRAM_ID ROLE" in (await organiser.reply()).text
    await organiser.command("role", str(ORGANISER), "organiser")
    assert "unchanged: organiser." in (await organiser.reply()).text
    # the last organiser cannot be demoted, by anyone: here from the command line
    with pytest.raises(RoleRefused) as refused:
        await bot.services.roles.change(str(ORGANISER), Role.DELEGATE, by=Actor.command_line())
    assert refused.value.problem == RoleProblem.LAST_ORGANISER
    delegate = bot.user(7404, "Dan", language_code="en")
    await delegate.command("role", str(ORGANISER), "delegate")
    assert en._("Sorry, this command is for organisers only.") in (await delegate.reply()).text
    assert (await bot.services.people.get(ORGANISER)).role == Role.ORGANISER
    assert [e.actor for e in await entries(bot)] == ["setting:ORGANISER_IDS"]  # nothing else recorded


async def test_two_organisers_demoting_each_other_at_once_leave_one(bot: Harness) -> None:
    await bot.services.people.touch(TelegramUser(ORGANISER, "Org"))
    for other in (7405, 7406):
        await bot.services.people.touch(TelegramUser(other, f"Org{other}"))
        await bot.services.roles.change(str(other), Role.ORGANISER, by=Actor.command_line())
    await bot.services.roles.change(str(ORGANISER), Role.DELEGATE, by=Actor.person(7405))
    results = await asyncio.gather(
        bot.services.roles.change("7405", Role.DELEGATE, by=Actor.person(7406)),
        bot.services.roles.change("7406", Role.DELEGATE, by=Actor.person(7405)),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(done) == 1, results
    # the other one finds its actor demoted, or would leave no organiser: refused, not failed
    assert all(isinstance(r, (AccessDenied, RoleRefused)) for r in results if r not in done), results
    roles = {i: (await bot.services.people.get(i)).role for i in (7405, 7406)}
    assert list(roles.values()).count(Role.ORGANISER) == 1


# -- what ORGANISER_IDS means ------------------------------------------------------------------
async def test_organiser_ids_bootstrap_and_a_recorded_decision_wins(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER, 7407)) as bot:
        first, listed, known = (bot.user(i, f"P{i}", language_code="en") for i in (ORGANISER, 7407, 7408))
        for person in (first, listed, known):
            await person.command("help")
            await person.reply()
        assert (await bot.services.people.get(7407)).role == Role.ORGANISER  # at first contact
        await bot.services.roles.change("7408", Role.OFFICER, by=Actor.person(ORGANISER))
        await first.command("role", "7407", "delegate")  # a decision: it stands, listed or not
        await first.reply()
    async with running_bot(database_url, organiser_ids=(ORGANISER, 7407, 7408)) as bot:
        assert (await bot.services.people.get(7407)).role == Role.DELEGATE  # still listed, still demoted
        assert (await bot.services.people.get(7408)).role == Role.OFFICER  # decided by a person before being listed
        newly = bot.user(7409, "New", language_code="en")  # a delegate, not listed yet
        await newly.command("help")
        await newly.reply()
        await bot.services.people.touch(TelegramUser(7410, "Known"))
    async with running_bot(database_url, organiser_ids=(ORGANISER, 7409)) as bot:
        assert (await bot.services.people.get(7409)).role == Role.ORGANISER  # listed, nobody decided: at start
    async with running_bot(database_url, organiser_ids=(ORGANISER, 7410)) as bot:
        people = bot.services.people
        assert (await people.get(7410)).role == Role.ORGANISER
        assert (await people.get(7409)).role == Role.DELEGATE  # no longer listed: back to what it was
        assert (await people.get(ORGANISER)).role == Role.ORGANISER
        settings = [(e.target, e.old_value, e.new_value) for e in await entries(bot) if e.actor == "setting:ORGANISER_IDS"]
        assert settings == [
            (f"person:{ORGANISER}", None, "organiser"),
            ("person:7407", None, "organiser"),
            ("person:7409", "delegate", "organiser"),
            ("person:7410", "delegate", "organiser"),
            ("person:7409", "organiser", "delegate"),
        ]
    async with running_bot(database_url, organiser_ids=()) as bot:  # nobody listed any more
        people = bot.services.people
        assert (await people.get(ORGANISER)).role == Role.DELEGATE
        assert (await people.get(7410)).role == Role.ORGANISER  # the last one stays


# -- the command line --------------------------------------------------------------------------
async def test_the_command_line_revokes_changes_roles_and_shows_the_log(bot: Harness, database_url: str) -> None:
    link = await make_invite(bot, "delegate", "FRA", "2")
    ana = bot.user(7411, "Ana", language_code="en")
    await ana.command("help")
    await ana.reply()
    code, out, err = await cli(database_url, "invites", "revoke", link)
    assert code == 0 and "invite 1 revoked" in out, err
    code, out, err = await cli(database_url, "invites", "revoke", "1")
    assert code == 0 and "invite 1 was already revoked on" in out
    code, out, err = await cli(database_url, "invites", "revoke", "99")
    assert code == 1 and "no invite" in err
    code, out, _ = await cli(database_url, "invites", "list")
    assert code == 0 and re.search(r"^\s+1\s+delegate\s+FRA\s+0/2\s+revoked ", out, re.M), out
    code, out, err = await cli(database_url, "people", "role", "7411", "supervisor")
    assert code == 0 and "7411 (Ana): delegate -> supervisor" in out, err
    await ana.command("help")  # powers are read from the database: at once
    assert (await bot.services.people.require(7411, Role.SUPERVISOR)).role == Role.SUPERVISOR
    await ana.reply()
    code, out, err = await cli(database_url, "people", "role", str(ORGANISER), "delegate")
    assert code == 1 and "last organiser" in err
    code, out, err = await cli(database_url, "people", "role", "7411", "emperor")
    assert code == 2 and "not a role" in err
    code, out, _ = await cli(database_url, "report", "audit")
    lines = out.splitlines()
    assert re.search(r"cli:\S+\s+role\.changed\s+person:7411\s+delegate -> supervisor", lines[0]), out
    # the command line's clock is real time: by then the invite of the event's clock had expired
    assert re.search(r"cli:\S+\s+invite\.revoked\s+invite:1\s+expired -> revoked", lines[1]), out

