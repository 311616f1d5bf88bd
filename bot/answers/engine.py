"""The question-answering engine: a question in, the best entry of the pack (or an honest
"not sure") out.

Steps of :meth:`AnswerEngine.ask`:

1. guess the question's language from its script and words (the user's interface
   language breaks ties: a question may be in another language than the interface; when
   Latin-script words leave two languages open, both readings are tried);
2. find a time expression ("tomorrow morning", "now", "25/10") and take its words out;
3. analyse the rest like the pack's texts (normalise, stem, segment, correct typos against
   the pack's vocabulary) and add the lexicon's concepts;
4. score every entry with BM25F over terms and concepts, weigh it by *coverage* (the share
   of the question's informative words the entry accounts for: generic, unknown and
   verb-shaped words weigh less, matches in an answer's body or through a concept count
   less than in its own question or name), add a bonus when the question names an entity
   (a room, a session, a person) in full, and prefer the kind of entry the question's shape
   asks for (where → places, when → sessions, call → contacts);
5. confidence = the mean of coverage and *key recall* (how much of one of the entry's own
   questions or names the question contains, so a long question that tells a story
   around "I lost my badge" is still recognised); below :data:`THRESHOLD` it refuses;
6. when the best-scoring entry is not confident (or another scoring nearly as well is much
   more confident), the one that accounts for the question takes its place;
7. rank the entries by meaning too, with the multilingual model (:mod:`bot.answers.semantic`),
   and fuse both rankings (:mod:`bot.answers.fusion`): a conditional logit fitted on the
   dev sets gives each candidate of either ranking the probability that it is right, read
   against the other candidates and the chance that none of them is;
8. decide: answer (the best candidate when it is likely enough), offer "did you mean"
   alternatives, list sessions for a time question, or refuse. A session, a room, a venue
   or a contact is answered only when the words support it too: the model hears a
   question's shape more than its names, and a wrong time or place is worse than a refusal.

Without the model (not installed, switched off, or still embedding the pack), steps 7 and
8 are the words' own: a confidence threshold and close alternatives.

Words naming what went wrong (the lexicon's ``head`` concepts: lost, sick) weigh more than
the setting of the story around them ("I left my badge in a taxi").

A refusal is the safe outcome: a wrong room or time is worse than "I'm not sure".
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from bot.answers import fusion, places, translit
from bot.answers.chat import expand_shorthand
from bot.answers.fusion import Calibration, Candidate, load_calibration
from bot.answers.index import (
    BROADER_WEIGHT,
    CONCEPT_WEIGHT,
    Entry,
    EntryType,
    Index,
    Phrasings,
    analysed,
    entries_of,
    raw_terms,
)
from bot.answers.lexicon import Hit, Lexicon, load_lexicon
from bot.answers.normalize import (
    CYRILLIC_RE,
    MAX_CHARS,
    Token,
    arabic_alternatives,
    detect_language,
    fold_accents,
    has_vietnamese_marks,
    is_weak,
    phrase_key,
    preload,
    prepare,
    script_weights,
    stopwords,
    tokenize,
    vocab_key,
)
from bot.answers.retone import Retoner
from bot.answers.semantic import DEFAULT_CACHE_DIR, SemanticIndex, text_key
from bot.answers.shape import is_name, looks_generic
from bot.answers.timeparse import TimeQuery, parse_time
from bot.answers.typo import Corrector
from bot.catalog.models import SUPPORTED_LANGUAGES, ContentPack, Session

#: below this confidence the engine says it is not sure
THRESHOLD = fusion.LEXICAL_THRESHOLD
#: what a question about somewhere else needs named: no entry's term (bot.answers.places)
ELSEWHERE = "@elsewhere"
#: when the best-scoring entry is below the threshold, one of the next RESCUE_DEPTH - 1 within
#: RESCUE_RATIO of its score and at least RESCUE_MARGIN above the threshold answers instead
RESCUE_DEPTH = 4
RESCUE_RATIO = 0.8
RESCUE_MARGIN = 0.1
#: a confident best entry gives way to one within CLOSE_RATIO of its score whose confidence
#: is CLOSE_GAIN higher (a room whose name is in the question, against its session)
CLOSE_RATIO = 0.7
CLOSE_GAIN = 0.15
#: alternatives: other entries at least this close to the best score
ALTERNATIVE_RATIO = 0.75
MAX_ALTERNATIVES = 3
#: a refusal's buttons: candidates the words account for at least this much
ALTERNATIVE_FLOOR = THRESHOLD * 0.6
TYPE_BOOST = {
    "where": {"room": 1.3, "venue": 1.3},
    "route": {"venue": 1.15},
    "when": {"session": 1.3},
    "contact": {"contact": 1.5},
    "who": {"session": 1.1, "contact": 1.2},
    "room-word": {"room": 1.25},
}
ENTITY_BONUS = 0.6  # times the name's own weight
#: how deep in the words' ranking the entry about what went wrong is looked for (a place
#: named, a garment, a verb can all score above it: "left my jacket in the plenary")
HEAD_DEPTH = 12
CONTACT_UNASKED = 0.7
#: a session (for "when") or a place (for "where") within this share of the best score wins
SHAPE_RATIO = 0.65
#: sessions whose scores are this close are one reading of a question with no day in it
SESSION_TIE = 0.9
#: an evening's own events start from this hour (the window of "this evening" opens earlier)
EVENING_PROPER = dt.time(18, 0)
#: the lexicon's ordinal intents: with a time, "the first" or "the last" of its sessions
ORDINALS = frozenset({"first", "last"})
#: the words that say where the asker is ("I'm at the big staircase, where is room 3?")
#: count this much, to the end of their clause, when the question says something else too
HERE_FACTOR = 0.35
HERE_SPAN = 6  # at most this many words after "I'm at"
#: the lexicon's intents for a session's neighbours ("what's after the opening?"), and how
#: many words after them (before them in Chinese) may name the session
RELATIVE = frozenset({"after", "before"})
RELATIVE_SPAN = 6
#: intents that start another clause ("I'm in the lobby where is room 3")
CLAUSE_INTENTS = frozenset({"where", "route", "when", "status", "schedule", "contact", "who", "first", "last"})
#: words that start another clause
_CLAUSE_WORDS = frozenset({"and", "but", "so", "et", "mais", "pis", "donc", "y", "pero", "и", "но", "а", "mà", "và", "nhưng"})
#: of those, Vietnamese syllables typed without tones: "phien toan the so 2" (số: number)
_NOT_CLAUSE_WORDS_VI = frozenset({"so", "y"})
#: a room's letter typed in Cyrillic or Arabic after a word for a room, or last in a question
#: that has one ("зал Б", "зал комитетов Б", "قاعة اللجنة ب"):
#: the Latin letter packs name rooms with (Cyrillic look-alikes and Б; Arabic by the
#: alphabet's order, أ ب ج د)
_ROOM_LETTER = {"а": "a", "б": "b", "с": "c", "д": "d", "е": "e", "к": "k", "м": "m",
                "ا": "a", "ب": "b", "ج": "c", "د": "d"}
_CLAUSE_MARK = re.compile(r"[,;:.!?،؛؟，。！？、…—–\n]")
#: how deep in the words' ranking a time question's place is looked for, and how few names
#: (rooms and venues) may share the word that names it
PLACE_DEPTH = 5
RARE_NAME = 2
#: a time question's places, or the sessions of "the next X", that score this share of the
#: first one's are as good a reading of it
NAMED_TIE = 0.8
#: shuttle departures and other timetable entries, asked about without a time
LOGISTICS_UNTIMED = 0.8
#: "has it started?", "is it over?", "did I miss it?": the sessions from this long before
#: they start to this long after they end are the ones such a question is about
NEAR_BEFORE = dt.timedelta(minutes=60)
NEAR_AFTER = dt.timedelta(minutes=60)
#: ... when the question names one of them at least this much (the words' confidence), or
#: the model finds it this many deviations above the pack's entries
NEAR_FLOOR = 0.2
NEAR_Z = 2.0
#: a question with these is about someone sick or hurt, and answered by an entry about
#: CARE when it comes near one: the first by the model or the words, or one the model
#: finds NEAR_Z deviations above the pack (AnswerEngine._overrule)
URGENT = frozenset({"@sick"})
CARE = frozenset({"@medical", "@sick", "@emergency", "@hospital"})
#: a word neither the pack nor the lexicon knows counts this much of an unseen word's weight
#: (it is as often a filler our stopword lists miss as the topic the pack lacks)
UNKNOWN_FACTOR = 0.7
#: a word found only in an entry's body (answer, directions) covers this much of its weight:
#: long answers mention many things in passing
BODY_CREDIT = 0.75
#: generic verbs, adverbs and adjectives ("often", "safe", "use") weigh this much
WEAK_FACTOR = 0.35
#: a word met only through its concept, and only in a body
BODY_CONCEPT_CREDIT = 0.5
#: a word met only through its concept (restaurant ~ lunch) covers this much of its weight
CONCEPT_CREDIT = 0.9
#: a word naming what went wrong (a "head" concept: lost, sick) weighs this much more
HEAD_FACTOR = 1.5
#: an entry about a mishap (its key texts name a "head" concept: lost) and an object (badge),
#: asked about the same mishap with another object (a lost phone), or about its object
#: without the mishap ("where do I pick up my badge"): its score is worth this much
OTHER_SUBJECT = 0.7
#: a concept in more than this share of an entry's key texts is what the entry is about
SUBJECT_SHARE = 0.6
#: a mishap in at least this share of them is one the entry is about
MISHAP_SHARE = 0.5
#: a word whose only concepts are generic ones ("enter": access) weighs this much
WEAK_CONCEPT_FACTOR = 0.5
#: an unknown word shaped like a verb or an adverb ("borrow", "usually") weighs less still
GENERIC_FACTOR = 0.5
#: a word's weight is its idf to this power (1: plain idf; 0: every word alike)
IDF_POWER = 0.5
INTENT_TERM_WEIGHT = 0.3
MAX_CANDIDATES = 60
#: blend key recall into the confidence (off: coverage alone)
KEY_RECALL = True
#: what the model may embed of a pack, in short-text units (a text of up to TEXT_UNIT
#: characters counts one, a longer one in proportion): about a minute on two cores
MODEL_TEXT_BUDGET = 4000
TEXT_UNIT = 50
#: how much of an answer the model reads: its first sentences, up to this many characters
TOLD_CHARS = 200
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)


class AnswerKind(StrEnum):
    """What an :class:`Answer` is: one entry, a list of sessions, or no answer."""

    FAQ = "faq"
    SESSION = "session"
    SCHEDULE = "schedule"
    VENUE = "venue"
    ROOM = "room"
    CONTACT = "contact"
    UNKNOWN = "unknown"
    EMPTY = "empty"


@dataclass(frozen=True)
class Match:
    type: EntryType
    id: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"type": str(self.type), "id": self.id, "score": round(self.score, 3)}


@dataclass
class Answer:
    question: str
    lang: str  # the language to answer in (the user's interface language)
    kind: AnswerKind
    match: Match | None = None
    alternatives: list[Match] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    #: the language the question is written in, and how sure that reading is (0..1): a
    #: handler may offer to switch when it differs from ``lang`` and is sure
    question_lang: str = ""
    question_lang_confidence: float = 0.0
    time: TimeQuery | None = None
    confidence: float = 0.0
    note: str | None = None  # "nothing-now": nothing running, ``sessions`` are the next ones
    #: what the question asks (the lexicon's intents: where, when, who…)
    intents: frozenset[str] = frozenset()
    #: the fused candidates behind the decision (diagnostics, and what bench.qa.fit learns from)
    evidence: list[Candidate] = field(default_factory=list, repr=False)

    @property
    def offer_liaison(self) -> bool:
        """The seam for the liaison hand-off: true when the bot could not answer."""
        return self.kind == AnswerKind.UNKNOWN


@dataclass
class _Unit:
    terms: list[str]  # the word's own terms, then its concepts
    weight: float
    concept: bool = False
    foreign: bool = False  # a topic word the pack never mentions
    n_words: int = 0  # how many of ``terms`` are the word's own (the rest are concepts)
    weak: bool = False  # a generic word ("often", "place")


#: the programme as it runs: the sessions at their live times (the pack's, moved by the
#: organisers' changes) and the ids of the cancelled ones
Live = tuple[Sequence[Session], frozenset[str]]


@dataclass
class _Query:
    lang: str
    tokens: list[Token]
    units: list[_Unit]
    terms: dict[str, float]
    intents: set[str]
    schedule_words: int
    timed: bool = False  # the question has a time expression
    #: concepts only an entry naming them can answer (lexicon ``needs``: today's exchange rate)
    needs: frozenset[str] = frozenset()
    #: the programme as it runs (see :meth:`AnswerEngine.ask`), or None: as the pack has it
    live: Live | None = None
    #: entries that are not candidates at all (the room where something went wrong)
    not_answers: frozenset[int] = frozenset()
    #: "after" or "before" (:data:`RELATIVE`), the terms of what it names ("the opening
    #: ceremony in the main hall"), of that name's first word ("opening"), and the positions
    #: of the tokens of both and of the word "after"
    relative: tuple[str, frozenset[str], frozenset[str], frozenset[int]] | None = None
    #: "the last event of the conference": an ordinal of the whole event, with no time
    event_ordinal: str | None = None


class AnswerEngine:
    """Answers questions over one content pack.

    ``extra_phrasings`` ((type, id) -> [(text, lang)]) join their entries' own questions at
    build time, for the words and the model alike: an overlay of phrasings learnt during the
    event needs no change here. ``calibration`` is the fitted decision model
    (:mod:`bot.answers.fusion`; by default the one kept beside this module)."""

    def __init__(self, pack: ContentPack, lexicon: Lexicon | None = None, *, semantic: bool = True,
                 cache_dir: Path | None = DEFAULT_CACHE_DIR, extra_phrasings: Phrasings | None = None,
                 calibration: Calibration | None = None, model_text_budget: int = MODEL_TEXT_BUDGET) -> None:
        self.pack = pack
        preload()
        self.lexicon = lexicon or load_lexicon()
        self.entries: list[Entry] = entries_of(pack, extra_phrasings)
        self.index = Index(self.entries, self.lexicon)
        self.semantic = (SemanticIndex(model_texts(self.entries, pack.default_language, model_text_budget), cache_dir)
                         if semantic else None)
        self.calibration = calibration or load_calibration()
        self.tz = pack.tz
        self.days = pack.event_days()
        self.sessions = pack.sessions_sorted()
        self._position = {(e.type, e.id): i for i, e in enumerate(self.entries)}
        self._types = [str(e.type) for e in self.entries]
        self._correctors: dict[str, Corrector] = {}  # built on first use, per language
        self._subjects = [self._subject(i) for i in range(len(self.entries))]
        #: learnt phrasings by their key: an organiser said this very wording is that entry's
        self._learnt: dict[str, int] = {}
        for (type_, id_), texts in (extra_phrasings or {}).items():
            position = self._position.get((type_, id_))
            for text, _lang in texts if position is not None else ():
                if key := phrase_key(text):
                    self._learnt.setdefault(key, position)

    @functools.cached_property
    def retoner(self) -> Retoner:
        """The pack's Vietnamese, to give tones back to a question typed without them
        (built on the first such question)."""
        return Retoner(text for e in self.entries for text, lang in (*e.key_texts, *e.told) if lang == "vi")

    # ------------------------------------------------------------------ public API
    def ask(self, question: str, lang: str, now: dt.datetime, live: Live | None = None) -> Answer:
        """Answer ``question`` asked by someone whose interface is in ``lang`` at ``now``
        (the caller's clock: the engine never reads the time itself). ``live``: the sessions
        at the times they now run and the ids of those cancelled (the organisers' changes,
        which the engine does not keep): time questions choose by them ("what's next?" after
        a delay), and the answer lists the pack's own sessions, for the caller to show live."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=self.tz)
        text = prepare(question or "")
        if not _HAS_WORD.search(text):
            return Answer(question, lang, AnswerKind.EMPTY)
        learnt = self._learnt.get(phrase_key(question)) if self._learnt else None
        if learnt is not None:  # an organiser attached this very wording to an entry
            return self._learnt_answer(question, lang, text, learnt)
        tq = parse_time(text, now, self.tz, self.days)
        model = _ModelView(self.semantic, question[:MAX_CHARS], len(self.entries), lambda: self.retoner)
        readings = self._languages(text, lang)
        texts = [(candidate, text, tq) for candidate in readings]
        cyrillic = self._as_russian(text, lang, readings)
        if cyrillic is not None:  # Russian typed in Latin letters: also read in Cyrillic
            texts.append(("ru", cyrillic, tq or parse_time(cyrillic, now, self.tz, self.days)))
        best: Answer | None = None
        for candidate, reading, timed in texts:
            query = self._query(reading, candidate, timed, question if reading is text else reading)
            query.live = live
            if timed is None and query.event_ordinal is not None:
                timed = self._event_day(query.event_ordinal)  # its first day's first, last day's last
                query.timed = timed is not None
            if not query.units and not query.schedule_words and timed is None:
                answer = Answer(question, lang, AnswerKind.EMPTY, question_lang=query.lang)
            else:
                answer = self._beside(query, timed, self._decide(question, lang, query, timed, now, model))
                answer.question_lang = query.lang
                answer.intents = frozenset(query.intents)
            if best is None or _better(answer, best):
                best = answer
        assert best is not None
        if best.kind == AnswerKind.SESSION and best.time is None:
            self._this_instance(best, now, live)
        best.question_lang_confidence = self._language_confidence(text, best.question_lang, len(readings))
        return best

    def _nearest_of_ties(self, ranked: list[tuple[int, float, float]], now: dt.datetime) -> list[tuple[int, float, float]]:
        """Sessions the words name equally well ("is the plenary over yet?" when the
        programme has three plenaries), with no day in the question: nearest in time first
        (:func:`_from_now`)."""
        top = ranked[0][1]
        k = 0
        while k < len(ranked) and self.entries[ranked[k][0]].type == EntryType.SESSION and ranked[k][1] >= SESSION_TIE * top:
            k += 1
        if k < 2:
            return ranked
        today = now.astimezone(self.tz).date()
        key = {i: _from_now(self.entries[i].obj, now, today, self.tz) for i, _, _ in ranked[:k]}
        return sorted(ranked[:k], key=lambda item: key[item[0]]) + ranked[k:]

    def _this_instance(self, answer: Answer, now: dt.datetime, live: Live | None) -> None:
        """A session held several times under one title (the daily press briefing, a
        group's morning coordination) asked about with no day ("has the press briefing
        started?"): the one nearest in time (:func:`_from_now`)."""
        assert answer.match is not None
        siblings = self._repeats.get(answer.match.id)
        if not siblings:
            return
        at = {s.id: s for s in self._timeline(live, running=False)}
        today = now.astimezone(self.tz).date()
        chosen = min((at.get(s.id, s) for s in siblings), key=lambda s: _from_now(s, now, today, self.tz))
        if chosen.id == answer.match.id:
            return
        self._to_sibling(answer, chosen)

    def _to_sibling(self, answer: Answer, chosen: Session) -> None:
        """``answer`` about ``chosen``, another session of the same title, instead."""
        assert answer.match is not None
        answer.alternatives = [m for m in answer.alternatives if m.id != chosen.id]
        answer.match = Match(EntryType.SESSION, chosen.id, answer.match.score)
        answer.sessions = [self.pack.session(chosen.id) or chosen]

    @functools.cached_property
    def _repeats(self) -> dict[str, list[Session]]:
        """The sessions that share their title with others, by id: all of them in time order.
        A title that differs only in brackets ("Exhibition (day 1)", "(day 2)") is shared
        when no two of its sessions fall on one day ("Working group (A)" and "(B)" meet in
        parallel: they are two sessions, not one held twice)."""
        default = self.pack.default_language
        by_title: dict[str, list[Session]] = defaultdict(list)
        for session in self.sessions:
            title = fold_accents(session.title.get(default, default).casefold().strip())
            by_title[_BRACKETS.sub(" ", title).strip() or title].append(session)
        out: dict[str, list[Session]] = {}
        for group in by_title.values():
            titles = {s.title.get(default, default) for s in group}
            days = [s.start.astimezone(self.tz).date() for s in group]
            if len(group) > 1 and (len(titles) == 1 or len(set(days)) == len(days)):
                out.update((s.id, group) for s in group)
        return out

    def _learnt_answer(self, question: str, lang: str, text: str, i: int) -> Answer:
        e = self.entries[i]
        reading = self._languages(text, lang)[0]
        answer = Answer(question, lang, AnswerKind(e.type), Match(e.type, e.id, 1.0), confidence=1.0,
                        question_lang=reading)
        answer.question_lang_confidence = self._language_confidence(text, reading, 1)
        if e.type == EntryType.SESSION:
            answer.sessions = [e.obj]
        return answer

    def _languages(self, text: str, hint: str) -> list[str]:
        """The question's language, or two when Latin-script words leave it open ("badge
        perdu", "vegetarian lunch" typed by a user whose interface is in Vietnamese): then
        both readings are tried and the more confident one wins."""
        ranked = detect_language(text, hint)
        if ranked[0] not in ("en", "fr", "es", "vi") or has_vietnamese_marks(text):
            return ranked[:1]
        raw = self._latin_scores(text)
        scores = {lang: raw[lang] + (0.5 if lang == hint else 0.0) + (0.3 if lang == ranked[0] else 0.0) for lang in raw}
        order = sorted(scores, key=lambda k: -scores[k])
        if scores[order[0]] - scores[order[1]] < 1.0:
            return order[:2]
        return order[:1]

    def _as_russian(self, text: str, hint: str, readings: list[str]) -> str | None:
        """A Latin-script question in Cyrillic when its words read as Russian there ("gde tut
        pomolitsya mozhno": где, тут, можно), as many as in any Latin language (one is enough
        for someone whose interface is in Russian); else None."""
        if "ru" in readings or CYRILLIC_RE.search(text) or not _WORDS.search(text):
            return None
        found = translit.russian_words(text, self._russian_words)
        if found < (1 if hint == "ru" else 2):
            return None
        if found < max(self._latin_scores(text).values()):  # (rarely needed: read only then)
            return None
        return translit.to_cyrillic(text)

    @functools.cached_property
    def _russian_words(self) -> frozenset[str]:
        """The lexicon's and the pack's Russian words (is a Latin question Russian?)."""
        return frozenset(self.lexicon.vocabulary.get("ru", set()) | self.index.vocabulary.get("ru", set()))

    def _latin_scores(self, text: str) -> dict[str, float]:
        """Word evidence for each Latin-script language: its stopwords, the lexicon's and the
        pack's words in it."""
        words = [fold_accents(w) for w in _WORDS.findall(text)]
        scores = {}
        for lang in ("en", "fr", "es", "vi"):
            stops = stopwords("vi0" if lang == "vi" else lang)
            vocab = self.index.vocabulary.get(lang, set())
            lexicon = self.lexicon.vocabulary.get(lang, set())
            score = 0.0
            for w in words:
                if w in stops:
                    score += 1.0 if lang != "vi" else 0.5
                elif w in lexicon:
                    score += 1.0
                elif w in vocab:
                    score += 0.6
            scores[lang] = score
        return scores

    def _language_confidence(self, text: str, lang: str, readings: int) -> float:
        """How sure the reading of the question's language is: the share of its letters in
        that language's script, and for the Latin-script languages (without Vietnamese
        marks) how far its word evidence stands above the next language's."""
        weights = script_weights(text)
        total = sum(weights.values())
        if not total or not lang:
            return 0.0
        script = {"zh": "han", "ar": "arabic", "ru": "cyrillic"}.get(lang, "latin")
        share = weights[script] / total
        if script != "latin" or (lang == "vi" and has_vietnamese_marks(text)):
            return round(share, 3)
        raw = self._latin_scores(text)
        margin = raw.get(lang, 0.0) - max(v for k, v in raw.items() if k != lang)
        sure = 0.5 + 0.5 * math.tanh(margin / 2)
        return round(share * sure * (0.9 if readings > 1 else 1.0), 3)

    def rank(self, question: str, lang: str, now: dt.datetime, limit: int = 5) -> list[tuple[Match, float]]:
        """The best entries by the words, with their confidence (diagnostics)."""
        text = prepare(question or "")
        tq = parse_time(text, now, self.tz, self.days)
        query = self._query(text, self._languages(text, lang)[0], tq, question)
        return [(self._match(i, s), c) for i, s, c in self._score(query)[:limit]]

    def semantic_status(self) -> str:
        """The model's state, for /healthz: ready, warming, unavailable or off."""
        return self.semantic.status() if self.semantic is not None else "off"

    def entry(self, type_: str, id_: str) -> Entry | None:
        i = self._position.get((type_, id_))
        return self.entries[i] if i is not None else None

    # ------------------------------------------------------------------ analysis
    def _query(self, text: str, lang: str, tq: TimeQuery | None, original: str = "") -> _Query:
        tokens = tokenize(text, lang)
        cased = unicodedata.normalize("NFKC", original or "")[: len(text) + 1]
        if len(cased) != len(text):
            cased = ""  # casefolding changed lengths (ß): no capitalisation evidence
        spans = tq.spans if tq else []
        # a concept whose phrase holds a time word ("the dollar today", "euro hoy") is read
        # before the time expression takes its words
        timed_needs = {"@" + self.lexicon.required[h.concept] for h in self.lexicon.match(tokens, lang)
                       if not h.intent and h.concept in self.lexicon.needs} if spans and self.lexicon.needs else set()
        for tok in tokens:
            if any(tok.start < b and tok.end > a for a, b in spans):
                _consume(tok)  # by the time expression: no raw "=3" from "11/03"
        tokens = self._repair(tokens, lang)
        hits = self.lexicon.match(tokens, lang)
        toneless_word: dict[int, str] = {}
        if lang == "vi" and not any(t.toned for t in tokens):
            # typed without tones, a lone syllable is many words (nghi: nghỉ "rest", nghị of
            # hội nghị "conference"): where the lexicon reads two syllables as one word, that
            # word is the evidence, not its syllables' other readings nor pairs across it
            words = [(h.first, h.last) for h in hits if not h.intent and h.last == h.first + 1]
            hits = [h for h in hits if h.intent or h.last > h.first or not any(a <= h.first <= b for a, b in words)]
            for a, b in words:
                toneless_word[a] = toneless_word[b] = f"v0:{tokens[a].key}_{tokens[b].key}"
        hits = _room_not_found(hits, tokens, lang)
        event_ordinal = None
        if tq is None:  # "the last bus to the hotels": with no time, "last" is a word like others
            event_ordinal = _of_the_event(hits, lang)
            if event_ordinal is None:
                hits = [h for h in hits if not (h.intent and h.concept in ORDINALS)]
            else:  # the words naming the event chose the window, as a day's name does
                for h in hits:
                    if not h.intent and h.concept == "event-general":
                        for tok in tokens[h.first:h.last + 1]:
                            _consume(tok)
                hits = [h for h in hits if h.intent or h.concept != "event-general"]
        intents = {h.concept for h in hits if h.intent}
        if "who" in intents and not _asks_who(hits, tokens):
            intents.discard("who")  # Arabic من as "from" or "please": no boost for contacts and sessions
        if "status" in intents:
            intents.add("when")  # "has the panel started?" asks about a session's time too
        concept_at: dict[int, list[str]] = defaultdict(list)
        intent_at: set[int] = set()
        schedule_at: set[int] = set()
        ordinal_at: set[int] = set()  # "the first (session) on Thursday": no topic word
        room_word_at = {h.last for h in hits if h.intent and h.concept == "room-word"}
        loose: list[str] = []  # concepts named by stopwords only ("can't find", "help")
        for h in hits:
            if h.intent:
                if h.concept in RELATIVE:
                    continue  # read by what it names (:func:`_named_beside`); its word stays a word
                intent_at.update(range(h.first, h.last + 1))
                if h.concept == "schedule":
                    schedule_at.update(range(h.first, h.last + 1))
                elif h.concept in ORDINALS:
                    ordinal_at.update(range(h.first, h.last + 1))
                continue
            content = [i for i in range(h.first, h.last + 1) if not tokens[i].stop]
            if not content:
                loose.append("@" + h.concept)
            for i in content:
                concept_at[i].append("@" + h.concept)
        for h in hits:  # "first aid" is no ordinal, nor "the last day" (a time: its words are taken)
            if h.intent and h.concept in ORDINALS and (
                    all(i in concept_at for i in range(h.first, h.last + 1))
                    or all(not tokens[i].surface for i in range(h.first, h.last + 1))):
                intents.discard(h.concept)
                ordinal_at.difference_update(range(h.first, h.last + 1))
        here_at = _where_i_am(hits, tokens, text, lang)
        relative = _named_beside(hits, tokens, text, lang, concept_at)
        units: list[_Unit] = []
        here_units: list[int] = []
        terms: dict[str, float] = {}
        schedule_words = 0

        def add_concept(c: str) -> None:
            terms[c] = max(terms.get(c, 0.0), CONCEPT_WEIGHT * (HEAD_FACTOR if c[1:] in self.lexicon.head else 1.0))
            for b in self.lexicon.broader.get(c[1:], ()):
                terms["@" + b] = max(terms.get("@" + b, 0.0), BROADER_WEIGHT)

        for i, tok in enumerate(tokens):
            if (tok.stop and len(tok.surface) == 1 and ("=" + tok.surface) in self.index.df
                    and ((cased and (cased[tok.start : tok.end].isupper() or tok.surface.isdigit()))
                         or (i - 1 in room_word_at and text[tok.start : tok.end].isascii()))):
                raw = "=" + tok.surface  # the "B" of "Roundtable Room B", the "c" of "room c"
                terms[raw] = 1.0
                units.append(_Unit([raw], self._weight([raw], False), False, False, 1, False))
                continue
            if (tok.stop and tok.surface in _ROOM_LETTER and ("=" + _ROOM_LETTER[tok.surface]) in self.index.df
                    and (i - 1 in room_word_at or (room_word_at and i == len(tokens) - 1))):
                raw = "=" + _ROOM_LETTER[tok.surface]  # "в зале Б", "القاعة ب": the pack's hall B
                terms[raw] = 1.0
                units.append(_Unit([raw], self._weight([raw], False), False, False, 1, False))
                continue
            if tok.stop or not tok.terms and not concept_at.get(i):
                continue
            concepts = list(dict.fromkeys(concept_at.get(i, [])))
            if i in schedule_at and (tq is not None or not concepts or concepts == ["@event-general"]):
                schedule_words += 1
                continue
            if i in ordinal_at and not concepts:
                continue
            if i in intent_at and not concepts:
                for t in tok.terms:
                    terms[t] = max(terms.get(t, 0.0), INTENT_TERM_WEIGHT)
                continue
            for c in concepts:
                add_concept(c)
            for t in tok.terms:
                terms[t] = max(terms.get(t, 0.0), 1.0)
            own = list(tok.terms)
            if (tok.script in ("latin", "cyrillic") and len(tok.surface) > 2 and not tok.toned
                    and ("=" + tok.surface) in self.index.df):
                own.append("=" + tok.surface)
                terms["=" + tok.surface] = 1.0
            if tok.toned:  # a question with tones: its toneless form is no evidence of its own
                own = [t for t in own if not (t.startswith("v0:") and "_" not in t)]
            elif i in toneless_word:
                own = [t for t in own if not t.startswith("v0:") or t == toneless_word[i]]
            unit_terms = own + concepts
            weight = self._weight(unit_terms, bool(concepts))
            unseen = not any(t in self.index.df for t in unit_terms)
            weak = not concepts and is_weak(tok, lang)
            if weak:
                weight *= WEAK_FACTOR
            elif unseen and not concepts:
                name = bool(cased) and i > 0 and is_name(cased[tok.start : tok.end])
                if not name:
                    weight *= UNKNOWN_FACTOR * (0.6 if tok.script == "han" and len(tok.surface) == 1 else 1.0)
                    if looks_generic(tok.surface, lang, tok.script):
                        weight *= GENERIC_FACTOR
            elif concepts and all(c[1:] in self.lexicon.weak for c in concepts):
                weight *= WEAK_CONCEPT_FACTOR
            elif any(c[1:] in self.lexicon.head for c in concepts):
                weight *= HEAD_FACTOR
            single_han = tok.script == "han" and len(tok.surface) == 1
            generic = weak or single_han or bool(concepts) and all(c[1:] in self.lexicon.weak for c in concepts)
            if i in here_at:
                here_units.append(len(units))
            units.append(_Unit(unit_terms, weight, bool(concepts), unseen and not weak and not single_han,
                               len(own), generic))
        if here_units and len(here_units) < len(units):  # the question says more than where
            elsewhere = {t for k, u in enumerate(units) if k not in here_units for t in u.terms}
            for k in here_units:  # where the asker is: not what the question is about
                units[k].weight *= HERE_FACTOR
                units[k].weak = True
                for t in units[k].terms:
                    if t not in elsewhere and t in terms:
                        terms[t] *= HERE_FACTOR
                elsewhere.update(units[k].terms)  # scaled once
        for c in dict.fromkeys(loose):
            if not any(c in u.terms for u in units):
                add_concept(c)
                weight = self._weight([c], True) * (WEAK_CONCEPT_FACTOR if c[1:] in self.lexicon.weak
                                                    else HEAD_FACTOR if c[1:] in self.lexicon.head else 1.0)
                units.append(_Unit([c], weight, True, c not in self.index.df, 0))
        needs = frozenset({"@" + self.lexicon.required[t[1:]] for t in terms
                           if t.startswith("@") and t[1:] in self.lexicon.needs} | timed_needs)
        if self._about_elsewhere(terms, original or text) or self._live_data(terms, tq):
            needs |= {ELSEWHERE}
        return _Query(lang, tokens, units, terms, intents, schedule_words, tq is not None, needs,
                      relative=relative, event_ordinal=event_ordinal)

    def _weight(self, unit_terms: list[str], concept: bool) -> float:
        """How much a word of the question matters: rarer in the pack, more telling
        (softened: a topic the pack mentions everywhere is still the topic)."""
        seen = [self.index.idf(t) for t in unit_terms if t in self.index.df]
        base = max(seen) if seen else self.index.idf_unseen
        return base**IDF_POWER

    def _repair(self, tokens: list[Token], lang: str) -> list[Token]:
        """Typos, and words split or joined differently than in the pack ("Vietnam" and
        "Viet Nam", "Ной Бай" and "Нойбай")."""
        vocab = self.index.vocabulary
        known = self.lexicon.known_keys
        df = self.index.df
        out: list[Token] = []
        skip = False
        for n, tok in enumerate(tokens):
            if skip:
                skip = False
                continue
            key = vocab_key(tok, lang)
            if tok.stop or key is None or key not in vocab or tok.script == "digit":
                out.append(tok)
                continue
            if tok.script == "arabic" and tok.key not in known:
                alt = next((a for a in arabic_alternatives(tok.surface) if a in known or "a:" + a in df), None)
                if alt is not None and (alt in known or not any(t in df for t in tok.terms)):
                    # نحجز "we book" -> حجز; ومقر "and the headquarters" -> مقر
                    tok.key = alt
                    tok.terms = list(dict.fromkeys([*(t for t in tok.terms if t in df), f"a:{alt}"]))
                    out.append(tok)
                    continue
            if any(t in df for t in tok.terms) or tok.key in known or tok.surface in vocab[key] or any(
                t[2:] in known for t in tok.terms if t.startswith("a:")
            ):
                out.append(tok)
                continue
            # joined in the question, split in the pack
            nxt = tokens[n + 1] if n + 1 < len(tokens) else None
            if nxt is not None and not nxt.stop and nxt.script == tok.script and nxt.start == tok.end + 1:
                joined = tokenize(tok.surface + nxt.surface, lang)
                if len(joined) == 1 and any(t in df for t in joined[0].terms):
                    new = joined[0]
                    new.start, new.end = tok.start, nxt.end
                    out.append(new)
                    skip = True
                    continue
            split = self._split(tok, lang)
            if split:
                out.extend(split)
                continue
            if key != "vi":
                fixed = self._corrector(key).correct(tok.key if tok.script == "arabic" else tok.surface)
                if fixed:
                    again = tokenize(fixed, lang) if tok.script != "arabic" else None
                    if again is None:
                        tok.key, tok.terms = fixed, [f"a:{fixed}"]
                    elif len(again) == 1:
                        again[0].start, again[0].end = tok.start, tok.end
                        tok = again[0]
            out.append(tok)
        return out

    def _split(self, tok: Token, lang: str) -> list[Token] | None:
        """A word the pack writes as two ("vietnam" / "viet nam", "startup" / "start-up",
        "checkin" / "check-in"): one token with both terms."""
        word = tok.surface
        if tok.script != "latin" or len(word) < 6:
            return None
        df = self.index.df
        for cut in range(3, len(word) - 1):
            parts = tokenize(word[:cut] + " " + word[cut:], lang)
            if len(parts) == 2 and all(any(t in df for t in p.terms) for p in parts):
                tok.terms = parts[0].terms + parts[1].terms
                return [tok]
        return None

    def _live_data(self, terms: Sequence[str], tq: TimeQuery | None) -> bool:
        """A question about a ``live`` concept (the exchange rate) on a given day ("the dollar
        rate today", "tomorrow") asks for the day's figure or a forecast: no pack keeps one
        (:data:`ELSEWHERE`); the entry about it is offered."""
        live = self.lexicon.live
        if not live or tq is None:
            return False
        return any(t.startswith("@") and t[1:] in live for t in terms)

    def _about_elsewhere(self, terms: Sequence[str], text: str) -> bool:
        """A question about the event's own city (a ``local`` concept: the weather) that names
        a place the pack never names ("the weather in Minsk this week?") asks about
        somewhere else: no entry answers it (:data:`ELSEWHERE`); so does one about something
        found there (a ``located`` concept: food, sights) that names such a place as where it
        is ("the best sushi restaurant in Paris?")."""
        concepts = {t[1:] for t in terms if t.startswith("@")}
        if not concepts.isdisjoint(self.lexicon.local):
            named = places.gazetteer().named(text, skip_origin=True)
        elif not concepts.isdisjoint(self.lexicon.located):
            named = places.gazetteer().named(text, skip_origin=True, located=True)
        else:
            return False
        return bool(named - self.places_here)

    @functools.cached_property
    def places_here(self) -> frozenset[str]:
        """The places the pack names anywhere (its city, its country, an excursion's town)."""
        return places.named_in_pack(self.pack.model_dump_json())

    def warm_up(self) -> None:
        """Build the typo tables (and, with the model, the Vietnamese tones' table) now rather
        than on the first question that needs one (a few tens of milliseconds each): call it
        after a (re)load, off the request path."""
        for key in self.index.vocabulary:
            if key != "vi":
                self._corrector(key)
        if self.lexicon.local:
            _ = self.places_here
        # what time questions read of the programme and its rooms (a few milliseconds)
        _ = self._repeats, self._places_named, self._places_with_sessions
        if self.semantic is not None:
            _ = self.retoner
            # the model's first question (its working memory, the question map) costs
            # several times a later one's: not the first delegate's
            self.semantic.embed("where is the registration desk?")
        # what is built by now (the index, the lexicon's tables, the Chinese dictionary) lives
        # as long as the pack: out of the collector's way (gc.freeze), so that a full
        # collection through it, a tenth of a second, does not fall on a delegate's
        # question; what an engine before this one left in cycles goes first (unfreeze)
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def _corrector(self, key: str) -> Corrector:
        found = self._correctors.get(key)
        if found is None:
            if key == "ar":  # Arabic is corrected on light stems: prefixes would dominate
                words = {t[2:]: n for t, n in self.index.df.items() if t.startswith("a:")}
                words.update({k: 1 for k in self.lexicon.known_keys if k and "\u0600" <= k[0] <= "\u06ff"})
                found = self._correctors[key] = Corrector(words)
            else:
                freq: dict[str, int] = self.index.surface_freq.get(key, {})
                found = self._correctors[key] = Corrector({w: freq.get(w, 0) + 1 for w in self.index.vocabulary[key]})
        return found

    # ------------------------------------------------------------------ scoring
    def _score(self, q: _Query) -> list[tuple[int, float, float]]:
        """(entry index, score, confidence) best first."""
        raw: dict[int, float] = defaultdict(float)
        postings = self.index.postings
        for term, qw in q.terms.items():
            for i, w in postings.get(term, ()):
                raw[i] += qw * w
        if not raw:
            return []
        total = sum(u.weight for u in q.units) or 1.0
        qterms = set(q.terms)
        bonus = self._entity_bonus(qterms)
        qmishaps = {t for t in qterms if t[1:] in self.lexicon.head and t.startswith("@")}
        out = []
        terms_of = self.index.terms_of
        key_terms_of = self.index.key_terms_of
        # coverage only for the best candidates by BM25: weighting by coverage (0.3 to 1)
        # cannot lift an entry from beyond them to the top
        candidates = sorted(raw.items(), key=lambda kv: -kv[1])[:MAX_CANDIDATES]
        unit_sets = [(frozenset(u.terms[: u.n_words]), frozenset(u.terms[u.n_words :]), u.weight) for u in q.units]
        topical = [unit for unit, u in zip(unit_sets, q.units, strict=True) if not u.weak]
        whom = "contact" in q.intents
        for i, s in candidates:
            have, key = terms_of[i], key_terms_of[i]
            if whom and self.entries[i].type == EntryType.CONTACT:
                key = have  # "who handles the wifi?": a desk's role names what it does as its name does
            covered = 0.0
            for words, concepts, weight in unit_sets:
                covered += _credit(have, key, words, concepts) * weight
            coverage = covered / total if q.units else 0.0
            e = self.entries[i]
            boost = 1.0
            for intent in q.intents:
                boost = max(boost, TYPE_BOOST.get(intent, {}).get(e.type, 1.0))
            if e.type == "contact" and not q.intents & {"contact", "who"} and not (
                "@phone-number" in q.terms or "@email" in q.terms or i in bonus
            ):
                boost *= CONTACT_UNASKED  # a contact card answers "whom to call", not "how"
            elif e.type == "session" and e.obj.kind == "logistics" and not q.timed:
                boost *= LOGISTICS_UNTIMED
            if self._other_subject(i, qterms, qmishaps, topical):
                boost *= OTHER_SUBJECT
                coverage *= OTHER_SUBJECT
            score = (s + bonus.get(i, 0.0)) * (0.3 + 0.7 * coverage) * boost
            out.append((i, score, coverage))
        out.sort(key=lambda x: -x[1])
        # confidence: how much of the question the entry accounts for, averaged with how
        # much of one of the entry's own key texts the question contains (a long question
        # that tells a story around "I lost my badge" still contains that question)
        # (entries named by their key text only: a venue asked about its address has a
        # low key recall but is fully covered)
        qset = set(q.terms)
        ranked = []
        for k, (i, score, coverage) in enumerate(out):
            if not KEY_RECALL:
                ranked.append((i, score, coverage))
                continue
            blend = (coverage + self._key_recall(i, qset)) / 2 if k < 12 else coverage / 2
            if self.entries[i].type != "faq" and coverage >= 0.7:
                blend = max(blend, coverage)
            ranked.append((i, score, blend))
        return ranked

    def _subject(self, i: int) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """What entry ``i`` is about, from its key texts: the mishaps it names anywhere, the
        mishaps most of them name, and the objects ("@badge") most of them name."""
        texts = self.index.key_texts_of[i]
        head, weak, broader = self.lexicon.head, self.lexicon.weak, self.lexicon.broader
        count: dict[str, int] = defaultdict(int)
        for terms in texts:
            for t in terms:
                if t.startswith("@"):
                    count[t] += 1
        n = len(texts) or 1
        mishaps = frozenset(t for t in count if t[1:] in head)
        major = frozenset(t for t in mishaps if count[t] / n >= MISHAP_SHARE)
        objects = frozenset(t for t, k in count.items() if k / n > SUBJECT_SHARE and t[1:] not in head
                            and t[1:] not in weak and not head.intersection(broader.get(t[1:], ())))
        return mishaps, major, objects

    def _other_subject(self, i: int, qterms: AbstractSet[str], qmishaps: AbstractSet[str],
                       units: list[tuple[frozenset[str], frozenset[str], float]]) -> bool:
        """Entry ``i`` is about a mishap and its object, and the question is not: the same
        mishap with another object, or the object without the mishap."""
        mishaps, major, objects = self._subjects[i]
        key = self.index.key_terms_of[i]
        if qmishaps:
            # another object: one the entry's key texts do not name, in the question
            return (bool(qmishaps & mishaps) and not objects <= qterms
                    and any(key.isdisjoint(words) and key.isdisjoint(concepts) for words, concepts, _ in units))
        return bool(major) and bool(objects & qterms)

    def _key_recall(self, i: int, qset: set[str]) -> float:
        """The largest share of one of entry ``i``'s key texts that the question contains."""
        postings, totals = self.index.key_weights(i)
        got = [0.0] * len(totals)
        for t in qset:
            for k, w in postings.get(t, ()):
                got[k] += w
        return max((g / n for g, n in zip(got, totals, strict=True)), default=0.0)

    def _entity_bonus(self, qterms: set[str]) -> dict[int, float]:
        seen: dict[int, int] = defaultdict(int)
        for t in qterms:
            for j in self.index.name_index.get(t, ()):
                seen[j] += 1
        bonus: dict[int, float] = {}
        for j, count in seen.items():
            entry, terms = self.index.name_terms[j]
            if count >= len(terms):
                weight = sum(self.index.idf(t) for t in terms if not t.startswith("v:"))
                bonus[entry] = max(bonus.get(entry, 0.0), ENTITY_BONUS * weight)
        return bonus

    # ------------------------------------------------------------------ decision
    def _decide(self, question: str, lang: str, q: _Query, tq: TimeQuery | None, now: dt.datetime,
                model: _ModelView) -> Answer:
        ranked = self._score(q) if q.units else []
        if ranked:
            ranked = self._rescue(q, ranked)
            ranked = self._head_over_place(q, ranked)
            if tq is None:
                ranked = self._nearest_of_ties(ranked, now)
        best = ranked[0] if ranked else None
        confident = best is not None and best[2] >= THRESHOLD
        # "the dollar rate today" is not a question about today's programme
        unmet = bool(q.needs) and not (best is not None and self._fits(q, best[0]))
        programme = q.schedule_words or (confident and self._kind_at_place(q, ranked))
        if not unmet and (tq is not None or (programme and (not confident or self._programme_of_place(q, ranked)))):
            answer, settled = self._time_answer(question, lang, q, tq, now, ranked, confident)
            self._in_order(q, answer)
            answer = answer if settled else self._situation(question, lang, q, ranked, model, answer, now)
            return self._repeat_in_window(answer, tq)
        if confident:
            ranked = self._prefer_shape(q, ranked)
        evidence = self._candidates(q, ranked, model)
        if evidence and self.calibration is not None:
            return self._fused_answer(question, lang, q, ranked, evidence, self.calibration, self._near_now(q, now))
        if confident and not self._fits(q, ranked[0][0]):
            confident = False  # "today's dollar rate" is not the currency FAQ that gives none
        if not confident:
            answer = Answer(question, lang, AnswerKind.UNKNOWN, alternatives=self._alternatives(ranked, 0, loose=True),
                            confidence=best[2] if best else 0.0)
        else:
            moved = self._place_of_session(q, ranked)
            answer = _moved_answer(question, lang, moved) if moved else self._entry_answer(question, lang, ranked, 0)
        answer.evidence = evidence
        return answer

    def _event_day(self, ordinal: str) -> TimeQuery | None:
        """The whole of the event's first or last day, as the window of "the first session of
        the conference", "the very last event of the summit"."""
        if not self.days:
            return None
        day = self.days[0] if ordinal == "first" else self.days[-1]
        start = dt.datetime.combine(day, dt.time(0), self.tz)
        return TimeQuery("window", start=start, end=start + dt.timedelta(days=1), day=day)

    def _in_order(self, q: _Query, answer: Answer) -> None:
        """"The very first thing on Thursday morning", "the last session on Friday": of the
        window's sessions the answer lists, the earliest or the latest to start is its match
        and the one session it shows (of the programme proper: not the dawn shuttle nor the
        all-day exhibition)."""
        order = ORDINALS & q.intents
        if (len(order) != 1 or answer.kind != AnswerKind.SCHEDULE or not answer.sessions
                or answer.time is None or answer.time.mode != "window" or answer.match is None):
            return
        sign = 1 if "first" in order else -1
        # of the kind the answer chose: the programme proper's, or the shuttles the words named
        # ("the first shuttle tomorrow")
        kind = next((_rank(s) for s in answer.sessions if s.id == answer.match.id), 0)
        chosen = min(answer.sessions, key=lambda s: (_rank(s) != kind, sign * s.start.timestamp()))
        answer.match = Match(EntryType.SESSION, chosen.id, answer.match.score)
        answer.sessions = [chosen]  # the one asked for, not the whole day's list

    def _beside(self, q: _Query, tq: TimeQuery | None, answer: Answer) -> Answer:
        """"What's after the opening?", "and before the gala dinner?": the words found the
        session named, the question asks for its neighbours that day. After: the next to
        start once it is over (all that start at that moment), or the next in its own room
        when the question names that room ("after the opening in the main hall"); before:
        the last to end before it starts. Of the programme proper when the day has any
        there, else the exhibitions, else the shuttles ("after the closing"); within the
        part of the day asked, if any ("after the opening, what's on in the afternoon").

        Not when the question's other words are about that session too ("has the press
        briefing after the signing started?") or name something else ("do I sign up before
        going to the side event?"). On a refusal, its first "did you mean" session (held on
        the day asked, if any) when the question says nothing but the session and when:
        "sau phiên toàn thể số 2 là gì" (a hair salon "before the reception" is not the
        programme before it)."""
        if q.relative is None:
            return answer
        found = answer.match
        refused = found is None and answer.kind == AnswerKind.UNKNOWN
        if refused and (tq is None or tq.mode == "window"):
            found = next((m for m in answer.alternatives if m.type == EntryType.SESSION
                          and self._on_day_asked(m.id, tq, q.live)), None)
        if (found is None or found.type != EntryType.SESSION
                or answer.kind not in (AnswerKind.SESSION, AnswerKind.SCHEDULE, AnswerKind.UNKNOWN)):
            return answer
        which, named, head, span = q.relative
        i = self._position.get((EntryType.SESSION, found.id))
        if i is None or not head & self.index.key_terms_of[i]:
            return answer  # the session found is not the one named beside "after"
        timeline = self._timeline(q.live, running=True)
        session = next((s for s in timeline if s.id == found.id), None)
        if session is None:
            return answer
        rest = {t for u in q.units for t in u.terms} - named - self._place_terms(session.room)
        if refused and any(t.terms and not t.stop and k not in span for k, t in enumerate(q.tokens)):
            return answer  # a refusal stands when the question says anything else
        if rest & self.index.key_terms_of[i]:
            return answer  # "the press briefing after the signing": the question is about it
        if any(t.startswith("@") for t in rest):
            return answer  # "sign up before going to the side event": about something else
        day = session.start.astimezone(self.tz).date()
        that_day = [s for s in timeline if s.id != session.id and s.start.astimezone(self.tz).date() == day]
        if which == "after":
            around = [s for s in that_day if s.start >= session.end]
        else:
            around = [s for s in that_day if s.end <= session.start]
        pool = next(([s for s in around if _rank(s) <= rank] for rank in (0, 1, 2)
                     if any(_rank(s) <= rank for s in around)), [])
        if tq is not None and tq.mode == "window" and tq.part is not None:
            pool = [s for s in pool if _held_in(s, tq)] or pool
        if not pool:
            return answer
        sign = 1 if which == "after" else -1
        edge = (min if which == "after" else max)(s.start if which == "after" else s.end for s in pool)
        group = [s for s in pool if (s.start if which == "after" else s.end) == edge]
        own = sorted((s for s in pool if s.room == session.room), key=lambda s: sign * s.start.timestamp())
        chosen = own[0] if own and self._names_room(q, session.room, head) else group[0]
        listed = sorted({s.id: s for s in [*group, chosen]}.values(), key=lambda s: (s.start, _rank(s)))
        start, end = dt.datetime.combine(day, dt.time(0), self.tz), dt.datetime.combine(day, dt.time(23, 59), self.tz)
        window = (TimeQuery("window", start=session.end, end=end, day=day) if which == "after"
                  else TimeQuery("window", start=start, end=session.start, day=day))
        moved = self._schedule(answer.question, answer.lang, window, self._as_in_pack(listed, q.live), None,
                               max(answer.confidence, found.score), first=chosen)
        moved.evidence = answer.evidence
        return moved

    def _on_day_asked(self, session_id: str, tq: TimeQuery | None, live: Live | None) -> bool:
        """Whether the session is held on the day the question names (any, if it names none)."""
        if tq is None or tq.mode != "window" or tq.day is None:
            return True
        session = next((s for s in self._timeline(live, running=True) if s.id == session_id), None)
        return session is not None and session.start.astimezone(self.tz).date() == tq.day

    def _place_of(self, room: str) -> int | None:
        """The entry of the room or venue a session is held in (its ``room``)."""
        found = self._position.get((EntryType.ROOM, room))
        return found if found is not None else self._position.get((EntryType.VENUE, room))

    def _names_room(self, q: _Query, room: str, besides: AbstractSet[str]) -> bool:
        """Whether the question names the room or venue ``room`` in words other than
        ``besides`` ("after the opening in the main hall")."""
        i = self._place_of(room)
        return i is not None and self._names_place(i, q.terms.keys() - besides)

    def _place_terms(self, room: str) -> frozenset[str]:
        """The words of the names of the room or venue a session is held in (its ``room``)."""
        i = self._place_of(room)
        return frozenset().union(*self._place_names.get(i, ())) if i is not None else frozenset()

    def _repeat_in_window(self, answer: Answer, tq: TimeQuery | None) -> Answer:
        """A session held on several days under one title (the marketplace's "day 1", "day
        3") chosen by its words for a question that names a day ("when does the marketplace
        close on the last day?"): the one held in that day's window, not the first."""
        if (tq is None or tq.mode != "window" or tq.start is None or tq.end is None
                or answer.kind != AnswerKind.SESSION or answer.match is None):
            return answer
        siblings = self._repeats.get(answer.match.id)
        if not siblings:
            return answer
        held = [s for s in siblings if _held_in(s, tq)]
        if not held or any(s.id == answer.match.id for s in held):
            return answer
        self._to_sibling(answer, held[0])
        answer.time = answer.time or tq
        return answer

    def _situation(self, question: str, lang: str, q: _Query, ranked: list[tuple[int, float, float]],
                   model: _ModelView, timed: Answer, now: dt.datetime) -> Answer:
        """A question with a time in it that is not about the programme ("I lost my badge
        yesterday", "a ride back after the reception tonight"): when the time path lists a
        window's sessions or refuses, the decision model weighs the question's own words (the
        time expression is not among them: a time alone is no evidence for a session) and
        answers the non-session entry it chooses when it is likelier than every session."""
        if timed.kind in (AnswerKind.FAQ, AnswerKind.CONTACT) or not ranked:
            return timed
        if not any(not u.weak for u in q.units):
            return timed  # "what's on tomorrow?": only the programme answers it
        evidence = self._candidates(q, ranked, model)
        if not evidence:
            return timed
        if self.calibration is None:
            if timed.kind == AnswerKind.UNKNOWN:
                timed.evidence = evidence  # what the decision model would decide (its fit reads it)
            return timed
        fused = self._fused_answer(question, lang, q, ranked, evidence, self.calibration, self._near_now(q, now))
        if timed.kind == AnswerKind.UNKNOWN:
            # the window's sessions do not answer it: the decision model's own answer, or its
            # refusal with its "did you mean" buttons
            return self._in_window(fused, timed.time, self.calibration)
        if fused.kind not in (AnswerKind.FAQ, AnswerKind.CONTACT):
            return timed  # a session, a room or a venue named with a time: the window's sessions there
        sessions = [c.probability for c in evidence if self.entries[c.entry].type == EntryType.SESSION]
        if sessions and max(sessions) >= fused.confidence:
            return timed
        return fused

    def _in_window(self, fused: Answer, tq: TimeQuery | None, calibration: Calibration) -> Answer:
        """The decision model's answer to a question that names a day or a part of one,
        read against that window. "Thursday evening, where do we eat plov and what to
        wear?": its likeliest candidate, likely enough, is a session held then, which it
        refused because the words alone do not name it well enough for a session to be
        answered on the model's word; the time is the words' support, so that session
        answers. And a session it answers that is held on another day gives way to the
        likeliest of the window's sessions when that one is likely enough to be offered."""
        if fused.kind not in (AnswerKind.UNKNOWN, AnswerKind.SESSION) or not fused.evidence or tq is None:
            return fused

        def held(c: Candidate) -> bool:
            e = self.entries[c.entry]
            return e.type == EntryType.SESSION and _held_in(e.obj, tq)

        if not any(held(c) for c in fused.evidence):
            return fused  # no window, or none of its sessions among the candidates

        ordered = sorted(fused.evidence, key=lambda c: -c.probability)
        if fused.kind == AnswerKind.SESSION:
            # "Thursday night's party: halal food?" answered with Wednesday's reception: a
            # session of another day is not the one asked about; the likeliest of that
            # window's, if the model would offer it
            if fused.match is None or any(held(c) and self.entries[c.entry].id == fused.match.id for c in ordered):
                return fused
            inside = next((c for c in ordered if held(c) and c.fits), None)
            if inside is None or inside.probability < calibration.offer_at:
                return fused  # none of that window's: the day may be the asker's mistake
            best = inside
        else:
            best = ordered[0]
            if not held(best) or not best.fits or best.probability < calibration.answer_at:
                return fused
        e = self.entries[best.entry]
        answer = Answer(fused.question, fused.lang, AnswerKind.SESSION, self._match(best.entry, probability=best.probability),
                        [m for m in fused.alternatives if m.id != e.id], confidence=best.probability,
                        evidence=fused.evidence)
        answer.sessions = [e.obj]
        return answer

    @functools.cached_property
    def _care(self) -> frozenset[int]:
        """The FAQ entries and contacts about medical help or emergencies: their name, or
        most of their own questions, say so (not the dietary FAQ that has one about allergies)."""
        def about_care(i: int) -> bool:
            texts = self.index.key_texts_of[i]
            return bool(texts) and sum(bool(t & CARE) for t in texts) / len(texts) >= MISHAP_SHARE

        return frozenset(i for i, e in enumerate(self.entries)
                         if e.type in (EntryType.FAQ, EntryType.CONTACT) and about_care(i))

    def _only_where(self, i: int) -> bool:
        """Whether entry ``i`` is a session, or a place that is not itself about care (a
        side room, the expo, not the medical room): a session never tends the sick, even
        one about emergencies or disease (a panel on education in emergencies, a health
        assembly's plenary)."""
        if self.entries[i].type == EntryType.SESSION:
            return True
        if self.entries[i].type not in (EntryType.ROOM, EntryType.VENUE):
            return False
        texts = self.index.key_texts_of[i]
        return not any(t & CARE for t in texts)

    def _near_now(self, q: _Query, now: dt.datetime) -> frozenset[int]:
        """For a question about how a session stands ("has the glacier talk started?", "did
        I miss the mangrove thing?"), the sessions on around ``now``: a delegate asks it about
        the one about to start, on, or just over, not another day's. Empty for any other
        question. At the times the sessions now run (``q.live``: a moved session is near at
        its new time; a cancelled one is still found: the caller shows it as it runs)."""
        if "status" not in q.intents:
            return frozenset()
        at = (self._position.get((EntryType.SESSION, s.id)) for s in self._timeline(q.live, running=False)
              if s.start - NEAR_BEFORE <= now <= s.end + NEAR_AFTER)
        return frozenset(i for i in at if i is not None)

    def _candidates(self, q: _Query, ranked: list[tuple[int, float, float]], model: _ModelView) -> list[Candidate]:
        """The candidates of both rankings with their features, or [] without the model."""
        sims = model.scores(q.lang)
        if sims is None:
            return []
        total = sum(u.weight for u in q.units) or 1.0
        foreign = sum(u.weight for u in q.units if u.foreign) / total
        entity = set(self._entity_bonus(set(q.terms)))
        found = [c for c in fusion.candidates(ranked, sims[0], sims[1], self._types, entity, foreign, q.intents)
                 if c.entry not in q.not_answers]
        if q.needs or _asks_person(q):
            for c in found:
                c.fits = self._fits(q, c.entry)
        return found

    def _fits(self, q: _Query, i: int) -> bool:
        """Whether entry ``i`` names what the question needs named (lexicon ``needs``), and
        a person when the question asks who speaks or chairs ("who moderates the methane
        roundtable?": not a session that names nobody)."""
        if not q.needs <= self.index.terms_of[i]:
            return False
        return not (_asks_person(q) and self._names_nobody(i))

    def _names_nobody(self, i: int) -> bool:
        """Whether entry ``i`` is a session that names no speaker."""
        e = self.entries[i]
        return e.type == EntryType.SESSION and not getattr(e.obj, "speakers", None)

    def _fused_answer(self, question: str, lang: str, q: _Query, ranked: list[tuple[int, float, float]], evidence: list[Candidate],
                      calibration: Calibration, near: frozenset[int] = frozenset()) -> Answer:
        """Answer with the likeliest candidate when it is likely enough, offer the others
        that are as "did you mean" buttons, or refuse. Only an FAQ entry may be answered on
        the model's word: a session, room, venue or contact needs the words' confidence too.
        Two kinds of question overrule that choice (:meth:`_overrule`)."""
        x = np.stack([c.features for c in evidence])
        for c, prob in zip(evidence, calibration.probabilities(x), strict=True):
            c.probability = float(prob)
        ordered = sorted(evidence, key=lambda c: -c.probability)
        types = [self.entries[c.entry].type for c in ordered]
        chosen = self._overrule(q, ordered, _choose(ordered, types, calibration, who="who" in q.intents), near)
        offered = self._offered(ranked, ordered, chosen, calibration)
        if chosen is None:
            return Answer(question, lang, AnswerKind.UNKNOWN, alternatives=offered,
                          confidence=ordered[0].probability, evidence=evidence)
        if chosen.lexical_rank == 0:
            moved = self._place_of_session(q, ranked)
            if moved is not None:
                answer = _moved_answer(question, lang, moved)
                answer.confidence, answer.evidence = chosen.probability, evidence
                return answer
        e = self.entries[chosen.entry]
        answer = Answer(question, lang, AnswerKind(e.type), self._match(chosen.entry, probability=chosen.probability),
                        offered, confidence=chosen.probability, evidence=evidence)
        if e.type == EntryType.SESSION:
            answer.sessions = [e.obj]
        return answer

    def _overrule(self, q: _Query, ordered: list[Candidate], chosen: Candidate | None,
                  near: frozenset[int]) -> Candidate | None:
        """The decision model's choice, unless the question is one of two kinds it was not
        fitted to weigh: how a session stands ("already started?": the likeliest candidate
        among ``near``, :meth:`_near_now`, that the question names), or someone sick or hurt
        when it would refuse (the medical or emergency entry it comes nearest to)."""
        # the words' first choice if it is one of them, else the likeliest
        now_on = sorted((c for c in ordered if c.entry in near and c.fits and (
            c.lexical_conf >= NEAR_FLOOR or _sem_z(c) >= NEAR_Z)),
            key=lambda c: (c.lexical_rank != 0, -c.probability))
        # ... unless the words name another session, one not on around then, better
        # ("is the opening ceremony over?" asked the next day is about the opening)
        named = max((c.lexical_conf for c in ordered if c.entry not in near
                     and self.entries[c.entry].type == EntryType.SESSION), default=0.0)
        if now_on and not (named >= THRESHOLD and named > now_on[0].lexical_conf):
            chosen = now_on[0]
        if q.terms.keys() & URGENT and (chosen is None or self._only_where(chosen.entry)):
            # someone is sick or hurt: the pack's medical or emergency entry the
            # question comes nearest to answers, unsure or not ("not sure" is no help to a
            # delegate whose colleague collapsed; the medical post is, even if they meant the
            # emergency numbers); so it does when the choice is the place where it happened
            # ("my colleague fainted near side room 1": not the room's card)
            # (beside a session, any the words found: "my colleague fainted" is not the
            # panel on emergencies the words matched first)
            care = next((c for c in ordered if c.entry in self._care and c.fits), None)
            beside_session = (chosen is not None and self.entries[chosen.entry].type == EntryType.SESSION
                              and care is not None and care.lexical_rank is not None)
            if care is not None and (care is ordered[0] or care.lexical_rank == 0 or _sem_z(care) >= NEAR_Z
                                     or beside_session):
                chosen = care
        return chosen

    def _offered(self, ranked: list[tuple[int, float, float]], ordered: list[Candidate], chosen: Candidate | None,
                 calibration: Calibration) -> list[Match]:
        """The "did you mean" buttons: the words' own close alternatives (as without the
        model), then the candidates likely enough, best first."""
        probability = {c.entry: c.probability for c in ordered}
        position = {(e.type, e.id): i for i, e in ((c.entry, self.entries[c.entry]) for c in ordered)}
        lexical = self._alternatives(ranked, 0, loose=chosen is None)
        found = [position.get((m.type, m.id)) for m in lexical]
        picks = [i for i in found if i is not None and (chosen is None or i != chosen.entry)]
        if chosen is None:  # a refusal: its near misses, likeliest first
            picks.sort(key=lambda i: -probability[i])
        for c in ordered:
            if c is not chosen and c.entry not in picks and _offered(c, calibration):
                picks.append(c.entry)
        return [self._match(i, probability=probability[i]) for i in picks[:MAX_ALTERNATIVES]]

    def _match(self, i: int, score: float = 0.0, conf: float = 0.0, probability: float | None = None) -> Match:
        """Entry ``i`` as a match: its score is the calibrated probability when there is one."""
        e = self.entries[i]
        value = round(min(1.0, max(0.0, probability)), 3) if probability is not None else _squash(score, conf)
        return Match(EntryType(e.type), e.id, value)

    def _rescue(self, q: _Query, ranked: list[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
        """The best-scoring entry does not account for the question, but one scoring nearly
        as well does (a long answer that mentions every word in passing against the entry
        that is about them): take the one that does."""
        top, top_conf = ranked[0][1], ranked[0][2]
        low = top_conf < THRESHOLD
        exact = self._exact(ranked, top)
        if exact:
            return [ranked[exact], *ranked[:exact], *ranked[exact + 1 :]]
        if not low and top_conf >= THRESHOLD + CLOSE_GAIN:
            return ranked
        for k, (i, score, conf) in enumerate(ranked[1:RESCUE_DEPTH], 1):
            if score < (RESCUE_RATIO if low else CLOSE_RATIO) * top:
                break
            if self.entries[i].type == "contact" and not q.intents & {"contact", "who"}:
                continue  # a contact card answers "whom to call", not what happened
            if not low and self.entries[i].type != "faq" and self.entries[ranked[0][0]].type == "faq":
                continue  # a card's confidence is its coverage alone: not comparable with an FAQ's
            if conf >= (THRESHOLD + RESCUE_MARGIN if low else top_conf + CLOSE_GAIN):
                return [ranked[k], *ranked[:k], *ranked[k + 1 :]]
        return ranked

    def _head_over_place(self, q: _Query, ranked: list[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
        """"Left my charger in the Zubarah room", "a colleague fainted in committee room 2",
        "left my iPad on the hotel bus": the room, session or service named is where it
        happened, what went wrong (a ``head`` concept of the lexicon: lost, sick) is what the
        question is about. When an entry among the first HEAD_DEPTH speaks of it and the
        question does not ask where something is (it may ask where to turn), the places
        among the first few that do not are no answer (nor candidates of the decision
        model), and that entry comes before them."""
        if q.intents & {"where", "route"} and "contact" not in q.intents:
            return ranked  # ("куда обращаться?", "je m'adresse où ?" ask whom to turn to)
        heads = {t for t in q.terms if t.startswith("@") and t[1:] in self.lexicon.head}
        if not heads:
            return ranked
        # where or when it happened: a room, a venue, a session ("after the reception"), or,
        # for something lost, an entry about a ride or a hotel whose own questions do not
        # speak of losing ("left my iPad on the hotel bus": the shuttle FAQ, whose answer may
        # still say "drop you at the gate"; not "forgot the wifi password": the wifi FAQ);
        # unless the question asks when ("feeling sick, when does the closing start?")
        asks_when = "when" in q.intents
        # (a session by its title: an expo whose summary lists a first-aid stand is still
        # where a colleague collapsed)
        places = {i for i, _, _ in ranked[: RESCUE_DEPTH + 2]
                  if (self.entries[i].type in ("room", "venue", "session")
                      and not heads & (self.index.key_terms_of if self.entries[i].type == "session"
                                       else self.index.terms_of)[i]
                      and (self.entries[i].type != "session" or not asks_when))
                  or (not asks_when and "@lost" in heads and self._setting(i) and not heads & self._subject(i)[0])}
        # ... an entry about it: most of its key texts name it, or its name names what it
        # belongs to (sick: the "Medical emergency" contact)
        kinds = {"@" + b for h in heads for b in self.lexicon.broader.get(h[1:], ())}
        about = next((k for k, (i, _, _) in enumerate(ranked[:HEAD_DEPTH]) if i not in places
                      and self.entries[i].type in ("faq", "contact")
                      and (heads & self._subject(i)[1] or kinds & self.index.key_terms_of[i])), None)
        if not places or about is None:
            return ranked
        q.not_answers = frozenset(places)
        if ranked[0][0] in places:
            return [ranked[about], *ranked[:about], *ranked[about + 1 :]]
        return ranked

    def _setting(self, i: int) -> bool:
        """Whether entry ``i`` is about a ride or a place to stay (lexicon ``setting``)."""
        return any(t[1:] in self.lexicon.setting for t in self._subject(i)[2])

    def _exact(self, ranked: list[tuple[int, float, float]], top: float) -> int:
        """The position of an FAQ entry the question asks in one of its own phrasings (all
        of it, and nothing else: confidence 1) when the best candidate is not that sure
        ("How do I get to the airport when I leave?" is the departure FAQ, not a shuttle
        whose title shares its words); 0 when there is none."""
        if ranked[0][2] >= 0.999:
            return 0
        for k, (i, score, conf) in enumerate(ranked[1:RESCUE_DEPTH], 1):
            if score < CLOSE_RATIO * top:
                break
            if conf >= 0.999 and self.entries[i].type == EntryType.FAQ:
                return k
        return 0

    def _prefer_shape(self, q: _Query, ranked: list[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
        """"When is the gala dinner?" is answered by the session, "where is the medical
        post?" by the room, even when an FAQ about them scores a little higher."""
        wanted = set()
        if "when" in q.intents:
            wanted.add("session")
        if "where" in q.intents and "route" not in q.intents:
            wanted.update(("room", "venue"))
        if "contact" in q.intents:
            wanted.add("contact")
        if not wanted or self.entries[ranked[0][0]].type in wanted:
            return ranked
        top, top_conf = ranked[0][1], ranked[0][2]
        for k, (i, score, conf) in enumerate(ranked[1:4], 1):
            e = self.entries[i]
            # only when it accounts for the question as well as the FAQ does ("how early
            # should I arrive for the opening?" stays with the FAQ about arriving)
            if e.type in wanted and score >= SHAPE_RATIO * top and conf >= max(THRESHOLD, top_conf):
                if e.type == "session" and e.obj.kind == "logistics" and not q.timed:
                    continue
                return [ranked[k], *ranked[:k], *ranked[k + 1 :]]
        return ranked

    def _place_of_session(self, q: _Query, ranked: list[tuple[int, float, float]]) -> tuple[Match, float] | None:
        """"What is the address of the gala dinner?": the venue's card, not the session's."""
        i, _, conf = ranked[0]
        e = self.entries[i]
        if e.type != "session" or "@address" not in q.terms:
            return None
        found = self.pack.place(e.obj.room)
        if found is None or found[1].address is None:
            return None
        venue = found[1]
        return Match(EntryType.VENUE, venue.id, _squash(ranked[0][1], conf)), conf

    def _entry_answer(self, question: str, lang: str, ranked: list[tuple[int, float, float]], pos: int) -> Answer:
        i, score, conf = ranked[pos]
        e = self.entries[i]
        answer = Answer(question, lang, AnswerKind(e.type), self._match(i, score, conf), self._alternatives(ranked, pos),
                        confidence=conf)
        if e.type == "session":
            answer.sessions = [e.obj]
        return answer

    def _alternatives(self, ranked: list[tuple[int, float, float]], pos: int, loose: bool = False) -> list[Match]:
        """Other entries close to the one at ``pos``; ``loose`` (nothing was answered): the
        near misses themselves, the one at ``pos`` first, as "did you mean" buttons."""
        if not ranked:
            return []
        top = ranked[pos][1]
        out = []
        for k, (i, score, conf) in enumerate(ranked[: pos + 1 + 6]):
            if k == pos and not loose:
                continue
            if score >= ALTERNATIVE_RATIO * top and conf >= (ALTERNATIVE_FLOOR if loose else THRESHOLD * 0.8):
                out.append(self._match(i, score, conf))
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out

    def _time_answer(self, question: str, lang: str, q: _Query, tq: TimeQuery | None, now: dt.datetime, ranked: list[tuple[int, float, float]], confident: bool) -> tuple[Answer, bool]:
        """The answer to a question about the programme's time line (a time in it, words of
        the programme and no sure topic, or a room's programme), and whether it is settled:
        the programme of a room the question names stands, whatever else the words suggest
        (otherwise :meth:`_situation` may prefer an FAQ the question's other words name)."""
        if tq is None:
            tq = TimeQuery("window", day=self._default_day(now))
            start = dt.datetime.combine(tq.day, dt.time(0, 0), tzinfo=self.tz)
            tq.start, tq.end = start, start + dt.timedelta(days=1)
        listed, note = self.sessions_for(tq, now, q.live)
        upcoming = self._next_named(q, tq, now, ranked)
        if upcoming:  # "the next shuttle to the hotels": the next of those, not the programme's next
            return self._schedule(question, lang, tq, upcoming, None, ranked[0][2], first=upcoming[0]), False
        place = self._place_asked(q, tq, ranked)
        if place is not None:  # "what's happening in the ballroom rn? minister asking"
            here, at_note = self._programme_at(self.entries[place].id, tq, now, listed, note, q.live)
            if here:
                return self._schedule(question, lang, tq, here, at_note, max(THRESHOLD, ranked[0][2]), first=here[0]), True
        if confident:
            ranked = self._prefer_shape(q, ranked)
            i, score, conf = ranked[0]
            e = self.entries[i]
            if e.type in ("faq", "contact") or (e.type == "venue" and not _in_place(listed, self.pack, e.id)):
                return self._entry_answer(question, lang, ranked, 0), False
            if e.type == "room" and q.intents & {"where", "route"} and not q.schedule_words:
                return self._entry_answer(question, lang, ranked, 0), False  # "where is the Tsavo hall now?"
            if e.type in ("room", "venue"):
                pos = self._hosting_place(q, ranked)
                here, at_note = self._programme_at(self.entries[ranked[pos][0]].id, tq, now, listed, note, q.live)
                if here:
                    # of the room's programme today, the session on now or next ("what's happening in room 210?")
                    today = now.astimezone(self.tz).date()
                    first = (min(here, key=lambda s: _from_now(s, now, today, self.tz))
                             if tq.mode == "window" and tq.day == today else here[0])
                    return self._schedule(question, lang, tq, here, at_note, ranked[pos][2], first=first), False
                return self._entry_answer(question, lang, ranked, pos), False
            # sessions: those of the window the question's words point to
            scores = {self.entries[j].id: sc for j, sc, c in ranked if self.entries[j].type == "session" and c >= THRESHOLD}
            chosen = [s for s in listed if s.id in scores]
            if chosen:
                top = max(chosen, key=lambda s: (scores[s.id], -s.start.timestamp()))
                return self._schedule(question, lang, tq, chosen, note, conf, first=top), False
            if (tq.mode != "window" or tq.start is None or tq.end is None
                    or any(_held_in(s, tq) for s in self._repeats.get(e.id, [e.obj]))):
                return self._entry_answer(question, lang, ranked, 0), False  # (held then: :meth:`_repeat_in_window`)
            # the session the words name is held on another day than the one asked (nor
            # repeated on it): read the question as one the words are unsure of (the decision
            # model weighs the window's sessions, :meth:`_in_window`)
        # no confident topic: a plain time question, unless it also names a topic — one the
        # pack knows nothing about ("who won the match last night?") or one it knows but
        # not well enough ("a place to store my luggage on the last day")
        topical = [u for u in q.units if not u.weak]
        named = self._named_in_window(ranked, listed) if topical else None
        best_is_session = bool(ranked) and self.entries[ranked[0][0]].type == "session"
        if best_is_session and topical and named is None:
            best_is_session = False  # the topic's session is not in the window: the window does not answer it
        if not best_is_session and (topical or any(u.foreign for u in q.units)):
            best = ranked[0] if ranked else None
            return Answer(question, lang, AnswerKind.UNKNOWN,
                          alternatives=self._alternatives(ranked, 0, loose=True) if best else [],
                          time=tq, confidence=best[2] if best else 0.0), False
        # the window's sessions; the one its words name first ("the plenary, started yet?"),
        # whatever else the question says ("ya empezaron con los discursos")
        return self._schedule(question, lang, tq, listed, note, 1.0,
                              first=next((s for s in listed if s.id == named), None)), False

    def _programme_of_place(self, q: _Query, ranked: list[tuple[int, float, float]]) -> bool:
        """Whether a question with words of the programme and no time ("what's happening in
        room 210?") asks for the programme of the room or venue the words are sure of: it
        holds sessions, and the question does not ask the way there."""
        e = self.entries[ranked[0][0]]
        return (e.type in ("room", "venue") and e.id in self._places_with_sessions
                and not q.intents & {"where", "route"})

    def _kind_at_place(self, q: _Query, ranked: list[tuple[int, float, float]]) -> bool:
        """Whether a question without a time or a word of the programme asks which session the
        room or venue it names holds ("c quoi le panel dans la committee room A", "phòng
        committee A đang có panel gì"): besides generic words, its words are the place's name
        and a kind of session that name does not hold, and nothing else. The place's programme
        answers it, not its card ("the plenary hall?" alone still gets the card). (That the
        first entry is a place holding sessions, not asked the way to, the caller checks with
        :meth:`_programme_of_place`.)"""
        if q.intents & {"contact", "who"}:
            return False
        name = self.index.key_terms_of[ranked[0][0]]
        kinds = self.lexicon.session_kinds
        kind = False
        for u in q.units:
            if u.weak or any(t in name for t in u.terms):
                continue
            if not any(t.startswith("@") and t[1:] in kinds for t in u.terms):
                return False  # "the plenary hall wifi", "book the side-event room"
            kind = True
        return kind

    def _named_in_window(self, ranked: list[tuple[int, float, float]], listed: list[Session]) -> str | None:
        """The session the words name first that is in the window: the first one, or one
        they name about as well ("is the exhibition still open now?" names the exhibition
        of each day alike; now's is the one the window holds)."""
        if not ranked or self.entries[ranked[0][0]].type != EntryType.SESSION:
            return None
        in_window = {s.id for s in listed}
        top = ranked[0][1]
        for i, score, _ in ranked[:HEAD_DEPTH]:
            if score < SESSION_TIE * top:
                break
            e = self.entries[i]
            if e.type == EntryType.SESSION and e.id in in_window:
                return e.id
        return None

    def _programme_at(self, place_id: str, tq: TimeQuery, now: dt.datetime, listed: list[Session],
                      note: str | None, live: Live | None) -> tuple[list[Session], str | None]:
        """A room's or venue's part of a time question's answer: its sessions of the window,
        its next for "what's next in room 2?" (not the programme's next), and for "what's on
        now in the ballroom?" five minutes before its session, that session."""
        if tq.mode == "next":
            return self._next_at(now, place_id, live), None
        here = [s for s in listed if _at(self.pack, s, place_id)]
        if not here and tq.mode == "now":
            return self._next_at(now, place_id, live), "nothing-now"
        return here, note

    def _next_named(self, q: _Query, tq: TimeQuery, now: dt.datetime,
                    ranked: list[tuple[int, float, float]]) -> list[Session]:
        """For "what's next" about sessions the words name ("the next plenary", "the next
        bus back to the hotel"), the next to start of those about as well named as the first."""
        if tq.mode != "next" or not ranked or self.entries[ranked[0][0]].type != EntryType.SESSION:
            return []
        if ranked[0][2] < THRESHOLD:
            return []  # "the next BRICS ministerial": a session the pack does not have
        top = ranked[0][1]
        ids = {self.entries[i].id for i, score, _ in ranked[:HEAD_DEPTH]
               if self.entries[i].type == EntryType.SESSION and score >= NAMED_TIE * top}
        timeline = [s for s in self._timeline(q.live, running=True) if s.id in ids]
        # a shuttle service that runs now is the next bus
        running = [s for s in timeline if s.start <= now < s.end and _rank(s) == 2]
        return self._as_in_pack(running or self._next(now, timeline), q.live)

    def _place_asked(self, q: _Query, tq: TimeQuery, ranked: list[tuple[int, float, float]]) -> int | None:
        """The room or venue a "what's on now / next" question names, among its first
        entries, when it holds sessions: by most of the words of one of its names, one of
        them a word few names share ("the ballroom" of "Ballroom (plenary)"), or as the big
        hall. Whatever else the question says ("minister asking"), the place's programme
        answers it, unless an FAQ or contact comes first and the question has no word of
        the programme's ("what's on", "开什么会")."""
        if tq.mode not in ("now", "next") or q.intents & {"where", "route"}:
            return None  # "where is the ballroom now?" asks for the room
        qterms = set(q.terms)
        # "the big hall" is the largest room when it is among them, not "Hall 2" ranked
        # above it for "hall"
        big_hall = "@main-hall" in qterms and any(
            "main-hall" in self.entries[i].field_concepts for i, _, _ in ranked[:PLACE_DEPTH])
        for i, _, _ in ranked[:PLACE_DEPTH]:
            e = self.entries[i]
            if e.type in ("faq", "contact") and not q.schedule_words:
                return None  # "is the wifi in the ballroom down now?" is about the wifi
            if e.type not in ("room", "venue") or e.id not in self._places_with_sessions:
                continue
            if big_hall:
                if "main-hall" in e.field_concepts:
                    return i
                continue
            if self._names_place(i, qterms):
                return i
        return None

    def _names_place(self, i: int, qterms: AbstractSet[str]) -> bool:
        """Whether ``qterms`` name room or venue ``i``: most of the words of one of its names,
        one of them a word few names share ("the ballroom" of "Ballroom (plenary)")."""
        for terms in self._place_names.get(i, ()):
            found = terms & qterms
            if 2 * len(found) >= len(terms) and any(self._places_named[t] <= RARE_NAME for t in found):
                return True
        return False

    @functools.cached_property
    def _place_names(self) -> dict[int, list[frozenset[str]]]:
        """Each room's and venue's names as index terms, also without what they add in
        brackets and as that alone ("Ballroom (plenary)": the ballroom, the plenary;
        "Meeting Hall 1 (MH1)": MH1), and each part between dashes ("Room Cauca — Working
        Group II (Hall A)": Room Cauca, Working Group II)."""
        names: dict[int, list[frozenset[str]]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            if e.type not in ("room", "venue"):
                continue
            for text, lang in e.names:
                inside = [m.group(0).strip(" ()（）[]") for m in _BRACKETS.finditer(text)]
                outside = _BRACKETS.sub(" ", text).strip()
                parts = (p.strip() for p in _DASHES.split(outside))
                for variant in dict.fromkeys((text, outside, *inside, *(p for p in parts if p))):
                    terms = frozenset(t for t in analysed(variant, lang, self.lexicon).terms if not t.startswith(("v:", "@")))
                    # the letter or digit that tells the rooms apart ("Conference Hall A":
                    # "la salle A"), which the words drop as a stopword
                    terms |= {t for t in raw_terms(variant, lang) if len(t) == 2}
                    if terms:
                        names[i].append(terms)
        return names

    @functools.cached_property
    def _places_named(self) -> Counter[str]:
        """How many rooms and venues have a name with each word (few: it tells them apart)."""
        return Counter(t for names in self._place_names.values() for t in set().union(*names))

    def _hosting_place(self, q: _Query, ranked: list[tuple[int, float, float]]) -> int:
        """Of the rooms and venues a time question names about as well as its first one
        ("what's on in sala 1?": Conference Room 1 or the Registration Pavilion at Gate 1),
        the position of the first that holds sessions of the programme proper (registration
        or a shuttle stop holds logistics); the first one when none does. "The big hall" is
        the largest room when it is among the first ones, not "Hall B" ranked above it for
        "hall" (as :meth:`_place_asked` reads it)."""
        if "@main-hall" in q.terms:
            for pos, (i, _, _) in enumerate(ranked[:PLACE_DEPTH]):
                if "main-hall" in self.entries[i].field_concepts:
                    return pos
        top = ranked[0][1]
        for pos, (i, score, conf) in enumerate(ranked[:4]):
            e = self.entries[i]
            if e.type not in ("room", "venue") or conf < THRESHOLD or score < NAMED_TIE * top:
                break
            if e.id in self._places_with_sessions:
                return pos
        return 0

    @functools.cached_property
    def _places_with_sessions(self) -> frozenset[str]:
        rooms = {s.room for s in self.sessions if _rank(s) == 0}
        venues = {found[1].id for r in rooms if (found := self.pack.place(r)) is not None}
        return frozenset(rooms | venues)

    def _schedule(self, question: str, lang: str, tq: TimeQuery, listed: list[Session], note: str | None, conf: float, first: Session | None = None) -> Answer:
        answer = Answer(question, lang, AnswerKind.SCHEDULE, sessions=listed, time=tq, confidence=conf, note=note)
        if listed:
            # the session the question is about: the first of the programme proper, not the
            # shuttle or the all-day exhibition that happen to start earlier
            # (of an evening, what starts once the working day is over: the reception, not
            # the 17:00 press briefing the window's edge takes in)
            late = tq.part == "evening"
            first = first or min(listed, key=lambda x: (
                _rank(x), late and x.start.astimezone(self.tz).time() < EVENING_PROPER, listed.index(x)))
            answer.match = Match(EntryType.SESSION, first.id, round(min(1.0, conf), 3))
        return answer

    def sessions_for(self, tq: TimeQuery, now: dt.datetime, live: Live | None = None) -> tuple[list[Session], str | None]:
        """The sessions a time question asks for (and a note when "now" finds nothing), chosen
        by their ``live`` times when given (a cancelled one is neither on now nor next), as
        the pack's own sessions."""
        listed, note = self._sessions_for(tq, now, self._timeline(live, running=tq.mode in ("now", "next")))
        return self._as_in_pack(listed, live), note

    def _timeline(self, live: Live | None, running: bool) -> Sequence[Session]:
        """The sessions in time order: the pack's, or at their ``live`` times; ``running``:
        without the cancelled ones (they are neither on now nor next)."""
        if live is None:
            return self.sessions
        sessions, cancelled = live
        timeline = sorted(sessions, key=lambda s: (s.start, s.end, s.id))
        return [s for s in timeline if s.id not in cancelled] if running else timeline

    def _as_in_pack(self, sessions: list[Session], live: Live | None) -> list[Session]:
        """Sessions chosen by their live times, as the pack's own (the caller shows them live)."""
        return sessions if live is None else [self.pack.session(s.id) or s for s in sessions]

    def _sessions_for(self, tq: TimeQuery, now: dt.datetime, timeline: Sequence[Session]) -> tuple[list[Session], str | None]:
        if tq.mode == "now":
            # in time order, as a programme reads (the answer's match is still the
            # programme proper's session, not the shuttle that started at dawn)
            running = [s for s in timeline if s.start <= now < s.end]
            if any(_rank(s) < 2 for s in running):
                return running, None
            upcoming = self._next(now, timeline)
            if running and (not upcoming or upcoming[0].start - now > dt.timedelta(minutes=30)):
                return running, None  # only logistics on now, and nothing else soon
            return upcoming, "nothing-now"
        if tq.mode == "next":
            return self._next(now, timeline), None
        assert tq.start is not None and tq.end is not None
        if tq.mode == "at":
            running = [s for s in timeline if s.start <= tq.start < s.end]
            starting = [s for s in timeline if tq.start < s.start < tq.end and s not in running]
            return running + starting, None
        listed = [s for s in timeline if tq.start <= s.start < tq.end]
        if tq.after:
            # "after lunch": from the end of the window's lunch (when the programme has one)
            marker = "@" + tq.after
            at = [self._position.get((EntryType.SESSION, s.id)) for s in listed]
            ends = [s.end for s, i in zip(listed, at, strict=True)
                    if i is not None and _rank(s) == 0 and marker in self.index.terms_of[i]]
            later = [s for s in listed if ends and s.start >= max(ends)]
            if not later and tq.day == now.astimezone(self.tz).date():
                later = [s for s in listed if s.start >= now]  # no lunch on the programme: what is still to come
            listed = later or listed
        if tq.day == now.astimezone(self.tz).date() and tq.part is None:
            # today: what is still to come first, what is over after it
            listed = [s for s in listed if s.end > now] + [s for s in listed if s.end <= now]
        return listed, None

    def _next_at(self, now: dt.datetime, place_id: str, live: Live | None) -> list[Session]:
        """The sessions that start next in a room or venue, later the same day (none after)."""
        day = now.astimezone(self.tz).date()
        here = [s for s in self._timeline(live, running=True)
                if _at(self.pack, s, place_id) and s.start.astimezone(self.tz).date() == day]
        return self._as_in_pack(self._next(now, here), live)

    @staticmethod
    def _next(now: dt.datetime, timeline: Sequence[Session]) -> list[Session]:
        """The sessions that start next (all that start at that moment)."""
        upcoming = [s for s in timeline if s.start > now]
        if not upcoming:
            return []
        first = upcoming[0].start
        return sorted((s for s in upcoming if s.start == first), key=_rank)

    def _default_day(self, now: dt.datetime) -> dt.date:
        today = now.astimezone(self.tz).date()
        if today in self.days or not self.days:
            return today
        later = [d for d in self.days if d > today]
        return later[0] if later else self.days[-1]


_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def _first_key_texts(entries: list[Entry], default: str) -> list[tuple[int, str, str]]:
    """What the model compares a question with: each entry's first key text in each language
    (an FAQ's first question, a session's title, a room's name). On the dev sets the other
    phrasings added nothing, and they would treble the time to embed a pack.

    An entry not translated into a language stands there in the pack's default language (the
    model reads across languages): every entry is a candidate whatever the question's language."""
    out: list[tuple[int, str, str]] = []
    for i, e in enumerate(entries):
        first: dict[str, str] = {}
        for text, lang in e.key_texts:
            first.setdefault(lang, text)
        if not first:
            continue
        stand_in = first.get(default) or next(iter(first.values()))
        out.extend((i, first.get(lang, stand_in), lang) for lang in SUPPORTED_LANGUAGES)
    return out


def model_texts(entries: list[Entry], default: str, budget: int = MODEL_TEXT_BUDGET) -> list[tuple[int, str, str, bool]]:
    """What the model compares a question with: (entry, text, language, passage) rows.

    In every language: each phrasing of an entry (an FAQ's questions, a session's title and
    speakers, a room's name), and the head of what it tells (an FAQ's answer, a session's
    summary, a contact's role: a passage). An entry not translated into a language stands
    there in the pack's default language (the model reads across languages, and a text
    standing in for several languages is embedded once).

    A pack's texts are taken in order of use until ``budget`` (in :data:`TEXT_UNIT` units:
    the model's time grows with a text's length): the first phrasing of every entry, then
    the second phrasings, the third..., then what the entries tell. A pack of a hundred
    entries gets everything; one of five hundred in seven languages, its first phrasings
    and some more, embedded in bounded time."""
    tiers: dict[int, list[tuple[int, str, str, bool]]] = defaultdict(list)
    told_tier = 1 + max((len(e.key_texts) for e in entries), default=0)
    for i, e in enumerate(entries):
        phrasings: dict[str, list[str]] = {}
        for text, lang in e.key_texts:
            phrasings.setdefault(lang, []).append(text)
        told = {lang: _head(text) for text, lang in reversed(e.told)}
        if not phrasings:
            continue
        stand_in = phrasings.get(default) or next(iter(phrasings.values()))
        told_stand_in = told.get(default) or next(iter(told.values()), "")
        for lang in SUPPORTED_LANGUAGES:
            for rank, text in enumerate(dict.fromkeys(phrasings.get(lang, stand_in))):
                tiers[rank].append((i, text, lang, False))
            head = told.get(lang, told_stand_in)
            if head:
                tiers[told_tier].append((i, head, lang, True))
    out: list[tuple[int, str, str, bool]] = []
    seen: set[str] = set()
    spent = 0.0
    for tier in sorted(tiers):
        for row in tiers[tier]:
            key = text_key(row[1], row[3])
            if key not in seen:
                cost = max(1.0, len(row[1]) / TEXT_UNIT)
                if spent + cost > budget:
                    continue  # a shorter text of the same tier may still fit
                seen.add(key)
                spent += cost
            out.append(row)
    return out


def _head(text: str) -> str:
    """The first sentences of a text, up to :data:`TOLD_CHARS` characters."""
    text = re.sub(r"<[^>]+>", "", " ".join(text.split()))
    if len(text) <= TOLD_CHARS:
        return text
    cut = max(text.rfind(mark, 0, TOLD_CHARS) for mark in (". ", "。", "! ", "? ", "؟ ", "; "))
    return text[: cut + 1] if cut >= TOLD_CHARS // 3 else text[:TOLD_CHARS].rsplit(" ", 1)[0]


#: the model's comparison across the pack's languages (:meth:`_ModelView._pooled`)
POOL_OTHERS = 0.5
POOL_PIVOT = "en"
POOL_PIVOT_WEIGHT = 0.5


def pool_weights(others: Collection[str]) -> dict[str, float]:
    """The weight of each other language in :func:`pool` (the question's own weighs 1): an
    equal share of POOL_OTHERS each, and POOL_PIVOT_WEIGHT more for the pivot."""
    weights = {lang: POOL_OTHERS / len(others) for lang in others}
    if POOL_PIVOT in weights:
        weights[POOL_PIVOT] += POOL_PIVOT_WEIGHT
    return weights


def pool(own: np.ndarray, others: dict[str, np.ndarray]) -> np.ndarray:
    """An entry's similarities in the question's language (``own``) with, at half weight each,
    English's and the mean of the other languages' (``others``, by language; English among
    them unless the question is in English). -1 (no text) stays -1."""
    sims = own.copy()
    for lang, weight in pool_weights(others).items():
        sims += weight * others[lang]
    sims[own <= -1.0] = -1.0  # no text in its language: none anywhere (the fusion's mark)
    return sims


class _ModelView:
    """The model's view of one question: embedded once (on first need), scored per language.
    Read as Vietnamese typed without tones, the model is given the question with the tones
    the pack's own words suggest (:class:`~bot.answers.retone.Retoner`)."""

    def __init__(self, semantic: SemanticIndex | None, question: str, n_entries: int,
                 retoner: Callable[[], Retoner] | None = None) -> None:
        self._semantic = semantic
        self._question = question
        self._n = n_entries
        self._retoner = retoner
        self._vectors: dict[str, np.ndarray | None] = {}
        self._scores: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}

    def _text_for(self, lang: str) -> str:
        if lang == "ru" and not CYRILLIC_RE.search(self._question):  # Russian in Latin letters
            return translit.to_cyrillic(self._question.casefold())
        text = expand_shorthand(self._question, lang)
        if lang == "vi" and self._retoner is not None and not has_vietnamese_marks(self._question):
            return self._retoner().retone(text)
        return text

    def scores(self, lang: str) -> tuple[np.ndarray, np.ndarray] | None:
        if self._semantic is None or not self._semantic.available:
            return None
        if lang not in self._scores:
            if not self._semantic.can_score(lang):
                self._scores[lang] = None  # not embedded yet: the words alone answer
                return None
            text = self._text_for(lang)
            if text not in self._vectors:
                self._vectors[text] = self._semantic.embed(text)
            vector = self._vectors[text]
            self._scores[lang] = None if vector is None else self._pooled(vector, lang)
        return self._scores[lang]

    def _pooled(self, vector: np.ndarray, lang: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The question against its language's texts, and at half weight each against the
        pack's English texts and the mean of its other languages': each translation of a
        phrasing or an answer is one more way of saying it, and the model reads English
        best. An entry's similarities are those sums (the fusion reads them as z-scores over
        the pack, so their scale does not matter). Only languages embedded already count (in
        the bot, they are built in the background)."""
        semantic = self._semantic
        assert semantic is not None
        own = semantic.scores(vector, lang, self._n)
        if own is None:
            return None
        built = semantic.built_languages()
        others = {other: found for other in semantic.languages() if other != lang and other in built
                  and (found := semantic.scores(vector, other, self._n)) is not None}
        key, body = (pool(own[part], {other: o[part] for other, o in others.items()}) for part in (0, 1))
        return key, body


def _credit(have: AbstractSet[str], key: AbstractSet[str], words: Collection[str], concepts: Collection[str]) -> float:
    """How much of a question's word an entry accounts for: the word itself among its key
    terms (title, phrasings) counts fully, one of the word's concepts there a little less,
    the word or a concept in its body less again, nothing else nothing."""
    if not key.isdisjoint(words):
        return 1.0
    if not key.isdisjoint(concepts):
        return CONCEPT_CREDIT
    if not have.isdisjoint(words):
        return BODY_CREDIT
    if not have.isdisjoint(concepts):
        return BODY_CONCEPT_CREDIT
    return 0.0


def _choose(ordered: list[Candidate], types: list[str], calibration: Calibration, who: bool = False) -> Candidate | None:
    """The candidate to answer with (``ordered``: best first), or None: refuse.

    The words' own confident first choice stands unless the model finds it unlikely (below
    ``keep_at``) or prefers another the words accept too (:func:`fusion.preferred`): on a
    pack's own names and phrasings the words are exact. The words' unsure first choice
    answers when the model singles it out too (:func:`fusion.agreed`: an FAQ entry, or a
    session unless the question asks ``who``). Otherwise the likeliest candidate answers
    when it is likely enough (``answer_at``), if it is an FAQ entry or one the words support
    (never a time or a place on the model's word alone). A candidate that does not name
    what the question needs named (:attr:`Candidate.fits`) is never the answer."""
    chosen = _choose_any(ordered, types, calibration, who)
    return chosen if chosen is None or chosen.fits else None


def _choose_any(ordered: list[Candidate], types: list[str], calibration: Calibration, who: bool) -> Candidate | None:
    lexical = next((c for c in ordered if c.lexical_rank == 0), None)
    if lexical is not None and lexical.lexical_conf >= THRESHOLD:
        model = next((c for c in ordered if c.features[fusion.FEATURES.index("sem_top")] == 1.0), None)
        if model is not None and model is not lexical and fusion.preferred(
                model.features, model.probability, lexical.features, lexical.probability):
            return model
        return lexical if lexical.probability >= calibration.keep_at else None
    if lexical is not None and fusion.agreed(lexical.features, types[ordered.index(lexical)] == EntryType.FAQ,
                                             sessions=not who):
        return lexical
    for c, type_ in zip(ordered, types, strict=True):
        if type_ == EntryType.FAQ or c.lexical_conf >= THRESHOLD:
            return c if c.probability >= calibration.answer_at else None
    return None


def _offered(c: Candidate, calibration: Calibration) -> bool:
    """Whether a candidate is a "did you mean" button: likely enough, unless the words read
    it and found that it accounts for little of the question (below what their own buttons
    need): the question is about something else too ("the best sushi in Paris" is not about
    the conference lunch). One the words do not know at all may come on the model's word
    (a "lanyard" is the badge), and so may the one the model singles out (its first choice,
    far above the pack's other entries)."""
    if c.probability < calibration.offer_at:
        return False
    return c.lexical_rank is None or c.lexical_conf >= ALTERNATIVE_FLOOR or fusion.singled_out(c.features)


#: intents beside "who" that make a question about something else than a person ("when does
#: the Chu-Talas commission speak?", "c'est quoi qui se passe en salle A", "who do I call")
_NOT_A_PERSON = frozenset({"contact", "when", "where", "route", "schedule", "status"})


def _asks_person(q: _Query) -> bool:
    """Whether a question asks who someone is at a session (speaks, chairs, moderates)."""
    return "who" in q.intents and not q.intents & _NOT_A_PERSON


def _asks_who(hits: Sequence[Hit], tokens: list[Token]) -> bool:
    """Whether a question's lexicon hits say it asks who. Arabic من is also "from"
    ("الباص من الفندق") and "please" (من فضلك): alone, it asks who only as the first word."""
    return any(h.first == 0 or h.last > h.first or tokens[h.first].surface != "من"
               for h in hits if h.intent and h.concept == "who")


def _sem_z(c: Candidate) -> float:
    """How many deviations above the pack's entries the model finds a candidate."""
    return float(c.features[fusion.FEATURES.index("sem_z")])


def _moved_answer(question: str, lang: str, moved: tuple[Match, float]) -> Answer:
    match, conf = moved
    return Answer(question, lang, AnswerKind(match.type), match, confidence=conf)


_BRACKETS = re.compile(r"\s*[(（\[][^)）\]]*[)）\]]")
#: what separates the parts of a room's name ("Room Cauca — Working Group II")
_DASHES = re.compile(r"\s+[—–-]\s+")


def _from_now(session: Session, now: dt.datetime, today: dt.date, tz: dt.tzinfo) -> tuple[int, float]:
    """How near ``session`` is to ``now``, for a question that names no day: the one on now,
    then today's next, today's latest, the next day's, the most recent."""
    if session.start <= now < session.end:
        return (0, 0.0)
    ahead = session.start > now
    gap = (session.start - now if ahead else now - session.end).total_seconds()
    if session.start.astimezone(tz).date() == today:
        return (1 if ahead else 2, gap)
    return (3 if ahead else 4, gap)


def _consume(tok: Token) -> None:
    """Take a token out of the question's words: a time expression or the event's name chose
    the window with it."""
    tok.stop, tok.terms, tok.surface = True, [], ""


def _ends_clause(tok: Token, lang: str) -> bool:
    """Whether the token is a word that starts another clause ("and", "mais", "và"): not
    Vietnamese "so" (số, a number) nor "y" (y tế) typed without tones."""
    return tok.surface in _CLAUSE_WORDS and not (lang == "vi" and tok.surface in _NOT_CLAUSE_WORDS_VI)


def _room_not_found(hits: list[Hit], tokens: list[Token], lang: str) -> list[Hit]:
    """"I can't find room C", "no encuentro la sala C", "не могу найти зал Б": the way to a
    room, not a lost item. The lexicon's ``lost`` at the start of its clause (only stopwords
    before it) and followed by a word for a room (only stopwords or a single letter between)
    asks where it is; "my boss's phone stayed in the plenary hall" is still a lost thing."""
    rooms = {h.first for h in hits if h.intent and h.concept == "room-word"}
    if not rooms:
        return hits
    out = []
    for h in hits:
        if not h.intent and h.concept == "lost" and _opens_clause(tokens, h.first, lang):
            j = h.last + 1
            while j < len(tokens) and j not in rooms and (tokens[j].stop or len(tokens[j].surface) == 1):
                j += 1
            if j in rooms:
                out.append(Hit("where", h.first, h.last, True))
                continue
        out.append(h)
    return out


def _opens_clause(tokens: list[Token], i: int, lang: str) -> bool:
    """Whether only stopwords stand before token ``i`` in its clause ("no encuentro la sala
    C", "... y no encuentro la sala C"; not "le portable de mon patron est resté dans la salle")."""
    j = i - 1
    while j >= 0 and not _ends_clause(tokens[j], lang):
        if not tokens[j].stop:
            return False
        j -= 1
    return True


def _where_i_am(hits: list[Hit], tokens: list[Token], text: str, lang: str) -> set[int]:
    """The tokens that say where the asker is: after "I'm at", "estoy en", "я у", "انا واقف
    عند", "đang ở" (the lexicon's ``here``), to the end of the clause (a comma, "and", another
    intent such as "where"), at most :data:`HERE_SPAN` words."""
    starts = [h.last + 1 for h in hits if h.intent and h.concept == "here"]
    if not starts:
        return set()
    other = {i for h in hits if h.intent and h.concept in CLAUSE_INTENTS for i in range(h.first, h.last + 1)}
    out: set[int] = set()
    for k in starts:
        for i in range(k, min(k + HERE_SPAN, len(tokens))):
            if i in other or _ends_clause(tokens[i], lang):
                break
            if i > k and _CLAUSE_MARK.search(text[tokens[i - 1].end : tokens[i].start]):
                break
            out.add(i)
    return out


def _of_the_event(hits: list[Hit], lang: str) -> str | None:
    """"The last event of the conference", "la toute première séance du sommet": the one
    ordinal of a question that names the event itself (the lexicon's ``event-general``),
    not as the word the ordinal qualifies ("the first conference of the States Parties" is
    another event; "sự kiện cuối cùng": in Vietnamese the ordinal follows its noun)."""
    ordinals = [h for h in hits if h.intent and h.concept in ORDINALS]
    if len({h.concept for h in ordinals}) != 1:
        return None
    qualified = {h.first - 1 for h in ordinals} if lang == "vi" else {h.last + 1 for h in ordinals}
    if not any(not h.intent and h.concept == "event-general"
               and not (h.last in qualified if lang == "vi" else h.first in qualified) for h in hits):
        return None
    return ordinals[0].concept


def _named_beside(hits: list[Hit], tokens: list[Token], text: str, lang: str, concept_at: dict[int, list[str]],
                  ) -> tuple[str, frozenset[str], frozenset[str], frozenset[int]] | None:
    """"After the opening", "avant le dîner", "开幕式之后": "after" or "before" (the lexicon's
    :data:`RELATIVE` intents), the terms of what follows it (precedes it in Chinese), to
    the end of the clause, at most :data:`RELATIVE_SPAN` words, and those of its nearest
    word. None when a time took the word ("after 4pm", "after lunch"), a concept holds it
    ("after landing"), or the question says both."""
    found = [h for h in hits if h.intent and h.concept in RELATIVE
             and all(tokens[i].surface for i in range(h.first, h.last + 1))
             and not all(i in concept_at for i in range(h.first, h.last + 1))]
    if len({h.concept for h in found}) != 1:
        return None
    h = found[0]
    step = -1 if tokens[h.first].script == "han" else 1
    word = tokens[h.first]
    if step > 0 and [t.surface for t in tokenize(text[word.start : word.end], lang)] != [word.surface]:
        return None  # a typo read as "after" ("fin d'aprem"): too weak to turn the answer around
    # another intent ends the name, but not a word for a session ("بعد الجلسة الختامية")
    other = {i for x in hits if x.intent and x.concept in CLAUSE_INTENTS - {"schedule"}
             for i in range(x.first, x.last + 1)}
    i = h.first - 1 if step < 0 else h.last + 1
    named: set[str] = set()
    span = set(range(h.first, h.last + 1))
    head: frozenset[str] = frozenset()  # the nearest word's: "opening" (not "in the main hall")
    for _ in range(RELATIVE_SPAN):
        if not 0 <= i < len(tokens) or i in other or _ends_clause(tokens[i], lang):
            break
        a, b = (tokens[i], tokens[i + 1]) if step < 0 else (tokens[i - 1], tokens[i])
        if _CLAUSE_MARK.search(text[a.end : b.start]):
            break
        tok = tokens[i]
        words = {*tok.terms, *concept_at.get(i, ())} | ({"=" + tok.surface} if tok.terms else set())
        named.update(words)
        span.add(i)
        head = head or frozenset(words)
        i += step
    return (h.concept, frozenset(named), head, frozenset(span)) if head else None


def _held_in(session: Session, tq: TimeQuery) -> bool:
    """Whether ``session`` is held (in part) in the window ``tq`` names (a day, a part of one)."""
    return (tq.mode == "window" and tq.start is not None and tq.end is not None
            and session.start < tq.end and session.end > tq.start)


def _rank(session: Session) -> int:
    """0: the programme proper; 1: exhibitions (open all day); 2: logistics (shuttles)."""
    return {"logistics": 2, "exhibition": 1}.get(session.kind, 0)


def _better(a: Answer, b: Answer) -> bool:
    """Whether a second reading of a question (in another language) beats the first: only
    when it answers where the first could not, or is clearly more confident."""
    if (a.match is None) != (b.match is None):
        return a.match is not None
    return a.confidence > b.confidence + 0.15


def _squash(score: float, conf: float) -> float:
    """A 0..1 score for the outside world: mostly the coverage, a little the raw score."""
    return round(min(1.0, 0.8 * conf + 0.2 * (1 - math.exp(-score / 10))), 3)


def _at(pack: ContentPack, session: Session, place_id: str) -> bool:
    if session.room == place_id:
        return True
    found = pack.place(session.room)
    return bool(found and found[1].id == place_id)


def _in_place(sessions: list[Session], pack: ContentPack, place_id: str) -> bool:
    return any(_at(pack, s, place_id) for s in sessions)
