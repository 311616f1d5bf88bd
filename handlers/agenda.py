"""My agenda: follow buttons, /agenda, reminder settings (/reminders), the organisers' /delay,
and the renderers of reminders and programme-change notices (made at send time, in the
recipient's language of that moment). The rules are in :mod:`bot.services.agenda`."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.app import Services
from bot.callbacks import entry, one_of
from bot.cards import esc, pack_name, pack_text, place_line, schedule_line, value, when_line
from bot.catalog.models import ContentPack, Session
from bot.delivery.message import Button, Message, Skip
from bot.delivery.outbox import Renderer, RenderRequest
from bot.i18n import Translator, translator
from bot.services.agenda import (
    BRIEFING,
    CHANGE,
    DELEGATION,
    LEAD_CHOICES,
    MAX_DELAY,
    OFF,
    REMINDER,
    AgendaError,
    LiveSession,
    clashes,
    shape_from_json,
)
from bot.services.calendar import agenda_ics
from bot.services.people import AccessDenied
from bot.services.roles import RoleRefused
from bot.store.models import Role
from bot.web.calendar import calendar_url
from handlers import Action, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext
from handlers.replies import reply_in_parts
from handlers.roles import REFUSALS, who

log = logging.getLogger(__name__)
LEAD_WORDS = tuple(str(n) for n in LEAD_CHOICES) + ("off", "default")
DELAY_RE = re.compile(r"^-?[0-9]{1,4}$")


# -- follow buttons ----------------------------------------------------------------------------
def follow_button(t: Translator, pack: ContentPack, session: Session, following: bool) -> InlineKeyboardButton | None:
    """The follow (or unfollow) button of a session's card, or None when its id does not fit."""
    action = Action.UNFOLLOW if following else Action.FOLLOW
    if not keyboards.fits(action, session.id):
        return None
    text = t._("✅ In my agenda (remove)") if following else t._("⭐ Add to my agenda")
    return keyboards.button(text, action, session.id, pack=pack.version)


def overlay_note(t: Translator, live: LiveSession | None, pack: ContentPack) -> str:
    """The organisers' live change to a session, as a line above its card ('' when none)."""
    if live is None:
        return ""
    if live.cancelled:
        return t.paragraph("<b>" + esc(t._("❌ This session has been cancelled.")) + "</b>\n")
    if live.delay_minutes:
        # TRANSLATORS: {n} is a number of minutes; {start} and {end} the new clock times ("09:20")
        note = t.ngettext("⏳ Delayed by {n} minute: now {start}–{end}.", "⏳ Delayed by {n} minutes: now {start}–{end}.",
                          abs(live.delay_minutes)).format(
            n=t.number(live.delay_minutes), start=t.isolate(t.time(live.start, pack.tz)), end=t.isolate(t.time(live.end, pack.tz)))
        return t.paragraph("<b>" + esc(note) + "</b>\n")
    return ""


def delegation_button(t: Translator, pack: ContentPack, session: Session, following: bool) -> InlineKeyboardButton | None:
    """A focal point's button: the session for (or no longer for) their whole delegation."""
    action = Action.DUNFOLLOW if following else Action.DFOLLOW
    if not keyboards.fits(action, session.id):
        return None
    text = t._("👥 Remove for my whole delegation") if following else t._("👥 Add for my whole delegation")
    return keyboards.button(text, action, session.id, pack=pack.version)


async def card_extras(context: BotContext, pack: ContentPack, session: Session) -> tuple[str, list[InlineKeyboardButton]]:
    """What a session's card (or an answer about a session) adds for the agenda: the overlay's
    note, and the row of follow buttons (a focal point's included)."""
    agenda, person, t = context.services.agenda, context.person, context.t
    following = await agenda.follows(person.id, session.id)
    row = [b for b in [follow_button(t, pack, session, following)] if b is not None]
    async with context.services.db.session() as s:
        focal = await agenda.is_focal_point(s, person)
    if focal:
        button = delegation_button(t, pack, session, await agenda.delegation_follows(person, session.id))
        if button is not None:
            row.append(button)
    return overlay_note(t, agenda.live(session.id, pack), pack), row


def live_programme(context: BotContext, pack: ContentPack,
                   sessions: Iterable[Session] | None = None) -> tuple[list[Session], frozenset[str]]:
    """The sessions (the pack's, unless given) at the times they now run, the organisers'
    /delay applied, and the ids of those they cancelled: what every list of sessions shows."""
    agenda = context.services.agenda
    shown, cancelled = [], set()
    for session in pack.sessions if sessions is None else sessions:
        live = agenda.live_of(session)
        shown.append(session.model_copy(update={"start": live.start, "end": live.end}) if live.delay_minutes
                     else session)
        if live.cancelled:
            cancelled.add(session.id)
    return shown, frozenset(cancelled)


def _swap_follow_button(markup: InlineKeyboardMarkup | None, replacement: InlineKeyboardButton, session_id: str,
                        codes: tuple[str, str] = (Action.FOLLOW, Action.UNFOLLOW)) -> InlineKeyboardMarkup | None:
    if markup is None:
        return None
    rows = []
    swapped = False
    for row in markup.inline_keyboard:
        new_row = []
        for b in row:
            data = callbacks.decode(b.callback_data if isinstance(b.callback_data, str) else None)
            if data is not None and data.code in codes and data.argument == session_id:
                new_row.append(replacement)
                swapped = True
            else:
                new_row.append(b)
        rows.append(new_row)
    return InlineKeyboardMarkup(rows) if swapped else None


async def _after_press(update: Update, context: BotContext, pack: ContentPack, session: Session, following: bool) -> None:
    query = update.callback_query
    button = follow_button(context.t, pack, session, following)
    if query is None or query.message is None or button is None:
        return
    markup = _swap_follow_button(getattr(query.message, "reply_markup", None), button, session.id)
    if markup is not None:
        try:
            await query.edit_message_reply_markup(markup)
        except BadRequest as exc:
            log.info("could not update the follow button: %s", exc)


async def follow_pressed(update: Update, context: BotContext, pressed: Pressed[Session]) -> str | None:
    t, session = context.t, pressed.value
    agenda = context.services.agenda
    try:
        await agenda.follow(context.person, session.id)
    except AgendaError:
        return t._("This session is no longer in the programme.")
    await _after_press(update, context, pressed.pack, session, True)
    async with context.services.db.session() as s:
        lead = await agenda.lead_of(s, context.person.id)
    if lead == OFF:
        return t._("Added to your agenda. Reminders are off (/reminders).")
    live = agenda.live(session.id)
    if live is not None and agenda.too_soon(live, lead):
        left = math.ceil((live.start - context.services.clock.now()).total_seconds() / 60)
        if left <= 0:
            return t._("Added to your agenda. It has already started.")
        # TRANSLATORS: {n} is a number of minutes; the person's reminders come earlier than that
        return t.ngettext("Added to your agenda. It starts in {n} minute: too soon for a reminder.",
                          "Added to your agenda. It starts in {n} minutes: too soon for a reminder.",
                          left).format(n=t.number(left))
    # TRANSLATORS: {n} is a number of minutes
    return t.ngettext("Added to your agenda. I will remind you {n} minute before.",
                      "Added to your agenda. I will remind you {n} minutes before.", lead).format(n=t.number(lead))


async def delegation_pressed(update: Update, context: BotContext, pressed: Pressed[Session], on: bool) -> str | None:
    t, session = context.t, pressed.value
    try:
        members = await context.services.agenda.follow_for_delegation(context.person, session.id, on)
    except AgendaError as error:
        if error.reason == "not-focal":
            return t._("Only your delegation's focal point can do this.")
        return t._("This session is no longer in the programme.")
    button = delegation_button(t, pressed.pack, session, on)
    query = update.callback_query
    if query is not None and query.message is not None and button is not None:
        markup = _swap_follow_button(getattr(query.message, "reply_markup", None), button, session.id,
                                     (Action.DFOLLOW, Action.DUNFOLLOW))
        if markup is not None:
            try:
                await query.edit_message_reply_markup(markup)
            except BadRequest as exc:
                log.info("could not update the delegation button: %s", exc)
    if on:
        # TRANSLATORS: {n} is how many members of the delegation now have the session in their agenda
        return t.ngettext("Added to the agenda of {n} member of your delegation.",
                          "Added to the agenda of {n} members of your delegation.", members).format(n=t.number(members))
    return t._("Removed from your delegation's agenda; members who added it themselves keep it.")


async def delegation_follow_pressed(update: Update, context: BotContext, pressed: Pressed[Session]) -> str | None:
    return await delegation_pressed(update, context, pressed, True)


async def delegation_unfollow_pressed(update: Update, context: BotContext, pressed: Pressed[Session]) -> str | None:
    return await delegation_pressed(update, context, pressed, False)


async def focal_command(update: Update, context: BotContext) -> None:
    """/focal WHO on|off (organisers): make someone their delegation's focal point, or not."""
    message = update.effective_message
    if message is None:
        return
    t, services = context.t, context.services
    try:
        await services.people.require(context.person.telegram_id, Role.ORGANISER)
    except AccessDenied:
        await message.reply_text(t.paragraph(t._("Sorry, this command is for organisers only.")))
        return
    args = list(context.args or [])
    if len(args) != 2 or args[1].lower() not in ("on", "off"):
        await message.reply_text(t.paragraph(t._("Usage: /focal TELEGRAM_ID on|off, for example /focal 123456789 on")))
        return
    try:
        person = await services.roles.find(args[0])
    except RoleRefused as refused:
        await message.reply_text(t.paragraph(t._(REFUSALS[refused.problem]).format(person=value(t, args[0][:64]))))
        return
    on = args[1].lower() == "on"
    try:
        await services.agenda.set_focal_point(person, on)
    except AgendaError:
        # TRANSLATORS: {person} is a name and Telegram id ("Ana (123456789)")
        await message.reply_text(t.paragraph(t._("{person} has no delegation: a focal point needs one.").format(person=who(t, person))))
        return
    if on:
        # TRANSLATORS: {person} is a name and Telegram id ("Ana (123456789)")
        done = t._("{person} is now their delegation's focal point: they can add a session to the agenda of all its members.")
    else:
        # TRANSLATORS: {person} is a name and Telegram id ("Ana (123456789)")
        done = t._("{person} is no longer a focal point.")
    await message.reply_text(t.paragraph(done.format(person=who(t, person))))


async def unfollow_pressed(update: Update, context: BotContext, pressed: Pressed[Session]) -> str | None:
    await context.services.agenda.unfollow(context.person, pressed.value.id)
    await _after_press(update, context, pressed.pack, pressed.value, False)
    return context.t._("Removed from your agenda.")


# -- my agenda ---------------------------------------------------------------------------------
async def agenda_text(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t, services = context.t, context.services
    pack = services.content.current.pack
    sessions = await services.agenda.agenda(context.person.id)
    lines = ["<b>" + esc(t._("🗓 My agenda")) + "</b>"]
    rows: list[list[InlineKeyboardButton]] = []
    if not sessions:
        lines.append(esc(t._("You are not following any session yet. Open a session of the programme and tap “Add to my agenda”.")))
    else:
        now = services.clock.now()
        running = [s for s in sessions if not s.cancelled and s.start <= now < s.end]
        upcoming = [s for s in sessions if not s.cancelled and s.start > now]
        if running:
            # TRANSLATORS: {title} is the title of a session on now, in the person's agenda
            lines.append(esc(t._("Now: {title}")).format(title=pack_text(t, running[0].session.title, pack)))
        if upcoming:
            # TRANSLATORS: {time} is a day and clock time ("Sat 25 Oct, 09:00"); {title} the session's title
            lines.append(esc(t._("Next: {time} · {title}")).format(
                time=t.isolate(esc(t.datetime(upcoming[0].start, pack.tz))), title=pack_text(t, upcoming[0].session.title, pack)))
        if not running and not upcoming:
            lines.append(esc(t._("Nothing more on your agenda.")))
        clashing = clashes(sessions)
        day: dt.date | None = None
        for live in sessions:
            local_day = live.start.astimezone(pack.tz).date()
            if local_day != day:
                day = local_day
                lines.extend(["", "<b>" + esc(t.heading(t.date(day, fmt="day"))) + "</b>"])
            shown = live.session.model_copy(update={"start": live.start, "end": live.end})
            line = schedule_line(t, shown, pack)
            if live.cancelled:
                line = "<s>" + line + "</s> " + esc(t._("(cancelled)"))
            elif live.id in clashing:
                line += " " + esc(t._("⚠️ clashes with another session of your agenda"))
            lines.append(line)
        # TRANSLATORS: {zone} is the event's time zone, e.g. "UTC+7"
        lines.extend(["", "<i>" + esc(t._("Times are local ({zone}).").format(zone=t.isolate(t.zone_label(pack.tz, sessions[0].start)))) + "</i>"])
        for live in upcoming[: keyboards.PAGE]:
            if keyboards.fits(Action.SESSION, live.id):
                rows.append([keyboards.button(keyboards.session_label(t, pack, live.session, with_day=True), Action.SESSION,
                                              live.id, pack=pack.version)])
    rows.append([keyboards.button(t._("⏰ Reminders"), Action.REMINDERS, pack=pack.version)])
    rows.append(keyboards.back_to_menu(t, pack.version))
    return t.paragraph("\n".join(lines)), InlineKeyboardMarkup(rows)


async def agenda_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = context.t
    if not context.services.people.may_read_public_info(context.person):
        await message.reply_text(t.paragraph(t._("This assistant is for accredited participants. Please open the invite link you received.")))
        return
    args = [a.lower() for a in context.args or []]
    if args and args[0] == "ics":
        await send_calendar(update, context, renew=args[1:2] == ["new"])
        return
    text, markup = await agenda_text(context)
    await reply_in_parts(message, text, markup)


async def send_calendar(update: Update, context: BotContext, *, renew: bool = False) -> None:
    """/agenda ics: the agenda as an .ics file, and the private subscription URL when the bot
    has a public address (/agenda ics new: a new URL, the old one stops working)."""
    message = update.effective_message
    assert message is not None
    t, services = context.t, context.services
    agenda = services.agenda
    pack = services.content.current.pack
    async with services.db.session() as s:
        lead = await agenda.lead_of(s, context.person.id)
    body = agenda_ics(pack, await agenda.agenda(context.person.id), t.lang, lead, services.clock.now())
    token = await agenda.calendar_token(context.person, renew=renew)
    url = calendar_url(services, token)
    lines = [esc(t._("Your agenda as a calendar file: open it to add the sessions to your calendar. "
                     "Importing it again updates them instead of adding copies."))]
    if url is not None:
        lines.append(esc(t._("To keep your calendar up to date, subscribe to this private address "
                             "(do not share it; /agenda ics new replaces it):")))
        lines.append(t.isolate(esc(url)))
    await message.reply_document(InputFile(body, filename=f"{pack.event.id}-agenda.ics"),
                                 caption=t.paragraph("\n".join(lines)))


async def agenda_pressed(update: Update, context: BotContext, pressed: Pressed[None]) -> None:
    text, markup = await agenda_text(context)
    await show(update, text, markup)


# -- reminder settings -------------------------------------------------------------------------
def lead_words(t: Translator, lead: int) -> str:
    if lead == OFF:
        return t._("off")
    # TRANSLATORS: {n} is a number of minutes before a session
    return t.ngettext("{n} minute before each session", "{n} minutes before each session", lead).format(n=t.number(lead))


async def reminders_view(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t, agenda = context.t, context.services.agenda
    pack = context.services.content.current.pack
    settings = await agenda.settings(context.person.id)
    chosen = settings.lead_minutes if settings is not None else None
    in_force = agenda.default_lead() if chosen is None else chosen
    # TRANSLATORS: {lead} says when reminders come ("30 minutes before each session", or "off")
    lines = [esc(t._("Reminders of the sessions in your agenda: {lead}.")).format(lead=esc(lead_words(t, in_force))),
             esc(briefing_words(t, settings.briefing_hour if settings is not None else None)),
             esc(t._("Choose when to be reminded:"))]

    def mark(text: str, on: bool) -> str:
        return ("✓ " if on else "") + text

    # TRANSLATORS: a button: {n} is a number of minutes
    choices = [keyboards.button(mark(t._("{n} min").format(n=t.number(n)), chosen == n), Action.REMINDERS, str(n), pack=pack.version)
               for n in LEAD_CHOICES]
    rows = [choices,
            [keyboards.button(mark(t._("No reminders"), chosen == OFF), Action.REMINDERS, "off", pack=pack.version),
             # TRANSLATORS: a button: the event's default lead time, {n} minutes
             keyboards.button(mark(t._("Default ({n} min)").format(n=t.number(agenda.default_lead())), chosen is None),
                              Action.REMINDERS, "default", pack=pack.version)],
            [keyboards.button(t._("🗓 My agenda"), Action.AGENDA, pack=pack.version)]]
    return t.paragraph("\n".join(lines)), InlineKeyboardMarkup(rows)


def parse_lead(word: str) -> int | None:
    """"10" ... "60", "off" or "default" (None); anything else raises AgendaError."""
    word = word.strip().lower()
    if word == "default":
        return None
    if word == "off":
        return OFF
    if word.isascii() and word.isdigit() and int(word) in LEAD_CHOICES:  # not "²": int() refuses it
        return int(word)
    raise AgendaError("lead")


async def reminders_command(update: Update, context: BotContext) -> None:
    """/reminders: the settings; /reminders 15 (or off, default): set them."""
    message = update.effective_message
    if message is None:
        return
    t = context.t
    args = list(context.args or [])
    if args:
        try:
            lead = parse_lead(args[0])
        except AgendaError:
            await message.reply_text(t.paragraph(t._("Choose 10, 15, 30 or 60 minutes, “off” or “default”, for example /reminders 15")))
            return
        in_force = await context.services.agenda.set_lead(context.person, lead)
        # TRANSLATORS: {lead} says when reminders come ("30 minutes before each session", or "off")
        await message.reply_text(t.paragraph(esc(t._("Reminders: {lead}.").format(lead=lead_words(t, in_force)))))
        return
    text, markup = await reminders_view(context)
    await message.reply_text(text, reply_markup=markup)


async def reminders_pressed(update: Update, context: BotContext, pressed: Pressed[str | None]) -> str | None:
    t = context.t
    notice = None
    if pressed.value:
        in_force = await context.services.agenda.set_lead(context.person, parse_lead(pressed.value))
        # TRANSLATORS: {lead} says when reminders come ("30 minutes before each session", or "off")
        notice = t._("Reminders: {lead}.").format(lead=lead_words(t, in_force))
    text, markup = await reminders_view(context)
    await show(update, text, markup)
    return notice


def _lead_rule(argument: str, pack: ContentPack) -> str | None:
    if not argument:
        return None
    return one_of(LEAD_WORDS)(argument, pack)


async def briefing_command(update: Update, context: BotContext) -> None:
    """/briefing HOUR (0-23, event time) or /briefing off: the morning briefing of one's day."""
    message = update.effective_message
    if message is None:
        return
    t, agenda = context.t, context.services.agenda
    args = list(context.args or [])
    if not args:
        settings = await agenda.settings(context.person.id)
        await message.reply_text(t.paragraph(esc(briefing_words(t, settings.briefing_hour if settings else None))))
        return
    word = args[0].strip().lower()
    if word == "off":
        hour = None
    elif word.isascii() and word.isdigit() and 0 <= int(word) <= 23:
        hour = int(word)
    else:
        await message.reply_text(t.paragraph(t._("Choose an hour from 0 to 23, or “off”, for example /briefing 7")))
        return
    await agenda.set_briefing(context.person, hour)
    await message.reply_text(t.paragraph(esc(briefing_words(t, hour))))


def briefing_words(t: Translator, hour: int | None) -> str:
    if hour is None:
        return t._("Morning briefing: off. /briefing 7 sends you your day's agenda at 07:00.")
    # TRANSLATORS: {time} is a clock time in the event's time zone ("07:00")
    return t._("Morning briefing: your day's agenda every day of the event at {time}.").format(
        time=t.isolate(t.time(dt.datetime(2000, 1, 1, hour, tzinfo=dt.UTC))))


# -- organisers: /delay ------------------------------------------------------------------------
async def delay_command(update: Update, context: BotContext) -> None:
    """/delay SESSION MINUTES (0 undoes), /delay SESSION cancel: the live overlay."""
    message = update.effective_message
    if message is None:
        return
    t, services = context.t, context.services
    try:
        person = await services.people.require(context.person.telegram_id, Role.ORGANISER)
    except AccessDenied:
        log.info("/delay refused to a non-organiser %s", context.person.telegram_id)
        await message.reply_text(t.paragraph(t._("Sorry, this command is for organisers only.")))
        return
    args = list(context.args or [])
    usage = t._("Usage: /delay SESSION MINUTES (0 to undo), or /delay SESSION cancel")
    if len(args) < 2:
        await message.reply_text(t.paragraph(usage))
        return
    # the session by its id or by words of its title ("/delay press briefing 20")
    wanted, amount = " ".join(args[:-1])[:200], args[-1].lower()
    pack = services.content.current.pack
    found = pack.find_sessions(wanted)
    if not found:
        # TRANSLATORS: {id} is what the organiser typed where a session id was expected
        await message.reply_text(t.paragraph(t._("There is no session “{id}” in the programme.").format(
            id=value(t, wanted[:64]))))
        return
    if len(found) > 1:
        # TRANSLATORS: {text} is what the organiser typed; a list of sessions, each with its id, follows
        lines = [t._("Several sessions match {text}: use one of these ids.").format(text=value(t, wanted[:64]))]
        lines += [f"• <code>{esc(s.id)}</code> · {pack_name(t, s.title, pack)} · "
                  f"{t.isolate(t.datetime(s.start, pack.tz))}" for s in found]
        await message.reply_text(t.paragraph("\n".join(lines)))
        return
    session = found[0]
    session_id = session.id
    cancelled = amount == "cancel"
    if not cancelled and not (DELAY_RE.match(amount) and abs(int(amount)) <= MAX_DELAY):
        await message.reply_text(t.paragraph(usage))
        return
    minutes = 0 if cancelled else int(amount)
    live, notices = await services.agenda.set_overlay(session_id, delay_minutes=minutes, cancelled=cancelled,
                                                     actor=f"telegram:{person.telegram_id}")
    title = pack_name(t, session.title, pack)
    if live.cancelled:
        # TRANSLATORS: {title} is a session's title
        done = t._("{title} is now marked as cancelled.").format(title=title)
    elif live.delay_minutes:
        # TRANSLATORS: {title} is a session's title; {start} and {end} its new clock times
        done = t._("{title} now runs {start}–{end}.").format(
            title=title, start=t.isolate(t.time(live.start, pack.tz)), end=t.isolate(t.time(live.end, pack.tz)))
    else:
        # TRANSLATORS: {title} is a session's title
        done = t._("{title} is back to the time in the programme.").format(title=title)
    # TRANSLATORS: {n} is how many people were sent a notice of the change
    sent = t.ngettext("{n} follower will be notified.", "{n} followers will be notified.", notices).format(n=t.number(notices))
    await message.reply_text(t.paragraph(done + "\n" + esc(sent)))


# -- renderers (at send time) ------------------------------------------------------------------
def make_renderers(services: Services) -> tuple[Renderer, Renderer, Renderer, Renderer]:
    """The renderers of reminders and programme-change notices, on these services."""
    agenda = services.agenda

    def unreadable(req: RenderRequest) -> Skip | None:
        """Why this row is not for its person (gone, or not accredited to read the programme)."""
        if req.person is None:
            return Skip("no person")
        if not services.people.may_read_public_info(req.person):
            return Skip("not accredited")
        return None

    async def render_reminder(req: RenderRequest) -> Message | Skip:
        if (refused := unreadable(req)) is not None:
            return refused
        assert req.person is not None
        found = await agenda.still_wanted(req.session, req.person, req.spec)
        if isinstance(found, str):
            return Skip(found)
        pack = services.content.current.pack
        t = translator(req.person.language)
        live = found
        minutes = max(1, round((live.start - services.clock.now()).total_seconds() / 60))
        shown = live.session.model_copy(update={"start": live.start, "end": live.end})
        # TRANSLATORS: the first line of a reminder: {n} is a number of minutes, {title} the session's title
        lines = ["⏰ " + t.ngettext("In {n} minute: {title}", "In {n} minutes: {title}", minutes).format(
            n=t.number(minutes), title="<b>" + pack_text(t, live.session.title, pack) + "</b>"),
            "🕘 " + when_line(t, shown, pack)]
        place = place_line(t, live.session, pack)
        if place:
            lines.append("📍 " + place)
            found_place = pack.place(live.session.room)
            if found_place is not None:
                room, venue = found_place
                if room is not None and room.floor:
                    # TRANSLATORS: {floor} is a floor of a building ("2", "Ground")
                    lines.append(t._("Floor: {floor}").format(floor=value(t, room.floor)))
                directions = (room.directions if room else None) or venue.directions
                if directions:
                    # TRANSLATORS: {directions} is the pack's text on how to reach the place
                    lines.append(t._("How to get there: {directions}").format(directions=pack_text(t, directions, pack)))
        buttons = session_button(t, pack, live.id)
        return Message(t.paragraph("\n".join(lines)), buttons=buttons)

    async def render_change(req: RenderRequest) -> Message | Skip:
        if (refused := unreadable(req)) is not None:
            return refused
        assert req.person is not None
        pack = services.content.current.pack
        t = translator(req.person.language)
        session_id = str(req.spec.get("session", ""))
        old, new = shape_from_json(req.spec["old"]), shape_from_json(req.spec["new"])
        session = pack.session(session_id)
        title = pack_text(t, session.title, pack) if session is not None else value(t, session_id)
        # TRANSLATORS: the first line of a notice to the people who follow a session; {title} is its title
        lines = ["📣 " + t._("Programme change: {title}").format(title="<b>" + title + "</b>")]
        if new[3]:
            lines.append(esc(t._("❌ This session has been cancelled.")))
        else:
            if (old[0], old[1]) != (new[0], new[1]):
                # TRANSLATORS: a change of time: {old} and {new} are a day and clock times ("Sat 25 Oct, 09:00–10:30")
                lines.append("🕘 " + t._("Time: {old} → {new}").format(
                    old="<s>" + t.isolate(esc(_when(t, old, pack))) + "</s>", new="<b>" + t.isolate(esc(_when(t, new, pack))) + "</b>"))
            if old[2] != new[2]:
                # TRANSLATORS: a change of room: {old} and {new} are rooms' names
                lines.append("📍 " + t._("Room: {old} → {new}").format(
                    old="<s>" + _room(t, old[2], pack) + "</s>", new="<b>" + _room(t, new[2], pack) + "</b>"))
        buttons = session_button(t, pack, session_id) if session is not None else ()
        return Message(t.paragraph("\n".join(lines)), buttons=buttons)

    async def render_briefing(req: RenderRequest) -> Message | Skip:
        if (refused := unreadable(req)) is not None:
            return refused
        assert req.person is not None
        pack = services.content.current.pack
        t = translator(req.person.language)
        day = dt.date.fromisoformat(str(req.spec.get("day")))
        sessions = await agenda.day_of(req.person.id, day)
        if not sessions:
            return Skip("nothing on the agenda that day")
        # TRANSLATORS: the heading of the morning briefing: {day} is a weekday and date ("Saturday 25 October")
        lines = ["<b>☀️ " + esc(t.heading(t._("Your agenda for {day}").format(day=t.date(day, fmt="day")))) + "</b>"]
        for live in sessions:
            lines.append(schedule_line(t, live.session.model_copy(update={"start": live.start, "end": live.end}), pack))
        # TRANSLATORS: {zone} is the event's time zone, e.g. "UTC+7"
        lines.append("<i>" + esc(t._("Times are local ({zone}).").format(zone=t.isolate(t.zone_label(pack.tz, sessions[0].start)))) + "</i>")
        return Message(t.paragraph("\n".join(lines)))

    async def render_delegation(req: RenderRequest) -> Message | Skip:
        if (refused := unreadable(req)) is not None:
            return refused
        assert req.person is not None
        pack = services.content.current.pack
        live = agenda.live(str(req.spec.get("session", "")))
        if live is None or live.cancelled:
            return Skip("the session left the programme or was cancelled")
        if not await agenda.is_following(req.session, req.person.id, live.id):
            return Skip("no longer followed")
        t = translator(req.person.language)
        shown = live.session.model_copy(update={"start": live.start, "end": live.end})
        # TRANSLATORS: a notice to a delegation's members; {title} is a session's title
        lines = ["👥 " + t._("Your delegation's focal point added a session to your agenda: {title}").format(
            title="<b>" + pack_text(t, live.session.title, pack) + "</b>"), "🕘 " + when_line(t, shown, pack)]
        buttons = session_button(t, pack, live.id)
        return Message(t.paragraph("\n".join(lines)), buttons=buttons)

    return render_reminder, render_change, render_briefing, render_delegation


def session_button(t: Translator, pack: ContentPack, session_id: str) -> tuple[tuple[Button, ...], ...]:
    """A notice's one button, to the session's card (none for an id too long for button data)."""
    if not callbacks.fits(Action.SESSION, session_id):
        return ()
    return ((Button(keyboards.label(t._("Open the session")),
                    callbacks.encode(Action.SESSION, session_id, pack_version=pack.version)),),)


def _when(t: Translator, shape: tuple[dt.datetime, dt.datetime, str, bool], pack: ContentPack) -> str:
    return t.datetime_range(shape[0], shape[1], pack.tz)


def _room(t: Translator, room_id: str, pack: ContentPack) -> str:
    found = pack.place(room_id)
    if found is None:
        return value(t, room_id)
    room, venue = found
    return pack_name(t, room.name if room else venue.name, pack)


def register_renderers(services: Services) -> None:
    """Once per services (an application built again on the same services keeps the first)."""
    if services.outbox.renderers.get(REMINDER) is not None:
        return
    reminder, change, briefing, delegation = make_renderers(services)
    services.outbox.renderers.register(REMINDER, reminder)
    services.outbox.renderers.register(CHANGE, change)
    services.outbox.renderers.register(BRIEFING, briefing)
    services.outbox.renderers.register(DELEGATION, delegation)


BUTTONS = feature_buttons(
    Route(Action.FOLLOW, follow_pressed, argument=entry(ContentPack.session)),
    Route(Action.UNFOLLOW, unfollow_pressed, argument=entry(ContentPack.session)),
    Route(Action.AGENDA, agenda_pressed),
    Route(Action.REMINDERS, reminders_pressed, argument=_lead_rule),
    Route(Action.DFOLLOW, delegation_follow_pressed, argument=entry(ContentPack.session)),
    Route(Action.DUNFOLLOW, delegation_unfollow_pressed, argument=entry(ContentPack.session)),
)
