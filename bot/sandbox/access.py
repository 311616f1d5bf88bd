"""What the bot may do in a chat, as Telegram decides it: who it can reach, which messages it
may delete, which topics exist. Pure functions over :mod:`bot.sandbox.state`; every refusal
is an :class:`~bot.sandbox.state.ApiError` with Telegram's wording (:mod:`bot.sandbox.errors`).
"""

from __future__ import annotations

from typing import Final

from bot.sandbox import errors
from bot.sandbox.state import KICKED, LEFT, OUT, ApiError, Chat, Entry

#: how a method uses the chat, after Client.cpp's AccessRights: READ (getChat, getChatMember,
#: leaveChat, the chat a message is forwarded from), EDIT (editing, as the emulator has it also
#: refused by a user who blocked the bot), WRITE (deleting, pinning, creating topics) and SEND
#: (a new message or chat action: WRITE plus the refusals Telegram's servers add when a message
#: is sent: a person who never wrote to the bot, a person who blocked it)
READ: Final = "read"
EDIT: Final = "edit"
WRITE: Final = "write"
SEND: Final = "send"

#: bots cannot delete messages older than 48 hours (TDLib MessagesManager.cpp: "bots can't delete
#: messages older than 2 days"; revoke_pm_time_limit / revoke_time_limit for bots)
DELETE_WINDOW = 48 * 3600
GENERAL_TOPIC = 1  # Client.cpp GENERAL_FORUM_TOPIC_ID


def check_access(chat: Chat, access: str) -> None:
    """Refuse as Client.cpp ``check_chat_access`` does (and the servers after it for SEND)."""
    if chat.private:
        if chat.deactivated and access != READ:
            raise ApiError(403, errors.USER_DEACTIVATED)
        if access == SEND and not chat.started:
            raise ApiError(403, errors.CANT_INITIATE)
        if chat.blocked and access in (SEND, EDIT):
            raise ApiError(403, errors.BLOCKED)
        return
    if chat.type == "group":
        if chat.migrated_to is not None and access in (WRITE, SEND):
            raise ApiError(400, errors.GROUP_UPGRADED, parameters={"migrate_to_chat_id": chat.migrated_to})
        if chat.bot_status == KICKED and access != READ:
            raise ApiError(403, errors.KICKED_FROM_GROUP)
        if chat.bot_status == LEFT and access != READ:
            raise ApiError(403, errors.NOT_MEMBER_OF_GROUP)
        return
    if chat.bot_status == KICKED:
        raise ApiError(403, errors.KICKED_FROM_SUPERGROUP)
    # a public supergroup (one with a username) can still be read by a bot that left it
    if chat.bot_status == LEFT and (access != READ or not chat.username):
        raise ApiError(403, errors.NOT_MEMBER_OF_SUPERGROUP)


def check_thread(chat: Chat, thread_id: int | None) -> int | None:
    """The forum topic a message goes to (None: none). Client.cpp ``check_message_topic``: in a
    forum the General topic (1) and unknown topics are refused, in a private chat (which has no
    topics here) any thread id is; other groups ignore it."""
    if not thread_id:
        return None
    if chat.private:
        raise ApiError(400, errors.THREAD_NOT_FOUND)
    if not chat.is_forum:
        return None
    if thread_id == GENERAL_TOPIC or thread_id not in chat.topics:
        raise ApiError(400, errors.THREAD_NOT_FOUND)
    return thread_id


def manages_topic(chat: Chat, thread_id: int, user_id: int) -> bool:
    """Whether ``user_id`` may close, reopen and write in a closed topic ``thread_id``: an
    administrator with ``can_manage_topics``, or the topic's creator (TDLib ForumTopicManager.cpp:
    ``can_edit_topics()`` or ``is_outgoing()``, in toggle_forum_topic_is_closed and
    can_send_message_to_forum_topic)."""
    return chat.has_right(user_id, "can_manage_topics") or chat.topic_creators.get(thread_id) == user_id


def check_topic_open(chat: Chat, thread_id: int | None, user_id: int) -> None:
    """A message to a closed topic (``thread_id`` None in a forum: the General topic) from
    someone who does not manage it: 400 ``TOPIC_CLOSED``."""
    if not chat.is_forum:
        return
    topic = thread_id or GENERAL_TOPIC
    if topic in chat.closed_topics and not manages_topic(chat, topic, user_id):
        raise ApiError(400, errors.TOPIC_CLOSED)


def check_delete(chat: Chat, entry: Entry, bot_id: int, now: int) -> None:
    """Refuse deleting ``entry`` as TDLib ``delete_messages`` does for a bot: first
    ``can_delete_message`` ("message can't be deleted"), then ``can_revoke_message`` (private
    chats and basic groups: "message can't be deleted for everyone")."""
    age = now - entry.date
    outgoing = entry.direction == OUT
    service = entry.kind == "service"
    if chat.type == "supergroup":  # can_delete_channel_message
        if (age >= DELETE_WINDOW or entry.message_id == 1 or "forum_topic_created" in entry.extra
                or "migrate_from_chat_id" in entry.extra):
            raise ApiError(400, errors.CANT_DELETE)
        if not (chat.has_right(bot_id, "can_delete_messages") or outgoing):
            raise ApiError(400, errors.CANT_DELETE)
        return
    if chat.private:  # revoke_pm_inbox: a bot may delete the person's messages too
        revocable = (outgoing and not service) or not outgoing
    else:
        revocable = (outgoing and not service) or bot_id in chat.admins
    if not revocable or age > DELETE_WINDOW:
        raise ApiError(400, errors.CANT_DELETE_FOR_EVERYONE)
