"""``python -m bench.qa.libraries``: what kept libraries would do in place of our own code.

Issue #16, item 8: ``bot/answers/typo.py`` writes its own symmetric-delete table and
Damerau-Levenshtein, ``bot/answers/timeparse.py`` its own date expressions in seven
languages. This measures, on the dev sets only (words alone, so the model does not hide
the difference):

- typos: ``rapidfuzz`` alone (every known word within the same edit distance, found by its
  C Damerau-Levenshtein over the vocabulary, the same tie-breaks) against our corrector (our
  symmetric-delete table, confirmed by rapidfuzz's distance since it proved the same as the
  one we wrote and ~40 times faster): dev top-1 and refusals, and microseconds per
  correction and per table;
- dates: ``dateparser`` (``search_dates`` in the question's language, relative to the
  question's "now") against ``parse_time``: on the dev questions where either finds a time,
  how often they agree on the day, the dev figures when dateparser's dates replace ours
  (our code kept for what is an event's own: "now", "next", parts of the day, "day two"),
  and milliseconds per question.

rapidfuzz is a dependency of the bot; dateparser is not: install it to run this
(``pip install dateparser==1.5.0``). The last line is one JSON object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Iterator
from unittest import mock

import bot.answers.engine as engine_mod
from bench.qa.__main__ import default_now, dev_sets, engine_answerer, warm_process
from bench.qa.evaluate import Stats, load_questions, run
from bot.answers import AnswerEngine
from bot.answers.normalize import prepare
from bot.answers.timeparse import TimeQuery, parse_time
from bot.answers.typo import Corrector
from bot.catalog.loader import load_pack


class RapidfuzzCorrector:
    """Our corrector's rules (minimum length, edit distance by length, slips after the first
    letter of a short word, the most frequent word on a tie) over rapidfuzz's search."""

    def __init__(self, words: dict[str, int]) -> None:
        self.words = words
        self.choices = [w for w in words if len(w) >= Corrector.MIN_LEN - 1]

    def correct(self, word: str) -> str | None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        if word in self.words or len(word) < Corrector.MIN_LEN or word.isdigit():
            return None
        limit = 1 if len(word) < 9 else 2
        found = process.extract(word, self.choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
        best = None
        for c, dist, _ in found:
            if abs(len(c) - len(word)) > limit or (c[0] != word[0] and len(word) < 7):
                continue
            key = (dist, -self.words[c], c)
            if best is None or key < best:
                best = key
        return best[2] if best else None


def _dev_figures() -> Stats:
    total = Stats()
    for _, pack_dir, qpath in dev_sets():
        pack = load_pack(pack_dir)
        engine = AnswerEngine(pack, semantic=False)
        for o in run(engine_answerer(engine), load_questions(qpath, default_now(pack), pack.tz)):
            total.add(o)
    return total


@contextlib.contextmanager
def _corrector(cls) -> Iterator[list[float]]:
    """Every engine corrects with ``cls``; yields the microseconds of each correction."""
    timings: list[float] = []

    class Timed(cls):
        def correct(self, word: str):  # noqa: ANN201
            t0 = time.perf_counter()
            try:
                return super().correct(word)
            finally:
                timings.append((time.perf_counter() - t0) * 1e6)

    with mock.patch.object(engine_mod, "Corrector", Timed):
        yield timings


def _table_ms(cls, words: dict[str, int]) -> float:
    t0 = time.perf_counter()
    cls(words)
    return (time.perf_counter() - t0) * 1000


def dateparser_time(text: str, now: dt.datetime, tz: dt.tzinfo, days: list[dt.date] | None = None,
                    lang: str = "en") -> TimeQuery | None:
    """parse_time with dateparser's dates: our code for the event's own words ("now",
    "next", parts of the day, "day two"), dateparser for the date when it finds one."""
    from dateparser.search import search_dates

    ours = parse_time(text, now, tz, days)
    local = now.astimezone(tz)
    found = search_dates(prepare(text), languages=[lang], settings={
        "RELATIVE_BASE": local.replace(tzinfo=None), "PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False})
    if not found:
        return ours if ours is not None and ours.mode in ("now", "next") else (ours if ours and ours.part else None)
    day = found[0][1].date()
    if ours is not None and ours.mode in ("now", "next"):
        return ours
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    part = ours.part if ours is not None else None
    if ours is not None and ours.start is not None and part:
        start = dt.datetime.combine(day, ours.start.astimezone(tz).time(), tzinfo=tz)
        end = dt.datetime.combine(day, ours.end.astimezone(tz).time(), tzinfo=tz)
    else:
        end = start + dt.timedelta(days=1)
    return TimeQuery("window", start=start, end=end, day=day, part=part, spans=ours.spans if ours else [])


def compare_dates() -> dict[str, object]:
    agree = disagree = only_ours = only_theirs = 0
    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    from dateparser.search import search_dates

    for _, pack_dir, qpath in dev_sets():
        pack = load_pack(pack_dir)
        days = pack.event_days()
        for q in load_questions(qpath, default_now(pack), pack.tz):
            t0 = time.perf_counter()
            ours = parse_time(q.q, q.now, pack.tz, days)
            ours_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            found = search_dates(prepare(q.q), languages=[q.lang], settings={
                "RELATIVE_BASE": q.now.astimezone(pack.tz).replace(tzinfo=None), "PREFER_DATES_FROM": "future"})
            theirs_ms.append((time.perf_counter() - t0) * 1000)
            ours_day = ours.day if ours is not None and ours.mode not in ("now", "next") else None
            theirs_day = found[0][1].date() if found else None
            if ours_day and theirs_day:
                agree += ours_day == theirs_day
                disagree += ours_day != theirs_day
            elif ours_day:
                only_ours += 1
            elif theirs_day:
                only_theirs += 1
    return {"both_same_day": agree, "both_other_day": disagree, "only_ours": only_ours, "only_dateparser": only_theirs,
            "ours_ms_mean": round(statistics.mean(ours_ms), 3), "dateparser_ms_mean": round(statistics.mean(theirs_ms), 3),
            "ours_ms_p99": round(sorted(ours_ms)[int(0.99 * (len(ours_ms) - 1))], 3),
            "dateparser_ms_p99": round(sorted(theirs_ms)[int(0.99 * (len(theirs_ms) - 1))], 3)}


def main(argv: list[str] | None = None) -> int:
    del argv
    warm_process()
    print("typos: our corrector against rapidfuzz, on the dev sets (words alone)", flush=True)
    results: dict[str, object] = {}
    sample = {w: 1 for w in ("registration", "interpretation", "accreditation", "shuttle", "airport", "badge")}
    big = {f"{w}{k}": 1 for w in sample for k in range(800)}  # a vocabulary of ~5,000 words
    for name, cls in (("ours", Corrector), ("rapidfuzz", RapidfuzzCorrector)):
        with _corrector(cls) as timings:
            stats = _dev_figures()
        results[f"typo_{name}"] = {
            "dev_top1": round(stats.top1_rate, 3), "dev_refusal": round(stats.refusal_rate, 3),
            "corrections": len(timings), "us_per_correction": round(statistics.mean(timings), 1) if timings else None,
            "table_ms_5000_words": round(_table_ms(cls, big), 1),
        }
        print(f"  {name:9} {results[f'typo_{name}']}", flush=True)
    print("dates: parse_time against dateparser, on the dev questions", flush=True)
    results["dates"] = compare_dates()
    print(f"  {results['dates']}", flush=True)
    with mock.patch.object(engine_mod, "parse_time", lambda text, now, tz, days=None: dateparser_time(text, now, tz, days)):
        stats = _dev_figures()
    baseline = results["typo_ours"]
    results["dates_dev"] = {"ours_top1": baseline["dev_top1"], "ours_refusal": baseline["dev_refusal"],
                            "dateparser_top1": round(stats.top1_rate, 3), "dateparser_refusal": round(stats.refusal_rate, 3)}
    print(f"  dev figures with dateparser's dates: {results['dates_dev']}", flush=True)
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
