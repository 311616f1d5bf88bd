"""Which language a question is written in, and whether that is clear enough to answer in it
rather than in the person's setting (issue #16, item 4).

Conservative on purpose: answering a French speaker in Spanish because "la cena de gala"
was typed is worse than answering in their setting. So:

- a question in another script (Cyrillic, Arabic, Han) switches when nearly all its letters
  are in that script and there are enough of them (a name or a quoted word does not);
- a Latin-script question (en, fr, es, vi) switches only on its *function words* (the
  stopword lists of :mod:`bot.answers.normalize`): words shared by several languages count
  for none alone, names (capitalised words inside a sentence), numbers, acronyms and links
  count for nothing, Vietnamese letters count for Vietnamese; it needs several words, enough
  evidence and a clear lead over every other language, the setting's above all;
- Vietnamese typed without tones is read only when its evidence is overwhelming.

:func:`reading` says what the question looks like (for the benchmark); :func:`switch_to` is
the decision: the language to answer in, or ``None`` to keep the setting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.answers.normalize import (
    LANGS,
    LATIN_LANGS,
    fold_accents,
    has_vietnamese_marks,
    script_weights,
    stopwords,
    written_stopwords,
)

#: a question in another script switches when this share of its letters is in that script
SCRIPT_SHARE = 0.8
#: ... and it has at least this many letters of it (a Han character counts three)
SCRIPT_LETTERS = 6
#: a Latin-script question needs this many words (names and numbers not counted) ...
MIN_WORDS = 3
#: ... this much evidence for its language ...
MIN_EVIDENCE = 2.0
#: ... at least this much more than any other language ...
MARGIN = 1.5
#: ... and at least this many times the evidence for the person's own language
RATIO = 3.0
#: a Vietnamese stopword typed without tones is this much evidence (many are short
#: syllables that other languages use too: "do", "an", "ma")
TONELESS = 0.5
#: Vietnamese typed without tones switches only with this much evidence
TONELESS_EVIDENCE = 3.0

_SCRIPT_LANG = {"cyrillic": "ru", "arabic": "ar", "han": "zh"}
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|@\w+|#\w+", re.IGNORECASE)
_ELIDED = re.compile(r"^(?:l|d|j|qu|n|s|c|m|t|jusqu|lorsqu|puisqu)'(.+)$")
#: an English contraction: "what's", "i'm", "don't", "we're", "it'll" (a pronoun or a question word
#: and its verb, or a verb and its "not"); a possessive ("the hotel's") is English too
_CONTRACTED = re.compile(r"^([a-z]+)'(?:s|re|m|ll|ve|d)$|^([a-z]+n)'t$")
_SENTENCE_END = re.compile(r"[.!?¿¡:;\n]\s*$")
_FR_LETTERS = set("çœèêëîïûùà")
_ES_LETTERS = set("ñ")
_ES_MARKS = set("¿¡")


@dataclass(frozen=True)
class Reading:
    """What a question looks like: its likeliest language, the evidence for each language
    (letters of a script, or function words), and how many words were counted."""

    lang: str | None
    script: str  # latin, cyrillic, arabic, han, or "" when there are no letters
    share: float  # the share of the question's letters in that script
    words: int = 0  # Latin words counted (names, numbers, acronyms left out)
    evidence: dict[str, float] = field(default_factory=dict)


def _words(text: str) -> list[str]:
    """The Latin words that can tell a language: not a name (capitalised inside a sentence),
    not an acronym, not a number, not part of a link, an address or a handle."""
    text = _LINK.sub(" ", unicodedata.normalize("NFKC", text).replace("’", "'"))
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        if any(ch.isdigit() for ch in word):
            continue
        starts = m.start() == 0 or bool(_SENTENCE_END.search(text[: m.start()])) or not text[: m.start()].strip()
        function_word = any(fold_accents(word.casefold()) in stopwords(lang) for lang in ("en", "fr", "es"))
        if not starts and word[:1].isupper() and not (word.isupper() and len(word) == 1 and function_word):
            continue  # a name: "Noi Bai", "Ba Đình", "Gala" (but "I" is the English pronoun)
        if len(word) > 1 and word.isupper():
            continue  # an acronym: "UN", "COP30", "WIFI" typed as a shout is lost, rarely matters
        out.append(word.casefold())
    return out


def _latin_evidence(text: str, words: list[str]) -> dict[str, float]:
    evidence = dict.fromkeys(LATIN_LANGS, 0.0)
    vi_exact = stopwords("vi")
    # each word counts once: "so cap cuu o senegal la so may" (toneless Vietnamese: which
    # number is the emergency in Senegal) is not English for saying "so" twice
    elisions = {e.group(0).split("'")[0] for w in words if (e := _ELIDED.match(w))}
    for word in dict.fromkeys(words):
        elided = _ELIDED.match(word)
        if elided:  # l'aéroport, qu'il: French
            evidence["fr"] += 1.0
            word = elided.group(1)
        elif word in elisions:
            continue  # "l" beside "l'ATM" is the same article: it counts once
        elif contracted := _CONTRACTED.match(word):
            evidence["en"] += 1.0
            word = contracted.group(1) or contracted.group(2)[:-1]
        if has_vietnamese_marks(word):
            evidence["vi"] += 1.0
            continue
        if word in vi_exact and not word.isascii():
            evidence["vi"] += 1.0
            continue
        bare = fold_accents(word)
        # a word typed with accents is a stopword only as the language writes it: Vietnamese
        # "cà" (cà phê) is not French "ça"
        holders = [lang for lang in ("en", "fr", "es") if bare in stopwords(lang)
                   and (word.isascii() or word in written_stopwords(lang))]
        toneless = bare in stopwords("vi0")
        if toneless and not holders:
            evidence["vi"] += TONELESS
        elif len(holders) == 1 and not toneless:
            evidence[holders[0]] += 1.0
        if any(c in _FR_LETTERS for c in word):
            evidence["fr"] += 0.5
        if any(c in _ES_LETTERS for c in word):
            evidence["es"] += 0.5
    if any(c in _ES_MARKS for c in text):
        evidence["es"] += 1.0
    return evidence


def reading(text: str) -> Reading:
    """The likeliest language of ``text`` and the evidence behind it."""
    weights = script_weights(unicodedata.normalize("NFKC", text or "").casefold())
    total = sum(weights.values())
    if not total:
        return Reading(None, "", 0.0)
    script = max(weights, key=lambda k: weights[k])
    share = weights[script] / total
    if script in _SCRIPT_LANG:
        return Reading(_SCRIPT_LANG[script], script, share, evidence={_SCRIPT_LANG[script]: float(weights[script])})
    words = _words(text)
    evidence = _latin_evidence(text, words)
    best = max(evidence, key=lambda k: evidence[k])
    return Reading(best if evidence[best] > 0 else None, script, share, len(words), evidence)


def switch_to(text: str, setting: str, available: Collection[str] = LANGS) -> str | None:
    """The language to answer ``text`` in when it is clearly not the person's ``setting``
    and the pack has it (``available``); ``None``: answer in the setting."""
    r = reading(text)
    lang = r.lang
    if lang is None or lang == setting or lang not in available or r.share < SCRIPT_SHARE:
        return None
    if r.script != "latin":
        return lang if r.evidence[lang] >= SCRIPT_LETTERS else None
    if r.words < MIN_WORDS:
        return None
    ev = r.evidence
    need = TONELESS_EVIDENCE if lang == "vi" and not has_vietnamese_marks(text) else MIN_EVIDENCE
    if ev[lang] < need:
        return None
    if ev[lang] - max(v for k, v in ev.items() if k != lang) < MARGIN:
        return None
    if setting in ev and ev[lang] < RATIO * ev[setting]:
        return None
    return lang
