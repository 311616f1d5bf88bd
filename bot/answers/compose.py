"""An :class:`~bot.answers.engine.Answer` turned into the reply the delegate reads.

:func:`compose` returns a :class:`Reply`: the Telegram-HTML text, the close alternatives
to offer as buttons (with their labels), and ``offer_liaison`` — the seam for the liaison
hand-off: when true the handler adds its "ask a liaison officer" button. :func:`plain`
strips the HTML for the command line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.answers.engine import Answer, Match
from bot.cards import (
    contact_card,
    contact_lines,
    esc,
    event_dates,
    faq_card,
    room_card,
    schedule_list,
    session_card,
    text_of,
    venue_card,
)
from bot.catalog.models import ContentPack
from bot.i18n import Translator, translator

HELP_DESK_IDS = ("help-desk", "helpdesk", "information-desk", "info-desk")


@dataclass
class Reply:
    text: str  # Telegram HTML
    kind: str
    alternatives: list[tuple[Match, str]] = field(default_factory=list)  # (match, button label)
    offer_liaison: bool = False


def compose(answer: Answer, pack: ContentPack, lang: str | None = None, cancelled: Collection[str] = ()) -> Reply:
    """The reply to ``answer``; ``cancelled``: ids of sessions the organisers cancelled (a list
    of sessions strikes them through)."""
    lang = lang or answer.lang
    t = translator(lang)
    alternatives = [(m, label(m, pack, lang)) for m in answer.alternatives]
    alternatives = [(m, text) for m, text in alternatives if text]
    if answer.kind == "empty":
        return Reply(_empty(t), "empty")
    if answer.kind == "schedule":
        return Reply(_schedule(t, answer, pack, lang, cancelled), "schedule", alternatives)
    if answer.match is None:
        return Reply(_unsure(t, pack, lang, alternatives), "unknown", alternatives, offer_liaison=True)
    card = render(answer.match, pack, lang)
    if card is None:  # the entry vanished (a reload between question and answer)
        return Reply(_unsure(t, pack, lang, []), "unknown", [], offer_liaison=True)
    return Reply(card, answer.kind, alternatives)


def render(match: Match, pack: ContentPack, lang: str) -> str | None:
    """The card of one matched entry, or None if the pack no longer has it."""
    if match.type == "faq":
        entry = pack.faq_entry(match.id)
        return faq_card(entry, pack, lang) if entry else None
    if match.type == "session":
        session = pack.session(match.id)
        return session_card(session, pack, lang) if session else None
    if match.type == "venue":
        venue = pack.venue(match.id)
        return venue_card(venue, pack, lang) if venue else None
    if match.type == "room":
        found = pack.room_with_venue(match.id)
        return room_card(found[0], found[1], pack, lang) if found else None
    if match.type == "contact":
        contact = pack.contact(match.id)
        return contact_card(contact, pack, lang) if contact else None
    return None


def label(match: Match, pack: ContentPack, lang: str) -> str:
    """A short button label for an entry (plain text, not HTML)."""
    if match.type == "faq":
        entry = pack.faq_entry(match.id)
        if entry is None:
            return ""
        questions = (
            entry.questions.get(lang)
            or entry.questions.get(pack.default_language)
            or next(iter(entry.questions.values()))  # the pack always has one
        )
        return _short(questions[0])
    if match.type == "session":
        s = pack.session(match.id)
        return _short(text_of(s.title, lang, pack)) if s else ""
    if match.type == "venue":
        v = pack.venue(match.id)
        return _short(text_of(v.name, lang, pack)) if v else ""
    if match.type == "room":
        r = pack.room(match.id)
        return _short(text_of(r.name, lang, pack)) if r else ""
    if match.type == "contact":
        c = pack.contact(match.id)
        return _short(text_of(c.name, lang, pack)) if c else ""
    return ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _empty(t: Translator) -> str:
    return t.paragraph(
        esc(t._("Please type your question in a few words, for example: “Where is the prayer room?” "
                "or “What is next in the programme?”"))
    )


def help_contacts(pack: ContentPack) -> list:
    contacts = pack.event.contacts
    chosen = [c for c in contacts if c.id in HELP_DESK_IDS]
    return chosen or contacts[:1]


def _unsure(t: Translator, pack: ContentPack, lang: str, alternatives: list[tuple[Match, str]]) -> str:
    lines = [esc(t._("I'm not sure I have the answer to that."))]
    if alternatives:
        lines.append(esc(t._("Did you mean one of these?")))
        lines.extend("• " + esc(t.embed(text)) for _, text in alternatives)
    contacts = help_contacts(pack)
    if contacts:
        lines.extend(["", esc(t._("The help desk can help you:"))])
        for c in contacts:
            lines.extend(contact_lines(t, c, pack, lang))
    return t.paragraph("\n".join(lines))


def schedule_heading(t: Translator, answer: Answer, pack: ContentPack) -> str:
    tq = answer.time
    if tq is None:
        return esc(t._("Programme"))
    if tq.mode == "now":
        if answer.note == "nothing-now":
            return esc(t._("Nothing is on right now. Next:"))
        return esc(t._("On now"))
    if tq.mode == "next":
        # TRANSLATORS: a heading over the sessions that come next in the programme
        return esc(t.pgettext("heading", "Next"))
    when = tq.day or tq.start
    day = t.date(when, pack.tz, fmt="day") if when is not None else ""
    if tq.mode == "at" and tq.start is not None:
        # TRANSLATORS: a heading: {time} is a clock time ("09:00"), {day} a weekday and date
        return esc(t._("Around {time}, {day}").format(time=t.isolate(t.time(tq.start, pack.tz)), day=day))
    if tq.part == "morning":
        # TRANSLATORS: a heading: {day} is a weekday and date ("Saturday 25 October")
        return esc(t.heading(t._("{day}, morning").format(day=day)))
    if tq.part == "noon":
        # TRANSLATORS: a heading: {day} is a weekday and date ("Saturday 25 October")
        return esc(t.heading(t._("{day}, midday").format(day=day)))
    if tq.part == "afternoon":
        # TRANSLATORS: a heading: {day} is a weekday and date ("Saturday 25 October")
        return esc(t.heading(t._("{day}, afternoon").format(day=day)))
    if tq.part == "evening":
        # TRANSLATORS: a heading: {day} is a weekday and date ("Saturday 25 October")
        return esc(t.heading(t._("{day}, evening").format(day=day)))
    # TRANSLATORS: a heading: {day} is a weekday and date ("Saturday 25 October")
    return esc(t._("Programme for {day}").format(day=day))


def _schedule(t: Translator, answer: Answer, pack: ContentPack, lang: str, cancelled: Collection[str] = ()) -> str:
    heading = schedule_heading(t, answer, pack)
    if not answer.sessions:
        if answer.time is not None and answer.time.mode in ("now", "next"):
            return t.paragraph(esc(t._("There is nothing more in the programme.")))
        lines = [f"<b>{heading}</b>", esc(t._("Nothing is scheduled then."))]
        day = answer.time.day if answer.time is not None else None
        if day is not None and not (pack.event.start <= day <= pack.event.end):
            lines.append(esc(event_dates(t, pack)))
        return t.paragraph("\n".join(lines))
    if len(answer.sessions) == 1:
        return t.paragraph(f"<b>{heading}</b>\n\n") + session_card(answer.sessions[0], pack, lang)
    return schedule_list(answer.sessions, pack, lang, heading, cancelled)


_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML to plain text (links keep their text)."""
    return html.unescape(_TAG.sub("", text))

