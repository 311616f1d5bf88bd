"""Bot API methods about chats and the bot itself: pins, chat and member queries, leaving,
forum topics (creating, closing, reopening), commands, the menu button and the bot's name and
descriptions. A mixin of :class:`bot.sandbox.methods.BotApi`, which provides ``emu`` and ``chat``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from bot.sandbox import errors
from bot.sandbox.access import GENERAL_TOPIC, READ, SEND, WRITE, manages_topic
from bot.sandbox.params import as_json_object, opt_int, req_int
from bot.sandbox.state import LEFT, MEMBER, ApiError, Chat

if TYPE_CHECKING:
    from bot.sandbox.emulator import Emulator

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_LEADING_INT = re.compile(r"^-?[0-9]+")
#: the six icon colours the Bot API documents for createForumTopic (0: Telegram's default)
TOPIC_COLORS = frozenset({0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F})
DEFAULT_TOPIC_COLOR = 0x6FB9F0
MAX_TOPIC_NAME = 128  # TDLib ForumTopicManager.h: longer names are cut, not refused
#: the Bot API's documented lengths of the bot's name and descriptions
PROFILE_LIMITS = {
    "name": (64, errors.NAME_TOO_LONG),
    "description": (512, errors.DESCRIPTION_TOO_LONG),
    "short_description": (120, errors.SHORT_DESCRIPTION_TOO_LONG),
}
_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
_CHAT_SCOPES = ("chat", "chat_administrators", "chat_member")


def forum_topic_id(params: dict[str, Any]) -> int:
    """Client.cpp ``get_forum_topic_id``: ``message_thread_id`` as TDLib's ``to_integer`` reads it
    (its leading digits; anything else is 0), and 0 for a negative one."""
    found = _LEADING_INT.match(str(params.get("message_thread_id") or "").strip())
    value = int(found.group()) if found else 0
    return value if 0 < value < 1 << 31 else 0


def language_code(params: dict[str, Any]) -> str:
    """TDLib misc.cpp ``validate_bot_language_code``: empty or two lower-case letters."""
    code = str(params.get("language_code") or "")
    if code and not _LANGUAGE.match(code):
        raise ApiError(400, errors.INVALID_LANGUAGE_CODE)
    return code


class ChatMethods:
    emu: Emulator

    def chat(self, params: dict[str, Any], *, name: str = "chat_id", access: str = SEND) -> Chat:
        raise NotImplementedError  # BotApi.chat

    # -- pins -----------------------------------------------------------------------------------
    async def m_pinchatmessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, access=WRITE)
        message_id = req_int(params, "message_id", "Bad Request: message identifier is not specified")
        if message_id not in chat.by_id or chat.by_id[message_id].deleted:
            raise ApiError(400, "Bad Request: message to pin not found")
        if message_id not in chat.pinned:
            chat.pinned.append(message_id)
        return True

    async def m_unpinchatmessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params, access=WRITE)
        message_id = opt_int(params, "message_id")
        if message_id is None:
            if chat.pinned:
                chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        return True

    async def m_unpinallchatmessages(self, params: dict[str, Any]) -> bool:
        self.chat(params, access=WRITE).pinned.clear()
        return True

    # -- chats and members ----------------------------------------------------------------------
    async def m_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=READ)
        out = chat.as_dict()
        out.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types={
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
            "premium_subscription": False, "gifts_from_channels": False,
        })
        if chat.pinned:
            out["pinned_message"] = self.emu.message_dict(chat, chat.by_id[chat.pinned[-1]])
        return out

    async def m_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params, access=READ)
        user_id = req_int(params, "user_id", "Bad Request: user_id is empty")
        return self.emu.member_dict(chat, user_id)

    async def m_getchatadministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self.chat(params, access=READ)
        if chat.private:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self.emu.member_dict(chat, uid) for uid in sorted(chat.admins)]

    async def m_getchatmembercount(self, params: dict[str, Any]) -> int:
        chat = self.chat(params, access=READ)
        return 2 if chat.private else len(chat.members) + (chat.bot_status == MEMBER)

    async def m_leavechat(self, params: dict[str, Any]) -> bool:
        """Client.cpp: read access; then the server refuses a bot that is no longer there."""
        chat = self.chat(params, access=READ)
        if chat.private:
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        if chat.bot_status != MEMBER:
            raise ApiError(400, "Bad Request: USER_NOT_PARTICIPANT")
        self.emu.set_bot_status(chat, LEFT, by=None)
        return True

    async def m_createforumtopic(self, params: dict[str, Any]) -> dict[str, Any]:
        """TDLib ``create_forum_topic``: a forum, the right to create topics (the bot: an
        administrator with can_manage_topics), a name, a colour."""
        chat = self.chat(params, access=WRITE)
        if not chat.is_forum:
            raise ApiError(400, errors.NOT_A_FORUM)
        if not chat.has_right(self.emu.bot_user["id"], "can_manage_topics"):
            raise ApiError(400, errors.NO_RIGHTS_TO_CREATE_TOPIC)
        name = str(params.get("name") or "").strip()[:MAX_TOPIC_NAME]
        if not name:
            raise ApiError(400, errors.TOPIC_NAME_EMPTY)
        icon_color = opt_int(params, "icon_color") or 0
        if icon_color and icon_color not in TOPIC_COLORS:
            raise ApiError(400, errors.INVALID_ICON_COLOR)
        return self.emu.create_topic(chat, name, icon_color=icon_color or DEFAULT_TOPIC_COLOR, by_bot=True)

    async def m_closeforumtopic(self, params: dict[str, Any]) -> bool:
        return self._toggle_topic(params, closed=True)

    async def m_reopenforumtopic(self, params: dict[str, Any]) -> bool:
        return self._toggle_topic(params, closed=False)

    async def m_closegeneralforumtopic(self, params: dict[str, Any]) -> bool:
        return self._toggle_topic(params, closed=True, general=True)

    async def m_reopengeneralforumtopic(self, params: dict[str, Any]) -> bool:
        return self._toggle_topic(params, closed=False, general=True)

    def _toggle_topic(self, params: dict[str, Any], *, closed: bool, general: bool = False) -> bool:
        """Client.cpp: write access, then TDLib ``toggleForumTopicIsClosed``
        (ForumTopicManager.cpp ``toggle_forum_topic_is_closed``): a forum, a positive thread id,
        the right to do it (an administrator with can_manage_topics, or the topic's creator);
        then Telegram's servers: the topic must exist (UNVERIFIED words) and change
        (``TOPIC_NOT_MODIFIED``). Client.cpp passes ``message_thread_id`` on as it is, so 1 is
        the General topic, exactly as closeGeneralForumTopic sends it."""
        chat = self.chat(params, access=WRITE)
        if not chat.is_forum:
            raise ApiError(400, errors.NOT_A_FORUM)
        thread_id = GENERAL_TOPIC if general else forum_topic_id(params)
        if thread_id <= 0:
            raise ApiError(400, errors.INVALID_TOPIC_ID)
        if thread_id != GENERAL_TOPIC and thread_id not in chat.topics:
            raise ApiError(400, errors.TOGGLE_UNKNOWN_TOPIC)
        if not manages_topic(chat, thread_id, self.emu.bot_user["id"]):
            raise ApiError(400, errors.NO_RIGHTS_TO_TOGGLE_TOPIC)
        if (thread_id in chat.closed_topics) == closed:
            raise ApiError(400, errors.TOPIC_NOT_MODIFIED)
        self.emu.set_topic_closed(chat, thread_id, closed, by_bot=True)
        return True

    async def m_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        known = self.emu.files.get(file_id)
        if known is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(known["data"]) > errors.MAX_DOWNLOAD_BYTES:
            raise ApiError(400, errors.FILE_TOO_BIG)
        return {"file_id": file_id, "file_unique_id": known["unique"], "file_size": len(known["data"]),
                "file_path": f"files/{file_id}"}

    # -- commands --------------------------------------------------------------------------------
    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        """The scope (Client.cpp ``get_bot_command_scope``, then the chat it names must be
        known) and the language code (TDLib ``validate_bot_language_code``)."""
        raw = params.get("scope")
        if raw is None or raw == "":
            scope: dict[str, Any] = {"type": "default"}
        elif isinstance(raw, str):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        elif not isinstance(raw, dict):
            raise ApiError(400, errors.SCOPE_NOT_OBJECT)
        else:
            scope = raw
        kind = scope.get("type")
        if not isinstance(kind, str):
            raise ApiError(400, errors.SCOPE_NO_TYPE)
        if kind not in _SCOPES:
            if kind not in _CHAT_SCOPES:
                raise ApiError(400, errors.SCOPE_UNSUPPORTED)
            if scope.get("chat_id") in (None, ""):
                raise ApiError(400, errors.SCOPE_EMPTY_CHAT)
            if kind == "chat_member" and (opt_int(scope, "user_id") or 0) <= 0:
                raise ApiError(400, errors.SCOPE_BAD_USER)
            chat = self.chat(scope, access=READ)
            scope = {**scope, "chat_id": chat.id}
        return json.dumps(scope, sort_keys=True), language_code(params)

    async def m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = as_json_object(params, "commands")
        if commands is None:
            commands = []
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: expected an Array of BotCommand")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an Array of at most 100 BotCommand")
        key = self._scope_key(params)
        clean = []
        for command in commands:  # TDLib BotCommand.cpp set_commands, then the server's name check
            name = str((command or {}).get("command", "")).strip().removeprefix("/")
            description = str((command or {}).get("description", "")).strip()
            if not name:
                raise ApiError(400, errors.COMMAND_EMPTY)
            if len(name) > 32:
                raise ApiError(400, errors.COMMAND_TOO_LONG)
            if not description:
                raise ApiError(400, errors.COMMAND_DESCRIPTION_EMPTY)
            if len(description) > 256:
                raise ApiError(400, errors.COMMAND_DESCRIPTION_TOO_LONG)
            if not _COMMAND.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            clean.append({"command": name, "description": description})
        self.emu.commands[key] = clean
        return True

    async def m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.emu.commands.get(self._scope_key(params), []))

    async def m_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.emu.commands.pop(self._scope_key(params), None)
        return True

    # -- menu button and the bot's profile ---------------------------------------------------------
    async def m_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        button = as_json_object(params, "menu_button") or {"type": "default"}
        if params.get("chat_id") not in (None, ""):
            self.chat(params, access=READ).menu_button = button
        else:
            self.emu.menu_button = button
        return True

    async def m_getchatmenubutton(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("chat_id") not in (None, ""):
            chat = self.chat(params, access=READ)
            if chat.menu_button is not None:
                return chat.menu_button
        return self.emu.menu_button or {"type": "default"}

    def _set_profile(self, params: dict[str, Any], field: str) -> bool:
        language = language_code(params)
        value = str(params.get(field) or "")
        limit, error = PROFILE_LIMITS[field]
        if len(value) > limit:
            raise ApiError(400, error)
        self.emu.profile[(field, language)] = value
        return True

    def _get_profile(self, params: dict[str, Any], field: str) -> dict[str, str]:
        language = language_code(params)
        profile = self.emu.profile
        value = profile.get((field, language)) or profile.get((field, ""))
        if value is None and field == "name":
            value = self.emu.bot_user["first_name"]
        return {field: value or ""}

    async def m_setmyname(self, params: dict[str, Any]) -> bool:
        return self._set_profile(params, "name")

    async def m_getmyname(self, params: dict[str, Any]) -> dict[str, str]:
        return self._get_profile(params, "name")

    async def m_setmydescription(self, params: dict[str, Any]) -> bool:
        return self._set_profile(params, "description")

    async def m_getmydescription(self, params: dict[str, Any]) -> dict[str, str]:
        return self._get_profile(params, "description")

    async def m_setmyshortdescription(self, params: dict[str, Any]) -> bool:
        return self._set_profile(params, "short_description")

    async def m_getmyshortdescription(self, params: dict[str, Any]) -> dict[str, str]:
        return self._get_profile(params, "short_description")

