"""Inline-button data: small, versioned, validated.

Format: ``v1|<pack>|<action>|<arg>|<page>`` (at most 64 bytes, Telegram's limit), where
``<pack>`` is the first characters of the content pack's version. A button from before a
content reload or forged data decodes to a :class:`Stale` or :class:`Invalid` result that the
handlers answer politely; it never raises and never reaches another person's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "v1"
MAX_BYTES = 64
PACK_CHARS = 6
ARG_RE = re.compile(r"^[A-Za-z0-9_.:#+-]{0,48}$")
ACTIONS = frozenset(
    {
        "menu",  # main menu
        "lang",  # language picker / set language (arg = code)
        "prog",  # programme: arg = now|today|tomorrow|days|kinds|day:YYYY-MM-DD|kind:<kind>
        "sess",  # session card: arg = session id
        "venues",  # list of venues
        "venue",  # venue card: arg = venue id
        "room",  # room card: arg = room id
        "map",  # location pin: arg = venue or room id
        "faq",  # FAQ categories, or one category: arg = category id
        "faqe",  # one FAQ entry: arg = entry id
        "contacts",  # help-desk contacts
        "contact",  # one contact: arg = contact id
    }
)


@dataclass(frozen=True)
class Button:
    action: str
    arg: str = ""
    page: int = 0
    pack: str = ""


@dataclass(frozen=True)
class Invalid:
    """Not our data (forged, truncated, or from a future/other format)."""

    raw: str


@dataclass(frozen=True)
class Stale:
    """Our data, but made for another version of the content pack."""

    button: Button


def encode(action: str, arg: str = "", page: int = 0, *, pack_version: str = "") -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not ARG_RE.match(arg):
        raise ValueError(f"argument {arg!r} cannot go in button data")
    if not 0 <= page < 10_000:
        raise ValueError("page out of range")
    data = f"{PREFIX}|{pack_version[:PACK_CHARS]}|{action}|{arg}|{page}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def fits(action: str, arg: str) -> bool:
    """Whether an argument (usually an id) fits in button data."""
    try:
        encode(action, arg, 9999, pack_version="x" * PACK_CHARS)
    except ValueError:
        return False
    return True


def decode(data: str | None, *, pack_version: str = "") -> Button | Stale | Invalid:
    if not data or len(data.encode()) > MAX_BYTES:
        return Invalid(data or "")
    parts = data.split("|")
    if len(parts) != 5 or parts[0] != PREFIX:
        return Invalid(data)
    _, pack, action, arg, page = parts
    if action not in ACTIONS or not ARG_RE.match(arg) or not page.isdigit() or len(page) > 4:
        return Invalid(data)
    button = Button(action=action, arg=arg, page=int(page), pack=pack)
    if pack and pack != pack_version[:PACK_CHARS]:
        return Stale(button)
    return button
