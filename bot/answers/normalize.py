"""Per-language normalisation: one text in, a sequence of comparable tokens out.

The same pipeline analyses the pack's texts, the lexicon's phrases and the delegate's
question, so whatever it does (accent folding, stemming, Arabic letter folding, Chinese
segmentation) happens identically on both sides of a comparison.

- Latin script (en fr es and Latin words inside other languages): NFKC, casefold, accents
  folded *before* stemming (so "aeroport" typed on a phone meets "aéroport"), Snowball.
- Russian: ё→е, Snowball.
- Arabic: diacritics and tatweel removed, alef/ya/ta-marbuta forms folded, light stemming
  (Larkey's Light10: conjunction and article prefixes, common suffixes).
- Chinese: jieba segmentation (search mode, so long words also yield their parts).
- Vietnamese: syllables matched with *and* without tones (``v:`` and ``v0:`` terms), plus
  toneless syllable bigrams, since Vietnamese words are usually two syllables.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import Stemmer
import yaml

DATA_DIR = Path(__file__).resolve().parent
LANGS = ("en", "fr", "es", "ru", "ar", "zh", "vi")
LATIN_LANGS = ("en", "fr", "es", "vi")
MAX_CHARS = 600  # a question longer than this is cut: a 4096-char paste must stay fast

_STEMMER_NAMES = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian"}
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # the CJK ideographs' blocks
HAN_RE = re.compile(f"[{_HAN}]")
#: a word's runs of Chinese characters and of other letters ("领badge": 领 | badge)
HAN_RUN_RE = re.compile(f"[{_HAN}]+|[^{_HAN}]+")
ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")
_DIGIT_RE = re.compile(r"^\d+$")
# letters that Vietnamese uses and French and Spanish do not (â ê ô are French too)
_VI_LETTERS = set("ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĩũãõìòý")
_ELISION_RE = re.compile(r"\b(l|d|j|qu|n|s|c|m|t|jusqu|lorsqu|puisqu)'", re.IGNORECASE)
_AR_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ی": "ي",
        "ک": "ك",
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
        "۰": "0",
        "۱": "1",
        "۲": "2",
        "۳": "3",
        "۴": "4",
        "۵": "5",
        "۶": "6",
        "۷": "7",
        "۸": "8",
        "۹": "9",
        "؟": "?",
        "،": ",",
        "؛": ";",
    }
)
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")


def fold_accents(text: str) -> str:
    """Remove combining marks (é→e, ñ→n, ộ→o) and fold the few letters NFKD keeps."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.replace("đ", "d").replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


def fold_arabic(text: str) -> str:
    # the accusative ending -اً (طبيباً, تقريباً) is not part of the word
    text = text.replace("اً", "").replace("ًا", "")
    return _AR_DIACRITICS.sub("", text).translate(_AR_FOLD)


def arabic_light_stem(word: str) -> str:
    """A light stem of an already folded Arabic word (after Larkey's Light10, with the
    possessive suffixes added: بطاقتي "my card" -> بطاق like البطاقة "the card")."""
    return _arabic_stems(word)[0]


_AR_PRONOUNS = ("كما", "هما", "كم", "كن", "هم", "هن", "نا", "ها", "ك", "ي", "ه")
_AR_PLURALS = ("ات", "ان", "ون", "ين", "يه")


@functools.lru_cache(maxsize=100_000)
def _arabic_stems(word: str) -> tuple[str, ...]:
    readings = _arabic_readings(word)
    body = word
    for prefix in _AR_PREFIXES:
        if body.startswith(prefix) and len(body) - len(prefix) >= 2:
            body = body[len(prefix):]
            break
    if body.endswith("ي") and len(body) == 4 and readings[0] == body[:-1]:
        # الدولي, رسمي: "international" as well as "my country" -- the feminine الدولية
        # keeps the ي of a three-letter stem, so the masculine has that reading too
        readings = (*readings, body)
    return readings


def _arabic_readings(word: str) -> tuple[str, ...]:
    """(primary stem, alternatives...): a leading ب or ل may be a preposition or a root
    letter (بمطار "at an airport", بطاقة "card"), so both readings are kept."""
    stem = word
    for prefix in _AR_PREFIXES:
        if stem.startswith(prefix) and len(stem) - len(prefix) >= 2:
            return (_arabic_suffixes(stem[len(prefix) :]),)
    readings = [_arabic_suffixes(word)]
    if word.startswith("و") and len(word) >= 4:  # "and ..." or a root و (وفدنا "our delegation")
        rest = word[1:]
        for prefix in _AR_PREFIXES:
            if rest.startswith(prefix) and len(rest) - len(prefix) >= 2:
                rest = rest[len(prefix) :]
                break
        conj = _arabic_suffixes(rest)
        readings = [conj, readings[0]] if len(word) >= 6 else [readings[0], conj]
        if len(word) == 4:
            readings = [readings[0], rest]  # ومقر: "and headquarters" as a second reading
    elif word[:1] in ("ب", "ل") and len(word) >= 5:  # a preposition or a root letter
        readings.append(_arabic_suffixes(word[1:]))
    return tuple(dict.fromkeys(readings))


_AR_VERB_PREFIXES = ("سي", "ست", "سن", "سا", "ي", "ت", "ن", "ا")


@functools.lru_cache(maxsize=50_000)
def arabic_alternatives(word: str) -> tuple[str, ...]:
    """Other stems a folded Arabic word may have, for a question word the pack does not
    know: its stem without a conjunction or preposition (ومقر, بمطار), or without the
    prefix of a present or future verb (نحجز "we book", أشحن "I charge", سيبدأ "will start")
    when what is left is still a word of three letters or more."""
    out = list(_arabic_stems(word)[1:])
    if word.endswith("ا") and len(word) >= 5:  # the accusative -اً typed without its mark: كرسيا
        out.append(_arabic_stems(word[:-1])[0])
    rest = word[1:] if word[:1] in ("و", "ف") and len(word) >= 5 else word
    # the colloquial present بـ before the verb's own prefix: بيستقبل "(he) meets", بنحجز
    spoken = rest[1:] if rest[:1] == "ب" and rest[1:2] in ("ي", "ت", "ن") and len(rest) >= 5 else rest
    if word.startswith("عال") and len(word) >= 7:  # عالفندق: على + the article, spoken
        out.append(_arabic_suffixes(word[3:]))
    for w in dict.fromkeys((word, rest, spoken)):
        for prefix in _AR_VERB_PREFIXES:
            if w.startswith(prefix) and len(w) - len(prefix) >= 3:
                out.append(_arabic_suffixes(w[len(prefix):]))
                if w[len(prefix):len(prefix) + 1] in ("س", "ت", "ن"):
                    # forms VIII and X lose their ا after the prefix: نستلم "we collect"
                    # is استلم, ينتظر is انتظر
                    out.append(_arabic_suffixes("ا" + w[len(prefix):]))
                break
    if word[:1] == "ب" and word[1:2] in ("س", "ت", "ن") and len(word) >= 5:
        # the colloquial present بـ (بستلم "I collect") in place of أ
        out.append(_arabic_suffixes("ا" + word[1:]))
    return tuple(x for x in dict.fromkeys(out) if len(x) >= 3 and x != _arabic_stems(word)[0])


def _arabic_suffixes(stem: str) -> str:
    original = stem
    for suffix in _AR_PRONOUNS:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
            stem = stem[: -len(suffix)]
            if stem.endswith("ت") and len(stem) >= 4:  # بطاقت(ي) is بطاقة + ي
                stem = stem[:-1] + "ه"
            break
    for suffix in _AR_PLURALS:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
            stem = stem[: -len(suffix)]
            break
    if stem.endswith("ه") and len(stem) - 1 >= 3:
        stem = stem[:-1]
    if stem.endswith("ي") and len(stem) >= 5 and stem != original:
        # a nisba adjective: the feminine مجانية / plural مجانيين lose their ي like the
        # masculine مجاني (whose ي reads as "my"), so all forms share one stem; a shorter
        # one keeps it (العملية "practical" is not العمل "work"; see _arabic_stems)
        stem = stem[:-1]
    return stem


def phrase_key(text: str) -> str:
    """A wording's key: case, accents, punctuation and spacing do not tell two wordings apart
    (an unanswered question's group, a learnt phrasing)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in folded if not unicodedata.combining(c))
    kept = re.sub(r"[^\w\s]", " ", kept)
    return " ".join(kept.split())[:300]


@functools.cache
def _to_simplified() -> Callable[[str], str]:  # loaded on the first Chinese text (~40 ms)
    from opencc import OpenCC

    return OpenCC("t2s").convert


_HAN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
#: "第二会议室", "二号会议室" and "2号会议室" are one room: each is read "第2会议室"; "二楼"
#: (a floor) and "二号" alone (a day of the month) are left as they are; a kind of room may
#: come between ("2号边会室", "二号小会议室")
_ORDINAL_RE = re.compile(rf"第({_HAN_NUMBER}|\d{{1,2}})|({_HAN_NUMBER}|\d{{1,2}})号(?=(?:边会|小|大|中|分|双边|会见|多功能)?(?:会议室|会议厅|厅|室|会场|分会场|分论坛|论坛|展厅|馆|楼|门|房间|入口|出口|口))")


def _han_number(text: str) -> int | None:
    """一 .. 九十九 as a number."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _HAN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or (tens and tens not in _HAN_DIGITS) or (units and units not in _HAN_DIGITS):
        return None
    return (_HAN_DIGITS[tens] if tens else 1) * 10 + (_HAN_DIGITS[units] if units else 0)


def _ordinals(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        n = _han_number(m.group(1) or m.group(2))
        return m.group(0) if n is None else f"第{n}"
    return _ORDINAL_RE.sub(one, text)


def prepare(text: str) -> str:
    """NFKC + casefold + the punctuation that glues words together; Chinese in simplified
    characters (a question typed in Taiwan or Hong Kong, 現在 for 现在, meets the pack's
    words, and a pack written in traditional characters is read the same way)."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].casefold()
    if HAN_RE.search(text):
        text = _ordinals(_to_simplified()(text))
    text = text.replace("’", "'").replace("`", "'")
    if ARABIC_RE.search(text):
        # Arabic marks are not word characters: left in, they would cut words in pieces
        # (تُسلَّم -> ت سل م); the accusative ending -اً is not part of the word either
        text = _AR_DIACRITICS.sub("", text.replace("اً", "").replace("ًا", ""))
    text = re.sub(r"(?<=\w)[-‐‑–](?=\w)", "-", text)
    return text


@functools.lru_cache(maxsize=100_000)
def script_of(word: str) -> str:
    if _DIGIT_RE.match(word):
        return "digit"  # also Arabic-Indic digits: "القاعة ٣" is room 3
    if HAN_RE.search(word):
        return "han"
    if ARABIC_RE.search(word):
        return "arabic"
    if CYRILLIC_RE.search(word):
        return "cyrillic"
    if _DIGIT_RE.match(word):
        return "digit"
    return "latin"


def has_vietnamese_marks(text: str) -> bool:
    return any(c in _VI_LETTERS for c in text)


@functools.cache
def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    name = _STEMMER_NAMES.get(lang)
    return Stemmer.Stemmer(name) if name else None


@functools.lru_cache(maxsize=200_000)
def stem_word(word: str, lang: str) -> str:
    """The stem of one already folded word in ``lang``'s analyser."""
    if lang == "ar":
        return arabic_light_stem(word)
    stemmer = _stemmer(lang)
    if stemmer is None:
        return word
    return stemmer.stemWord(word)


@functools.cache
def _stopwords() -> dict[str, frozenset[str]]:
    raw = dict(_stopword_file())
    raw.pop("weak", None)
    out: dict[str, frozenset[str]] = {}
    for lang, words in raw.items():
        folded = set()
        for w in str(words).split():
            w = prepare(w)
            if lang == "ar":
                w = fold_arabic(w)
            elif lang in ("en", "fr", "es"):
                w = fold_accents(w)
            folded.add(w)
        out[lang] = frozenset(folded)
    if "vi" in out:  # toneless forms of Vietnamese stopwords, for questions typed without tones
        out["vi0"] = frozenset(fold_accents(w) for w in out["vi"]) | out.get("vi0", frozenset())
    return out


@functools.cache
def _stopword_file() -> dict[str, Any]:
    """stopwords.yaml as written (read once)."""
    return yaml.safe_load((DATA_DIR / "stopwords.yaml").read_text(encoding="utf-8")) or {}


def stopwords(lang: str) -> frozenset[str]:
    return _stopwords().get(lang, frozenset())


@functools.cache
def written_stopwords(lang: str) -> frozenset[str]:
    """A language's stopwords as written, accents kept ("ça", not "ca")."""
    return frozenset(prepare(w) for w in str(_stopword_file().get(lang) or "").split())


@functools.cache
def _weak() -> dict[str, frozenset[str]]:
    """Per language, the stems of generic words (see stopwords.yaml ``weak:``)."""
    raw = _stopword_file().get("weak") or {}
    out: dict[str, frozenset[str]] = {}
    for lang, words in raw.items():
        keys = set()
        for w in str(words).split():
            for tok in tokenize(w, lang):
                keys.add(tok.key if tok.script != "latin" or lang != "vi" else tok.surface)
        out[lang] = frozenset(keys)
    return out


def preload() -> None:
    """Load the word lists now, not on the first question."""
    _stopwords()
    _weak()


def is_weak(tok: Token, lang: str) -> bool:
    """A generic word: counts little towards what a question is about."""
    table = _weak()
    if tok.script == "cyrillic":
        return tok.key in table.get("ru", ())
    if tok.script == "arabic":
        return tok.key in table.get("ar", ())
    if tok.script == "han":
        return tok.key in table.get("zh", ())
    return tok.key in table.get(lang if lang in LATIN_LANGS else "en", ())


@functools.cache
def _jieba() -> ModuleType:  # imported lazily: loading its dictionary takes a moment
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@dataclass(slots=True)
class Token:
    """One word of a text, as the index sees it.

    ``key`` is what the lexicon's phrases are matched on; ``terms`` are the index terms
    it contributes (empty for stopwords); ``surface`` the folded word (typo correction).
    """

    surface: str
    key: str
    terms: list[str] = field(default_factory=list)
    stop: bool = False
    script: str = "latin"
    start: int = 0  # character offset in the prepared text (Chinese phrase matching)
    end: int = 0
    toned: str = ""  # Vietnamese: the syllable with its tones, when it has any


#: a clock time or a day of the month typed as one word that no time expression took
#: ("7pm", "20h", "30pm" of "10:30pm", "the 18th" outside the event's days): no topic of
#: the question, and not a word the pack lacks (low ordinals stay: "2nd floor")
_CLOCK_OR_DATE = re.compile(r"\d{1,2}(?:[ap]m|h\d{0,2})|(?:1[1-9]|2\d|3[01])(?:st|nd|rd|th)")


@functools.lru_cache(maxsize=200_000)
def _word(word: str, lang: str) -> tuple[str, str, tuple[str, ...], bool, str, str]:
    """(surface, key, terms, stop, script, toned) of one non-Chinese word read as ``lang``."""
    script = script_of(word)
    if script == "arabic":
        folded = fold_arabic(word)
        stops = stopwords("ar")
        stop = folded in stops or (folded[:1] in ("و", "ف") and folded[1:] in stops)
        stems = _arabic_stems(folded) if folded else ("",)
        if word.startswith("أل") and len(folded) >= 4:
            # ألبس "I wear", ألتقي "I meet": a hamza, so أ is the verb's prefix, not the
            # article ال (read as the article second, for a hamza typed on the article)
            stems = tuple(dict.fromkeys((_arabic_suffixes(folded), *stems)))
        key = stems[0]
        terms = () if stop or not key else tuple(dict.fromkeys(f"a:{x}" for x in stems if x))
        return folded, key, terms, stop, script, ""
    if script == "cyrillic":
        folded = word.replace("ё", "е")
        stop = folded in stopwords("ru") or len(folded) == 1
        key = stem_word(folded, "ru")
        return folded, key, () if stop else (key,), stop, script, ""
    if script == "digit":
        num = str(int(word)) if len(word) < 12 else word
        return num, num, (f"#{num}",), False, script, ""
    if lang == "vi":
        toned = unicodedata.normalize("NFC", word)
        bare = fold_accents(toned)
        marked = toned != bare
        stop = (toned in stopwords("vi")) if marked else (bare in stopwords("vi0"))
        terms = () if stop else ((f"v:{toned}", f"v0:{bare}") if marked else (f"v0:{bare}",))
        return bare, bare, terms, stop, "latin", toned if marked else ""
    if lang not in ("en", "fr", "es"):
        lang = "en"
    bare = fold_accents(word)
    stop = bare in stopwords(lang) or len(bare) == 1 or _CLOCK_OR_DATE.fullmatch(bare) is not None
    key = stem_word(bare, lang)
    if len(key) < 4 and len(bare) > len(key) + 1:
        # the stemmer cut a short word to a stub that collides (es "sala" and "salida"
        # both give "sal"): keep the word, without a plural s
        key = bare[:-1] if bare.endswith("s") and len(bare) > 4 else bare
    return bare, key, () if stop else (key,), stop, "latin", ""


def tokenize(text: str, lang: str) -> list[Token]:
    """Tokens of ``text`` read as language ``lang`` (words of another script are analysed
    by their own script's rules: a Latin "Wi-Fi" in a Chinese sentence, a Chinese name in
    a French one)."""
    text = prepare(text)
    if (lang == "fr" or lang == "en") and "'" in text:
        text = _ELISION_RE.sub(r"\1 ", text)
    wl = lang if lang in LATIN_LANGS else "en"
    tokens: list[Token] = []
    han = HAN_RE.search(text) is not None
    for m in WORD_RE.finditer(text):
        word = m.group(0)
        if han and HAN_RE.search(word):
            # "在哪领badge": the Chinese run to jieba, the Latin word read as a word
            for part in HAN_RUN_RE.finditer(word):
                start = m.start() + part.start()
                if HAN_RE.match(part.group(0)):
                    tokens.extend(_han_tokens(part.group(0), start))
                    continue
                surface, key, terms, stop, script, toned = _word(part.group(0), wl)
                if surface:
                    tokens.append(Token(surface, key, list(terms), stop, script, start, start + len(part.group(0)), toned))
            continue
        surface, key, terms, stop, script, toned = _word(word, wl)
        if not surface:
            continue
        tokens.append(Token(surface, key, list(terms), stop, script, m.start(), m.end(), toned))
    if lang == "vi":
        _vi_bigrams(tokens)
    return tokens


@dataclass(slots=True)
class Scan:
    """A text's words as parallel lists (the index's fast path; no Chinese)."""

    keys: list[str]
    terms: list[tuple[str, ...]]
    stops: list[bool]
    scripts: list[str]
    toned: list[str]
    surfaces: list[str]


def scan(text: str, lang: str) -> Scan | None:
    """Like :func:`tokenize` without Token objects; None for text with Chinese in it."""
    text = prepare(text)
    if HAN_RE.search(text):
        return None
    if (lang == "fr" or lang == "en") and "'" in text:
        text = _ELISION_RE.sub(r"\1 ", text)
    wl = lang if lang in LATIN_LANGS else "en"
    infos = [info for info in (_word(w, wl) for w in WORD_RE.findall(text)) if info[0]]
    if not infos:
        return Scan([], [], [], [], [], [])
    surfaces, keys, terms, stops, scripts, toned = (list(x) for x in zip(*infos, strict=True))
    if lang == "vi":
        terms = [list(t) for t in terms]
        for i in range(len(infos) - 1):
            if scripts[i] == scripts[i + 1] == "latin" and not (stops[i] and stops[i + 1]):
                (terms[i] if not stops[i] else terms[i + 1]).append(f"v0:{keys[i]}_{keys[i + 1]}")
    return Scan(keys, terms, stops, scripts, toned, surfaces)


def _han_tokens(run: str, offset: int) -> list[Token]:
    out: list[Token] = []
    for word, terms, stop, start in _han_words(run):
        out.append(Token(word, word, list(terms), stop, "han", offset + start, offset + start + len(word)))
    return out


@functools.lru_cache(maxsize=50_000)
def _han_words(run: str) -> tuple[tuple[str, tuple[str, ...], bool, int], ...]:
    """jieba's words of a run of Chinese text (dictionary only: no guessed words, so the same
    text always splits the same way), with their index terms."""
    jieba = _jieba()
    stops = stopwords("zh")
    out = []
    pos = 0
    for word in _resplit_orphans(jieba, jieba.lcut(run, HMM=False)):
        start = pos
        pos += len(word)
        if not word.strip():
            continue
        stop = word in stops
        terms: list[str] = []
        if not stop:
            terms.append(word)
            if len(word) >= 3:  # the parts of a long word, as jieba's search mode gives them
                terms.extend(
                    w for w in jieba.lcut_for_search(word, HMM=False) if w != word and len(w) >= 2 and w not in stops
                )
                terms.extend(word[i : i + 2] for i in range(len(word) - 1))
        out.append((word, tuple(dict.fromkeys(terms)), stop, start))
    return tuple(out)


def _resplit_orphans(jieba: ModuleType, words: list[str]) -> list[str]:
    """jieba's 有时|差 ("sometimes" + "poor") for 有|时差 ("there is a time difference"):
    a two-character word that starts with a function character (有, 是, 在) and is followed
    by a lone character making a dictionary word with its second one is cut after the
    function character."""
    freq = jieba.dt.FREQ
    out: list[str] = []
    for n, word in enumerate(words):
        nxt = words[n + 1] if n + 1 < len(words) else ""
        after = words[n + 2] if n + 2 < len(words) else ""
        if (len(word) == 2 and len(nxt) == 1 and HAN_RE.match(nxt) and HAN_RE.match(word)
                and freq.get(word[1] + nxt) and word[0] in stopwords("zh") and nxt not in stopwords("zh")
                and (len(after) != 1 or after in stopwords("zh"))):  # not in a run of lone characters
            out.append(word[0])
            words[n + 1] = word[1] + nxt
            continue
        out.append(word)
    return out


def _vi_bigrams(tokens: list[Token]) -> None:
    """Toneless syllable pairs ("san bay") as extra terms of the pair's first syllable."""
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a.script == b.script == "latin" and not (a.stop and b.stop):
            term = f"v0:{a.key}_{b.key}"
            (a if not a.stop else b).terms.append(term)


def vocab_key(tok: Token, lang: str) -> str | None:
    """Which language's vocabulary a token belongs to (typo correction stays in-language)."""
    if tok.script == "latin":
        return lang if lang in LATIN_LANGS else "en"
    if tok.script == "cyrillic":
        return "ru"
    if tok.script == "arabic":
        return "ar"
    return None


def script_weights(text: str) -> dict[str, int]:
    """Letters of each script in a prepared text (a Han character counts three: it carries
    about a word)."""
    counts = {"han": 0, "arabic": 0, "cyrillic": 0, "latin": 0}
    for ch in text:
        if HAN_RE.match(ch):
            counts["han"] += 1
        elif ARABIC_RE.match(ch):
            counts["arabic"] += 1
        elif CYRILLIC_RE.match(ch):
            counts["cyrillic"] += 1
        elif _LATIN_RE.match(ch):
            counts["latin"] += 1
    counts["han"] *= 3
    return counts


def detect_language(text: str, hint: str | None = None) -> list[str]:
    """Likely languages of a question, best first (script first, then word evidence)."""
    text = prepare(text)
    weights = script_weights(text)
    best = max(weights, key=lambda k: weights[k])
    if weights[best] == 0:
        return [hint or "en"]
    if best == "han":
        return ["zh"]
    if best == "arabic":
        return ["ar"]
    if best == "cyrillic":
        return ["ru"]
    return _latin_languages(text, hint)


_LATIN_HINTS = {
    "fr": set("çœèêëîïûùà"),
    "es": set("ñ¿¡"),
}


def _latin_languages(text: str, hint: str | None) -> list[str]:
    if has_vietnamese_marks(text):
        return ["vi"]
    words = WORD_RE.findall(text)
    scores = {lang: 0.0 for lang in LATIN_LANGS}
    for w in words:
        bare = fold_accents(w)
        for lang in LATIN_LANGS:
            stops = stopwords("vi0") if lang == "vi" else stopwords(lang)
            if bare in stops:
                scores[lang] += 0.5 if lang == "vi" else 1.0
    for lang, chars in _LATIN_HINTS.items():
        if any(c in chars for c in text):
            scores[lang] += 2.0
    if "á" in text or "í" in text or "ó" in text or "ú" in text:
        scores["es"] += 1.0
    if hint in scores:
        scores[hint] += 0.6
    ranked = sorted(scores, key=lambda k: -scores[k])
    return ranked
