"""Simulated people: a user in their private chat with the bot (and in groups), and groups.

Every action becomes an update with the next ``update_id``, exactly as Telegram would send it,
and is written to the chat's history. Helpers wait for the bot's answers::

    alice = emu.user(1001, "Alice", language_code="fr")
    await alice.send("/start")
    reply = await alice.reply()               # the bot's next message (or edit)
    await alice.press(text="📅 Programme")    # an inline button of the newest message having it

A user the bot may write to first is one who wrote to it before: ``emu.user(..., started=True)``
(or any message they send). ``deactivate`` deletes their account; groups can remove the bot
(``kick_bot``), take it back (``add_bot``) and become supergroups (``upgrade``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.access import GENERAL_TOPIC, manages_topic
from bot.sandbox.state import IN, CallbackQuery, Chat, Entry, current_seq

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

Update = dict[str, Any]
_uploads = itertools.count(1)


def _upload_id(kind: str) -> str:
    return f"user-{kind}-{next(_uploads):08d}-{time.monotonic_ns() % 10**9:09d}"


class SimUser:
    """A simulated Telegram user. Create with :meth:`Emulator.user`."""

    def __init__(self, emulator: Emulator, data: dict[str, Any]) -> None:
        self.emulator = emulator
        self.data = data
        self._mark = 0
        self.last_query: CallbackQuery | None = None

    def __repr__(self) -> str:
        return f"SimUser({self.id}, {self.data.get('first_name')!r})"

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def chat(self) -> Chat:
        """The private chat with the bot."""
        return self.emulator.chats[self.id]

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    @property
    def started(self) -> bool:
        """Whether the person ever wrote to the bot (only then may the bot write to them)."""
        return self.chat.started

    def deactivate(self) -> None:
        """The person deletes their account: the bot then gets 403 "user is deactivated"."""
        self.chat.deactivated = True
        self.data["first_name"] = "Deleted Account"
        for key in ("last_name", "username"):
            self.data.pop(key, None)

    def set_language(self, language_code: str | None) -> None:
        if language_code:
            self.data["language_code"] = language_code
        else:
            self.data.pop("language_code", None)

    def _remember(self) -> None:
        self._mark = current_seq()

    def mark(self) -> int:
        """Start counting the bot's answers from now (``replies`` does it after each action)."""
        self._remember()
        return self._mark

    # -- talking to the bot -----------------------------------------------------------------
    async def send(self, text: str, *, reply_to: Entry | int | None = None) -> Update:
        """Send a text message; a leading ``/word`` gets its ``bot_command`` entity."""
        self._remember()
        return await self.emulator.user_message(self, self.chat, "text", text, reply_to=reply_to)

    async def command(self, name: str, *args: str) -> Update:
        """``/name arg1 arg2`` as typed."""
        return await self.send(" ".join([f"/{name.lstrip('/')}", *args]))

    async def open_link(self, payload: str | None = None) -> Update:
        """What Telegram sends when the person opens ``t.me/<bot>?start=<payload>`` and taps
        Start: ``/start <payload>`` with a ``bot_command`` entity over ``/start``."""
        return await self.send(f"/start {payload}" if payload else "/start")

    start = open_link

    async def tap(self, label: str) -> Update:
        """Tap a button of the reply keyboard the bot showed (sends its label, or the location
        or contact it requests)."""
        keyboard = self.chat.keyboard
        button: Any = None
        for row in (keyboard or {}).get("keyboard", []):
            for candidate in row:
                text = candidate if isinstance(candidate, str) else candidate.get("text")
                if text == label:
                    button = candidate
        if button is None:
            raise AssertionError(f"no reply-keyboard button {label!r} for user {self.id}: {keyboard}")
        if keyboard and keyboard.get("one_time_keyboard"):
            self.chat.keyboard = None
        if isinstance(button, dict) and button.get("request_location"):
            return await self.send_location(21.0285, 105.8542)
        if isinstance(button, dict) and button.get("request_contact"):
            return await self.send_contact(f"+84{self.id:09d}"[:13])
        return await self.send(label)

    async def send_location(self, latitude: float, longitude: float) -> Update:
        self._remember()
        location = {"latitude": latitude, "longitude": longitude}
        return await self.emulator.user_message(self, self.chat, "location", extra={"location": location})

    async def send_contact(self, phone_number: str) -> Update:
        self._remember()
        contact = {"phone_number": phone_number, "first_name": self.data["first_name"], "user_id": self.id}
        return await self.emulator.user_message(self, self.chat, "contact", extra={"contact": contact})

    async def send_photo(self, caption: str = "") -> Update:
        self._remember()
        file_id = _upload_id("photo")
        photo = [{"file_id": file_id + s, "file_unique_id": file_id[-12:] + s, "width": w, "height": w * 3 // 4}
                 for s, w in (("s", 90), ("m", 320), ("", 1280))]
        return await self.emulator.user_message(self, self.chat, "photo", caption, extra={"photo": photo})

    async def send_document(self, file_name: str = "document.pdf", caption: str = "",
                            mime_type: str = "application/pdf") -> Update:
        self._remember()
        file_id = _upload_id("document")
        document = {"file_id": file_id, "file_unique_id": file_id[-12:], "file_name": file_name,
                    "mime_type": mime_type, "file_size": 1024}
        return await self.emulator.user_message(self, self.chat, "document", caption, extra={"document": document})

    async def send_voice(self, duration: int = 3) -> Update:
        self._remember()
        file_id = _upload_id("voice")
        voice = {"file_id": file_id, "file_unique_id": file_id[-12:], "duration": duration, "mime_type": "audio/ogg"}
        return await self.emulator.user_message(self, self.chat, "voice", extra={"voice": voice})

    async def send_sticker(self, emoji: str = "👍") -> Update:
        self._remember()
        sticker = {"file_id": _upload_id("sticker"), "file_unique_id": "sticker", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji}
        return await self.emulator.user_message(self, self.chat, "sticker", extra={"sticker": sticker})

    async def press(self, data: str | None = None, *, text: str | None = None,
                    message: Entry | int | None = None) -> Update:
        """Press an inline button chosen by its ``callback_data`` (exact) or its label (``text``,
        exact match first, else the first label containing it), on ``message`` or else on the
        newest bot message that has such a button. Returns the ``callback_query`` update."""
        return await self._press_in(self.chat, data, text, message)

    async def _press_in(self, chat: Chat, data: str | None, text: str | None,
                        message: Entry | int | None) -> Update:
        if data is None and text is None:
            raise ValueError("press(data=...) or press(text=...)")
        if message is not None:
            candidates = [message if isinstance(message, Entry) else chat.by_id[int(message)]]
        else:
            candidates = [e for e in reversed(chat.history) if e.direction != IN and not e.deleted and e.buttons]
        for entry in candidates:
            button = _find_button(entry, data, text)
            if button is None:
                continue
            if "callback_data" not in button:
                raise AssertionError(f"button {button.get('text')!r} does not send a callback (it is {button})")
            self._remember()
            return await self.emulator.press(self, chat, entry, button["callback_data"])
        raise AssertionError(f"no button {data or text!r} in chat {chat.id} for user {self.id}")

    async def press_raw(self, data: str, message: Entry | int | None = None) -> Update:
        """Send any callback data on ``message`` (default: the last bot message), as a forged or
        stale client would."""
        chat = self.chat
        if message is None:
            entry = self.last_message()
        else:
            entry = message if isinstance(message, Entry) else chat.by_id[int(message)]
        self._remember()
        return await self.emulator.press(self, chat, entry, data)

    def block(self, *, notify: bool = False) -> None:
        """Block the bot: sending to this user then fails with 403. ``notify`` also sends the
        ``my_chat_member`` update (status ``kicked``) Telegram sends."""
        self.chat.blocked = True
        if notify:
            self.emulator.member_update(self, self.chat, "member", "kicked")

    def unblock(self, *, notify: bool = False) -> None:
        self.chat.blocked = False
        if notify:
            self.emulator.member_update(self, self.chat, "kicked", "member")

    # -- in groups ---------------------------------------------------------------------------------
    async def post_in(self, group: SimGroup | Chat, text: str, thread_id: int | None = None, *,
                      reply_to: Entry | int | None = None) -> Update:
        """Post ``text`` in a group (joining it if needed); ``thread_id`` for a forum topic."""
        chat = group.chat if isinstance(group, SimGroup) else group
        chat.members.add(self.id)
        self._remember()
        return await self.emulator.user_message(self, chat, "text", text, thread_id=thread_id, reply_to=reply_to)

    async def press_in(self, group: SimGroup | Chat, data: str | None = None, *, text: str | None = None,
                       message: Entry | int | None = None) -> Update:
        chat = group.chat if isinstance(group, SimGroup) else group
        return await self._press_in(chat, data, text, message)

    # -- reading -----------------------------------------------------------------------------------
    def history(self) -> list[Entry]:
        """Every message of the private chat, both ways, deleted ones included."""
        return list(self.chat.history)

    def inbox(self) -> list[Entry]:
        """The bot's messages to this user that are not deleted, oldest first."""
        return self.chat.outgoing()

    def last_message(self) -> Entry:
        for entry in reversed(self.chat.history):
            if entry.direction != IN and not entry.deleted:
                return entry
        raise AssertionError(f"user {self.id} has no message from the bot")

    async def replies(self, count: int = 1, timeout: float = 5.0,
                      predicate: Callable[[Entry], bool] | None = None) -> list[Entry]:
        """The bot's messages sent or edited since this user last did something (waits until
        there are ``count``)."""
        return await self.emulator.wait_for(self.id, count, since_seq=self._mark, timeout=timeout, predicate=predicate)

    async def reply(self, timeout: float = 5.0) -> Entry:
        return (await self.replies(1, timeout))[-1]


def _find_button(entry: Entry, data: str | None, text: str | None) -> dict[str, Any] | None:
    buttons = [b for row in entry.buttons for b in row]
    if data is not None:
        return next((b for b in buttons if b.get("callback_data") == data), None)
    assert text is not None
    exact = next((b for b in buttons if b.get("text") == text), None)
    return exact or next((b for b in buttons if text in b.get("text", "")), None)


class SimGroup:
    """A group or (forum) supergroup with the bot in it. Create with :meth:`Emulator.group`."""

    def __init__(self, emulator: Emulator, chat: Chat) -> None:
        self.emulator = emulator
        self.chat = chat

    def __repr__(self) -> str:
        return f"SimGroup({self.id}, {self.chat.title!r}, forum={self.chat.is_forum})"

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title

    @property
    def topics(self) -> dict[int, str]:
        return self.chat.topics

    @property
    def bot_status(self) -> str:
        """``member`` (``administrator`` when it is one), ``left`` or ``kicked``."""
        if self.emulator.bot_user["id"] in self.chat.admins:
            return "administrator"
        return self.chat.bot_status

    def kick_bot(self, by: SimUser | None = None) -> Update:
        """An administrator removes the bot: sending there answers 403 "bot was kicked from the
        (super)group chat"; the bot gets ``my_chat_member`` (``kicked``)."""
        return self.emulator.set_bot_status(self.chat, "kicked", by=by)

    def add_bot(self, by: SimUser | None = None, *, admin: bool = False,
                rights: dict[str, bool] | None = None) -> Update:
        """Someone adds the bot back (``admin``: as an administrator, with ``rights`` withheld
        or granted, e.g. ``{"can_manage_topics": True}``)."""
        return self.emulator.set_bot_status(self.chat, "administrator" if admin else "member", by=by,
                                            rights=rights)

    def upgrade(self, by: SimUser | None = None) -> SimGroup:
        """The basic group becomes a supergroup (a new chat with a new id, returned): sending to
        the old id answers 400 with ``parameters.migrate_to_chat_id``."""
        return self.emulator.upgrade_group(self.chat, by)

    def add(self, *users: SimUser, admin: bool = False, announce: bool = False) -> SimGroup:
        """Add members (``announce`` also sends the ``new_chat_members`` service message)."""
        for user in users:
            self.chat.members.add(user.id)
            if admin:
                self.chat.admins.add(user.id)
        if announce and users:
            self.emulator.announce_members(self.chat, users)
        return self

    def create_topic(self, name: str, icon_color: int = 7322096, *, by: SimUser | None = None) -> int:
        """A forum topic created by a person (``by``; the bot creates its own with createForumTopic)."""
        if not self.chat.is_forum:
            raise ValueError("topics need a forum supergroup: emulator.group(..., forum=True)")
        made = self.emulator.create_topic(self.chat, name, icon_color=icon_color, by_bot=False,
                                          by=by.id if by is not None else None)
        return int(made["message_thread_id"])

    def close_topic(self, thread_id: int, *, by: SimUser | None = None) -> None:
        """A person closes a topic (1: the General topic) in their app: ``by`` must be its creator
        or an administrator with ``can_manage_topics`` (None: an administrator not simulated)."""
        self._toggle_topic(thread_id, True, by)

    def reopen_topic(self, thread_id: int, *, by: SimUser | None = None) -> None:
        self._toggle_topic(thread_id, False, by)

    def _toggle_topic(self, thread_id: int, closed: bool, by: SimUser | None) -> None:
        if not self.chat.is_forum or (thread_id != GENERAL_TOPIC and thread_id not in self.chat.topics):
            raise ValueError(f"no topic {thread_id} in chat {self.id}")
        if by is not None and not manages_topic(self.chat, thread_id, by.id):
            raise ValueError(f"{by.id} may not close or reopen topic {thread_id}")
        if (thread_id in self.chat.closed_topics) == closed:
            raise ValueError(f"topic {thread_id} is already {'closed' if closed else 'open'}")
        self.emulator.set_topic_closed(self.chat, thread_id, closed, by_bot=False, by=by.id if by is not None else None)

    def delete_topic(self, thread_id: int) -> None:
        """An administrator deletes a topic and everything in it: its id is unknown from then on."""
        self.emulator.delete_topic(self.chat, thread_id)

    def topic_closed(self, thread_id: int) -> bool:
        return thread_id in self.chat.closed_topics

    def topic_id(self, name: str) -> int:
        for thread_id, title in self.chat.topics.items():
            if title == name:
                return thread_id
        raise KeyError(name)

    async def post(self, user: SimUser, text: str, thread_id: int | None = None, *,
                   reply_to: Entry | int | None = None) -> Update:
        return await user.post_in(self, text, thread_id, reply_to=reply_to)

    async def command(self, user: SimUser, name: str, *args: str, thread_id: int | None = None,
                      mention: bool = False) -> Update:
        """``/name[@bot] args`` in the group."""
        head = f"/{name}@{self.emulator.bot_user['username']}" if mention else f"/{name}"
        return await user.post_in(self, " ".join([head, *args]), thread_id)

    def history(self) -> list[Entry]:
        return list(self.chat.history)

    def bot_messages(self, thread_id: int | None = None) -> list[Entry]:
        return [e for e in self.chat.outgoing() if thread_id is None or e.thread_id == thread_id]

    def last_message(self, thread_id: int | None = None) -> Entry:
        messages = self.bot_messages(thread_id)
        if not messages:
            raise AssertionError(f"no bot message in group {self.id}")
        return messages[-1]

    async def wait_for(self, count: int = 1, *, since_seq: int = 0, timeout: float = 5.0,
                       predicate: Callable[[Entry], bool] | None = None) -> list[Entry]:
        return await self.emulator.wait_for(self.id, count, since_seq=since_seq, timeout=timeout, predicate=predicate)
