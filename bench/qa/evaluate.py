"""Scoring a question set against an answerer: top-1 on in-scope questions, correct
refusals on out-of-scope ones, helpfulness (the right answer, or a refusal whose "did you
mean" buttons hold the right entry), latency; per language."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Got:
    """What an answerer said: its answer (None: "not sure"), the alternatives it offered,
    and its best candidate with the probability it gave it (a calibrated answerer)."""

    hit: tuple[str, str] | None
    alternatives: list[tuple[str, str]] = field(default_factory=list)
    top: tuple[str, str] | None = None
    probability: float | None = None


#: an answerer takes (question, lang, now) and returns (type, id), None (= "not sure"), or a Got
Answerer = Callable[[str, str, dt.datetime], "tuple[str, str] | Got | None"]


@dataclass
class Question:
    q: str
    lang: str
    now: dt.datetime
    expect: list[tuple[str, str]] | None  # None: out of scope, the answerer should refuse


@dataclass
class Outcome:
    question: Question
    got: tuple[str, str] | None
    ms: float
    alternatives: list[tuple[str, str]] = field(default_factory=list)
    top: tuple[str, str] | None = None
    probability: float | None = None

    @property
    def right(self) -> bool:
        if self.question.expect is None:
            return self.got is None
        return self.got is not None and self.got in self.question.expect

    @property
    def helpful(self) -> bool:
        """In scope: the right answer, or a refusal offering the right entry as a button."""
        if self.question.expect is None:
            return self.got is None
        return self.right or (self.got is None and any(a in self.question.expect for a in self.alternatives))

    @property
    def top_right(self) -> bool:
        """Whether the best candidate (answered or not) is right: what its probability claims."""
        return self.question.expect is not None and self.top in self.question.expect


@dataclass
class Stats:
    in_scope: int = 0
    top1: int = 0
    helped: int = 0
    out_scope: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        self.latencies.append(o.ms)
        if o.question.expect is None:
            self.out_scope += 1
            self.refused += o.right
        else:
            self.in_scope += 1
            self.top1 += o.right
            self.helped += o.helpful

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def helpful_rate(self) -> float:
        return self.helped / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.out_scope if self.out_scope else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[k]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p99(self) -> float:
        return self.percentile(99)


def load_questions(path: Path, default_now: dt.datetime, tz: dt.tzinfo) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{n}: not JSON: {exc}") from exc
        now = default_now
        if row.get("now"):
            now = dt.datetime.fromisoformat(row["now"])
            if now.tzinfo is None:
                now = now.replace(tzinfo=tz)
        expect = row.get("expect")
        out.append(
            Question(
                q=str(row["q"]),
                lang=str(row.get("lang") or "en"),
                now=now,
                expect=None if expect is None else [(e["type"], e["id"]) for e in expect],
            )
        )
    return out


def run(answerer: Answerer, questions: list[Question]) -> list[Outcome]:
    outcomes = []
    for q in questions:
        t0 = time.perf_counter()
        got = answerer(q.q, q.lang, q.now)
        ms = (time.perf_counter() - t0) * 1000
        if isinstance(got, Got):
            outcomes.append(Outcome(q, got.hit, ms, got.alternatives, got.top, got.probability))
        else:
            outcomes.append(Outcome(q, got, ms))
    return outcomes


def by_language(outcomes: list[Outcome]) -> dict[str, Stats]:
    table: dict[str, Stats] = defaultdict(Stats)
    for o in outcomes:
        table[o.question.lang].add(o)
        table["all"].add(o)
    return dict(table)


def format_table(title: str, ours: dict[str, Stats], words: dict[str, Stats] | None, base: dict[str, Stats] | None,
                 langs: list[str]) -> str:
    """Per language: ours (top-1, refusals, helpful, latency), words alone and BM25 beside."""
    lines = [title, f"  {'lang':4} {'n_in':>4} {'top1':>6} {'n_out':>5} {'refuse':>6} {'helpful':>7} {'p50ms':>6} {'p99ms':>6}"
             + ("   | words top1 refuse helpful" if words else "") + ("   | bm25 top1 refuse" if base else "")]
    for lang in [*langs, "all"]:
        s = ours.get(lang)
        if s is None:
            continue
        row = (f"  {lang:4} {s.in_scope:4d} {s.top1_rate:6.3f} {s.out_scope:5d} {s.refusal_rate:6.3f} {s.helpful_rate:7.3f} "
               f"{s.p50:6.2f} {s.p99:6.2f}")
        if words and lang in words:
            w = words[lang]
            row += f"   |       {w.top1_rate:5.3f} {w.refusal_rate:6.3f} {w.helpful_rate:7.3f}"
        if base and lang in base:
            b = base[lang]
            row += f"   |      {b.top1_rate:5.3f} {b.refusal_rate:6.3f}"
        lines.append(row)
    return "\n".join(lines)
