"""Text as the database can keep it, cleaned where Telegram's data (and an organiser's CSV file
or command) enters the services.

PostgreSQL refuses a NUL character in any text ("invalid byte sequence for encoding UTF8:
0x00"), and neither database takes half of a UTF-16 surrogate pair. Telegram passes on what
people type and call themselves, so one NUL in a first name made every message of that person
fail. Control characters (C0) mean nothing in a name, a question or a code: they are dropped,
except tab and line breaks (a carriage return becomes a line break); a lone surrogate becomes
U+FFFD, the replacement character.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")


def storable(text: str) -> str:
    """``text`` without C0 control characters (but tab and line breaks), and with any lone
    surrogate replaced, so that SQLite and PostgreSQL both store it as it reads."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROLS.sub("", text)
