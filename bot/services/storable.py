"""Text as the database can keep it, cleaned where Telegram's data (and an organiser's CSV file
or command) enters the services.

PostgreSQL refuses a NUL character in any text ("invalid byte sequence for encoding UTF8:
0x00"), and neither database takes half of a UTF-16 surrogate pair. Telegram passes on what
people type and call themselves, so one NUL in a first name made every message of that person
fail. Control characters (C0) mean nothing in a name, a question or a code: they are dropped,
except tab and line breaks (a carriage return becomes a line break); a lone surrogate becomes
U+FFFD, the replacement character.

A name (:func:`storable_name`) also loses the explicit bidirectional formatting characters
(embeddings, overrides and isolates, U+202A–U+202E and U+2066–U+2069): no name needs them,
and a right-to-left override left open at the end of one ("Eve" + U+202E) shows the rest of
the line it is in reversed: in "Role of Eve (123456789): delegate." the organiser reads the
Telegram id as 987654321. (Marks, U+200E and U+200F, are kept: they only give a direction.)
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def storable(text: str) -> str:
    """``text`` without C0 control characters (but tab and line breaks), and with any lone
    surrogate replaced, so that SQLite and PostgreSQL both store it as it reads."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROLS.sub("", text)


def storable_name(text: str) -> str:
    """A person's name or username as :func:`storable`, without explicit bidi formatting."""
    return _BIDI_CONTROLS.sub("", storable(text))
