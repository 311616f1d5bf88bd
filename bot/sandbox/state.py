"""What the emulator remembers: chats, their message history (with edits and deletions) and
callback queries. Plain data; the HTTP side lives in :mod:`bot.sandbox.emulator`."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.entities import to_html

IN, OUT = "in", "out"  # user -> bot, bot -> user

_SEQ = itertools.count(1)


def current_seq() -> int:
    """A mark on the change counter: entries created or edited later have a higher ``seq``."""
    return next(_SEQ)


def next_seq() -> int:
    return next(_SEQ)


class ApiError(Exception):
    """A Bot API error: ``{"ok": false, "error_code": code, "description": description}``, with
    ``parameters`` (``retry_after``, ``migrate_to_chat_id``) when Telegram sends them."""

    def __init__(self, code: int, description: str, retry_after: int | None = None, *,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.parameters = dict(parameters or {})
        if retry_after is not None:
            self.parameters["retry_after"] = retry_after


@dataclass
class Edit:
    """The content a message had *before* one edit, and when that edit happened."""

    text: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    date: int  # clock time of the edit (epoch seconds)
    at: float  # monotonic time of the edit
    method: str = "editMessageText"

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "entities": self.entities, "reply_markup": self.reply_markup,
                "parse_mode": self.parse_mode, "date": self.date, "at": self.at, "method": self.method}


@dataclass
class Entry:
    """One message in a chat's history.

    ``direction`` is ``"in"`` (user -> bot) or ``"out"`` (bot -> user); ``kind`` is text,
    location, venue, document, photo, sticker, voice, contact or service; ``text`` is the
    plain text (or caption) after entity parsing, ``entities`` its entities; ``date`` comes
    from the emulator's clock, ``at`` from the monotonic clock; ``edits`` keeps what the
    message looked like before each edit; ``seq`` is the change counter when it was created or
    last edited, ``touched`` when anything last changed (including deletion).
    """

    message_id: int
    direction: str
    kind: str
    text: str = ""
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    date: int = 0
    at: float = 0.0
    sender_id: int | None = None
    thread_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False
    seq: int = 0
    touched: int = 0
    chat_id: int = 0
    reply_to: int | None = None  # message_id this one answers
    edit_date: int | None = None
    options: dict[str, Any] = field(default_factory=dict)  # link_preview_options, protect_content, ...

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of the inline keyboard (empty when there is none)."""
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard", []) or []

    @property
    def keyboard(self) -> list[list[str]]:
        """Rows of button labels of a reply keyboard sent with this message."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                for row in self.reply_markup["keyboard"]]

    def button_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def button_texts(self) -> list[str]:
        return [b.get("text", "") for row in self.buttons for b in row]

    @property
    def from_bot(self) -> bool:
        return self.direction == OUT

    @property
    def html(self) -> str:
        """The text with its entities as safe HTML (for display)."""
        return to_html(self.text, self.entities)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (for ``/sim`` and logs)."""
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "direction": self.direction,
            "from": "bot" if self.direction == OUT else "user",
            "sender_id": self.sender_id,
            "kind": self.kind,
            "text": self.text,
            "html": self.html,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "buttons": self.buttons,
            "keyboard": self.keyboard,
            "date": self.date,
            "at": self.at,
            "thread_id": self.thread_id,
            "reply_to_message_id": self.reply_to,
            "extra": self.extra,
            "edits": [e.as_dict() for e in self.edits],
            "edit_date": self.edit_date,
            "deleted": self.deleted,
            "seq": self.seq,
            "touched": self.touched,
        }


#: what the bot is in a group: a member, an administrator, gone by itself, or removed
MEMBER, ADMINISTRATOR, LEFT, KICKED = "member", "administrator", "left", "kicked"


@dataclass
class Chat:
    """A private chat with one user, a group, or a (forum) supergroup.

    A private chat exists for Telegram only once the person wrote to the bot (``started``);
    ``deactivated`` is a deleted account. In groups ``bot_status`` is the bot's membership,
    ``rights`` the administrator rights of each administrator (the bot's decide what it may do),
    and ``migrated_to`` the supergroup a basic group was upgraded to.
    """

    id: int
    type: str  # private | group | supergroup
    title: str = ""
    is_forum: bool = False
    user: dict[str, Any] | None = None  # the user of a private chat
    blocked: bool = False
    started: bool = False
    deactivated: bool = False
    bot_status: str = MEMBER
    migrated_to: int | None = None
    migrated_from: int | None = None
    rights: dict[int, dict[str, bool]] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    history: list[Entry] = field(default_factory=list)
    by_id: dict[int, Entry] = field(default_factory=dict)
    next_id: int = 1
    topics: dict[int, str] = field(default_factory=dict)
    #: the closed topics (1: the General topic) and who created each topic (the bot's own id for its own)
    closed_topics: set[int] = field(default_factory=set)
    topic_creators: dict[int, int] = field(default_factory=dict)
    username: str | None = None
    keyboard: dict[str, Any] | None = None  # the reply keyboard the user currently sees
    menu_button: dict[str, Any] | None = None
    pinned: list[int] = field(default_factory=list)
    touched: int = 0

    @property
    def private(self) -> bool:
        return self.type == "private"

    def has_right(self, user_id: int, right: str) -> bool:
        """Whether ``user_id`` is an administrator here with ``right`` (``can_manage_topics``,
        ...); administrators have every right unless told otherwise."""
        return user_id in self.admins and self.rights.get(user_id, {}).get(right, True)

    def as_dict(self) -> dict[str, Any]:
        if self.type == "private" and self.user:
            out: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
            for key in ("last_name", "username"):
                if self.user.get(key):
                    out[key] = self.user[key]
            return out
        out = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            out["username"] = self.username
        if self.is_forum:
            out["is_forum"] = True
        return out

    def __post_init__(self) -> None:
        if self.type != "private" and self.next_id == 1:
            self.next_id = 2  # message 1 of a group is its creation (and never a forum topic)

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, entry: Entry) -> Entry:
        entry.seq = entry.touched = self.touched = next(_SEQ)
        entry.chat_id = self.id
        if not entry.at:
            entry.at = time.monotonic()
        self.history.append(entry)
        self.by_id[entry.message_id] = entry
        return entry

    def touch(self, entry: Entry, *, content: bool) -> None:
        """Mark a change of ``entry``: ``content`` (an edit) also moves its ``seq``."""
        entry.touched = self.touched = next(_SEQ)
        if content:
            entry.seq = entry.touched

    def outgoing(self) -> list[Entry]:
        return [e for e in self.history if e.direction == OUT and not e.deleted]

    def summary(self) -> dict[str, Any]:
        last = self.history[-1] if self.history else None
        return {**self.as_dict(), "blocked": self.blocked, "started": self.started,
                "deactivated": self.deactivated, "bot_status": self.bot_status,
                "migrated_to": self.migrated_to, "members": sorted(self.members),
                "admins": sorted(self.admins),
                "topics": {str(k): v for k, v in self.topics.items()}, "closed_topics": sorted(self.closed_topics),
                "messages": len(self.history),
                "last_message_id": last.message_id if last else None, "touched": self.touched,
                "keyboard": self.keyboard}


@dataclass
class CallbackQuery:
    """A button press the emulator sent to the bot, and how the bot answered it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float = field(default_factory=time.monotonic)
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    answered_at: float | None = None
    touched: int = 0  # change counter when answered

    def __getitem__(self, key: str) -> Any:  # dict-style access, as older tests use
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "chat_id": self.chat_id, "message_id": self.message_id,
                "data": self.data, "answered": self.answered, "text": self.text, "show_alert": self.show_alert,
                "url": self.url, "answered_at": self.answered_at, "created": self.created,
                "touched": self.touched}
