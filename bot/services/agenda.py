"""A person's agenda: follows, reminders, programme changes. No Telegram here.

- A *follow* is a row per person and session (:class:`~bot.store.models.Follow`): followed, or
  explicitly opted out (which also turns off an automatic follow of the pack).
- *Reminders* are outbox rows (kind ``reminder``, key ``reminder:{session}:{person}:{lead}:{start}``),
  rendered at send time (:mod:`handlers.agenda` renders them): planning twice never sends
  twice, an unfollow or a change of lead cancels the row, a session that has started or was
  cancelled by then is skipped by the renderer. A batch of ``n`` reminders that must be out by
  ``T`` is due at ``T - n / rate`` and a small margin (the sender drains in due order at the
  overall rate), so its last message is on time and its first no earlier than it must be.
- The *overlay* (:class:`~bot.store.models.SessionOverlay`): an organiser's delay or
  cancellation over the pack, kept in the database and cached here for the cards.
- *Programme changes*: :meth:`AgendaService.sync_programme` compares the pack in service with
  what followers were last told (:class:`~bot.store.models.ProgrammeSeen`), sends each
  follower of a changed session one notice (kind ``programme-change``) and re-plans its
  reminders; nobody else hears of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog.models import ContentPack, Session
from bot.clock import Clock
from bot.content import ContentHolder
from bot.delivery.outbox import LIVE, OUTBOX, Outbox, Recipient
from bot.store.db import Database
from bot.store.models import (
    AgendaSettings,
    Delegation,
    DelegationFollow,
    Follow,
    FollowState,
    Person,
    Priority,
    ProgrammeSeen,
    Role,
    SessionOverlay,
)

log = logging.getLogger(__name__)

#: lead times a person may choose, in minutes (besides the pack's default and "off")
LEAD_CHOICES = (10, 15, 30, 60)
OFF = 0
REMINDER = "reminder"
CHANGE = "programme-change"
BRIEFING = "briefing"
DELEGATION = "delegation-follow"
#: the largest delay an organiser may announce, in minutes
MAX_DELAY = 24 * 60
#: reminders due this long before a batch's time count in its size
BATCH_WINDOW = dt.timedelta(minutes=10)
#: reminders of automatic follows are written to the outbox this long before they are due, by
#: the planning tick (every PLANNING_EVERY_S); a follow's own reminder is written at once
PLANNING_HORIZON = dt.timedelta(minutes=30)
PLANNING_EVERY_S = 60.0
#: a reminder whose time passed less than this long ago is still sent (a late tick, a restart)
GRACE = dt.timedelta(minutes=2)
MAX_LEAD = max(LEAD_CHOICES)
#: a batch starts this much earlier than its drain time at the full rate (1 s and 5% of the drain,
#: at most this): room for a slower drain or a restart, so its last message is still on time
MAX_MARGIN_S = 4.0


class AgendaError(ValueError):
    """A request the agenda refuses; ``reason`` says why (the handlers phrase it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Overlay:
    delay_minutes: int = 0
    cancelled: bool = False


@dataclass(frozen=True)
class LiveSession:
    """A session of the pack with the organisers' overlay applied."""

    session: Session
    start: dt.datetime
    end: dt.datetime
    delay_minutes: int
    cancelled: bool

    @property
    def id(self) -> str:
        return self.session.id


def reminder_key(session_id: str, person_id: int, lead: int, start: dt.datetime) -> str:
    """One reminder per person, session, lead and start time: planning again never sends
    twice, and a session that moves (a delay, a new version of the pack) gets a reminder
    before its new time even when the one before its old time went out already."""
    return f"{REMINDER}:{session_id}:{person_id}:{lead}:{start.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


def reminder_prefix(session_id: str, person_id: int | None = None) -> str:
    return f"{REMINDER}:{session_id}:" + (f"{person_id}:" if person_id is not None else "")


def clashes(sessions: Sequence[LiveSession]) -> set[str]:
    """Ids of the sessions that overlap another one of the list (cancelled ones never clash)."""
    live = sorted((s for s in sessions if not s.cancelled), key=lambda s: (s.start, s.end))
    found: set[str] = set()
    latest_end: dt.datetime | None = None
    latest_id = ""
    for s in live:
        if latest_end is not None and s.start < latest_end:
            found.update((s.id, latest_id))
        if latest_end is None or s.end > latest_end:
            latest_end, latest_id = s.end, s.id
    return found


# -- who follows a session ------------------------------------------------------------------
def auto_followers_rule(pack: ContentPack | None, session_id: str) -> Any:
    """The pack's automatic follow of a session (its ``auto_follow``), as a SQL condition on
    ``Person``; None when the session has none."""
    if pack is None:
        return None
    session = pack.session(session_id)
    auto = getattr(session, "auto_follow", None) if session is not None else None
    if auto is None:
        return None
    if auto.everyone:
        return true()
    conditions: list[Any] = []
    if auto.delegations:
        codes = select(Delegation.id).where(func.upper(Delegation.code).in_([c.upper() for c in auto.delegations]))
        conditions.append(Person.delegation_id.in_(codes))
    if auto.roles:
        conditions.append(Person.role.in_([Role(r) for r in auto.roles]))
    return or_(*conditions) if conditions else None


async def followers_of(session: AsyncSession, session_id: str, pack: ContentPack | None) -> list[int]:
    """Person ids of everyone following ``session_id``: those who chose to, those the pack in
    service (``pack``; None: no automatic follows) makes follow it, and the members of
    delegations whose focal point added it, minus those who turned it off. Sorted."""
    chosen = select(Follow.person_id).where(Follow.session_id == session_id, Follow.state == FollowState.FOLLOWING)
    ids = set((await session.scalars(chosen)).all())
    opted_out = select(Follow.person_id).where(Follow.session_id == session_id, Follow.state == FollowState.OPTED_OUT)
    rule = auto_followers_rule(pack, session_id)
    if rule is not None:
        auto = select(Person.id).where(rule, Person.id.not_in(opted_out))
        ids.update((await session.scalars(auto)).all())
    delegations = select(DelegationFollow.delegation_id).where(DelegationFollow.session_id == session_id)
    by_delegation = select(Person.id).where(Person.delegation_id.in_(delegations), Person.id.not_in(opted_out))
    ids.update((await session.scalars(by_delegation)).all())
    return sorted(ids)


class AgendaService:
    """Follows, settings, reminders, overlay and programme changes (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, content: ContentHolder, outbox: Outbox, rate_per_s: float) -> None:
        self.db = db
        self.clock = clock
        self.content = content
        self.outbox = outbox
        self.rate_per_s = rate_per_s
        self.overlays: dict[str, Overlay] = {}

    @property
    def pack(self) -> ContentPack:
        return self.content.current.pack

    async def start(self) -> None:
        """At start-up, after migrations: the overlay into memory, and the pack compared with
        what followers were told (a pack changed while the bot was stopped)."""
        await self.load_overlays()
        await self.sync_programme()
        await self.plan_all()  # the pack's automatic follows (rows already planned do not change)

    # -- the live programme ------------------------------------------------------------------
    async def load_overlays(self) -> None:
        async with self.db.session() as s:
            rows = (await s.scalars(select(SessionOverlay))).all()
        self.overlays = {r.session_id: Overlay(r.delay_minutes, r.cancelled) for r in rows}

    def live(self, session_id: str, pack: ContentPack | None = None) -> LiveSession | None:
        pack = pack or self.pack
        session = pack.session(session_id)
        if session is None:
            return None
        return self.live_of(session)

    def live_of(self, session: Session) -> LiveSession:
        overlay = self.overlays.get(session.id, Overlay())
        shift = dt.timedelta(minutes=overlay.delay_minutes)
        return LiveSession(session, session.start + shift, session.end + shift, overlay.delay_minutes, overlay.cancelled)

    # -- follows -----------------------------------------------------------------------------
    async def follows(self, person_id: int, session_id: str) -> bool:
        async with self.db.session() as s:
            return await self.is_following(s, person_id, session_id)

    async def is_following(self, s: AsyncSession, person_id: int, session_id: str) -> bool:
        """One person's follow of one session: their choice, else the pack's automatic follow."""
        state = await s.scalar(select(Follow.state).where(Follow.person_id == person_id, Follow.session_id == session_id))
        if state is not None:
            return bool(state == FollowState.FOLLOWING)
        rule = auto_followers_rule(self.pack, session_id)
        if rule is not None and await s.scalar(select(Person.id).where(Person.id == person_id, rule)) is not None:
            return True
        return await s.scalar(
            select(DelegationFollow.id).join(Person, Person.delegation_id == DelegationFollow.delegation_id)
            .where(Person.id == person_id, DelegationFollow.session_id == session_id)
        ) is not None

    async def plan_person(self, person_id: int) -> int:
        """Plan the reminders, due within the planning horizon, of the sessions the pack makes
        this person follow (at /start: a new person, or one whose delegation or role an
        invite just set); the planning tick does the later ones."""
        written = 0
        until = self.clock.now() + PLANNING_HORIZON
        async with self.db.session() as s:
            for session in self.pack.sessions_sorted():
                if auto_followers_rule(self.pack, session.id) is not None and \
                        await self.is_following(s, person_id, session.id):
                    written += await self._plan(s, self.live_of(session), [person_id], horizon=until)
            await s.commit()
        return written

    async def follow(self, person: Person, session_id: str) -> LiveSession:
        """Follow a session of the pack (again): its reminder is planned in the same transaction."""
        live = self.live(session_id)
        if live is None:
            raise AgendaError("unknown-session")
        async with self.db.session() as s:
            await self._set_follow(s, person.id, session_id, FollowState.FOLLOWING)
            await self._plan(s, live, [person.id])
            await s.commit()
        return live

    async def unfollow(self, person: Person, session_id: str) -> None:
        """Stop following (an automatic follow included): its reminders are cancelled."""
        async with self.db.session() as s:
            await self._set_follow(s, person.id, session_id, FollowState.OPTED_OUT)
            await self.outbox.cancel(s, prefix=reminder_prefix(session_id, person.id), reason="unfollowed")
            await s.commit()

    async def _set_follow(self, s: AsyncSession, person_id: int, session_id: str, state: FollowState) -> None:
        now = self.clock.now()
        row = await s.scalar(select(Follow).where(Follow.person_id == person_id, Follow.session_id == session_id))
        if row is None:
            s.add(Follow(person_id=person_id, session_id=session_id, state=state, created_at=now, updated_at=now))
        elif row.state != state:
            row.state, row.updated_at = state, now
        await s.flush()

    async def agenda(self, person_id: int) -> list[LiveSession]:
        """The sessions of the pack a person follows, by start time (cancelled ones included)."""
        pack = self.pack
        async with self.db.session() as s:
            rows = (await s.execute(select(Follow.session_id, Follow.state).where(Follow.person_id == person_id))).all()
            chosen = {sid: state for sid, state in rows}
            found = [sid for sid, state in chosen.items() if state == FollowState.FOLLOWING]
            delegated = await s.scalars(
                select(DelegationFollow.session_id).join(Person, Person.delegation_id == DelegationFollow.delegation_id)
                .where(Person.id == person_id)
            )
            found += [sid for sid in delegated.all() if sid not in chosen]
            for session in pack.sessions:
                if session.id not in chosen and auto_followers_rule(pack, session.id) is not None \
                        and await self.is_following(s, person_id, session.id):
                    found.append(session.id)
        sessions = [live for sid in set(found) if (live := self.live(sid, pack)) is not None]
        return sorted(sessions, key=lambda x: (x.start, x.end, x.id))

    # -- settings ----------------------------------------------------------------------------
    def default_lead(self) -> int:
        leads = self.pack.event.reminder_lead_minutes
        return leads[0] if leads else 30

    async def settings(self, person_id: int) -> AgendaSettings | None:
        async with self.db.session() as s:
            return await s.get(AgendaSettings, person_id)

    async def lead_of(self, s: AsyncSession, person_id: int) -> int:
        row = await s.get(AgendaSettings, person_id)
        if row is None or row.lead_minutes is None:
            return self.default_lead()
        return row.lead_minutes

    async def _settings_row(self, s: AsyncSession, person_id: int) -> AgendaSettings:
        row = await s.get(AgendaSettings, person_id)
        if row is None:
            row = AgendaSettings(person_id=person_id, updated_at=self.clock.now())
            s.add(row)
        return row

    async def set_lead(self, person: Person, lead: int | None) -> int:
        """``lead``: one of :data:`LEAD_CHOICES`, :data:`OFF`, or None for the pack's default.
        Re-plans the person's reminders; returns the lead now in force."""
        if lead is not None and lead != OFF and lead not in LEAD_CHOICES:
            raise AgendaError("lead")
        agenda = await self.agenda(person.id)
        async with self.db.session() as s:
            row = await self._settings_row(s, person.id)
            row.lead_minutes, row.updated_at = lead, self.clock.now()
            await s.flush()
            for live in agenda:
                await self.outbox.cancel(s, prefix=reminder_prefix(live.id, person.id), reason="lead changed")
                await self._plan(s, live, [person.id])
            in_force = await self.lead_of(s, person.id)
            await s.commit()
        return in_force

    async def set_briefing(self, person: Person, hour: int | None) -> None:
        """A morning briefing of the person's day at ``hour`` (event time, 0-23) on each day of
        the event still to come, or none (None). Re-plans the briefings not sent yet."""
        if hour is not None and not 0 <= hour <= 23:
            raise AgendaError("hour")
        async with self.db.session() as s:
            row = await self._settings_row(s, person.id)
            row.briefing_hour, row.updated_at = hour, self.clock.now()
            await s.flush()
            await self.outbox.cancel(s, prefix=f"{BRIEFING}:{person.id}:", reason="briefing changed")
            if hour is not None:
                await self._plan_briefings(s, person.id, hour)
            await s.commit()

    async def _plan_briefings(self, s: AsyncSession, person_id: int, hour: int) -> int:
        pack, now = self.pack, self.clock.now()
        written = 0
        for day in pack.event_days():
            at = dt.datetime.combine(day, dt.time(hour), tzinfo=pack.tz).astimezone(dt.UTC)
            if at <= now:
                continue
            written += await self.outbox.enqueue(
                s, BRIEFING, to=Recipient(person_id=person_id), spec={"day": day.isoformat()},
                key=f"{BRIEFING}:{person_id}:{day.isoformat()}", due_at=at, revive_cancelled=True,
            )
        return written

    async def day_of(self, person_id: int, day: dt.date) -> list[LiveSession]:
        """The person's agenda on one day of the event (event time), cancelled sessions left out."""
        tz = self.pack.tz
        return [live for live in await self.agenda(person_id)
                if not live.cancelled and live.start.astimezone(tz).date() == day]

    async def calendar_token(self, person: Person, *, renew: bool = False) -> str:
        """The secret of the person's calendar subscription (made on first use; ``renew``
        replaces it, and the old URL stops working)."""
        from bot.services.calendar import new_token

        async with self.db.session() as s:
            row = await self._settings_row(s, person.id)
            if row.ics_token is None or renew:
                row.ics_token, row.updated_at = new_token(), self.clock.now()
            token = row.ics_token
            await s.commit()
        return token

    async def calendar_of(self, token: str, allowed: Callable[[Person], bool] = lambda p: True) -> bytes | None:
        """The .ics of the person whose subscription secret is ``token``; None if nobody's, or
        if ``allowed`` says that person may not read the programme (any more)."""
        from bot.services.calendar import agenda_ics

        if not token or len(token) > 64:
            return None
        async with self.db.session() as s:
            row = await s.scalar(select(AgendaSettings).where(AgendaSettings.ics_token == token))
            if row is None:
                return None
            person = await s.get(Person, row.person_id)
            if person is None or not allowed(person):
                return None
            lead = await self.lead_of(s, person.id)
        return agenda_ics(self.pack, await self.agenda(person.id), person.language, lead, self.clock.now())

    # -- a delegation's focal point ----------------------------------------------------------
    async def is_focal_point(self, s: AsyncSession, person: Person) -> bool:
        row = await s.get(AgendaSettings, person.id)
        return bool(row is not None and row.focal_point and person.delegation_id is not None)

    async def set_focal_point(self, person: Person, on: bool) -> None:
        """Make a person their delegation's focal point (an organiser's decision), or not."""
        if on and person.delegation_id is None:
            raise AgendaError("no-delegation")
        async with self.db.session() as s:
            row = await self._settings_row(s, person.id)
            row.focal_point, row.updated_at = on, self.clock.now()
            await s.commit()

    async def delegation_follows(self, person: Person, session_id: str) -> bool:
        if person.delegation_id is None:
            return False
        async with self.db.session() as s:
            return await s.scalar(select(DelegationFollow.id).where(
                DelegationFollow.delegation_id == person.delegation_id, DelegationFollow.session_id == session_id)) is not None

    async def follow_for_delegation(self, focal: Person, session_id: str, on: bool) -> int:
        """The focal point adds a session to (``on``) or removes it from the agenda of every
        member of their delegation; members who turned it off, or added it themselves, keep
        their choice. Each member who newly follows it gets one notice, and their reminder
        is planned; on removal, the reminders of those who no longer follow it are
        cancelled. Returns how many members follow it through the delegation now (or did)."""
        live = self.live(session_id)
        if live is None:
            raise AgendaError("unknown-session")
        async with self.db.session() as s:
            if not await self.is_focal_point(s, focal):
                raise AgendaError("not-focal")
            delegation_id = focal.delegation_id
            members = list((await s.scalars(select(Person.id).where(Person.delegation_id == delegation_id))).all())
            row = await s.scalar(select(DelegationFollow).where(
                DelegationFollow.delegation_id == delegation_id, DelegationFollow.session_id == session_id))
            before = {m for m in members if await self.is_following(s, m, session_id)}
            if on and row is None:
                s.add(DelegationFollow(delegation_id=delegation_id, session_id=session_id, set_by=focal.id,
                                       created_at=self.clock.now()))
            elif not on and row is not None:
                await s.delete(row)
            await s.flush()
            after = {m for m in members if await self.is_following(s, m, session_id)}
            if on:
                await self._plan(s, live, sorted(after))
                told = sorted(after - before - {focal.id})
                if told:
                    await self.outbox.enqueue_many(
                        s, DELEGATION, [Recipient(person_id=m, key=f"{DELEGATION}:{session_id}:{m}") for m in told],
                        spec={"session": session_id, "by": focal.id}, priority=Priority.NORMAL)
            else:
                for m in sorted(before - after):
                    await self.outbox.cancel(s, prefix=reminder_prefix(session_id, m), reason="delegation unfollowed")
            await s.commit()
        return len(after if on else before)

    # -- reminders ---------------------------------------------------------------------------
    async def _plan(self, s: AsyncSession, live: LiveSession, person_ids: Iterable[int],
                    horizon: dt.datetime | None = None) -> int:
        """Plan the reminders of ``live`` for these followers (cancelled rows of theirs come
        back with the new due time), those due by ``horizon`` if given. Returns how many rows
        were written."""
        now = self.clock.now()
        if live.cancelled or live.start <= now:
            return 0
        by_lead: dict[int, list[int]] = {}
        ids = sorted(set(person_ids))
        leads = await self._leads(s, ids)
        for pid in ids:
            lead = leads.get(pid, self.default_lead())
            if lead != OFF:
                by_lead.setdefault(lead, []).append(pid)
        written = 0
        for lead, pids in sorted(by_lead.items()):
            target = live.start - dt.timedelta(minutes=lead)
            if self.too_soon(live, lead):
                continue  # well inside the lead already (a follow at the last minute, a clock jump)
            if horizon is not None and target > horizon:
                continue  # planned later, by the planning tick
            due = await self._batch_due(s, target, len(pids))
            recipients = [
                Recipient(person_id=pid, key=reminder_key(live.id, pid, lead, live.start),
                          spec={"session": live.id, "lead": lead, "start": live.start.isoformat()})
                for pid in pids
            ]
            written += await self.outbox.enqueue_many(
                s, REMINDER, recipients, priority=Priority.NORMAL, due_at=max(due, now), revive_cancelled=True
            )
        return written

    def too_soon(self, live: LiveSession, lead: int) -> bool:
        """Whether a reminder ``lead`` minutes before ``live`` is too late to plan now (the
        session starts within the lead, or has started): none is sent then."""
        return live.start - dt.timedelta(minutes=lead) < self.clock.now() - GRACE

    async def _leads(self, s: AsyncSession, person_ids: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(person_ids), 1000):
            chunk = person_ids[start : start + 1000]
            rows = (await s.execute(
                select(AgendaSettings.person_id, AgendaSettings.lead_minutes).where(AgendaSettings.person_id.in_(chunk))
            )).all()
            found.update({pid: lead for pid, lead in rows if lead is not None})
        return found

    async def _batch_due(self, s: AsyncSession, target: dt.datetime, n: int) -> dt.datetime:
        """When a batch of ``n`` reminders for ``target`` must start: the reminders already due
        just before it go first at the same rate, so they count."""
        if self.rate_per_s <= 0:
            return target
        before = await s.scalar(
            select(func.count()).select_from(OUTBOX).where(
                OUTBOX.c.kind == REMINDER, OUTBOX.c.state.in_(LIVE),
                OUTBOX.c.due_at > target - BATCH_WINDOW, OUTBOX.c.due_at <= target,
            )
        ) or 0
        drain = (before + n) / self.rate_per_s
        return target - dt.timedelta(seconds=drain + min(MAX_MARGIN_S, 1.0 + 0.05 * drain))

    async def plan_session(self, s: AsyncSession, session_id: str, reason: str = "re-planned") -> int:
        """Re-plan every reminder of a session (after a change): the live rows are cancelled
        and those still wanted come back with their new due time."""
        await self.outbox.cancel(s, prefix=reminder_prefix(session_id), reason=reason)
        live = self.live(session_id)
        if live is None:
            return 0
        return await self._plan(s, live, await followers_of(s, session_id, self.pack))

    async def plan_all(self, horizon: dt.timedelta = PLANNING_HORIZON) -> int:
        """Plan the reminders due within ``horizon`` of every follower of every session: the
        automatic follows, which no press of a button planned (at start-up, after a reload,
        and every minute from the planning tick). Rows already planned do not change."""
        written = 0
        until = self.clock.now() + horizon
        async with self.db.session() as s:
            for session in self.pack.sessions_sorted():
                live = self.live_of(session)
                if live.cancelled or live.start <= self.clock.now() or live.start - dt.timedelta(minutes=MAX_LEAD) > until:
                    continue
                written += await self._plan(s, live, await followers_of(s, session.id, self.pack), horizon=until)
            await s.commit()
        if written:
            log.info("planning: %d reminders", written)
        return written

    async def still_wanted(self, s: AsyncSession, person: Person, spec: dict[str, Any]) -> LiveSession | str:
        """At send time: the session of a reminder if it must still go, else why not."""
        live = self.live(str(spec.get("session", "")))
        if live is None:
            return "the session left the programme"
        if live.cancelled:
            return "the session was cancelled"
        if live.start <= self.clock.now():
            return "the session has started"
        if not await self.is_following(s, person.id, live.id):
            return "no longer followed"
        if await self.lead_of(s, person.id) != spec.get("lead"):
            return "the lead time changed"
        return live

    # -- the organisers' overlay -------------------------------------------------------------
    async def set_overlay(self, session_id: str, *, delay_minutes: int = 0, cancelled: bool = False,
                          actor: str) -> tuple[LiveSession, int]:
        """Delay (minutes, 0 undoes the overlay) or cancel a session: its followers get one
        notice each and their reminders are re-planned. Returns the session as it is now and
        how many notices were written."""
        if self.pack.session(session_id) is None:
            raise AgendaError("unknown-session")
        if not -MAX_DELAY <= delay_minutes <= MAX_DELAY:
            raise AgendaError("delay")
        before = self.live(session_id)
        assert before is not None
        now = self.clock.now()
        async with self.db.session() as s:
            row = await s.get(SessionOverlay, session_id)
            if delay_minutes == 0 and not cancelled:
                if row is not None:
                    await s.delete(row)
            elif row is None:
                s.add(SessionOverlay(session_id=session_id, delay_minutes=delay_minutes, cancelled=cancelled,
                                     set_by=actor[:100], updated_at=now))
            else:
                row.delay_minutes, row.cancelled, row.set_by, row.updated_at = delay_minutes, cancelled, actor[:100], now
            await s.flush()
            self.overlays[session_id] = Overlay(delay_minutes, cancelled)
            if delay_minutes == 0 and not cancelled:
                self.overlays.pop(session_id, None)
            after = self.live(session_id)
            assert after is not None
            notices = 0
            if _shape(before) != _shape(after):
                notices = await self._notify(s, session_id, _shape(before), _shape(after), f"overlay-{secrets.token_hex(6)}")
                await self.plan_session(s, session_id)
            await self._record_seen(s, after, now)  # told: a later reload does not tell again
            await s.commit()
        return after, notices

    async def _record_seen(self, s: AsyncSession, live: LiveSession, now: dt.datetime) -> None:
        start, end, room, cancelled = _shape(live)
        row = await s.get(ProgrammeSeen, live.id)
        if row is None:
            s.add(ProgrammeSeen(session_id=live.id, start=start, end=end, room=room, cancelled=cancelled, updated_at=now))
        else:
            row.start, row.end, row.room, row.cancelled, row.updated_at = start, end, room, cancelled, now

    # -- programme changes -------------------------------------------------------------------
    async def sync_programme(self) -> int:
        """Compare the pack in service with what followers were told; one notice per follower
        of each changed (moved, re-roomed, cancelled or removed) session, and its reminders
        re-planned. Returns how many notices were written. The first run only records."""
        pack = self.pack
        notices = 0
        now = self.clock.now()
        async with self.db.session() as s:
            seen = {r.session_id: r for r in (await s.scalars(select(ProgrammeSeen))).all()}
            first = not seen
            current = {session.id: self.live_of(session) for session in pack.sessions}
            for sid, live in current.items():
                shape = _shape(live)
                row = seen.get(sid)
                if row is None:
                    s.add(ProgrammeSeen(session_id=sid, start=shape[0], end=shape[1], room=shape[2],
                                        cancelled=shape[3], updated_at=now))
                    continue
                old = (row.start, row.end, row.room, row.cancelled)
                if old != shape:
                    if not first:
                        notices += await self._notify(s, sid, old, shape, _stamp(shape))
                        await self.plan_session(s, sid)
                    row.start, row.end, row.room, row.cancelled, row.updated_at = (*shape, now)
            for sid, row in seen.items():
                if sid not in current and not row.cancelled:  # gone from the pack: cancelled for its followers
                    old = (row.start, row.end, row.room, row.cancelled)
                    new = (row.start, row.end, row.room, True)
                    notices += await self._notify(s, sid, old, new, "removed")
                    await self.outbox.cancel(s, prefix=reminder_prefix(sid), reason="left the programme")
                    row.cancelled, row.updated_at = True, now
            await s.commit()
        if notices:
            log.info("programme changes: %d notices", notices)
        return notices

    async def _notify(self, s: AsyncSession, session_id: str, old: Shape, new: Shape, stamp: str) -> int:
        if max(old[1].timestamp(), new[1].timestamp()) <= self.clock.now().timestamp():
            return 0  # over, at the old time and the new: nobody needs to hear of it now
        followers = await followers_of(s, session_id, self.pack)
        if not followers:
            return 0
        spec = {"session": session_id, "old": _shape_json(old), "new": _shape_json(new)}
        recipients = [Recipient(person_id=pid, key=f"change:{session_id}:{pid}:{stamp}"[:200]) for pid in followers]
        return await self.outbox.enqueue_many(s, CHANGE, recipients, spec=spec, priority=Priority.NORMAL)

    async def forget_overlays(self) -> None:
        """Remove every overlay (tests, a new event)."""
        async with self.db.session() as s:
            await s.execute(delete(SessionOverlay))
            await s.commit()
        self.overlays = {}


Shape = tuple[dt.datetime, dt.datetime, str, bool]


def _shape(live: LiveSession) -> Shape:
    return (live.start, live.end, live.session.room, live.cancelled)


def _stamp(shape: Shape) -> str:
    return f"{int(shape[0].timestamp())}-{int(shape[1].timestamp())}-{shape[2]}-{int(shape[3])}"


def _shape_json(shape: Shape) -> dict[str, Any]:
    return {"start": shape[0].isoformat(), "end": shape[1].isoformat(), "room": shape[2], "cancelled": shape[3]}


def shape_from_json(data: dict[str, Any]) -> Shape:
    return (dt.datetime.fromisoformat(data["start"]), dt.datetime.fromisoformat(data["end"]),
            str(data["room"]), bool(data["cancelled"]))
