"""Russian typed in Latin letters ("gde tut pomolitsya mozhno", "parol ot wifi?"), read back in
Cyrillic.

Many Russian speakers type on a phone without a Cyrillic keyboard, in the informal
transliteration of chats rather than a standard one (kh, zh, sh, shch, ya, yu, tsya; y for
both ы and й). The libraries on PyPI (transliterate, cyrtranslit) follow the standards and read
"pomolitsya" as "помолицыа" or "kakoj" as a loan word; this table follows what people type.
The result is one more reading of the question, tried beside the Latin ones: the engine keeps
it only when it answers better (:meth:`bot.answers.engine.AnswerEngine.ask`).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from bot.answers.normalize import WORD_RE, stopwords

#: longest first: a rule is tried before the shorter ones it contains
_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("tsya", "тся"), ("sch", "щ"),
    ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("yu", "ю"), ("ju", "ю"), ("ya", "я"), ("ja", "я"), ("yo", "ё"), ("jo", "ё"),
    ("'", "ь"), ("x", "кс"), ("w", "в"), ("q", "к"), ("j", "й"), ("c", "ц"), ("h", "х"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"),
    ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
    ("t", "т"), ("u", "у"), ("f", "ф"),
)
_RULE_RE = re.compile("ye|" + "|".join(re.escape(latin) for latin, _ in _RULES) + "|y")
_CYRILLIC = dict(_RULES)
_VOWELS = set("аеёиоуыэюя")
_LATIN_WORD_RE = re.compile(r"[a-z']+")


def _word(word: str) -> str:
    out: list[str] = []
    for m in _RULE_RE.finditer(word):
        piece = m.group()
        after_vowel = not out or out[-1][-1] in _VOWELS
        if piece == "y":  # й after a vowel (kakoy, moy), ы after a consonant (vy, dyra)
            piece = "й" if out and after_vowel else "ы"
        elif piece == "ye":  # е (yesli, poyezd), ые after a consonant (ofitsialnye)
            piece = "е" if after_vowel else "ые"
        else:
            piece = _CYRILLIC[piece]
        out.append(piece)
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """``text`` (already lower-cased) with its Latin words written in Cyrillic."""
    return _LATIN_WORD_RE.sub(lambda m: _word(m.group()), text)


def russian_words(text: str, vocabulary: AbstractSet[str]) -> int:
    """How many words of a Latin-script text read as Russian once in Cyrillic: its function
    words (где, как, можно, от) and the words of ``vocabulary`` (the lexicon's and the pack's
    Russian)."""
    stops = stopwords("ru")
    return sum(1 for w in WORD_RE.findall(to_cyrillic(text)) if len(w) > 1 and (w in stops or w in vocabulary))
