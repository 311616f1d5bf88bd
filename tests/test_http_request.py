"""The bot's Bot API calls over aiohttp (bot/delivery/http.py), against the emulator: forms,
multipart uploads, and Telegram's errors and timeouts read as PTB reads them."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder

from bot.delivery.botapi import ambiguous
from bot.delivery.http import AiohttpRequest
from bot.sandbox.emulator import Emulator, RateLimits
from bot.sandbox.harness import TOKEN, free_port


@pytest.fixture
async def emu():
    async with Emulator(token=TOKEN, limits=RateLimits.off()) as emulator:
        yield emulator


def app_for(base_url: str, **kw: float):
    return ApplicationBuilder().token(TOKEN).base_url(base_url).updater(None).request(AiohttpRequest(**kw)).build()


async def test_texts_buttons_and_files_reach_the_emulator(emu: Emulator) -> None:
    alice = emu.user(42, "Alice")
    await alice.send("/start")
    async with app_for(emu.base_url) as app:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Card", callback_data="card:1")]])
        sent = await app.bot.send_message(42, "<b>Hello</b> & welcome", parse_mode="HTML", reply_markup=markup)
        doc = await app.bot.send_document(42, document=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                          filename="agenda.ics", caption="Your agenda")
        me = await app.bot.get_me()
    text, document = emu.outgoing(42)
    assert (text.message_id, text.text, text.button_data()) == (sent.message_id, "Hello & welcome", ["card:1"])
    assert document.kind == "document" and document.text == "Your agenda" and doc.document.file_name == "agenda.ics"
    assert me.username == emu.bot_user["username"]


async def test_telegram_errors_are_read_as_ptb_reads_them(emu: Emulator) -> None:
    bob = emu.user(43, "Bob")
    await bob.send("/start")
    async with app_for(emu.base_url) as app:
        with pytest.raises(BadRequest, match="too long"):
            await app.bot.send_message(43, "x" * 5000)
        emu.fail_next("sendMessage", 429, retry_after=7)
        with pytest.raises(RetryAfter):
            await app.bot.send_message(43, "hi")
        bob.block()
        with pytest.raises(Forbidden):
            await app.bot.send_message(43, "hi")


async def test_a_read_timeout_is_a_timeout_that_may_have_been_delivered(emu: Emulator) -> None:
    carol = emu.user(44, "Carol")
    await carol.send("/start")
    async with app_for(emu.base_url, read_timeout=0.3) as app:
        emu.delay_next("sendMessage", 1.0)
        with pytest.raises(TimedOut) as caught:
            await app.bot.send_message(44, "slow")
    assert ambiguous(caught.value)


async def test_nobody_listening_is_a_network_error_and_nothing_was_sent() -> None:
    request = AiohttpRequest(connect_timeout=2)
    async with request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/getMe")
    assert not isinstance(caught.value, TimedOut)
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps it, as for httpx
        await request.post(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/getMe")
