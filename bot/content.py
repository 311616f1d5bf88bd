"""The content in service: the pack and its answer engine, swapped together.

A thin layer over :class:`bot.catalog.loader.PackHolder`: the answer engine is a *prepare
hook*, so a reload builds the new pack and its index first and swaps both in one assignment;
a broken pack (or an index that cannot be built) is refused and the old content keeps serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.answers import AnswerEngine
from bot.answers.index import Phrasings
from bot.answers.semantic import DEFAULT_CACHE_DIR
from bot.catalog.loader import PackHolder, Problem
from bot.catalog.models import ContentPack
from bot.clock import Clock


@dataclass(frozen=True)
class Content:
    pack: ContentPack
    engine: AnswerEngine
    loaded_at: dt.datetime
    #: the state of the learnt phrasings the engine was built with (bot.services.phrasings)
    phrasings_stamp: tuple[int, int] = (0, 0)


#: the learnt phrasings of an event: (stamp, overlay)
Overlay = tuple[tuple[int, int], Phrasings]


def _preparer(semantic: bool, cache_dir: Path | None, clock: Clock,
              overlays: Mapping[str, Overlay]) -> Callable[[ContentPack], Content]:
    def prepare(pack: ContentPack) -> Content:
        stamp, extra = overlays.get(pack.event.id, ((0, 0), {}))
        engine = AnswerEngine(pack, semantic=semantic, cache_dir=cache_dir, extra_phrasings=extra or None)
        engine.warm_up()  # typo tables now, during the (re)load, not on a delegate's first question
        if engine.semantic is not None:
            # the model's vectors of the pack's texts (seconds the first time, then from the
            # disk cache) are built in the background: until a language is ready its
            # questions are answered from their words alone, never kept waiting
            engine.semantic.blocking = False
            engine.semantic.warm_in_background()
        return Content(pack=pack, engine=engine, loaded_at=clock.now(), phrasings_stamp=stamp)

    return prepare


class ContentHolder:
    def __init__(self, holder: PackHolder, overlays: dict[str, Overlay] | None = None,
                 prepare: Callable[[ContentPack], Content] | None = None) -> None:
        self._holder = holder
        self.last_error_count = 0
        #: learnt phrasings per event id, as last read from the database (see use_phrasings);
        #: the prepare hook reads them at every build
        self._overlays: dict[str, Overlay] = overlays if overlays is not None else {}
        self._prepare = prepare

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        semantic: bool = True,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        clock: Clock | None = None,
    ) -> ContentHolder:
        """Load at start-up; a broken pack raises ``PackError`` (there is nothing to fall back on).
        ``clock`` dates each load (``loaded_at``); the real clock unless one is injected."""
        overlays: dict[str, Overlay] = {}
        prepare = _preparer(semantic, cache_dir, clock or Clock(), overlays)
        return cls(PackHolder.load(Path(directory), prepare={"content": prepare}), overlays, prepare)

    @property
    def current(self) -> Content:
        return self._holder.current["content"]

    @property
    def directory(self) -> Path:
        return Path(self._holder.path)

    def reload(self) -> list[Problem]:
        """Load the pack again; returns its errors (then nothing changed) or []."""
        result = self._holder.reload(force=True)
        self.last_error_count = len(result.errors)
        return list(result.errors)

    def use_phrasings(self, event_id: str, overlay: Overlay) -> bool:
        """Rebuild the engine of the pack in service with the learnt phrasings ``overlay`` of
        ``event_id`` (read by the caller from the database), unless it was built with that
        very state; from now on every reload uses them too. True if it was rebuilt. Blocking:
        a second or so (:meth:`use_phrasings_async`)."""
        self._overlays[event_id] = overlay
        if self._prepare is None or self.current.pack.event.id != event_id or self.current.phrasings_stamp == overlay[0]:
            return False
        self._holder.add_prepare("content", self._prepare)  # rebuilds from the pack in service, then swaps
        return True

    async def use_phrasings_async(self, event_id: str, overlay: Overlay) -> bool:
        return await asyncio.to_thread(self.use_phrasings, event_id, overlay)

    async def reload_async(self) -> list[Problem]:
        """:meth:`reload` in a worker thread: building the index takes a second or more, and
        the bot keeps answering meanwhile (with the old content until the swap)."""
        return await asyncio.to_thread(self.reload)
