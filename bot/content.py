"""The content in service: the pack and its answer engine, swapped together.

A thin layer over :class:`bot.catalog.loader.PackHolder`: the answer engine is a *prepare
hook*, so a reload builds the new pack and its index first and swaps both in one assignment;
a broken pack (or an index that cannot be built) is refused and the old content keeps serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.answers import AnswerEngine
from bot.answers.semantic import DEFAULT_CACHE_DIR
from bot.catalog.loader import PackHolder, Problem
from bot.catalog.models import ContentPack
from bot.clock import Clock


@dataclass(frozen=True)
class Content:
    pack: ContentPack
    engine: AnswerEngine
    loaded_at: dt.datetime


def _preparer(semantic: bool, cache_dir: Path | None, clock: Clock) -> Callable[[ContentPack], Content]:
    def prepare(pack: ContentPack) -> Content:
        engine = AnswerEngine(pack, semantic=semantic, cache_dir=cache_dir)
        engine.warm_up()  # typo tables now, during the (re)load, not on a delegate's first question
        if engine.semantic is not None:
            # the model's vectors of the pack's texts (seconds the first time, then from the
            # disk cache) are built in the background: until a language is ready its
            # questions are answered from their words alone, never kept waiting
            engine.semantic.blocking = False
            engine.semantic.warm_in_background()
        return Content(pack=pack, engine=engine, loaded_at=clock.now())

    return prepare


class ContentHolder:
    def __init__(self, holder: PackHolder) -> None:
        self._holder = holder
        self.last_error_count = 0

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
        prepare = _preparer(semantic, cache_dir, clock or Clock())
        return cls(PackHolder.load(Path(directory), prepare={"content": prepare}))

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

    async def reload_async(self) -> list[Problem]:
        """:meth:`reload` in a worker thread: building the index takes a second or more, and
        the bot keeps answering meanwhile (with the old content until the swap)."""
        return await asyncio.to_thread(self.reload)
