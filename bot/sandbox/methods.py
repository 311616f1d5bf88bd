"""The Bot API methods the emulator serves, with Telegram's checks and error texts.

Each method takes the decoded parameters and returns the ``result`` or raises
:class:`~bot.sandbox.state.ApiError`. Message-sending methods count against the rate limits
(edits count against the chat and overall too); ``sendChatAction`` and reads do not. This
module has sending, editing, deleting, callback answers, updates and the webhook; chats,
members, topics, commands and the bot's profile are in :mod:`bot.sandbox.chatmethods`. The
wording of every refusal is in :mod:`bot.sandbox.errors`, the rules of access in
:mod:`bot.sandbox.access`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp.web import FileField

from bot.sandbox import errors
from bot.sandbox.access import (
    EDIT,
    READ,
    SEND,
    WRITE,
    check_access,
    check_delete,
    check_thread,
    check_topic_open,
)
from bot.sandbox.chatmethods import ChatMethods
from bot.sandbox.entities import (
    EntityError,
    find_entities,
    merge_found,
    parse_entities,
    trim,
    utf16_len,
)
from bot.sandbox.params import as_json_object, opt_int, opt_str, req_float, req_int, truthy
from bot.sandbox.state import OUT, ApiError, Chat, Edit, Entry, next_seq
from bot.sandbox.updates import CONFLICT_WEBHOOK
from bot.sandbox.webhook import parse_webhook_url, verify_webhook_url

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

Method = Callable[[dict[str, Any]], Awaitable[Any]]
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
#: Telegram refuses an inline keyboard of more than about 100 buttons or 10 kB ("reply markup is
#: too long"); the server's exact rule is not published. TDLib (ReplyMarkup.cpp) keeps at most
#: 12 buttons of a row and drops the rest without a word.
MAX_INLINE_BUTTONS = 100
MAX_MARKUP_BYTES = 10 * 1024
MAX_ROW_BUTTONS = 12
#: TDLib Location.cpp: live periods (seconds) and the accuracy it clamps to (metres)
LIVE_PERIOD = (60, 86400)
LIVE_FOREVER = 0x7FFFFFFF
MAX_ACCURACY = 1500.0
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message")
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
_INLINE_FIELDS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
                  "callback_game", "pay")
_SECRET = re.compile(r"^[A-Za-z0-9_-]*$")  # base64url characters; empty means none
_CONTENT_FIELDS = ("photo", "document", "location", "venue", "sticker", "voice", "contact")
_file_ids = itertools.count(1)


def _file_id(kind: str) -> tuple[str, str]:
    n = next(_file_ids)
    return f"{kind}-{n:08d}-{hashlib.sha1(str(n).encode()).hexdigest()[:16]}", f"u{kind[:2]}{n}"


@dataclass
class Reply:
    """Where a new message replies: a message of the same chat, or (``external``) of another."""

    message_id: int
    external: dict[str, Any] | None = None
    quote: dict[str, Any] | None = None


class BotApi(ChatMethods):
    """The methods, bound to one emulator. ``methods`` maps lower-case names to coroutines."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.methods: dict[str, Method] = {
            name[2:]: getattr(self, name) for name in dir(self) if name.startswith("m_")
        }

    # -- shared checks -------------------------------------------------------------------
    def chat(self, params: dict[str, Any], *, name: str = "chat_id", access: str = SEND) -> Chat:
        """The chat ``params[name]`` names, if the bot may use it as ``access`` says
        (:mod:`bot.sandbox.access`: READ, EDIT, WRITE or SEND)."""
        raw = params.get(name)
        if raw is None or raw == "":
            raise ApiError(400, f"Bad Request: {name} is empty")
        chat: Chat | None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = self.emu.chat_by_username(raw[1:])
        else:
            try:
                chat = self.emu.chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise ApiError(400, errors.CHAT_NOT_FOUND)
        check_access(chat, access)
        return chat

    def rate(self, chat: Chat, paid: bool = False) -> None:
        retry_after = self.emu.limiter.check(chat.id, chat.private, paid)
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """``reply_markup`` as Client.cpp ``get_reply_markup`` reads it: an object with a reply
        keyboard, an inline keyboard, ``remove_keyboard`` or ``force_reply``; any other object is
        no markup at all."""
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: object expected as reply markup")
        if markup.get("keyboard"):
            for button in _buttons(markup["keyboard"], "can't parse keyboard button: field \"keyboard\" must be an Array"):
                label = button.get("text") if isinstance(button, dict) else button
                if not label or not isinstance(label, str):
                    raise ApiError(400, "Bad Request: keyboard button text is empty")
            return markup
        if "inline_keyboard" in markup:
            return self._inline_markup(markup)
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        return None

    @staticmethod
    def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        """Edits take inline keyboards only (TDLib ReplyMarkup.cpp, ``only_inline_keyboard``)."""
        if markup is not None and "inline_keyboard" not in markup:
            raise ApiError(400, errors.INLINE_KEYBOARD_EXPECTED)
        return markup

    def _inline_markup(self, markup: dict[str, Any]) -> dict[str, Any]:
        rows = markup["inline_keyboard"]
        for button in _buttons(rows, "can't parse inline keyboard button: InlineKeyboardButton must be an Object"):
            self._inline_button(button)
        if any(len(row) > MAX_ROW_BUTTONS for row in rows):
            rows = [row[:MAX_ROW_BUTTONS] for row in rows]
            markup = {**markup, "inline_keyboard": rows}
        if (sum(len(row) for row in rows) > MAX_INLINE_BUTTONS
                or len(json.dumps(markup, ensure_ascii=False).encode()) > MAX_MARKUP_BYTES):
            raise ApiError(400, errors.REPLY_MARKUP_TOO_LONG)
        return markup

    @staticmethod
    def _inline_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        if not button.get("text"):
            raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        present = [f for f in _INLINE_FIELDS if f in button]
        if not present:
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not data or len(data.encode()) > MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            if not re.match(r"^(https?://[^\s/]+\.[^\s]*|https?://localhost\b|tg://\S+)", url, re.I):
                raise ApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def text(self, params: dict[str, Any], name: str = "text", *, limit: int = MAX_TEXT,
             entities_name: str = "entities", required: bool = True) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(name)
        if raw is None or raw == "":
            if required:
                raise ApiError(400, "Bad Request: message text is empty")
            return "", []
        raw = str(raw)
        manual = as_json_object(params, entities_name)
        try:
            if manual:
                text, entities = raw, [dict(e) for e in manual]
            else:
                text, entities = parse_entities(raw, opt_str(params, "parse_mode"))
        except EntityError as exc:
            message = str(exc)
            if message == "unsupported parse_mode":
                raise ApiError(400, "Bad Request: unsupported parse_mode") from None
            raise ApiError(400, f"Bad Request: can't parse entities: {message}") from None
        text, entities = trim(text, entities)
        if not text:
            if required:
                raise ApiError(400, "Bad Request: message text is empty")
            return "", []
        if utf16_len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long" if name == "text" else "Bad Request: message caption is too long")
        return text, merge_found(entities, find_entities(text))

    def reply_to(self, chat: Chat, params: dict[str, Any]) -> Reply | None:
        """``reply_parameters`` (or the older ``reply_to_message_id``) checked as Client.cpp
        ``check_reply_parameters`` does: the message may be in another chat the bot can read;
        a ``quote`` must occur in it."""
        reply = as_json_object(params, "reply_parameters")
        message_id: int | None = None
        allow = truthy(params.get("allow_sending_without_reply"))
        target_chat = chat
        quote: str | None = None
        if isinstance(reply, dict):
            message_id = opt_int(reply, "message_id")
            allow = allow or truthy(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, "", chat.id, str(chat.id)):
                target_chat = self.chat(reply, access=READ)
            quote = opt_str(reply, "quote") or None
        elif params.get("reply_to_message_id") not in (None, ""):
            message_id = opt_int(params, "reply_to_message_id")
        if message_id is None:
            return None
        entry = target_chat.by_id.get(message_id)
        if entry is None or entry.deleted:
            if allow:
                return None
            raise ApiError(400, errors.REPLY_NOT_FOUND)
        quoted = None
        if quote is not None:
            position = entry.text.find(quote)
            if position < 0:
                raise ApiError(400, errors.QUOTE_TEXT_INVALID)
            quoted = {"text": quote, "position": utf16_len(entry.text[:position]), "is_manual": True}
        if target_chat is chat:
            return Reply(message_id, quote=quoted)
        return Reply(message_id, external=self._external_reply(target_chat, entry), quote=quoted)

    def _external_reply(self, chat: Chat, entry: Entry) -> dict[str, Any]:
        """An ExternalReplyInfo: a reply to a message of another chat."""
        emu = self.emu
        origin = entry.extra.get("forward_origin") or {
            "type": "user", "sender_user": emu.sender_dict(entry), "date": entry.date}
        out: dict[str, Any] = {"origin": origin}
        if chat.type == "supergroup":  # "available only if the chat is a supergroup or a channel"
            out["chat"] = chat.as_dict()
            out["message_id"] = entry.message_id
        out.update({key: entry.extra[key] for key in _CONTENT_FIELDS if key in entry.extra})
        return out

    def options(self, params: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        preview = as_json_object(params, "link_preview_options")
        if isinstance(preview, dict):
            options["link_preview_options"] = preview
        elif truthy(params.get("disable_web_page_preview")):
            options["link_preview_options"] = {"is_disabled": True}
        for flag in ("disable_notification", "protect_content", "allow_paid_broadcast"):
            if truthy(params.get(flag)):
                options[flag] = True
        return options

    async def send(self, params: dict[str, Any], kind: str, *, text: str = "",
                   entities: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None,
                   chat: Chat | None = None, forwarded: bool = False) -> dict[str, Any]:
        """Record a bot message after the checks every sending method makes (a forward takes
        neither markup nor a reply)."""
        chat = chat or self.chat(params, access=SEND)
        markup = None if forwarded else self.markup(params)
        thread = check_thread(chat, opt_int(params, "message_thread_id"))
        reply = None if forwarded else self.reply_to(chat, params)
        options = self.options(params)
        check_topic_open(chat, thread, self.emu.bot_user["id"])  # the server's answer, after TDLib's checks
        paid = bool(options.get("allow_paid_broadcast"))
        self.rate(chat, paid)
        emu = self.emu
        extra = dict(extra or {})
        if reply is not None and reply.external is not None:
            extra["external_reply"] = reply.external
        if reply is not None and reply.quote is not None:
            extra["quote"] = reply.quote
        entry = Entry(
            message_id=chat.new_id(), direction=OUT, kind=kind, text=text,
            parse_mode=opt_str(params, "parse_mode"), entities=entities or [], reply_markup=markup,
            date=emu.now(), at=time.monotonic(), thread_id=thread, extra=extra,
            reply_to=reply.message_id if reply is not None and reply.external is None else None,
            options=options,
        )
        if paid:
            emu.paid_messages += 1
        if markup is not None:
            if "keyboard" in markup:
                chat.keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.keyboard = None
        chat.add(entry)
        emu.changed(chat)
        return emu.message_dict(chat, entry)

    def editable(self, chat: Chat, params: dict[str, Any]) -> Entry:
        """The message to edit. TDLib ``can_edit_message``: only the bot's own, never a forward
        or a message sent with a reply keyboard (bots' own messages have no time limit)."""
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        message_id = req_int(params, "message_id", "Bad Request: message identifier is not specified")
        entry = chat.by_id.get(message_id)
        if entry is None or entry.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if entry.direction != OUT or "forward_origin" in entry.extra:
            raise ApiError(400, errors.CANT_EDIT)
        if entry.reply_markup is not None and "inline_keyboard" not in entry.reply_markup:
            raise ApiError(400, errors.CANT_EDIT)
        return entry

    def apply_edit(self, chat: Chat, entry: Entry, method: str, **changes: Any) -> dict[str, Any]:
        emu = self.emu
        entry.edits.append(Edit(entry.text, entry.entities, entry.reply_markup, entry.parse_mode,
                                emu.now(), time.monotonic(), method))
        for key, value in changes.items():
            setattr(entry, key, value)
        entry.edit_date = emu.now()
        chat.touch(entry, content=True)
        emu.changed(chat)
        return emu.message_dict(chat, entry)

    def upload(self, params: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
        """A file parameter: an upload (multipart), an ``attach://`` part, a file_id or a URL.
        Uploads over 50 MB were refused with 413 when the request was read (params.py)."""
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://"):])
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if isinstance(value, FileField):
            data = value.file.read()
            if not data:
                raise ApiError(400, errors.FILE_EMPTY)
            if kind == "photo" and len(data) > errors.MAX_PHOTO_BYTES:
                raise ApiError(400, errors.PHOTO_TOO_BIG.format(size=len(data)))
            file_id, unique = _file_id(kind)
            self.emu.files[file_id] = {"data": data, "name": value.filename, "mime": value.content_type,
                                       "unique": unique}
            return {"file_id": file_id, "file_unique_id": unique, "file_size": len(data),
                    "file_name": value.filename, "mime_type": value.content_type}
        value = str(value)
        known = self.emu.files.get(value)
        if known is not None:
            return {"file_id": value, "file_unique_id": known["unique"], "file_size": len(known["data"]),
                    "file_name": known.get("name"), "mime_type": known.get("mime")}
        if value.startswith(("http://", "https://")):
            file_id, unique = _file_id(kind)
            name_part = value.rstrip("/").rsplit("/", 1)[-1] or kind
            self.emu.files[file_id] = {"data": b"", "name": name_part, "mime": None, "unique": unique, "url": value}
            return {"file_id": file_id, "file_unique_id": unique, "file_name": name_part}
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    # -- identity, updates, webhook --------------------------------------------------------
    async def m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.emu.bot_user

    async def m_logout(self, params: dict[str, Any]) -> bool:
        return True

    async def m_close(self, params: dict[str, Any]) -> bool:
        return True

    async def m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        emu = self.emu
        if emu.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = opt_int(params, "offset") or 0
        limit = min(100, max(1, opt_int(params, "limit") or 100))
        timeout = min(50.0, max(0.0, float(params.get("timeout") or 0)))
        allowed = as_json_object(params, "allowed_updates")
        if allowed is not None:
            emu.updates.set_allowed(allowed)
        return await emu.updates.poll(offset, limit, timeout, blocked=lambda: emu.webhook is not None)

    async def m_setwebhook(self, params: dict[str, Any]) -> bool:
        """Client.cpp ``do_set_webhook`` then WebhookActor.cpp ``start_up``, in their order;
        ``max_connections`` is clamped to 1..100 (``get_integer_arg``), not refused."""
        emu = self.emu
        url = str(params.get("url") or "")
        if not url:
            return await self.m_deletewebhook(params)
        parts = parse_webhook_url(url)
        secret = opt_str(params, "secret_token") or ""
        if len(secret) > 256:
            raise ApiError(400, errors.SECRET_TOO_LONG)
        if not _SECRET.match(secret):
            raise ApiError(400, errors.SECRET_CHARACTERS)
        verify_webhook_url(parts, allow_local_http=emu.allow_local_http_webhooks)
        max_connections = opt_int(params, "max_connections")
        max_connections = 40 if max_connections is None else min(100, max(1, max_connections))
        if truthy(params.get("drop_pending_updates")):
            emu.updates.clear()
        allowed = as_json_object(params, "allowed_updates")
        if allowed is not None:
            emu.updates.set_allowed(allowed)
        emu.webhook = {
            "url": parts.geturl(), "secret_token": secret or None, "max_connections": max_connections,
            "ip_address": opt_str(params, "ip_address"), "last_error_date": None, "last_error_message": None,
        }
        emu.updates.signal()  # a waiting getUpdates ends with 409
        emu.delivery.start()
        return True

    async def m_deletewebhook(self, params: dict[str, Any]) -> bool:
        emu = self.emu
        emu.webhook = None
        if truthy(params.get("drop_pending_updates")):
            emu.updates.clear()
        emu.delivery.wake()
        return True

    async def m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        emu = self.emu
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": len(emu.updates)}
        hook = emu.webhook
        if hook is not None:
            info["url"] = hook["url"]
            info["max_connections"] = hook.get("max_connections", 40)
            if hook.get("ip_address"):
                info["ip_address"] = hook["ip_address"]
            if emu.updates.allowed is not None:
                info["allowed_updates"] = sorted(emu.updates.allowed)
            if hook.get("last_error_date"):
                info["last_error_date"] = hook["last_error_date"]
                info["last_error_message"] = hook["last_error_message"]
        return info

    # -- sending -----------------------------------------------------------------------------
    async def m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=SEND)
        text, entities = self.text(params)
        return await self.send(params, "text", text=text, entities=entities, chat=chat)

    async def m_sendlocation(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=SEND)
        location = self._location(params)
        live_period = opt_int(params, "live_period") or 0
        if live_period:
            if live_period != LIVE_FOREVER and not LIVE_PERIOD[0] <= live_period <= LIVE_PERIOD[1]:
                raise ApiError(400, errors.WRONG_LIVE_PERIOD)
            location["live_period"] = live_period
        return await self.send(params, "location", extra={"location": location}, chat=chat)

    async def m_sendvenue(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=SEND)
        location = self._location(params)
        title, address = str(params.get("title") or ""), str(params.get("address") or "")
        if not title or not address:
            raise ApiError(400, "Bad Request: venue title and address must be non-empty")
        venue: dict[str, Any] = {"location": location, "title": title, "address": address}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if params.get(key):
                venue[key] = str(params[key])
        return await self.send(params, "venue", text=title, extra={"venue": venue, "location": location}, chat=chat)

    @staticmethod
    def _location(params: dict[str, Any]) -> dict[str, float]:
        """Coordinates; ``horizontal_accuracy`` is clamped to 0..1500 m as TDLib's
        ``Location::fix_accuracy`` does (0 or less: none), not refused."""
        lat, lon = req_float(params, "latitude"), req_float(params, "longitude")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError(400, "Bad Request: wrong coordinates specified")
        location = {"latitude": lat, "longitude": lon}
        if params.get("horizontal_accuracy") not in (None, ""):
            accuracy = min(MAX_ACCURACY, req_float(params, "horizontal_accuracy"))
            if accuracy > 0:
                location["horizontal_accuracy"] = accuracy
        return location

    async def m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=SEND)
        caption, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        document = self.upload(params, "document", "document")
        document = {k: v for k, v in document.items() if v is not None}
        return await self.send(params, "document", text=caption, entities=entities, extra={"document": document}, chat=chat)

    async def m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=SEND)
        caption, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        file = self.upload(params, "photo", "photo")
        sizes = [
            {"file_id": file["file_id"] + suffix, "file_unique_id": file["file_unique_id"] + suffix,
             "width": width, "height": width * 3 // 4, "file_size": file.get("file_size") or 0}
            for suffix, width in (("s", 90), ("m", 320), ("", 1280))
        ]
        stored = self.emu.files.get(file["file_id"])
        if stored is not None:
            for size in sizes[:2]:
                self.emu.files.setdefault(size["file_id"], stored)
        return await self.send(params, "photo", text=caption, entities=entities, extra={"photo": sizes}, chat=chat)

    async def m_forwardmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """forwardMessage has no ``reply_markup`` or reply parameters; a service message or a
        protected one is refused (TDLib ``can_forward_message``)."""
        chat = self.chat(params, access=SEND)
        source_chat = self.chat(params, name="from_chat_id", access=READ)
        source = self._source(source_chat, params, "forward")
        if source.kind == "service" or source.options.get("protect_content"):
            raise ApiError(400, errors.CANT_FORWARD)
        origin = source.extra.get("forward_origin") or {
            "type": "user", "sender_user": self.emu.sender_dict(source), "date": source.date}
        extra = {**source.extra, "forward_origin": origin}
        extra.pop("external_reply", None)
        extra.pop("quote", None)
        return await self.send({**params, "parse_mode": source.parse_mode}, source.kind, text=source.text,
                               entities=list(source.entities), extra=extra, chat=chat, forwarded=True)

    async def m_copymessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """A copy may carry new markup and a reply; bots may copy protected messages (TDLib
        ``can_forward_message``: ``!(is_copy && is_bot)``), never service messages."""
        chat = self.chat(params, access=SEND)
        source_chat = self.chat(params, name="from_chat_id", access=READ)
        source = self._source(source_chat, params, "copy")
        if source.kind == "service":
            raise ApiError(400, errors.CANT_COPY)
        text, entities = source.text, list(source.entities)
        if "caption" in params and source.kind != "text":
            text, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        extra = {k: v for k, v in source.extra.items() if k not in ("forward_origin", "external_reply", "quote")}
        message = await self.send(params, source.kind, text=text, entities=entities, extra=extra, chat=chat)
        return {"message_id": message["message_id"]}

    def _source(self, chat: Chat, params: dict[str, Any], verb: str) -> Entry:
        entry = chat.by_id.get(req_int(params, "message_id", "Bad Request: message identifier is not specified"))
        if entry is None or entry.deleted:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return entry

    async def m_sendchataction(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, access=SEND)
        action = str(params.get("action") or "")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.emu.chat_actions[chat.id] = (action, time.monotonic())
        return True

    # -- editing and deleting ------------------------------------------------------------------
    async def m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=EDIT)
        text, entities = self.text(params)
        markup = self.markup(params)
        entry = self.editable(chat, params)
        self.inline_only(markup)
        if entry.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if text == entry.text and entities == entry.entities and markup == entry.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self.rate(chat)
        options = {**entry.options, **self.options(params)}
        return self.apply_edit(chat, entry, "editMessageText", text=text, entities=entities, reply_markup=markup,
                               parse_mode=opt_str(params, "parse_mode"), options=options)

    async def m_editmessagecaption(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=EDIT)
        caption, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        markup = self.markup(params)
        entry = self.editable(chat, params)
        self.inline_only(markup)
        if entry.kind in ("text", "location", "venue", "service"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        if caption == entry.text and entities == entry.entities and markup == entry.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self.rate(chat)
        return self.apply_edit(chat, entry, "editMessageCaption", text=caption, entities=entities,
                               reply_markup=markup, parse_mode=opt_str(params, "parse_mode"))

    async def m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=EDIT)
        markup = self.markup(params)
        entry = self.editable(chat, params)
        self.inline_only(markup)
        if markup == entry.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self.rate(chat)
        return self.apply_edit(chat, entry, "editMessageReplyMarkup", reply_markup=markup)

    async def m_deletemessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, access=WRITE)
        message_id = req_int(params, "message_id", "Bad Request: message identifier is not specified")
        entry = chat.by_id.get(message_id)
        if entry is None or entry.deleted:
            raise ApiError(400, errors.DELETE_NOT_FOUND)
        check_delete(chat, entry, self.emu.bot_user["id"], self.emu.now())
        self._mark_deleted(chat, entry)
        return True

    async def m_deletemessages(self, params: dict[str, Any]) -> bool:
        """Messages not found are skipped; one that cannot be deleted refuses them all (TDLib
        ``delete_messages`` checks every message before deleting any)."""
        chat = self.chat(params, access=WRITE)
        ids = as_json_object(params, "message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        entries = [e for e in (chat.by_id.get(int(i)) for i in ids) if e is not None and not e.deleted]
        bot_id, now = self.emu.bot_user["id"], self.emu.now()
        for entry in entries:
            check_delete(chat, entry, bot_id, now)
        for entry in entries:
            self._mark_deleted(chat, entry)
        return True

    def _mark_deleted(self, chat: Chat, entry: Entry) -> None:
        entry.deleted = True
        chat.touch(entry, content=False)
        self.emu.changed(chat)

    # -- callback queries ------------------------------------------------------------------------
    async def m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        emu = self.emu
        query = emu.queries.get(str(params.get("callback_query_id") or ""))
        ttl = emu.callback_query_ttl
        if query is None or query.answered or (ttl is not None and time.monotonic() - query.created > ttl):
            raise ApiError(400, QUERY_TOO_OLD)
        text = opt_str(params, "text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        url = opt_str(params, "url") or None
        if url is not None and not self._bot_link(url):
            raise ApiError(400, errors.URL_INVALID)
        query.answered = True
        query.text = text
        query.show_alert = truthy(params.get("show_alert"))
        query.url = url
        query.answered_at = time.monotonic()
        query.touched = next_seq()
        chat = emu.chats.get(query.chat_id)
        if chat is not None:
            chat.touched = query.touched
            emu.changed(chat)
        return True

    def _bot_link(self, url: str) -> bool:
        """A ``url`` answerCallbackQuery takes: a t.me link that opens this bot (games, the other
        case Telegram allows, are not emulated)."""
        username = re.escape(self.emu.bot_user["username"])
        pattern = rf"^(https?://)?(t\.me|telegram\.me|telegram\.dog)/{username}/?(\?start=[A-Za-z0-9_-]{{0,64}})?$"
        return re.match(pattern, url, re.I) is not None


def _buttons(rows: Any, malformed: str) -> list[Any]:
    """The buttons of a keyboard's rows (a list of lists), or the 400 Telegram gives."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, f"Bad Request: {malformed}")
    return [button for row in rows for button in row]
