"""Inline-button navigation: programme, sessions, venues and rooms, FAQ, contacts, language.

Navigation edits the message in place; a card that is worth keeping (a session, an answer)
is sent as a new message. Stale or forged button data get a polite answer.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.cards import (
    contact_card,
    contact_lines,
    esc,
    faq_card,
    room_card,
    schedule_list,
    session_card,
    text_of,
    venue_card,
)
from bot.catalog.models import SESSION_KINDS, ContentPack, Session
from bot.i18n import N_, Translator
from bot.programme import sessions_between, sessions_now_and_next
from handlers import keyboards
from handlers.common import Context, caller, may_read_public_info, services_of
from handlers.language import set_language

log = logging.getLogger(__name__)
PAGE = 8
KIND_NAMES = {
    "ceremony": N_("Ceremonies"),
    "plenary": N_("Plenary sessions"),
    "high-level": N_("High-level discussions"),
    "roundtable": N_("Roundtables"),
    "side-event": N_("Side events"),
    "social": N_("Social events"),
    "exhibition": N_("Exhibitions"),
    "logistics": N_("Transport and logistics"),
}


def kind_name(kind: str, t: Translator) -> str:
    return t._(KIND_NAMES[kind]) if kind in KIND_NAMES else kind


def category_name(pack: ContentPack, category: str, t: Translator) -> str:
    name = pack.category_name(category)
    return text_of(name, t.lang, pack) if name else category.replace("-", " ").capitalize()


def contacts_card(pack: ContentPack, t: Translator) -> str:
    lines = [f"<b>{esc(t._('Help desk and contacts'))}</b>"]
    for contact in pack.event.contacts:
        lines.append("")
        lines.extend(contact_lines(t, contact, pack, t.lang))
    if not pack.event.contacts:
        lines.append(esc(t._("No contacts are listed for this event.")))
    return t.paragraph("\n".join(lines))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    who = await caller(update, context)
    if who is None:
        await query.answer()
        return
    t = who.t
    services = services_of(context)
    content = services.content.current
    pack = content.pack
    decoded = callbacks.decode(query.data, pack_version=pack.version)
    if isinstance(decoded, callbacks.Invalid):
        log.info("invalid button data from %s", who.person.telegram_id)
        await query.answer(t._("This button is no longer valid."), show_alert=False)
        await _show(update, t.paragraph(t._("What would you like to know?")), keyboards.main_menu(t, pack.version))
        return
    if isinstance(decoded, callbacks.Stale):
        button = decoded.button
        if not _still_exists(pack, button):
            await query.answer(t._("The programme has been updated since this button was sent."))
            await _show(
                update,
                t.paragraph(t._("The programme has been updated since this message. Here is the current menu.")),
                keyboards.main_menu(t, pack.version),
            )
            return
    else:
        button = decoded
    if button.action == "lang":
        await query.answer()
        if button.arg:
            await set_language(update, context, button.arg)
        else:
            await _show(update, t.paragraph(t._("Choose your language:")), keyboards.language_picker(who.person.language))
        return
    if not may_read_public_info(services, who.person):
        await query.answer()
        await _show(update, t.paragraph(t._("This assistant is for accredited participants. Please open the invite link you received.")), None)
        return
    await query.answer()
    now = services.clock.now()
    handler = ACTIONS[button.action]
    await handler(update, context, t, pack, button, now)


def _still_exists(pack: ContentPack, button: callbacks.Button) -> bool:
    """An old button still works when what it points to is still in the pack."""
    arg = button.arg
    if button.action == "sess":
        return pack.session(arg) is not None
    if button.action in ("venue",):
        return pack.venue(arg) is not None
    if button.action in ("room", "map"):
        return pack.place(arg) is not None
    if button.action == "faqe":
        return pack.faq_entry(arg) is not None
    if button.action == "contact":
        return pack.contact(arg) is not None
    return True


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None, *, new: bool = False) -> None:
    query = update.callback_query
    if query is not None and query.message is not None and not new:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit, sending instead: %s", exc)
    chat = update.effective_chat
    if chat is not None:
        await update.get_bot().send_message(chat.id, text, reply_markup=markup)


def _b(text: str, action: str, arg: str = "", page: int = 0, *, pack: ContentPack) -> InlineKeyboardButton:
    return keyboards.button(text, action, arg, page, pack=pack.version)


def _session_label(t: Translator, pack: ContentPack, session: Session, with_day: bool = False) -> str:
    when = t.datetime(session.start, pack.tz) if with_day else t.time(session.start, pack.tz)
    title = session.title.get(t.lang, pack.default_language)
    label = f"{when} · {title}"
    return label if len(label) <= 60 else label[:59] + "…"


def _pager(t: Translator, pack: ContentPack, action: str, arg: str, page: int, total: int) -> list[InlineKeyboardButton]:
    """◀ Previous / Next ▶ for a list shown PAGE items at a time."""
    nav = []
    if page > 0:
        nav.append(_b(t._("◀ Previous"), action, arg, page - 1, pack=pack))
    if (page + 1) * PAGE < total:
        nav.append(_b(t._("Next ▶"), action, arg, page + 1, pack=pack))
    return nav


def _session_buttons(
    t: Translator, pack: ContentPack, sessions: list[Session], action: str, arg: str, page: int, with_day: bool = False
) -> list[list[InlineKeyboardButton]]:
    rows = []
    shown = sessions[page * PAGE : (page + 1) * PAGE]
    for session in shown:
        if callbacks.fits("sess", session.id):
            rows.append([_b(_session_label(t, pack, session, with_day), "sess", session.id, pack=pack)])
    if nav := _pager(t, pack, action, arg, page, len(sessions)):
        rows.append(nav)
    return rows


# -- actions --------------------------------------------------------------------------------
async def act_menu(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    await _show(update, t.paragraph(t._("What would you like to know?")), keyboards.main_menu(t, pack.version))


async def act_programme(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    arg, tz = button.arg, pack.tz
    today = now.astimezone(tz).date()
    if arg == "":
        rows = [
            [_b(t._("⏱ Now and next"), "prog", "now", pack=pack)],
            [_b(t._("Today"), "prog", "today", pack=pack), _b(t._("Tomorrow"), "prog", "tomorrow", pack=pack)],
            [_b(t.date(day, fmt="day"), "prog", f"day:{day.isoformat()}", pack=pack) for day in pack.event_days()[:3]],
            [_b(t._("By kind of session"), "prog", "kinds", pack=pack)],
            keyboards.back_to_menu(t, pack.version),
        ]
        await _show(update, t.paragraph(t._("Programme of {event}").format(event=t.isolate(esc(pack.event.name.get(t.lang, pack.default_language))))), InlineKeyboardMarkup(rows))
        return
    if arg == "now":
        running, upcoming = sessions_now_and_next(pack, now)
        if running:
            heading = t._("On now, and next")
        elif upcoming:
            heading = t._("Nothing is on right now. Next:")
        else:
            heading = t._("There is nothing more in the programme.")
        text = schedule_list(running + upcoming, pack, t.lang, esc(heading))
        rows = _session_buttons(t, pack, running + upcoming, "prog", "now", 0, with_day=True)
        rows.append(keyboards.back_to_menu(t, pack.version))
        await _show(update, text, InlineKeyboardMarkup(rows))
        return
    if arg in ("today", "tomorrow"):
        day = today if arg == "today" else today + dt.timedelta(days=1)
        arg = f"day:{day.isoformat()}"
    if arg.startswith("day:"):
        try:
            day = dt.date.fromisoformat(arg[4:])
        except ValueError:
            await act_menu(update, context, t, pack, button, now)
            return
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        sessions = sessions_between(pack, start, start + dt.timedelta(days=1))
        if sessions:
            text = schedule_list(sessions, pack, t.lang, esc(t.date(day, fmt="day")))
        else:
            text = t.paragraph(
                t._("No sessions on {day}. The event runs from {start} to {end}.").format(
                    day=t.date(day, fmt="day"), start=t.date(pack.event.start, fmt="day"), end=t.date(pack.event.end, fmt="day")
                )
            )
        rows = _session_buttons(t, pack, sessions, "prog", arg, button.page)
        if not sessions:
            rows.append([_b(t.date(d, fmt="day"), "prog", f"day:{d.isoformat()}", pack=pack) for d in pack.event_days()[:3]])
        rows.append([_b(t._("◀ Programme"), "prog", pack=pack)])
        await _show(update, text, InlineKeyboardMarkup(rows))
        return
    if arg == "kinds":
        present = [k for k in SESSION_KINDS if any(s.kind == k for s in pack.sessions)]
        rows = [[_b(kind_name(k, t), "prog", f"kind:{k}", pack=pack)] for k in present]
        rows.append([_b(t._("◀ Programme"), "prog", pack=pack)])
        await _show(update, t.paragraph(t._("Which kind of session?")), InlineKeyboardMarkup(rows))
        return
    if arg.startswith("kind:"):
        kind = arg[5:]
        sessions = [s for s in pack.sessions_sorted() if s.kind == kind]
        text = schedule_list(sessions, pack, t.lang, esc(kind_name(kind, t)))
        rows = _session_buttons(t, pack, sessions, "prog", arg, button.page, with_day=True)
        rows.append([_b(t._("◀ Programme"), "prog", "kinds", pack=pack)])
        await _show(update, text, InlineKeyboardMarkup(rows))
        return
    await act_menu(update, context, t, pack, button, now)


async def act_session(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    session = pack.session(button.arg)
    if session is None:
        await act_menu(update, context, t, pack, button, now)
        return
    await _show(update, session_card(session, pack, t.lang), session_keyboard(t, pack, session), new=True)


def session_keyboard(t: Translator, pack: ContentPack, session: Session) -> InlineKeyboardMarkup:
    rows = []
    place = pack.place(session.room)
    if place is not None:
        room, venue = place
        target = room.id if room is not None else venue.id
        row = []
        if callbacks.fits("room", target):
            row.append(_b(t._("🧭 Directions"), "room" if room is not None else "venue", target, pack=pack))
        if venue.geo is not None and callbacks.fits("map", venue.id):
            row.append(_b(t._("🗺 Map"), "map", venue.id, pack=pack))
        if row:
            rows.append(row)
    day = session.start.astimezone(pack.tz).date()
    rows.append([_b(t._("◀ Programme of the day"), "prog", f"day:{day.isoformat()}", pack=pack)])
    return InlineKeyboardMarkup(rows)


async def act_venues(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    rows = [[_b(v.name.get(t.lang, pack.default_language), "venue", v.id, pack=pack)] for v in pack.venues if callbacks.fits("venue", v.id)]
    rows.append(keyboards.back_to_menu(t, pack.version))
    await _show(update, t.paragraph(t._("Venues")), InlineKeyboardMarkup(rows))


async def act_venue(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    venue = pack.venue(button.arg)
    if venue is None:
        await act_venues(update, context, t, pack, button, now)
        return
    rooms = [r for r in venue.rooms if callbacks.fits("room", r.id)]
    shown = rooms[button.page * PAGE : (button.page + 1) * PAGE]
    rows = [[_b(r.name.get(t.lang, pack.default_language), "room", r.id, pack=pack)] for r in shown]
    if nav := _pager(t, pack, "venue", venue.id, button.page, len(rooms)):
        rows.append(nav)
    if venue.geo is not None:
        rows.append([_b(t._("🗺 Map"), "map", venue.id, pack=pack)])
    rows.append([_b(t._("◀ Venues"), "venues", pack=pack)])
    await _show(update, venue_card(venue, pack, t.lang), InlineKeyboardMarkup(rows))


async def act_room(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    found = pack.room_with_venue(button.arg)
    if found is None:
        await act_venue(update, context, t, pack, button, now)
        return
    room, venue = found
    rows = []
    if venue.geo is not None:
        rows.append([_b(t._("🗺 Map"), "map", venue.id, pack=pack)])
    rows.append([_b(t._("◀ {venue}").format(venue=venue.name.get(t.lang, pack.default_language)), "venue", venue.id, pack=pack)])
    await _show(update, room_card(room, venue, pack, t.lang), InlineKeyboardMarkup(rows), new=True)


async def act_map(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    place = pack.place(button.arg)
    chat = update.effective_chat
    if place is None or chat is None or place[1].geo is None:
        await _show(update, t.paragraph(t._("There is no map location for this place.")), None, new=True)
        return
    room, venue = place
    assert venue.geo is not None
    title = venue.name.get(t.lang, pack.default_language)
    if room is not None:
        title = f"{room.name.get(t.lang, pack.default_language)} · {title}"
    address = venue.address.get(t.lang, pack.default_language) if venue.address else ""
    await context.bot.send_venue(chat.id, latitude=venue.geo.lat, longitude=venue.geo.lon, title=title[:100], address=address[:100] or title[:100])


async def act_faq(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    if not button.arg:
        categories = []
        for entry in pack.faq:
            if entry.category not in categories:
                categories.append(entry.category)
        rows, row = [], []
        for category in categories:
            if not callbacks.fits("faq", category):
                continue
            row.append(_b(category_name(pack, category, t), "faq", category, pack=pack))
            if len(row) == 2:
                rows.append(row)
                row = []
        if row:
            rows.append(row)
        rows.append(keyboards.back_to_menu(t, pack.version))
        await _show(update, t.paragraph(t._("Practical information: choose a topic, or just ask me.")), InlineKeyboardMarkup(rows))
        return
    entries = [e for e in pack.faq if e.category == button.arg and callbacks.fits("faqe", e.id)]
    shown = entries[button.page * PAGE : (button.page + 1) * PAGE]
    rows = [[_b(_question_label(t, pack, e), "faqe", e.id, pack=pack)] for e in shown]
    if nav := _pager(t, pack, "faq", button.arg, button.page, len(entries)):
        rows.append(nav)
    rows.append([_b(t._("◀ Topics"), "faq", pack=pack)])
    await _show(update, t.paragraph(category_name(pack, button.arg, t)), InlineKeyboardMarkup(rows))


def _question_label(t: Translator, pack: ContentPack, entry) -> str:  # noqa: ANN001
    questions = entry.questions.get(t.lang) or entry.questions.get(pack.default_language) or next(iter(entry.questions.values()))
    label = questions[0]
    return label if len(label) <= 60 else label[:59] + "…"


async def act_faq_entry(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    entry = pack.faq_entry(button.arg)
    if entry is None:
        await act_faq(update, context, t, pack, callbacks.Button("faq"), now)
        return
    rows = [[_b(t._("◀ {topic}").format(topic=category_name(pack, entry.category, t)), "faq", entry.category, pack=pack)]]
    await _show(update, faq_card(entry, pack, t.lang), InlineKeyboardMarkup(rows), new=True)


async def act_contacts(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    await _show(update, contacts_card(pack, t), InlineKeyboardMarkup([keyboards.back_to_menu(t, pack.version)]))


async def act_contact(update: Update, context: Context, t: Translator, pack: ContentPack, button: callbacks.Button, now: dt.datetime) -> None:
    contact = pack.contact(button.arg)
    if contact is None:
        await act_contacts(update, context, t, pack, button, now)
        return
    await _show(update, contact_card(contact, pack, t.lang), None, new=True)


ACTIONS = {
    "menu": act_menu,
    "prog": act_programme,
    "sess": act_session,
    "venues": act_venues,
    "venue": act_venue,
    "room": act_room,
    "map": act_map,
    "faq": act_faq,
    "faqe": act_faq_entry,
    "contacts": act_contacts,
    "contact": act_contact,
}
