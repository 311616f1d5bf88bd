"""The baseline the issue names: plain BM25 (the ``bm25s`` package) over all of a pack's
texts in all languages, FAQ questions included, with simple tokenisation (casefolded
words; Chinese split into characters) and refusal below a score threshold chosen on the
dev set."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import bm25s
import numpy as np

from bot.answers.index import entries_of
from bot.catalog.models import ContentPack

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[^\W_]+", re.UNICODE)


def simple_tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


class BM25Baseline:
    def __init__(self, pack: ContentPack, threshold: float = 0.0) -> None:
        self.entries = entries_of(pack)
        corpus = []
        for e in self.entries:
            texts = [t for t, _ in e.key_texts + e.body_texts]
            corpus.append(simple_tokens(" ".join(texts)))
        self.retriever = bm25s.BM25()
        self.retriever.index(corpus, show_progress=False)
        self.vocab = {t for doc in corpus for t in doc}
        self.threshold = threshold

    def best(self, question: str) -> tuple[int, float] | None:
        tokens = [t for t in simple_tokens(question) if t in self.vocab]
        if not tokens:
            return None
        scores = self.retriever.get_scores(tokens)
        i = int(np.argmax(scores))
        return i, float(scores[i])

    def answer(self, question: str, lang: str, now: dt.datetime) -> tuple[str, str] | None:
        found = self.best(question)
        if found is None or found[1] < self.threshold:
            return None
        e = self.entries[found[0]]
        return e.type, e.id


def choose_threshold(scored: list[tuple[float | None, bool, bool]]) -> float:
    """The score threshold that maximises correct outcomes on a dev set.

    ``scored``: (best score or None, the best is right, the question is in scope)."""
    candidates = sorted({s for s, _, _ in scored if s is not None})
    best_t, best_ok = 0.0, -1
    for t in [0.0, *candidates, (candidates[-1] + 1.0) if candidates else 1.0]:
        ok = 0
        for score, right, in_scope in scored:
            answered = score is not None and score >= t
            ok += (answered and right) if in_scope else (not answered)
        if ok > best_ok:
            best_t, best_ok = t, ok
    return best_t
