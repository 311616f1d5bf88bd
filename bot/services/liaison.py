"""Liaison requests: a delegate asks a liaison officer for help; officers claim, answer, hand
over, escalate and resolve. Plain async code, no Telegram: every message goes through the
outbox, written in the same transaction as the state change it tells about, and every state
change is a :class:`~bot.store.models.LiaisonEvent` with who and when.

Exactly one officer holds a request: a Claim is ``UPDATE ... SET holder_id = me WHERE id = ?
AND status = 'open'``; however many press at once, the database lets one row change, and the
others are told who took it. Access is checked on every call, from the database: only
officers claim; only the holder or a supervisor answers, resolves, hands over or escalates; a
delegate reaches only their own requests.

Routing is :mod:`bot.services.liaison_officers`; texts are :mod:`bot.services.liaison_render`.
A request routed to the officers' group gets its forum topic through ``topics`` (set by the
wiring, which has the Bot API), after the request's own transaction: if that step is lost,
the request is still open and the sweep escalates it after ``LIAISON_CLAIM_MINUTES``.

The topic follows the request: a line in it (through the outbox) when the request is
resolved, cancelled or reopened, and the topic closed while the request is resolved or
cancelled, open otherwise. Closing is a Bot API call, not a message: ``topic_closed`` records
what was done, and :meth:`LiaisonService.settle_topic` (right after the change, and again in
every sweep for whatever disagrees) calls ``topic_switch`` (set by the wiring) until the two
agree, so a call lost with the process is made after the restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog.models import ContentPack
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.message import Message
from bot.delivery.outbox import Outbox, Recipient
from bot.i18n import translator
from bot.services import liaison_officers as officers
from bot.services import liaison_render as render
from bot.services.liaison_render import Sent
from bot.services.storable import storable
from bot.store.db import Database
from bot.store.models import (
    DeliveryState,
    LiaisonDraft,
    LiaisonEvent,
    LiaisonMessage,
    LiaisonRequest,
    OutboxMessage,
    Person,
    Priority,
    RequestAction,
    RequestStatus,
    Role,
)

log = logging.getLogger(__name__)
KIND = "liaison"
SYSTEM = "system"
MAX_TEXT = 4000  # a request's message, in characters (a Telegram message is at most 4096)
LIVE = (RequestStatus.OPEN, RequestStatus.CLAIMED)
#: a request's forum topic is closed while the request is one of these
DONE = (RequestStatus.RESOLVED, RequestStatus.CANCELLED)
#: how many topics one sweep closes or reopens at most
TOPICS_PER_SWEEP = 50
#: the drafts that say what the person's next message is for (a "handoff" draft only keeps the
#: question an unsure answer could not answer, for the request that may follow)
PROMPTS = frozenset({"new", "add", "reply"})
#: a prompt left unanswered this long no longer stands: the person's next message is theirs
#: again (a question hours later is not a request, nor a reply relayed to the delegate); as a
#: broadcast's step (:data:`bot.services.broadcast.STEP_TTL`)
DRAFT_TTL = dt.timedelta(hours=4)
#: makes a forum topic in the officers' group: (chat id, name) -> thread id, or None (not a forum)
TopicMaker = Callable[[int, str], Awaitable[int | None]]
#: closes (True) or reopens (False) a forum topic: (chat id, thread id, closed) -> True when it is
#: done or never will be (the topic is gone, no rights: logged), False to try again at the next sweep
TopicSwitch = Callable[[int, int, bool], Awaitable[bool]]


def question_tag(question: str) -> str:
    """Six hex digits that tell a question apart from the person's other ones: a hand-off
    button carries its question's tag, so that pressing it under an older answer never sends
    a later question to the officer (the draft keeps only the latest)."""
    return hashlib.blake2s(question.encode("utf-8"), digest_size=3).hexdigest()


class Problem(StrEnum):
    NOT_FOUND = "not_found"  # no such request, or not one this person may see
    NOT_OFFICER = "not_officer"
    NOT_HOLDER = "not_holder"  # an officer acting on a request someone else holds
    TAKEN = "taken"  # claimed by someone else already
    CLOSED = "closed"  # resolved or cancelled
    NOT_RESOLVED = "not_resolved"  # rate or reopen a request that is not resolved
    EMPTY = "empty"
    UNKNOWN_CATEGORY = "unknown_category"
    TOO_LARGE = "too_large"
    NO_SUCH_OFFICER = "no_such_officer"
    BAD_RATING = "bad_rating"
    UNREACHABLE = "unreachable"  # the delegate blocked the bot: nothing can reach them
    NO_SUPERVISOR = "no_supervisor"  # an escalation nobody would receive (no supervisor, no group)


def may_act_on(officer: Person, request: LiaisonRequest) -> bool:
    """Whether this officer may answer, resolve, hand over or escalate a claimed request: its
    holder, or a supervisor."""
    return request.holder_id == officer.id or officer.role == Role.SUPERVISOR


class Refused(Exception):
    def __init__(self, problem: Problem, request: LiaisonRequest | None = None, holder: Person | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.request_id = request.id if request is not None else None
        self.status = request.status if request is not None else None
        self.holder_name = holder.first_name if holder is not None else None


@dataclass(frozen=True)
class Queue:
    mine: list[LiaisonRequest]
    unclaimed: list[LiaisonRequest]
    overdue: list[LiaisonRequest]
    #: how many there are in all (the lists stop at 30)
    unclaimed_count: int = 0
    overdue_count: int = 0


@dataclass(frozen=True)
class Swept:
    escalated: list[int]
    reminded: list[int]
    #: the requests whose forum topic was closed or reopened
    topics: list[int] = field(default_factory=list)


class LiaisonService:
    def __init__(self, db: Database, clock: Clock, outbox: Outbox, pack: Callable[[], ContentPack],
                 settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.pack = pack
        self.settings = settings
        self.topics: TopicMaker | None = None
        self.topic_switch: TopicSwitch | None = None
        #: one request's topic is settled by one caller at a time (the hook, the sweep)
        self._topic_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    @property
    def group_id(self) -> int | None:
        return self.settings.liaison_group_chat_id

    # -- drafts: what a person's next message is for ---------------------------------------
    async def set_draft(self, person: Person, mode: str, *, request_id: int | None = None,
                        category: str | None = None, question: str | None = None) -> None:
        async with self.db.session() as s:
            draft = await s.get(LiaisonDraft, person.id)
            if draft is None:
                draft = LiaisonDraft(person_id=person.id, mode=mode, updated_at=self.clock.now())
                s.add(draft)
            draft.mode, draft.request_id, draft.category = mode, request_id, category
            draft.question = storable(question)[:2000] if question else None
            draft.updated_at = self.clock.now()

    async def draft(self, person: Person) -> LiaisonDraft | None:
        async with self.db.session() as s:
            return await s.get(LiaisonDraft, person.id)

    async def drop_draft(self, person: Person) -> None:
        async with self.db.session() as s:
            draft = await s.get(LiaisonDraft, person.id)
            if draft is not None:
                await s.delete(draft)

    @staticmethod
    def clean(sent: Sent) -> Sent:
        """What Telegram brought, without the control characters PostgreSQL refuses (a NUL)."""
        return replace(sent, text=storable(sent.text), file_id=storable(sent.file_id) if sent.file_id else None)

    def check_sent(self, sent: Sent) -> None:
        if sent.empty:
            raise Refused(Problem.EMPTY)
        if sent.file_size is not None and sent.file_size > self.settings.liaison_max_file_mb * 1024 * 1024:
            raise Refused(Problem.TOO_LARGE)

    # -- the delegate's side ------------------------------------------------------------------
    async def open(self, delegate: Person, category: str, sent: Sent, *, question: str | None = None) -> LiaisonRequest:
        """A new request, routed, its officers notified; the delegate's draft is used up."""
        pack = self.pack()
        found = pack.liaison_category(category)
        if found is None:
            raise Refused(Problem.UNKNOWN_CATEGORY)
        sent = self.clean(sent)
        self.check_sent(sent)
        question = storable(question) if question else None
        now = self.clock.now()
        async with self.db.session() as s:
            person = await self._person(s, delegate.id)
            request = LiaisonRequest(
                delegate_id=person.id, delegation_id=person.delegation_id, category=category,
                language=person.language, urgent=found.urgent, status=RequestStatus.OPEN,
                question=question[:2000] if question else None, created_at=now, updated_at=now,
                waiting_since=now,
            )
            s.add(request)
            await s.flush()
            self._event(s, request, delegate, RequestAction.OPENED)
            message = self._message(s, request, person, sent, from_officer=False)
            draft = await s.get(LiaisonDraft, person.id)
            if draft is not None:
                await s.delete(draft)
            route = await officers.route(s, request, has_group=self.group_id is not None)
            await self._notify_route(s, pack, request, person, route, [message])
        if route.group:
            await self._notify_group(request.id, "g0")
        log.info("liaison request %s opened: category=%s urgent=%s route=%s", request.id, category, found.urgent, route.kind)
        return request

    async def mine(self, delegate: Person) -> list[LiaisonRequest]:
        async with self.db.session() as s:
            query = (select(LiaisonRequest).where(LiaisonRequest.delegate_id == delegate.id)
                     .order_by(LiaisonRequest.id.desc()).limit(20))
            return list((await s.scalars(query)).unique())

    async def get(self, person: Person, request_id: int) -> LiaisonRequest:
        """A request this person may see: their own, or any for an officer."""
        async with self.db.session() as s:
            me = await self._person(s, person.id)
            request = await s.get(LiaisonRequest, request_id)
            if request is None or (request.delegate_id != me.id and not me.is_officer):
                raise Refused(Problem.NOT_FOUND)
            return request

    async def add(self, delegate: Person, request_id: int, sent: Sent) -> LiaisonRequest:
        """The delegate's message to their request: passed on to whoever holds (or was offered) it."""
        sent = self.clean(sent)
        self.check_sent(sent)
        async with self.db.session() as s:
            person = await self._person(s, delegate.id)
            request = await self._own(s, person, request_id)
            if request.status not in LIVE:
                raise Refused(Problem.CLOSED, request)
            message = self._message(s, request, person, sent, from_officer=False)
            await s.flush()
            if request.waiting_since is None:
                request.waiting_since = self.clock.now()
            request.updated_at = self.clock.now()
            target_id = request.holder_id if request.status == RequestStatus.CLAIMED else request.offered_to_id
            if target_id is not None:
                target = await self._person(s, target_id)
                await self._send(s, target, request, f"m{message.id}",
                                 render.to_officer(target, self.pack(), request, person, sent))
            elif request.thread_id is not None and self.group_id is not None:
                t = translator(self.pack().default_language)
                await self._send_group(s, request, f"m{message.id}",
                                       render.relay(t, render.delegate_line(t, person), sent, ()))
            return request

    async def cancel(self, delegate: Person, request_id: int) -> LiaisonRequest:
        async with self.db.session() as s:
            person = await self._person(s, delegate.id)
            request = await self._own(s, person, request_id, lock=True)
            if request.status not in LIVE:
                raise Refused(Problem.CLOSED, request)
            holder = request.holder_id or request.offered_to_id
            request.status = RequestStatus.CANCELLED
            request.updated_at = self.clock.now()
            request.waiting_since = None
            event = self._event(s, request, person, RequestAction.CANCELLED)
            await s.flush()
            if holder is not None:
                officer = await self._person(s, holder)
                t = translator(officer.language)
                # TRANSLATORS: to the officer; {request} is "Request #12"
                text = t._("{request} was cancelled by the delegate.").format(request=render.number(t, request.id))
                await self._send(s, officer, request, f"e{event.id}", [Message(text=text)])
            if self._has_topic(request):
                t = translator(self.pack().default_language)
                # TRANSLATORS: in the request's topic in the officers' group;
                # {request} is "Request #12"
                text = t._("✖️ {request} was cancelled by the delegate.").format(request=render.number(t, request.id))
                await self._send_group(s, request, f"e{event.id}", [Message(text=text)])
        await self._topic_follows(request)
        return request

    async def rate(self, delegate: Person, request_id: int, stars: int) -> LiaisonRequest:
        if not 1 <= stars <= 5:
            raise Refused(Problem.BAD_RATING)
        async with self.db.session() as s:
            person = await self._person(s, delegate.id)
            request = await self._own(s, person, request_id)
            if request.status != RequestStatus.RESOLVED:
                raise Refused(Problem.NOT_RESOLVED, request)
            request.rating = stars
            self._event(s, request, person, RequestAction.RATED, note=str(stars))
            return request

    # -- the officers' side ---------------------------------------------------------------------
    async def claim(self, officer: Person, request_id: int, *, on_card: bool = False) -> LiaisonRequest:
        """Exactly once: the conditional UPDATE is the whole race (see the module docstring).

        ``on_card``: pressed on the officer's own notification (the handler turns its Claim
        button into the holder's buttons): when routing offered them the request from the start
        (never re-routed) they have seen everything said so far, and no new card is sent."""
        now = self.clock.now()
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            result: Any = await s.execute(
                update(LiaisonRequest)
                .where(LiaisonRequest.id == request_id, LiaisonRequest.status == RequestStatus.OPEN)
                .values(status=RequestStatus.CLAIMED, holder_id=me.id, claimed_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                request = await s.get(LiaisonRequest, request_id)
                if request is None:
                    raise Refused(Problem.NOT_FOUND)
                if request.status == RequestStatus.CLAIMED:
                    holder = await s.get(Person, request.holder_id) if request.holder_id else None
                    raise Refused(Problem.TAKEN, request, holder)
                raise Refused(Problem.CLOSED, request)
            request = await s.get(LiaisonRequest, request_id, populate_existing=True)
            assert request is not None
            event = self._event(s, request, me, RequestAction.CLAIMED)
            await s.flush()
            delegate = await self._person(s, request.delegate_id)
            pack = self.pack()
            seen_all = on_card and request.offered_to_id == me.id and not await s.scalar(
                select(LiaisonEvent.id).where(LiaisonEvent.request_id == request.id,
                                              LiaisonEvent.action == RequestAction.REROUTED).limit(1))
            t = translator(me.language)
            if not seen_all:
                card = render.request_card(t, pack, request, delegate, "")
                await self._send(s, me, request, f"e{event.id}", [Message(text=card, buttons=render.officer_buttons(
                    t, request.id, claim=False))], priority=self._priority(request))
                await self._send_history(s, me, request, delegate, event)  # nothing said before is lost
            td = translator(delegate.language)
            # TRANSLATORS: to the delegate; {who} is the officer's name and role, {request} "Request #12"
            text = td._("{request} is now handled by {who}.").format(
                request=render.number(td, request.id), who=render.officer_signature(td, me))
            await self._send(s, delegate, request, f"e{event.id}", [Message(text=text)])
        log.info("liaison request %s claimed by %s", request_id, officer.telegram_id)
        return request

    async def reply(self, officer: Person, request_id: int, sent: Sent | None = None, *,
                    quick: str | None = None) -> LiaisonRequest:
        """The holder's (or a supervisor's) answer, passed on to the delegate; ``quick`` is a
        quick reply's id, rendered in the delegate's language."""
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            request = await self._held(s, me, request_id)
            delegate = await self._person(s, request.delegate_id)
            if not delegate.active:  # blocked the bot: the outbox would drop it, unseen by anyone
                raise Refused(Problem.UNREACHABLE, request)
            pack = self.pack()
            if quick is not None:
                reply = pack.quick_reply(quick)
                if reply is None:
                    raise Refused(Problem.NOT_FOUND, request)
                sent = Sent("text", reply.text.get(delegate.language, pack.default_language))
            assert sent is not None
            sent = self.clean(sent)
            self.check_sent(sent)
            message = self._message(s, request, me, sent, from_officer=True)
            await s.flush()
            request.waiting_since = None
            request.reminded_at = None
            request.updated_at = self.clock.now()
            await self._send(s, delegate, request, f"m{message.id}", render.to_delegate(delegate, request, me, sent))
            return request

    async def check_holder(self, officer: Person, request_id: int) -> LiaisonRequest:
        """The request, if this officer may answer it now (its holder, or a supervisor); else
        :class:`Refused` as :meth:`reply` would refuse it, before they type a message."""
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            return await self._held(s, me, request_id)

    async def resolve(self, officer: Person, request_id: int) -> LiaisonRequest:
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            request = await self._held(s, me, request_id)
            now = self.clock.now()
            request.status, request.resolved_at, request.updated_at = RequestStatus.RESOLVED, now, now
            request.waiting_since = None
            event = self._event(s, request, me, RequestAction.RESOLVED)
            await s.flush()
            delegate = await self._person(s, request.delegate_id)
            t = translator(delegate.language)
            # TRANSLATORS: to the delegate; {request} is "Request #12"
            text = t._("{request} is resolved. How was the help you received?").format(request=render.number(t, request.id))
            rid = str(request.id)
            stars = tuple(render.Button("★" * n, render.data(render.RATE, f"{rid}.{n}")) for n in range(1, 6))
            buttons = (stars, (render.Button(t.pgettext("button", "🔄 Reopen"), render.data(render.REOPEN, rid)),))
            await self._send(s, delegate, request, f"e{event.id}", [Message(text=text, buttons=buttons)])
            if self._has_topic(request):
                t = translator(self.pack().default_language)
                # TRANSLATORS: in the request's topic in the officers' group;
                # {request} is "Request #12", {who} the officer who resolved it
                text = t._("✅ {request} was resolved by {who}.").format(
                    request=render.number(t, request.id), who=render.name(t, me))
                await self._send_group(s, request, f"e{event.id}", [Message(text=text)])
        await self._topic_follows(request)
        return request

    async def reopen(self, person: Person, request_id: int) -> LiaisonRequest:
        """The delegate (their own) or an officer reopens a resolved request: back to its holder."""
        async with self.db.session() as s:
            me = await self._person(s, person.id)
            request = await s.get(LiaisonRequest, request_id, with_for_update=True)
            if request is None or (request.delegate_id != me.id and not me.is_officer):
                raise Refused(Problem.NOT_FOUND)
            if request.status != RequestStatus.RESOLVED:
                raise Refused(Problem.NOT_RESOLVED, request)
            request.status = RequestStatus.CLAIMED if request.holder_id else RequestStatus.OPEN
            request.resolved_at = None
            request.updated_at = self.clock.now()
            event = self._event(s, request, me, RequestAction.REOPENED)
            await s.flush()
            if request.holder_id is not None and request.holder_id != me.id:
                holder = await self._person(s, request.holder_id)
                t = translator(holder.language)
                # TRANSLATORS: to the officer; {request} is "Request #12"
                text = t._("{request} was reopened.").format(request=render.number(t, request.id))
                await self._send(s, holder, request, f"e{event.id}", [Message(
                    text=text, buttons=render.officer_buttons(t, request.id, claim=False))])
            if self._has_topic(request):
                t = translator(self.pack().default_language)
                if me.id == request.delegate_id:
                    # TRANSLATORS: in the request's topic in the officers' group;
                    # {request} is "Request #12"
                    text = t._("🔄 {request} was reopened by the delegate.").format(request=render.number(t, request.id))
                else:
                    # TRANSLATORS: in the request's topic in the officers' group;
                    # {request} is "Request #12", {who} the officer who reopened it
                    text = t._("🔄 {request} was reopened by {who}.").format(
                        request=render.number(t, request.id), who=render.name(t, me))
                await self._send_group(s, request, f"e{event.id}", [Message(text=text)])
        await self._topic_follows(request)
        return request

    async def hand_over(self, officer: Person, request_id: int, to: Person, note: str) -> LiaisonRequest:
        note = storable(note)
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            request = await self._held(s, me, request_id)
            target = await s.get(Person, to.id)
            if target is None or not target.is_officer or not target.active or target.id == request.holder_id:
                raise Refused(Problem.NO_SUCH_OFFICER, request)
            request.holder_id = target.id
            request.updated_at = self.clock.now()
            event = self._event(s, request, me, RequestAction.HANDED_OVER, note=note, holder=target)
            await s.flush()
            await self._tell_new_holder(s, request, target, event, me, note)
            return request

    async def escalate(self, person: Person | None, request_id: int, note: str = "") -> LiaisonRequest:
        """To every supervisor and the group; ``person`` None is the sweep (unclaimed too long)."""
        note = storable(note)
        async with self.db.session() as s:
            if person is not None:
                me: Person | None = await self._officer(s, person.id)
                assert me is not None
                request = await self._held(s, me, request_id, open_ok=True)
                if self.group_id is None and not await officers.supervisors(s, exclude=[me.id]):
                    raise Refused(Problem.NO_SUPERVISOR, request)  # not "escalated" to nobody
            else:
                me = None
                found = await s.get(LiaisonRequest, request_id, with_for_update=True)
                if found is None:
                    raise Refused(Problem.NOT_FOUND)
                request = found
            request.escalated_at = self.clock.now()
            event = self._event(s, request, me, RequestAction.ESCALATED, note=note or None)
            await s.flush()
            delegate = await self._person(s, request.delegate_id)
            pack = self.pack()
            reached = False
            for sup in await officers.supervisors(s, exclude=[me.id] if me else []):
                t = translator(sup.language)
                head = t._("⚠️ Escalated") + (f": {render.own_words(t, note, 1000)}" if note else "")
                card = render.request_card(t, pack, request, delegate, head)
                await self._send(s, sup, request, f"e{event.id}", [Message(
                    text=card, buttons=render.officer_buttons(t, request.id, claim=request.status == RequestStatus.OPEN))],
                    priority=Priority.URGENT)
                reached = True
            if not reached and self.group_id is None:
                # the sweep's escalation of a request nobody claimed, with no supervisor and no
                # officers' group to receive it: the organisers hear of it (they cannot claim it,
                # but can appoint someone who can)
                for organiser in await officers.organisers(s):
                    t = translator(organiser.language)
                    # TRANSLATORS: to an organiser, under a delegate's request nobody has claimed
                    why = t._("No liaison officer has taken this request, and the event has no liaison supervisor "
                              "or officers' group to escalate it to. Please appoint one, or find someone to take it.")
                    card = render.request_card(t, pack, request, delegate, t._("⚠️ Escalated"))
                    await self._send(s, organiser, request, f"e{event.id}", [Message(text=card + "\n\n" + t.paragraph(why))],
                                     priority=Priority.URGENT)
                    reached = True
            if not reached and self.group_id is None:
                log.warning("request %s escalated with nobody to receive it (no supervisor, group or organiser)", request.id)
        if self.group_id is not None:
            await self._notify_group(request.id, f"g{event.id}", escalated=True)
        return request

    async def queue(self, officer: Person) -> Queue:
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            mine = list((await s.scalars(select(LiaisonRequest).where(
                LiaisonRequest.holder_id == me.id, LiaisonRequest.status == RequestStatus.CLAIMED)
                .order_by(LiaisonRequest.urgent.desc(), LiaisonRequest.id))).unique())
            unclaimed = list((await s.scalars(select(LiaisonRequest).where(LiaisonRequest.status == RequestStatus.OPEN)
                .order_by(LiaisonRequest.urgent.desc(), LiaisonRequest.id).limit(30))).unique())
            late = self.clock.now() - dt.timedelta(minutes=self.settings.liaison_answer_minutes)
            overdue_q = select(LiaisonRequest).where(LiaisonRequest.status == RequestStatus.CLAIMED,
                                                     LiaisonRequest.waiting_since <= late)
            if me.role != Role.SUPERVISOR:
                overdue_q = overdue_q.where(LiaisonRequest.holder_id == me.id)
            overdue = list((await s.scalars(overdue_q.order_by(LiaisonRequest.waiting_since).limit(30))).unique())
            open_count = await s.scalar(select(func.count()).select_from(LiaisonRequest).where(
                LiaisonRequest.status == RequestStatus.OPEN))
            overdue_count_q = select(func.count()).select_from(LiaisonRequest).where(
                LiaisonRequest.status == RequestStatus.CLAIMED, LiaisonRequest.waiting_since <= late)
            if me.role != Role.SUPERVISOR:
                overdue_count_q = overdue_count_q.where(LiaisonRequest.holder_id == me.id)
            overdue_count = await s.scalar(overdue_count_q)
            return Queue(mine, unclaimed, overdue, int(open_count or 0), int(overdue_count or 0))

    # -- duty, blocked officers, the sweep ------------------------------------------------------
    async def set_duty(self, officer: Person, on: bool) -> list[int]:
        """On or off duty; off duty re-routes what they hold or were offered (returned)."""
        async with self.db.session() as s:
            me = await self._officer(s, officer.id)
            prof = await officers.profile(s, me, self.clock)
            prof.on_duty, prof.updated_at = on, self.clock.now()
        if on:
            return []
        return await self.reroute(me, "off duty")

    async def officers_on_duty(self) -> int:
        """How many officers are on duty now."""
        async with self.db.session() as s:
            return len(await officers.on_duty(s))

    async def person_blocked(self, telegram_id: int) -> list[int]:
        """The sender's 403 hook: an officer who blocked the bot goes off duty, re-routed; the
        holders of a delegate's requests in progress are told their answers no longer reach them."""
        async with self.db.session() as s:
            person = await s.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                return []
            if not person.is_officer:
                await self._delegate_blocked(s, person)
                return []
            prof = await officers.profile(s, person, self.clock)
            prof.on_duty, prof.updated_at = False, self.clock.now()
        return await self.reroute(person, "blocked the bot")

    async def _delegate_blocked(self, s: AsyncSession, delegate: Person) -> None:
        held = list((await s.scalars(select(LiaisonRequest).where(
            LiaisonRequest.delegate_id == delegate.id, LiaisonRequest.status == RequestStatus.CLAIMED,
            LiaisonRequest.holder_id.is_not(None)))).unique())
        stamp = int(self.clock.now().timestamp())
        for request in held:
            assert request.holder_id is not None
            holder = await self._person(s, request.holder_id)
            t = translator(holder.language)
            # TRANSLATORS: to the officer; {request} is "Request #12"
            text = t._("{request}: the delegate has blocked the bot. Your messages no longer reach them.").format(
                request=render.number(t, request.id))
            await self._send(s, holder, request, f"b{stamp}", [Message(text=text)])

    async def reroute(self, officer: Person, why: str) -> list[int]:
        moved: list[int] = []
        groups: list[tuple[int, int]] = []
        async with self.db.session() as s:
            pack = self.pack()
            for request in await officers.officer_requests(s, officer.id):
                was_held = request.status == RequestStatus.CLAIMED
                request.status, request.holder_id, request.offered_to_id = RequestStatus.OPEN, None, None
                request.updated_at = self.clock.now()
                note = f"{officer.first_name}: {why}"
                event = self._event(s, request, None, RequestAction.REROUTED, note=note)
                await s.flush()
                delegate = await self._person(s, request.delegate_id)
                route = await officers.route(s, request, has_group=self.group_id is not None, exclude=[officer.id])
                await self._notify_route(s, pack, request, delegate, route, [], note=note)
                if was_held:  # they were told "now handled by <officer>": no longer true
                    td = translator(delegate.language)
                    # TRANSLATORS: to the delegate when the officer who held their request went off
                    # duty or left; {request} is "Request #12"
                    text = td._("{request}: the liaison officer who had it is no longer available. It goes back "
                                "to the liaison officers: you will be told who takes it.").format(
                        request=render.number(td, request.id))
                    await self._send(s, delegate, request, f"e{event.id}", [Message(text=td.paragraph(text))],
                                     priority=Priority.NORMAL)
                moved.append(request.id)
                if route.group:
                    groups.append((request.id, event.id))
        for rid, eid in groups:
            await self._notify_group(rid, f"g{eid}")
        if moved:
            log.info("liaison: %d request(s) of %s re-routed (%s)", len(moved), officer.telegram_id, why)
        return moved

    async def sweep(self) -> Swept:
        """Escalate what waited ``LIAISON_CLAIM_MINUTES`` unclaimed; remind holders of what waited
        ``LIAISON_ANSWER_MINUTES`` for an answer (once per waiting message). The event clock."""
        now = self.clock.now()
        unclaimed_before = now - dt.timedelta(minutes=self.settings.liaison_claim_minutes)
        answer_before = now - dt.timedelta(minutes=self.settings.liaison_answer_minutes)
        async with self.db.session() as s:
            stale = list(await s.scalars(select(LiaisonRequest.id).where(
                LiaisonRequest.status == RequestStatus.OPEN, LiaisonRequest.escalated_at.is_(None),
                LiaisonRequest.created_at <= unclaimed_before).limit(200)))
        escalated = []
        for rid in stale:
            await self.escalate(None, rid, "")
            escalated.append(rid)
        reminded = []
        async with self.db.session() as s:
            late = list((await s.scalars(select(LiaisonRequest).where(
                LiaisonRequest.status == RequestStatus.CLAIMED, LiaisonRequest.waiting_since <= answer_before,
                LiaisonRequest.reminded_at.is_(None)).limit(200).with_for_update(of=LiaisonRequest))).unique())
            for request in late:
                request.reminded_at = now
                event = self._event(s, request, None, RequestAction.REMINDED)
                await s.flush()
                if request.holder_id is None:
                    continue
                holder = await self._person(s, request.holder_id)
                t = translator(holder.language)
                # TRANSLATORS: a reminder to the officer; {request} is "Request #12"
                text = t._("⏰ The delegate of {request} is waiting for your answer.").format(
                    request=render.number(t, request.id))
                await self._send(s, holder, request, f"e{event.id}", [Message(
                    text=text, buttons=render.officer_buttons(t, request.id, claim=False))], priority=Priority.URGENT)
                reminded.append(request.id)
        return Swept(escalated, reminded, await self.settle_topics())

    # -- forum topics: closed while the request is resolved or cancelled -------------------------
    async def settle_topic(self, request_id: int) -> bool | None:
        """Close or reopen the request's forum topic when ``topic_closed`` disagrees with its
        status: True when that is done (or never will be), False when it must be tried again
        (Telegram did not answer), None when there was nothing to do."""
        switch, group = self.topic_switch, self.group_id
        if switch is None or group is None:
            return None
        lock = self._topic_locks.get(request_id)
        if lock is None:
            lock = self._topic_locks[request_id] = asyncio.Lock()
        async with lock:
            async with self.db.session() as s:
                request = await s.get(LiaisonRequest, request_id, populate_existing=True)
                if request is None or request.thread_id is None:
                    return None
                closed, thread = request.status in DONE, request.thread_id
                if request.topic_closed == closed:
                    return None
            try:
                done = await switch(group, thread, closed)
            except Exception as exc:  # the switch's own failure: the next sweep tries again
                log.warning("liaison: the topic of request %s was not %s: %s", request_id,
                            "closed" if closed else "reopened", type(exc).__name__)
                return False
            if not done:
                return False
            async with self.db.session() as s:
                await s.execute(update(LiaisonRequest).where(LiaisonRequest.id == request_id)
                                .values(topic_closed=closed).execution_options(synchronize_session=False))
            return True

    async def settle_topics(self, limit: int = TOPICS_PER_SWEEP) -> list[int]:
        """:meth:`settle_topic` for the requests whose topic disagrees with their status (at most
        ``limit``); they are all in the one group, so when Telegram does not answer for one, the
        rest wait for the next sweep."""
        if self.topic_switch is None or self.group_id is None:
            return []
        done = LiaisonRequest.status.in_(DONE)
        async with self.db.session() as s:
            pending = list(await s.scalars(select(LiaisonRequest.id).where(
                LiaisonRequest.thread_id.is_not(None),
                or_(and_(done, LiaisonRequest.topic_closed.is_(False)),
                    and_(~done, LiaisonRequest.topic_closed.is_(True))),
            ).order_by(LiaisonRequest.id).limit(limit)))
        settled = []
        for rid in pending:
            result = await self.settle_topic(rid)
            if result is False:
                break
            if result:
                settled.append(rid)
        return settled

    def _has_topic(self, request: LiaisonRequest) -> bool:
        return request.thread_id is not None and self.group_id is not None

    async def _topic_follows(self, request: LiaisonRequest) -> None:
        """After a resolve, cancel or reopen has been committed: its topic closed or reopened now
        (when that fails, or the process stops first, the sweep does it). The change stands
        whatever happens here: a failure is logged, never passed to the caller."""
        if not self._has_topic(request):
            return
        try:
            await self.settle_topic(request.id)
        except Exception as exc:  # e.g. the database, after the call: the sweep settles it
            log.warning("liaison: the topic of request %s is left to the sweep: %s", request.id, type(exc).__name__)

    # -- where an officer's message belongs --------------------------------------------------
    async def request_of_message(self, chat_id: int, message_id: int, *, wait: float = 3.0) -> int | None:
        """The request a message the bot sent (a notification, a relay) belongs to. A reply can
        come before the sender has written down the id of the message it replies to: while one
        of this chat's liaison messages is still out (claimed or sending), look again, for at
        most ``wait`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            async with self.db.session() as s:
                key = await s.scalar(select(OutboxMessage.key).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.telegram_message_id == message_id,
                    OutboxMessage.kind == KIND).limit(1))
                out = key is None and await s.scalar(select(OutboxMessage.id).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.kind == KIND,
                    OutboxMessage.state.in_((DeliveryState.CLAIMED, DeliveryState.SENDING))).limit(1))
            if key or not out or loop.time() >= deadline:
                break
            await asyncio.sleep(0.05)
        if not key:
            return None
        try:
            return int(key.split(":")[1])
        except (IndexError, ValueError):
            return None

    async def request_of_thread(self, chat_id: int, thread_id: int) -> int | None:
        if chat_id != self.group_id:
            return None
        async with self.db.session() as s:
            return await s.scalar(select(LiaisonRequest.id).where(LiaisonRequest.thread_id == thread_id).limit(1))

    # -- inside a transaction -------------------------------------------------------------------
    async def _person(self, s: AsyncSession, person_id: int) -> Person:
        person = await s.get(Person, person_id)
        if person is None:
            raise Refused(Problem.NOT_FOUND)
        return person

    async def _officer(self, s: AsyncSession, person_id: int) -> Person:
        person = await s.get(Person, person_id, populate_existing=True)
        if person is None or not person.is_officer:
            raise Refused(Problem.NOT_OFFICER)
        return person

    async def _own(self, s: AsyncSession, person: Person, request_id: int, *, lock: bool = False) -> LiaisonRequest:
        request = await s.get(LiaisonRequest, request_id, with_for_update=lock or None)
        if request is None or request.delegate_id != person.id:
            raise Refused(Problem.NOT_FOUND)  # someone else's request is not shown to exist
        return request

    async def _held(self, s: AsyncSession, me: Person, request_id: int, *, open_ok: bool = False) -> LiaisonRequest:
        request = await s.get(LiaisonRequest, request_id, with_for_update=True, populate_existing=True)
        if request is None:
            raise Refused(Problem.NOT_FOUND)
        if request.status in (RequestStatus.RESOLVED, RequestStatus.CANCELLED):
            raise Refused(Problem.CLOSED, request)
        if request.status == RequestStatus.OPEN and not open_ok:
            raise Refused(Problem.NOT_HOLDER, request)
        if request.status == RequestStatus.CLAIMED and not may_act_on(me, request):
            holder = await s.get(Person, request.holder_id) if request.holder_id else None
            raise Refused(Problem.NOT_HOLDER, request, holder)
        return request

    def _event(self, s: AsyncSession, request: LiaisonRequest, actor: Person | None, action: RequestAction, *,
               note: str | None = None, holder: Person | None = None) -> LiaisonEvent:
        event = LiaisonEvent(
            request_id=request.id, at=self.clock.now(),
            actor=f"telegram:{actor.telegram_id}" if actor is not None else SYSTEM, action=action,
            holder_id=holder.id if holder is not None else request.holder_id, note=note[:1000] if note else None,
        )
        s.add(event)
        return event

    def _message(self, s: AsyncSession, request: LiaisonRequest, author: Person, sent: Sent, *,
                 from_officer: bool) -> LiaisonMessage:
        message = LiaisonMessage(
            request_id=request.id, author_id=author.id, from_officer=from_officer, kind=sent.kind,
            text=sent.text[:MAX_TEXT], file_id=sent.file_id, latitude=sent.latitude, longitude=sent.longitude,
            at=self.clock.now(),
        )
        s.add(message)
        return message

    @staticmethod
    def _priority(request: LiaisonRequest) -> Priority:
        return Priority.URGENT if request.urgent else Priority.NORMAL

    async def _send(self, s: AsyncSession, to: Person, request: LiaisonRequest, tag: str, parts: Sequence[Message],
                    *, priority: Priority | None = None) -> None:
        for index, part in enumerate(parts):
            await self.outbox.enqueue(
                s, KIND, to=Recipient.of(to), message=part, key=f"{KIND}:{request.id}:{tag}:{to.id}:{index}",
                priority=priority if priority is not None else self._priority(request),
            )

    async def _send_history(self, s: AsyncSession, to: Person, request: LiaisonRequest, delegate: Person,
                            event: LiaisonEvent) -> None:
        """Everything said on a request so far, passed on to an officer who now holds it."""
        pack = self.pack()
        earlier = await s.scalars(
            select(LiaisonMessage).where(LiaisonMessage.request_id == request.id).order_by(LiaisonMessage.id))
        for m in list(earlier):
            sent = _sent_of(m)
            author = delegate if m.author_id == delegate.id else await self._person(s, m.author_id)
            parts = (render.to_officer(to, pack, request, delegate, sent) if not m.from_officer
                     else render.to_delegate(to, request, author, sent))
            await self._send(s, to, request, f"e{event.id}m{m.id}", parts)

    async def _send_group(self, s: AsyncSession, request: LiaisonRequest, tag: str, parts: Sequence[Message]) -> None:
        assert self.group_id is not None
        for index, part in enumerate(parts):
            await self.outbox.enqueue(
                s, KIND, to=Recipient(chat_id=self.group_id, thread_id=request.thread_id), message=part,
                key=f"{KIND}:{request.id}:{tag}:g:{index}", priority=self._priority(request),
            )

    async def _notify_route(self, s: AsyncSession, pack: ContentPack, request: LiaisonRequest, delegate: Person,
                            route: officers.Route, messages: list[LiaisonMessage], *, note: str | None = None) -> None:
        offered = route.offered
        request.offered_to_id = offered.id if offered is not None else None
        where = route.kind if offered is None else f"{route.kind}:{offered.telegram_id}"
        event = self._event(s, request, None, RequestAction.ROUTED, note=where)
        await s.flush()
        for officer in route.officers:
            t = translator(officer.language)
            # TRANSLATORS: why a request comes to this officer from another one
            reason = t._("Re-routed: {reason}").format(reason=render.esc(t, note)) if note else ""
            # the delegate's words get what the card leaves (an Arabic reader's isolates count)
            limit = min(3500, render.room(t, pack, request, delegate, reason) // max(1, len(messages)) - 1)
            first = "\n".join(render.body(t, _sent_of(m), limit) for m in messages)
            if reason:
                first = (first + "\n\n" if first else "") + reason
            card = render.request_card(t, pack, request, delegate, first)
            await self._send(s, officer, request, f"e{event.id}", [Message(
                text=card, buttons=render.officer_buttons(t, request.id, claim=True))])
            for m in messages:
                if m.kind in ("photo", "document", "location"):
                    await self._send(s, officer, request, f"e{event.id}m{m.id}",
                                     render.to_officer(officer, pack, request, delegate, _sent_of(m)))
        td = translator(delegate.language)
        if not messages:
            return  # a re-route: the delegate was told already
        if route.kind == "nobody":
            # TRANSLATORS: to the delegate; {request} is "Request #12"
            text = td._("{request} is registered. No liaison officer is available at this moment: "
                        "the first one free will take it.").format(request=render.number(td, request.id))
        else:
            # TRANSLATORS: to the delegate; {request} is "Request #12"
            text = td._("{request} is registered and a liaison officer has been notified. "
                        "You can follow it with /requests.").format(request=render.number(td, request.id))
        # the officers' notifications go first: the delegate's receipt at normal priority
        await self._send(s, delegate, request, f"e{event.id}", [Message(text=text)], priority=Priority.NORMAL)

    async def _notify_group(self, request_id: int, tag: str, *, escalated: bool = False) -> None:
        """The request's message in the officers' group: in its own forum topic when the group
        is a forum (made here, outside any transaction), else with a Claim button."""
        group = self.group_id
        if group is None:
            return
        pack = self.pack()
        t = translator(pack.default_language)
        async with self.db.session() as s:
            request = await s.get(LiaisonRequest, request_id)
            if request is None:
                return
            thread = request.thread_id
            name = f"{render.number(t, request.id)} · {render.category_name(t, pack, request.category)}"
        if thread is None and self.topics is not None:
            try:
                thread = await self.topics(group, name[:120])
            except Exception as exc:  # the group message still goes, without a topic
                log.warning("liaison: no forum topic for request %s: %s", request_id, type(exc).__name__)
        async with self.db.session() as s:
            request = await s.get(LiaisonRequest, request_id, with_for_update=True)
            if request is None:
                return
            if thread is not None and request.thread_id is None:
                request.thread_id = thread
            delegate = await self._person(s, request.delegate_id)
            limit = min(3500, render.room(t, pack, request, delegate, t._("⚠️ Escalated") if escalated else ""))
            first = render.body(t, _sent_of(m), limit) if (m := await s.scalar(select(LiaisonMessage).where(
                LiaisonMessage.request_id == request.id).order_by(LiaisonMessage.id).limit(1))) else ""
            if escalated:
                first = t._("⚠️ Escalated") + ("\n" + first if first else "")
            card = render.request_card(t, pack, request, delegate, first)
            claim = request.status == RequestStatus.OPEN
            buttons = render.officer_buttons(t, request.id, claim=True) if claim else ()
            await self._send_group(s, request, tag, [Message(text=card, buttons=buttons)])

    async def _tell_new_holder(self, s: AsyncSession, request: LiaisonRequest, target: Person, event: LiaisonEvent,
                               by: Person, note: str) -> None:
        delegate = await self._person(s, request.delegate_id)
        t = translator(target.language)
        # TRANSLATORS: to the officer a request is handed over to; {who} is the officer who did it
        head = t._("Handed over to you by {who}").format(who=render.esc(t, by.first_name or "—"))
        if note:
            head += f": {render.own_words(t, note, 1000)}"
        card = render.request_card(t, self.pack(), request, delegate, head)
        await self._send(s, target, request, f"e{event.id}", [Message(
            text=card, buttons=render.officer_buttons(t, request.id, claim=False))])
        # they never saw the request: everything said so far follows the card, as on a claim
        await self._send_history(s, target, request, delegate, event)
        td = translator(delegate.language)
        text = td._("{request} is now handled by {who}.").format(
            request=render.number(td, request.id), who=render.officer_signature(td, target))
        await self._send(s, delegate, request, f"e{event.id}", [Message(text=text)])


def _sent_of(m: LiaisonMessage) -> Sent:
    return Sent(m.kind, m.text, m.file_id, None, m.latitude, m.longitude)
