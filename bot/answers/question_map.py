"""The question's vector read through a linear map fitted on the dev sets.

multilingual-e5 places texts by their general meaning; a delegate's "the thing you hang
around your neck" and a pack's "Where do I collect my badge?" are near, but not always
nearer than the pack's other entries. The map ``W`` (a 384 x 384 matrix, close to the
identity) turns a question's vector ``v`` into ``W v`` before it is compared with the pack's
texts, which stay as the model embeds them (so the disk cache of a pack's vectors does not
depend on it). It is fitted by ``python -m bench.qa.question_map`` on the dev sets' questions
only: for each, a softmax over its pack's entries (the engine's pooled similarities) that
makes the expected entries likely, regularised towards the identity. It learns what help-desk
questions of any conference have in common (a badge, a shuttle, a prayer room asked in
everyday words), never a pack's names: measured on packs left out of its fit, it moves the
model's own first choice from 0.654 to 0.757 on 6,832 fresh dev questions (``python -m bench.qa.question_map --cv``).

The file holds ``W - I`` in half precision; without it, questions are read as the model
embeds them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

QUESTION_MAP_PATH = Path(__file__).with_name("question_map.npy")


@lru_cache(maxsize=4)
def load_question_map(path: Path = QUESTION_MAP_PATH) -> np.ndarray | None:
    """``W`` (float32), or None when there is no fitted map (yet)."""
    try:
        delta = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if delta.ndim != 2 or delta.shape[0] != delta.shape[1]:
        return None
    return (delta.astype(np.float32) + np.eye(delta.shape[0], dtype=np.float32))


def save_question_map(matrix: np.ndarray, path: Path = QUESTION_MAP_PATH) -> None:
    np.save(path, (matrix - np.eye(matrix.shape[0])).astype(np.float16), allow_pickle=False)
    load_question_map.cache_clear()
