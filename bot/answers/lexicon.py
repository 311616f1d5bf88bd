"""The concept lexicon (lexicon.yaml): finds concept and intent ids in a token sequence.

Phrases are analysed with the same tokenizer as everything else, so "aéroports",
"Aeroport" and "l'aéroport" all find ``airport``. Matching rules:

- en fr es ru ar: token keys (stems) in sequence; at each position the longest phrase wins,
  and a shorter phrase lying wholly inside an earlier match is skipped;
- zh: a phrase of two or more characters matches as a substring of a run of Chinese
  text (segmentation differences do not matter); a one-character phrase only matches a
  whole jieba word ("网" must not fire inside "网站");
- vi: syllables compared without tones; a one-syllable phrase with tones needs the same
  tones in the question ("ô" umbrella is not "ở" at).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answers.normalize import LANGS, Token, fold_accents, prepare, tokenize, vocab_key

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yaml"


@dataclass(frozen=True, slots=True)
class Hit:
    concept: str
    first: int  # token index range [first, last]
    last: int
    intent: bool = False


class Lexicon:
    def __init__(self, data: dict) -> None:
        self.broader: dict[str, list[str]] = {}
        # (lang) -> first key -> list of (keys, concept ids, intent, toned syllables or None)
        self._phrases: dict[str, dict[str, list[tuple]]] = {}
        self._zh: dict[str, list[tuple[str, str, bool]]] = {}  # first char -> (phrase, id, intent)
        self._zh_single: dict[str, list[tuple[str, bool]]] = {}
        self.concepts: set[str] = set()
        self.weak: set[str] = set()  # generic concepts ("access", "venue"): weigh little
        #: what went wrong ("lost", "sick"): the head of a question, whatever its setting
        #: ("left my badge in a taxi" is about the badge, not the taxi)
        self.head: set[str] = set()
        #: what only an entry naming it can answer (today's exchange rate): a question that
        #: names one is not answered by an entry that does not (it may still be offered)
        self.needs: set[str] = set()
        #: about the event's own city (the weather): a question naming another place is not
        #: answered by the pack (bot.answers.places)
        self.local: set[str] = set()
        #: about something at the event's city (food, sights, a night out): a question that names
        #: another place as where it is ("a sushi bar in Paris") is not answered by the pack
        #: (``local: located``)
        self.located: set[str] = set()
        #: live data (the exchange rate): a question about a given day asks for that day's
        #: figure or a forecast, which no pack keeps
        self.live: set[str] = set()
        #: a ride or a place to stay ("the hotel bus"): where something lost was lost, not
        #: what a question about it asks for
        self.setting: set[str] = set()
        #: a kind of session (panel, plenary, side event): "which panel is in room A?" asks
        #: for the room's programme
        self.session_kinds: set[str] = set()
        #: what each of those requires the entry to name: itself ("exchange rate"), or
        #: another concept ("how much is it?" needs a price, free of charge included)
        self.required: dict[str, str] = {}
        self.known_keys: set[str] = set()  # every word key a phrase uses (not to be "corrected")
        self._prefix_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self.vocabulary: dict[str, set[str]] = {}  # language -> surface words (typo correction)
        self.phrases: dict[str, list[str]] = {lang: [] for lang in LANGS}  # as written, per language
        staging: dict[str, dict[tuple, set[tuple[str, bool]]]] = {}
        verbs: list[tuple[str, str]] = []
        for section, intent in (("intents", True), ("concepts", False)):
            for cid, spec in (data.get(section) or {}).items():
                cid = str(cid)
                if not intent:
                    self.concepts.add(cid)
                    self.broader[cid] = list(spec.get("broader") or [])
                    if spec.get("weak"):
                        self.weak.add(cid)
                    if spec.get("head"):
                        self.head.add(cid)
                    if spec.get("local") == "located":
                        self.located.add(cid)
                    elif spec.get("local"):
                        self.local.add(cid)
                    if spec.get("live"):
                        self.live.add(cid)
                    if spec.get("setting"):
                        self.setting.add(cid)
                    if spec.get("session-kind"):
                        self.session_kinds.add(cid)
                    if spec.get("needs"):
                        self.needs.add(cid)
                        need = spec["needs"]
                        self.required[cid] = cid if need is True else str(need)
                for lang in LANGS:
                    for phrase in spec.get(lang) or []:
                        self.phrases[lang].append(str(phrase))
                        self._add(staging, str(phrase), lang, cid, intent)
                        if lang == "ar" and not intent:
                            verbs.extend((form, cid) for form in _arabic_persons(str(phrase)))
        # a first-person verb ("أصلي" I pray) also in the other persons a delegate writes
        # (نصلي we pray, يصلي, تصلي), matched on the whole word (the stemmer reads يصلي as
        # يصل "he arrives"), unless that word is already another concept's
        words: set[str] = set()
        for (keys, _, _), _ in staging.get("ar", {}).items():
            words.update(keys)
        #: folded Arabic word -> concepts, for those other persons
        self._ar_persons: dict[str, tuple[str, ...]] = {}
        for form, cid in verbs:
            tokens = tokenize(form, "ar")
            if len(tokens) == 1 and not tokens[0].stop and tokens[0].surface not in words:
                found = self._ar_persons.get(tokens[0].surface, ())
                if cid not in found:
                    self._ar_persons[tokens[0].surface] = (*found, cid)
        for lang, table in staging.items():
            index: dict[str, list[tuple]] = {}
            for (keys, toned, stops), ids in table.items():
                for intent in (False, True):
                    chosen = tuple(sorted(c for c, i in ids if i == intent))
                    if chosen:
                        index.setdefault(keys[0], []).append((keys, chosen, intent, toned, stops))
            for items in index.values():
                items.sort(key=lambda item: -len(item[0]))
            self._phrases[lang] = index
        # one table per reading language: its Latin phrases plus the Arabic and Cyrillic ones
        # (their keys cannot collide), so a token needs a single lookup
        self._merged: dict[str, dict] = {}
        self._merged_concepts: dict[str, dict] = {}  # the same without intents (index texts)
        for lang in ("en", "fr", "es", "vi"):
            merged: dict = {}
            for part in (self._phrases.get("ar", {}), self._phrases.get("ru", {}), self._phrases.get(lang, {})):
                merged.update(part)
            self._merged[lang] = merged
            concepts_only = {}
            for key, items in merged.items():
                kept = [item for item in items if not item[2]]
                if kept:
                    concepts_only[key] = kept
            self._merged_concepts[lang] = concepts_only
        # the index's fastest path: one-word concept phrases as a plain mapping
        self._single: dict[str, dict[str, tuple[str, ...]]] = {}
        self._multi: dict[str, dict[str, list[tuple]]] = {}
        for lang, table in self._merged_concepts.items():
            single: dict[str, tuple[str, ...]] = {}
            multi: dict[str, list[tuple]] = {}
            for key, items in table.items():
                for item in items:
                    if len(item[0]) == 1 and not key.startswith(("~", "!")):
                        single[key] = (*single.get(key, ()), *item[1])
                    else:
                        multi.setdefault(key, []).append(item)
            self._single[lang] = single
            self._multi[lang] = multi

    def _add(self, staging: dict[str, dict[tuple, set[tuple[str, bool]]]], phrase: str, lang: str, cid: str, intent: bool) -> None:
        if lang == "zh" and not phrase.isascii():
            text = prepare(phrase)
            if len(text) == 1:
                self._zh_single.setdefault(text, []).append((cid, intent))
            else:
                self._zh.setdefault(text[0], []).append((text, cid, intent))
            return
        tokens = tokenize(phrase, lang)
        if not tokens or (not intent and len(tokens) == 1 and tokens[0].stop):
            return  # a lone stopword ("есть": there is / to eat) names no concept
        target = "vi" if lang == "vi" else ("en" if lang == "zh" else lang)
        keys = tuple(t.key for t in tokens)
        toned = None
        if lang == "vi":
            # looked up without tones; where the question has tones they must be the same
            # ("lịch sự" polite is not "lịch sử" history)
            toned = tuple(t.toned or t.surface for t in tokens)
            if len(keys) == 1 and fold_accents(prepare(phrase)) != prepare(phrase):
                # one toned syllable: exact tones; without tones only for questions typed
                # entirely without them ("phien tiep theo")
                bare = ("!" + keys[0],)
                stops = tuple(t.stop for t in tokens)
                staging.setdefault(target, {}).setdefault((bare, toned, stops), set()).add((cid, intent))
                keys = ("~" + prepare(phrase).strip(),)
        for t in tokens:
            key = vocab_key(t, lang)
            self.known_keys.add(t.key)
            if key and not t.stop:
                self.vocabulary.setdefault(key, set()).add(t.surface)
        # which of the phrase's words are stopwords: a text stopword may only stand where
        # the phrase has one ("can't find" is all stopwords; "هوية" must not match "هو")
        stops = tuple(t.stop for t in tokens) if not (lang == "vi" and keys[0].startswith("~")) else (False,)
        staging.setdefault(target, {}).setdefault((keys, toned, stops), set()).add((cid, intent))

    # ------------------------------------------------------------------------------
    def match(self, tokens: list[Token], lang: str) -> list[Hit]:
        """Concept and intent hits in ``tokens`` (analysed as ``lang``)."""
        hits = self.match_seq(
            [self._key(t, lang) for t in tokens], [t.stop for t in tokens], [t.script for t in tokens],
            [t.toned for t in tokens], lang,
            toneless=lang == "vi" and not any(t.toned for t in tokens),
        )
        if any(t.script == "han" for t in tokens):
            hits.extend(self._match_han(tokens))
        if self._ar_persons and any(t.script == "arabic" for t in tokens):
            found = {h.first for h in hits if not h.intent}
            for i, t in enumerate(tokens):
                if t.script == "arabic" and not t.stop and i not in found:
                    hits.extend(Hit(cid, i, i) for cid in self._ar_persons.get(t.surface, ()))
        return hits

    def _key(self, token: Token, lang: str) -> str:
        """The token's key, or for an Arabic word the lexicon does not know under it, the
        first of its other readings that it knows ("لفعالية": a side event with the "for"
        proclitic, which the stemmer keeps)."""
        if token.script != "arabic":
            return token.key
        table = self._merged.get(lang) or self._merged["en"]
        if token.key in table:
            return token.key
        return next((t[2:] for t in token.terms[1:] if t.startswith("a:") and t[2:] in table), token.key)

    def match_seq(self, keys: list[str], stops: list[bool], scripts: list[str], toned: list[str],
                  lang: str, intents: bool = True, toneless: bool = False) -> list[Hit]:
        """:meth:`match` on parallel lists (no Chinese): the index's fast path."""
        tables = self._merged if intents else self._merged_concepts
        table = tables.get(lang) or tables["en"]
        n_tokens = len(keys)
        hits: list[Hit] = []
        cands = [i for i, k in enumerate(keys) if k in table]
        if lang == "vi":
            cands = sorted(set(cands) | {i for i, tn in enumerate(toned) if tn and "~" + tn in table}
                           | ({i for i, k in enumerate(keys) if "!" + k in table} if toneless else set()))
        covered_until = -1  # end of the last phrase that spans two or more content words
        for i in cands:
            key = keys[i]
            firsts = (key, "~" + toned[i]) if toned[i] else ((key, "!" + key) if toneless else (key,))
            for first in firsts:
                for seq_keys, ids, intent, phrase_toned, phrase_stops in table.get(first, ()):
                    n = len(seq_keys)
                    if n > 1 and (i + n > n_tokens or tuple(keys[i : i + n]) != seq_keys):
                        continue
                    if phrase_toned is not None and n > 1 and any(
                        toned[i + j] and toned[i + j] != phrase_toned[j] for j in range(n)
                    ):
                        continue
                    last = i + n - 1
                    if intent:
                        hits.extend(Hit(cid, i, last, True) for cid in ids)
                        if n > 1:  # "cuánto tiempo", "me da tiempo": how long, not the weather
                            covered_until = max(covered_until, last)
                        continue
                    if last <= covered_until or any(
                        stops[i + j] and not phrase_stops[j] for j in range(n)
                    ) and not (lang == "vi" and n > 1 and not any(toned[i : last + 1])
                               and not all(stops[i : last + 1])):
                        # typed without tones, a word of a phrase may fold onto a stopword
                        # ("cho dau xe": chỗ đậu xe, "parking", not cho "for" + đâu "where"),
                        # also beside words typed with them ("cho dau xe ở đâu vậy")
                        continue
                    hits.extend(Hit(cid, i, last) for cid in ids)
                    if n > 1 and stops[i : last + 1].count(False) >= 2:
                        covered_until = last
        if "cyrillic" in scripts:
            ru = self._phrases.get("ru", {})
            for i, script in enumerate(scripts):
                if script == "cyrillic" and not stops[i] and keys[i] not in table:
                    hits.extend(Hit(cid, i, i) for cid in self._prefix(script, ru, keys[i]))
        return hits

    def concepts_seq(self, keys: list[str], stops: list[bool], scripts: list[str], toned: list[str],
                     lang: str) -> list[str]:
        """The concept ids in a text (no intents, no positions): what the index needs.

        Same rules as :meth:`match_seq`, arranged for speed: most hits are one-word phrases."""
        if lang == "vi" or "cyrillic" in scripts:
            return [h.concept for h in self.match_seq(keys, stops, scripts, toned, lang, intents=False)]
        single = self._single.get(lang) or self._single["en"]
        multi = self._multi.get(lang) or self._multi["en"]
        out: list[str] = []
        covered_until = -1
        n_tokens = len(keys)
        for i in [i for i, k in enumerate(keys) if k in multi or k in single]:
            key = keys[i]
            items = multi.get(key)
            if items:
                for seq_keys, ids, _intent, _toned, phrase_stops in items:
                    n = len(seq_keys)
                    if i + n > n_tokens or tuple(keys[i : i + n]) != seq_keys:
                        continue
                    last = i + n - 1
                    if last <= covered_until or any(stops[i + j] and not phrase_stops[j] for j in range(n)):
                        continue
                    out.extend(ids)
                    if stops[i : last + 1].count(False) >= 2:
                        covered_until = last
            ids = single.get(key)
            if ids and i > covered_until and not stops[i]:
                out.extend(ids)
        return out

    def _prefix(self, script: str, table: dict[str, list[tuple]], key: str) -> tuple[str, ...]:
        """A derived form the stemmer does not reduce ("халяльная" -> "халяль"): a one-word
        phrase that is a long prefix of the word (cached: asked for every unknown word)."""
        cache_key = (script, key)
        found = self._prefix_cache.get(cache_key)
        if found is None:
            found = ()
            for n in range(len(key) - 1, max(4, len(key) - 4), -1):
                ids = [cid for seq_keys, cids, intent, _, _ in table.get(key[:n], ())
                       if len(seq_keys) == 1 and not intent for cid in cids]
                if ids:
                    found = tuple(ids)
                    break
            self._prefix_cache[cache_key] = found
        return found

    def _match_han(self, tokens: list[Token]) -> list[Hit]:
        hits: list[Hit] = []
        # rebuild runs of consecutive Han tokens with their token indices
        # (a number written in figures joins its run: "第1场", "24小时" as the lexicon has them)
        runs: list[list[int]] = []
        for i, tok in enumerate(tokens):
            if tok.script != "han" and not (tok.surface.isdigit() and _beside_han(tokens, i)):
                continue
            if runs and runs[-1][-1] == i - 1 and tokens[i - 1].end == tok.start:
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            text = "".join(tokens[i].surface for i in run)
            starts: list[int] = []
            pos = 0
            for i in run:
                starts.append(pos)
                pos += len(tokens[i].surface)
            for j, ch in enumerate(text):
                for phrase, cid, intent in self._zh.get(ch, ()):
                    if text.startswith(phrase, j):
                        a = _token_at(starts, j)
                        b = _token_at(starts, j + len(phrase) - 1)
                        end_b = starts[b] + len(tokens[run[b]].surface)
                        if len(phrase) <= 2 and (starts[a] != j or end_b != j + len(phrase)):
                            continue  # a two-character phrase inside a longer word: 工作 in 工作人员
                        hits.append(Hit(cid, run[a], run[b], intent))
            for i in run:
                for cid, intent in self._zh_single.get(tokens[i].surface, ()):
                    hits.append(Hit(cid, i, i, intent))
        return hits


def _token_at(starts: list[int], offset: int) -> int:
    lo = 0
    for idx, s in enumerate(starts):
        if s <= offset:
            lo = idx
        else:
            break
    return lo


@functools.cache
def load_lexicon(path: str = str(LEXICON_PATH)) -> Lexicon:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506
    return Lexicon(data)


def _arabic_persons(phrase: str) -> list[str]:
    """The other persons of a one-word Arabic verb written in the first person singular
    (أحجز "I book": نحجز, يحجز, تحجز); nothing for other phrases."""
    word = phrase.strip()
    if " " in word or len(word) < 4 or word[0] not in "أا" or word.startswith("ال"):
        return []
    return [prefix + word[1:] for prefix in "نيت"]


def _beside_han(tokens: list[Token], i: int) -> bool:
    """Whether the token at ``i`` touches a Han token (no space between them)."""
    before = i > 0 and tokens[i - 1].script == "han" and tokens[i - 1].end == tokens[i].start
    after = i + 1 < len(tokens) and tokens[i + 1].script == "han" and tokens[i].end == tokens[i + 1].start
    return before or after
