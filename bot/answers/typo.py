"""Typo tolerance: a word the index does not know is replaced by a known word at edit
distance 1 (2 for long words), found through a table of single-character deletions
(the symmetric-delete idea of SymSpell) and confirmed with Damerau-Levenshtein."""

from __future__ import annotations

from collections import defaultdict


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (adjacent swaps count 1), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
        if min(prev) >= limit:
            return limit
    return min(prev[-1], limit)


class Corrector:
    MIN_LEN = 5

    def __init__(self, words: dict[str, int]) -> None:
        """``words``: known word -> frequency (higher wins ties)."""
        self.words = words
        self.table: dict[str, list[str]] = defaultdict(list)
        for w in words:
            if len(w) >= self.MIN_LEN - 1:
                for d in _deletes(w):
                    self.table[d].append(w)

    def correct(self, word: str) -> str | None:
        if word in self.words or len(word) < self.MIN_LEN or word.isdigit():
            return None
        limit = 1 if len(word) < 9 else 2
        candidates: set[str] = set(self.table.get(word, ()))
        for d in _deletes(word):
            if d in self.words:
                candidates.add(d)
            candidates.update(self.table.get(d, ()))
        best: tuple[int, int, str] | None = None
        for c in candidates:
            if abs(len(c) - len(word)) > limit or len(c) < self.MIN_LEN - 1:
                continue
            if c[0] != word[0] and len(word) < 7:
                continue  # short words: only slips after the first letter
            dist = distance(word, c, limit + 1)
            if dist > limit:
                continue
            key = (dist, -self.words[c], c)
            if best is None or key < best:
                best = key
        return best[2] if best else None
