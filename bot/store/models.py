"""Database models (SQLAlchemy 2, typed declarative). The same code runs on SQLite and PostgreSQL.

Times are stored as timezone-aware UTC (``UtcDateTime``): SQLite has no time zones, so the
type normalises on the way in and out.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the clock")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UtcDateTime, dict[str, Any]: JSON}


class Role(enum.StrEnum):
    DELEGATE = "delegate"
    ORGANISER = "organiser"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"  # a liaison officer who also oversees other officers


class AuditAction(enum.StrEnum):
    ROLE_CHANGED = "role.changed"
    INVITE_REVOKED = "invite.revoked"


class DelegationKind(enum.StrEnum):
    COUNTRY = "country"
    ORGANISATION = "organisation"


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class Delegation(Base):
    """A country's or an organisation's delegation."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # "VNM", "unodc"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DelegationKind] = mapped_column(_enum(DelegationKind), default=DelegationKind.COUNTRY)
    created_at: Mapped[dt.datetime]

    people: Mapped[list[Person]] = relationship(back_populates="delegation")


class Person(Base):
    """Someone who talks to the bot: a delegate, organiser or liaison officer."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    #: chosen with /language: Telegram's language_code no longer overrides it
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.DELEGATE)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    #: False once Telegram says the person blocked the bot (403)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime | None]

    delegation: Mapped[Delegation | None] = relationship(back_populates="people", lazy="joined")

    @property
    def is_organiser(self) -> bool:
        return self.role == Role.ORGANISER

    @property
    def is_officer(self) -> bool:
        return self.role in (Role.OFFICER, Role.SUPERVISOR)


class Invite(Base):
    """An invite link's token binds a Telegram account to a delegation and role on first use.

    Only the SHA-256 of the token is stored: the link is shown once, when created.
    """

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.DELEGATE)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    language: Mapped[str | None] = mapped_column(String(8))
    label: Mapped[str | None] = mapped_column(String(200))  # e.g. the invitee's name, for organisers
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]

    delegation: Mapped[Delegation | None] = relationship(lazy="joined")


class InviteUse(Base):
    """Who used which invite, and when (one row per person and invite)."""

    __tablename__ = "invite_uses"
    __table_args__ = (UniqueConstraint("invite_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    used_at: Mapped[dt.datetime]


class UnansweredQuestion(Base):
    """A question the bot could not answer: kept without the asker's identity.

    ``asked_at`` is the start of the UTC hour it was asked in, never the exact time: people's
    ``last_seen_at`` comes from the same clock, and an exact time could be joined to it to
    tell who asked. No column here may identify or time the asker more closely (a test checks
    the columns): the id only orders questions among themselves.
    """

    __tablename__ = "unanswered_questions"
    __table_args__ = (Index("ix_unanswered_norm", "normalised"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(8))
    content_version: Mapped[str] = mapped_column(String(32), default="")
    asked_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """Who changed what and when: a role given or taken, an invite revoked. Written in the same
    transaction as the change it records; never changed afterwards.

    ``actor`` and ``target`` are names, not foreign keys, so that an entry outlives what it
    names: ``telegram:<id>`` (a person, by Telegram id), ``cli:<user>`` (the command line,
    with the system user running it), ``setting:ORGANISER_IDS``, ``system``; ``person:<id>``
    (a Telegram id) or ``invite:<id>``. ``old_value`` and ``new_value`` are a role, or an
    invite's state (``active``, ``revoked``).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_target", "target", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction))
    target: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[str | None] = mapped_column(String(100))
    new_value: Mapped[str | None] = mapped_column(String(100))


class InboxState(enum.StrEnum):
    PENDING = "pending"  # stored, not handled yet (or interrupted: replayed at the next start)
    HANDLED = "handled"  # its handler finished (the error handler included)
    SKIPPED = "skipped"  # started too many times without finishing, or unreadable: given up


class InboxUpdate(Base):
    """An update as Telegram sent it, stored before it is acknowledged (see :mod:`bot.inbox`)."""

    __tablename__ = "inbox_updates"
    __table_args__ = (Index("ix_inbox_state_update", "state", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)  # the update's JSON, as received
    state: Mapped[InboxState] = mapped_column(_enum(InboxState), default=InboxState.PENDING)
    #: handlings started without finishing (counted on replay and when cut off at shutdown)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime]
    handled_at: Mapped[dt.datetime | None]


# -- the outbox: every message the bot sends on its own (see bot/delivery/) ---------------------
class Priority(enum.IntEnum):
    """Sending priority: lower goes first. Stored as a small integer so the database sorts it."""

    URGENT = 0  # urgent liaison requests, urgent broadcasts
    NORMAL = 1  # reminders, replies, relays, programme-change notices
    BULK = 2  # broadcasts


class DeliveryState(enum.StrEnum):
    """pending -> claimed (held by one sender, nothing sent) -> sending (the request is out) ->
    sent | failed | skipped; pending or claimed -> cancelled."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """One message to one chat, written in the same transaction as the change that causes it.

    ``payload`` is either a rendered :class:`bot.delivery.message.Message` (``rendered``) or a
    render spec that the renderer of ``kind`` turns into a message at send time. ``key`` makes a
    second enqueue a no-op; ``group_id`` ties a broadcast's rows together.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_claim", "state", "priority", "next_attempt_at"),
        Index("ix_outbox_group", "group_id", "state"),
        Index("ix_outbox_person", "person_id", "state"),
        Index("ix_outbox_chat", "chat_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.NORMAL)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    group_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    rendered: Mapped[bool] = mapped_column(Boolean, default=True)
    #: sent with allow_paid_broadcast (up to RATE_PAID_BROADCAST_PER_S, paid in Stars)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[DeliveryState] = mapped_column(_enum(DeliveryState), default=DeliveryState.PENDING)
    due_at: Mapped[dt.datetime]
    #: the claim order within a priority: due_at at first, later after a retryable error
    next_attempt_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the language the sent message was rendered in (``Message.language``), when it says
    language: Mapped[str | None] = mapped_column(String(8))
    #: the sender holding the row while claimed or sending
    claimed_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]


# --- agenda and reminders (bot/services/agenda.py) ---
class FollowState(enum.StrEnum):
    FOLLOWING = "following"
    #: turned off by the person: an automatic follow of the pack no longer applies to them
    OPTED_OUT = "opted-out"


class Follow(Base):
    """A person's choice about one session of the programme: followed, or explicitly not
    (an opt-out of the pack's automatic follow). Sessions are the pack's ids, not foreign keys:
    a session may leave the pack, and its follows stay (ignored) until it comes back."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("person_id", "session_id"), Index("ix_follows_session", "session_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    session_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[FollowState] = mapped_column(_enum(FollowState), default=FollowState.FOLLOWING)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class AgendaSettings(Base):
    """A person's reminder settings: the lead time (None: the pack's default; 0: off), the
    hour of the morning briefing (None: none), the secret of their calendar subscription."""

    __tablename__ = "agenda_settings"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    lead_minutes: Mapped[int | None] = mapped_column(Integer)
    briefing_hour: Mapped[int | None] = mapped_column(SmallInteger)
    ics_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: their delegation's focal point (set by an organiser): may follow a session for all of it
    focal_point: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime]


class DelegationFollow(Base):
    """A session a delegation's focal point follows for the whole delegation: each member
    follows it (and may still turn it off, like an automatic follow of the pack)."""

    __tablename__ = "delegation_follows"
    __table_args__ = (UniqueConstraint("delegation_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    session_id: Mapped[str] = mapped_column(String(64))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]


class SessionOverlay(Base):
    """An organiser's live change to a session, over the pack: delayed by some minutes, or
    cancelled. ``/delay SESSION 0`` deletes the row."""

    __tablename__ = "session_overlays"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime]


class ProgrammeSeen(Base):
    """What followers were last told about a session (start, end, room, cancelled): a pack
    reloaded with other values sends its followers one notice, then this row is updated."""

    __tablename__ = "programme_seen"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    room: Mapped[str] = mapped_column(String(64))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime]

# --- broadcasts ---
class BroadcastState(enum.StrEnum):
    """draft -> (approval ->) scheduled -> sending -> done; draft, approval or scheduled ->
    cancelled; sending -> cancelled (what had not gone stays unsent)."""

    DRAFT = "draft"  # being composed by its author
    APPROVAL = "approval"  # waiting for a second organiser
    SCHEDULED = "scheduled"  # its rows are in the outbox, due at send_at
    SENDING = "sending"  # send_at has passed: rows going out
    DONE = "done"  # nothing left to send (the report is final)
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An organiser's message to many people. Its outbox rows share ``group_id`` ``bc<id>``
    and carry the key ``broadcast:<id>:<person id>``; they are rendered at send time from this
    row (``texts`` per language), in each recipient's language of that moment."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    state: Mapped[BroadcastState] = mapped_column(_enum(BroadcastState), default=BroadcastState.DRAFT)
    #: who gets it: {"kind": "everyone" | "role" | "language" | "delegations" | "people", ...}
    audience: Mapped[dict[str, Any]]
    #: language code -> text (Telegram HTML as the organiser typed it, escaped)
    texts: Mapped[dict[str, Any]]
    #: a session's id: the message carries a button opening its card
    session_id: Mapped[str | None] = mapped_column(String(64))
    #: one photo or document (Telegram file id): the text is its caption
    attachment_kind: Mapped[str | None] = mapped_column(String(16))
    attachment: Mapped[str | None] = mapped_column(String(300))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    #: recipients get a "confirm receipt" button; chase_after_min: a reminder to who has not
    ask_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    chase_after_min: Mapped[int | None] = mapped_column(Integer)
    send_at: Mapped[dt.datetime | None]
    audience_size: Mapped[int] = mapped_column(Integer, default=0)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    #: where the author's live progress message is (edited until the report is final)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: corrections made after sending (each edits the delivered messages); recalled: deleted
    revision: Mapped[int] = mapped_column(Integer, default=0)
    recalled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    @property
    def group_id(self) -> str:
        return f"bc{self.id}"


class BroadcastReceipt(Base):
    """A recipient pressed "confirm receipt" (once per person and broadcast)."""

    __tablename__ = "broadcast_receipts"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    confirmed_at: Mapped[dt.datetime]

# --- liaison requests ---
class RequestStatus(enum.StrEnum):
    """open (waiting for an officer's Claim) -> claimed (one holder) -> resolved; open or claimed
    -> cancelled (by the delegate); resolved -> claimed again when reopened."""

    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class RequestAction(enum.StrEnum):
    OPENED = "opened"
    ROUTED = "routed"  # offered to an officer, the officers' group or supervisors (note: where)
    CLAIMED = "claimed"
    HANDED_OVER = "handed_over"
    ESCALATED = "escalated"
    REMINDED = "reminded"
    REROUTED = "rerouted"  # its officer went off duty or blocked the bot
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    RATED = "rated"


class CoverKind(enum.StrEnum):
    DELEGATION = "delegation"  # a delegation code
    LANGUAGE = "language"  # a language code
    CATEGORY = "category"  # a liaison category id


class LiaisonRequest(Base):
    """A delegate's request to a liaison officer. Its id is the request number people see.

    ``holder_id`` is set only by a conditional UPDATE (``status = 'open'``), so however many
    officers press Claim at once exactly one holds it. ``offered_to_id`` is the officer routing
    chose (notified with a Claim button); ``thread_id`` the request's topic in a forum group."""

    __tablename__ = "liaison_requests"
    __table_args__ = (
        Index("ix_liaison_status", "status", "created_at"),
        Index("ix_liaison_delegate", "delegate_id", "status"),
        Index("ix_liaison_holder", "holder_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    category: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.OPEN)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    offered_to_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    #: the question the bot could not answer, when the request came from that hand-off
    question: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    #: whether the topic was closed, as far as the bot did it: the sweep closes or reopens the
    #: topics for which this disagrees with ``status`` (closed when resolved or cancelled)
    topic_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    #: the delegate's oldest message the holder has not answered yet (None: nothing waits)
    waiting_since: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]


class LiaisonEvent(Base):
    """Every state change of a request: who (``actor`` as in the audit log), when, and a note."""

    __tablename__ = "liaison_events"
    __table_args__ = (Index("ix_liaison_events_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("liaison_requests.id"))
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[RequestAction] = mapped_column(_enum(RequestAction))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    note: Mapped[str | None] = mapped_column(String(1000))


class LiaisonMessage(Base):
    """One message of a request's conversation, either way: text, photo, document or location."""

    __tablename__ = "liaison_messages"
    __table_args__ = (Index("ix_liaison_messages_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("liaison_requests.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    from_officer: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16))  # text | photo | document | location | quick
    text: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    at: Mapped[dt.datetime]


class OfficerProfile(Base):
    """A liaison officer's duty state (a row appears with their first assignment or /duty)."""

    __tablename__ = "officer_profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime]


class OfficerCover(Base):
    """What an officer covers: a delegation, a language or a liaison category."""

    __tablename__ = "officer_covers"
    __table_args__ = (UniqueConstraint("person_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[CoverKind] = mapped_column(_enum(CoverKind))
    value: Mapped[str] = mapped_column(String(64))


class LiaisonDraft(Base):
    """What a person's next message is for: a new request (``category``), a message to a
    request, or an officer's reply. One row per person; gone once used."""

    __tablename__ = "liaison_drafts"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # new | add | reply
    request_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_requests.id"))
    category: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime]


class BroadcastStep(Base):
    """What an organiser is asked to type next for a broadcast (the same idea as
    :class:`LiaisonDraft`): ``step`` is text, fix, deleg, ids, follow, time, sess, chase, or any
    (the draft's panel is up: a photo or a document, or a first text); ``language`` the text's
    language (text, fix). One row per person; gone once used, and ignored when it no longer
    stands (see :meth:`bot.services.broadcast.BroadcastService.step`)."""

    __tablename__ = "broadcast_steps"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    step: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="")
    updated_at: Mapped[dt.datetime]

# --- learn from the event (#16.5) ---
class LearntPhrasing(Base):
    """A question the bot could not answer, attached by an organiser to the entry that should
    have answered it: an overlay of the content pack (of the event ``event_id``) that the
    answer engine reads as one more of that entry's phrasings. ``added_by`` names who attached
    it as the audit log names people (``telegram:<id>``, ``cli:<user>``); nothing here tells
    who asked. ``python -m bot content export-phrasings`` writes them back as YAML."""

    __tablename__ = "learnt_phrasings"
    __table_args__ = (
        UniqueConstraint("event_id", "entry_type", "entry_id", "normalised", name="uq_learnt_phrasings_entry_text"),
        Index("ix_learnt_phrasings_event", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    entry_type: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(8))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime]
