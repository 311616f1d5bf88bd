"""Organisers' view of the invites: ``/invites`` (the recent ones, with their numbers) and
``/revoke NUMBER|LINK``. The role is checked in the database on every call (and again by the
service, in the transaction that revokes)."""

from __future__ import annotations

from telegram import Update

from bot.cards import delegation_name, role_name, value
from bot.i18n import N_, Translator
from bot.services.audit import Actor
from bot.services.invites import InviteState, invite_reference, state_of
from bot.services.people import AccessDenied
from bot.store.models import Invite
from bot.telegram_text import whole_lines
from handlers.context import BotContext
from handlers.organiser import organiser_or_refuse
from handlers.replies import reply_in_parts

MAX_INVITES_LISTED = 25
STATES = {
    # TRANSLATORS: {date} is a day and time ("Sat 25 Oct, 09:00")
    InviteState.ACTIVE: N_("valid until {date}"),
    # TRANSLATORS: {date} is a day and time ("Sat 25 Oct, 09:00")
    InviteState.REVOKED: N_("revoked on {date}"),
    # TRANSLATORS: {date} is a day and time ("Sat 25 Oct, 09:00")
    InviteState.EXPIRED: N_("expired on {date}"),
    InviteState.USED_UP: N_("used up"),
}


def invite_line(t: Translator, invite: Invite, context: BotContext) -> str:
    services = context.services
    tz = services.content.current.pack.tz
    state = state_of(invite, services.clock.now())
    when = invite.revoked_at if state == InviteState.REVOKED and invite.revoked_at else invite.expires_at
    delegation = delegation_name(t, invite.delegation) or (value(t, invite.delegation.code) if invite.delegation else None)
    who = [name for name in (delegation, value(t, invite.label) if invite.label else None) if name]
    # TRANSLATORS: one invite in a list: {id} is its number, {role} the role it gives (a label), {who}
    # its delegation and label, {used} and {uses} counts, {state} "valid until …", "revoked on …"...
    return t._("#{id} · {role} · {who} · used {used} of {uses} · {state}").format(
        id=t.isolate(str(invite.id)),
        role=role_name(t, invite.role),
        who=" · ".join(who) or "—",
        used=t.number(invite.uses),
        uses=t.number(invite.max_uses),
        state=t._(STATES[state]).format(date=t.isolate(t.datetime(when, tz))),
    )


async def invites_command(update: Update, context: BotContext) -> None:
    """/invites: the latest invites, newest first, each with the number /revoke takes."""
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    _, message = found
    t = context.t
    invites = await context.services.invites.recent(MAX_INVITES_LISTED)
    if not invites:
        await message.reply_text(t.paragraph(t._("No invites yet. Make one with /invite.")))
        return
    footer = t._("To withdraw an invite: /revoke NUMBER, or /revoke followed by its link.")
    lines = [invite_line(t, invite, context) for invite in invites]

    def finish(body: str) -> str:
        return t.paragraph("\n".join([t._("Recent invites, newest first:"), "", body, "", footer]))

    await message.reply_text(whole_lines(lines, finish=finish))


async def revoke_command(update: Update, context: BotContext) -> None:
    """/revoke NUMBER|LINK|TOKEN"""
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    person, message = found
    t, services = context.t, context.services
    args = list(context.args or [])
    reference = invite_reference(args[0]) if len(args) == 1 else None
    if reference is None:
        await message.reply_text(t.paragraph(t._(
            "Usage: /revoke NUMBER or /revoke LINK, for example /revoke 12. /invites lists the recent invites with their numbers."
        )))
        return
    try:
        revocation = await services.invites.revoke(reference, by=Actor.person(person.telegram_id))
    except AccessDenied:
        await message.reply_text(t.paragraph(t._("Sorry, this command is for organisers only.")))
        return
    if revocation is None:
        await message.reply_text(t.paragraph(t._("No invite has this number or link. /invites lists the recent ones.")))
        return
    invite = revocation.invite
    if not revocation.revoked_now and invite.revoked_at is not None:
        when = t.datetime(invite.revoked_at, services.content.current.pack.tz)
        # TRANSLATORS: {id} is the invite's number, {date} a day and time ("Sat 25 Oct, 09:00")
        await message.reply_text(t.paragraph(t._("Invite #{id} was already revoked on {date}.").format(
            id=t.isolate(str(invite.id)), date=t.isolate(when))))
        return
    # TRANSLATORS: {id} is the invite's number
    await reply_in_parts(message, t.paragraph(t._(
        "Invite #{id} is revoked: its link no longer works. Whoever already used it keeps their role; /role changes it."
    ).format(id=t.isolate(str(invite.id))) + "\n" + invite_line(t, invite, context)))
