"""Typography a reviser checks, per language (``content check --strict``).

French puts a space before the high punctuation marks : ; ? ! and inside the guillemets
« », and that space must be a no-break space (U+00A0, or the narrow U+202F that French
printers use before ; ? ! and inside « »): with a plain space a Telegram bubble may break
the line just before the mark and leave a lone "?" at the start of a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: re.Pattern[str]
    what: str


@dataclass(frozen=True, slots=True)
class Fault:
    """One kind of typographical fault in a text, with how often and where it first occurs."""

    what: str
    count: int
    excerpt: str

    def message(self) -> str:
        times = f" ({self.count} places)" if self.count > 1 else ""
        return f"{self.what}{times}: \u201c{self.excerpt}\u201d"


_NBSP_HINT = "a no-break space (U+00A0 or U+202F)"

RULES: dict[str, tuple[Rule, ...]] = {
    "fr": (
        *(
            Rule(re.compile(rf"(?<=\S) (?={re.escape(mark)})"), f"plain space before '{mark}' instead of {_NBSP_HINT}")
            for mark in (":", ";", "?", "!")
        ),
        Rule(re.compile(r"(?<=«) "), f"plain space after '«' instead of {_NBSP_HINT}"),
        Rule(re.compile(r" (?=»)"), f"plain space before '»' instead of {_NBSP_HINT}"),
    ),
}


def checked_languages() -> frozenset[str]:
    return frozenset(RULES)


def faults(text: str, lang: str) -> list[Fault]:
    """The typographical faults of ``text`` under the rules of ``lang`` (none if it has none)."""
    found = []
    for rule in RULES.get(lang, ()):
        matches = list(rule.pattern.finditer(text))
        if matches:
            at = matches[0].start()
            start = max(0, at - 24)
            excerpt = ("…" if start else "") + text[start : at + 2].replace("\n", " ")
            found.append(Fault(rule.what, len(matches), excerpt))
    return found
