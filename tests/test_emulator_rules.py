"""The emulator refuses what Telegram refuses, with Telegram's error codes and words (issue 12):
one test per rule, each failing on the emulator as it was before (too lenient).

The words come from the official Bot API server and TDLib (see ``bot/sandbox/errors.py`` for the
file each is read from)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.clock import SimulatedClock
from bot.sandbox import Emulator, RateLimits
from tests.test_emulator import Receiver, call, eventually

TOKEN = "123456:TEST-emulator-abcdefghijklmnopqrstuv"
START = dt.datetime(2025, 10, 25, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Telegram's behaviour as it is by default (no rate limits: they have their own tests)."""
    async with Emulator(token=TOKEN, limits=RateLimits.off(), clock=SimulatedClock(START),
                        webhook_retry_delay=0.05) as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as ptb_bot:
        yield ptb_bot


def refused(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


# -- 1. the 48-hour delete window ----------------------------------------------------------------------
async def test_bot_messages_older_than_48_hours_cannot_be_deleted(emu: Emulator, bot: Bot,
                                                                  http: aiohttp.ClientSession) -> None:
    emu.user(1101, "Ana", started=True)
    old = await bot.send_message(1101, "sent two days ago")
    emu.advance(dt.timedelta(hours=47))
    recent = await bot.send_message(1101, "sent an hour ago")
    kept = await bot.send_message(1101, "recent too")
    emu.advance(dt.timedelta(hours=2))  # the first message is now 49 hours old
    status, body = await call(http, emu, "deleteMessage", form={"chat_id": "1101", "message_id": str(old.message_id)})
    assert (status, body) == refused(400, "Bad Request: message can't be deleted for everyone")
    # deleteMessages refuses them all when one cannot go (TDLib checks every one first)
    with pytest.raises(BadRequest, match="(?i)message can't be deleted for everyone"):
        await bot.delete_messages(1101, [recent.message_id, old.message_id])
    assert not emu.chats[1101].by_id[recent.message_id].deleted
    assert await bot.delete_message(1101, recent.message_id)  # 2 hours old: fine
    assert await bot.delete_messages(1101, [kept.message_id, 999])  # a missing id is skipped
    assert [e.text for e in emu.outgoing(1101)] == ["sent two days ago"]
    # in a supergroup Telegram words it differently
    group = emu.group(title="Officers", supergroup=True)
    posted = await bot.send_message(group.id, "old news")
    emu.advance(dt.timedelta(hours=48))
    with pytest.raises(BadRequest, match="^Message can't be deleted$"):
        await bot.delete_message(group.id, posted.message_id)


async def test_the_topic_created_message_cannot_be_deleted(emu: Emulator, bot: Bot) -> None:
    forum = emu.group(title="Officers", forum=True)
    topic = await bot.create_forum_topic(forum.id, "Transport")
    with pytest.raises(BadRequest, match="^Message can't be deleted$"):
        await bot.delete_message(forum.id, topic.message_thread_id)
    assert emu.chats[forum.id].by_id[topic.message_thread_id].deleted is False


# -- 2. who the bot can reach ------------------------------------------------------------------------------
async def test_a_private_chat_exists_only_after_the_persons_first_message(emu: Emulator, bot: Bot,
                                                                           http: aiohttp.ClientSession) -> None:
    stranger = emu.user(1201, "Never wrote")
    status, body = await call(http, emu, "sendMessage", form={"chat_id": "1201", "text": "Hello"})
    assert (status, body) == refused(403, "Forbidden: bot can't initiate conversation with a user")
    with pytest.raises(Forbidden, match="(?i)bot can't initiate conversation with a user"):
        await bot.send_chat_action(1201, "typing")
    assert emu.outgoing(1201) == [] and not stranger.started
    await stranger.send("hello?")  # any message opens the chat
    assert stranger.started and await bot.send_message(1201, "Welcome")
    # a person who pressed Start some time ago
    regular = emu.user(1202, "Wrote before", started=True)
    assert regular.started and await bot.send_message(1202, "Reminder")


async def test_a_deactivated_account_cannot_be_written_to(emu: Emulator, bot: Bot,
                                                          http: aiohttp.ClientSession) -> None:
    user = emu.user(1203, "Gone", started=True)
    sent = await bot.send_message(1203, "before")
    user.deactivate()
    status, body = await call(http, emu, "sendMessage", form={"chat_id": "1203", "text": "after"})
    assert (status, body) == refused(403, "Forbidden: user is deactivated")
    with pytest.raises(Forbidden, match="(?i)user is deactivated"):
        await bot.edit_message_text("edited", chat_id=1203, message_id=sent.message_id)
    assert (await bot.get_chat(1203)).first_name == "Deleted Account"  # reading still works


@pytest.mark.parametrize(("supergroup", "kicked", "left"), [
    (False, "Forbidden: bot was kicked from the group chat", "Forbidden: bot is not a member of the group chat"),
    (True, "Forbidden: bot was kicked from the supergroup chat", "Forbidden: bot is not a member of the supergroup chat"),
])
async def test_a_bot_removed_from_a_group_cannot_post_there(emu: Emulator, bot: Bot, http: aiohttp.ClientSession,
                                                            supergroup: bool, kicked: str, left: str) -> None:
    admin = emu.user(1301, "Chair")
    group = emu.group(title="Delegation", supergroup=supergroup, members=[admin])
    posted = await bot.send_message(group.id, "Welcome")
    update = group.kick_bot(by=admin)
    change = update["my_chat_member"]
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == ("administrator", "kicked")
    status, body = await call(http, emu, "sendMessage", form={"chat_id": str(group.id), "text": "still here?"})
    assert (status, body) == refused(403, kicked)
    with pytest.raises(Forbidden, match="(?i)" + kicked.removeprefix("Forbidden: ")):
        await bot.delete_message(group.id, posted.message_id)
    silent = await group.post(admin, "the bot no longer sees this")
    assert "update_id" not in silent
    if supergroup:  # a bot banned from a supergroup may not even read it
        with pytest.raises(Forbidden, match="(?i)" + kicked.removeprefix("Forbidden: ")):
            await bot.get_chat_member(group.id, bot.id)
    else:
        assert (await bot.get_chat_member(group.id, bot.id)).status == "kicked"

    group.add_bot(by=admin)  # back, then it leaves by itself
    assert await bot.send_message(group.id, "Hello again")
    assert await bot.leave_chat(group.id)
    left_update = list(emu.updates.pending.values())[-1]["my_chat_member"]
    assert left_update["new_chat_member"]["status"] == "left" and left_update["from"]["id"] == bot.id
    status, body = await call(http, emu, "sendMessage", form={"chat_id": str(group.id), "text": "hi"})
    assert (status, body) == refused(403, left)


async def test_a_group_upgraded_to_a_supergroup_answers_with_its_new_id(emu: Emulator, bot: Bot,
                                                                        http: aiohttp.ClientSession) -> None:
    chair = emu.user(1401, "Chair")
    group = emu.group(title="Liaison", members=[chair])
    assert await bot.send_message(group.id, "before the upgrade")
    supergroup = group.upgrade(by=chair)
    assert supergroup.chat.type == "supergroup" and supergroup.id != group.id
    status, body = await call(http, emu, "sendMessage", form={"chat_id": str(group.id), "text": "after"})
    assert (status, body) == refused(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                     migrate_to_chat_id=supergroup.id)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "after")
    assert migrated.value.new_chat_id == supergroup.id
    assert (await bot.send_message(supergroup.id, "in the supergroup")).chat.id == supergroup.id
    services = [u["message"] for u in emu.updates.pending.values() if "message" in u]
    assert services[-2]["migrate_to_chat_id"] == supergroup.id and services[-1]["migrate_from_chat_id"] == group.id
    assert chair.id in supergroup.chat.members


# -- 3. topics ---------------------------------------------------------------------------------------------------
async def test_thread_ids_must_name_a_topic(emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    forum = emu.group(title="Officers", forum=True)
    topic = await bot.create_forum_topic(forum.id, "Medical")
    status, body = await call(http, emu, "sendMessage",
                              form={"chat_id": str(forum.id), "text": "x", "message_thread_id": "1"})
    assert (status, body) == refused(400, "Bad Request: message thread not found")  # the General topic
    emu.user(1501, "Dana", started=True)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(1501, "x", message_thread_id=topic.message_thread_id)  # a private chat has none
    assert (await bot.send_message(forum.id, "ok", message_thread_id=topic.message_thread_id)).is_topic_message


async def test_create_forum_topic_needs_the_right_and_one_of_six_colours(emu: Emulator, bot: Bot,
                                                                         http: aiohttp.ClientSession) -> None:
    no_right = emu.group(title="Officers A", forum=True, bot_rights={"can_manage_topics": False})
    status, body = await call(http, emu, "createForumTopic", form={"chat_id": str(no_right.id), "name": "Transport"})
    assert (status, body) == refused(400, "Bad Request: not enough rights to create a topic")
    member_only = emu.group(title="Officers B", forum=True, bot_admin=False)
    with pytest.raises(BadRequest, match="(?i)not enough rights to create a topic"):
        await bot.create_forum_topic(member_only.id, "Transport")
    forum = emu.group(title="Officers C", forum=True, bot_rights={"can_manage_topics": True})
    status, body = await call(http, emu, "createForumTopic",
                              form={"chat_id": str(forum.id), "name": "Transport", "icon_color": str(0x123456)})
    assert (status, body) == refused(400, "Bad Request: invalid icon color specified")
    assert (await bot.create_forum_topic(forum.id, "Transport", icon_color=0xFB6F5F)).icon_color == 0xFB6F5F
    assert (await bot.create_forum_topic(forum.id, "Medical")).icon_color == 0x6FB9F0  # the default
    assert (await bot.create_forum_topic(forum.id, "x" * 200)).name == "x" * 128  # cut, not refused



async def test_closing_a_topic_needs_a_forum_and_a_thread_id(emu: Emulator, bot: Bot,
                                                             http: aiohttp.ClientSession) -> None:
    plain = emu.group(title="Officers A", supergroup=True)
    status, body = await call(http, emu, "closeForumTopic", form={"chat_id": str(plain.id), "message_thread_id": "5"})
    assert (status, body) == refused(400, "Bad Request: the chat is not a forum")
    forum = emu.group(title="Officers B", forum=True)
    for thread in ("", "0", "-3", "abc"):  # Client.cpp reads all of these as 0
        status, body = await call(http, emu, "reopenForumTopic",
                                  form={"chat_id": str(forum.id), "message_thread_id": thread})
        assert (status, body) == refused(400, "Bad Request: invalid forum topic identifier specified"), thread
    topic = await bot.create_forum_topic(forum.id, "Transport")
    assert await bot.close_forum_topic(forum.id, topic.message_thread_id)
    assert forum.topic_closed(topic.message_thread_id)
    closed = forum.history()[-1]  # Telegram's service message in the topic
    assert "forum_topic_closed" in closed.extra and closed.thread_id == topic.message_thread_id
    assert await bot.reopen_forum_topic(forum.id, topic.message_thread_id)
    assert not forum.topic_closed(topic.message_thread_id) and "forum_topic_reopened" in forum.history()[-1].extra


async def test_only_the_topics_creator_or_a_topic_manager_closes_it(emu: Emulator, bot: Bot,
                                                                   http: aiohttp.ClientSession) -> None:
    forum = emu.group(title="Officers", forum=True)
    chair = emu.user(1701, "Chair")
    forum.add(chair)
    own = await bot.create_forum_topic(forum.id, "Transport")  # the bot's own topic
    theirs = forum.create_topic("Chair's corner", by=chair)
    forum.add_bot(admin=True, rights={"can_manage_topics": False})  # the right is taken away
    status, body = await call(http, emu, "closeForumTopic",
                              form={"chat_id": str(forum.id), "message_thread_id": str(theirs)})
    assert (status, body) == refused(400, "Bad Request: not enough rights to close or open the topic")
    assert await bot.close_forum_topic(forum.id, own.message_thread_id)  # its creator may
    assert await bot.reopen_forum_topic(forum.id, own.message_thread_id)
    forum.add_bot(admin=True, rights={"can_manage_topics": True})
    assert await bot.close_forum_topic(forum.id, theirs)  # an administrator who manages topics may
    assert forum.topic_closed(theirs)


async def test_an_unknown_or_deleted_topic_cannot_be_closed(emu: Emulator, bot: Bot,
                                                            http: aiohttp.ClientSession) -> None:
    forum = emu.group(title="Officers", forum=True)
    status, body = await call(http, emu, "closeForumTopic", form={"chat_id": str(forum.id), "message_thread_id": "777"})
    assert (status, body) == refused(400, "Bad Request: message thread not found")
    topic = await bot.create_forum_topic(forum.id, "Transport")
    await bot.send_message(forum.id, "inside", message_thread_id=topic.message_thread_id)
    forum.delete_topic(topic.message_thread_id)  # an administrator deletes it, and all in it
    assert forum.bot_messages(topic.message_thread_id) == []
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.reopen_forum_topic(forum.id, topic.message_thread_id)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum.id, "x", message_thread_id=topic.message_thread_id)


async def test_closing_a_closed_topic_or_reopening_an_open_one_is_not_modified(
        emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    forum = emu.group(title="Officers", forum=True)
    topic = await bot.create_forum_topic(forum.id, "Transport")
    form = {"chat_id": str(forum.id), "message_thread_id": str(topic.message_thread_id)}
    status, body = await call(http, emu, "reopenForumTopic", form=form)
    assert (status, body) == refused(400, "Bad Request: TOPIC_NOT_MODIFIED")
    assert await bot.close_forum_topic(forum.id, topic.message_thread_id)
    messages = len(forum.history())
    with pytest.raises(BadRequest, match="(?i)TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(forum.id, topic.message_thread_id)
    assert len(forum.history()) == messages  # no second service message


async def test_thread_1_is_the_general_topic_for_close_forum_topic(emu: Emulator, bot: Bot,
                                                                   http: aiohttp.ClientSession) -> None:
    """Client.cpp hands ``message_thread_id`` to TDLib's toggleForumTopicIsClosed unchanged, and
    closeGeneralForumTopic is that very call with 1: closeForumTopic(1) closes the General topic."""
    no_right = emu.group(title="Desk", forum=True, bot_rights={"can_manage_topics": False})
    status, body = await call(http, emu, "closeForumTopic", form={"chat_id": str(no_right.id), "message_thread_id": "1"})
    assert (status, body) == refused(400, "Bad Request: not enough rights to close or open the topic")
    forum = emu.group(title="Officers", forum=True)
    member = emu.user(1702, "Member")
    forum.add(member)
    assert await bot.close_forum_topic(forum.id, 1)
    assert forum.topic_closed(1)
    with pytest.raises(BadRequest, match="(?i)TOPIC_NOT_MODIFIED"):
        await bot.close_general_forum_topic(forum.id)  # the same topic
    with pytest.raises(ValueError, match="closed"):
        await member.post_in(forum, "hello?")  # General is closed to ordinary members
    assert (await bot.send_message(forum.id, "the bot manages topics")).chat.id == forum.id
    assert await bot.reopen_general_forum_topic(forum.id)
    assert not forum.topic_closed(1)


async def test_only_the_creator_and_topic_managers_write_in_a_closed_topic(
        emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    forum = emu.group(title="Officers", forum=True, bot_rights={"can_manage_topics": False})
    chair, member = emu.user(1703, "Chair"), emu.user(1704, "Member")
    forum.add(chair, admin=True)
    forum.add(member)
    theirs = forum.create_topic("Medical", by=member)
    await bot.send_message(forum.id, "while open", message_thread_id=theirs)
    forum.close_topic(theirs, by=chair)
    status, body = await call(http, emu, "sendMessage",
                              form={"chat_id": str(forum.id), "text": "x", "message_thread_id": str(theirs)})
    assert (status, body) == refused(400, "Bad Request: TOPIC_CLOSED")  # the bot is an ordinary member here
    with pytest.raises(ValueError, match="closed"):
        await emu.user(1705, "Passer-by").post_in(forum, "hello?", theirs)
    await member.post_in(forum, "my own topic", theirs)  # its creator may
    await chair.post_in(forum, "an administrator may", theirs)
    forum.reopen_topic(theirs, by=member)
    assert (await bot.send_message(forum.id, "open again", message_thread_id=theirs)).is_topic_message


# -- 4. paid broadcasts ----------------------------------------------------------------------------------------
async def test_only_paid_broadcasts_get_the_1000_per_second_budget(bot: Bot) -> None:
    # an overall budget of one message (refilled every 100 s) makes the difference visible at once
    limits = RateLimits(overall_per_s=0.01, overall_burst=1, private_per_s=0.01, private_burst=1, group_per_min=0)
    async with Emulator(token=TOKEN, limits=limits) as emu, Bot(TOKEN, base_url=emu.base_url) as local:
        users = [emu.user(1600 + i, f"U{i}", started=True) for i in range(60)]
        assert await local.send_message(users[0].id, "free")
        with pytest.raises(RetryAfter):  # the ordinary budget is spent
            await local.send_message(users[1].id, "free")
        for user in users[1:]:  # the paid budget is another one
            assert await local.send_message(user.id, "paid", allow_paid_broadcast=True)
        assert emu.paid_messages == 59 and emu.outgoing(users[1].id)[0].options["allow_paid_broadcast"]
        with pytest.raises(RetryAfter):  # per-chat limits apply to paid messages too
            await local.send_message(users[1].id, "paid again", allow_paid_broadcast=True)
    assert (RateLimits().overall_per_s, RateLimits().paid_per_s) == (30, 1000)  # Telegram's figures


# -- 5. markup and replies --------------------------------------------------------------------------------------
async def test_edits_take_inline_keyboards_only(emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    emu.user(1701, "Eli", started=True)
    sent = await bot.send_message(1701, "Menu", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("Programme", callback_data="prog")]]))
    keyboard = ReplyKeyboardMarkup([["Programme"]])
    status, body = await call(http, emu, "editMessageText", form={
        "chat_id": "1701", "message_id": str(sent.message_id), "text": "New",
        "reply_markup": json.dumps(keyboard.to_dict())})
    assert (status, body) == refused(400, "Bad Request: inline keyboard expected")
    with pytest.raises(BadRequest, match="(?i)inline keyboard expected"):
        await bot.edit_message_reply_markup(1701, sent.message_id, reply_markup={"remove_keyboard": True})
    assert emu.chats[1701].by_id[sent.message_id].edits == []


async def test_forward_message_takes_no_reply_markup(emu: Emulator, http: aiohttp.ClientSession) -> None:
    emu.user(1702, "Fay", started=True)
    _, sent = await call(http, emu, "sendMessage", form={"chat_id": "1702", "text": "Agenda"})
    markup = {"inline_keyboard": [[{"text": "Open", "callback_data": "open"}]]}
    status, body = await call(http, emu, "forwardMessage", form={
        "chat_id": "1702", "from_chat_id": "1702", "message_id": str(sent["result"]["message_id"]),
        "reply_markup": json.dumps(markup)})
    assert status == 200 and "reply_markup" not in body["result"]
    assert emu.outgoing(1702)[-1].reply_markup is None and body["result"]["forward_origin"]["type"] == "user"


async def test_protected_messages_cannot_be_forwarded(emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    """Telegram refuses to forward a protected message; a bot may still *copy* it (TDLib
    MessagesManager.cpp ``can_forward_message``: ``!(is_copy && is_bot)``)."""
    emu.user(1703, "Gus", started=True)
    emu.user(1704, "Hal", started=True)
    secret = await bot.send_message(1703, "Room code 4711", protect_content=True)
    assert secret.has_protected_content
    status, body = await call(http, emu, "forwardMessage",
                              form={"chat_id": "1704", "from_chat_id": "1703", "message_id": str(secret.message_id)})
    assert (status, body) == refused(400, "Bad Request: the message can't be forwarded")
    assert emu.outgoing(1704) == []
    assert await bot.copy_message(1704, 1703, secret.message_id)


async def test_a_quote_must_occur_in_the_message_replied_to(emu: Emulator, bot: Bot,
                                                            http: aiohttp.ClientSession) -> None:
    emu.user(1705, "Ida", started=True)
    sent = await bot.send_message(1705, "The shuttle leaves at 08:15 from Gate 2")
    status, body = await call(http, emu, "sendMessage", form={
        "chat_id": "1705", "text": "Noted",
        "reply_parameters": json.dumps({"message_id": sent.message_id, "quote": "Gate 3"})})
    assert (status, body) == refused(400, "Bad Request: QUOTE_TEXT_INVALID")
    reply = await bot.send_message(1705, "Noted", reply_parameters=ReplyParameters(sent.message_id, quote="08:15"))
    assert reply.quote.text == "08:15" and reply.quote.position == 22 and reply.reply_to_message.message_id == sent.message_id


async def test_a_reply_may_point_at_a_message_in_another_chat(emu: Emulator, bot: Bot) -> None:
    """Too strict before: Telegram takes ``reply_parameters.chat_id`` of another chat the bot can read."""
    delegate = emu.user(1706, "Jo")
    await delegate.send("I need a wheelchair at the venue")
    officers = emu.group(title="Officers", supergroup=True)
    relayed = await bot.send_message(officers.id, "Request from Jo", reply_parameters=ReplyParameters(
        delegate.history()[0].message_id, chat_id=delegate.id))
    assert relayed.reply_to_message is None
    assert relayed.external_reply.origin.sender_user.id == delegate.id
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(officers.id, "x", reply_parameters=ReplyParameters(999, chat_id=delegate.id))


# -- 6. sizes ----------------------------------------------------------------------------------------------------
async def test_file_sizes(emu: Emulator, http: aiohttp.ClientSession) -> None:
    emu.user(1801, "Kai", started=True)

    async def upload(method: str, field: str, data: bytes) -> tuple[int, dict[str, Any]]:
        form = aiohttp.FormData()
        form.add_field("chat_id", "1801")
        form.add_field(field, data, filename="file.bin", content_type="application/octet-stream")
        async with http.post(f"{emu.base_url}{TOKEN}/{method}", data=form) as resp:
            return resp.status, await resp.json()

    photo = b"\xff" * (10 * 1024 * 1024 + 1)
    assert await upload("sendPhoto", "photo", photo) == refused(
        400, "Bad Request: file of size 10485761 bytes is too big for a photo; the maximum size is 10485760 bytes")
    assert await upload("sendDocument", "document", b"") == refused(400, "Bad Request: file must be non-empty")
    assert await upload("sendDocument", "document", b"\0" * (50 * 1024 * 1024 + 1)) == refused(
        413, "Request Entity Too Large")
    status, body = await upload("sendDocument", "document", photo)  # 10 MB is fine for a document
    assert status == 200 and body["result"]["document"]["file_size"] == len(photo)
    status, body = await upload("sendDocument", "document", b"\0" * (20 * 1024 * 1024 + 1))
    assert status == 200 and len(emu.outgoing(1801)) == 2
    big = body["result"]["document"]["file_id"]  # sent, but a bot downloads at most 20 MB
    assert await call(http, emu, "getFile", form={"file_id": big}) == refused(400, "Bad Request: file is too big")


async def test_an_inline_keyboard_has_a_cap(emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    emu.user(1802, "Lin", started=True)

    def keyboard(count: int) -> InlineKeyboardMarkup:
        buttons = [InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(count)]
        return InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, count, 4)])

    status, body = await call(http, emu, "sendMessage", form={
        "chat_id": "1802", "text": "Pick", "reply_markup": json.dumps(keyboard(101).to_dict())})
    assert (status, body) == refused(400, "Bad Request: reply markup is too long")
    assert await bot.send_message(1802, "Pick", reply_markup=keyboard(100))


async def test_the_bots_name_and_descriptions_have_lengths(emu: Emulator, bot: Bot,
                                                            http: aiohttp.ClientSession) -> None:
    for method, field, limit, description in (
        ("setMyShortDescription", "short_description", 120, "Bad Request: ABOUT_TOO_LONG"),
        ("setMyDescription", "description", 512, "Bad Request: ABOUT_TOO_LONG"),
        ("setMyName", "name", 64, "Bad Request: FIRSTNAME_INVALID"),
    ):
        assert await call(http, emu, method, form={field: "x" * (limit + 1)}) == refused(400, description)
        status, _ = await call(http, emu, method, form={field: "x" * limit})
        assert status == 200
    assert (await bot.get_my_short_description()).short_description == "x" * 120


async def test_set_my_commands_checks_its_scope_and_language(emu: Emulator, bot: Bot,
                                                             http: aiohttp.ClientSession) -> None:
    commands = json.dumps([{"command": "help", "description": "Help"}])
    assert await call(http, emu, "setMyCommands", form={"commands": commands, "language_code": "fra"}) == refused(
        400, "Bad Request: invalid language code specified")
    assert await call(http, emu, "setMyCommands", form={
        "commands": commands, "scope": json.dumps({"type": "everyone"})}) == refused(
        400, "Bad Request: can't parse BotCommandScope: Unsupported type specified")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeChat(424242))
    group = emu.group(title="Officers")
    assert await bot.set_my_commands([BotCommand("claim", "Claim")], scope=BotCommandScopeChat(group.id))
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(group.id))] == ["claim"]


async def test_callback_answers_open_only_links_to_the_bot(emu: Emulator, bot: Bot,
                                                           http: aiohttp.ClientSession) -> None:
    user = emu.user(1803, "Mo", started=True)
    sent = await bot.send_message(1803, "Menu")
    first = (await user.press_raw("x", message=sent.message_id))["callback_query"]["id"]
    assert await call(http, emu, "answerCallbackQuery",
                      form={"callback_query_id": first, "url": "https://example.org/agenda"}) == refused(
        400, "Bad Request: URL_INVALID")
    assert not emu.query(first).answered
    link = f"https://t.me/{emu.bot_user['username']}?start=agenda"
    assert await bot.answer_callback_query(first, url=link)
    assert emu.query(first).url == link


async def test_locations_clamp_accuracy_and_check_live_periods(emu: Emulator, bot: Bot,
                                                               http: aiohttp.ClientSession) -> None:
    emu.user(1804, "Nia", started=True)
    status, body = await call(http, emu, "sendLocation", form={
        "chat_id": "1804", "latitude": "21.02", "longitude": "105.78", "live_period": "30"})
    assert (status, body) == refused(400, "Bad Request: wrong live location period specified")
    sent = await bot.send_location(1804, 21.02, 105.78, horizontal_accuracy=5000, live_period=60)
    assert sent.location.horizontal_accuracy == 1500  # clamped, as TDLib does
    assert sent.location.live_period == dt.timedelta(seconds=60)


# -- 7. webhooks -------------------------------------------------------------------------------------------------
async def test_set_webhook_requires_https_on_telegrams_ports(emu: Emulator, http: aiohttp.ClientSession) -> None:
    cases = [
        ("http://bot.example.org/hook", "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
        ("http://127.0.0.1:8080/hook", "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
        ("https://bot.example.org:8080/hook",
         "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"),
        ("https://127.0.0.1:8443/hook", "Bad Request: bad webhook: IP address 127.0.0.1 is reserved"),
    ]
    for url, description in cases:
        assert await call(http, emu, "setWebhook", form={"url": url}) == refused(400, description), url
    assert emu.webhook is None
    for url in ("https://bot.example.org/hook", "bot.example.org:8443/hook", "https://bot.example.org:88/"):
        status, _ = await call(http, emu, "setWebhook", form={"url": url})
        assert status == 200, url
    assert emu.webhook is not None and emu.webhook["url"] == "https://bot.example.org:88/"
    async with Emulator(token=TOKEN, allow_local_http_webhooks=True) as local:  # the setting tests opt in to
        status, _ = await call(http, local, "setWebhook", form={"url": "http://127.0.0.1:8080/hook"})
        assert status == 200 and local.webhook["url"] == "http://127.0.0.1:8080/hook"
        assert (await call(http, local, "setWebhook", form={"url": "http://bot.example.org/hook"}))[0] == 400


async def test_max_connections_is_clamped_and_an_empty_secret_is_allowed(http: aiohttp.ClientSession) -> None:
    async with Emulator(token=TOKEN, allow_local_http_webhooks=True) as emu, Receiver() as receiver:
        for given, kept in (("0", 1), ("500", 100), ("", 40)):
            status, body = await call(http, emu, "setWebhook",
                                      form={"url": receiver.url, "max_connections": given, "secret_token": ""})
            assert (status, body["ok"]) == (200, True), body
            _, info = await call(http, emu, "getWebhookInfo")
            assert info["result"]["max_connections"] == kept
        await emu.user(1901, "Ola").send("hi")
        await eventually(lambda: len(receiver.updates) == 1)
        assert receiver.secrets == [None]  # no secret: no header


async def test_changing_allowed_updates_keeps_the_updates_already_queued(http: aiohttp.ClientSession) -> None:
    async with Emulator(token=TOKEN, allow_local_http_webhooks=True) as emu, Receiver() as receiver:
        user = emu.user(1902, "Pia")
        await user.send("queued before the change")
        status, _ = await call(http, emu, "setWebhook", form={
            "url": receiver.url, "allowed_updates": json.dumps(["callback_query"])})
        assert status == 200
        await eventually(lambda: len(receiver.updates) == 1)
        assert receiver.updates[0]["message"]["text"] == "queued before the change"
        await user.send("created after: not wanted")
        assert emu.pending_updates == 0


async def test_uploads_over_50_mb_are_refused_before_anything_else(emu: Emulator) -> None:
    """PTB sees Telegram's 413 as a NetworkError naming the size limit."""
    emu.user(1805, "Quinn", started=True)
    async with Bot(TOKEN, base_url=emu.base_url) as local:
        with pytest.raises(NetworkError, match="Request Entity Too Large"):
            await local.send_document(424242, b"\0" * (50 * 1024 * 1024 + 1), filename="big.bin")


# -- the same situations over /sim (scripts, the sandbox) --------------------------------------------------------
async def test_sim_http_acts_out_the_situations(emu: Emulator, http: aiohttp.ClientSession) -> None:
    sim = f"{emu.url}/sim"

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with http.post(sim + path, json=body) as resp:
            answer = await resp.json()
            assert resp.status == 200, answer
            return answer

    assert (await post("/users", {"id": 2001, "first_name": "New"}))["user"]["started"] is False
    assert (await post("/users", {"id": 2002, "first_name": "Known", "started": True}))["user"]["started"] is True
    assert (await call(http, emu, "sendMessage", form={"chat_id": "2001", "text": "hi"}))[0] == 403
    assert (await call(http, emu, "sendMessage", form={"chat_id": "2002", "text": "hi"}))[0] == 200
    assert (await post("/users/2002/deactivate", {}))["user"]["deactivated"] is True
    group = (await post("/groups", {"title": "G", "members": [2001]}))["group"]
    assert (await post(f"/groups/{group['id']}/kick_bot", {"by": 2001}))["group"]["bot_status"] == "kicked"
    assert (await post(f"/groups/{group['id']}/add_bot", {"by": 2001}))["group"]["bot_status"] == "member"
    upgraded = await post(f"/groups/{group['id']}/upgrade", {"by": 2001})
    assert upgraded["group"]["type"] == "supergroup" and upgraded["migrated_from"] == group["id"]
    forum = (await post("/groups", {"title": "F", "forum": True, "bot_rights": {"can_manage_topics": False}}))["group"]
    assert (await call(http, emu, "createForumTopic", form={"chat_id": str(forum["id"]), "name": "T"}))[0] == 400
    before = emu.clock.now()
    assert (await post("/clock", {"seconds": 3600}))["now"] == (before + dt.timedelta(hours=1)).isoformat()
