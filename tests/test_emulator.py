"""The Bot API emulator: Telegram's shapes over real HTTP (raw aiohttp, PTB's Bot and a polling
Application), its validations and errors, rate limits, webhook delivery, simulated users and
groups, the /sim endpoints, and the bare PTB echo baseline of the throughput benchmark."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bench.throughput_baseline import run_bare_echo
from bot.clock import SimulatedClock
from bot.sandbox import Emulator, Entry, RateLimits
from bot.sandbox.entities import EntityError, parse_html, parse_markdown_v2, to_html
from bot.sandbox.webhook import SECRET_HEADER

TOKEN = "123456:TEST-emulator-abcdefghijklmnopqrstuv"
OTHER_TOKEN = "654321:TEST-emulator-abcdefghijklmnopqrstuv"
SECRET = "hook-secret_1"


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator without rate limits that takes webhooks on this machine (tests receive them
    on http://127.0.0.1); the strict defaults have their own tests."""
    async with Emulator(token=TOKEN, limits=RateLimits.off(), webhook_retry_delay=0.05,
                        allow_local_http_webhooks=True) as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as ptb_bot:
        yield ptb_bot


async def call(http: aiohttp.ClientSession, emu: Emulator, method: str, *, form: dict[str, Any] | None = None,
               json_body: dict[str, Any] | None = None, token: str = TOKEN) -> tuple[int, dict[str, Any]]:
    url = f"{emu.url}/bot{token}/{method}"
    if json_body is not None:
        request = http.post(url, json=json_body)
    elif form is not None:
        request = http.post(url, data=form)
    else:
        request = http.get(url)
    async with request as resp:
        return resp.status, await resp.json()


class Receiver:
    """A webhook receiver: records updates and headers; answers the statuses queued in ``fail``."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.fail: list[int] = []
        self.attempts = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.secrets.append(request.headers.get(SECRET_HEADER))
        if self.fail:
            return web.Response(status=self.fail.pop(0))
        self.updates.append(await request.json())
        return web.json_response({"ok": True})

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def eventually(check: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


# -- raw HTTP ------------------------------------------------------------------------------------
async def test_get_me_and_response_shapes(emu: Emulator, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, emu, "getMe")
    assert status == 200 and body["ok"] is True
    assert body["result"]["id"] == 123456 and body["result"]["is_bot"] is True
    status, body = await call(http, emu, "GETME", json_body={})  # method names are case-insensitive
    assert status == 200 and body["result"]["username"] == emu.bot_user["username"]
    status, body = await call(http, emu, "getMe", token=OTHER_TOKEN)
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(http, emu, "sendTelepathy", form={"chat_id": "1"})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_send_message_form_and_json_bodies(emu: Emulator, http: aiohttp.ClientSession) -> None:
    alice = emu.user(1001, "Alice", username="alice", started=True)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    # form-urlencoded with the nested value as a JSON string, as PTB sends it
    status, body = await call(http, emu, "sendMessage", form={
        "chat_id": "1001", "text": "<b>Hello</b> world", "parse_mode": "HTML", "reply_markup": json.dumps(markup),
        "link_preview_options": json.dumps({"is_disabled": True}),
    })
    assert status == 200, body
    message = body["result"]
    assert message["message_id"] == 1 and message["text"] == "Hello world"
    assert message["from"]["id"] == 123456 and message["chat"] == {"id": 1001, "type": "private", "first_name": "Alice", "username": "alice"}
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert message["reply_markup"] == markup
    assert message["link_preview_options"] == {"is_disabled": True}
    # a JSON body with nested objects; message ids grow per chat
    status, body = await call(http, emu, "sendMessage", json_body={"chat_id": 1001, "text": "two", "reply_markup": markup})
    assert status == 200 and body["result"]["message_id"] == 2
    # GET with a query string works too
    async with http.get(f"{emu.base_url}{TOKEN}/sendMessage", params={"chat_id": "1001", "text": "three"}) as resp:
        assert (await resp.json())["result"]["message_id"] == 3
    entry = alice.inbox()[0]
    assert entry.direction == "out" and entry.kind == "text" and entry.parse_mode == "HTML"
    assert entry.buttons == markup["inline_keyboard"] and entry.html == "<b>Hello</b> world"
    assert emu.last_request("sendmessage")["text"] == "three"


async def test_multipart_upload_and_file_download(emu: Emulator, http: aiohttp.ClientSession) -> None:
    emu.user(1002, "Bea", started=True)
    form = aiohttp.FormData()
    form.add_field("chat_id", "1002")
    form.add_field("caption", "<i>agenda</i>")
    form.add_field("parse_mode", "HTML")
    form.add_field("document", b"%PDF-1.4 agenda", filename="agenda.pdf", content_type="application/pdf")
    async with http.post(f"{emu.base_url}{TOKEN}/sendDocument", data=form) as resp:
        body = await resp.json()
    assert resp.status == 200, body
    result = body["result"]
    assert result["caption"] == "agenda" and result["caption_entities"][0]["type"] == "italic"
    assert result["document"]["file_name"] == "agenda.pdf"
    status, file_info = await call(http, emu, "getFile", form={"file_id": result["document"]["file_id"]})
    async with http.get(f"{emu.base_file_url}{TOKEN}/{file_info['result']['file_path']}") as resp:
        assert await resp.read() == b"%PDF-1.4 agenda"


async def test_ptb_uploads_copies_files_and_reply_keyboards(emu: Emulator, bot: Bot) -> None:
    from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

    user = emu.user(1003, "Carla", language_code="es", started=True)
    doc = await bot.send_document(1003, b"%PDF agenda", filename="agenda.pdf", caption="<b>Agenda</b>", parse_mode="HTML")
    assert doc.document.file_name == "agenda.pdf" and doc.caption == "Agenda"
    assert await (await bot.get_file(doc.document.file_id)).download_as_bytearray() == b"%PDF agenda"
    photo = await bot.send_photo(1003, b"\x89PNG", caption="map")
    assert (await bot.send_photo(1003, photo.photo[0].file_id)).photo  # any size's file_id can be resent
    copied = await bot.copy_message(1003, 1003, doc.message_id)
    forwarded = await bot.forward_message(1003, 1003, doc.message_id)
    assert forwarded.forward_origin.sender_user.id == bot.id and copied.message_id == forwarded.message_id - 1
    sent_by_user = await user.send_photo(caption="my badge")
    file_id = sent_by_user["message"]["photo"][-1]["file_id"]
    assert sent_by_user["message"]["caption"] == "my badge"
    assert await (await bot.get_file(file_id)).download_as_bytearray()

    keyboard = ReplyKeyboardMarkup([["Programme", "Venues"], [KeyboardButton("Share location", request_location=True)]],
                                   one_time_keyboard=True)
    await bot.send_message(1003, "Choose", reply_markup=keyboard)
    assert user.chat.keyboard and user.last_message().keyboard == [["Programme", "Venues"], ["Share location"]]
    tapped = await user.tap("Share location")
    assert "location" in tapped["message"] and user.chat.keyboard is None  # one-time keyboard closed
    await bot.send_message(1003, "Again", reply_markup=keyboard)
    assert (await user.tap("Venues"))["message"]["text"] == "Venues"
    await bot.send_message(1003, "Bye keyboard", reply_markup=ReplyKeyboardRemove())
    assert user.chat.keyboard is None


# -- PTB's Bot ----------------------------------------------------------------------------------------
async def test_ptb_bot_send_edit_and_answer(emu: Emulator, bot: Bot) -> None:
    user = emu.user(2001, "Chen", language_code="zh", started=True)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Programme", callback_data="prog")]])
    sent = await bot.send_message(2001, "<b>Welcome</b>, &lt;delegate&gt;", parse_mode="HTML", reply_markup=keyboard)
    assert isinstance(sent, Message)
    assert sent.text == "Welcome, <delegate>" and sent.from_user.id == bot.id and sent.chat.id == 2001
    assert sent.entities[0].type == "bold" and sent.reply_markup == keyboard
    assert sent.date.tzinfo is not None

    edited = await bot.edit_message_text("Programme", chat_id=2001, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "Programme" and edited.edit_date is not None
    entry = user.last_message()
    assert entry.text == "Programme" and entry.buttons == []  # an edit without markup drops the keyboard
    assert [e.text for e in entry.edits] == ["Welcome, <delegate>"]

    update = await user.press_raw("prog", message=entry)
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Opening…") is True
    record = emu.query(query_id)
    assert record.answered and record.text == "Opening…" and record["answered"]  # dict-style access too

    from telegram import ReplyParameters

    answer = await bot.send_message(2001, "In reply", reply_parameters=ReplyParameters(sent.message_id))
    assert answer.reply_to_message.message_id == sent.message_id and answer.reply_to_message.text == "Programme"
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(2001, "x", reply_parameters=ReplyParameters(999))
    assert await bot.send_location(2001, 21.02, 105.78)
    venue = await bot.send_venue(2001, 21.02, 105.78, "National Convention Center", "My Dinh, Hanoi")
    assert venue.venue.title == "National Convention Center"
    assert await bot.send_chat_action(2001, "typing")
    assert await bot.delete_message(2001, venue.message_id)
    assert [e.kind for e in user.inbox()] == ["text", "text", "location"]
    assert user.history()[-1].deleted


async def test_ptb_commands_chat_menu_and_topics(emu: Emulator, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats, MenuButtonCommands

    assert await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("menu", "Menu")])
    assert await bot.set_my_commands([BotCommand("start", "Démarrer")], language_code="fr")
    assert await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in await bot.get_my_commands()] == ["start", "menu"]
    assert [c.description for c in await bot.get_my_commands(language_code="fr")] == ["Démarrer"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())] == ["help"]
    assert await bot.delete_my_commands(language_code="fr")
    assert await bot.get_my_commands(language_code="fr") == ()
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())

    officers = emu.group(title="Liaison officers", forum=True)
    chat = await bot.get_chat(officers.id)
    assert chat.is_forum and chat.title == "Liaison officers" and chat.type == "supergroup"
    topic = await bot.create_forum_topic(officers.id, "Transport")
    posted = await bot.send_message(officers.id, "New request", message_thread_id=topic.message_thread_id)
    assert posted.message_thread_id == topic.message_thread_id and posted.is_topic_message
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(officers.id, "x", message_thread_id=999)
    plain = emu.group(title="Plain group")
    with pytest.raises(BadRequest, match="(?i)the chat is not a forum"):
        await bot.create_forum_topic(plain.id, "x")
    assert (await bot.get_chat_member(officers.id, bot.id)).status == "administrator"
    assert await bot.log_out() is True and await bot.close() is True


# -- validations ------------------------------------------------------------------------------------
VALIDATIONS = [
    ({"chat_id": "3001", "text": ""}, 400, "Bad Request: message text is empty"),
    ({"chat_id": "3001", "text": "   "}, 400, "Bad Request: message text is empty"),
    ({"chat_id": "3001", "text": "x" * 4097}, 400, "Bad Request: message is too long"),
    ({"chat_id": "3001", "text": "ok", "reply_markup": json.dumps({"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]})},
     400, "Bad Request: BUTTON_DATA_INVALID"),
    ({"chat_id": "3001", "text": "<b>bold", "parse_mode": "HTML"}, 400,
     "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
    ({"chat_id": "3001", "text": "<blink>x</blink>", "parse_mode": "HTML"}, 400,
     "Bad Request: can't parse entities: Unsupported start tag \"blink\" at byte offset 0"),
    ({"chat_id": "3001", "text": "<b>x</i>", "parse_mode": "HTML"}, 400,
     "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, expected \"</b>\", found \"</i>\""),
    ({"chat_id": "3001", "text": "1 < 2", "parse_mode": "HTML"}, 400,
     "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 2"),
    ({"chat_id": "3001", "text": "Hall 2.", "parse_mode": "MarkdownV2"}, 400,
     "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"),
    ({"chat_id": "3001", "text": "x", "parse_mode": "BBCode"}, 400, "Bad Request: unsupported parse_mode"),
    ({"chat_id": "999999", "text": "hello"}, 400, "Bad Request: chat not found"),
    ({"chat_id": "", "text": "hello"}, 400, "Bad Request: chat_id is empty"),
]


@pytest.mark.parametrize(("form", "status", "description"), VALIDATIONS)
async def test_validations_raw(emu: Emulator, http: aiohttp.ClientSession, form: dict[str, str], status: int,
                               description: str) -> None:
    emu.user(3001, "Dana", started=True)
    got_status, body = await call(http, emu, "sendMessage", form=form)
    assert (got_status, body) == (status, {"ok": False, "error_code": status, "description": description})
    assert emu.errors[-1] == ("sendMessage", status, description)
    assert emu.outgoing(3001) == []


async def test_length_counts_after_entity_parsing(emu: Emulator, bot: Bot) -> None:
    emu.user(3002, "Eli", started=True)
    text = "<b>" + "x" * 4096 + "</b>"  # 4,103 characters of markup, 4,096 of text
    assert len((await bot.send_message(3002, text, parse_mode="HTML")).text) == 4096
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(3002, text + "!", parse_mode="HTML")


async def test_validations_raise_ptb_errors(emu: Emulator, bot: Bot) -> None:
    user = emu.user(3003, "Fatima", language_code="ar", started=True)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(3003, "")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(3003, "<i>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])  # 66 bytes
        await bot.send_message(3003, "hi", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("new", chat_id=3003, message_id=77)
    sent = await bot.send_message(3003, "same")
    with pytest.raises(BadRequest, match="(?i)message is not modified: specified new message content"):
        await bot.edit_message_text("same", chat_id=3003, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)query is too old and response timeout expired or query ID is invalid"):
        await bot.answer_callback_query("123")
    update = await user.press_raw("anything", message=sent.message_id)
    assert await bot.answer_callback_query(update["callback_query"]["id"])
    with pytest.raises(BadRequest, match="(?i)query is too old"):  # only one answer per query
        await bot.answer_callback_query(update["callback_query"]["id"])
    user.block()
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(3003, "still there?")
    assert emu.errors[-1] == ("sendMessage", 403, "Forbidden: bot was blocked by the user")
    user.unblock()
    assert await bot.send_message(3003, "welcome back")


async def test_stale_callback_query_expires() -> None:
    async with (Emulator(token=TOKEN, limits=RateLimits.off(), callback_query_ttl=0.05) as emu,
                Bot(TOKEN, base_url=emu.base_url) as local):
        user = emu.user(3004, "Goran", started=True)
        sent = await local.send_message(3004, "menu")
        update = await user.press_raw("x", message=sent.message_id)
        await asyncio.sleep(0.1)
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await local.answer_callback_query(update["callback_query"]["id"])
        assert not emu.query(update["callback_query"]["id"]).answered


async def test_injected_faults(emu: Emulator, bot: Bot) -> None:
    emu.user(3005, "Hana", started=True)
    emu.fail_next("sendMessage", 502)
    with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
        await bot.send_message(3005, "a")
    emu.fail_next("sendmessage", 500, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
            await bot.send_message(3005, "b")
    emu.fail_next("*", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.get_me()
    assert caught.value.retry_after == dt.timedelta(seconds=7)
    assert await bot.send_message(3005, "c")  # faults are used up
    assert [e.text for e in emu.outgoing(3005)] == ["c"]

    # a timeout: slower than the client's read timeout; with execute=True Telegram did send it
    emu.fail_next("sendMessage", delay=0.5, execute=True)
    with pytest.raises(TimedOut):
        await bot.send_message(3005, "slow", read_timeout=0.1)
    await eventually(lambda: [e.text for e in emu.outgoing(3005)] == ["c", "slow"])
    emu.fail_next("sendMessage", 500, count=5)
    emu.clear_faults()
    assert await bot.send_message(3005, "d")


async def test_markdown_v2_and_legacy_markdown(emu: Emulator, bot: Bot) -> None:
    emu.user(3006, "Ivan", language_code="ru", started=True)
    sent = await bot.send_message(3006, "*Hall* 2\\. _room_ [map](https://example.org/map)", parse_mode="MarkdownV2")
    assert sent.text == "Hall 2. room map"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4), ("italic", 8, 4), ("text_link", 13, 3)]
    assert sent.entities[2].url == "https://example.org/map"
    legacy = await bot.send_message(3006, "*bold* and `code`", parse_mode="Markdown")
    assert legacy.text == "bold and code" and [e.type for e in legacy.entities] == ["bold", "code"]


def test_entity_parsers_follow_telegram() -> None:
    text, entities = parse_html("Q&A <a href='https://t.me/x'>link</a> &amp; 🏟 <i>é</i>")
    assert text == "Q&A link & 🏟 é"  # a bare & is kept, as Telegram does
    assert entities == [{"type": "text_link", "offset": 4, "length": 4, "url": "https://t.me/x"},
                        {"type": "italic", "offset": 14, "length": 1}]  # UTF-16 offsets: 🏟 counts 2
    with pytest.raises(EntityError, match="(?i)Unclosed start tag at byte offset 13"):
        parse_html("🏟 🏟&lt;<abacaba")
    with pytest.raises(EntityError, match="(?i)Can't find end of Italic entity at byte offset 9"):
        parse_markdown_v2("🏟 🏟_abacaba")
    assert to_html(*parse_html("<b>a &lt; b</b> <pre><code class=\"language-py\">x</code></pre>")) == \
        '<b>a &lt; b</b> <pre><code class="language-py">x</code></pre>'


# -- rate limits ----------------------------------------------------------------------------------------
async def test_private_chat_limit_429_with_retry_after(http: aiohttp.ClientSession) -> None:
    limits = RateLimits(overall_per_s=30, private_per_s=1, private_burst=3, group_per_min=20)
    async with Emulator(token=TOKEN, limits=limits) as emu:
        emu.user(4001, "Jo", started=True)
        statuses = []
        for i in range(4):
            status, body = await call(http, emu, "sendMessage", form={"chat_id": "4001", "text": f"m{i}"})
            statuses.append(status)
        assert statuses == [200, 200, 200, 429]
        assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}}
        assert len(emu.outgoing(4001)) == 3
        # chat actions do not count; another chat has its own budget
        status, _ = await call(http, emu, "sendChatAction", form={"chat_id": "4001", "action": "typing"})
        assert status == 200
        emu.user(4002, "Kim", started=True)
        status, _ = await call(http, emu, "sendMessage", form={"chat_id": "4002", "text": "hi"})
        assert status == 200
        await asyncio.sleep(1.05)  # one token back after a second
        status, _ = await call(http, emu, "sendMessage", form={"chat_id": "4001", "text": "later"})
        assert status == 200


async def test_group_global_and_edit_limits() -> None:
    limits = RateLimits(overall_per_s=5, private_per_s=0, group_per_min=20)
    async with Emulator(token=TOKEN, limits=limits) as emu, Bot(TOKEN, base_url=emu.base_url) as bot:
        users = [emu.user(4100 + i, f"U{i}", started=True) for i in range(6)]
        for user in users[:5]:
            await bot.send_message(user.id, "hi")
        with pytest.raises(RetryAfter):  # the overall budget (5/s here) is spent
            await bot.send_message(users[5].id, "hi")
        emu.set_limits(RateLimits(overall_per_s=0, private_per_s=1, private_burst=1, group_per_min=20))
        sent = await bot.send_message(users[0].id, "v1")
        with pytest.raises(RetryAfter):  # an edit counts against the chat
            await bot.edit_message_text("v2", chat_id=users[0].id, message_id=sent.message_id)
        group = emu.group(title="Officers")
        for i in range(20):
            await bot.send_message(group.id, f"g{i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(group.id, "one too many")
        assert caught.value.retry_after.total_seconds() == 3  # 20/minute: one every 3 s


async def test_limits_can_be_switched_off_for_benchmarks(emu: Emulator, bot: Bot) -> None:
    emu.user(4200, "Lea", started=True)
    results = await asyncio.gather(*(bot.send_message(4200, f"n{i}") for i in range(60)))
    assert len(results) == 60 and len(emu.outgoing(4200)) == 60


# -- polling ---------------------------------------------------------------------------------------
async def test_get_updates_long_polling_offsets_and_filters(emu: Emulator, http: aiohttp.ClientSession) -> None:
    alice = emu.user(5001, "Alice")
    started = asyncio.get_running_loop().time()
    poll = asyncio.create_task(call(http, emu, "getUpdates", form={"timeout": "5"}))
    await asyncio.sleep(0.1)
    assert not poll.done()  # waiting, not spinning
    sent = await alice.send("hello")
    status, body = await poll
    assert status == 200 and [u["update_id"] for u in body["result"]] == [sent["update_id"]]
    assert asyncio.get_running_loop().time() - started < 2  # woken at once, not at the timeout
    await alice.send("second")
    await alice.send("third")
    _, body = await call(http, emu, "getUpdates", form={"offset": str(sent["update_id"] + 1), "limit": "1"})
    assert [u["message"]["text"] for u in body["result"]] == ["second"]
    assert emu.pending_updates == 2  # confirmed updates are dropped, the rest stay
    _, body = await call(http, emu, "getUpdates", json_body={"offset": sent["update_id"] + 3, "timeout": 0})
    assert body["result"] == [] and emu.pending_updates == 0
    # allowed_updates is remembered; updates of other types created afterwards are never queued
    # (one created before the change is still delivered, as at Telegram)
    await alice.send("a message")
    _, body = await call(http, emu, "getUpdates", form={"allowed_updates": json.dumps(["callback_query"])})
    assert [u["message"]["text"] for u in body["result"]] == ["a message"]
    last = body["result"][-1]["update_id"]
    await alice.send("dropped")
    _, body = await call(http, emu, "getUpdates", form={"offset": str(last + 1), "timeout": "0"})
    assert body["result"] == [] and emu.pending_updates == 0
    _, body = await call(http, emu, "getUpdates", form={"allowed_updates": "[]"})  # back to the default
    await alice.send("delivered")
    _, body = await call(http, emu, "getUpdates", form={"timeout": "0"})
    assert [u["message"]["text"] for u in body["result"]] == ["delivered"]


async def test_a_second_poll_ends_the_first_with_conflict(emu: Emulator, http: aiohttp.ClientSession) -> None:
    first = asyncio.create_task(call(http, emu, "getUpdates", form={"timeout": "5"}))
    await asyncio.sleep(0.1)
    async with aiohttp.ClientSession() as other:
        second = asyncio.create_task(call(other, emu, "getUpdates", form={"timeout": "1"}))
        status, body = await first
        assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates request")
        await emu.user(5002, "Bo").send("x")
        status, body = await second
        assert status == 200 and len(body["result"]) == 1


async def test_ptb_application_polling_echo(emu: Emulator) -> None:
    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("done")
        await update.callback_query.edit_message_text(f"pressed {update.callback_query.data}")

    async def menu(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("📅 Programme", callback_data="prog"),
                                          InlineKeyboardButton("🗺 Venues", callback_data="venues")]])
        await update.effective_message.reply_text("Menu", reply_markup=keyboard)

    app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(MessageHandler(filters.Regex("^menu$"), menu))
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        assert emu.calls.get("deletewebhook")  # polling starts by deleting the webhook
        alice = emu.user(5101, "Alice", language_code="fr")
        await alice.send("Bonjour, où est la salle plénière ?")
        reply = await alice.reply()
        assert reply.text == "Bonjour, où est la salle plénière ?" and reply.direction == "out"
        await alice.send("menu")
        shown = await alice.reply()
        await alice.press(text="Programme")
        changed = await alice.reply()
        assert changed.message_id == shown.message_id and changed.text == "pressed prog"
        await eventually(lambda: alice.last_query is not None and alice.last_query.answered)
        assert alice.last_query.text == "done"
        await app.updater.stop()
        await app.stop()
    assert emu.pending_updates == 0  # the last offset was acknowledged on stop


# -- webhook ------------------------------------------------------------------------------------------
async def test_webhook_delivery_secret_retry_and_order(emu: Emulator, bot: Bot) -> None:
    async with Receiver() as receiver:
        receiver.fail = [500]
        assert await bot.set_webhook(receiver.url, secret_token=SECRET)
        with pytest.raises(Conflict, match="(?i)can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        alice = emu.user(6001, "Alice")
        bob = emu.user(6002, "Bob")
        for i in range(3):
            await alice.send(f"a{i}")
        await bob.send("b0")
        await eventually(lambda: len(receiver.updates) == 4)
        assert receiver.attempts == 5 and set(receiver.secrets) == {SECRET}
        texts = [u["message"]["text"] for u in receiver.updates if u["message"]["chat"]["id"] == 6001]
        assert texts == ["a0", "a1", "a2"]  # the failed one was retried first, order kept
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert info.last_error_date is not None
        assert emu.webhook_deliveries == 4

        # the receiver is down: updates wait and are counted as pending
        emu.webhook["url"] = "http://127.0.0.1:9/nowhere"
        await alice.send("while down")
        await eventually(lambda: (emu.webhook or {}).get("last_error_message", "").startswith("Connection failed"))
        assert (await bot.get_webhook_info()).pending_update_count == 1
        emu.webhook["url"] = receiver.url
        await eventually(lambda: len(receiver.updates) == 5, timeout=10)
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()


async def test_set_webhook_can_drop_pending_updates(emu: Emulator, bot: Bot) -> None:
    await emu.user(6003, "Cy").send("old")
    async with Receiver() as receiver:
        assert await bot.set_webhook(receiver.url, drop_pending_updates=True)
        await emu.users[6003].send("new")
        await eventually(lambda: len(receiver.updates) == 1)
        assert receiver.updates[0]["message"]["text"] == "new" and receiver.secrets == [None]
        with pytest.raises(BadRequest, match="(?i)secret token contains unallowed characters"):
            await bot.set_webhook(receiver.url, secret_token="no spaces allowed")


# -- simulated users and groups -------------------------------------------------------------------------
async def test_user_actions_make_telegram_updates(emu: Emulator) -> None:
    clock = SimulatedClock(dt.datetime(2025, 10, 25, 1, 30, tzinfo=dt.UTC))
    emu.clock = clock
    user = emu.user(7001, "Mai", username="mai", language_code="vi")
    first = await user.open_link("inv_ABC-123")
    message = first["message"]
    assert message["text"] == "/start inv_ABC-123" and message["from"]["language_code"] == "vi"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["date"] == int(clock.now().timestamp()) and message["chat"]["type"] == "private"
    command = await user.command("agenda", "today", "fr")
    assert command["message"]["text"] == "/agenda today fr" and command["update_id"] == first["update_id"] + 1
    location = await user.send_location(21.0285, 105.7823)
    assert location["message"]["location"] == {"latitude": 21.0285, "longitude": 105.7823}
    assert "text" not in location["message"]
    photo = await user.send_photo()
    assert photo["message"]["photo"] and "text" not in photo["message"] and "caption" not in photo["message"]
    sticker = await user.send_sticker()
    assert sticker["message"]["sticker"]["emoji"] == "👍"
    kinds = [(e.direction, e.kind) for e in user.history()]
    assert kinds == [("in", "text"), ("in", "text"), ("in", "location"), ("in", "photo"), ("in", "sticker")]
    assert all(e.date == int(clock.now().timestamp()) and e.at > 0 for e in user.history())
    with pytest.raises(ValueError):
        await user.send("")


async def test_buttons_history_edits_and_waiting(emu: Emulator, bot: Bot) -> None:
    user = emu.user(7002, "Nour", language_code="ar", started=True)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("📅 Programme", callback_data="menu:prog")],
                                     [InlineKeyboardButton("Website", url="https://example.org")]])
    menu = await bot.send_message(7002, "Menu", reply_markup=keyboard)
    await bot.send_message(7002, "no buttons here")
    update = await user.press(text="Programme")  # the newest message that has it
    query = update["callback_query"]
    assert query["data"] == "menu:prog" and query["message"]["message_id"] == menu.message_id
    again = await user.press("menu:prog", message=menu.message_id)
    assert again["callback_query"]["id"] != query["id"]  # a fresh id per press
    with pytest.raises(AssertionError, match="(?i)does not send a callback"):
        await user.press(text="Website")
    with pytest.raises(AssertionError, match="(?i)no button"):
        await user.press("nope")

    mark = emu.mark()
    waiter = asyncio.create_task(emu.wait_for(7002, 2, since_seq=mark, timeout=5))
    await asyncio.sleep(0.05)
    await bot.edit_message_text("Programme", chat_id=7002, message_id=menu.message_id)
    await bot.send_message(7002, "<b>Day 1</b>", parse_mode="HTML")
    got = await waiter
    assert [e.text for e in got] == ["Programme", "Day 1"]  # edits count as new answers
    entry = user.chat.by_id[menu.message_id]
    assert entry.edits[0].text == "Menu" and entry.edits[0].reply_markup["inline_keyboard"]
    assert entry.edit_date is not None and entry.as_dict()["edits"][0]["text"] == "Menu"
    await bot.delete_message(7002, got[1].message_id)
    assert user.chat.by_id[got[1].message_id].deleted
    assert [e.text for e in user.inbox()] == ["Programme", "no buttons here"]
    with pytest.raises(AssertionError, match="(?i)waited"):
        await emu.wait_for(7002, 1, since_seq=emu.mark(), timeout=0.05)
    found = await emu.wait_for(7002, predicate=lambda e: e.text == "no buttons here")
    assert isinstance(found[0], Entry)


async def test_groups_forum_topics_and_replies(emu: Emulator, bot: Bot) -> None:
    officer = emu.user(7101, "Officer")
    other = emu.user(7102, "Second officer")
    group = emu.group(title="Officers", forum=True, members=[officer])
    group.add(other, admin=True)
    topic = group.create_topic("Transport")
    update = await group.post(officer, "I take this one", thread_id=topic)
    message = update["message"]
    assert message["chat"]["id"] == group.id and message["chat"]["is_forum"] is True
    assert message["message_thread_id"] == topic and message["is_topic_message"] is True
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "Transport"
    relayed = await bot.send_message(group.id, "Request #12: shuttle", message_thread_id=topic)
    reply = await officer.post_in(group, "On my way", topic, reply_to=relayed.message_id)
    assert reply["message"]["reply_to_message"]["text"] == "Request #12: shuttle"
    command = await group.command(other, "claim", "12", thread_id=topic, mention=True)
    assert command["message"]["entities"][0] == {"type": "bot_command", "offset": 0, "length": len("/claim@delegate_assistant_bot")}
    assert [e.text for e in group.bot_messages(topic)] == ["Request #12: shuttle"]
    member = await bot.get_chat_member(group.id, other.id)
    assert member.status == "administrator"
    assert (await bot.get_chat_member(group.id, 999)).status == "left"


async def test_privacy_mode_hides_plain_group_messages() -> None:
    async with Emulator(token=TOKEN, limits=RateLimits.off(), privacy_mode=True) as emu:
        user = emu.user(7201, "Quiet")
        group = emu.group(title="Chatter", bot_admin=False, members=[user])
        hidden = await group.post(user, "just chatting")
        assert "update_id" not in hidden and emu.pending_updates == 0
        seen = await group.command(user, "help")
        assert seen["update_id"] and emu.pending_updates == 1


async def test_block_can_send_my_chat_member(emu: Emulator) -> None:
    user = emu.user(7301, "Rui")
    user.block(notify=True)
    update = next(iter(emu.updates.pending.values()))
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    # PTB can read it
    parsed = Update.de_json(update, None)
    assert parsed.my_chat_member.new_chat_member.status == "kicked"


# -- /sim endpoints ------------------------------------------------------------------------------------
async def test_sim_http_endpoints(emu: Emulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    sim = f"{emu.url}/sim"

    async def post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with http.post(sim + path, json=body) as resp:
            return resp.status, await resp.json()

    status, body = await post("/users", {"id": 8001, "first_name": "Web", "language_code": "es"})
    assert status == 200 and body["user"]["language_code"] == "es"
    status, body = await post("/users/8001/send", {"text": "hola"})
    assert body["update"]["message"]["text"] == "hola"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sí", callback_data="yes")]])
    await bot.send_message(8001, "<b>¿Seguro?</b>", parse_mode="HTML", reply_markup=keyboard)
    async with http.get(f"{sim}/chats/8001/history") as resp:
        history = await resp.json()
    assert [e["direction"] for e in history["entries"]] == ["in", "out"]
    assert history["entries"][1]["html"] == "<b>¿Seguro?</b>" and history["entries"][1]["buttons"][0][0]["text"] == "Sí"
    seq = history["seq"]
    waiting = asyncio.create_task(http.get(f"{sim}/chats/8001/history", params={"since": str(seq), "wait": "5"}))
    await asyncio.sleep(0.05)
    status, body = await post("/users/8001/press", {"text": "Sí"})
    assert status == 200 and body["query_id"]
    assert await bot.answer_callback_query(body["query_id"], text="¡Hecho!")
    async with await waiting as resp:
        newer = await resp.json()
    assert newer["seq"] > seq and newer["answers"][0]["text"] == "¡Hecho!"  # the long poll ended on the answer
    status, body = await post("/users/8001/press", {"text": "No such"})
    assert status == 400 and body["ok"] is False
    status, body = await post("/users/8001/start", {"payload": "abc"})
    assert body["update"]["message"]["text"] == "/start abc"
    status, body = await post("/groups", {"title": "Officers", "forum": True, "members": [8001]})
    group_id = body["group"]["id"]
    status, body = await post(f"/groups/{group_id}/topics", {"name": "Medical"})
    status, body = await post(f"/groups/{group_id}/post", {"user_id": 8001, "text": "hi", "message_thread_id": body["message_thread_id"]})
    assert body["update"]["message"]["is_topic_message"] is True
    status, body = await post("/users/8001/block", {})
    assert body["user"]["blocked"] is True
    status, body = await post("/faults", {"method": "sendMessage", "status": 502})
    assert body["faults"]["sendmessage"][0]["status"] == 502
    async with http.delete(f"{sim}/faults") as resp:
        assert (await resp.json())["faults"] == {}
    status, body = await post("/limits", {"private_per_s": 2})
    assert body["limits"]["private_per_s"] == 2 and emu.limits.private_per_s == 2
    async with http.get(f"{sim}/state") as resp:
        state = await resp.json()
    assert state["calls"]["sendmessage"] == 1 and state["users"] == 1
    async with http.get(f"{sim}/users/4242") as resp:
        assert resp.status == 404


# -- lifecycle and the benchmark baseline ---------------------------------------------------------------
async def test_lifecycle_free_ports_and_stop_ends_long_polls(http: aiohttp.ClientSession) -> None:
    first, second = Emulator(token=TOKEN), Emulator(token=TOKEN)
    await first.start()
    await second.start(port=0)
    try:
        assert first.port != second.port and first.base_url.endswith("/bot")
        assert first.base_file_url == f"http://127.0.0.1:{first.port}/file/bot"
        poll = asyncio.create_task(call(http, first, "getUpdates", form={"timeout": "30"}))
        await asyncio.sleep(0.05)
    finally:
        await first.stop()
        await second.stop()
    status, body = await asyncio.wait_for(poll, 5)
    assert status == 200 and body["result"] == []


async def test_invalid_token_with_ptb(emu: Emulator) -> None:
    request = HTTPXRequest(connection_pool_size=2)
    with pytest.raises(InvalidToken):
        async with Bot(OTHER_TOKEN, base_url=emu.base_url, request=request):
            pass


async def test_bare_echo_baseline_runs(emu: Emulator) -> None:
    figures = await run_bare_echo(emu, 40, 8)
    assert figures["complete"] and figures["replies"] == 40 and figures["errors"] == 0
    assert figures["updates_per_s"] > 0 and figures["seconds"] > 0
