"""What the liaison service sends, rendered in each recipient's language (no Telegram here: the
outbox's :class:`~bot.delivery.message.Message` with button data from :mod:`bot.callbacks`).

Delegates see an officer's first name and role, never their account; officers see the
delegate's name, delegation and language. Everything a person typed is escaped and isolated
(:meth:`Translator.embed`), never concatenated into a sentence.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot import callbacks
from bot.cards import delegation_name, role_name
from bot.catalog.models import ContentPack
from bot.delivery.message import Button, Message
from bot.i18n import Translator, translator
from bot.store.models import LiaisonRequest, Person, Role
from bot.telegram_text import CAPTION, MESSAGE_TEXT, cut, units

# -- button codes (``handlers.Action`` carries the same values) ----------------------------------
NEW = "lnew"  # a delegate opens a request (no argument: the categories; a category id: that one)
CLAIM = "lclaim"  # an officer claims request <id>
REPLY = "lreply"  # the next message answers request <id> (officer) or adds to it (delegate)
QUICK = "lquick"  # an officer's quick replies for request <id>; <id>.<reply id>: send that one
RESOLVE = "lresolve"
REOPEN = "lreopen"
CANCEL = "lcancel"
RATE = "lrate"  # <id>.<stars>
SHOW = "lshow"  # a request's card (for its delegate or an officer)


def data(code: str, argument: str = "") -> str:
    return callbacks.encode(code, argument)


@dataclass(frozen=True)
class Sent:
    """What a person sent to a request: text, photo, document or location."""

    kind: str  # text | photo | document | location
    text: str = ""
    file_id: str | None = None
    file_size: int | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def empty(self) -> bool:
        return self.kind == "text" and not self.text.strip()


def category_name(t: Translator, pack: ContentPack, category: str) -> str:
    found = pack.liaison_category(category)
    if found is None:  # a category that has left the pack since: its id
        return category
    return found.name.get(t.lang, pack.default_language)


def esc(t: Translator, text: str) -> str:
    """A name or label from a person or the pack, safe in an HTML message."""
    return html.escape(t.embed(text), quote=False)


def number(t: Translator, request_id: int) -> str:
    # TRANSLATORS: a liaison request's number, e.g. "Request #12"
    return t._("Request #{number}").format(number=request_id)


def officer_signature(t: Translator, officer: Person) -> str:
    """"Anna · Role: liaison officer": the name a delegate sees (never the account)."""
    return f"{esc(t, officer.first_name or '—')} · {role_name(t, officer.role)}"


def name(t: Translator, person: Person) -> str:
    """A person's name as officers see it (on a request's card, in its topic): the first name."""
    return esc(t, person.first_name or "—")


def delegate_line(t: Translator, delegate: Person) -> str:
    """What an officer sees of a delegate: name, delegation, language."""
    parts = [name(t, delegate)]
    if delegate.delegation is not None:
        # its name in the officer's language ("France", "Франция"), as everywhere else; the code
        # when nothing better is known (never the name or code as an invite happened to spell it)
        parts.append(delegation_name(t, delegate.delegation) or esc(t, delegate.delegation.code))
    parts.append(t.language_name(delegate.language))
    return " · ".join(parts)


def request_card(t: Translator, pack: ContentPack, request: LiaisonRequest, delegate: Person,
                 first: str, *, urgent_banner: bool = True) -> str:
    """An officer's card of a request: number, category, delegate, the question it came from."""
    title = f"{number(t, request.id)} · {esc(t, category_name(t, pack, request.category))}"
    urgent = t._("Urgent")
    head = f"🚨 {urgent} · {title}" if request.urgent and urgent_banner else f"🆕 {title}"
    # the bot's lines laid out right to left in Arabic: "🆕" is a left-to-right character, so
    # the title line would otherwise start a left-to-right paragraph
    lines = [t.paragraph(f"<b>{head}</b>"), t.paragraph(delegate_line(t, delegate))]
    if request.question:
        question = own_words(t, request.question, 500)
        # TRANSLATORS: the question the bot could not answer, shown to the officer
        lines.append(t.paragraph(t._("Unanswered question: {question}").format(question=question)))
    if first:
        lines.append("")
        lines.append(first)
    return "\n".join(lines)


def own_words(t: Translator, text: str, limit: int) -> str:
    """A person's words for the HTML text of a message in ``t``'s language, at most ``limit``
    units once shown: cut before they are embedded (never inside an isolate), and cut shorter
    when embedding them grows them (an Arabic reader's isolates around each Latin run)."""
    budget = limit
    shown = t.embed(cut(text, budget))
    while units(shown) > limit and budget > 1:
        budget = max(1, budget - (units(shown) - limit))
        shown = t.embed(cut(text, budget))
    return html.escape(shown, quote=False)


def room(t: Translator, pack: ContentPack, request: LiaisonRequest, delegate: Person, extra: str = "") -> int:
    """The units left for a person's words in a request's card that already holds ``extra``."""
    return MESSAGE_TEXT - units(request_card(t, pack, request, delegate, extra or " ")) - 2


def body(t: Translator, sent: Sent, limit: int = 3500) -> str:
    """A person's own words, escaped, for the HTML text of a message (at most ``limit`` units)."""
    if sent.kind == "location":
        return t._("📍 Location")
    return own_words(t, sent.text, limit) if sent.text else ""


def officer_buttons(t: Translator, request_id: int, *, claim: bool) -> tuple[tuple[Button, ...], ...]:
    rid = str(request_id)
    if claim:
        return ((Button(t.pgettext("button", "✋ Claim"), data(CLAIM, rid)),),)
    return (
        (Button(t.pgettext("button", "↩️ Reply"), data(REPLY, rid)),
         Button(t.pgettext("button", "⚡ Quick replies"), data(QUICK, rid))),
        (Button(t.pgettext("button", "✅ Resolve"), data(RESOLVE, rid)),),
    )


def delegate_buttons(t: Translator, request_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t.pgettext("button", "↩️ Reply"), data(REPLY, str(request_id))),),)


def relay(t: Translator, header: str, sent: Sent, buttons: tuple[tuple[Button, ...], ...]) -> list[Message]:
    """A message passed on, with who it is from on top; a location is a header then the pin."""
    media = sent.kind in ("photo", "document")
    text = body(t, sent, CAPTION - units(header) - 2 if media else MESSAGE_TEXT - units(header) - 2)
    if sent.kind == "location" and sent.latitude is not None and sent.longitude is not None:
        return [Message(text=header, buttons=buttons), Message(location=(sent.latitude, sent.longitude))]
    full = f"{header}\n{text}" if text else header
    if sent.kind == "photo" and sent.file_id:
        return [Message(photo=sent.file_id, text=full, buttons=buttons)]
    if sent.kind == "document" and sent.file_id:
        return [Message(document=sent.file_id, text=full, buttons=buttons)]
    return [Message(text=full, buttons=buttons)]


def to_officer(officer: Person, pack: ContentPack, request: LiaisonRequest, delegate: Person, sent: Sent) -> list[Message]:
    t = translator(officer.language)
    # TRANSLATORS: above a delegate's message passed on to the officer; {who} is the delegate
    header = "💬 " + t._("{who} — {request}").format(who=delegate_line(t, delegate), request=number(t, request.id))
    return relay(t, header, sent, officer_buttons(t, request.id, claim=False))


def to_delegate(delegate: Person, request: LiaisonRequest, officer: Person, sent: Sent) -> list[Message]:
    t = translator(delegate.language)
    header = "💬 " + t._("{who} — {request}").format(who=officer_signature(t, officer), request=number(t, request.id))
    return relay(t, header, sent, delegate_buttons(t, request.id))


def role_is_supervisor(person: Person) -> bool:
    return person.role == Role.SUPERVISOR
