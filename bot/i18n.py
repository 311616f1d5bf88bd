"""Internationalisation: gettext catalogs, language choice, locale-aware dates and times.

Every user-visible string goes through a :class:`Translator`::

    t = translator("fr")
    t._("Welcome, {name}!").format(name=name)
    t.ngettext("{n} session", "{n} sessions", n).format(n=n)

Dates and times are always converted to the event's time zone first and then formatted
by Babel in the user's locale, with the conference's conventions (:mod:`bot.conventions`:
24-hour times, UN Arabic month names, per-language date patterns). In right-to-left languages
values are isolated and free texts keep their left-to-right runs whole (:mod:`bot.bidi`).
The helpers every renderer uses are listed on :class:`Translator` and in the README
("Rendering"). Catalogs live in ``locales/<lang>/LC_MESSAGES/bot.po``
and are compiled to ``.mo`` on start (:func:`compile_catalogs`); compiled files are not
committed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_interval, format_time, get_timezone
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.bidi import FSI, PDI, has_rtl, isolate_ltr_runs
from bot.catalog.models import SUPPORTED_LANGUAGES
from bot.conventions import (
    DATE_PATTERNS,
    INTERVAL_SKELETONS,
    TIME_PATTERN,
    ConferenceLocale,
    DateFormat,
)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "bot"
LANGUAGES: tuple[str, ...] = SUPPORTED_LANGUAGES
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})
#: each language's name in itself, for the language picker (not translated on purpose)
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "ar": "العربية",
    "zh": "中文",
    "vi": "Tiếng Việt",
}
#: the same name inside a sentence written in that language: French, Spanish and Vietnamese
#: write a language's name in lower case there ("Toujours me répondre en français")
_NAMES_IN_SENTENCE: dict[str, str] = {"fr": "français", "es": "español", "vi": "tiếng Việt"}


def language_in_sentence(lang: str) -> str:
    """The name of ``lang`` in itself, as written inside a sentence of that language."""
    return _NAMES_IN_SENTENCE.get(lang, LANGUAGE_NAMES[lang])


#: Babel locale per language (zh means Simplified Chinese as used in the event)
BABEL_LOCALES: dict[str, str] = {
    "en": "en_GB",
    "fr": "fr",
    "es": "es",
    "ru": "ru",
    "ar": "ar",
    "zh": "zh_Hans_CN",
    "vi": "vi",
}

RLM = "\u200f"
LRM = "\u200e"
ListStyle = Literal["standard", "or"]
#: a bot command ("/menu") inside a text; not a closing tag ("</b>") nor part of a path or URL
_COMMAND = re.compile(r"(?<![\w/<\u200e])/(?=[A-Za-z])")


def N_(message: str) -> str:  # the gettext convention's name
    """Mark a string for extraction without translating it now."""
    return message


def pick_language(code: str | None, available: tuple[str, ...] | list[str] = LANGUAGES) -> str:
    """Map a Telegram ``language_code`` (``fr-CA``, ``zh-hans``, ``pt-br``) to a supported one."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base in available:
            return base
    return available[0] if DEFAULT_LANGUAGE not in available else DEFAULT_LANGUAGE


def compile_catalogs(locales_dir: Path = LOCALES_DIR, force: bool = False) -> list[Path]:
    """Compile every ``bot.po`` whose ``bot.mo`` is missing or older. Returns what it wrote."""
    written = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name, domain=DOMAIN)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    if written:
        translator.cache_clear()
    return written


class Translator:
    """Translations and locale-aware formatting for one language.

    The helpers every renderer uses (see README, "Rendering"):

    * messages: ``_``, ``ngettext``, ``pgettext`` and ``npgettext`` (with a context);
    * values inside a sentence: :meth:`isolate` (a name, a phone number, a time), and
      :meth:`embed` for a free text (a pack's answer, a person's question) so that its
      phone numbers, e-mails, URLs and Latin words keep their order in right-to-left text;
    * :meth:`paragraph` on every message, :meth:`heading` on a heading that may start with
      a date, :meth:`join` for an enumeration;
    * :meth:`date`, :meth:`dates`, :meth:`time`, :meth:`datetime`, :meth:`time_range`,
      :meth:`number`: Babel in the person's locale with the conference's conventions
      (:mod:`bot.conventions`).
    """

    def __init__(self, lang: str, translations: NullTranslations) -> None:
        self.lang = lang
        self.locale: Locale = ConferenceLocale(lang, BABEL_LOCALES.get(lang, lang))
        self._tr = translations
        self._patterns = DATE_PATTERNS.get(lang, DATE_PATTERNS[DEFAULT_LANGUAGE])

    # -- messages ----------------------------------------------------------------------
    def _(self, message: str) -> str:
        return self._tr.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._tr.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """A message whose English is ambiguous: ``context`` tells translators which sense
        ("Next" as a heading or as a button)."""
        return str(self._tr.pgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return str(self._tr.npgettext(context, singular, plural, n))

    # -- direction -----------------------------------------------------------------------
    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES

    def isolate(self, text: str) -> str:
        """Wrap an embedded value (a name, a room, a phone number) so it keeps its own
        direction inside a right-to-left sentence; a no-op in left-to-right languages.
        A right-to-left value's own left-to-right runs are isolated too (an Arabic room
        name with a phone number in it)."""
        if not self.rtl or not text:
            return text
        return f"{FSI}{isolate_ltr_runs(text) if has_rtl(text) else text}{PDI}"

    def embed(self, text: str) -> str:
        """A free text (a pack's answer or summary, a person's words) ready to sit in this
        language's message: in right-to-left languages its phone numbers, e-mails, URLs,
        codes and Latin-script runs are isolated (:func:`bot.bidi.isolate_ltr_runs`), so
        "+84 24 3999 2520" does not come out "2520 3999 24 84+". Plain text in and out."""
        return isolate_ltr_runs(text) if self.rtl and text else text

    def paragraph(self, text: str) -> str:
        """Lay a message out right-to-left in Arabic, whatever the first word of each of its
        lines (each line is a paragraph to Telegram's apps). A command's slash gets a
        left-to-right mark before it, or the line would show "menu/"."""
        if not self.rtl:
            return text
        text = _COMMAND.sub(LRM + "/", text)
        return "\n".join(RLM + line.removeprefix(RLM) if line else line for line in text.split("\n"))

    def heading(self, text: str) -> str:
        """A heading or a button label that may start with a word Babel writes in lower case
        ("samedi 25 octobre", "суббота, 25 октября"): its first letter capitalised. Only at
        the start of a heading, never inside a sentence."""
        for index, char in enumerate(text):
            if char.isalpha():
                return text[:index] + char.upper() + text[index + 1 :]
            if char.isdigit():
                return text
        return text

    def join(self, items: Sequence[str], style: ListStyle = "standard") -> str:
        """Items joined as the language joins them: "A, B and C", "A、B和C", "A وB وC".
        ``style`` is Babel's ``standard`` (and) or ``or``. (Babel's ``unit`` lists are not
        offered: several of our locales lack them or get them wrong.)"""
        items = [item for item in items if item]
        return format_list(items, style=style, locale=self.locale) if items else ""

    def language_name(self, code: str) -> str:
        """A language's name in this language ("French", "français", "الفرنسية")."""
        return str(self.locale.languages.get(code, code))

    # -- numbers, dates and times -------------------------------------------------------
    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: dt.date | dt.datetime, tz: dt.tzinfo | None = None, fmt: DateFormat = "long") -> str:
        """A date in one of the named formats of :data:`bot.conventions.DATE_PATTERNS`:
        ``day`` ("Saturday 25 October"), ``short-day`` ("Sat 25 Oct"), ``medium``
        ("25 Oct 2025"), ``long`` ("25 October 2025"). Lower case where the language writes
        weekdays so: use :meth:`heading` when it starts a heading."""
        if isinstance(value, dt.datetime):
            value = _in_zone(value, tz).date()
        return _format_date(value, self._patterns[fmt], self.locale)

    def dates(self, start: dt.date, end: dt.date) -> str:
        """A range of days, with Babel's ``format_interval`` ("25–26 October 2025",
        "2025年10月25日至26日"); one day when they are the same."""
        if start == end:
            return self.date(start, fmt="long")
        return _format_interval(start, end, INTERVAL_SKELETONS.get(self.lang, "yMMMd"), self.locale)

    def time(self, value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
        """A clock time, 24-hour with two-digit hours in every language ("09:00")."""
        return _format_time(_in_zone(value, tz), self.locale)

    def datetime(self, value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
        """Short day and time joined the way the locale joins them ("Sat 25 Oct, 09:00")."""
        local = _in_zone(value, tz)
        glue = str(self.locale.datetime_formats.get("medium", "{1} {0}"))
        return glue.replace("{1}", self.date(local, fmt="short-day")).replace(
            "{0}", self.time(local)
        )

    def time_range(self, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo | None = None) -> str:
        return f"{self.time(start, tz)}–{self.time(end, tz)}"

    def datetime_range(self, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo | None = None) -> str:
        """Short day and time range joined as the locale joins a date and a time ("Sat 25 Oct,
        09:00–10:30", "09:00–10:30 Thứ Bảy 25/10"), never the range glued after a whole date
        and time (Vietnamese puts the time first: "09:00 Thứ Bảy 25/10–10:30"). Two days and
        times when it ends on another day."""
        local_start, local_end = _in_zone(start, tz), _in_zone(end, tz)
        if local_start.date() != local_end.date():
            return f"{self.datetime(start, tz)} – {self.datetime(end, tz)}"
        glue = str(self.locale.datetime_formats.get("medium", "{1} {0}"))
        return glue.replace("{1}", self.date(local_start, fmt="short-day")).replace(
            "{0}", self.time_range(start, end, tz)
        )

    def zone_label(self, tz: dt.tzinfo | None, when: dt.datetime) -> str:
        """``UTC+7`` style label of the event zone at ``when`` (digits never localised away)."""
        local = _in_zone(when, tz)
        offset = local.utcoffset() or dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _in_zone(value: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    if tz is None:
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(tz)


# A programme has a few dozen distinct dates and times, formatted on every card: Babel parses
# the pattern each time, so the results are kept (keys are immutable values).
@functools.lru_cache(maxsize=4096)
def _format_date(value: dt.date, pattern: str, locale: Locale) -> str:
    return format_date(value, pattern, locale=locale)


@functools.lru_cache(maxsize=4096)
def _format_time(value: dt.datetime, locale: Locale) -> str:
    return format_time(value, format=TIME_PATTERN, locale=locale)


@functools.lru_cache(maxsize=256)
def _format_interval(start: dt.date, end: dt.date, skeleton: str, locale: Locale) -> str:
    return format_interval(start, end, skeleton, locale=locale)


@functools.cache
def translator(lang: str) -> Translator:
    """The (cached) translator for a language; unknown languages get English."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    translations = Translations.load(str(LOCALES_DIR), locales=[lang], domain=DOMAIN)
    return Translator(lang, translations)


def event_zone(name: str) -> dt.tzinfo:
    return get_timezone(name)
