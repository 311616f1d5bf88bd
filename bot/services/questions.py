"""Questions the bot could not answer, kept for organisers: the text, its language, the content
version and the hour it was asked; nothing that says who asked.

The time is kept to the hour (:func:`hour_of`), never to the second: ``people.last_seen_at``
comes from the same clock, and an exact time would tell whose question it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.normalize import phrase_key
from bot.clock import Clock
from bot.services.storable import storable
from bot.store.db import Database
from bot.store.models import UnansweredQuestion

MAX_TEXT = 1000
MEMBERS_SHOWN = 20  # the askings a group's example and languages are taken from


def normalise(text: str) -> str:
    """A grouping key: case, accents, punctuation and spacing do not split a group."""
    return phrase_key(text)


def hour_of(when: dt.datetime) -> dt.datetime:
    """The start of the (UTC) hour of ``when``: the only time kept with a question."""
    return when.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class QuestionGroup:
    normalised: str
    example: str
    count: int
    languages: list[str]
    last_asked: dt.datetime
    latest_id: int = 0  # the id of its latest asking (names the group in a button)
    #: (text, language) of its latest askings, newest first (at most MEMBERS_SHOWN)
    members: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QuestionCluster:
    """Groups of unanswered questions that say nearly the same thing, most asked first."""

    groups: tuple[QuestionGroup, ...]

    @property
    def lead(self) -> QuestionGroup:
        return self.groups[0]

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def keys(self) -> list[str]:
        return [g.normalised for g in self.groups]

    @property
    def languages(self) -> list[str]:
        return sorted({lang for g in self.groups for lang in g.languages})

    @property
    def last_asked(self) -> dt.datetime:
        return max(g.last_asked for g in self.groups)

    def phrasings(self) -> list[tuple[str, str]]:
        """Each distinct wording once (text, language), the most asked group's first."""
        seen: set[str] = set()
        out = []
        for g in self.groups:
            for text, lang in g.members or ((g.example, g.languages[0] if g.languages else ""),):
                key = normalise(text)
                if key not in seen:
                    seen.add(key)
                    out.append((text, lang))
        return out


#: two groups join a cluster when their words overlap this much (Jaccard on word stems)
SIMILAR = 0.5


def _words(text: str, lang: str) -> frozenset[str]:
    from bot.answers.normalize import tokenize

    return frozenset(tok.key for tok in tokenize(text, lang or "en") if not tok.stop and tok.key)


def cluster(groups: list[QuestionGroup], similar: float = SIMILAR) -> list[QuestionCluster]:
    """Groups joined when their words (stems, without stopwords) overlap at least ``similar``
    with a cluster's first group; in the order of ``groups`` (most asked first)."""
    built: list[tuple[frozenset[str], list[QuestionGroup]]] = []
    for g in groups:
        words = _words(g.example, g.languages[0] if g.languages else "en")
        for lead, members in built:
            union = lead | words
            if union and len(lead & words) / len(union) >= similar:
                members.append(g)
                break
        else:
            built.append((words, [g]))
    return [QuestionCluster(tuple(members)) for _, members in built]


class QuestionLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(self, text: str, language: str, content_version: str = "") -> None:
        text = storable(text).strip()
        if not text:
            return
        async with self.db.session() as s:
            s.add(
                UnansweredQuestion(
                    text=text[:MAX_TEXT],
                    normalised=normalise(text) or text[:300],
                    language=language,
                    content_version=content_version[:32],
                    asked_at=hour_of(self.clock.now()),
                )
            )

    async def normalised_of(self, question_id: int) -> str | None:
        """The grouping key of a kept question, or None when it is gone (attached)."""
        async with self.db.session() as s:
            return await s.scalar(select(UnansweredQuestion.normalised).where(UnansweredQuestion.id == question_id))

    async def clusters(self, limit: int = 200) -> list[QuestionCluster]:
        """The unanswered questions grouped by similarity (of the ``limit`` most asked groups)."""
        return cluster(await self.groups(limit=limit))

    async def groups(self, limit: int = 50, since: dt.datetime | None = None) -> list[QuestionGroup]:
        """Most asked first; each group shows its latest wording and the languages of its
        latest ``MEMBERS_SHOWN`` askings. Two queries, whatever the number of groups."""
        async with self.db.session() as session:
            query = select(
                UnansweredQuestion.normalised,
                func.count().label("n"),
                func.max(UnansweredQuestion.asked_at).label("last"),
            ).group_by(UnansweredQuestion.normalised)
            if since is not None:
                query = query.where(UnansweredQuestion.asked_at >= since)
            rows = (
                await session.execute(
                    query.order_by(
                        func.count().desc(),
                        func.max(UnansweredQuestion.asked_at).desc(),
                        func.max(UnansweredQuestion.id).desc(),  # within the same hour: the latest
                    ).limit(limit)
                )
            ).all()
            members = await self._latest_members(session, [norm for norm, _, _ in rows])
        groups = []
        for norm, count, last in rows:
            latest = members.get(norm, [])
            last_at = last if isinstance(last, dt.datetime) else dt.datetime.fromisoformat(str(last))
            if last_at.tzinfo is None:
                last_at = last_at.replace(tzinfo=dt.UTC)
            groups.append(
                QuestionGroup(
                    normalised=norm,
                    example=latest[0][0] if latest else norm,
                    count=int(count),
                    languages=sorted({lang for _, lang, _ in latest}),
                    last_asked=last_at,
                    latest_id=latest[0][2] if latest else 0,
                    members=tuple((text, lang) for text, lang, _ in latest),
                )
            )
        return groups

    @staticmethod
    async def _latest_members(session: AsyncSession, keys: list[str]) -> dict[str, list[tuple[str, str, int]]]:
        """(text, language, id) of the latest askings of each group, newest first, in one query."""
        if not keys:
            return {}
        newest_first = func.row_number().over(
            partition_by=UnansweredQuestion.normalised,
            order_by=(UnansweredQuestion.asked_at.desc(), UnansweredQuestion.id.desc()),
        )
        ranked = (
            select(
                UnansweredQuestion.normalised,
                UnansweredQuestion.text,
                UnansweredQuestion.language,
                UnansweredQuestion.id,
                newest_first.label("rank"),
            )
            .where(UnansweredQuestion.normalised.in_(keys))
            .subquery()
        )
        found: dict[str, list[tuple[str, str, int]]] = {}
        result = await session.execute(
            select(ranked.c.normalised, ranked.c.text, ranked.c.language, ranked.c.id)
            .where(ranked.c["rank"] <= MEMBERS_SHOWN)
            .order_by(ranked.c.normalised, ranked.c["rank"])
        )
        for norm, text, language, id_ in result.all():
            found.setdefault(norm, []).append((text, language, int(id_)))
        return found
