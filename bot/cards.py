"""Cards: the pack's entries rendered as Telegram HTML in the user's language.

Every label and sentence goes through the translator (``t._``) with named placeholders;
pack text is shown in the user's language (falling back to the pack's default language)
and always HTML-escaped. Times are the pack's own, converted to the event's time zone and
formatted by the translator, with the zone label ("UTC+7") so nobody reads them in their
phone's zone. In Arabic every message starts right-to-left (``t.paragraph``) and embedded
names, numbers and times are isolated (``t.isolate``) so they keep their own direction.

Services and handlers call these; nothing here imports telegram.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

from bot.catalog.models import Contact, ContentPack, FaqEntry, Room, Session, Text, Venue
from bot.i18n import N_, Translator, translator
from bot.store.models import Role

MAX_LISTED = 15
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
ROLE_NAMES = {
    Role.DELEGATE: N_("delegate"),
    Role.ORGANISER: N_("organiser"),
    Role.OFFICER: N_("liaison officer"),
    Role.SUPERVISOR: N_("liaison supervisor"),
}


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def text_of(value: Text | None, lang: str, pack: ContentPack) -> str:
    """A pack text in ``lang``, else in the pack's default language ('' when absent)."""
    if value is None:
        return ""
    return value.get(lang, pack.default_language)


def _name(t: Translator, value: Text | None, lang: str, pack: ContentPack) -> str:
    """An escaped, direction-isolated pack name for use inside a sentence."""
    return t.isolate(esc(text_of(value, lang, pack)))


def _finish(t: Translator, lines: Iterable[str | None]) -> str:
    """The card's lines as one text, whatever its length: a card longer than a message is
    sent in several (``bot.telegram_text.split_html``), never cut short."""
    return t.paragraph("\n".join(line for line in lines if line is not None).strip())


# ---------------------------------------------------------------------------- names
def kind_name(t: Translator, kind: str) -> str:
    """A kind of session, as a heading ("Plenary sessions")."""
    return t._(KIND_NAMES[kind]) if kind in KIND_NAMES else kind


def category_name(t: Translator, pack: ContentPack, category: str) -> str:
    """A topic of the practical information: its name in the pack, else its id made readable."""
    name = pack.category_name(category)
    return text_of(name, t.lang, pack) if name else category.replace("-", " ").capitalize()


def role_name(t: Translator, role: Role) -> str:
    return t._(ROLE_NAMES[role])


# ---------------------------------------------------------------------------- pieces
def updated_line(t: Translator, updated: dt.datetime | None, pack: ContentPack) -> str | None:
    """"Last updated: {date}" for an entry's own date, else the pack's."""
    when = updated or pack.updated or pack.event.updated
    if when is None:
        return None
    return "<i>" + esc(t._("Last updated: {date}").format(date=t.isolate(t.date(when, pack.tz, fmt="medium")))) + "</i>"


def when_line(t: Translator, session: Session, pack: ContentPack) -> str:
    """Day, time range and zone of a session, e.g. "Saturday 25 October, 09:00–10:30 (UTC+7)"."""
    return t._("{day}, {start}–{end} ({zone})").format(
        day=esc(t.date(session.start, pack.tz, fmt="day")),
        start=t.isolate(t.time(session.start, pack.tz)),
        end=t.isolate(t.time(session.end, pack.tz)),
        zone=t.isolate(t.zone_label(pack.tz, session.start)),
    )


def place_line(t: Translator, session: Session, pack: ContentPack, lang: str) -> str | None:
    found = pack.place(session.room)
    if found is None:
        return None
    room, venue = found
    if room is None:
        return t._("Venue: {venue}").format(venue=_name(t, venue.name, lang, pack))
    return t._("Room: {room} ({venue})").format(
        room=_name(t, room.name, lang, pack), venue=_name(t, venue.name, lang, pack)
    )


def _speakers(t: Translator, names: list[str]) -> str | None:
    if not names:
        return None
    joined = ", ".join(t.isolate(esc(n)) for n in names)
    return t.ngettext("Speaker: {names}", "Speakers: {names}", len(names)).format(names=joined)


# ---------------------------------------------------------------------------- cards
def session_card(session: Session, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    lines: list[str | None] = [f"<b>{esc(text_of(session.title, lang, pack))}</b>", "🕘 " + when_line(t, session, pack)]
    place = place_line(t, session, pack, lang)
    if place:
        lines.append("📍 " + place)
        found = pack.place(session.room)
        directions = None
        if found:
            room, venue = found
            directions = (room.directions if room else None) or venue.directions
        if directions:
            lines.append(t._("How to get there: {directions}").format(
                directions=esc(text_of(directions, lang, pack))))
    speakers = _speakers(t, session.speakers)
    if speakers:
        lines.append("🎤 " + speakers)
    if session.summary:
        lines.extend(["", esc(text_of(session.summary, lang, pack))])
    if session.audience and "all" not in session.audience:
        lines.append(t._("Open to: {audience}").format(
            audience=", ".join(audience_label(t, a) for a in session.audience)))
    lines.extend(["", updated_line(t, session.updated, pack)])
    return _finish(t, lines)


def audience_label(t: Translator, audience: str) -> str:
    labels = {
        "all": t._("everyone"),
        "heads-of-delegation": t._("heads of delegation"),
        "ministers": t._("ministers"),
        "invitation": t._("by invitation"),
        "media": t._("media"),
    }
    return labels.get(audience, esc(audience))


def faq_card(entry: FaqEntry, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    questions = entry.questions.get(lang) or entry.questions.get(pack.default_language) or []
    lines: list[str | None] = []
    if questions:
        lines.append(f"<b>{esc(questions[0])}</b>")
    lines.append(esc(text_of(entry.answer, lang, pack)))
    related = [name for rid in entry.related if (name := _related_name(t, rid, pack, lang))]
    if related:
        lines.append(t._("See also: {items}").format(items=", ".join(related)))
    lines.extend(["", updated_line(t, entry.updated, pack)])
    return _finish(t, lines)


def _related_name(t: Translator, rid: str, pack: ContentPack, lang: str) -> str | None:
    session = pack.session(rid)
    if session is not None:
        return _name(t, session.title, lang, pack)
    place = pack.place(rid)
    if place is not None:
        room, venue = place
        return _name(t, room.name if room else venue.name, lang, pack)
    contact = pack.contact(rid)
    if contact is not None:
        return _name(t, contact.name, lang, pack)
    return None


def venue_card(venue: Venue, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    lines: list[str | None] = [f"<b>{esc(text_of(venue.name, lang, pack))}</b>"]
    if venue.address:
        lines.append("📍 " + t._("Address: {address}").format(address=esc(text_of(venue.address, lang, pack))))
    if venue.directions:
        lines.append(t._("How to get there: {directions}").format(directions=esc(text_of(venue.directions, lang, pack))))
    if venue.accessibility:
        lines.append("♿ " + t._("Accessibility: {details}").format(details=esc(text_of(venue.accessibility, lang, pack))))
    if venue.geo is not None:
        url = f"https://www.openstreetmap.org/?mlat={venue.geo.lat}&mlon={venue.geo.lon}#map=17/{venue.geo.lat}/{venue.geo.lon}"
        lines.append('🗺 <a href="{url}">{label}</a>'.format(url=html.escape(url, quote=True), label=esc(t._("Map"))))
    lines.extend(["", updated_line(t, None, pack)])
    return _finish(t, lines)


def room_card(room: Room, venue: Venue, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    lines: list[str | None] = [f"<b>{esc(text_of(room.name, lang, pack))}</b>",
             "📍 " + t._("In: {venue}").format(venue=_name(t, venue.name, lang, pack))]
    if room.floor is not None:
        lines.append(t._("Floor: {floor}").format(floor=t.isolate(esc(room.floor))))
    if room.directions:
        lines.append(t._("How to get there: {directions}").format(directions=esc(text_of(room.directions, lang, pack))))
    if room.accessibility:
        lines.append("♿ " + t._("Accessibility: {details}").format(details=esc(text_of(room.accessibility, lang, pack))))
    lines.extend(["", updated_line(t, None, pack)])
    return _finish(t, lines)


def contact_lines(t: Translator, contact: Contact, pack: ContentPack, lang: str) -> list[str]:
    lines = [f"<b>{esc(text_of(contact.name, lang, pack))}</b>"]
    if contact.role:
        lines.append(esc(text_of(contact.role, lang, pack)))
    if contact.phone:
        lines.append("📞 " + t._("Phone: {phone}").format(phone=t.isolate(esc(contact.phone))))
    if contact.email:
        lines.append("✉️ " + t._("Email: {email}").format(email=t.isolate(esc(contact.email))))
    if contact.url:
        lines.append("🔗 " + t.isolate(esc(contact.url)))
    if contact.hours:
        lines.append("🕘 " + t._("Hours: {hours}").format(hours=esc(text_of(contact.hours, lang, pack))))
    if contact.location:
        lines.append("📍 " + t._("Where: {place}").format(place=esc(text_of(contact.location, lang, pack))))
    return lines


def contact_card(contact: Contact, pack: ContentPack, lang: str) -> str:
    t = translator(lang)
    return _finish(t, [*contact_lines(t, contact, pack, lang), "", updated_line(t, None, pack)])


def contacts_card(pack: ContentPack, lang: str) -> str:
    """Every help-desk contact of the event, one after the other."""
    t = translator(lang)
    lines = [f"<b>{esc(t._('Help desk and contacts'))}</b>"]
    for contact in pack.event.contacts:
        lines.append("")
        lines.extend(contact_lines(t, contact, pack, lang))
    if not pack.event.contacts:
        lines.append(esc(t._("No contacts are listed for this event.")))
    return t.paragraph("\n".join(lines))


def schedule_line(t: Translator, session: Session, pack: ContentPack, lang: str, with_day: bool = False) -> str:
    found = pack.place(session.room)
    place = ""
    if found is not None:
        room, venue = found
        place = esc(text_of(room.name if room else venue.name, lang, pack))
    times = t._("{start}–{end}").format(start=t.isolate(t.time(session.start, pack.tz)),
                                         end=t.isolate(t.time(session.end, pack.tz)))
    if with_day:
        times = t._("{day} {times}").format(day=esc(t.date(session.start, pack.tz, fmt="short-day")), times=times)
    title = esc(text_of(session.title, lang, pack))
    if place:
        return t._("{times} · {title} · {place}").format(times=f"<b>{times}</b>", title=title, place=t.isolate(place))
    return t._("{times} · {title}").format(times=f"<b>{times}</b>", title=title)


def schedule_list(sessions: list[Session], pack: ContentPack, lang: str, heading: str) -> str:
    """A list of sessions under a heading (already translated and escaped by the caller)."""
    t = translator(lang)
    lines: list[str | None] = [f"<b>{heading}</b>"]
    days = {s.start.astimezone(pack.tz).date() for s in sessions}
    for s in sessions[:MAX_LISTED]:
        lines.append(schedule_line(t, s, pack, lang, with_day=len(days) > 1))
    if len(sessions) > MAX_LISTED:
        extra = len(sessions) - MAX_LISTED
        lines.append(t.ngettext("… and {n} more session", "… and {n} more sessions", extra).format(n=extra))
    if sessions:
        lines.append("<i>" + esc(t._("Times are local ({zone}).").format(
            zone=t.isolate(t.zone_label(pack.tz, sessions[0].start)))) + "</i>")
    lines.extend(["", updated_line(t, None, pack)])
    return _finish(t, lines)
