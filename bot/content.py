"""The content in service: the pack and everything derived from it, swapped atomically.

A reload builds the new pack *and* its answer index first; only when both succeed does the
new content replace the old in one assignment. A broken pack is refused with its problems
and the previous content keeps serving.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.answers import AnswerEngine
from bot.catalog.loader import PackError, Problem, load_pack
from bot.catalog.models import ContentPack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    pack: ContentPack
    engine: AnswerEngine
    loaded_at: dt.datetime


def build_content(directory: Path) -> Content:
    pack = load_pack(directory)
    return Content(pack=pack, engine=AnswerEngine(pack), loaded_at=dt.datetime.now(dt.UTC))


class ContentHolder:
    def __init__(self, directory: Path, content: Content) -> None:
        self.directory = Path(directory)
        self.current = content
        self.last_error_count = 0

    @classmethod
    def load(cls, directory: Path) -> ContentHolder:
        """Load at start-up; a broken pack raises :class:`PackError` (nothing to fall back on)."""
        return cls(directory, build_content(Path(directory)))

    def reload(self) -> list[Problem]:
        """Load the pack again; returns its problems (then nothing changed) or []."""
        try:
            content = build_content(self.directory)
        except PackError as exc:
            self.last_error_count = len(exc.problems)
            log.warning("content reload refused: %d problem(s)", len(exc.problems))
            return list(exc.problems)
        self.current = content
        self.last_error_count = 0
        log.info("content reloaded: version %s", content.pack.version)
        return []
