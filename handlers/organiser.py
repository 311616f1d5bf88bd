"""Organiser commands. The role is checked in the database on every call, never assumed."""

from __future__ import annotations

import datetime as dt
import html

from telegram import Update

from bot.i18n import Translator
from bot.services.people import AccessDenied
from bot.store.models import Person, Role
from handlers.common import Context, caller, services_of
from handlers.start import role_name

MAX_LIST = 30


async def _organiser(update: Update, context: Context) -> tuple[Person, Translator] | None:
    """The caller if they are an organiser now; otherwise a polite refusal and None."""
    who = await caller(update, context)
    if who is None or update.effective_message is None:
        return None
    try:
        person = await services_of(context).people.require(who.person.telegram_id, Role.ORGANISER)
    except AccessDenied:
        await update.effective_message.reply_text(
            who.t.paragraph(who.t._("Sorry, this command is for organisers only."))
        )
        return None
    return person, who.t


async def invite_command(update: Update, context: Context) -> None:
    """/invite ROLE DELEGATION [USES] [DAYS]"""
    found = await _organiser(update, context)
    if found is None:
        return
    person, t = found
    services = services_of(context)
    args = context.args or []
    usage = t._("Usage: /invite ROLE DELEGATION [USES] [DAYS], for example /invite delegate FRA 5 30")
    try:
        role = Role(args[0].lower()) if args else None
    except ValueError:
        role = None
    if role is None or (role == Role.DELEGATE and len(args) < 2):
        await update.effective_message.reply_text(t.paragraph(usage))
        return
    delegation = args[1] if len(args) > 1 and not args[1].isdigit() else None
    numbers = [a for a in args[1:] if a.isdigit()]
    try:
        uses = int(numbers[0]) if numbers else 1
        days = int(numbers[1]) if len(numbers) > 1 else services.settings.invite_ttl_days
        created = await services.people.create_invite(
            role=role,
            delegation_code=delegation,
            max_uses=uses,
            ttl=dt.timedelta(days=days),
            created_by=person,
        )
    except (ValueError, OverflowError):
        await update.effective_message.reply_text(t.paragraph(usage))
        return
    link = created.link(context.bot.username)
    expires = t.datetime(created.invite.expires_at, services.content.current.pack.tz)
    await update.effective_message.reply_text(
        t.paragraph(
            t.ngettext(
                "Invite link for {role} {delegation}, valid for {n} use until {expires}:\n{link}",
                "Invite link for {role} {delegation}, valid for {n} uses until {expires}:\n{link}",
                uses,
            ).format(
                role=role_name(t, role),
                delegation=t.isolate(html.escape(delegation or "")),
                n=t.number(uses),
                expires=expires,
                link=t.isolate(link),
            )
        )
    )


async def unanswered_command(update: Update, context: Context) -> None:
    found = await _organiser(update, context)
    if found is None:
        return
    _, t = found
    services = services_of(context)
    groups = await services.questions.groups(limit=MAX_LIST)
    if not groups:
        await update.effective_message.reply_text(t.paragraph(t._("No unanswered questions so far.")))
        return
    tz = services.content.current.pack.tz
    lines = [t._("Questions the assistant could not answer, most asked first:"), ""]
    for group in groups:
        lines.append(
            t._("{n}× “{text}” ({languages}; last {when})").format(
                n=t.number(group.count),
                text=html.escape(group.example[:200]),
                languages=", ".join(group.languages),
                when=t.datetime(group.last_asked, tz),
            )
        )
    await update.effective_message.reply_text(t.paragraph(whole_lines(lines, 3900)))


def whole_lines(lines: list[str], limit: int) -> str:
    """As many whole lines as fit in ``limit`` characters: a cut inside a line could split an
    HTML entity or tag and Telegram would refuse the message."""
    kept = list(lines)
    while len("\n".join(kept)) > limit:
        kept.pop()
    return "\n".join(kept)


async def reload_command(update: Update, context: Context) -> None:
    found = await _organiser(update, context)
    if found is None:
        return
    _, t = found
    services = services_of(context)
    problems = await services.content.reload_async()
    if problems:
        shown = whole_lines([html.escape(str(p)) for p in problems[:20]], 3000)
        await update.effective_message.reply_text(
            t.paragraph(
                t.ngettext(
                    "The content pack has {n} problem and was not loaded; the previous version stays in service:\n{problems}",
                    "The content pack has {n} problems and was not loaded; the previous version stays in service:\n{problems}",
                    len(problems),
                ).format(n=t.number(len(problems)), problems=shown)
            )
        )
        return
    pack = services.content.current.pack
    await update.effective_message.reply_text(
        t.paragraph(
            t._("Content reloaded: {sessions} sessions, {faq} answers (version {version}).").format(
                sessions=t.number(len(pack.sessions)), faq=t.number(len(pack.faq)), version=pack.version
            )
        )
    )
