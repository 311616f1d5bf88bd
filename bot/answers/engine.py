"""The question-answering engine: a question in, the best entry of the pack (or an honest
"not sure") out.

Steps of :meth:`AnswerEngine.ask`:

1. guess the question's language from its script and words (the user's interface
   language breaks ties: a question may be in another language than the interface);
2. find a time expression ("tomorrow morning", "now", "25/10") and take its words out;
3. analyse the rest like the pack's texts (normalise, stem, segment, correct typos against
   the pack's vocabulary) and add the lexicon's concepts;
4. score every entry with BM25F over terms and concepts, weigh it by *coverage* (the share
   of the question's informative words the entry accounts for), add a bonus when the
   question names an entity (a room, a session, a person) in full, and prefer the kind of
   entry the question's shape asks for (where → places, when → sessions, call → contacts);
5. decide: answer, offer close alternatives, list sessions for a time question, or refuse.

A refusal is the safe outcome: a wrong room or time is worse than "I'm not sure".
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from bot.answers.index import BROADER_WEIGHT, CONCEPT_WEIGHT, Entry, Index, entries_of
from bot.answers.lexicon import Lexicon, load_lexicon
from bot.answers.normalize import Token, detect_language, is_weak, prepare, tokenize, vocab_key
from bot.answers.shape import is_name, looks_generic
from bot.answers.timeparse import TimeQuery, parse_time
from bot.answers.typo import Corrector
from bot.catalog.models import ContentPack, Session

#: below this confidence the engine says it is not sure
THRESHOLD = 0.6
#: alternatives: other entries at least this close to the best score
ALTERNATIVE_RATIO = 0.75
MAX_ALTERNATIVES = 3
TYPE_BOOST = {
    "where": {"room": 1.3, "venue": 1.3},
    "when": {"session": 1.3},
    "contact": {"contact": 1.5},
    "who": {"session": 1.1, "contact": 1.2},
    "room-word": {"room": 1.25},
}
ENTITY_BONUS = 0.6  # times the name's own weight
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
#: a word whose only concepts are generic ones ("enter": access) weighs this much
WEAK_CONCEPT_FACTOR = 0.5
#: an unknown word shaped like a verb or an adverb ("borrow", "usually") weighs less still
GENERIC_FACTOR = 0.5
#: a word's weight is its idf to this power (1: plain idf; 0: every word alike)
IDF_POWER = 0.5
INTENT_TERM_WEIGHT = 0.3
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)


@dataclass(frozen=True)
class Match:
    type: str  # faq | session | venue | room | contact
    id: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "id": self.id, "score": round(self.score, 3)}


@dataclass
class Answer:
    question: str
    lang: str  # the language to answer in (the user's interface language)
    kind: str  # faq | session | schedule | venue | room | contact | unknown | empty
    match: Match | None = None
    alternatives: list[Match] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    question_lang: str = ""
    time: TimeQuery | None = None
    confidence: float = 0.0
    note: str | None = None  # "nothing-now": nothing running, ``sessions`` are the next ones

    @property
    def offer_liaison(self) -> bool:
        """The seam for the liaison hand-off: true when the bot could not answer."""
        return self.kind == "unknown"


@dataclass
class _Unit:
    terms: list[str]  # the word's own terms, then its concepts
    weight: float
    concept: bool = False
    foreign: bool = False  # a topic word the pack never mentions
    n_words: int = 0  # how many of ``terms`` are the word's own (the rest are concepts)


@dataclass
class _Query:
    lang: str
    tokens: list[Token]
    units: list[_Unit]
    terms: dict[str, float]
    intents: set[str]
    schedule_words: int


class AnswerEngine:
    def __init__(self, pack: ContentPack, lexicon: Lexicon | None = None) -> None:
        self.pack = pack
        self.lexicon = lexicon or load_lexicon()
        self.entries: list[Entry] = entries_of(pack)
        self.index = Index(self.entries, self.lexicon)
        self.tz = pack.tz
        self.days = pack.event_days()
        self.sessions = pack.sessions_sorted()
        self._position = {(e.type, e.id): i for i, e in enumerate(self.entries)}
        self._correctors: dict[str, Corrector] = {}  # built on first use, per language

    # ------------------------------------------------------------------ public API
    def ask(self, question: str, lang: str, now: dt.datetime | None = None) -> Answer:
        now = now or dt.datetime.now(dt.UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=self.tz)
        text = prepare(question or "")
        if not _HAS_WORD.search(text):
            return Answer(question, lang, "empty")
        candidates = detect_language(text, lang)
        tq = parse_time(text, now, self.tz, self.days)
        query = self._query(text, candidates[0], tq, question)
        if not query.units and not query.schedule_words and tq is None:
            return Answer(question, lang, "empty", question_lang=query.lang)
        answer = self._decide(question, lang, query, tq, now)
        answer.question_lang = query.lang
        return answer

    def rank(self, question: str, lang: str, now: dt.datetime | None = None, limit: int = 5) -> list[tuple[Match, float]]:
        """The best entries with their confidence (for diagnostics and the benchmark)."""
        now = now or dt.datetime.now(dt.UTC)
        text = prepare(question or "")
        tq = parse_time(text, now, self.tz, self.days)
        query = self._query(text, detect_language(text, lang)[0], tq)
        return [(Match(self.entries[i].type, self.entries[i].id, s), c) for i, s, c in self._score(query)[:limit]]

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
        for tok in tokens:
            if any(tok.start < b and tok.end > a for a, b in spans):
                tok.stop = True
                tok.terms = []
        tokens = self._repair(tokens, lang)
        hits = self.lexicon.match(tokens, lang)
        intents = {h.concept for h in hits if h.intent}
        concept_at: dict[int, list[str]] = defaultdict(list)
        intent_at: set[int] = set()
        schedule_at: set[int] = set()
        loose: list[str] = []  # concepts named by stopwords only ("can't find", "help")
        for h in hits:
            if h.intent:
                intent_at.update(range(h.first, h.last + 1))
                if h.concept == "schedule":
                    schedule_at.update(range(h.first, h.last + 1))
                continue
            content = [i for i in range(h.first, h.last + 1) if not tokens[i].stop]
            if not content:
                loose.append("@" + h.concept)
            for i in content:
                concept_at[i].append("@" + h.concept)
        units: list[_Unit] = []
        terms: dict[str, float] = {}
        schedule_words = 0

        def add_concept(c: str) -> None:
            terms[c] = max(terms.get(c, 0.0), CONCEPT_WEIGHT)
            for b in self.lexicon.broader.get(c[1:], ()):
                terms["@" + b] = max(terms.get("@" + b, 0.0), BROADER_WEIGHT)

        for i, tok in enumerate(tokens):
            if tok.stop or not tok.terms and not concept_at.get(i):
                continue
            concepts = list(dict.fromkeys(concept_at.get(i, [])))
            if i in schedule_at and (tq is not None or not concepts or concepts == ["@event-general"]):
                schedule_words += 1
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
            if tok.toned:  # a question with tones: its toneless form is no evidence of its own
                own = [t for t in own if not (t.startswith("v0:") and "_" not in t)]
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
            single_han = tok.script == "han" and len(tok.surface) == 1
            units.append(_Unit(unit_terms, weight, bool(concepts), unseen and not weak and not single_han, len(own)))
        for c in dict.fromkeys(loose):
            if not any(c in u.terms for u in units):
                add_concept(c)
                weight = self._weight([c], True) * (WEAK_CONCEPT_FACTOR if c[1:] in self.lexicon.weak else 1.0)
                units.append(_Unit([c], weight, True, c not in self.index.df, 0))
        return _Query(lang, tokens, units, terms, intents, schedule_words)

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
            if any(t in df for t in tok.terms) or tok.key in known or tok.surface in vocab[key]:
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
        """A word the pack writes as two ("vietnam" / "viet nam"): one token with both terms."""
        word = tok.surface
        if tok.script != "latin" or len(word) < 6:
            return None
        df = self.index.df
        for cut in range(3, len(word) - 2):
            parts = tokenize(word[:cut] + " " + word[cut:], lang)
            if len(parts) == 2 and all(any(t in df for t in p.terms) for p in parts):
                tok.terms = parts[0].terms + parts[1].terms
                return [tok]
        return None

    def _corrector(self, key: str) -> Corrector:
        found = self._correctors.get(key)
        if found is None:
            if key == "ar":  # Arabic is corrected on light stems: prefixes would dominate
                words = {t[2:]: n for t, n in self.index.df.items() if t.startswith("a:")}
                words.update({k: 1 for k in self.lexicon.known_keys if k and "\u0600" <= k[0] <= "\u06ff"})
                found = self._correctors[key] = Corrector(words)
            else:
                freq = self.index.surface_freq.get(key, {})
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
        out = []
        terms_of = self.index.terms_of
        key_terms_of = self.index.key_terms_of
        for i, s in raw.items():
            have, key = terms_of[i], key_terms_of[i]
            covered = 0.0
            for u in q.units:
                words, concepts = u.terms[: u.n_words], u.terms[u.n_words :]
                if any(t in key for t in words):
                    credit = 1.0
                elif any(t in key for t in concepts):
                    credit = CONCEPT_CREDIT
                elif any(t in have for t in words):
                    credit = BODY_CREDIT
                elif any(t in have for t in concepts):
                    credit = BODY_CONCEPT_CREDIT
                else:
                    continue
                covered += credit * u.weight
            coverage = covered / total if q.units else 0.0
            e = self.entries[i]
            boost = 1.0
            for intent in q.intents:
                boost = max(boost, TYPE_BOOST.get(intent, {}).get(e.type, 1.0))
            score = (s + bonus.get(i, 0.0)) * (0.3 + 0.7 * coverage) * boost
            out.append((i, score, coverage))
        out.sort(key=lambda x: -x[1])
        return out

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
    def _decide(self, question: str, lang: str, q: _Query, tq: TimeQuery | None, now: dt.datetime) -> Answer:
        ranked = self._score(q) if q.units else []
        best = ranked[0] if ranked else None
        confident = best is not None and best[2] >= THRESHOLD
        if tq is not None or (q.schedule_words and not confident):
            return self._time_answer(question, lang, q, tq, now, ranked, confident)
        if not confident:
            return Answer(question, lang, "unknown", alternatives=self._alternatives(ranked, 0, loose=True),
                          confidence=best[2] if best else 0.0)
        return self._entry_answer(question, lang, ranked, 0)

    def _entry_answer(self, question: str, lang: str, ranked, pos: int) -> Answer:
        i, score, conf = ranked[pos]
        e = self.entries[i]
        match = Match(e.type, e.id, _squash(score, conf))
        answer = Answer(question, lang, e.type, match, self._alternatives(ranked, pos), confidence=conf)
        if e.type == "session":
            answer.sessions = [e.obj]
        return answer

    def _alternatives(self, ranked, pos: int, loose: bool = False) -> list[Match]:
        if not ranked:
            return []
        top = ranked[pos][1]
        out = []
        for k, (i, score, conf) in enumerate(ranked[: pos + 1 + 6]):
            if k == pos:
                continue
            if score >= ALTERNATIVE_RATIO * top and conf >= (THRESHOLD * 0.6 if loose else THRESHOLD * 0.8):
                e = self.entries[i]
                out.append(Match(e.type, e.id, _squash(score, conf)))
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out

    def _time_answer(self, question, lang, q: _Query, tq: TimeQuery | None, now, ranked, confident) -> Answer:
        if tq is None:
            tq = TimeQuery("window", day=self._default_day(now))
            start = dt.datetime.combine(tq.day, dt.time(0, 0), tzinfo=self.tz)
            tq.start, tq.end = start, start + dt.timedelta(days=1)
        listed, note = self.sessions_for(tq, now)
        if confident:
            i, score, conf = ranked[0]
            e = self.entries[i]
            if e.type in ("faq", "contact") or (e.type == "venue" and not _in_place(listed, self.pack, e.id)):
                return self._entry_answer(question, lang, ranked, 0)
            if e.type in ("room", "venue"):
                here = [s for s in listed if _at(self.pack, s, e.id)]
                if here:
                    return self._schedule(question, lang, tq, here, note, conf, first=here[0])
                return self._entry_answer(question, lang, ranked, 0)
            # sessions: those of the window the question's words point to
            scores = {self.entries[j].id: sc for j, sc, c in ranked if self.entries[j].type == "session" and c >= THRESHOLD}
            chosen = [s for s in listed if s.id in scores]
            if chosen:
                top = max(chosen, key=lambda s: (scores[s.id], -s.start.timestamp()))
                return self._schedule(question, lang, tq, chosen, note, conf, first=top)
            return self._entry_answer(question, lang, ranked, 0)
        # no confident topic: a plain time question, unless it also names something the
        # pack knows nothing about ("who won the match last night?")
        if any(u.foreign for u in q.units):
            best = ranked[0] if ranked else None
            return Answer(question, lang, "unknown", alternatives=self._alternatives(ranked, 0, loose=True) if best else [],
                          time=tq, confidence=best[2] if best else 0.0)
        return self._schedule(question, lang, tq, listed, note, 1.0)

    def _schedule(self, question, lang, tq, listed: list[Session], note, conf, first: Session | None = None) -> Answer:
        answer = Answer(question, lang, "schedule", sessions=listed, time=tq, confidence=conf, note=note)
        if listed:
            first = first or listed[0]
            answer.match = Match("session", first.id, round(min(1.0, conf), 3))
        return answer

    def sessions_for(self, tq: TimeQuery, now: dt.datetime) -> tuple[list[Session], str | None]:
        """The sessions a time question asks for (and a note when "now" finds nothing)."""
        if tq.mode == "now":
            running = [s for s in self.sessions if s.start <= now < s.end]
            if running:
                return running, None
            return self._next(now), "nothing-now"
        if tq.mode == "next":
            return self._next(now), None
        assert tq.start is not None and tq.end is not None
        if tq.mode == "at":
            running = [s for s in self.sessions if s.start <= tq.start < s.end]
            starting = [s for s in self.sessions if tq.start < s.start < tq.end and s not in running]
            return running + starting, None
        listed = [s for s in self.sessions if tq.start <= s.start < tq.end]
        if tq.day == now.astimezone(self.tz).date() and tq.part is None:
            # today: what is still to come first, what is over after it
            listed = [s for s in listed if s.end > now] + [s for s in listed if s.end <= now]
        return listed, None

    def _next(self, now: dt.datetime) -> list[Session]:
        upcoming = [s for s in self.sessions if s.start > now]
        if not upcoming:
            return []
        first = upcoming[0].start
        return [s for s in upcoming if s.start == first]

    def _default_day(self, now: dt.datetime) -> dt.date:
        today = now.astimezone(self.tz).date()
        if today in self.days or not self.days:
            return today
        later = [d for d in self.days if d > today]
        return later[0] if later else self.days[-1]


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
