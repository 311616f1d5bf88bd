"""``/role WHO [ROLE]``: an organiser looks up or changes someone's role (``WHO`` is a Telegram
id or an @username); ``/assign WHO [WORDS]`` what a liaison officer covers. The rules (no lowering one's own role, never no organiser left) and the
audit log are the service's (:mod:`bot.services.roles`)."""

from __future__ import annotations

import html
import logging

from sqlalchemy import select
from telegram import Update

from bot.cards import role_name
from bot.catalog.models import ContentPack
from bot.i18n import N_, Translator
from bot.services import liaison_officers as officers
from bot.services.audit import Actor
from bot.services.invite_specs import InviteProblem
from bot.services.people import AccessDenied
from bot.services.roles import RoleProblem, RoleRefused, Someone
from bot.store.models import CoverKind, Delegation, Person, Role
from bot.telegram_text import cut
from handlers.context import BotContext
from handlers.organiser import INVITE_PROBLEMS, organiser_or_refuse
from handlers.replies import reply_in_parts

log = logging.getLogger(__name__)

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


NO_ASSIGNMENT = "none"  # /assign WHO none


async def assign_command(update: Update, context: BotContext) -> None:
    """/assign WHO [WORDS...]: an organiser sees or sets (replacing) what a liaison officer
    covers: languages, request categories, delegations (see ``officers.read_words``)."""
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    _, message = found
    t, services = context.t, context.services
    pack = services.content.current.pack
    categories = [c.id for c in pack.liaison_categories]
    listed = t.join([t.isolate(c) for c in categories])
    args = list(context.args or [])
    if not args:
        # TRANSLATORS: {categories} lists the request categories' ids ("transport, protocol and medical")
        await message.reply_text(t.paragraph(t._(
            "Usage: /assign TELEGRAM_ID or /assign @username, then what the liaison officer covers: language "
            "codes (en, fr…), request categories ({categories}) and delegation codes, for example "
            "/assign @anna fr FRA. The requests of those delegations go to them first, then those in their "
            "languages and categories. /assign @anna none removes everything.").format(categories=listed)))
        return
    try:
        person = await services.roles.find(args[0])
    except RoleRefused as refused:
        await message.reply_text(t.paragraph(t._(REFUSALS[refused.problem]).format(person="")))
        return
    if not person.is_officer:
        # TRANSLATORS: {person} is a name and Telegram id; {command} the command that makes them an officer
        await message.reply_text(t.paragraph(t._("{person} is not a liaison officer. First: {command}").format(
            person=who(t, person), command=t.isolate(f"/role {person.telegram_id} officer"))))
        return
    async with services.db.session() as s:
        if len(args) > 1:
            words = [] if [w.lower() for w in args[1:]] == [NO_ASSIGNMENT] else args[1:]
            delegations = list(await s.scalars(select(Delegation.code)))
            assignment, unknown = officers.read_words(args[0], words, categories=categories, delegations=delegations)
            if unknown:
                # TRANSLATORS: {words} lists what was not understood; {categories} the request categories' ids
                await message.reply_text(t.paragraph(t._(
                    "Not understood: {words}. Use language codes (en, fr…), request categories ({categories}) "
                    "and the codes of delegations that have joined.").format(
                    words=t.join([t.isolate(html.escape(cut(w, 64))) for w in unknown[:10]]), categories=listed)))
                return
            officer = await s.get(Person, person.id)
            assert officer is not None
            await officers.assign(s, officer, assignment, services.clock)
            log.info("assignment of %s set by %s", person.telegram_id, context.person.telegram_id)
        covers = (await officers.covers_of(s, [person.id])).get(person.id, {})
    await reply_in_parts(message, t.paragraph(assignment_text(t, person, covers, pack)))  # many delegations


def assignment_text(t: Translator, person: Person, covers: dict[CoverKind, set[str]], pack: ContentPack) -> str:
    """What an officer covers, one line per kind."""
    if not any(covers.values()):
        # TRANSLATORS: {person} is a name and Telegram id
        return t._("{person} has no assignment: they receive requests by routing when no one assigned is on duty.").format(
            person=who(t, person))
    # TRANSLATORS: the heading of an officer's assignment; {person} is a name and Telegram id
    lines = [t._("Assignment of {person}:").format(person=who(t, person))]
    if values := sorted(covers.get(CoverKind.DELEGATION, ())):
        # TRANSLATORS: a line of an officer's assignment; {items} lists delegation codes
        lines.append(t._("Delegations: {items}").format(items=t.join([t.isolate(html.escape(v)) for v in values])))
    if values := sorted(covers.get(CoverKind.LANGUAGE, ())):
        # TRANSLATORS: a line of an officer's assignment; {items} lists language names
        lines.append(t._("Languages: {items}").format(items=t.join(sorted(t.language_name(v) for v in values))))
    if values := sorted(covers.get(CoverKind.CATEGORY, ())):
        names = [(c.name.get(t.lang, pack.default_language) if (c := pack.liaison_category(v)) else v) for v in values]
        # TRANSLATORS: a line of an officer's assignment; {items} lists request categories
        lines.append(t._("Request categories: {items}").format(items=t.join([t.isolate(html.escape(n)) for n in names])))
    return "\n".join(lines)
