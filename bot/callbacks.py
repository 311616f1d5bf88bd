"""Inline-button data: small, versioned, checked. No Telegram here.

Format: ``v1|<pack>|<code>|<argument>|<page>``, at most 64 bytes (Telegram's limit):

- ``<pack>``: the first characters of the content pack's version, so that a button made
  before a content reload is recognised (empty for buttons that do not depend on the
  content, such as the language picker);
- ``<code>``: the action, a short lowercase word (``handlers.Action`` names them all);
- ``<argument>``: what the action is about (an id, a language, a day), checked by the
  action's *argument rule* below, which turns it into a value or refuses it;
- ``<page>``: the page of a list, 0 to 9999.

:func:`decode` never raises: data that are not ours give ``None``. The rules raise
:class:`InvalidArgument` for data no button of ours carries (forged or malformed) and
:class:`Gone` for a well-formed argument naming something the current pack does not have
(a stale button, when the data carry an older pack version). ``handlers.buttons`` turns both
into a polite answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from bot.catalog.models import ID_RE, ContentPack

PREFIX = "v1"
MAX_BYTES = 64
PACK_CHARS = 6
MAX_PAGE = 9999
CODE_RE = re.compile(r"^[a-z]{1,8}$")
ARGUMENT_RE = re.compile(r"^[A-Za-z0-9_.:#+-]{0,48}$")
PAGE_RE = re.compile(r"^(0|[1-9][0-9]{0,3})$")

T = TypeVar("T")
#: turns a button's argument into a value, for the content pack in service
ArgumentRule = Callable[[str, ContentPack], T]


class InvalidButton(Exception):
    """Button data no button of ours carries: forged, malformed, or from another format."""


class InvalidArgument(InvalidButton):
    """An argument the action does not take."""


class InvalidPage(InvalidButton):
    """A page the list does not have, or a page where there is no list."""


class Gone(LookupError):
    """A well-formed argument naming something the content pack in service does not have."""


@dataclass(frozen=True)
class ButtonData:
    code: str
    argument: str = ""
    page: int = 0
    pack: str = ""

    def is_stale(self, pack_version: str) -> bool:
        """Made for another version of the content pack than ``pack_version``."""
        return bool(self.pack) and self.pack != pack_version[:PACK_CHARS]


def encode(code: str, argument: str = "", page: int = 0, *, pack_version: str = "") -> str:
    if not CODE_RE.match(code):
        raise ValueError(f"action code {code!r} cannot go in button data")
    if not ARGUMENT_RE.match(argument):
        raise ValueError(f"argument {argument!r} cannot go in button data")
    if not 0 <= page <= MAX_PAGE:
        raise ValueError("page out of range")
    data = f"{PREFIX}|{pack_version[:PACK_CHARS]}|{code}|{argument}|{page}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def fits(code: str, argument: str) -> bool:
    """Whether an argument (usually an id) fits in button data, whatever the page and pack."""
    try:
        encode(code, argument, MAX_PAGE, pack_version="x" * PACK_CHARS)
    except ValueError:
        return False
    return True


def decode(data: str | None) -> ButtonData | None:
    """The parts of our button data, or None for anything else (it never raises)."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) != 5 or parts[0] != PREFIX:
        return None
    _, pack, code, argument, page = parts
    if not CODE_RE.match(code) or not ARGUMENT_RE.match(argument) or not PAGE_RE.match(page):
        return None
    return ButtonData(code=code, argument=argument, page=int(page), pack=pack)


def pattern(codes: Iterable[str]) -> re.Pattern[str]:
    """A regular expression matching the data of buttons with these action codes."""
    alternatives = "|".join(sorted(re.escape(code) for code in codes))
    return re.compile(rf"^{re.escape(PREFIX)}\|[^|]*\|(?:{alternatives})\|")


# -- argument rules ---------------------------------------------------------------------------
def no_argument(argument: str, pack: ContentPack) -> None:
    """The action takes no argument."""
    if argument:
        raise InvalidArgument(argument)


def one_of(values: Iterable[str]) -> ArgumentRule[str]:
    """One of a fixed set of words (a language code, for example)."""
    allowed = frozenset(values)

    def rule(argument: str, pack: ContentPack) -> str:
        if argument not in allowed:
            raise InvalidArgument(argument)
        return argument

    return rule


def optional(rule: ArgumentRule[T]) -> ArgumentRule[T | None]:
    """No argument (None), or one that ``rule`` accepts."""

    def optional_rule(argument: str, pack: ContentPack) -> T | None:
        return rule(argument, pack) if argument else None

    return optional_rule


def entry(lookup: Callable[[ContentPack, str], T | None]) -> ArgumentRule[T]:
    """The id of something in the pack (``lookup`` finds it), turned into that thing."""

    def rule(argument: str, pack: ContentPack) -> T:
        if not ID_RE.match(argument):
            raise InvalidArgument(argument)
        found = lookup(pack, argument)
        if found is None:
            raise Gone(argument)
        return found

    return rule
