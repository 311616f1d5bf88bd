"""What the sandbox page shows: the emulator's history as bubbles, and the chat's own words.

The page is a stand-in for a Telegram client, so what a client would show in its person's
language is translated here on the server, through the same gettext catalogs and Babel as
the bot: the input's placeholder, the Send button, and each message's time, in the
person's locale and the event's time zone. Each message also carries its direction, taken
from its text the way the Unicode bidi algorithm takes a paragraph's (the first strong
character, isolates skipped): the bot starts Arabic messages with a right-to-left mark, so
their rows of buttons run right to left, the first button on the right.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any, Literal

from bot.i18n import Translator
from bot.sandbox.state import Entry

Direction = Literal["ltr", "rtl"]

_ISOLATE_OPEN = {"\u2066", "\u2067", "\u2068"}  # LRI, RLI, FSI
_ISOLATE_CLOSE = "\u2069"  # PDI


def direction(text: str) -> Direction:
    """``rtl`` when the first strong character outside isolates is right-to-left."""
    depth = 0
    for char in text:
        if char in _ISOLATE_OPEN:
            depth += 1
        elif char == _ISOLATE_CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return "ltr"


def chrome(t: Translator) -> dict[str, str]:
    """The chat's own words and direction in the person's language."""
    return {
        "lang": t.lang,
        "dir": "rtl" if t.rtl else "ltr",
        "placeholder": t._("Type a question, or /start"),
        "send": t._("Send"),
        "open_invite": t._("Open this invitation as a new simulated person"),
    }


def bubble(entry: Entry, t: Translator, tz: dt.tzinfo) -> dict[str, Any]:
    """One message of the history as the page draws it."""
    text = entry.text
    if entry.kind == "venue":
        venue = entry.extra.get("venue", {})
        loc = venue.get("location", {})
        text = (
            f"📍 {venue.get('title', '')}\n{venue.get('address', '')}\n"
            f"({loc.get('latitude')}, {loc.get('longitude')})"
        )
    elif entry.kind != "text" and not text:
        text = f"[{entry.kind}]"
    # the emulator keeps what Telegram keeps: plain text plus entities (the bot's HTML
    # already parsed); entry.html turns them back into safe, escaped HTML for the page
    formatted = entry.kind == "text" and bool(entry.entities) and entry.direction == "out"
    sent = dt.datetime.fromtimestamp(entry.date, dt.UTC)
    return {
        "message_id": entry.message_id,
        "from": "bot" if entry.direction == "out" else "user",
        "text": entry.html if formatted else text,
        "parse_mode": "HTML" if formatted else None,
        "dir": direction(text),
        "buttons": entry.buttons,
        "time": t.datetime(sent, tz),
        "datetime": sent.astimezone(tz).isoformat(timespec="minutes"),
    }
