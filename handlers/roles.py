"""``/role WHO [ROLE]``: an organiser looks up or changes someone's role (``WHO`` is a Telegram
id or an @username). The rules (no lowering one's own role, never no organiser left) and the
audit log are the service's (:mod:`bot.services.roles`)."""

from __future__ import annotations

import html

from telegram import Update

from bot.cards import role_name
from bot.i18n import N_, Translator
from bot.services.audit import Actor
from bot.services.invite_specs import InviteProblem
from bot.services.people import AccessDenied
from bot.services.roles import RoleProblem, RoleRefused, Someone
from bot.store.models import Person, Role
from bot.telegram_text import cut
from handlers.context import BotContext
from handlers.organiser import INVITE_PROBLEMS, organiser_or_refuse

REFUSALS = {
    RoleProblem.UNKNOWN_PERSON: N_("No one with this Telegram id or username has written to the assistant yet."),
    RoleProblem.AMBIGUOUS: N_("Several people have had this username: please use their Telegram id."),
    RoleProblem.OWN_ROLE: N_("You cannot lower your own role: please ask another organiser."),
    # TRANSLATORS: {person} is a name and Telegram id ("Ana (123456789)")
    RoleProblem.LAST_ORGANISER: N_("{person} is the last organiser: please make someone else an organiser first."),
}


def who(t: Translator, person: Person | Someone) -> str:
    """A person as an organiser recognises them: their name and Telegram id."""
    # TRANSLATORS: a person as organisers see them: {name} (first name or @username) and {telegram_id}
    return t._("{name} ({telegram_id})").format(
        name=t.isolate(html.escape(person.first_name or (f"@{person.username}" if person.username else "?"))),
        telegram_id=t.isolate(str(person.telegram_id)),
    )


async def role_command(update: Update, context: BotContext) -> None:
    """/role WHO [ROLE]"""
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    organiser, message = found
    t, roles = context.t, context.services.roles
    args = list(context.args or [])
    if len(args) not in (1, 2):
        await message.reply_text(t.paragraph(t._(
            "Usage: /role TELEGRAM_ID ROLE or /role @username ROLE, for example /role 123456789 officer. "
            "The roles: delegate, officer, supervisor, organiser."
        )))
        return
    try:
        if len(args) == 1:
            person = await roles.find(args[0])
            # TRANSLATORS: {person} is a name and Telegram id ("Ana (123456789)"), {role} a role as a label ("delegate")
            answer = t._("Role of {person}: {role}.").format(person=who(t, person), role=role_name(t, person.role))
        else:
            try:
                role = Role(args[1].lower())
            except ValueError:
                await message.reply_text(t.paragraph(t._(INVITE_PROBLEMS[InviteProblem.ROLE]).format(
                    value=t.isolate(html.escape(cut(args[1], 64))))))
                return
            change = await roles.change(args[0], role, by=Actor.person(organiser.telegram_id))
            if change.changed:
                # TRANSLATORS: {person} is a name and Telegram id, {old} and {role} roles as labels
                # ("delegate → liaison officer")
                answer = t._("Role of {person} changed: {old} → {role}.").format(
                    person=who(t, change.person), role=role_name(t, change.new), old=role_name(t, change.old))
            else:
                # TRANSLATORS: {person} is a name and Telegram id, {role} a role as a label
                answer = t._("Role of {person} unchanged: {role}.").format(person=who(t, change.person), role=role_name(t, change.new))
    except RoleRefused as refused:
        person_text = who(t, refused.person) if refused.person is not None else ""
        answer = t._(REFUSALS[refused.problem]).format(person=person_text)
    except AccessDenied:
        answer = t._("Sorry, this command is for organisers only.")
    await message.reply_text(t.paragraph(answer))
