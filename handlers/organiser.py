"""Organiser commands. The role is checked in the database on every call, never assumed."""

from __future__ import annotations

import datetime as dt
import html

from telegram import Message, Update

from bot.cards import delegation_name, value
from bot.i18n import N_, Translator
from bot.role_sentences import invite_link_for
from bot.services.invite_specs import (
    MAX_INVITE_DAYS,
    MAX_INVITE_USES,
    InviteError,
    InviteProblem,
    InviteSpec,
    invite_spec,
)
from bot.services.people import MAX_DELEGATION_CODE, AccessDenied
from bot.store.models import Person, Role
from bot.telegram_text import cut, whole_lines
from handlers.context import BotContext

MAX_LIST = 30
MAX_PROBLEMS = 20  # of a refused pack, shown in the chat (all of them: `content check`)
INVITE_PROBLEMS = {
    # TRANSLATORS: {value} is the word the organiser typed where a role was expected
    InviteProblem.ROLE: N_("“{value}” is not a role: use delegate, organiser, officer or supervisor."),
    # TRANSLATORS: {most} is the largest number allowed
    InviteProblem.USES: N_("The number of uses must be a whole number from 1 to {most}."),
    # TRANSLATORS: {most} is the largest number allowed
    InviteProblem.DAYS: N_("The number of days must be a whole number from 1 to {most}."),
    InviteProblem.NO_DELEGATION: N_("A delegate's invite needs a delegation, for example FRA."),
    # TRANSLATORS: {most} is the largest number of characters allowed
    InviteProblem.DELEGATION_TOO_LONG: N_("A delegation code has at most {most} characters."),
}
MOST = {
    InviteProblem.USES: MAX_INVITE_USES,
    InviteProblem.DAYS: MAX_INVITE_DAYS,
    InviteProblem.DELEGATION_TOO_LONG: MAX_DELEGATION_CODE,
}


async def organiser_or_refuse(update: Update, context: BotContext) -> tuple[Person, Message] | None:
    """The caller if they are an organiser now (read from the database); otherwise a polite
    refusal and None."""
    message = update.effective_message
    if message is None:
        return None
    try:
        person = await context.services.people.require(context.person.telegram_id, Role.ORGANISER)
    except AccessDenied:
        await message.reply_text(context.t.paragraph(context.t._("Sorry, this command is for organisers only.")))
        return None
    return person, message


class NotTheUsage(ValueError):
    """The words of an /invite do not follow its usage at all."""


def parse_invite_args(args: list[str]) -> InviteSpec:
    """``ROLE [DELEGATION] [USES] [DAYS]``: the delegation is the word after the role unless it
    is a number. Checked by the same rules as the CSV import: raises :class:`InviteError`
    (or :class:`NotTheUsage` when the words are not even in that shape)."""
    if not args:
        raise NotTheUsage
    role, rest = args[0].lower(), args[1:]
    delegation = rest.pop(0) if rest and not rest[0].isdigit() else ""
    if len(rest) > 2:
        raise NotTheUsage
    uses = rest[0] if rest else ""
    days = rest[1] if len(rest) > 1 else ""
    return invite_spec(role=role, delegation=delegation, uses=uses, days=days)


def invite_problem(t: Translator, error: InviteError | NotTheUsage) -> str:
    """What is wrong with an /invite, in one sentence (empty when the usage says it all)."""
    if not isinstance(error, InviteError) or error.problem not in INVITE_PROBLEMS:
        return ""
    return t._(INVITE_PROBLEMS[error.problem]).format(
        value=t.isolate(html.escape(cut(error.value, 64))), most=t.number(MOST.get(error.problem, 0))
    )


async def invite_command(update: Update, context: BotContext) -> None:
    """/invite ROLE DELEGATION [USES] [DAYS]"""
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    person, message = found
    t, services = context.t, context.services
    try:
        spec = parse_invite_args(list(context.args or []))
    except (InviteError, NotTheUsage) as error:
        usage = t._("Usage: /invite ROLE DELEGATION [USES] [DAYS], for example /invite delegate FRA 5 30")
        await message.reply_text(t.paragraph("\n".join(filter(None, [invite_problem(t, error), usage]))))
        return
    created = await services.invites.create_from(
        spec, default_ttl=dt.timedelta(days=services.settings.invite_ttl_days), created_by=person
    )
    link = created.link(context.bot.username)
    expires = t.isolate(t.datetime(created.invite.expires_at, services.content.current.pack.tz))
    delegation = delegation_name(t, created.invite.delegation)
    lines = [invite_link_for(t, spec.role, delegation)]
    if delegation is None and spec.delegation:
        # TRANSLATORS: {code} is the delegation code the organiser typed ("FRA"), when no name is known for it
        lines.append(t._("Delegation code: {code}").format(code=value(t, spec.delegation)))
    lines.append(
        # TRANSLATORS: {n} is how many people may open the link, {expires} a day and time ("Sat 25 Oct, 09:00")
        t.ngettext("Valid for {n} use until {expires}.", "Valid for {n} uses until {expires}.", spec.uses).format(
            n=t.number(spec.uses), expires=expires
        )
    )
    lines.append(t.isolate(link))
    await message.reply_text(t.paragraph("\n".join(lines)))


async def reload_command(update: Update, context: BotContext) -> None:
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    _, message = found
    t, services = context.t, context.services
    problems = await services.content.reload_async()
    if not problems:
        from bot.app import refresh_phrasings

        await refresh_phrasings(services)  # phrasings learnt in another process since
    if problems:
        # TRANSLATORS: {n} is the number of problems found; {problems} lists them, one per line
        sentence = t.ngettext(
            "The content pack has {n} problem and was not loaded; the previous version stays in service:\n{problems}",
            "The content pack has {n} problems and was not loaded; the previous version stays in service:\n{problems}",
            len(problems),
        )

        def finish(shown: str) -> str:
            return t.paragraph(sentence.format(n=t.number(len(problems)), problems=shown))

        # file:line: field: problem, in Latin script: isolated, or Arabic would jumble it
        lines = [t.isolate(html.escape(str(problem))) for problem in problems[:MAX_PROBLEMS]]
        await message.reply_text(whole_lines(lines, finish=finish))
        return
    await services.agenda.sync_programme()  # followers of moved, re-roomed or cancelled sessions are told
    await services.agenda.plan_all()  # sessions the new pack makes people follow automatically
    pack = services.content.current.pack
    await message.reply_text(
        t.paragraph(
            # TRANSLATORS: {version} is the content pack's version, a short code ("3f9a0c"); {counts}
            # says how many sessions and answers it has ("12 sessions and 80 answers")
            t._("Content reloaded (version {version}): {counts}.").format(
                version=t.isolate(pack.version),
                counts=t.join([
                    # TRANSLATORS: how many sessions the programme has, in a list ("12 sessions and 80 answers")
                    t.ngettext("{n} session", "{n} sessions", len(pack.sessions)).format(n=t.number(len(pack.sessions))),
                    # TRANSLATORS: how many answers to frequent questions the pack has, in a list
                    t.ngettext("{n} answer", "{n} answers", len(pack.faq)).format(n=t.number(len(pack.faq))),
                ]),
            )
        )
    )
