"""Learning from the event (#16.5): phrasings attached by organisers to pack entries.

An organiser attaches a group of unanswered questions to the entry that should have answered
it (``/unanswered``); the questions become phrasings of that entry in ``learnt_phrasings``,
an overlay of the content pack kept per event, and leave the unanswered list in the same
transaction. The answer engine reads the overlay when it is built
(:class:`bot.content.ContentHolder`): the process where the organiser acted rebuilds at once,
every other process at its next refresh (:data:`REFRESH_SECONDS`) or reload.

:func:`export_yaml` writes the overlay back in the pack's format (``faq.yaml``'s
``questions:`` per language) for the pack's next version. No Telegram here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from sqlalchemy import delete, func, select

from bot.answers.index import Phrasings
from bot.clock import Clock
from bot.services.audit import Actor
from bot.services.questions import normalise
from bot.services.storable import storable
from bot.store.db import Database
from bot.store.models import LearntPhrasing, UnansweredQuestion

#: how often a running bot checks for phrasings attached by another process
REFRESH_SECONDS = 60
MAX_TEXT = 1000
ENTRY_TYPES = ("faq", "session", "venue", "room", "contact")


@dataclass(frozen=True)
class Learnt:
    entry_type: str
    entry_id: str
    text: str
    language: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class Attached:
    """What an attachment did: phrasings added, already known, unanswered questions cleared."""

    added: int
    known: int
    cleared: int


#: what identifies the state of an event's overlay (its number of rows and newest id)
Stamp = tuple[int, int]


class PhrasingStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def attach(
        self,
        event_id: str,
        entry_type: str,
        entry_id: str,
        questions: Sequence[tuple[str, str]],
        by: Actor,
        clear: Sequence[str] = (),
    ) -> Attached:
        """Add ``questions`` ((text, language)) as phrasings of the entry, skipping those it
        already has, and remove the unanswered questions whose grouping key is in ``clear``,
        in one transaction. The caller checks the role and that the entry exists."""
        if entry_type not in ENTRY_TYPES:
            raise ValueError(f"not an entry type: {entry_type!r}")
        added = known = 0
        async with self.db.session() as s:
            existing = set(
                await s.scalars(
                    select(LearntPhrasing.normalised).where(
                        LearntPhrasing.event_id == event_id,
                        LearntPhrasing.entry_type == entry_type,
                        LearntPhrasing.entry_id == entry_id,
                    )
                )
            )
            now = self.clock.now()
            for text, language in questions:
                text = storable(text).strip()[:MAX_TEXT]
                key = normalise(text) or text[:300]
                if not text or key in existing:
                    known += 1
                    continue
                existing.add(key)
                s.add(LearntPhrasing(event_id=event_id, entry_type=entry_type, entry_id=entry_id, text=text,
                                     normalised=key, language=language[:8], added_by=by.name, added_at=now))
                added += 1
            cleared = 0
            if clear:
                result = await s.execute(delete(UnansweredQuestion).where(UnansweredQuestion.normalised.in_(list(clear))))
                cleared = int(getattr(result, "rowcount", 0) or 0)
        return Attached(added, known, cleared)

    async def learnt(self, event_id: str) -> list[Learnt]:
        async with self.db.session() as s:
            rows = await s.scalars(
                select(LearntPhrasing).where(LearntPhrasing.event_id == event_id).order_by(LearntPhrasing.id)
            )
            return [Learnt(r.entry_type, r.entry_id, r.text, r.language, r.added_by, r.added_at) for r in rows]

    async def overlay(self, event_id: str) -> tuple[Stamp, Phrasings]:
        """The event's phrasings as the engine takes them, with the stamp of that state."""
        found: dict[tuple[str, str], list[tuple[str, str]]] = {}
        rows = await self.learnt(event_id)
        for r in rows:
            found.setdefault((r.entry_type, r.entry_id), []).append((r.text, r.language))
        return await self.stamp(event_id), found

    async def stamp(self, event_id: str) -> Stamp:
        """Cheap to read: a process compares it with the one its engine was built from."""
        async with self.db.session() as s:
            count, newest = (
                await s.execute(
                    select(func.count(), func.coalesce(func.max(LearntPhrasing.id), 0)).where(
                        LearntPhrasing.event_id == event_id
                    )
                )
            ).one()
        return int(count), int(newest)


def export_yaml(rows: Sequence[Learnt], event_id: str) -> str:
    """The learnt phrasings in the pack's format: FAQ entries as ``faq.yaml`` has them (``id``
    and ``questions`` per language, to merge into the entries of the same id), the other
    kinds of entry under their own key, each phrasing with who added it in a comment-free
    ``learnt`` list for review."""
    by_entry: dict[tuple[str, str], dict[str, list[str]]] = {}
    for r in rows:
        by_entry.setdefault((r.entry_type, r.entry_id), {}).setdefault(r.language, []).append(r.text)
    faq = [{"id": entry_id, "questions": langs} for (kind, entry_id), langs in by_entry.items() if kind == "faq"]
    others: dict[str, list[dict[str, object]]] = {}
    for (kind, entry_id), langs in by_entry.items():
        if kind != "faq":
            others.setdefault(kind, []).append({"id": entry_id, "questions": langs})
    document: dict[str, object] = {"event": event_id, "faq": faq}
    document.update(others)
    document["learnt"] = [
        {"entry": f"{r.entry_type}:{r.entry_id}", "text": r.text, "language": r.language, "added_by": r.added_by,
         "added_at": r.added_at.astimezone(dt.UTC).isoformat(timespec="seconds")}
        for r in rows
    ]
    header = (f"# Phrasings learnt during the event {event_id}: questions the assistant could not answer,\n"
              "# attached by organisers to the entry that should have answered them. Merge each FAQ entry's\n"
              "# questions into faq.yaml (same id) for the pack's next version; `learnt` says who added what.\n")
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
