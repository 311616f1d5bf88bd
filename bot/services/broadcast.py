"""Organiser broadcasts: compose, check, release to the outbox, follow, correct, recall. No Telegram.

A broadcast is a row (:class:`~bot.store.models.Broadcast`) with its audience (a spec, see
:data:`AUDIENCES`), a text per language, an optional session-card button and attachment, and
a schedule. Releasing it writes one outbox row per recipient (key ``broadcast:<id>:<person>``,
group ``bc<id>``) in the same transaction as its state change: once per recipient, across
restarts. Rows are rendered at send time (:meth:`BroadcastService.render`) in each person's
language of that moment, else the pack's default language.

Texts are measured in UTF-16 units (:mod:`bot.telegram_text`): a text over 4,096 units (1,024
with an attachment, where it is the caption) is *refused* in the preview, never split, so a
broadcast stays one message per person (which a correction edits and a recall deletes).

Lifecycle: draft -> (approval, when the audience is larger than ``approval_above``) ->
scheduled (its rows wait in the outbox until ``send_at``) -> sending -> done; anything not done
can be cancelled (:meth:`Outbox.cancel` of the group: the sender drops rows not yet out, so a
running broadcast stops within a second). A scheduled broadcast goes back to draft to be
edited until it starts. After sending, :meth:`correct` edits and :meth:`recall` deletes the
delivered messages (rows of their own, through the same sender).
"""

from __future__ import annotations

import datetime as dt
import enum
import html
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.catalog.models import ContentPack
from bot.clock import Clock
from bot.content import ContentHolder
from bot.delivery.message import Button, Message, Skip
from bot.delivery.outbox import BLOCKED, Outbox, Recipient, RenderRequest
from bot.i18n import LANGUAGES, translator
from bot.services.agenda import followers_of
from bot.services.liaison import PROMPTS
from bot.store.db import Database
from bot.store.models import (
    Broadcast,
    BroadcastReceipt,
    BroadcastState,
    BroadcastStep,
    CoverKind,
    Delegation,
    DeliveryState,
    LiaisonDraft,
    OfficerCover,
    OutboxMessage,
    Person,
    Priority,
    Role,
)
from bot.telegram_text import CAPTION, MESSAGE_TEXT, cut, units, visible_units

KIND = "broadcast"
#: button codes (handlers.Action): a session's card, and a recipient's "confirm receipt"
SESSION_CODE = "sess"
CONFIRM_CODE = "bcack"
MAX_IDS = 500
MAX_CHASE_MIN = 7 * 24 * 60
QUOTE = 300  # units of the text quoted in a chase-up
FOLLOW_RECEIPTS = dt.timedelta(days=2)  # a sent broadcast's report shows new confirmations this long
LIVE = (DeliveryState.PENDING, DeliveryState.CLAIMED, DeliveryState.SENDING)
#: what an organiser can be asked to type next (see :class:`~bot.store.models.BroadcastStep`)
STEPS = frozenset({"text", "fix", "deleg", "ids", "follow", "time", "sess", "chase", "any"})
#: a step asked longer ago than this no longer stands: the message goes to the questions
STEP_TTL = dt.timedelta(hours=4)
#: a message on its way when its broadcast is corrected may carry the old text: its edit is
#: rendered this long after, once the message's outcome is recorded (a send ends within its
#: timeouts), and skipped if it went out with the new text in the first place
IN_FLIGHT_SETTLE = dt.timedelta(seconds=60)


class Problem(enum.StrEnum):
    NOT_ORGANISER = "not_organiser"
    NOT_FOUND = "not_found"
    NOT_EDITABLE = "not_editable"  # started, sent, cancelled, or someone else's draft
    EMPTY_TEXT = "empty_text"
    TOO_LONG = "too_long"
    NO_DEFAULT_TEXT = "no_default_text"
    NOBODY = "nobody"
    PAST = "past"
    BAD_AUDIENCE = "bad_audience"
    OWN_APPROVAL = "own_approval"
    NOT_AWAITING_APPROVAL = "not_awaiting_approval"
    NOT_SENT = "not_sent"
    RECALLED = "recalled"
    NOT_A_RECIPIENT = "not_a_recipient"
    NO_APPROVER = "no_approver"  # approval needed, and no other organiser to give it


class BroadcastError(Exception):
    """A refused step; ``problem`` says which, ``detail`` what it concerns (a language, ids)."""

    def __init__(self, problem: Problem, detail: str = "", *, limit: int = 0, length: int = 0) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem
        self.detail = detail
        self.limit = limit
        self.length = length


# -- audiences ---------------------------------------------------------------------------------
#: an audience kind: its spec in, the ids (Person.id) of the people it reaches out
Resolver = Callable[[AsyncSession, dict[str, Any], ContentPack], Awaitable[list[int]]]
AUDIENCES: dict[str, Resolver] = {}


def audience_kind(name: str) -> Callable[[Resolver], Resolver]:
    """Register an audience kind: a resolver gets the database session, the audience's spec
    and the pack in service (see ``_followers``)."""

    def register(resolver: Resolver) -> Resolver:
        AUDIENCES[name] = resolver
        return resolver

    return register


async def _ids(session: AsyncSession, *where: Any) -> list[int]:
    return list((await session.scalars(select(Person.id).where(*where).order_by(Person.id))).all())


@audience_kind("everyone")
async def _everyone(session: AsyncSession, spec: dict[str, Any], pack: ContentPack) -> list[int]:
    return await _ids(session)


@audience_kind("role")
async def _role(session: AsyncSession, spec: dict[str, Any], pack: ContentPack) -> list[int]:
    return await _ids(session, Person.role == Role(spec["role"]))


@audience_kind("language")
async def _language(session: AsyncSession, spec: dict[str, Any], pack: ContentPack) -> list[int]:
    return await _ids(session, Person.language == spec["language"])


@audience_kind("delegations")
async def _delegations(session: AsyncSession, spec: dict[str, Any], pack: ContentPack) -> list[int]:
    codes = [c.upper() for c in spec["codes"]]
    found = select(Delegation.id).where(func.upper(Delegation.code).in_(codes))
    return await _ids(session, Person.delegation_id.in_(found))


@audience_kind("people")
async def _people(session: AsyncSession, spec: dict[str, Any], pack: ContentPack) -> list[int]:
    return await _ids(session, Person.telegram_id.in_([int(i) for i in spec["ids"]]))


@audience_kind("followers")
async def _followers(session: AsyncSession, spec: dict[str, Any], pack: ContentPack) -> list[int]:
    """Who follows a session of the programme (bot.services.agenda: by choice, by the pack's
    automatic follows, through their delegation's focal point; opt-outs left out)."""
    return await followers_of(session, str(spec["session"]), pack)


def audience_of_session(pack: ContentPack, text: str) -> dict[str, Any]:
    """A session typed by an organiser, by its id or words of its title only it has: its
    followers. Anything else is refused (several sessions: with their ids to choose from)."""
    found = pack.find_sessions(text)
    if len(found) != 1:
        raise BroadcastError(Problem.BAD_AUDIENCE, text.strip()[:50] + (
            " → " + ", ".join(s.id for s in found) if found else ""))
    return {"kind": "followers", "session": found[0].id}


def audience_of_role(role: str) -> dict[str, Any]:
    return {"kind": "role", "role": Role(role).value}


def audience_of_language(code: str) -> dict[str, Any]:
    if code not in LANGUAGES:
        raise BroadcastError(Problem.BAD_AUDIENCE, code)
    return {"kind": "language", "language": code}


def parse_words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", text.strip()) if w]


async def audience_of_delegations(db: Database, text: str) -> dict[str, Any]:
    """Delegation codes typed by an organiser; an unknown code is refused (named)."""
    codes = sorted({w.upper() for w in parse_words(text)})
    if not codes or len(codes) > MAX_IDS:
        raise BroadcastError(Problem.BAD_AUDIENCE, text[:50])
    async with db.session() as s:
        known = set((await s.scalars(select(func.upper(Delegation.code)).where(func.upper(Delegation.code).in_(codes)))).all())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BroadcastError(Problem.BAD_AUDIENCE, ", ".join(unknown[:10]))
    return {"kind": "delegations", "codes": codes}


def audience_of_ids(text: str) -> dict[str, Any]:
    """Telegram user ids typed by an organiser (numbers, separated by spaces or commas)."""
    words = parse_words(text)
    bad = [w for w in words if not re.fullmatch(r"\d{1,15}", w)]
    if not words or bad or len(words) > MAX_IDS:
        raise BroadcastError(Problem.BAD_AUDIENCE, ", ".join(bad[:10]) or text[:50])
    return {"kind": "people", "ids": sorted({int(w) for w in words})}


# -- reading a broadcast -----------------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    """What rendering needs of a broadcast (cached by the renderer)."""

    id: int
    state: BroadcastState
    texts: dict[str, str]
    session_id: str | None
    attachment_kind: str | None
    attachment: str | None
    ask_confirm: bool
    paid: bool
    recalled: bool
    revision: int

    @classmethod
    def of(cls, b: Broadcast) -> Snapshot:
        return cls(b.id, b.state, dict(b.texts), b.session_id, b.attachment_kind, b.attachment, b.ask_confirm,
                   b.paid, b.recalled_at is not None, b.revision)


@dataclass(frozen=True)
class Step:
    """What an organiser is asked to type next, for which broadcast, in which language."""

    what: str
    broadcast_id: int
    language: str = ""


@dataclass(frozen=True)
class Preview:
    """Each language's message as its readers will get it, and what is wrong or missing."""

    messages: dict[str, Message]
    missing: list[str]  # the pack's languages without a variant (their readers get the default)
    default: str
    problems: list[BroadcastError] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    blocked: int
    cancelled: int
    remaining: int
    seconds_left: float
    finished: bool


@dataclass(frozen=True)
class Released:
    state: BroadcastState
    recipients: int


@dataclass(frozen=True)
class Recall:
    deleting: int  # delivered messages that will be deleted
    stopped: int  # not sent yet: will never go
    in_flight: int  # out at this moment: deleted as soon as they are delivered


@dataclass(frozen=True)
class ReportRow:
    telegram_id: int
    name: str
    delegation: str
    language: str
    state: str
    error: str
    sent_at: dt.datetime | None
    message_id: int | None
    confirmed_at: dt.datetime | None


class BroadcastService:
    """See the module docstring. ``approval_above``: an audience larger than this needs a second
    organiser (0: never); ``paid_allowed``: the setting that lets an organiser enable
    ``allow_paid_broadcast``; ``rate`` and ``paid_rate``: messages a second, for "time left"."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        content: ContentHolder,
        *,
        approval_above: int = 0,
        paid_allowed: bool = False,
        rate: float = 30.0,
        paid_rate: float = 1000.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.content = content
        self.approval_above = approval_above
        self.paid_allowed = paid_allowed
        self.rate = rate or 30.0
        self.paid_rate = paid_rate or 1000.0
        self._cache: dict[int, tuple[float, Snapshot]] = {}
        outbox.renderers.register(KIND, self.render)

    # -- reading ---------------------------------------------------------------------------
    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self.db.session() as s:
            return await s.get(Broadcast, broadcast_id)

    async def draft_of(self, author: Person) -> Broadcast | None:
        """The author's draft being composed, if any (the newest)."""
        async with self.db.session() as s:
            return await s.scalar(select(Broadcast).where(
                Broadcast.author_id == author.id, Broadcast.state == BroadcastState.DRAFT).order_by(Broadcast.id.desc()))

    async def recent(self, limit: int = 10) -> list[Broadcast]:
        async with self.db.session() as s:
            return list((await s.scalars(select(Broadcast).where(Broadcast.state != BroadcastState.DRAFT)
                                          .order_by(Broadcast.id.desc()).limit(limit))).all())

    @staticmethod
    async def _organiser(s: AsyncSession, person: Person) -> Person:
        fresh = await s.get(Person, person.id, populate_existing=True)
        if fresh is None or fresh.role != Role.ORGANISER:
            raise BroadcastError(Problem.NOT_ORGANISER)
        return fresh

    async def _load(self, s: AsyncSession, broadcast_id: int, *, lock: bool = True) -> Broadcast:
        stmt = select(Broadcast).where(Broadcast.id == broadcast_id)
        if lock and s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        b = await s.scalar(stmt.execution_options(populate_existing=True))
        if b is None:
            raise BroadcastError(Problem.NOT_FOUND, str(broadcast_id))
        return b

    async def _draft(self, s: AsyncSession, author: Person, broadcast_id: int) -> Broadcast:
        await self._organiser(s, author)
        b = await self._load(s, broadcast_id)
        if b.state != BroadcastState.DRAFT or b.author_id != author.id:
            raise BroadcastError(Problem.NOT_EDITABLE, str(broadcast_id))
        return b

    # -- what the author is asked to type next ----------------------------------------------
    async def ask_for(self, person: Person, broadcast_id: int, what: str, language: str = "", *,
                      keep: bool = False) -> None:
        """Record that ``person`` is asked to type ``what`` next for this broadcast, in place of
        what they were asked before (one step per person, in the database: a restart keeps it).
        ``keep``: a step asked for this same broadcast less than :data:`STEP_TTL` ago stays as
        it is (the draft's panel shown again asks for ``any`` only when nothing more precise is
        asked); its time is renewed all the same, since that panel is the latest prompt."""
        if what not in STEPS:
            raise ValueError(f"not a broadcast step: {what}")
        async with self.db.session() as s:
            now = self.clock.now()
            row = await s.get(BroadcastStep, person.id, populate_existing=True)
            if row is None:
                s.add(BroadcastStep(person_id=person.id, broadcast_id=broadcast_id, step=what, language=language,
                                    updated_at=now))
                return
            if not (keep and row.broadcast_id == broadcast_id and row.updated_at > now - STEP_TTL):
                row.broadcast_id, row.step, row.language = broadcast_id, what, language
            row.updated_at = now

    async def step(self, person: Person) -> Step | None:
        """What ``person`` was asked to type next, if it still stands: asked less than
        :data:`STEP_TTL` ago, the person still an organiser, the broadcast still a draft of
        theirs (for a correction: sent, and not recalled), and no liaison draft that says what
        their next message is for asked since (the most recent prompt wins; at the same moment,
        the broadcast's). One query, by primary key; a step that no longer stands is deleted
        (the message is then for the liaison request or the questions, as without one)."""
        async with self.db.session() as s:
            found = (await s.execute(
                select(BroadcastStep, Broadcast.state, Broadcast.author_id, Broadcast.recalled_at, Person.role,
                       LiaisonDraft.updated_at)
                .join(Broadcast, Broadcast.id == BroadcastStep.broadcast_id)
                .join(Person, Person.id == BroadcastStep.person_id)
                .outerjoin(LiaisonDraft, (LiaisonDraft.person_id == BroadcastStep.person_id)
                           & LiaisonDraft.mode.in_(sorted(PROMPTS)))
                .where(BroadcastStep.person_id == person.id))).first()
            if found is None:
                return None
            row, state, author_id, recalled_at, role, liaison_asked_at = found
            if row.step == "fix":
                live = state in (BroadcastState.SENDING, BroadcastState.DONE) and recalled_at is None
            else:
                live = state == BroadcastState.DRAFT and author_id == person.id
            stands = (live and role == Role.ORGANISER and row.updated_at > self.clock.now() - STEP_TTL
                      and (liaison_asked_at is None or liaison_asked_at <= row.updated_at))
            if not stands:
                await s.delete(row)
                return None
            return Step(row.step, row.broadcast_id, row.language)

    async def drop_step(self, person: Person) -> None:
        """The person is asked nothing more for a broadcast (answered, sent, cancelled)."""
        async with self.db.session() as s:
            await s.execute(delete(BroadcastStep).where(BroadcastStep.person_id == person.id))

    # -- composing -------------------------------------------------------------------------
    async def start(self, author: Person) -> Broadcast:
        """The author's draft: the one being composed, else a new one (to everyone)."""
        async with self.db.session() as s:
            await self._organiser(s, author)
            found = await s.scalar(select(Broadcast).where(
                Broadcast.author_id == author.id, Broadcast.state == BroadcastState.DRAFT).order_by(Broadcast.id.desc()))
            if found is not None:
                return found
            now = self.clock.now()
            b = Broadcast(author_id=author.id, state=BroadcastState.DRAFT, audience={"kind": "everyone"}, texts={},
                          urgent=False, paid=False, ask_confirm=False, audience_size=0, revision=0,
                          created_at=now, updated_at=now)
            s.add(b)
            await s.flush()
            return b

    async def change(self, author: Person, broadcast_id: int, **values: Any) -> Broadcast:
        """Change a draft's fields (audience, session_id, attachment, urgent, paid, ask_confirm,
        chase_after_min); checked here."""
        allowed = {"audience", "session_id", "attachment_kind", "attachment", "urgent", "paid", "ask_confirm",
                   "chase_after_min"}
        if set(values) - allowed:
            raise ValueError(f"not a draft field: {set(values) - allowed}")
        if "audience" in values and values["audience"].get("kind") not in AUDIENCES:
            raise BroadcastError(Problem.BAD_AUDIENCE, str(values["audience"].get("kind")))
        session_id = values.get("session_id")
        if session_id:  # by its id, or by words of its title only it has
            found = self.content.current.pack.find_sessions(session_id)
            if len(found) != 1 or not callbacks.fits(SESSION_CODE, found[0].id):
                raise BroadcastError(Problem.NOT_FOUND, session_id[:64])
            values["session_id"] = found[0].id
        chase = values.get("chase_after_min")
        if chase is not None and not 1 <= chase <= MAX_CHASE_MIN:
            raise BroadcastError(Problem.PAST, str(chase))
        async with self.db.session() as s:
            b = await self._draft(s, author, broadcast_id)
            for name, value in values.items():
                setattr(b, name, value)
            b.updated_at = self.clock.now()
            await s.flush()
            return b

    async def set_text(self, author: Person, broadcast_id: int, language: str, text: str) -> Broadcast:
        """A language's variant (Telegram HTML); an empty text removes it."""
        if language not in LANGUAGES:
            raise BroadcastError(Problem.BAD_AUDIENCE, language)
        async with self.db.session() as s:
            b = await self._draft(s, author, broadcast_id)
            texts = dict(b.texts)
            if text.strip():
                texts[language] = text
            else:
                texts.pop(language, None)
            b.texts = texts
            b.updated_at = self.clock.now()
            await s.flush()
            return b

    async def audience_size(self, audience: dict[str, Any]) -> int:
        async with self.db.session() as s:
            return len(await self._resolve(s, audience))

    async def _resolve(self, s: AsyncSession, audience: dict[str, Any]) -> list[int]:
        resolver = AUDIENCES.get(str(audience.get("kind")))
        if resolver is None:
            raise BroadcastError(Problem.BAD_AUDIENCE, str(audience.get("kind")))
        return await resolver(s, audience, self.content.current.pack)

    # -- preview and checks ----------------------------------------------------------------
    def message(self, b: Broadcast | Snapshot, language: str, *, edit_message_id: int | None = None) -> Message:
        """The message readers of ``language`` get (the default language's text if it has none)."""
        snap = b if isinstance(b, Snapshot) else Snapshot.of(b)
        pack = self.content.current.pack
        lang = language if language in snap.texts else pack.default_language
        if lang not in snap.texts and snap.texts:
            lang = next(iter(snap.texts))
        # the buttons in the reader's language, even when the text is the default language's
        t = translator(language if language in pack.languages else lang)
        text = snap.texts.get(lang, "")
        rows: list[tuple[Button, ...]] = []
        if snap.session_id and pack.session(snap.session_id) is not None and callbacks.fits(SESSION_CODE, snap.session_id):
            data = callbacks.encode(SESSION_CODE, snap.session_id, pack_version=pack.version)
            rows.append((Button(t._("Open the session"), callback_data=data),))
        if snap.ask_confirm:
            rows.append((Button(t._("Confirm receipt"), callback_data=callbacks.encode(CONFIRM_CODE, str(snap.id))),))
        if edit_message_id is not None:
            return Message(text, buttons=tuple(rows), edit_message_id=edit_message_id, language=lang)
        paid = snap.paid and self.paid_allowed
        if snap.attachment_kind == "photo":
            return Message(text, buttons=tuple(rows), photo=snap.attachment, allow_paid_broadcast=paid, language=lang)
        if snap.attachment_kind == "document":
            return Message(text, buttons=tuple(rows), document=snap.attachment, allow_paid_broadcast=paid,
                           language=lang)
        return Message(text or "-", buttons=tuple(rows), allow_paid_broadcast=paid, language=lang)

    def preview(self, b: Broadcast) -> Preview:
        pack = self.content.current.pack
        problems = self.text_problems(b)
        messages = {lang: self.message(b, lang) for lang in pack.languages if lang in b.texts}
        # the languages whose readers would get the default text: for an audience of one
        # language, only that one may lack its text
        readers = [b.audience["language"]] if b.audience.get("kind") == "language" else pack.languages
        missing = [lang for lang in pack.languages if lang not in b.texts and lang in readers]
        return Preview(messages, missing, pack.default_language, problems)

    def text_problems(self, b: Broadcast) -> list[BroadcastError]:
        """Empty text, a missing default variant, a variant too long (caption: 1,024 units)."""
        pack = self.content.current.pack
        texts = {k: v for k, v in b.texts.items() if v.strip()}
        if not texts:
            return [BroadcastError(Problem.EMPTY_TEXT)]
        problems: list[BroadcastError] = []
        if pack.default_language not in texts:
            problems.append(BroadcastError(Problem.NO_DEFAULT_TEXT, pack.default_language))
        limit = CAPTION if b.attachment_kind else MESSAGE_TEXT
        for lang, text in sorted(texts.items()):
            length = visible_units(text)
            if length > limit:
                problems.append(BroadcastError(Problem.TOO_LONG, lang, limit=limit, length=length))
        return problems

    # -- releasing -------------------------------------------------------------------------
    async def submit(self, author: Person, broadcast_id: int, send_at: dt.datetime | None = None) -> Released:
        """The author confirms: checked again, then released to the outbox, or held for a second
        organiser's approval when the audience is larger than ``approval_above``."""
        now = self.clock.now()
        if send_at is not None and send_at <= now:
            raise BroadcastError(Problem.PAST)
        async with self.db.session() as s:
            b = await self._draft(s, author, broadcast_id)
            problems = self.text_problems(b)
            if problems:
                raise problems[0]
            people = await self._resolve(s, b.audience)
            if not people:
                raise BroadcastError(Problem.NOBODY)
            b.send_at = send_at
            b.audience_size = len(people)
            b.updated_at = now
            if self.approval_above and len(people) > self.approval_above:
                if not await _ids(s, Person.role == Role.ORGANISER, Person.id != b.author_id):
                    raise BroadcastError(Problem.NO_APPROVER)
                b.state = BroadcastState.APPROVAL
                await self._ask_approval(s, b)
                return Released(b.state, len(people))
            await self._release(s, b, people)
            return Released(b.state, len(people))

    async def _ask_approval(self, s: AsyncSession, b: Broadcast) -> None:
        organisers = await _ids(s, Person.role == Role.ORGANISER, Person.id != b.author_id)
        await self.outbox.enqueue_many(
            s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:approve:{p}") for p in organisers],
            spec={"broadcast": b.id, "approve": True}, priority=Priority.URGENT, group_id=f"bc{b.id}a",
        )

    async def approve(self, approver: Person, broadcast_id: int) -> Released:
        """A second organiser approves: released at once (or at its time, if still ahead)."""
        async with self.db.session() as s:
            await self._organiser(s, approver)
            b = await self._load(s, broadcast_id)
            if b.author_id == approver.id:
                raise BroadcastError(Problem.OWN_APPROVAL)
            if b.state != BroadcastState.APPROVAL:
                raise BroadcastError(Problem.NOT_AWAITING_APPROVAL, b.state.value)
            if b.send_at is not None and b.send_at <= self.clock.now():
                b.send_at = None  # its time passed while it waited: now
            people = await self._resolve(s, b.audience)
            if not people:
                raise BroadcastError(Problem.NOBODY)
            b.approved_by = approver.id
            await self._release(s, b, people)
            return Released(b.state, len(people))

    async def _release(self, s: AsyncSession, b: Broadcast, people: list[int]) -> None:
        now = self.clock.now()
        due = b.send_at or now
        spec: dict[str, Any] = {"broadcast": b.id}
        if b.paid and self.paid_allowed:
            spec["allow_paid_broadcast"] = True
        priority = Priority.URGENT if b.urgent else Priority.BULK
        await self.outbox.enqueue_many(
            s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:{p}") for p in people],
            spec=spec, priority=priority, due_at=due, group_id=b.group_id, revive_cancelled=True,
        )
        if b.ask_confirm and b.chase_after_min:
            await self.outbox.enqueue_many(
                s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:chase:{p}") for p in people],
                spec={"broadcast": b.id, "chase": True}, priority=Priority.NORMAL,
                due_at=due + dt.timedelta(minutes=b.chase_after_min), group_id=f"bc{b.id}c", revive_cancelled=True,
            )
            # and the liaison officers of those delegations: one list each, at the same time
            officers = list((await s.scalars(select(OfficerCover.person_id).where(
                OfficerCover.kind == CoverKind.DELEGATION).distinct())).all())
            await self.outbox.enqueue_many(
                s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:officer:{p}") for p in officers],
                spec={"broadcast": b.id, "chase_officer": True}, priority=Priority.NORMAL,
                due_at=due + dt.timedelta(minutes=b.chase_after_min), group_id=f"bc{b.id}c", revive_cancelled=True,
            )
        b.audience_size = len(people)
        b.state = BroadcastState.SCHEDULED if due > now else BroadcastState.SENDING
        b.updated_at = now
        self._cache.pop(b.id, None)

    async def reopen(self, author: Person, broadcast_id: int) -> Broadcast:
        """A scheduled broadcast that has not started goes back to draft, to be edited (its rows
        are cancelled; confirming it again revives them)."""
        async with self.db.session() as s:
            await self._organiser(s, author)
            b = await self._load(s, broadcast_id)
            ahead = b.send_at is not None and b.send_at > self.clock.now()
            if b.author_id != author.id or not (
                    b.state == BroadcastState.APPROVAL or (b.state == BroadcastState.SCHEDULED and ahead)):
                raise BroadcastError(Problem.NOT_EDITABLE, str(broadcast_id))
            await self.outbox.cancel(s, group_id=b.group_id, reason="reopened for editing")
            await self.outbox.cancel(s, group_id=f"bc{b.id}c", reason="reopened for editing")
            await self.outbox.cancel(s, group_id=f"bc{b.id}a", reason="reopened for editing")
            b.state = BroadcastState.DRAFT
            b.updated_at = self.clock.now()
            self._cache.pop(b.id, None)
            return b

    async def cancel(self, actor: Person, broadcast_id: int) -> int:
        """Cancel a draft, a broadcast waiting for approval, a scheduled or a running one: what
        has not gone out stays unsent (a message already on its way still arrives). Returns how
        many messages were stopped."""
        async with self.db.session() as s:
            await self._organiser(s, actor)
            b = await self._load(s, broadcast_id)
            if b.state in (BroadcastState.DONE, BroadcastState.CANCELLED):
                raise BroadcastError(Problem.NOT_EDITABLE, b.state.value)
            stopped = await self.outbox.cancel(s, group_id=b.group_id, reason="cancelled by an organiser")
            for suffix in ("c", "a"):
                await self.outbox.cancel(s, group_id=f"bc{b.id}{suffix}", reason="cancelled by an organiser")
            b.state = BroadcastState.CANCELLED
            b.updated_at = self.clock.now()
            self._cache.pop(b.id, None)
            return stopped

    # -- following -------------------------------------------------------------------------
    async def progress(self, b: Broadcast) -> Progress:
        counts = await self.outbox.counts(b.group_id)
        async with self.db.session() as s:
            blocked = int(await s.scalar(select(func.count()).where(
                OutboxMessage.group_id == b.group_id, OutboxMessage.state == DeliveryState.FAILED,
                OutboxMessage.last_error.like(BLOCKED + "%"))) or 0)
        remaining = sum(counts[state.value] for state in LIVE)
        rate = self.paid_rate if (b.paid and self.paid_allowed) else self.rate
        return Progress(
            total=sum(counts.values()), sent=counts[DeliveryState.SENT.value],
            failed=counts[DeliveryState.FAILED.value] - blocked, blocked=blocked,
            cancelled=counts[DeliveryState.CANCELLED.value] + counts[DeliveryState.SKIPPED.value],
            remaining=remaining, seconds_left=remaining / rate, finished=remaining == 0,
        )

    async def active(self) -> list[Broadcast]:
        """Broadcasts whose progress is followed: scheduled and sending ones, and for two days
        the sent ones that ask to confirm receipt (confirmations keep coming)."""
        since = self.clock.now() - FOLLOW_RECEIPTS
        async with self.db.session() as s:
            return list((await s.scalars(select(Broadcast).where(
                Broadcast.state.in_((BroadcastState.SCHEDULED, BroadcastState.SENDING))
                | ((Broadcast.state == BroadcastState.DONE) & Broadcast.ask_confirm & Broadcast.recalled_at.is_(None)
                   & (Broadcast.updated_at >= since))).order_by(Broadcast.id))).all())

    async def advance(self, broadcast_id: int) -> Broadcast | None:
        """Move a scheduled broadcast whose time came to sending, and a sending one with nothing
        left to done. Returns it when its state changed."""
        async with self.db.session() as s:
            b = await self._load(s, broadcast_id)
            now = self.clock.now()
            if b.state == BroadcastState.SCHEDULED and (b.send_at is None or b.send_at <= now):
                b.state = BroadcastState.SENDING
                b.updated_at = now
                return b
            if b.state == BroadcastState.SENDING:
                live = await s.scalar(select(func.count()).where(
                    OutboxMessage.group_id == b.group_id, OutboxMessage.state.in_(LIVE)))
                if not live:
                    b.state = BroadcastState.DONE
                    b.updated_at = now
                    return b
            return None

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(
                progress_chat_id=chat_id, progress_message_id=message_id))

    # -- receipts --------------------------------------------------------------------------
    async def confirm(self, person: Person, broadcast_id: int) -> bool:
        """A recipient confirms receipt: True the first time, False after (pressed twice = once)."""
        async with self.db.session() as s:
            got = (await s.execute(select(OutboxMessage.state, OutboxMessage.attempts).where(
                OutboxMessage.key == f"broadcast:{broadcast_id}:{person.id}"))).first()
            # only once the message went out (or may have: a request that timed out is retried),
            # not on a forged button while it waits for its time, or after it was cancelled
            if got is None or not (got.state in (DeliveryState.SENDING, DeliveryState.SENT) or got.attempts > 0):
                raise BroadcastError(Problem.NOT_A_RECIPIENT)
            if await s.scalar(select(BroadcastReceipt.id).where(
                    BroadcastReceipt.broadcast_id == broadcast_id, BroadcastReceipt.person_id == person.id)):
                return False
        try:
            async with self.db.session() as s:
                s.add(BroadcastReceipt(broadcast_id=broadcast_id, person_id=person.id, confirmed_at=self.clock.now()))
        except IntegrityError:  # pressed twice at once: the other press counted
            return False
        return True

    async def unconfirmed(self, broadcast_id: int) -> dict[str, list[Person]]:
        """Recipients who got the message and have not confirmed, by delegation name ("" for none)."""
        async with self.db.session() as s:
            confirmed = select(BroadcastReceipt.person_id).where(BroadcastReceipt.broadcast_id == broadcast_id)
            people = (await s.scalars(select(Person).join(OutboxMessage, OutboxMessage.person_id == Person.id).where(
                OutboxMessage.group_id == f"bc{broadcast_id}", OutboxMessage.state == DeliveryState.SENT,
                Person.id.not_in(confirmed)).order_by(Person.first_name, Person.id))).unique().all()
        out: dict[str, list[Person]] = {}
        for person in people:
            out.setdefault(person.delegation.name if person.delegation else "", []).append(person)
        return dict(sorted(out.items()))

    async def confirmed_count(self, broadcast_id: int) -> int:
        async with self.db.session() as s:
            return int(await s.scalar(select(func.count()).where(BroadcastReceipt.broadcast_id == broadcast_id)) or 0)

    # -- after sending ---------------------------------------------------------------------
    async def correct(self, actor: Person, broadcast_id: int, language: str, text: str) -> int:
        """Replace a language's text and edit the messages delivered in it (or, for the default
        language, to everyone whose language has no variant). Returns how many edits go out."""
        if not text.strip():
            raise BroadcastError(Problem.EMPTY_TEXT)
        async with self.db.session() as s:
            await self._organiser(s, actor)
            b = await self._load(s, broadcast_id)
            if b.recalled_at is not None:
                raise BroadcastError(Problem.RECALLED)
            if b.state not in (BroadcastState.SENDING, BroadcastState.DONE):
                raise BroadcastError(Problem.NOT_SENT)
            limit = CAPTION if b.attachment_kind else MESSAGE_TEXT
            if visible_units(text) > limit:
                raise BroadcastError(Problem.TOO_LONG, language, limit=limit, length=visible_units(text))
            if b.attachment_kind:
                raise BroadcastError(Problem.NOT_EDITABLE, "attachment")
            before = dict(b.texts)
            b.texts = {**before, language: text}
            b.revision += 1
            b.updated_at = self.clock.now()
            self._cache.pop(b.id, None)
            default = self.content.current.pack.default_language
            targets = [(pid, mid) for pid, mid, shown, reader in await self._showing(s, b, before, default)
                       # what went out in this language; or, for a language that had no text, the
                       # default's text its readers got instead
                       if shown == language or (shown == default and language not in before and reader == language)]
            if targets:
                await self.outbox.enqueue_many(
                    s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:r{b.revision}:{p}",
                                        spec={"broadcast": b.id, "edit": m, "lang": language,
                                              "rev": b.revision}) for p, m in targets],
                    priority=Priority.NORMAL, group_id=f"bc{b.id}e{b.revision}",
                )
            on_its_way = (await s.execute(
                select(OutboxMessage.id, OutboxMessage.person_id, Person.language)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.group_id == b.group_id,
                       OutboxMessage.state.in_((DeliveryState.CLAIMED, DeliveryState.SENDING))))).all()
            if on_its_way:  # rendered, perhaps with the old text: edited once delivered (see render)
                await self.outbox.enqueue_many(
                    s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:r{b.revision}:{p}", spec={
                        "broadcast": b.id, "edit_row": row, "lang": language, "rev": b.revision,
                        "fallback": language not in before and reader == language}) for row, p, reader in on_its_way],
                    priority=Priority.NORMAL, group_id=f"bc{b.id}e{b.revision}",
                    due_at=self.clock.now() + IN_FLIGHT_SETTLE,
                )
        return len(targets) + len(on_its_way)

    @staticmethod
    async def _showing(s: AsyncSession, b: Broadcast, texts: dict[str, str],
                       default: str) -> list[tuple[int, int, str, str]]:
        """(person, message id, the language of the text it shows now, the reader's language) of
        each delivered message: the language it was sent in, or of its last correction. Messages
        sent before the outbox recorded languages count as in their reader's language's text
        (or the default's when it has none). A correction not delivered yet counts as done: it
        goes out before the one being made, in its own language."""
        coming = (DeliveryState.PENDING, DeliveryState.CLAIMED, DeliveryState.SENDING)
        rows = await s.execute(
            select(OutboxMessage.person_id, OutboxMessage.telegram_message_id, OutboxMessage.language,
                   Person.language, OutboxMessage.state, OutboxMessage.payload)
            .join(Person, Person.id == OutboxMessage.person_id)
            .where(or_(OutboxMessage.group_id == b.group_id, OutboxMessage.group_id.like(f"bc{b.id}e%")),
                   OutboxMessage.state.in_((DeliveryState.SENT, *coming)))
            .order_by(OutboxMessage.id))  # the original first, then its corrections in order
        showing: dict[tuple[int, int], tuple[str, str]] = {}  # message ids are per chat
        for person_id, message_id, shown, reader, state, payload in rows.all():
            if state != DeliveryState.SENT:  # a correction on its way: its message, its language
                message_id, shown = (payload or {}).get("edit"), (payload or {}).get("lang")
            if person_id is None or message_id is None:
                continue
            key = (int(person_id), int(message_id))
            if shown is None:  # not recorded: the reader's language, as it was chosen at sending
                shown = showing.get(key, ("", ""))[0] or (reader if reader in texts else default)
            showing[key] = (str(shown), str(reader))
        return [(p, m, shown, reader) for (p, m), (shown, reader) in showing.items()]

    @staticmethod
    async def _sent(s: AsyncSession, group_id: str) -> list[tuple[int, int, str]]:
        rows = await s.execute(select(OutboxMessage.person_id, OutboxMessage.telegram_message_id, Person.language)
                               .join(Person, Person.id == OutboxMessage.person_id)
                               .where(OutboxMessage.group_id == group_id, OutboxMessage.state == DeliveryState.SENT))
        return [(int(p), int(m), str(lang)) for p, m, lang in rows.all()
                if p is not None and m is not None]

    async def recall(self, actor: Person, broadcast_id: int) -> Recall:
        """Delete the delivered messages; a broadcast still being sent stops first (what has not
        gone stays unsent; what is out at this moment is deleted once delivered, see
        :meth:`follow_recall`)."""
        async with self.db.session() as s:
            await self._organiser(s, actor)
            b = await self._load(s, broadcast_id)
            if b.recalled_at is not None:
                raise BroadcastError(Problem.RECALLED)
            if b.state not in (BroadcastState.SENDING, BroadcastState.DONE, BroadcastState.CANCELLED):
                raise BroadcastError(Problem.NOT_SENT)
            stopped = await self.outbox.cancel(s, group_id=b.group_id, reason="recalled by an organiser")
            await self.outbox.cancel(s, group_id=f"bc{b.id}c", reason="recalled by an organiser")
            # corrections not out yet (groups bc<id>e<revision>, keys broadcast:<id>:r<revision>:…):
            # the messages they would edit are being deleted
            await self.outbox.cancel(s, prefix=f"broadcast:{b.id}:r", reason="recalled by an organiser")
            in_flight = int(await s.scalar(select(func.count()).where(
                OutboxMessage.group_id == b.group_id, OutboxMessage.state == DeliveryState.SENDING)) or 0)
            deleting = await self._delete_sent(s, b)
            b.recalled_at = self.clock.now()
            if b.state == BroadcastState.SENDING and not in_flight:
                b.state = BroadcastState.DONE
            b.updated_at = self.clock.now()
            self._cache.pop(b.id, None)
            return Recall(deleting, stopped, in_flight)

    async def _delete_sent(self, s: AsyncSession, b: Broadcast) -> int:
        sent = await self._sent(s, b.group_id)
        if not sent:
            return 0
        return await self.outbox.enqueue_many(
            s, KIND, [Recipient(person_id=p, key=f"broadcast:{b.id}:del:{p}", spec={"broadcast": b.id, "delete": m})
                      for p, m, _ in sent],
            priority=Priority.URGENT, group_id=f"bc{b.id}d",
        )

    async def follow_recall(self, broadcast_id: int) -> int:
        """A recalled broadcast's messages that were out when it was recalled: delete them now
        they are delivered (idempotent). Returns how many deletions were added."""
        async with self.db.session() as s:
            b = await self._load(s, broadcast_id)
            if b.recalled_at is None:
                return 0
            return await self._delete_sent(s, b)

    async def recall_counts(self, broadcast_id: int) -> dict[str, int]:
        return await self.outbox.counts(f"bc{broadcast_id}d")

    # -- the CSV report --------------------------------------------------------------------
    async def report_rows(self, broadcast_id: int) -> list[ReportRow]:
        return await report_rows(self.db, broadcast_id)

    # -- rendering (the outbox's renderer for KIND) ----------------------------------------
    async def _snapshot(self, s: AsyncSession, broadcast_id: int, revision: int = 0) -> Snapshot | None:
        """The broadcast as rendering needs it, cached for a second; never older than
        ``revision`` (a correction's edits name theirs). A render that read the broadcast just
        before a correction committed may store the old text after the correction cleared the
        cache: the revision, not the clearing, is what keeps that text out of the new edits."""
        cached = self._cache.get(broadcast_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < 1.0 and cached[1].revision >= revision:
            return cached[1]
        b = await s.get(Broadcast, broadcast_id, populate_existing=True)
        if b is None:
            return None
        snap = Snapshot.of(b)
        latest = self._cache.get(broadcast_id)
        if latest is None or latest[1].revision <= snap.revision:
            self._cache[broadcast_id] = (now, snap)
        return snap

    async def render(self, req: RenderRequest) -> Message | Skip:
        spec = req.spec
        snap = await self._snapshot(req.session, int(spec["broadcast"]), int(spec.get("rev", 0)))
        if snap is None:
            return Skip("broadcast deleted")
        person = req.person
        language = person.language if person is not None else self.content.current.pack.default_language
        if "delete" in spec:
            return Message(delete_message_id=int(spec["delete"]))
        if "edit_row" in spec:  # a message that was on its way when corrected
            if snap.recalled:
                return Skip("recalled")
            return await self._edit_once_delivered(req.session, snap, spec)
        if "edit" in spec:
            if snap.recalled:
                return Skip("recalled")
            # the corrected language, not the reader's: they may have changed theirs since
            return self.message(snap, str(spec.get("lang") or language), edit_message_id=int(spec["edit"]))
        if spec.get("approve"):
            return await self._approval_request(req.session, snap, language)
        if snap.recalled or snap.state == BroadcastState.CANCELLED:
            return Skip("recalled or cancelled")
        if spec.get("chase"):
            return await self._chase(req, snap, language)
        if spec.get("chase_officer"):
            return await self._chase_officer(req, snap, language)
        return self.message(snap, language)

    async def _edit_once_delivered(self, s: AsyncSession, snap: Snapshot, spec: dict[str, Any]) -> Message | Skip:
        original = await s.get(OutboxMessage, int(spec["edit_row"]))
        if original is None or original.state != DeliveryState.SENT or original.telegram_message_id is None:
            return Skip("the message did not go out")
        language, shown = str(spec.get("lang")), original.language
        default = self.content.current.pack.default_language
        if shown is not None and shown != language and not (spec.get("fallback") and shown == default):
            return Skip("the message went out in another language")
        return self.message(snap, language, edit_message_id=original.telegram_message_id)

    async def _chase(self, req: RenderRequest, snap: Snapshot, language: str) -> Message | Skip:
        person = req.person
        if person is None:
            return Skip("no person")
        s = req.session
        original = await s.scalar(select(OutboxMessage.state).where(OutboxMessage.key == f"broadcast:{snap.id}:{person.id}"))
        if original != DeliveryState.SENT:
            return Skip("the broadcast did not reach them")
        if await s.scalar(select(BroadcastReceipt.id).where(
                BroadcastReceipt.broadcast_id == snap.id, BroadcastReceipt.person_id == person.id)):
            return Skip("confirmed")
        lang = language if language in snap.texts else self.content.current.pack.default_language
        t = translator(language)
        from bot.telegram_text import visible

        quoted = html.escape(cut(visible(snap.texts.get(lang) or next(iter(snap.texts.values()), "")), QUOTE))
        # TRANSLATORS: a chase-up to someone who has not confirmed an organisers' message; {quote} is its beginning
        text = t._("Please confirm that you have received this message from the organisers:\n\n{quote}").format(
            quote=t.isolate(quoted))
        button = Button(t._("Confirm receipt"), callback_data=callbacks.encode(CONFIRM_CODE, str(snap.id)))
        return Message(t.paragraph(text), buttons=((button,),))

    async def _chase_officer(self, req: RenderRequest, snap: Snapshot, language: str) -> Message | Skip:
        """For a liaison officer: who, in the delegations they cover, got the broadcast and has
        not confirmed it (at chase-up time); nothing when everyone has."""
        if req.person is None:
            return Skip("no person")
        s = req.session
        codes = select(func.upper(OfficerCover.value)).where(
            OfficerCover.person_id == req.person.id, OfficerCover.kind == CoverKind.DELEGATION)
        confirmed = select(BroadcastReceipt.person_id).where(BroadcastReceipt.broadcast_id == snap.id)
        rows = (await s.execute(
            select(Person.first_name, Delegation.code)
            .join(OutboxMessage, OutboxMessage.person_id == Person.id)
            .join(Delegation, Person.delegation_id == Delegation.id)
            .where(OutboxMessage.group_id == f"bc{snap.id}", OutboxMessage.state == DeliveryState.SENT,
                   func.upper(Delegation.code).in_(codes), Person.id.not_in(confirmed))
            .order_by(Delegation.code, Person.first_name))).all()
        if not rows:
            return Skip("everyone in their delegations has confirmed")
        t = translator(language)
        # TRANSLATORS: to a liaison officer; {n} is how many people of the delegations they look after
        # have not confirmed broadcast number {id}; a list of "name (delegation code)" follows
        head = t.ngettext(
            "Broadcast #{id} from the organisers: {n} recipient in your delegations has not confirmed receipt yet:",
            "Broadcast #{id} from the organisers: {n} recipients in your delegations have not confirmed receipt yet:",
            len(rows)).format(id=snap.id, n=t.number(len(rows)))
        lines, room = [head], MESSAGE_TEXT - units(head) - 40  # 40: the closing "…" line
        for index, (name, code) in enumerate(rows):
            line = f"• {t.isolate(html.escape(name))} ({t.isolate(html.escape(code))})"
            room -= units(line) + 2  # its line break, and a right-to-left mark in Arabic
            if room < 0:  # a whole line at a time: never half an HTML entity
                # TRANSLATORS: the end of a list cut short; {n} is how many names are left out
                left = len(rows) - index
                lines.append(t.ngettext("… and {n} more recipient", "… and {n} more recipients", left).format(n=t.number(left)))
                break
            lines.append(line)
        return Message(t.paragraph("\n".join(lines)))

    async def _approval_request(self, s: AsyncSession, snap: Snapshot, language: str) -> Message | Skip:
        b = await s.get(Broadcast, snap.id, populate_existing=True)
        if b is None or b.state != BroadcastState.APPROVAL:
            return Skip("no longer waiting for approval")
        author = await s.get(Person, b.author_id)
        t = translator(language)
        # TRANSLATORS: sent to the other organisers; {author} is an organiser's name, {n} the audience size, {id} a number
        text = t.ngettext(
            "{author} asks for approval of broadcast #{id} to {n} recipient.",
            "{author} asks for approval of broadcast #{id} to {n} recipients.", b.audience_size,
        ).format(author=t.isolate(html.escape(author.first_name if author else "?")), id=b.id,
                 n=t.number(b.audience_size))
        arg = str(b.id)
        buttons = (
            (Button(t._("Preview"), callback_data=callbacks.encode("bcast", f"pv.{arg}")),),
            (Button(t._("Approve"), callback_data=callbacks.encode("bcast", f"ok.{arg}")),
             Button(t._("Reject"), callback_data=callbacks.encode("bcast", f"no.{arg}"))),
        )
        return Message(t.paragraph(text), buttons=buttons)


async def report_rows(db: Database, broadcast_id: int) -> list[ReportRow]:
    """One row per recipient: their outbox row's state and error, when it was sent, its
    Telegram message id, and when they confirmed receipt (``python -m bot report broadcast``)."""
    async with db.session() as s:
        if await s.get(Broadcast, broadcast_id) is None:
            raise BroadcastError(Problem.NOT_FOUND, str(broadcast_id))
        receipts = dict((await s.execute(select(BroadcastReceipt.person_id, BroadcastReceipt.confirmed_at)
                                          .where(BroadcastReceipt.broadcast_id == broadcast_id))).all())
        rows = (await s.execute(select(OutboxMessage, Person).join(Person, Person.id == OutboxMessage.person_id)
                                .where(OutboxMessage.group_id == f"bc{broadcast_id}")
                                .order_by(Person.telegram_id))).unique().all()
    return [ReportRow(p.telegram_id, p.first_name, p.delegation.code if p.delegation else "", p.language,
                      str(o.state), o.last_error or "", o.sent_at, o.telegram_message_id, receipts.get(p.id))
            for o, p in rows]
