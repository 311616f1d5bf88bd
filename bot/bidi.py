"""Left-to-right runs kept whole inside right-to-left text.

In an Arabic sentence the Unicode Bidirectional Algorithm lays out each left-to-right piece on
its own: "+84 24 3999 2520" has four numbers separated by spaces, which an RTL line shows as
"2520 3999 24 84+"; an e-mail, a URL or "Xanh SM" can break up the same way, and a line that
starts with a Latin word is laid out left to right as a whole. :func:`isolate_ltr_runs` wraps
each such run in LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE (U+2066, U+2069), so it is
shown as one left-to-right unit and does not change the direction of the text around it.

What counts as a run: a stretch of strong left-to-right letters (Latin, Vietnamese, Cyrillic,
Chinese), digits, the separators that live inside numbers, addresses and codes (``. , : / -
+ @ _ # & = ? ' ’``), spaces between them and balanced parentheses, without right-to-left
letters or line breaks; it starts at a letter, a digit or a ``+`` and ends at a letter, a
digit, ``%`` or a closing parenthesis. A run is wrapped when it has a left-to-right letter,
starts with ``+``, holds an ``@`` or ``://``, or spaces between its digits (a phone number).
A bare number, a time ("09:00"), a numeric date ("25/10/2025") is left alone: the algorithm
keeps it whole, and a range of them ("06:00–22:00", "25–26") keeps the right-to-left order
of its ends, as Arabic reads it.

Plain text in, plain text out (escape for HTML afterwards). A text that already holds
explicit directional isolates or embeddings is returned unchanged: its author has decided.
"""

from __future__ import annotations

import functools
import re
import unicodedata

LRI = "\u2066"  # left-to-right isolate
RLI = "\u2067"  # right-to-left isolate
FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate
#: explicit directional formatting: a text holding any of these is left as its author wrote it
EXPLICIT = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: neutral characters that may sit inside a run (inside numbers, addresses, codes, names)
_INNER = frozenset(".,:/-+@_#&=?'’%()\u00a0 ")
_OPENING, _CLOSING = "(", ")"
#: separators that are not part of a left-to-right run even though their bidi class allows it
_BREAKS = frozenset("\u060c\u061b\u061f\u066b\u066c")  # Arabic comma, semicolon, question mark, decimal and thousands
_PHONE_DIGITS = re.compile(r"\d[\s\u00a0]+\d")


def _strong_ltr(ch: str) -> bool:
    return unicodedata.bidirectional(ch) == "L"


def _starts(ch: str) -> bool:
    return _strong_ltr(ch) or ch.isdigit() and unicodedata.bidirectional(ch) == "EN" or ch == "+"


def _inside(ch: str) -> bool:
    if ch in _BREAKS:
        return False
    return _starts(ch) or ch in _INNER


def _ends(ch: str) -> bool:
    return _strong_ltr(ch) or ch.isdigit() and unicodedata.bidirectional(ch) == "EN" or ch in "%)"


def _needs_isolating(run: str) -> bool:
    return (
        any(_strong_ltr(ch) for ch in run)
        or run.startswith("+")
        or "@" in run
        or "://" in run
        or bool(_PHONE_DIGITS.search(run))
    )


def _trim(run: str) -> str:
    """The run without trailing separators, and without an unmatched parenthesis at its end
    (an opening one it never closed, or a closing one whose opening lies outside it)."""
    while run:
        while run and not _ends(run[-1]):
            run = run[:-1]
        if run.endswith(_CLOSING) and run.count(_CLOSING) > run.count(_OPENING):
            run = run[:-1]
            continue
        if run.count(_OPENING) > run.count(_CLOSING):
            run = run[: run.rindex(_OPENING)]
            continue
        return run
    return run


def ltr_runs(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the runs :func:`isolate_ltr_runs` wraps, in order."""
    spans: list[tuple[int, int]] = []
    i, size = 0, len(text)
    while i < size:
        if not _starts(text[i]) or (text[i] == "+" and not (i + 1 < size and text[i + 1].isdigit())):
            i += 1
            continue
        j = i + 1
        while j < size and _inside(text[j]):
            j += 1
        run = _trim(text[i:j])
        if run and _needs_isolating(run):
            spans.append((i, i + len(run)))
        i += max(len(run), 1)
    return spans


# Cards render the same pack texts again and again: the result is kept, keyed by the text
# itself (so a reloaded pack needs no invalidation), for a few thousand texts at most.
@functools.lru_cache(maxsize=4096)
def isolate_ltr_runs(text: str) -> str:
    """``text`` with each left-to-right run that needs it wrapped in LRI … PDI."""
    if not text or EXPLICIT.intersection(text):
        return text
    spans = ltr_runs(text)
    if not spans:
        return text
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.extend((text[at:start], LRI, text[start:end], PDI))
        at = end
    out.append(text[at:])
    return "".join(out)


def has_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Arabic, Hebrew, Syriac, Thaana...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


_CONTROLS = str.maketrans({ch: None for ch in "\u200e\u200f\u061c" + "".join(EXPLICIT)})


def visible(text: str) -> str:
    """``text`` without its directional marks and isolates: what a reader sees, in logical
    order (for comparing a rendered reply with the pack's own words)."""
    return text.translate(_CONTROLS)
