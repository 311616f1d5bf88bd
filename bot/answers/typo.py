"""Typo tolerance: a word the index does not know is replaced by a known word at edit
distance 1 (2 for long words), found through a table of single-character deletions
(the symmetric-delete idea of SymSpell) and confirmed with the optimal string alignment
distance of ``rapidfuzz`` (Damerau-Levenshtein where a swap of two neighbours counts one).

Measured against the library alone (``python -m bench.qa.libraries``): rapidfuzz's search
over the whole vocabulary finds the same corrections on the dev sets but takes 15 to 35
times longer per word than this table (two runs on a loaded machine); its distance is the same as the one we wrote, ~40 times
faster. So the table stays ours (the rules of what to correct are ours too: short words,
first letters, the pack's frequencies) and the distance is the library's."""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz.distance import OSA


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (adjacent swaps count 1), capped at ``limit``."""
    return OSA.distance(a, b, score_cutoff=limit - 1)


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
