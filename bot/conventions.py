"""How each language writes dates and times at a United Nations conference.

Babel's defaults (CLDR) are made for phones, not for conference documents: Arabic times come
out 12-hour ("9:00 ص"), Spanish "9:00", Vietnamese dates "25 thg 10, 2025" and weekdays
"Th 7", a Russian or French sentence gets abbreviated months ("25–26 окт. 2025 г."), Arabic
months in one calendar only. Here each language gets its patterns, chosen to read as the
pack's own texts and UN practice do, and a :class:`ConferenceLocale` that Babel formats with:

* times are 24-hour with two-digit hours everywhere ("09:00"), as the packs write them;
* Arabic months are named as UN Arabic writes them, in both calendars
  ("تشرين الأول/أكتوبر", the demo pack's glossary term), in every Babel format;
* date ranges use CLDR's interval formats (Babel's ``format_interval``) with the month in
  full where the language writes it so in prose ("25–26 October 2025", "25–26 октября
  2025 г."), and Vietnamese as the pack writes dates ("25–26/10/2025").

Patterns are CLDR date-field patterns (``EEEE`` weekday, ``d`` day, ``MMMM`` month, ``y``).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from babel import Locale

DateFormat = Literal["day", "short-day", "medium", "long"]

#: every language: 24-hour clock, two-digit hours ("09:00", "17:30")
TIME_PATTERN = "HH:mm"

#: per language, the patterns behind :meth:`bot.i18n.Translator.date`:
#: ``day``        a heading or a day in a sentence, without the year ("Saturday 25 October")
#: ``short-day``  a day in a list or on a button ("Sat 25 Oct")
#: ``medium``     a date with its year in a note ("25 Oct 2025": "Last updated")
#: ``long``       a date with its year in a sentence ("25 October 2025")
DATE_PATTERNS: dict[str, dict[DateFormat, str]] = {
    "en": {"day": "EEEE d MMMM", "short-day": "EEE d MMM", "medium": "d MMM y", "long": "d MMMM y"},
    "fr": {"day": "EEEE d MMMM", "short-day": "EEE d MMM", "medium": "d MMM y", "long": "d MMMM y"},
    "es": {
        "day": "EEEE, d 'de' MMMM",
        "short-day": "EEE, d MMM",
        "medium": "d MMM y",
        "long": "d 'de' MMMM 'de' y",
    },
    "ru": {"day": "EEEE, d MMMM", "short-day": "EEE, d MMM", "medium": "d MMM y 'г'.", "long": "d MMMM y 'г'."},
    # Arabic has no abbreviations: the short forms are the full ones, the month as the UN names it
    "ar": {"day": "EEEE، d MMMM", "short-day": "EEEE، d MMMM", "medium": "d MMMM y", "long": "d MMMM y"},
    "zh": {"day": "M月d日EEEE", "short-day": "M月d日EEE", "medium": "y年M月d日", "long": "y年M月d日"},
    # as the pack writes them: "Thứ Bảy, ngày 25/10", never "Th 7" or "thg 10"
    "vi": {"day": "EEEE, 'ngày' d/M", "short-day": "EEEE d/M", "medium": "d/M/y", "long": "d/M/y"},
}

#: per language, the CLDR skeleton of a range of dates ("25–26 October 2025")
INTERVAL_SKELETONS: dict[str, str] = {
    "en": "yMMMd",
    "fr": "yMMMd",
    "es": "yMMMMd",  # CLDR has it: "25–26 de octubre de 2025"
    "ru": "yMMMd",
    "ar": "yMMMd",
    "zh": "yMMMd",  # "2025年10月25日至26日"
    "vi": "yMd",
}
#: languages whose prose writes the month in full: their interval patterns' MMM becomes MMMM
_WIDE_MONTHS = frozenset({"en", "fr", "ru", "ar"})
#: Vietnamese ranges as the pack writes them: "25–26/10/2025", "25/10–2/11/2025"
_VI_INTERVALS = {"d": ["d–", "d/M/y"], "M": ["d/M–", "d/M/y"], "y": ["d/M/y – ", "d/M/y"]}

#: UN Arabic month names: both calendars, Levantine then Gregorian (A/INF documents, UNTERM)
UN_ARABIC_MONTHS: dict[int, str] = {
    1: "كانون الثاني/يناير",
    2: "شباط/فبراير",
    3: "آذار/مارس",
    4: "نيسان/أبريل",
    5: "أيار/مايو",
    6: "حزيران/يونيه",
    7: "تموز/يوليه",
    8: "آب/أغسطس",
    9: "أيلول/سبتمبر",
    10: "تشرين الأول/أكتوبر",
    11: "تشرين الثاني/نوفمبر",
    12: "كانون الأول/ديسمبر",
}

_ABBREVIATED_MONTH = re.compile(r"(?<!M)MMM(?!M)")


class ConferenceLocale(Locale):
    """A Babel locale with the conference's conventions (see the module docstring).

    Babel reads month names and interval formats through these properties, so every Babel
    function given this locale (``format_date``, ``format_interval``...) follows them."""

    def __init__(self, lang: str, identifier: str) -> None:
        parsed = Locale.parse(identifier)
        super().__init__(parsed.language, parsed.territory, parsed.script, parsed.variant)
        self.lang = lang
        self._months: Any = None
        self._intervals: Any = None

    @property
    def months(self) -> Any:
        if self._months is None:
            months: Any = super().months
            if self.lang == "ar":
                named = dict(UN_ARABIC_MONTHS)
                months = {
                    context: {width: (named if width != "narrow" else names) for width, names in widths.items()}
                    for context, widths in months.items()
                }
            self._months = months
        return self._months

    @property
    def interval_formats(self) -> Any:
        if self._intervals is None:
            formats: dict[Any, Any] = dict(super().interval_formats)
            if self.lang in _WIDE_MONTHS:
                for skeleton in ("yMMMd", "MMMd"):
                    formats[skeleton] = {
                        field: [_ABBREVIATED_MONTH.sub("MMMM", part) for part in parts]
                        for field, parts in formats[skeleton].items()
                    }
            if self.lang == "vi":
                formats["yMd"] = _VI_INTERVALS
            self._intervals = formats
        return self._intervals

    # two locales of one language but different conventions must not share cached results
    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConferenceLocale) and other.lang == self.lang and super().__eq__(other)

    def __hash__(self) -> int:
        return hash(("conference", self.lang, str(self)))
