"""Questions the bot could not answer, kept for organisers (text, language, time; no identity)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.clock import Clock
from bot.store.db import Database
from bot.store.models import UnansweredQuestion

MAX_TEXT = 1000


def normalise(text: str) -> str:
    """A grouping key: case, accents, punctuation and spacing do not split a group."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in folded if not unicodedata.combining(c))
    kept = re.sub(r"[^\w\s]", " ", kept)
    return " ".join(kept.split())[:300]


@dataclass(frozen=True)
class QuestionGroup:
    normalised: str
    example: str
    count: int
    languages: list[str]
    last_asked: dt.datetime


class QuestionLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(self, text: str, language: str, content_version: str = "") -> None:
        text = text.strip()
        if not text:
            return
        async with self.db.session() as s:
            s.add(
                UnansweredQuestion(
                    text=text[:MAX_TEXT],
                    normalised=normalise(text) or text[:300],
                    language=language,
                    content_version=content_version[:32],
                    asked_at=self.clock.now(),
                )
            )

    async def groups(self, limit: int = 50, since: dt.datetime | None = None) -> list[QuestionGroup]:
        """Most asked first; each group shows its latest wording and the languages used."""
        async with self.db.session() as s:
            query = select(
                UnansweredQuestion.normalised,
                func.count().label("n"),
                func.max(UnansweredQuestion.asked_at).label("last"),
            ).group_by(UnansweredQuestion.normalised)
            if since is not None:
                query = query.where(UnansweredQuestion.asked_at >= since)
            rows = (
                await s.execute(query.order_by(func.count().desc(), func.max(UnansweredQuestion.asked_at).desc()).limit(limit))
            ).all()
            groups = []
            for norm, count, last in rows:
                members = (
                    await s.execute(
                        select(UnansweredQuestion.text, UnansweredQuestion.language)
                        .where(UnansweredQuestion.normalised == norm)
                        .order_by(UnansweredQuestion.asked_at.desc())
                        .limit(20)
                    )
                ).all()
                last_at = last if isinstance(last, dt.datetime) else dt.datetime.fromisoformat(str(last))
                if last_at.tzinfo is None:
                    last_at = last_at.replace(tzinfo=dt.UTC)
                groups.append(
                    QuestionGroup(
                        normalised=norm,
                        example=members[0][0] if members else norm,
                        count=int(count),
                        languages=sorted({lang for _, lang in members}),
                        last_asked=last_at,
                    )
                )
            return groups
