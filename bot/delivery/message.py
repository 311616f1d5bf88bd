"""What the outbox sends, without Telegram: a rendered :class:`Message`, or a :class:`Skip`.

A message is stored as JSON in an outbox row (``Message.to_json``) or made at send time by the
renderer of its kind. The sender (:mod:`bot.delivery.sender`) is the only place that turns it
into a Bot API call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """An inline button: ``callback_data`` (at most 64 bytes) or ``url``."""

    text: str
    callback_data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.callback_data is None) == (self.url is None):
            raise ValueError("a button has either callback_data or a url")


@dataclass(frozen=True)
class Message:
    """One Bot API call the sender makes.

    By default a text message (``parse_mode`` HTML, like every reply of the bot). With
    ``photo`` or ``document`` (a file id or URL) the text is the caption; with ``location`` it
    is a location (``text`` unused). ``edit_message_id`` edits the text and buttons of a message
    the bot sent earlier (a corrected broadcast); ``delete_message_id`` deletes it (a recall).
    ``allow_paid_broadcast`` sends at the paid rate (see ``RATE_PAID_BROADCAST_PER_S``).
    """

    text: str = ""
    parse_mode: str | None = "HTML"
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: str | None = None
    document: str | None = None
    location: tuple[float, float] | None = None
    disable_notification: bool = False
    protect_content: bool = False
    allow_paid_broadcast: bool = False
    edit_message_id: int | None = None
    delete_message_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # reserved for kinds to come; not sent
    #: the language the text is in, recorded on the outbox row once sent (not sent itself): a
    #: broadcast's correction edits what went out in the corrected language
    language: str | None = None

    def __post_init__(self) -> None:
        shapes = [self.photo, self.document, self.location, self.edit_message_id, self.delete_message_id]
        if sum(x is not None for x in shapes) > 1:
            raise ValueError("a message is one of: text, photo, document, location, edit, delete")
        if not self.text and self.photo is None and self.document is None and self.location is None \
                and self.delete_message_id is None:
            raise ValueError("a text message needs text")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.parse_mode != "HTML":
            out["parse_mode"] = self.parse_mode
        if self.buttons:
            out["buttons"] = [
                [{k: v for k, v in (("text", b.text), ("callback_data", b.callback_data), ("url", b.url)) if v is not None}
                 for b in row]
                for row in self.buttons
            ]
        for name in ("photo", "document", "edit_message_id", "delete_message_id"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.location is not None:
            out["location"] = list(self.location)
        for name in ("disable_notification", "protect_content", "allow_paid_broadcast"):
            if getattr(self, name):
                out[name] = True
        if self.extra:
            out["extra"] = self.extra
        if self.language is not None:
            out["language"] = self.language
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        location = data.get("location")
        return cls(
            text=data.get("text", ""),
            parse_mode=data.get("parse_mode", "HTML"),
            buttons=tuple(tuple(Button(**b) for b in row) for row in data.get("buttons", ())),
            photo=data.get("photo"),
            document=data.get("document"),
            location=(float(location[0]), float(location[1])) if location else None,
            disable_notification=bool(data.get("disable_notification")),
            protect_content=bool(data.get("protect_content")),
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast")),
            edit_message_id=data.get("edit_message_id"),
            delete_message_id=data.get("delete_message_id"),
            extra=data.get("extra") or {},
            language=data.get("language"),
        )


@dataclass(frozen=True)
class Skip:
    """A renderer's answer when the message must not go out any more (e.g. a reminder for a
    session since cancelled). The row ends ``skipped`` with the reason."""

    reason: str
