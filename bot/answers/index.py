"""The answer index: every answerable thing of a pack as a document of terms.

An *entry* is an FAQ answer, a session, a venue, a room or a contact. Its texts in every
language are analysed (:mod:`bot.answers.normalize`) and the lexicon's concepts found in
them are added as ``@concept`` terms, so a question meets an entry through the same words,
through a stem, or through a shared concept in any language.

Two fields are scored with BM25 and summed with weights (a simple BM25F): the *key*
field (FAQ questions, titles, names, roles, speakers: what the entry *is*) and the *body*
(answers, summaries, directions, addresses). Term weights are precomputed per posting, so
a question costs one dictionary lookup per term.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.answers.amounts import states_price
from bot.answers.lexicon import Lexicon
from bot.answers.normalize import LATIN_LANGS, Token, scan, tokenize, vocab_key
from bot.catalog.models import ContentPack, Text

KEY_WEIGHT = 1.0
BODY_WEIGHT = 0.35
CONCEPT_WEIGHT = 1.0
BROADER_WEIGHT = 0.4
K1 = 1.2
B_KEY = 0.3
B_BODY = 0.75

KIND_CONCEPTS = {
    "ceremony": ["ceremony"],
    "plenary": ["plenary"],
    "high-level": ["high-level"],
    "roundtable": ["roundtable"],
    "side-event": ["side-event"],
    "social": ["gala"],
    "exhibition": ["exhibition"],
    "logistics": [],
}


class EntryType(StrEnum):
    """What an entry of the pack is (and what a :class:`~bot.answers.engine.Match` names)."""

    FAQ = "faq"
    SESSION = "session"
    VENUE = "venue"
    ROOM = "room"
    CONTACT = "contact"


#: extra phrasings per entry, given at build time: (type, id) -> [(text, lang), ...] (an
#: organiser's overlay of the pack, kept elsewhere; the engine only reads it)
Phrasings = Mapping[tuple[str, str], Sequence[tuple[str, str]]]


@dataclass
class Entry:
    type: EntryType
    id: str
    obj: Any
    key_texts: list[tuple[str, str]] = field(default_factory=list)  # (text, lang)
    body_texts: list[tuple[str, str]] = field(default_factory=list)
    #: what the entry tells, per language, for the model (an FAQ's answer, a session's summary)
    told: list[tuple[str, str]] = field(default_factory=list)
    extra_concepts: list[str] = field(default_factory=list)
    #: concepts naming what the entry can tell (a venue with an address answers "address?")
    field_concepts: list[str] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)  # entity names (text, lang)


def _largest_room(pack: ContentPack) -> str | None:
    """The main hall: of the rooms that hold the plenary, the ceremonies or the high-level
    sessions (not the dining area that seats more for lunch), the one with the most seats,
    when the pack gives capacities and one such room has more than every other."""
    plenary = {s.room for s in pack.sessions if s.kind in _HALL_KINDS}
    rooms = [r for v in pack.venues for r in v.rooms if r.capacity]
    # (a pack whose plenary sits in a whole venue, or gives its hall no capacity: all rooms)
    halls = [r for r in rooms if r.id in plenary] or rooms
    sized = sorted(((r.capacity, r.id) for r in halls), reverse=True)
    if not sized or (len(sized) > 1 and sized[0][0] == sized[1][0]):
        return None
    return sized[0][1]


_HALL_KINDS = frozenset({"plenary", "ceremony", "high-level"})


def analyse(text: str, lang: str, lexicon: Lexicon) -> tuple[list[Token], list[str]]:
    """Tokens of a text plus the concept terms found in it."""
    tokens = tokenize(text, lang)
    concepts: list[str] = []
    for hit in lexicon.match(tokens, lang):
        if hit.intent:
            continue
        concepts.append("@" + hit.concept)
        concepts.extend("@" + b for b in lexicon.broader.get(hit.concept, ()))
    return tokens, concepts


@dataclass(frozen=True, slots=True)
class Analysed:
    terms: tuple[str, ...]  # index terms, concepts included, repeated as often as they occur
    surfaces: tuple[tuple[str, str], ...]  # (vocabulary language, word) of content words


_CACHE: dict[tuple[str, str, int], Analysed] = {}


def analysed(text: str, lang: str, lexicon: Lexicon) -> Analysed:
    """:func:`analyse` for index building, cached: packs repeat texts (room names in every
    session, category names in every answer) and reloads analyse the same texts again."""
    key = (text, lang, id(lexicon))
    found = _CACHE.get(key)
    if found is None:
        found = _analysed_fast(text, lang, lexicon)
    if found is None:
        tokens, concepts = analyse(text, lang, lexicon)
        terms = [t for tok in tokens for t in tok.terms] + concepts
        surfaces = []
        for tok in tokens:
            vk = vocab_key(tok, lang)
            if vk and not tok.stop:
                surfaces.append((vk, tok.surface))
        found = Analysed(tuple(terms), tuple(surfaces))
    if len(_CACHE) > 60_000:
        _CACHE.clear()
    _CACHE[key] = found
    return found


def _analysed_fast(text: str, lang: str, lexicon: Lexicon) -> Analysed | None:
    s = scan(text, lang)
    if s is None:
        return None
    terms = [t for ts in s.terms for t in ts]
    broader = lexicon.broader
    for cid in lexicon.concepts_seq(s.keys, s.stops, s.scripts, s.toned, lang):
        terms.append("@" + cid)
        terms.extend("@" + b for b in broader.get(cid, ()))
    latin = lang if lang in LATIN_LANGS else "en"
    vocab = {"latin": latin, "cyrillic": "ru", "arabic": "ar"}
    surfaces = tuple(
        (vocab[script], word)
        for word, script, stop in zip(s.surfaces, s.scripts, s.stops, strict=True)
        if not stop and script in vocab
    )
    return Analysed(tuple(terms), surfaces)


def _texts(text: Text | None, langs: list[str]) -> list[tuple[str, str]]:
    if text is None:
        return []
    out = []
    for lang, value in text.root.items():
        out.append((value, lang))
    del langs
    return out


def entries_of(pack: ContentPack, extra: Phrasings | None = None) -> list[Entry]:
    """Everything a question may be answered with, as index entries; ``extra`` phrasings
    join their entry's own questions (or names) as if the pack had them."""
    langs = pack.languages
    default = pack.default_language
    entries: list[Entry] = []
    for faq in pack.faq:
        e = Entry(EntryType.FAQ, faq.id, faq)
        for lang, questions in faq.questions.items():
            e.key_texts.extend((q, lang) for q in questions)
        e.body_texts.extend(_texts(faq.answer, langs))
        e.told.extend(_texts(faq.answer, langs))
        cat = pack.category_name(faq.category)
        e.body_texts.extend(_texts(cat, langs))
        e.body_texts.extend((tag.replace("-", " "), "en") for tag in faq.tags)
        entries.append(e)
    for s in pack.sessions:
        e = Entry(EntryType.SESSION, s.id, s)
        e.key_texts.extend(_texts(s.title, langs))
        e.names.extend(_texts(s.title, langs))
        for speaker in s.speakers:
            # what the session *is* in the pack's own language, as before speakers could be
            # translated; the translations are what it tells (a long key field would weigh
            # the title down)
            name = speaker.name.get(default, default)
            e.key_texts.append((name, default))
            e.names.append((name, default))
            e.body_texts.extend((text, lang) for text, lang in _texts(speaker.name, langs) if lang != default)
        e.body_texts.extend(_texts(s.summary, langs))
        e.told.extend(_texts(s.summary, langs))
        place = pack.place(s.room)
        if place is not None:
            room, venue = place
            e.body_texts.extend(_texts(room.name if room else venue.name, langs))
        e.body_texts.extend((tag.replace("-", " "), "en") for tag in s.tags)
        e.extra_concepts.extend(KIND_CONCEPTS.get(s.kind, []))
        entries.append(e)
    for v in pack.venues:
        e = Entry(EntryType.VENUE, v.id, v)
        e.key_texts.extend(_texts(v.name, langs))
        e.names.extend(_texts(v.name, langs))
        for t in (v.address, v.directions, v.accessibility):
            e.body_texts.extend(_texts(t, langs))
        e.body_texts.extend((tag.replace("-", " "), "en") for tag in v.tags)
        e.extra_concepts.append("venue")
        e.field_concepts.extend(_place_concepts(v.address, v.accessibility, v.geo))
        entries.append(e)
        for r in v.rooms:
            e = Entry(EntryType.ROOM, r.id, (r, v))
            e.key_texts.extend(_texts(r.name, langs))
            e.names.extend(_texts(r.name, langs))
            for t in (r.directions, r.accessibility):
                e.body_texts.extend(_texts(t, langs))
            e.body_texts.extend((tag.replace("-", " "), "en") for tag in r.tags)
            e.field_concepts.extend(_place_concepts(None, r.accessibility, None))
            if r.floor is not None:
                e.field_concepts.append("elevator")
            entries.append(e)
    largest = _largest_room(pack)
    for e in entries:
        if e.type == EntryType.ROOM and e.id == largest:
            e.field_concepts.append("main-hall")  # "the big hall", whatever the pack calls it
    for c in pack.event.contacts:
        e = Entry(EntryType.CONTACT, c.id, c)
        e.key_texts.extend(_texts(c.name, langs))
        e.names.extend(_texts(c.name, langs))
        e.body_texts.extend(_texts(c.role, langs))
        e.told.extend(_texts(c.role, langs))
        for t in (c.location, c.hours):
            e.body_texts.extend(_texts(t, langs))
        if c.phone:
            e.field_concepts.append("phone-number")
        if c.email:
            e.field_concepts.append("email")
        if c.hours:
            e.field_concepts.append("opening-hours")
        e.body_texts.extend((tag.replace("-", " "), "en") for tag in c.tags)
        entries.append(e)
    for e in entries:
        # "how much is it?" is answered by an entry that gives the figure, or says it is free
        # (bot.answers.amounts; the lexicon's price-asked needs it), in what it tells (not a
        # tag: "visa-free" is about visas)
        if any(states_price(text) for text, _ in e.told):
            e.extra_concepts.append("amount")
    for e in entries if extra else ():
        assert extra is not None
        for text, lang in extra.get((e.type, e.id), ()):
            if text.strip() and (text, lang) not in e.key_texts:
                e.key_texts.append((text, lang))
    return entries


def raw_terms(text: str, lang: str) -> list[str]:
    """"=word" terms: the unstemmed, folded words of a name ("waly" stays "waly" whether a
    question is read as English or Spanish), single letters and numbers included."""
    out = []
    for tok in tokenize(text, lang):
        if tok.script not in ("latin", "cyrillic", "digit"):
            continue
        if len(tok.surface) == 1 or (not tok.stop and len(tok.surface) > 2):
            out.append("=" + tok.surface)  # "Room B": the letter tells the rooms apart
    return out


def _place_concepts(address: Any, accessibility: Any, geo: Any) -> list[str]:
    out = []
    if address is not None:
        out.append("address")
    if accessibility is not None:
        out.append("accessibility")
    if geo is not None:
        out.append("map")
    return out


class Index:
    """BM25F postings over the entries, plus what typo correction and entity matching need."""

    def __init__(self, entries: list[Entry], lexicon: Lexicon) -> None:
        self.entries = entries
        self.lexicon = lexicon
        n = len(entries)
        key_tf: list[Counter[str]] = []
        body_tf: list[Counter[str]] = []
        self.terms_of: list[set[str]] = []
        self.key_terms_of: list[set[str]] = []
        #: per entry, the term set of each of its key texts (each FAQ question, each name)
        self.key_texts_of: list[list[frozenset[str]]] = []
        #: the same with each term's weight and the text's total (for key recall; on demand)
        self._key_weights: dict[int, tuple[dict[str, list[tuple[int, float]]], list[float]]] = {}
        self.surface_freq: dict[str, Counter[str]] = defaultdict(Counter)  # language -> word -> n
        self.name_terms: list[tuple[int, frozenset[str]]] = []
        for i, e in enumerate(entries):
            k = self._field(e.key_texts)
            b = self._field(e.body_texts)
            for text, lang in e.names:  # names also as written: stemmers treat names apart
                if lang != "vi":
                    k.update(raw_terms(text, lang))
            for cid in e.field_concepts:
                k["@" + cid] += 1
            for cid in e.extra_concepts:
                b["@" + cid] += 1
            key_tf.append(k)
            body_tf.append(b)
            self.terms_of.append(set(k) | set(b))
            self.key_terms_of.append(set(k))
            self.key_texts_of.append(
                list(dict.fromkeys(frozenset(analysed(t, lang, lexicon).terms) for t, lang in e.key_texts))
            )
            for text, lang in e.names:
                terms = frozenset(t for t in analysed(text, lang, lexicon).terms
                                  if not t.startswith(("v:", "@")))
                if terms:
                    self.name_terms.append((i, terms))
        self.df: Counter[str] = Counter()
        for terms in self.terms_of:
            self.df.update(terms)
        self.n = n
        self.idf_unseen = math.log(1 + (n + 0.5) / 0.5)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in self.df.items()}
        #: terms that name what some entry *is* (FAQ questions, titles, names)
        self.key_vocabulary: set[str] = set().union(*self.key_terms_of) if self.key_terms_of else set()
        avg_k = sum(sum(c.values()) for c in key_tf) / max(n, 1) or 1.0
        avg_b = sum(sum(c.values()) for c in body_tf) / max(n, 1) or 1.0
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        idf = self._idf
        k1p = K1 + 1
        for i in range(n):
            for tf_map, avg, b, weight in ((key_tf[i], avg_k, B_KEY, KEY_WEIGHT), (body_tf[i], avg_b, B_BODY, BODY_WEIGHT)):
                norm = K1 * (1 - b + b * sum(tf_map.values()) / avg)
                scale = weight * k1p
                for term, tf in tf_map.items():
                    row = postings[term]
                    row[i] = row.get(i, 0.0) + scale * idf[term] * tf / (tf + norm)
        self.postings = {t: list(d.items()) for t, d in postings.items()}
        self.name_index: dict[str, list[int]] = defaultdict(list)
        for j, (_, terms) in enumerate(self.name_terms):
            for t in terms:
                self.name_index[t].append(j)
        self.vocabulary: dict[str, set[str]] = {s: set(c) for s, c in self.surface_freq.items()}
        for key, words in lexicon.vocabulary.items():
            self.vocabulary.setdefault(key, set()).update(words)

    def _field(self, texts: list[tuple[str, str]]) -> Counter[str]:
        tf: Counter[str] = Counter()
        for text, lang in texts:
            a = analysed(text, lang, self.lexicon)
            tf.update(a.terms)
            for key, word in a.surfaces:
                self.surface_freq[key][word] += 1
        return tf

    def key_weights(self, i: int) -> tuple[dict[str, list[tuple[int, float]]], list[float]]:
        """Entry ``i``'s key texts (its questions, title, name) inverted: term -> [(text
        number, weight)], and each text's total weight. Built on first use, then kept."""
        found = self._key_weights.get(i)
        if found is None:
            postings: dict[str, list[tuple[int, float]]] = {}
            totals: list[float] = []
            for k, terms in enumerate(self.key_texts_of[i]):
                weights = {t: self.idf(t) ** 0.5 for t in terms}
                for t, w in weights.items():
                    postings.setdefault(t, []).append((k, w))
                totals.append(sum(weights.values()) or 1.0)
            found = self._key_weights[i] = (postings, totals)
        return found

    def idf(self, term: str) -> float:
        found = self._idf.get(term)
        if found is None:
            return self.idf_unseen
        return found
