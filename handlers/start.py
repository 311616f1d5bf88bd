"""/start (with or without an invite token), /help and /menu."""

from __future__ import annotations

import logging

from telegram import Update

from bot.cards import esc
from bot.i18n import N_, Translator, translator
from bot.services.people import InviteStatus, looks_like_token
from bot.store.models import Person, Role
from handlers import keyboards
from handlers.common import Context, caller, services_of, telegram_user

log = logging.getLogger(__name__)


def role_name(t: Translator, role: Role) -> str:
    names = {
        Role.DELEGATE: t._("delegate"),
        Role.ORGANISER: t._("organiser"),
        Role.OFFICER: t._("liaison officer"),
        Role.SUPERVISOR: t._("liaison supervisor"),
    }
    return names[role]


def welcome_text(t: Translator, person: Person, event_name: str) -> str:
    # names come from people and packs: escaped, since replies are Telegram HTML
    lines = [
        t._("Welcome, {name}!").format(name=t.isolate(esc(person.first_name) or "👋")),
        "<b>" + t.isolate(esc(event_name)) + "</b>\n"
        + t._(
            "I am your assistant for this event. Ask me about the programme, the venues and "
            "practical matters in your own words and language, or use the menu below."
        ),
    ]
    if person.delegation is not None:
        lines.append(
            t._("You are registered as {role} of the delegation of {delegation}.").format(
                role=role_name(t, person.role), delegation=t.isolate(esc(person.delegation.name))
            )
        )
    elif person.role != Role.DELEGATE:
        lines.append(t._("You are registered as {role}.").format(role=role_name(t, person.role)))
    return t.paragraph("\n\n".join(lines))


INVITE_PROBLEMS = {
    InviteStatus.UNKNOWN: N_("This invite link is not valid. Please check it, or ask the organisers for a new one."),
    InviteStatus.EXPIRED: N_("This invite link has expired. Please ask the organisers for a new one."),
    InviteStatus.USED_UP: N_("This invite link has already been used. Please ask the organisers for a new one."),
    InviteStatus.REVOKED: N_("This invite link has been withdrawn. Please ask the organisers for a new one."),
}


async def start(update: Update, context: Context) -> None:
    services = services_of(context)
    user = telegram_user(update)
    if user is None or update.effective_message is None:
        return
    payload = context.args[0] if context.args else ""
    notice = None
    if payload:
        if looks_like_token(payload):
            result = await services.people.redeem(user, payload)
            person = result.person
            if result.status in INVITE_PROBLEMS:
                notice = INVITE_PROBLEMS[result.status]
            log.info("invite used by %s: %s", user.id, result.status.value)
        else:
            person, _ = await services.people.touch(user)
            notice = INVITE_PROBLEMS[InviteStatus.UNKNOWN]
    else:
        person, _ = await services.people.touch(user)
    t = translator(person.language)
    pack = services.content.current.pack
    if notice:
        await update.effective_message.reply_text(t.paragraph(t._(notice)))
    await update.effective_message.reply_text(
        welcome_text(t, person, pack.event.name.get(t.lang, pack.default_language)),
        reply_markup=keyboards.main_menu(t, pack.version),
    )


async def menu(update: Update, context: Context) -> None:
    who = await caller(update, context)
    if who is None or update.effective_message is None:
        return
    pack = services_of(context).content.current.pack
    await update.effective_message.reply_text(
        who.t.paragraph(who.t._("What would you like to know?")),
        reply_markup=keyboards.main_menu(who.t, pack.version),
    )


def help_text(t: Translator, person: Person) -> str:
    lines = [
        t._("Ask me a question in your own words, for example “Where is the prayer room?” or “What is on now?”."),
        "",
        t._("/menu – the main menu"),
        t._("/language – change the language"),
        t._("/help – this help"),
    ]
    if person.role == Role.ORGANISER:
        lines += [
            "",
            t._("For organisers:"),
            t._("/invite ROLE DELEGATION [USES] [DAYS] – make an invite link"),
            t._("/unanswered – questions the assistant could not answer"),
            t._("/reload – reload the content pack"),
        ]
    return t.paragraph("\n".join(lines))


async def help_command(update: Update, context: Context) -> None:
    who = await caller(update, context)
    if who is None or update.effective_message is None:
        return
    pack = services_of(context).content.current.pack
    await update.effective_message.reply_text(
        help_text(who.t, who.person), reply_markup=keyboards.main_menu(who.t, pack.version)
    )
