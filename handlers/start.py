"""/start (with or without an invite token), /help, /menu and the main menu's button."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Message, Update

from bot.cards import delegation_name, value
from bot.i18n import N_, Translator
from bot.role_sentences import already_registered, link_registers, registered_as, whoever_opens
from bot.services.invites import InviteStatus, Redemption, looks_like_token
from bot.store.models import Person, Role
from handlers import Action, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext, is_officer, telegram_user

log = logging.getLogger(__name__)


def welcome_text(t: Translator, person: Person, event_name: str) -> str:
    # names come from people and packs: escaped, since replies are Telegram HTML
    lines = [
        # TRANSLATORS: {name} is the person's first name as Telegram gives it
        t._("Welcome, {name}!").format(name=value(t, person.first_name) or "👋"),
        "<b>" + value(t, event_name) + "</b>\n"
        + t._(
            "I am your assistant for this event. Ask me about the programme, the venues and "
            "practical matters in your own words and language, or use the menu below."
        ),
    ]
    delegation = delegation_name(t, person.delegation)
    if delegation is not None or person.role != Role.DELEGATE:
        lines.append(registered_as(t, person.role, delegation))
    return t.paragraph("\n\n".join(lines))


INVITE_PROBLEMS = {
    InviteStatus.UNKNOWN: N_("This invite link is not valid. Please check it, or ask the organisers for a new one."),
    InviteStatus.EXPIRED: N_("This invite link has expired. Please ask the organisers for a new one."),
    InviteStatus.USED_UP: N_("This invite link has already been used. Please ask the organisers for a new one."),
    InviteStatus.REVOKED: N_("This invite link has been withdrawn. Please ask the organisers for a new one."),
}


def invite_notice(t: Translator, redemption: Redemption, tz: dt.tzinfo) -> str | None:
    """What to say before the welcome when the link did not simply work."""
    status, invite = redemption.status, redemption.invite
    if status in INVITE_PROBLEMS:
        return t._(INVITE_PROBLEMS[status])
    if invite is None:
        return None
    if status == InviteStatus.TESTED:
        expires = t.isolate(t.datetime(invite.expires_at, tz))
        left = invite.max_uses - invite.uses
        delegation = delegation_name(t, invite.delegation)
        code = invite.delegation.code if invite.delegation is not None and delegation is None else None
        return "\n".join(filter(None, [
            # TRANSLATORS: {expires} is a day and time ("Sat 25 Oct, 09:00"); the next sentence says
            # whom the link registers
            t._("This invite link works until {expires}.").format(expires=expires),
            whoever_opens(t, invite.role, delegation),
            # TRANSLATORS: {code} is a delegation's code ("FRA"), shown when no name is known for it
            t._("Delegation code: {code}").format(code=value(t, code)) if code else None,
            # TRANSLATORS: {n} is how many more people may open the invite link
            t.ngettext("It can be used {n} more time.", "It can be used {n} more times.", left).format(n=t.number(left)),
            t._("As an organiser, you keep your role: opening the link changed nothing for you and did not use it up."),
        ]))
    if status == InviteStatus.HIGHER_ROLE:
        return link_registers(t, invite.role) + "\n" + already_registered(t, redemption.person.role)
    return None


async def start(update: Update, context: BotContext) -> None:
    message = update.effective_message
    user = telegram_user(update)
    if user is None or message is None:
        return
    payload = context.args[0] if context.args else ""
    notice = None
    if payload and not looks_like_token(payload):
        notice = context.t._(INVITE_PROBLEMS[InviteStatus.UNKNOWN])
    elif payload:
        redemption = await context.services.invites.redeem(user, payload)
        log.info("invite used by %s: %s", user.id, redemption.status.value)
        context.set_person(redemption.person)  # their role, delegation or language may be new
        notice = invite_notice(context.t, redemption, context.services.content.current.pack.tz)
    t = context.t
    pack = context.services.content.current.pack
    await context.services.agenda.plan_person(context.person.id)  # the sessions the pack makes them follow
    if notice:
        await message.reply_text(t.paragraph(notice))
    await message.reply_text(
        welcome_text(t, context.person, pack.event.name.get(t.lang, pack.default_language)),
        reply_markup=keyboards.main_menu(t, pack.version, officer=is_officer(context)),
    )


async def menu_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await send_menu(update.effective_message, context)


async def send_menu(message: Message, context: BotContext) -> None:
    t = context.t
    pack = context.services.content.current.pack
    await message.reply_text(t.paragraph(t._("What would you like to know?")), reply_markup=keyboards.main_menu(t, pack.version, officer=is_officer(context)))


async def show_menu(update: Update, context: BotContext, pressed: Pressed[None]) -> None:
    t = context.t
    await show(update, t.paragraph(t._("What would you like to know?")), keyboards.main_menu(t, pressed.pack.version, officer=is_officer(context)))


BUTTONS = feature_buttons(Route(Action.MENU, show_menu))


def help_text(t: Translator, person: Person) -> str:
    lines = [
        t._("Ask me a question in your own words, for example “Where is the prayer room?” or “What is on now?”."),
        "",
        t._("/menu – the main menu"),
        t._("/language – change the language"),
        t._("/help – this help"),
        t._("/agenda – the sessions you follow"),
        t._("/agenda ics – your agenda as a calendar file, and a private address to subscribe to"),
        t._("/reminders – when to remind you of your sessions"),
        t._("/briefing HOUR – your day's agenda every morning (off: none)"),
        t._("/requests – your requests to a liaison officer"),
    ]
    if person.is_officer:
        lines += [
            "",
            t._("For liaison officers:"),
            t._("/queue – your requests, the unclaimed and the overdue ones"),
            t._("/duty on|off – go on or off duty"),
            t._("/handover NUMBER OFFICER [NOTE] – hand a request over"),
            t._("/escalate NUMBER [NOTE] – escalate a request to the supervisors"),
        ]
    if person.role == Role.ORGANISER:
        lines += [
            "",
            t._("For organisers:"),
            t._("/invite ROLE DELEGATION [USES] [DAYS] – make an invite link"),
            t._("/invites – the recent invites, with their numbers"),
            t._("/revoke NUMBER – withdraw an invite"),
            t._("/role TELEGRAM_ID ROLE – see or change someone's role"),
            t._("/assign OFFICER [LANGUAGES CATEGORIES DELEGATIONS] – what a liaison officer covers"),
            t._("/unanswered – questions the assistant could not answer"),
            t._("/reload – reload the content pack"),
            t._("/delay SESSION MINUTES – announce a delay (0 undoes it; cancel: cancelled)"),
            t._("/attach NUMBER ENTRY-ID – teach the assistant an unanswered question"),
            t._("/focal TELEGRAM_ID on|off – make someone their delegation's focal point"),
            t._("/broadcast – a message to many people, each in their language"),
            t._("/broadcasts – the latest broadcasts: progress, report, correction, recall"),
        ]
    return t.paragraph("\n".join(lines))


async def help_command(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return
    pack = context.services.content.current.pack
    await update.effective_message.reply_text(
        help_text(context.t, context.person), reply_markup=keyboards.main_menu(context.t, pack.version, officer=is_officer(context))
    )
