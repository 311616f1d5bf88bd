"""A person's agenda as an iCalendar file (RFC 5545), with the ``icalendar`` package. No Telegram.

Times carry the event's time zone (a VTIMEZONE is included), so a calendar app shows them right
wherever the phone is. Each session keeps one UID (``{session}@{event}.delegate-assistant``),
so importing the file again, or a subscription's next poll, replaces the events instead of
adding copies; a cancelled session stays, marked ``STATUS:CANCELLED``, and a session removed
from the agenda disappears from the next poll. With reminders on, each event carries an alarm
at the person's lead time.

The subscription URL carries a per-person secret (:func:`new_token`, 256 bits): whoever holds
it reads that person's agenda, nothing else; ``/agenda ics new`` makes a new one.
"""

from __future__ import annotations

import datetime as dt
import secrets

import icalendar

from bot.cards import text_of
from bot.catalog.models import ContentPack
from bot.i18n import translator
from bot.services.agenda import OFF, LiveSession

PRODID = "-//delegate-assistant//agenda//EN"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def uid(pack: ContentPack, session_id: str) -> str:
    return f"{session_id}@{pack.event.id}.delegate-assistant"


def agenda_ics(pack: ContentPack, sessions: list[LiveSession], lang: str, lead: int, now: dt.datetime) -> bytes:
    """The agenda (as :meth:`AgendaService.agenda` gives it) as an .ics file in ``lang``."""
    t = translator(lang)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = text_of(pack.event.short_name or pack.event.name, lang, pack)
    # TRANSLATORS: the name of the calendar of one's agenda in a calendar app; {event} is the event's short name
    cal.add("x-wr-calname", t._("My agenda: {event}").format(event=name))
    cal.add("x-wr-timezone", pack.event.timezone)
    for live in sessions:
        session = live.session
        event = icalendar.Event()
        event.add("uid", uid(pack, session.id))
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", live.start.astimezone(pack.tz))
        event.add("dtend", live.end.astimezone(pack.tz))
        event.add("summary", text_of(session.title, lang, pack))
        found = pack.place(session.room)
        if found is not None:
            room, venue = found
            where = [text_of(room.name, lang, pack)] if room is not None else []
            where.append(text_of(venue.name, lang, pack))
            event.add("location", ", ".join(where))
        if session.summary is not None:
            event.add("description", text_of(session.summary, lang, pack))
        event.add("status", "CANCELLED" if live.cancelled else "CONFIRMED")
        # a later change (a delay, a cancellation) must win over what the app has
        event.add("sequence", _sequence(live))
        if lead != OFF and not live.cancelled:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", text_of(session.title, lang, pack))
            alarm.add("trigger", dt.timedelta(minutes=-lead))
            event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _sequence(live: LiveSession) -> int:
    """Grows with each kind of change the overlay makes (0 as in the pack)."""
    return (1 if live.delay_minutes else 0) + (2 if live.cancelled else 0) + abs(live.delay_minutes)
