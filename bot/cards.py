"""Cards: the pack's entries rendered as Telegram HTML in the user's language.

Every label and sentence goes through the translator (``t._``) with named placeholders;
pack text is shown in the user's language (falling back to the pack's default language)
and always HTML-escaped. Times are the pack's own, converted to the event's time zone and
formatted by the translator, with the zone label ("UTC+7") so nobody reads them in their
phone's zone. In Arabic every line starts right-to-left (``t.paragraph``), values inside a
sentence are isolated (``t.isolate``), and the pack's free texts keep their phone numbers,
e-mails and Latin words in order (``t.embed``): the helpers below do both, use them for any
new card (see README, "Rendering").

Services and handlers call these; nothing here imports telegram.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Collection, Iterable

from babel.core import get_global

from bot.catalog.models import Contact, ContentPack, FaqEntry, Room, Session, Speaker, Text, Venue
from bot.i18n import N_, Translator, translator
from bot.store.models import Delegation, DelegationKind, Role

MAX_LISTED = 15
KIND_NAMES = {
    # TRANSLATORS: headings of the programme's kinds of session (buttons and list headings)
    "ceremony": N_("Ceremonies"),
    "plenary": N_("Plenary sessions"),
    "high-level": N_("High-level discussions"),
    "roundtable": N_("Roundtables"),
    "side-event": N_("Side events"),
    "social": N_("Social events"),
    "exhibition": N_("Exhibitions"),
    "logistics": N_("Transport and logistics"),
}


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def text_of(value: Text | None, lang: str, pack: ContentPack) -> str:
    """A pack text in ``lang``, else in the pack's default language ('' when absent)."""
    if value is None:
        return ""
    return value.get(lang, pack.default_language)


def pack_text(t: Translator, value: Text | None, pack: ContentPack) -> str:
    """A pack text as HTML for the person: in their language, escaped, its phone numbers,
    e-mails, URLs and Latin words kept in order in right-to-left text (``t.embed``). For a
    text that stands on its own: a title, an answer, a summary, directions."""
    return esc(t.embed(text_of(value, t.lang, pack)))


def pack_name(t: Translator, value: Text | None, pack: ContentPack) -> str:
    """A pack text as a value inside a sentence: escaped and isolated (``t.isolate``), so a
    Latin name keeps its place in an Arabic sentence and an Arabic one in an English one."""
    return t.isolate(esc(text_of(value, t.lang, pack)))


def value(t: Translator, raw: str | None) -> str:
    """Any other value shown in a sentence (a phone number, a floor, a person's name, a
    code): escaped and isolated."""
    return t.isolate(esc(raw))


def _finish(t: Translator, lines: Iterable[str | None]) -> str:
    """The card's lines as one text, whatever its length: a card longer than a message is
    sent in several (``bot.telegram_text.split_html``), never cut short."""
    return t.paragraph("\n".join(line for line in lines if line is not None).strip())


# ---------------------------------------------------------------------------- names
def kind_name(t: Translator, kind: str) -> str:
    """A kind of session, as a heading ("Plenary sessions")."""
    if kind in KIND_NAMES:
        return t._(KIND_NAMES[kind])
    return t.pgettext("kind of session", "Other sessions")


def category_name(t: Translator, pack: ContentPack, category: str) -> str:
    """A topic of the practical information: its name in the pack (a pack without
    ``categories`` gets one translated name for all, and a warning from ``content check``)."""
    name = pack.category_name(category)
    if name is not None:
        return text_of(name, t.lang, pack)
    return t.pgettext("topic", "Other questions")


def audience_label(t: Translator, audience: str) -> str:
    """Who may attend, as an item of the list after "Open to:"."""
    if audience == "all":
        return t.pgettext("audience", "everyone")
    if audience == "heads-of-delegation":
        return t.pgettext("audience", "heads of delegation")
    if audience == "ministers":
        return t.pgettext("audience", "ministers")
    if audience == "invitation":
        return t.pgettext("audience", "by invitation")
    if audience == "media":
        # TRANSLATORS: journalists and other accredited media representatives, as attendees
        return t.pgettext("audience", "media")
    return t.pgettext("audience", "participants with special access")


def role_name(t: Translator, role: Role) -> str:
    """A role as a label ("Role: liaison officer"), never inside a sentence: a sentence
    about a role is written once per role, so that each language can agree it."""
    if role == Role.DELEGATE:
        return t.pgettext("role", "delegate")
    if role == Role.ORGANISER:
        return t.pgettext("role", "organiser")
    if role == Role.OFFICER:
        return t.pgettext("role", "liaison officer")
    return t.pgettext("role", "liaison supervisor")


def _territory(code: str) -> str | None:
    """The ISO 3166 alpha-2 territory of a delegation code (``FRA`` → ``FR``, ``VN``)."""
    code = code.strip().upper()
    if len(code) == 2 and code.isalpha():
        return code
    if len(code) == 3 and code.isalpha():
        aliases = get_global("territory_aliases").get(code)
        if aliases:
            return str(aliases[0])
    return None


def delegation_name(t: Translator, delegation: Delegation | None) -> str | None:
    """A delegation's name in the person's language, escaped and isolated, or None when only
    its code is known (a code never stands in a sentence as a name).

    A country delegation whose code is an ISO 3166 code (``FRA``, ``VNM``, ``FR``) is named
    from CLDR's territory names, in seven languages (Babel); any other delegation by the
    name given with its invites (the CSV's ``delegation_name``)."""
    if delegation is None:
        return None
    if delegation.kind == DelegationKind.COUNTRY:
        territory = _territory(delegation.code)
        names = t.locale.territories
        if territory is not None and territory in names:
            return value(t, str(names[territory]))
    name = (delegation.name or "").strip()
    if name and name != delegation.code:
        return value(t, name)
    return None


# ---------------------------------------------------------------------------- pieces
def event_dates(t: Translator, pack: ContentPack) -> str:
    """"The event takes place on 25–26 October 2025.": the event's days as one range (Babel's
    ``format_interval``), never two full dates side by side. Plain text (escape it)."""
    # TRANSLATORS: {dates} is the event's days as a range with the year, e.g. "25–26 October 2025"
    return t._("The event takes place on {dates}.").format(dates=t.isolate(t.dates(pack.event.start, pack.event.end)))


def updated_line(t: Translator, updated: dt.datetime | None, pack: ContentPack) -> str | None:
    """"Last updated: {date}" for an entry's own date, else the pack's."""
    when = updated or pack.updated or pack.event.updated
    if when is None:
        return None
    # TRANSLATORS: {date} is a date with its year, e.g. "22 Oct 2025"
    note = t._("Last updated: {date}").format(date=t.isolate(t.date(when, pack.tz, fmt="medium")))
    return "<i>" + esc(note) + "</i>"


def when_line(t: Translator, session: Session, pack: ContentPack) -> str:
    """Day, time range and zone of a session, e.g. "Saturday 25 October, 09:00–10:30 (UTC+7)"."""
    # TRANSLATORS: a session's time, e.g. "Saturday 25 October, 09:00–10:30 (UTC+7)": {day} is the
    # weekday and date, {start} and {end} are clock times, {zone} is the event's time zone
    line = t._("{day}, {start}–{end} ({zone})").format(
        day=esc(t.date(session.start, pack.tz, fmt="day")),
        start=t.isolate(t.time(session.start, pack.tz)),
        end=t.isolate(t.time(session.end, pack.tz)),
        zone=t.isolate(t.zone_label(pack.tz, session.start)),
    )
    return t.heading(line)


def place_line(t: Translator, session: Session, pack: ContentPack, lang: str | None = None) -> str | None:
    """The session's room and venue (``lang`` is ``t.lang``; kept for callers)."""
    found = pack.place(session.room)
    if found is None:
        return None
    room, venue = found
    if room is None:
        # TRANSLATORS: {venue} is the name of the building where a session takes place
        return t._("Venue: {venue}").format(venue=pack_name(t, venue.name, pack))
    # TRANSLATORS: {room} is a room's name, {venue} the building it is in
    return t._("Room: {room} ({venue})").format(
        room=pack_name(t, room.name, pack), venue=pack_name(t, venue.name, pack)
    )


def speakers_line(t: Translator, speakers: list[Speaker], pack: ContentPack) -> str | None:
    """"Speaker: …" for one person, "Speakers: …" for several or for a group ("Heads of State
    and Government" is not one speaker, nor two): the label never counts them. Several
    people's plain names are joined as the language joins a list ("A and B"); names that
    carry titles after a comma, and groups (written as headings are), go one per line, so no
    comma or capital is mistaken for the list's own."""
    if not speakers:
        return None
    names = [pack_name(t, speaker.name, pack) for speaker in speakers]
    if len(speakers) == 1 and not speakers[0].group:
        # TRANSLATORS: {name} is one person, often with their title ("António Guterres,
        # Secretary-General of the United Nations")
        return t._("Speaker: {name}").format(name=names[0])
    if any(s.group or _has_comma(text_of(s.name, t.lang, pack)) for s in speakers):
        return "\n".join([t._("Speakers:"), *("• " + name for name in names)])
    # TRANSLATORS: {names} lists people or groups of people ("Heads of State and Government"),
    # already joined as your language joins a list; the label must not count them
    return t._("Speakers: {names}").format(names=t.join(names))


def _has_comma(text: str) -> bool:
    return any(mark in text for mark in (",", "،", "，", "、"))


# ---------------------------------------------------------------------------- cards
def session_card(session: Session, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    lines: list[str | None] = [f"<b>{pack_text(t, session.title, pack)}</b>", "🕘 " + when_line(t, session, pack)]
    place = place_line(t, session, pack)
    if place:
        lines.append("📍 " + place)
        found = pack.place(session.room)
        directions = None
        if found:
            room, venue = found
            directions = (room.directions if room else None) or venue.directions
        if directions:
            # TRANSLATORS: {directions} is the pack's text on how to reach the place
            lines.append(t._("How to get there: {directions}").format(directions=pack_text(t, directions, pack)))
    speakers = speakers_line(t, session.speakers, pack)
    if speakers:
        lines.append("🎤 " + speakers)
    if session.summary:
        lines.extend(["", pack_text(t, session.summary, pack)])
    if session.audience and "all" not in session.audience:
        # TRANSLATORS: {audience} lists who may attend ("heads of delegation and ministers"),
        # already joined as your language joins a list
        lines.append(t._("Open to: {audience}").format(
            audience=t.join([audience_label(t, a) for a in session.audience])))
    lines.extend(["", updated_line(t, session.updated, pack)])
    return _finish(t, lines)


def faq_card(entry: FaqEntry, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    questions = entry.questions.get(lang) or entry.questions.get(pack.default_language) or []
    lines: list[str | None] = []
    if questions:
        lines.append(f"<b>{esc(t.embed(questions[0]))}</b>")
    lines.append(pack_text(t, entry.answer, pack))
    related = [name for rid in entry.related if (name := _related_name(t, rid, pack))]
    if related:
        # TRANSLATORS: {items} lists the names of related sessions, rooms or contacts, already
        # joined as your language joins a list
        lines.append(t._("See also: {items}").format(items=t.join(related)))
    lines.extend(["", updated_line(t, entry.updated, pack)])
    return _finish(t, lines)


def _related_name(t: Translator, rid: str, pack: ContentPack) -> str | None:
    session = pack.session(rid)
    if session is not None:
        return pack_name(t, session.title, pack)
    place = pack.place(rid)
    if place is not None:
        room, venue = place
        return pack_name(t, room.name if room else venue.name, pack)
    contact = pack.contact(rid)
    if contact is not None:
        return pack_name(t, contact.name, pack)
    return None


def venue_card(venue: Venue, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    lines: list[str | None] = [f"<b>{pack_text(t, venue.name, pack)}</b>"]
    if venue.address:
        # TRANSLATORS: {address} is the venue's postal address
        lines.append("📍 " + t._("Address: {address}").format(address=pack_text(t, venue.address, pack)))
    if venue.directions:
        lines.append(t._("How to get there: {directions}").format(directions=pack_text(t, venue.directions, pack)))
    if venue.accessibility:
        # TRANSLATORS: {details} is the pack's text on step-free access, lifts, hearing loops...
        lines.append("♿ " + t._("Accessibility: {details}").format(details=pack_text(t, venue.accessibility, pack)))
    if venue.geo is not None:
        url = f"https://www.openstreetmap.org/?mlat={venue.geo.lat}&mlon={venue.geo.lon}#map=17/{venue.geo.lat}/{venue.geo.lon}"
        label = esc(t.pgettext("link to a map", "Map"))
        lines.append(f'🗺 <a href="{html.escape(url, quote=True)}">{label}</a>')
    lines.extend(["", updated_line(t, None, pack)])
    return _finish(t, lines)


def room_card(room: Room, venue: Venue, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    # TRANSLATORS: under a room's name: {venue} is the building the room is in ("In: National
    # Convention Centre")
    where = t.pgettext("the building a room is in", "In: {venue}").format(venue=pack_name(t, venue.name, pack))
    lines: list[str | None] = [f"<b>{pack_text(t, room.name, pack)}</b>", "📍 " + where]
    if room.floor is not None:
        # TRANSLATORS: {floor} is the floor or level as the pack gives it ("2", "B1", "Ground")
        lines.append(t._("Floor: {floor}").format(floor=value(t, room.floor)))
    if room.capacity:
        # TRANSLATORS: how many seats the room has; {n} is the number, already formatted
        # ("Capacity: 4,000 seats")
        seats = t.ngettext("Capacity: {n} seat", "Capacity: {n} seats", room.capacity)
        lines.append("👥 " + seats.format(n=t.number(room.capacity)))
    if room.directions:
        lines.append(t._("How to get there: {directions}").format(directions=pack_text(t, room.directions, pack)))
    if room.accessibility:
        lines.append("♿ " + t._("Accessibility: {details}").format(details=pack_text(t, room.accessibility, pack)))
    lines.extend(["", updated_line(t, None, pack)])
    return _finish(t, lines)


def contact_lines(t: Translator, contact: Contact, pack: ContentPack, lang: str | None = None) -> list[str]:
    """A contact's lines (``lang`` is ``t.lang``; kept for callers)."""
    lines = [f"<b>{pack_text(t, contact.name, pack)}</b>"]
    if contact.role:
        lines.append(pack_text(t, contact.role, pack))
    if contact.phone:
        # TRANSLATORS: {phone} is a telephone number ("+84 24 3999 2500")
        lines.append("📞 " + t._("Phone: {phone}").format(phone=value(t, contact.phone)))
    if contact.email:
        # TRANSLATORS: {email} is an e-mail address
        lines.append("✉️ " + t._("Email: {email}").format(email=value(t, contact.email)))
    if contact.url:
        lines.append("🔗 " + value(t, contact.url))
    if contact.hours:
        # TRANSLATORS: {hours} is the pack's text of opening hours ("06:00–22:00, 24–26 October")
        lines.append("🕘 " + t._("Hours: {hours}").format(hours=pack_text(t, contact.hours, pack)))
    if contact.location:
        # TRANSLATORS: {place} is the pack's text saying where the desk is
        lines.append("📍 " + t._("Where: {place}").format(place=pack_text(t, contact.location, pack)))
    return lines


def contact_card(contact: Contact, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    return _finish(t, [*contact_lines(t, contact, pack), "", updated_line(t, None, pack)])


def contacts_card(pack: ContentPack, lang: str) -> str:
    """Every help-desk contact of the event, one after the other."""
    t = translator(lang)
    heading = t._("Help desk and contacts")
    lines = [f"<b>{esc(heading)}</b>"]
    for contact in pack.event.contacts:
        lines.append("")
        lines.extend(contact_lines(t, contact, pack))
    if not pack.event.contacts:
        lines.append(esc(t._("No contacts are listed for this event.")))
    return t.paragraph("\n".join(lines))


def schedule_line(
    t: Translator, session: Session, pack: ContentPack, lang: str | None = None, with_day: bool = False
) -> str:
    """One line of a list of sessions (``lang`` is ``t.lang``; kept for callers)."""
    found = pack.place(session.room)
    place = ""
    if found is not None:
        room, venue = found
        place = pack_name(t, room.name if room else venue.name, pack)
    # TRANSLATORS: a session's clock times in a list, e.g. "09:00–10:30"
    times = t._("{start}–{end}").format(start=t.isolate(t.time(session.start, pack.tz)),
                                         end=t.isolate(t.time(session.end, pack.tz)))
    if with_day:
        # TRANSLATORS: in a list of sessions over several days: {day} is a short date ("Sat 25 Oct"),
        # {times} the clock times ("09:00–10:30")
        times = t.heading(t._("{day} {times}").format(day=esc(t.date(session.start, pack.tz, fmt="short-day")), times=times))
    title = pack_text(t, session.title, pack)
    if place:
        # TRANSLATORS: a line of a list of sessions: {times}, then the session's {title}, then its room ({place})
        return t._("{times} · {title} · {place}").format(times=f"<b>{times}</b>", title=title, place=place)
    # TRANSLATORS: a line of a list of sessions: {times}, then the session's {title}
    return t._("{times} · {title}").format(times=f"<b>{times}</b>", title=title)


def schedule_list(sessions: list[Session], pack: ContentPack, lang: str, heading: str,
                  cancelled: Collection[str] = ()) -> str:
    """A list of sessions under a heading (already translated and escaped by the caller; its
    first letter is capitalised here, since a heading may start with a date). The sessions
    whose ids are in ``cancelled`` are struck through, as on one's agenda."""
    t = translator(lang)
    lines: list[str | None] = [f"<b>{t.heading(heading)}</b>"]
    days = {s.start.astimezone(pack.tz).date() for s in sessions}
    for s in sessions[:MAX_LISTED]:
        line = schedule_line(t, s, pack, with_day=len(days) > 1)
        lines.append("<s>" + line + "</s> " + esc(t._("(cancelled)")) if s.id in cancelled else line)
    if len(sessions) > MAX_LISTED:
        extra = len(sessions) - MAX_LISTED
        # TRANSLATORS: at the end of a list cut short: {n} is how many sessions are not shown
        lines.append(t.ngettext("… and {n} more session", "… and {n} more sessions", extra).format(n=t.number(extra)))
    if sessions:
        # TRANSLATORS: {zone} is the event's time zone, e.g. "UTC+7"
        lines.append("<i>" + esc(t._("Times are local ({zone}).").format(
            zone=t.isolate(t.zone_label(pack.tz, sessions[0].start)))) + "</i>")
    lines.extend(["", updated_line(t, None, pack)])
    return _finish(t, lines)
