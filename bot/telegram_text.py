"""Texts the way Telegram measures them: lengths, trimming and splitting.

Telegram counts lengths in UTF-16 code units, not in characters (code points): an emoji or
any character outside the Basic Multilingual Plane counts twice. A message's limit applies to
its text *after* entity parsing (``<b>`` and ``&amp;`` do not count; what they show does).
Every length the bot checks, and every text it trims or splits, goes through this module:

- :func:`units` and :func:`visible_units`: the length of plain text, and of Telegram HTML;
- :func:`cut`: plain text (a button's label, a quoted value) cut to a length, with "…";
- :func:`whole_lines`: as many whole lines as fit in a message, never cutting inside an HTML
  tag or entity;
- :func:`split_html`: a long message as several, cut at a paragraph, else a line, else a
  sentence (Latin, Arabic and CJK punctuation), else a word, and only as a last resort inside
  a word (never inside a character, an emoji sequence, a tag or an entity); each part is valid
  Telegram HTML on its own: tags open at a cut are closed before it and opened again after.

Plain code: no Telegram, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum

#: Telegram's limits, in UTF-16 code units
MESSAGE_TEXT = 4096  # a message's text, after entity parsing
CAPTION = 1024  # a photo's or document's caption
CALLBACK_ANSWER = 200  # the notice shown when a button is pressed (answerCallbackQuery)
COMMAND_DESCRIPTION = 256  # a command's description in the menu (setMyCommands)
#: not a limit of Telegram's (it shows long labels cut with "…"), but past this a button's
#: label is unreadable on a phone
BUTTON_LABEL = 60

RLM = "\u200f"  # a right-to-left message starts with it (see bot.i18n Translator.paragraph)
ELLIPSIS = "…"


def units(text: str) -> int:
    """The length of plain text as Telegram counts it (UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def visible(text: str) -> str:
    """Telegram HTML as the person reads it: tags removed, entities decoded."""
    return "".join(atom.shown for atom in _atoms(text))


def visible_units(text: str) -> int:
    """The length of Telegram HTML as Telegram counts it against its limits."""
    if "<" not in text and "&" not in text:
        return units(text)
    return units(visible(text))


def fits(text: str, limit: int = MESSAGE_TEXT, *, html: bool = True) -> bool:
    return (visible_units(text) if html else units(text)) <= limit


def cut(text: str, limit: int, *, keep_end: bool = False) -> str:
    """Plain text at most ``limit`` units long: cut with "…" if it is longer (never inside a
    character or an emoji sequence). ``keep_end`` keeps its end instead of its start (a file
    path, whose end says the most)."""
    if units(text) <= limit:
        return text
    budget = limit - units(ELLIPSIS)
    if keep_end:
        start, used = len(text), 0
        for index in range(len(text) - 1, -1, -1):
            used += units(text[index])
            if used > budget:
                break
            if index == 0 or not _joins(text[index - 1], text[index]):
                start = index
        return ELLIPSIS + text[start:].lstrip()
    kept, used = 0, 0
    for index, char in enumerate(text):
        size = units(char)
        if used + size > budget:
            break
        used += size
        if index + 1 == len(text) or not _joins(text[index], text[index + 1]):
            kept = index + 1
    return text[:kept].rstrip() + ELLIPSIS


def whole_lines(
    lines: Sequence[str], limit: int = MESSAGE_TEXT, *, finish: Callable[[str], str] = lambda body: body
) -> str:
    """``finish`` (the sentence and paragraph marks around them) applied to as many whole
    ``lines`` as fit in ``limit`` as Telegram counts it; when some are left out, a last line
    "…" says so. A cut inside a line could split an HTML tag or entity, which Telegram refuses."""
    kept = list(lines)
    text = finish("\n".join(kept))
    while kept and visible_units(text) > limit:
        kept.pop()
        text = finish("\n".join([*kept, ELLIPSIS]))
    return text


# -- splitting ---------------------------------------------------------------------------------
class Break(IntEnum):
    """Where a long text may be cut, best first."""

    PARAGRAPH = 0  # after a blank line
    LINE = 1  # after a line break
    SENTENCE = 2  # after a sentence's end: . ! ? … (and a space), 。！？ ؟ ۔ (with or without)
    WORD = 3  # after a space
    CHARACTER = 4  # between two characters not of one grapheme (the last resort)
    NONE = 5  # inside a grapheme, a tag's or entity's neighbourhood: never


#: a part shorter than this share of the limit is too short: a worse kind of break that makes a
#: longer part is taken instead (a paragraph break at the first line would make a tiny message)
MIN_FILL = 0.5
_LATIN_END = frozenset(".!?…")
_OWN_END = frozenset("。！？｡؟۔．")  # full stops that need no space after them (CJK, Arabic, Urdu)
_CLOSERS = frozenset("\"'”’»)]」』）")
_SPACE = frozenset(" \t\u00a0\u3000")
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass(frozen=True, slots=True)
class _Atom:
    raw: str  # as written in the HTML
    shown: str  # what the person reads ('' for a tag)
    tag: str = ""  # the tag's name, for a tag
    closing: bool = False


def _entity(raw: str) -> str:
    body = raw[1:-1]
    if body in _NAMED:
        return _NAMED[body]
    try:
        code = int(body[2:], 16) if body[1:2] in "xX" else int(body[1:])
        return chr(code)
    except (ValueError, OverflowError):
        return raw


def _atoms(text: str) -> list[_Atom]:
    """Tags, entities and single characters, in order."""
    out: list[_Atom] = []
    for token in _TOKEN.findall(text):
        if token.startswith("<") and len(token) > 1:
            name = _TAG_NAME.match(token)
            closing = token.startswith("</")
            out.append(_Atom(token, "", name.group(1).lower() if name else "", closing))
        elif token.startswith("&") and token.endswith(";") and len(token) > 2:
            out.append(_Atom(token, _entity(token)))
        else:
            out.extend(_Atom(char, char) for char in token)
    return out


def _joins(before: str, after: str) -> bool:
    """Whether two characters belong to one grapheme (a cut between them would break it)."""
    if after in "\u200d\ufe0e\ufe0f" or before == "\u200d":
        return True
    if 0x1F3FB <= ord(after) <= 0x1F3FF or 0xE0020 <= ord(after) <= 0xE007F:  # skin tones, tag sequences
        return True
    if unicodedata.category(after) in ("Mn", "Me", "Mc"):
        return True
    return 0x1F1E6 <= ord(before) <= 0x1F1FF and 0x1F1E6 <= ord(after) <= 0x1F1FF  # flags


def _kind(chars: list[str], k: int) -> Break:
    """What kind of break a cut between the visible characters ``chars[k-1]`` and
    ``chars[k]`` would be."""
    before, after = chars[k - 1], chars[k]
    if after == "\n":
        return Break.NONE  # cut after the line breaks, not among them
    if before == "\n":
        return Break.PARAGRAPH if k >= 2 and chars[k - 2] == "\n" else Break.LINE
    if after in _SPACE:
        return Break.NONE  # cut after the spaces
    if before in _SPACE:
        end = k - 1
        while end > 0 and chars[end] in _SPACE:
            end -= 1
        while end > 0 and chars[end] in _CLOSERS:
            end -= 1
        return Break.SENTENCE if chars[end] in _LATIN_END or chars[end] in _OWN_END else Break.WORD
    if before in _OWN_END and after not in _CLOSERS:
        return Break.SENTENCE
    if len(before) == 1 and len(after) == 1 and _joins(before, after):
        return Break.NONE
    return Break.CHARACTER


def _breaks(atoms: list[_Atom]) -> list[Break]:
    """For each index i of ``atoms``, the kind of break a cut just before ``atoms[i]`` is
    (NONE where no cut goes). Between two visible characters the cut goes after any closing
    tags and before any opening ones, so that no part ends with an empty ``<b></b>``."""
    kinds = [Break.NONE] * (len(atoms) + 1)
    shown = [index for index, atom in enumerate(atoms) if atom.shown]
    chars = [atoms[index].shown for index in shown]
    for k in range(1, len(shown)):
        at = _before_opening_tags(atoms, shown[k - 1], shown[k])
        kinds[at] = _kind(chars, k)
    return kinds


def _before_opening_tags(atoms: list[_Atom], after: int, at: int) -> int:
    """``at`` moved back over the opening tags before it, but not to or before ``after``."""
    while at - 1 > after and atoms[at - 1].tag and not atoms[at - 1].closing:
        at -= 1
    return at


def split_html(text: str, limit: int = MESSAGE_TEXT) -> list[str]:
    """``text`` (Telegram HTML) as parts of at most ``limit`` units each (see the module's
    docstring). A message that starts right-to-left (with RLM) has every part start so."""
    if units(text) <= limit or visible_units(text) <= limit:  # the raw text is never shorter
        return [text]
    lead = RLM if text.startswith(RLM) else ""
    atoms = _atoms(text[len(lead) :])
    room = limit - units(lead)
    sizes = [0]
    for atom in atoms:
        sizes.append(sizes[-1] + units(atom.shown))
    kinds = _breaks(atoms)
    parts: list[str] = []
    start, opened = 0, list[_Atom]()
    while start < len(atoms):
        end = _farthest(sizes, start, room)
        cut_at = len(atoms) if end == len(atoms) else _best_cut(atoms, kinds, sizes, start, end, room)
        body = atoms[start:cut_at]
        still_open = _open_after(opened, body)
        raw = "".join(a.raw for a in opened) + "".join(a.raw for a in body).rstrip()
        raw += "".join(f"</{a.tag}>" for a in reversed(still_open))
        if any(a.shown.strip() for a in body):
            parts.append(lead + raw)
        start, opened = cut_at, still_open
        while start < len(atoms) and atoms[start].shown and not atoms[start].shown.strip():
            start += 1  # the spaces and line breaks at a cut go with it
    return parts


def _farthest(sizes: list[int], start: int, room: int) -> int:
    """The largest ``end`` such that atoms[start:end] show at most ``room`` units."""
    low, high = start + 1, len(sizes) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if sizes[middle] - sizes[start] <= room:
            low = middle
        else:
            high = middle - 1
    return low


def _best_cut(
    atoms: list[_Atom], kinds: list[Break], sizes: list[int], start: int, end: int, room: int
) -> int:
    """The best place to cut in (start, end]: the best kind of break that leaves a part of at
    least MIN_FILL of the room, else the best kind at all, else ``end`` (moved back over
    opening tags)."""
    best: dict[Break, int] = {}
    full: dict[Break, int] = {}
    for index in range(end, start, -1):
        kind = kinds[index]
        if kind >= Break.NONE:
            continue
        best.setdefault(kind, index)
        if sizes[index] - sizes[start] >= room * MIN_FILL:
            full.setdefault(kind, index)
    for found in (full, best):
        if found:
            return found[min(found)]
    return _before_opening_tags(atoms, start, end)


def _open_after(opened: list[_Atom], body: list[_Atom]) -> list[_Atom]:
    """The tags still open after ``body``, given those open before it (outermost first)."""
    stack = list(opened)
    for atom in body:
        if not atom.tag:
            continue
        if not atom.closing:
            stack.append(atom)
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].tag == atom.tag:
                del stack[depth]
                break
    return stack
