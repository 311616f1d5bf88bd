"""Internationalisation: gettext catalogs, language choice, locale-aware dates and times.

Every user-visible string goes through a :class:`Translator`::

    t = translator("fr")
    t._("Welcome, {name}!").format(name=name)
    t.ngettext("{n} session", "{n} sessions", n).format(n=n)

Dates and times are always converted to the event's time zone first and then formatted
by Babel in the user's locale. Catalogs live in ``locales/<lang>/LC_MESSAGES/bot.po``
and are compiled to ``.mo`` on start (:func:`compile_catalogs`); compiled files are not
committed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.catalog.models import SUPPORTED_LANGUAGES

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
FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate
LRM = "\u200e"
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
    """Translations and locale-aware formatting for one language."""

    def __init__(self, lang: str, translations: NullTranslations) -> None:
        self.lang = lang
        self.locale = Locale.parse(BABEL_LOCALES.get(lang, lang))
        self._tr = translations

    # -- messages ----------------------------------------------------------------------
    def _(self, message: str) -> str:
        return self._tr.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._tr.ngettext(singular, plural, n)

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES

    def isolate(self, text: str) -> str:
        """Wrap an embedded value (a name, a room, a phone number) so it keeps its own
        direction inside a right-to-left sentence; a no-op in left-to-right languages."""
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def paragraph(self, text: str) -> str:
        """Start a message right-to-left in Arabic, whatever its first word is. A command's
        slash gets a left-to-right mark before it, or the line would show "menu/"."""
        if not self.rtl:
            return text
        text = _COMMAND.sub(LRM + "/", text.removeprefix(RLM))
        return f"{RLM}{text}"

    # -- numbers, dates and times -------------------------------------------------------
    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: dt.date | dt.datetime, tz: dt.tzinfo | None = None, fmt: str = "full") -> str:
        if isinstance(value, dt.datetime):
            value = _in_zone(value, tz).date()
        if fmt == "day":  # "Saturday 25 October" without the year where the locale has it
            pattern = _skeleton(self.locale, "MMMMEEEEd", exact=True)
            return _format_date(value, pattern or "full", self.locale)
        if fmt == "short-day":  # "Sat 25 Oct"
            return _format_date(value, _skeleton(self.locale, "MMMEd"), self.locale)
        return _format_date(value, fmt, self.locale)

    def time(self, value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
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
    return format_time(value, format="short", locale=locale)


@functools.lru_cache(maxsize=64)
def _skeleton(locale: Locale, skeleton: str, exact: bool = False) -> str | None:
    """A CLDR pattern for a skeleton in this locale (Babel's availableFormats)."""
    formats = locale.datetime_skeletons
    if skeleton in formats:
        return formats[skeleton].pattern
    if exact:
        return None
    from babel.dates import match_skeleton

    best = match_skeleton(skeleton, formats)
    return formats[best].pattern if best else "medium"


@functools.cache
def translator(lang: str) -> Translator:
    """The (cached) translator for a language; unknown languages get English."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    translations = Translations.load(str(LOCALES_DIR), locales=[lang], domain=DOMAIN)
    return Translator(lang, translations)


def event_zone(name: str) -> dt.tzinfo:
    return get_timezone(name)
