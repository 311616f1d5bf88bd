"""The Bot API methods the emulator serves, with Telegram's checks and error texts.

Each method takes the decoded parameters and returns the ``result`` or raises
:class:`~bot.sandbox.state.ApiError`. Message-sending methods count against the rate limits
(edits count against the chat and overall too); ``sendChatAction`` and reads do not.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp.web import FileField

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

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

Method = Callable[[dict[str, Any]], Awaitable[Any]]
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message")
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_INLINE_FIELDS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
                  "callback_game", "pay")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_file_ids = itertools.count(1)


def _file_id(kind: str) -> tuple[str, str]:
    n = next(_file_ids)
    return f"{kind}-{n:08d}-{hashlib.sha1(str(n).encode()).hexdigest()[:16]}", f"u{kind[:2]}{n}"


class BotApi:
    """The methods, bound to one emulator. ``methods`` maps lower-case names to coroutines."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.methods: dict[str, Method] = {
            name[2:]: getattr(self, name) for name in dir(self) if name.startswith("m_")
        }

    # -- shared checks -------------------------------------------------------------------
    def chat(self, params: dict[str, Any], *, name: str = "chat_id", check_blocked: bool = True) -> Chat:
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
            raise ApiError(400, "Bad Request: chat not found")
        if check_blocked and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def rate(self, chat: Chat) -> None:
        retry_after = self.emu.limiter.check(chat.id, chat.private)
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            for button in _buttons(markup["inline_keyboard"], "can't parse inline keyboard button: InlineKeyboardButton must be an Object"):
                self._inline_button(button)
        elif "keyboard" in markup:
            for button in _buttons(markup["keyboard"], "can't parse keyboard button: field \"keyboard\" must be an Array"):
                label = button.get("text") if isinstance(button, dict) else button
                if not label or not isinstance(label, str):
                    raise ApiError(400, "Bad Request: keyboard button text is empty")
        elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
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

    def thread(self, chat: Chat, params: dict[str, Any]) -> int | None:
        thread = opt_int(params, "message_thread_id")
        if thread is None or not chat.is_forum:
            return None
        if thread != 1 and thread not in chat.topics:
            raise ApiError(400, "Bad Request: message thread not found")
        return thread

    def reply_to(self, chat: Chat, params: dict[str, Any]) -> int | None:
        reply = as_json_object(params, "reply_parameters")
        message_id: int | None = None
        allow = truthy(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = opt_int(reply, "message_id")
            allow = allow or truthy(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, "", chat.id, str(chat.id)):
                raise ApiError(400, "Bad Request: message to be replied not found")
        elif params.get("reply_to_message_id") not in (None, ""):
            message_id = opt_int(params, "reply_to_message_id")
        if message_id is None:
            return None
        entry = chat.by_id.get(message_id)
        if entry is None or entry.deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return message_id

    def options(self, params: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        preview = as_json_object(params, "link_preview_options")
        if isinstance(preview, dict):
            options["link_preview_options"] = preview
        elif truthy(params.get("disable_web_page_preview")):
            options["link_preview_options"] = {"is_disabled": True}
        for flag in ("disable_notification", "protect_content"):
            if truthy(params.get(flag)):
                options[flag] = True
        return options

    async def send(self, params: dict[str, Any], kind: str, *, text: str = "",
                   entities: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None,
                   chat: Chat | None = None) -> dict[str, Any]:
        """Record a bot message after the checks every sending method makes."""
        chat = chat or self.chat(params)
        markup = self.markup(params)
        thread = self.thread(chat, params)
        reply = self.reply_to(chat, params)
        self.rate(chat)
        emu = self.emu
        entry = Entry(
            message_id=chat.new_id(), direction=OUT, kind=kind, text=text,
            parse_mode=opt_str(params, "parse_mode"), entities=entities or [], reply_markup=markup,
            date=emu.now(), at=time.monotonic(), thread_id=thread, extra=extra or {}, reply_to=reply,
            options=self.options(params),
        )
        if markup is not None:
            if "keyboard" in markup:
                chat.keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.keyboard = None
        chat.add(entry)
        emu.changed(chat)
        return emu.message_dict(chat, entry)

    def editable(self, chat: Chat, params: dict[str, Any]) -> Entry:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        message_id = req_int(params, "message_id", "Bad Request: message identifier is not specified")
        entry = chat.by_id.get(message_id)
        if entry is None or entry.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if entry.direction != OUT:
            raise ApiError(400, "Bad Request: message can't be edited")
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
        """A file parameter: an upload (multipart), an ``attach://`` part, a file_id or a URL."""
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://"):])
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if isinstance(value, FileField):
            data = value.file.read()
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
        emu = self.emu
        url = str(params.get("url") or "")
        if not url:
            return await self.m_deletewebhook(params)
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = opt_str(params, "secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        max_connections = opt_int(params, "max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be between 1 and 100")
        if truthy(params.get("drop_pending_updates")):
            emu.updates.clear()
        allowed = as_json_object(params, "allowed_updates")
        if allowed is not None:
            emu.updates.set_allowed(allowed)
        emu.webhook = {
            "url": url, "secret_token": secret, "max_connections": max_connections,
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
        chat = self.chat(params)
        text, entities = self.text(params)
        return await self.send(params, "text", text=text, entities=entities, chat=chat)

    async def m_sendlocation(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        location = self._location(params)
        return await self.send(params, "location", extra={"location": location}, chat=chat)

    async def m_sendvenue(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
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
        lat, lon = req_float(params, "latitude"), req_float(params, "longitude")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError(400, "Bad Request: wrong coordinates specified")
        return {"latitude": lat, "longitude": lon}

    async def m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        caption, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        document = self.upload(params, "document", "document")
        document = {k: v for k, v in document.items() if v is not None}
        return await self.send(params, "document", text=caption, entities=entities, extra={"document": document}, chat=chat)

    async def m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
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
        chat = self.chat(params)
        source_chat = self.chat(params, name="from_chat_id", check_blocked=False)
        source = self._source(source_chat, params, "forward")
        origin = {"type": "user", "sender_user": self.emu.sender_dict(source), "date": source.date}
        extra = {**source.extra, "forward_origin": origin}
        return await self.send({**params, "parse_mode": source.parse_mode}, source.kind, text=source.text,
                               entities=list(source.entities), extra=extra, chat=chat)

    async def m_copymessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        source_chat = self.chat(params, name="from_chat_id", check_blocked=False)
        source = self._source(source_chat, params, "copy")
        text, entities = source.text, list(source.entities)
        if "caption" in params and source.kind != "text":
            text, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        message = await self.send(params, source.kind, text=text, entities=entities, extra=dict(source.extra), chat=chat)
        return {"message_id": message["message_id"]}

    def _source(self, chat: Chat, params: dict[str, Any], verb: str) -> Entry:
        entry = chat.by_id.get(req_int(params, "message_id", "Bad Request: message identifier is not specified"))
        if entry is None or entry.deleted or entry.kind == "service":
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return entry

    async def m_sendchataction(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params)
        action = str(params.get("action") or "")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.emu.chat_actions[chat.id] = (action, time.monotonic())
        return True

    # -- editing and deleting ------------------------------------------------------------------
    async def m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        text, entities = self.text(params)
        entry = self.editable(chat, params)
        if entry.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = self.markup(params)
        if text == entry.text and entities == entry.entities and markup == entry.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self.rate(chat)
        options = {**entry.options, **self.options(params)}
        return self.apply_edit(chat, entry, "editMessageText", text=text, entities=entities, reply_markup=markup,
                               parse_mode=opt_str(params, "parse_mode"), options=options)

    async def m_editmessagecaption(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        caption, entities = self.text(params, "caption", limit=MAX_CAPTION, entities_name="caption_entities", required=False)
        entry = self.editable(chat, params)
        if entry.kind in ("text", "location", "venue", "service"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        markup = self.markup(params)
        if caption == entry.text and entities == entry.entities and markup == entry.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self.rate(chat)
        return self.apply_edit(chat, entry, "editMessageCaption", text=caption, entities=entities,
                               reply_markup=markup, parse_mode=opt_str(params, "parse_mode"))

    async def m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        entry = self.editable(chat, params)
        markup = self.markup(params)
        if markup == entry.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self.rate(chat)
        return self.apply_edit(chat, entry, "editMessageReplyMarkup", reply_markup=markup)

    async def m_deletemessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, check_blocked=False)
        self._delete(chat, req_int(params, "message_id", "Bad Request: message identifier is not specified"))
        return True

    async def m_deletemessages(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, check_blocked=False)
        ids = as_json_object(params, "message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        for message_id in ids:
            entry = chat.by_id.get(int(message_id))
            if entry is not None and not entry.deleted:
                self._delete(chat, entry.message_id)
        return True

    def _delete(self, chat: Chat, message_id: int) -> None:
        entry = chat.by_id.get(message_id)
        if entry is None or entry.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if not chat.private and entry.direction != OUT and self.emu.bot_user["id"] not in chat.admins:
            raise ApiError(400, "Bad Request: message can't be deleted")
        entry.deleted = True
        chat.touch(entry, content=False)
        self.emu.changed(chat)

    async def m_pinchatmessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params)
        message_id = req_int(params, "message_id", "Bad Request: message identifier is not specified")
        if message_id not in chat.by_id or chat.by_id[message_id].deleted:
            raise ApiError(400, "Bad Request: message to pin not found")
        if message_id not in chat.pinned:
            chat.pinned.append(message_id)
        return True

    async def m_unpinchatmessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params)
        message_id = opt_int(params, "message_id")
        if message_id is None:
            if chat.pinned:
                chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        return True

    async def m_unpinallchatmessages(self, params: dict[str, Any]) -> bool:
        self.chat(params).pinned.clear()
        return True

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
        query.answered = True
        query.text = text
        query.show_alert = truthy(params.get("show_alert"))
        query.url = opt_str(params, "url")
        query.answered_at = time.monotonic()
        query.touched = next_seq()
        chat = emu.chats.get(query.chat_id)
        if chat is not None:
            chat.touched = query.touched
            emu.changed(chat)
        return True

    # -- commands, menu, chats ---------------------------------------------------------------------
    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = as_json_object(params, "scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = as_json_object(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an Array of at most 100 BotCommand")
        clean = []
        for command in commands:
            name = str((command or {}).get("command", ""))
            description = str((command or {}).get("description", ""))
            if not _COMMAND.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        self.emu.commands[self._scope_key(params)] = clean
        return True

    async def m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.emu.commands.get(self._scope_key(params), []))

    async def m_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.emu.commands.pop(self._scope_key(params), None)
        return True

    async def m_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        button = as_json_object(params, "menu_button") or {"type": "default"}
        if params.get("chat_id") not in (None, ""):
            self.chat(params, check_blocked=False).menu_button = button
        else:
            self.emu.menu_button = button
        return True

    async def m_getchatmenubutton(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("chat_id") not in (None, ""):
            chat = self.chat(params, check_blocked=False)
            if chat.menu_button is not None:
                return chat.menu_button
        return self.emu.menu_button or {"type": "default"}

    async def m_setmyname(self, params: dict[str, Any]) -> bool:
        self.emu.profile[("name", str(params.get("language_code") or ""))] = str(params.get("name") or "")
        return True

    async def m_setmydescription(self, params: dict[str, Any]) -> bool:
        self.emu.profile[("description", str(params.get("language_code") or ""))] = str(params.get("description") or "")
        return True

    async def m_setmyshortdescription(self, params: dict[str, Any]) -> bool:
        key = ("short_description", str(params.get("language_code") or ""))
        self.emu.profile[key] = str(params.get("short_description") or "")
        return True

    async def m_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, check_blocked=False)
        out = chat.as_dict()
        out.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types={
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
            "premium_subscription": False, "gifts_from_channels": False,
        })
        if chat.pinned:
            out["pinned_message"] = self.emu.message_dict(chat, chat.by_id[chat.pinned[-1]])
        return out

    async def m_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, check_blocked=False)
        user_id = req_int(params, "user_id", "Bad Request: user_id is empty")
        return self.emu.member_dict(chat, user_id)

    async def m_getchatadministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self.chat(params, check_blocked=False)
        if chat.private:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self.emu.member_dict(chat, uid) for uid in sorted(chat.admins)]

    async def m_getchatmembercount(self, params: dict[str, Any]) -> int:
        chat = self.chat(params, check_blocked=False)
        return 2 if chat.private else len(chat.members) + 1

    async def m_leavechat(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, check_blocked=False)
        if chat.private:
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        chat.admins.discard(self.emu.bot_user["id"])
        return True

    async def m_createforumtopic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params)
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name") or "")
        if not name:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY")
        if len(name) > 128:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_INVALID")
        icon_color = opt_int(params, "icon_color") or 7322096
        return self.emu.create_topic(chat, name, icon_color=icon_color, by_bot=True)

    async def m_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        known = self.emu.files.get(file_id)
        if known is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": known["unique"], "file_size": len(known["data"]),
                "file_path": f"files/{file_id}"}


def _buttons(rows: Any, malformed: str) -> list[Any]:
    """The buttons of a keyboard's rows (a list of lists), or the 400 Telegram gives."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, f"Bad Request: {malformed}")
    return [button for row in rows for button in row]
