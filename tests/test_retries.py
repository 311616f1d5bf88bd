"""Replies that Telegram did not carry out are sent again; the ones it may have carried out are
not (a duplicate is as wrong as a loss); callers that retry themselves get the error at once."""

from __future__ import annotations

import asyncio
from functools import partial

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.delivery.ratelimit import ChatRateLimiter, Limits, not_carried_out
from bot.delivery.request import ServerError, TelegramRequest
from bot.sandbox.emulator import Emulator
from tests.support import FAST, TOKEN, running_bot

HELP = "/menu – the main menu"


@pytest.mark.parametrize("status", [502, 500, 503])
async def test_a_5xx_then_success_gives_exactly_one_reply(database_url: str, status: int) -> None:
    async with running_bot(database_url) as bot:
        user = bot.user(8901, "Lucky", language_code="en")
        bot.emulator.fail_next("sendMessage", status)
        await user.command("help")
        reply = await user.reply(timeout=10)
        assert HELP in reply.text
        await asyncio.sleep(1.0)  # nothing else trickles in
        assert len(bot.emulator.outgoing(user.id)) == 1
        assert [e[1] for e in bot.emulator.errors if e[0] == "sendMessage"] == [status]


async def test_two_bad_gateways_in_a_row_are_retried_too(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        user = bot.user(8902, "Patient", language_code="en")
        bot.emulator.fail_next("sendMessage", 502, count=2)
        await user.command("help")
        assert HELP in (await user.reply(timeout=10)).text
        await asyncio.sleep(0.5)
        assert len(bot.emulator.outgoing(user.id)) == 1


async def test_a_gateway_timeout_is_not_retried(database_url: str) -> None:
    """504: Telegram's front gave up waiting, the Bot API may have sent the message: a second
    copy is not risked. The bot keeps answering afterwards."""
    async with running_bot(database_url) as bot:
        user = bot.user(8903, "Unlucky", language_code="en")
        bot.emulator.fail_next("sendMessage", 504)
        await user.command("help")
        for _ in range(100):  # the failed send, however loaded the machine (a fixed wait was flaky)
            if any(e[0] == "sendMessage" for e in bot.emulator.errors):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # time for a retry, were there one
        assert [e[1] for e in bot.emulator.errors if e[0] == "sendMessage"] == [504]
        assert bot.emulator.outgoing(user.id) == []
        await user.command("menu")
        assert "What would you like to know?" in (await user.reply(timeout=10)).text


async def test_rate_limit_args_zero_raises_at_once_and_the_default_retries() -> None:
    """The outbox's sender passes ``rate_limit_args=0`` to the limiter and retries by itself.
    (PTB's ``ExtBot`` drops a falsy ``rate_limit_args`` before the limiter sees it, so the
    limiter is called here as PTB calls it, with the real HTTP call as its callback.)"""
    async with Emulator(token=TOKEN, limits=FAST) as emu:
        user = emu.user(8904, "Direct", language_code="en", started=True)
        limiter = ChatRateLimiter(Limits(overall_per_s=0, private_per_s=0, group_per_min=0))
        bot = ExtBot(TOKEN, base_url=emu.base_url, request=TelegramRequest(), rate_limiter=limiter)
        async with bot:
            def call(text: str) -> dict:
                data = {"chat_id": user.id, "text": text}
                return {"callback": partial(Bot._do_post, bot), "args": ("sendMessage", data), "kwargs": {},
                        "endpoint": "sendMessage", "data": data}

            emu.fail_next("sendMessage", 502)
            with pytest.raises(ServerError) as raised:
                await limiter.process_request(**call("once"), rate_limit_args=0)
            assert raised.value.status == 502
            emu.fail_next("sendMessage", 429, retry_after=1)
            with pytest.raises(RetryAfter):
                await limiter.process_request(**call("once"), rate_limit_args=0)
            assert emu.outgoing(user.id) == []
            assert emu.calls["sendmessage"] == 2  # one call each, no retry
            emu.fail_next("sendMessage", 502)
            await limiter.process_request(**call("retried"), rate_limit_args=1)
            emu.fail_next("sendMessage", 502)
            await bot.send_message(user.id, "retried by default")
            assert [e.text for e in emu.outgoing(user.id)] == ["retried", "retried by default"]
            assert emu.calls["sendmessage"] == 6


def _raised_from(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause  # as PTB raises them: `raise TimedOut from httpx.ReadTimeout(...)`
    return error


@pytest.mark.parametrize(
    ("error", "safe"),
    [
        (ServerError(502, "Bad Gateway"), True),
        (ServerError(500, "Internal Server Error"), True),
        (ServerError(503, "Service Unavailable"), True),
        (ServerError(504, "Gateway Timeout"), False),
        (_raised_from(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")), True),
        (_raised_from(TimedOut(), httpx.ConnectTimeout("connect")), True),
        (_raised_from(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")), True),
        (_raised_from(TimedOut(), httpx.WriteTimeout("write")), True),
        (_raised_from(TimedOut(), httpx.ReadTimeout("read")), False),
        (_raised_from(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")), False),
        (_raised_from(NetworkError("httpx.ReadError"), httpx.ReadError("reset")), False),
        (BadRequest("Chat not found"), False),
    ],
    ids=["502", "500", "503", "504", "connect-error", "connect-timeout", "pool-timeout", "write-timeout",
         "read-timeout", "dropped-while-waiting", "read-error", "400"],
)
def test_which_failures_are_safe_to_send_again(error: Exception, safe: bool) -> None:
    assert not_carried_out(error) is safe
