"""The pack's glossary: one approved rendering of each term in each language.

Translators at the United Nations work from the conference's terminology list, so that
"side event" is "événement parallèle" in every French text, never also "manifestation
parallèle". ``glossary.yaml`` is that list for a content pack. It is optional and the bot
does not load it: ``python -m bot content check DIR --strict`` reads it and reports every
text of the pack, and every message of the bot's catalogs, that renders a term another way
(:mod:`bot.catalog.review`). Format::

    terms:
      - id: side-event                       # [a-z0-9-]+, unique
        text: {en: side event, fr: événement parallèle, ...}   # the approved rendering (a text)
        forms: {fr: ["événement* parallèle*"]}   # optional: what counts as that rendering
        avoid: {fr: ["manifestation* parallèle*"]}   # optional: renderings to report
        enforce: true       # optional: where the source text has the term, translations use it
        match_case: false   # optional: match the patterns case-sensitively
        note: "..."         # optional, for translators

A *pattern* is a few words. ``*`` stands for any letters (an inflected ending, an attached
prefix such as Arabic ال); matching ignores case unless ``match_case``, treats ’ as ' and
any run of spaces, no-break spaces or hyphens between words alike, and takes whole words
only (except at a ``*`` or a Chinese character, since Chinese has no spaces). ``forms``
default to the approved rendering itself.

Two checks, both precise by design:

* **avoid**: a text in a language that matches one of the term's ``avoid`` patterns there
  is reported, unless the match lies inside an approved form (``avoid: ["bàn tròn"]`` with
  the approved "tọa đàm bàn tròn" reports a bare "bàn tròn" only);
* **enforce** (opt-in per term): a translation whose source-language text (the event's
  default language; for catalogs, the msgid) contains the term but which contains none of
  the term's approved forms is reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.catalog.checks import Reporter, Source
from bot.catalog.messages import describe, suggest, translate
from bot.catalog.models import ID_PATTERN, Language, Text

GLOSSARY_FILE = "glossary.yaml"

Pattern = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

#: letters that may sit inside a word without being \w (Arabic vowel marks, combining accents)
_MARKS = "\u0300-\u036f\u064b-\u065f\u0670"
_LETTERS = rf"(?:\w|[{_MARKS}])*"
_GAP = r"[\s\u00a0\u202f\-\u2010\u2011]+"
_HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: a gettext placeholder such as {delegation} is a value, not a word of the text
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
#: one apostrophe; Arabic short vowels, shadda and tatweel dropped (written or not, same word)
_FOLD = str.maketrans(
    {"\u2019": "'", "\u02bc": "'", "\u0640": None}
    | {chr(c): None for c in range(0x064B, 0x0660)}
    | {"\u0670": None}
)


def normalise(text: str) -> str:
    """The form both texts and patterns are matched in (NFC, one apostrophe, no Arabic vowels)."""
    return unicodedata.normalize("NFC", text).translate(_FOLD)


def compile_pattern(pattern: str, match_case: bool = False) -> re.Pattern[str]:
    """A glossary pattern as a regular expression (see the module docstring)."""
    words = normalise(pattern).split()
    if not any(ch != "*" for word in words for ch in word):
        raise ValueError(f"pattern '{pattern}' has no letters")
    body = _GAP.join(
        "".join(_LETTERS if ch == "*" else re.escape(ch) for ch in word) for word in words
    )
    first, last = words[0][0], words[-1][-1]
    head = "" if first == "*" or _HAN.match(first) else rf"(?<![\w{_MARKS}])"
    tail = "" if last == "*" or _HAN.match(last) else rf"(?![\w{_MARKS}])"
    return re.compile(head + body + tail, 0 if match_case else re.IGNORECASE)


class GlossaryTerm(BaseModel):
    """One term of the glossary (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    text: Text
    forms: dict[Language, list[Pattern]] = Field(default_factory=dict)
    avoid: dict[Language, list[Pattern]] = Field(default_factory=dict)
    enforce: bool = False
    match_case: bool = False
    note: str | None = None

    def approved(self, lang: str) -> list[str]:
        """The patterns that count as the approved rendering in ``lang`` (none if unknown)."""
        if lang in self.forms:
            return self.forms[lang]
        return [self.text.root[lang]] if lang in self.text.root else []


@dataclass(frozen=True, slots=True)
class Finding:
    """A place where a text departs from the glossary."""

    term: GlossaryTerm
    lang: str
    kind: Literal["avoid", "missing"]
    found: str  # the wrong rendering (avoid) or the source-language wording (missing)

    def message(self, source_lang: str) -> str:
        approved = self.term.text.root.get(self.lang, "?")
        if self.kind == "avoid":
            return (
                f"\u201c{self.found}\u201d: the glossary's {self.lang} rendering is "
                f"\u201c{approved}\u201d (glossary term '{self.term.id}')"
            )
        return (
            f"the {source_lang} text has \u201c{self.found}\u201d but this {self.lang} text does "
            f"not use the glossary's \u201c{approved}\u201d (glossary term '{self.term.id}')"
        )


class _Compiled:
    __slots__ = ("approved", "avoid", "term")

    def __init__(self, term: GlossaryTerm) -> None:
        self.term = term
        case = term.match_case
        langs = set(term.text.root) | set(term.forms) | set(term.avoid)
        self.approved = {
            lang: [compile_pattern(p, case) for p in term.approved(lang)] for lang in langs
        }
        self.avoid = {
            lang: [compile_pattern(p, case) for p in pats] for lang, pats in term.avoid.items()
        }

    def approved_spans(self, text: str, lang: str) -> list[tuple[int, int]]:
        return [m.span() for rx in self.approved.get(lang, ()) for m in rx.finditer(text)]

    def avoided(self, text: str, lang: str) -> Iterator[str]:
        spans: list[tuple[int, int]] | None = None
        for rx in self.avoid.get(lang, ()):
            for match in rx.finditer(text):
                if spans is None:
                    spans = self.approved_spans(text, lang)
                start, end = match.span()
                if not any(a <= start and end <= b for a, b in spans):
                    yield match.group(0)


class Glossary:
    """The validated terms, compiled for matching."""

    def __init__(self, terms: list[GlossaryTerm]) -> None:
        self.terms = list(terms)
        self._compiled = [_Compiled(term) for term in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def findings(
        self, text: str, lang: str, source: str | None = None, source_lang: str | None = None
    ) -> list[Finding]:
        """Where ``text`` (in ``lang``) departs from the glossary.

        ``source`` is the same text in the source language, when there is one: it drives
        the *enforce* check.
        """
        text = _PLACEHOLDER.sub("\ufffc", normalise(text))
        if source is not None:
            source = _PLACEHOLDER.sub("\ufffc", normalise(source))
        found: list[Finding] = []
        for entry in self._compiled:
            seen: set[str] = set()
            for wrong in entry.avoided(text, lang):
                if wrong.casefold() not in seen:
                    seen.add(wrong.casefold())
                    found.append(Finding(entry.term, lang, "avoid", wrong))
            if (
                entry.term.enforce
                and source is not None
                and source_lang is not None
                and lang != source_lang
                and entry.approved.get(lang)
            ):
                in_source = _first(entry.approved.get(source_lang, ()), source)
                if in_source is not None and not entry.approved_spans(text, lang):
                    found.append(Finding(entry.term, lang, "missing", in_source))
        return found


def _first(patterns: list[re.Pattern[str]] | tuple[()], text: str) -> str | None:
    for rx in patterns:
        match = rx.search(text)
        if match:
            return match.group(0)
    return None


# ---- reading glossary.yaml -----------------------------------------------------------


def read_glossary(
    src: Source, languages: list[str] | None, report: Reporter
) -> Glossary | None:
    """Validate a parsed ``glossary.yaml``; report every problem; the glossary if usable.

    ``languages`` are the event's (the first is the default, the glossary's source
    language); ``None`` when the event could not be read (coverage is then not checked).
    """
    if src.parsed is None:
        return None
    data = src.data
    if data is None:
        return Glossary([])
    if not isinstance(data, dict):
        report.at(src, (), f"must be a mapping with 'terms' (got {describe(data)})")
        return None
    for key in data:
        if key != "terms":
            report.at(src, (key,), f"unknown key '{key}' (expected: terms)" + suggest(key, ["terms"]))
    items = data.get("terms")
    if items is None:
        return Glossary([])
    if not isinstance(items, list):
        report.at(src, ("terms",), f"must be a list (got {describe(items)})")
        return None
    default = languages[0] if languages else "en"
    ctx = {"default_lang": default}
    terms: list[GlossaryTerm] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        path = ("terms", index)
        ident = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(ident, str):
            if ident in seen:
                assert src.parsed is not None
                line = src.parsed.lines.line_of(("terms", seen[ident], "id"))
                report.at(src, (*path, "id"), f"duplicate term id '{ident}' (already at line {line})")
                continue
            seen[ident] = index
        try:
            term = GlossaryTerm.model_validate(raw, context=ctx)
        except ValidationError as exc:
            for loc, message in translate(exc, GlossaryTerm, raw):
                report.at(src, (*path, *loc), message)
            continue
        if _check_term(term, src, path, languages, report):
            terms.append(term)
    return Glossary(terms)


def _check_term(
    term: GlossaryTerm,
    src: Source,
    path: tuple[Any, ...],
    languages: list[str] | None,
    report: Reporter,
) -> bool:
    """Checks a schema cannot express; False when the term cannot be used."""
    usable = True
    for key in ("forms", "avoid"):
        for lang, patterns in getattr(term, key).items():
            for index, pattern in enumerate(patterns):
                try:
                    compile_pattern(pattern)
                except ValueError as exc:
                    report.at(src, (*path, key, lang, index), str(exc))
                    usable = False
    if not usable:
        return False
    # the approved rendering must pass its own term: found by its forms, not by avoid
    compiled = _Compiled(term)
    for lang, approved in term.text.root.items():
        text = normalise(approved)
        if not compiled.approved_spans(text, lang):
            report.at(
                src,
                (*path, "forms", lang) if lang in term.forms else (*path, "text", lang),
                f"none of the forms matches the approved rendering \u201c{approved}\u201d",
            )
            usable = False
        for wrong in compiled.avoided(text, lang):
            report.at(
                src,
                (*path, "avoid", lang),
                f"the pattern matching \u201c{wrong}\u201d also matches the approved "
                f"rendering \u201c{approved}\u201d",
            )
            usable = False
    if languages is None or not term.enforce:
        return usable  # an avoid-only term may name just the languages it polices
    default = languages[0]
    text_path = (*path, "text")
    for lang in term.text.root:
        if lang not in languages:
            report.at(
                src,
                (*text_path, lang),
                f"language '{lang}' is not one of the event's languages ({', '.join(languages)})",
                warning=True,
            )
    missing = [lang for lang in languages if lang not in term.text.root]
    if default in missing:
        report.at(src, text_path, f"term missing in the default language '{default}'")
        usable = False
    elif missing:
        report.at(src, text_path, f"term missing in {', '.join(missing)}", warning=True)
    return usable


__all__ = [
    "GLOSSARY_FILE",
    "Finding",
    "Glossary",
    "GlossaryTerm",
    "compile_pattern",
    "normalise",
    "read_glossary",
]
