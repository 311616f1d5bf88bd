"""Places elsewhere: "the weather in Minsk this week?" is not a question about the weather here.

A gazetteer of the world's countries and cities in the seven languages: the countries and the
time zones' cities of CLDR (through Babel, which the bot already uses for dates), and the
capitals and large cities (``places.yaml``), each in the spellings people type. A lexicon concept marked
``local`` (the weather) is about the event's own city: a question that names one together
with a place the pack never names asks about somewhere else, and no entry of the pack answers
it (:meth:`bot.answers.engine.AnswerEngine`'s ``needs``). A place named as where someone comes
from ("I fly in from Moscow, do I need a coat?") does not count.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import yaml
from babel import Locale

from bot.answers.normalize import (
    ARABIC_RE,
    CYRILLIC_RE,
    HAN_RE,
    HAN_RUN_RE,
    LANGS,
    WORD_RE,
    fold_accents,
    fold_arabic,
)

PLACES_PATH = Path(__file__).with_name("places.yaml")
#: the continents' time zones name cities (Europe/Minsk); Etc/, US/ and the three-part ids
#: (America/Indiana/Knox) do not name a place a delegate would
_TZ_REGIONS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
#: time zones' cities that are also everyday words (a jersey is a sweater, Christmas a day)
_COMMON_WORDS = frozenset({
    "center", "christmas", "easter", "wake", "jersey", "phoenix", "regina", "stanley", "midway",
    "man", "chita", "mahe", "truk", "yap", "chuuk", "casey", "davis", "palmer", "troll", "currie",
    "creston", "marengo", "beulah", "monticello", "denver", "boise", "lima", "male", "la paz",
    "chad", "jordan", "georgia", "turkey", "chile", "guinea", "niger", "maurice", "north", "south",
    "west", "east", "central", "reunion", "seul", "bahia", "газа", "ماليه", "ترك",
})
#: words that name where someone comes from: the place after them is not what is asked about
_ORIGIN_WORDS = frozenset({"from", "desde", "depuis", "из", "من", "tu", "从", "来自"})
#: two words that say the same ("je viens de Ouaga", "soy de Quito", "у нас в Якутске", "back home
#: in Lagos"), folded as the text is: "de", "в" and "in" alone say nothing of where one is from
_ORIGIN_PAIRS = frozenset({
    ("viens", "de"), ("viens", "d"), ("venons", "de"), ("venons", "d"), ("vient", "de"), ("vient", "d"),
    ("chez", "moi"), ("chez", "nous"), ("vengo", "de"), ("venimos", "de"), ("soy", "de"), ("somos", "de"),
    ("нас", "в"), ("нас", "во"), ("меня", "в"), ("меня", "во"), ("home", "in"),
})
#: words that say where something is ("a sushi bar in Paris", "à Paris", "в Париже", "ở Paris"),
#: folded as the text is (no accents or tones): :meth:`Gazetteer.named`'s ``located``
_LOCATED_WORDS = ("in", "à", "au", "aux", "en", "в", "во", "ở", "tại", "في")
_AR_CLITICS = ("و", "ف")
#: Arabic's "in", glued to the name it precedes ("مطعم بباريس", a restaurant in Paris)
_AR_IN = "ب"
_AR_PREPOSITIONS = ("ب", "ل", "ك")


_RU_ENDING = set("аеёиоуыэюяйь")
#: the case endings a Russian place name takes (в Минске, из Москвы, по Дубаю, Бишкеком)
_RU_CASES = frozenset({"а", "у", "е", "ы", "и", "ю", "я", "ой", "ей", "ом", "ем", "ах", "ях", "ам", "ям"})


def _fold(text: str) -> str:
    """Lower case, no accents or tones, Arabic letters folded."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", " ").replace("'", " ")
    if ARABIC_RE.search(text):
        text = fold_arabic(text)
    return fold_accents(text)


def _key(word: str) -> str:
    """A place name's word as a key: a Russian name without its ending vowel (Москв-а, Дубa-й,
    so that в Москве, в Дубае find it), an Arabic one without its article."""
    if CYRILLIC_RE.search(word):
        return word[:-1] if word[-1] in _RU_ENDING and len(word) >= 5 else word
    if ARABIC_RE.search(word) and word.startswith("ال") and len(word) > 4:
        return word[2:]
    return word


def _readings(word: str) -> Iterable[str]:
    """The keys a text's word may stand for: a Russian word without its case ending (Минске,
    Бишкеке; never below four letters, and only a case ending: "палатка" is not Палау),
    an Arabic one with its glued clitic and preposition taken off (وبالقاهرة, ببيروت)."""
    yield _key(word)
    if CYRILLIC_RE.search(word):
        for cut in (1, 2):
            if len(word) - cut >= 4 and word[-cut:] in _RU_CASES:
                yield word[:-cut]
    elif ARABIC_RE.search(word):
        for clitic in ("", *_AR_CLITICS):
            if not word.startswith(clitic):
                continue
            rest = word[len(clitic):]
            for prep in ("", *_AR_PREPOSITIONS):
                if rest.startswith(prep) and len(rest) - len(prep) >= 3 and (clitic or prep):
                    yield _key(rest[len(prep):])


class Gazetteer:
    """Place names in the seven languages, found in a text by their words (Chinese by its
    characters)."""

    def __init__(self, names: dict[str, set[str]]) -> None:
        #: first key -> [(keys, place id)], the longest names first
        self._words: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._han: list[tuple[str, str]] = []
        for place, written in names.items():
            for name in written:
                if HAN_RE.search(name):
                    self._han.append((unicodedata.normalize("NFKC", name), place))
                    continue
                keys = tuple(_key(w) for w in WORD_RE.findall(_fold(name)))
                if keys and " ".join(keys) not in _COMMON_WORDS and len("".join(keys)) >= 3:
                    self._words.setdefault(keys[0], []).append((keys, place))
        for found in self._words.values():
            found.sort(key=lambda item: -len(item[0]))
        self._han.sort(key=lambda item: -len(item[0]))

    def named(self, text: str, skip_origin: bool = False, located: bool = False) -> set[str]:
        """The places a text names (their ids); ``skip_origin``: not those it names as where
        someone comes from; ``located``: only those it names as where something is ("a sushi
        bar in Paris", not "a Korean restaurant", which Vietnamese says "nhà hàng Hàn Quốc")."""
        found: set[str] = set()
        located_words = _located_words()
        plain = "|".join(run for run in HAN_RUN_RE.findall(unicodedata.normalize("NFKC", text))
                         if HAN_RE.match(run))  # its Chinese alone
        for name, place in self._han if plain else ():
            at = plain.find(name)
            while at >= 0:
                before = plain[max(0, at - 2):at]
                if (before.endswith("在") if located
                        else not (skip_origin and any(before.endswith(w) for w in ("从", "来自")))):
                    found.add(place)
                    break
                at = plain.find(name, at + 1)
        words = WORD_RE.findall(_fold(text))
        # each distinct word read once (a pack's text repeats most of its words)
        readings = {w: tuple(dict.fromkeys(_readings(w))) for w in set(words)}
        for k, word in enumerate(words):
            if skip_origin and k and (words[k - 1] in _ORIGIN_WORDS or tuple(words[max(0, k - 2):k]) in _ORIGIN_PAIRS
                                      or (k >= 3 and tuple(words[k - 3:k - 1]) in _ORIGIN_PAIRS)):
                continue  # "у нас в Якутске"; a word between: "chez moi à Dakar"
            candidates = readings[word]
            if located and not (k and words[k - 1] in located_words):
                candidates = _glued_in(word)  # "بباريس": Paris, after a glued "in"
            for reading in candidates:
                for seq, place in self._words.get(reading, ()):
                    rest = words[k + 1 : k + len(seq)]
                    if len(rest) == len(seq) - 1 and all(key in readings[w] for key, w in zip(seq[1:], rest, strict=True)):
                        found.add(place)
                        break
        return found


def _glued_in(word: str) -> tuple[str, ...]:
    """The keys an Arabic word stands for when it begins with a glued "in" (بباريس, وببيروت),
    without it; nothing for any other word."""
    if not ARABIC_RE.search(word):
        return ()
    return tuple(_key(word[len(clitic) + 1:]) for clitic in ("", *_AR_CLITICS)
                 if word.startswith(clitic + _AR_IN) and len(word) - len(clitic) - 1 >= 3)


@functools.cache
def _located_words() -> frozenset[str]:
    return frozenset(_fold(w) for w in _LOCATED_WORDS)


def _tz_city(tz: str) -> str | None:
    parts = tz.split("/")
    if len(parts) != 2 or parts[0] not in _TZ_REGIONS:
        return None
    return parts[1].replace("_", " ")


@functools.cache
def gazetteer() -> Gazetteer:
    """The world's countries and cities (built once per process, in about 0.2 s)."""
    names: dict[str, set[str]] = {}
    for lang in LANGS:
        locale = Locale.parse(lang)
        for code, name in locale.territories.items():
            if len(code) != 2 or not code.isalpha() or code in ("ZZ", "EU", "EZ", "UN", "QO"):
                continue
            if lang in ("vi", "ru") and len(_fold(name)) <= 4:
                continue  # Anh, Nga, Nhật, Того, Перу: everyday words once the tones are gone
            names.setdefault(f"country:{code}", set()).add(name)
        for tz, info in locale.time_zones.items():
            city = info.get("city")
            if city and _tz_city(tz):
                names.setdefault(f"tz:{tz}", set()).add(city)
    # libyaml's loader: the pure-Python one takes a second over this file
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(PLACES_PATH.read_text(encoding="utf-8"), Loader=loader) or {}
    for place, spec in (data.get("places") or {}).items():
        for lang in LANGS:
            names.setdefault(f"city:{place}", set()).update(str(n) for n in spec.get(lang) or [])
    return Gazetteer(names)


@functools.lru_cache(maxsize=4)
def named_in_pack(dump: str) -> frozenset[str]:
    """The places a pack names (its JSON dump): a few tenths of a second for a large pack, so
    kept for the rebuilds of the same pack (an organiser attaching a phrasing rebuilds the
    engine, not the pack)."""
    return frozenset(gazetteer().named(dump))
