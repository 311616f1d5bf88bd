"""Run modes end to end: rate limits waited out, the webhook's secret token, /healthz, and a
clean stop on SIGTERM that loses no update."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import aiohttp
import pytest

from bot.delivery.ratelimit import Limits
from bot.sandbox.emulator import Emulator, RateLimits
from tests.support import DEMO_PACK, FAST, ROOT, TOKEN, WEBHOOK_SECRET, running_bot

TELEGRAM_LIKE = RateLimits(overall_per_s=30, private_per_s=1, private_burst=3, group_per_min=20)


async def test_429_is_waited_out_and_each_reply_delivered_once(database_url: str) -> None:
    # the bot does not pace itself here, so the emulator's per-chat limit answers 429
    async with running_bot(database_url, emulator_limits=TELEGRAM_LIKE) as bot:
        user = bot.user(8101, "Busy", language_code="en")
        for _ in range(5):
            await user.command("help")
        replies = await user.replies(5, timeout=20)
        assert len(replies) == 5
        assert any(status == 429 for _, status, _ in bot.emulator.errors), bot.emulator.errors
        await asyncio.sleep(1.5)  # nothing else trickles in: no reply was sent twice
        assert len(bot.emulator.outgoing(8101)) == 5


async def test_paced_bot_never_hits_the_limit(database_url: str) -> None:
    async with running_bot(
        database_url, emulator_limits=TELEGRAM_LIKE, bot_limits=Limits(overall_per_s=30, private_per_s=1, private_burst=3)
    ) as bot:
        user = bot.user(8102, "Calm", language_code="en")
        for _ in range(5):
            await user.command("help")
        assert len(await user.replies(5, timeout=20)) == 5
        assert not [e for e in bot.emulator.errors if e[1] == 429]


async def test_blocked_user_is_marked_inactive(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        user = bot.user(8103, "Gone", language_code="en")
        await user.command("start")
        await user.reply()
        user.block()
        await user.send("where is the prayer room?")
        for _ in range(200):
            person = await bot.services.people.get(8103)
            if not person.active:
                break
            await asyncio.sleep(0.02)
        assert person.active is False
        assert ("sendMessage", 403, "Forbidden: bot was blocked by the user") in bot.emulator.errors


async def test_webhook_checks_the_secret_token(database_url: str) -> None:
    async with running_bot(database_url, mode="webhook") as bot:
        url = f"http://127.0.0.1:{bot.services.settings.port}"
        update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "chat": {"id": 8104, "type": "private"},
                                                "from": {"id": 8104, "is_bot": False, "first_name": "X"}, "text": "/help"}}
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url + "/telegram/webhook", json=update, headers=headers) as resp:
                    assert resp.status == 403
            async with http.get(url + "/healthz") as resp:
                health = await resp.json()
                assert resp.status == 200 and health["database"] == "ok"
                assert health["content"]["version"] == bot.services.content.current.pack.version
                assert health["answer_model"] == "ready"  # the harness waits for the warm-up
        await asyncio.sleep(0.3)
        assert await bot.services.people.get(8104) is None  # nothing was processed
        # the emulator's own deliveries carry the right secret and are processed
        user = bot.user(8105, "Real", language_code="en")
        await user.command("help")
        assert await user.reply()
        assert bot.emulator.webhook_deliveries >= 1


async def test_webhook_retries_when_the_bot_was_down(database_url: str) -> None:
    async with running_bot(database_url, mode="webhook") as bot:
        user = bot.user(8106, "Patient", language_code="en")
        bot.emulator.webhook["url"] = "http://127.0.0.1:9/nowhere"  # the bot is unreachable for a moment
        await user.command("help")
        await asyncio.sleep(0.3)
        assert bot.emulator.webhook["last_error_message"]
        bot.emulator.webhook["url"] = f"http://127.0.0.1:{bot.services.settings.port}/telegram/webhook"
        assert await user.reply(timeout=10)


@pytest.mark.parametrize("command", ["run", "serve"])
async def test_sigterm_stops_cleanly_without_losing_updates(tmp_path, command: str) -> None:
    """Stopped right after ten people wrote: what was not handled waits in the inbox, and the
    next start handles it; everyone gets exactly one answer."""
    from tests.processes import start_bot

    database = f"sqlite:///{tmp_path / 'bot.db'}"
    # the bot's webhook is http://127.0.0.1 here: the emulator must be told to accept it
    async with Emulator(token=TOKEN, limits=FAST, allow_local_http_webhooks=True) as emu:
        users = [emu.user(8200 + i, f"U{i}", language_code="en") for i in range(10)]
        first = await start_bot(emu, database, tmp_path / "first.log", command=command)
        try:
            for user in users:
                await user.command("help")
            await asyncio.sleep(0.05)
            await first.stop(signal.SIGTERM, timeout=30)
        finally:
            first.kill()
        assert first.proc.returncode == 0, first.log
        assert all(len(emu.outgoing(user.id)) <= 1 for user in users), first.log  # never twice
        second = await start_bot(emu, database, tmp_path / "second.log", command=command)
        try:
            for user in users:
                await emu.wait_for(user.id, 1, timeout=30)
            await asyncio.sleep(0.5)
            await second.stop(signal.SIGTERM, timeout=30)
        finally:
            second.kill()
    for run in (first, second):
        assert run.proc.returncode == 0, run.log
        assert "Traceback" not in run.log
        assert "/help" not in run.log  # no message text in the logs at INFO
    assert all(len(emu.outgoing(user.id)) == 1 for user in users), second.log  # each once
    assert emu.pending_updates == 0


async def test_database_going_away_gets_a_translated_answer(database_url: str) -> None:
    from bot.i18n import translator
    from bot.store.db import Database

    async with running_bot(database_url) as bot:
        user = bot.user(8301, "Ola", language_code="es")
        working = bot.services.people.db
        gone = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # nothing listens there
        bot.services.people.db = gone
        bot.services.people.recent.invalidate(8301)
        try:
            await user.command("help")
            reply = await user.reply(timeout=15)
            es = translator("es")
            assert es._("The service is briefly unavailable. Please send your message again in a minute.") in reply.text
        finally:
            bot.services.people.db = working
            await gone.dispose()
        await user.command("help")  # and it recovers by itself
        assert (await user.reply()).text


async def test_telegram_errors_on_a_reply_do_not_stop_the_bot(database_url: str) -> None:
    """A 400 on a reply gets the person an apology in their language; a 500 is retried and the
    reply arrives once; the next message is answered as usual either way."""
    from bot.i18n import translator

    async with running_bot(database_url) as bot:
        user = bot.user(8401, "Zoé", language_code="fr")
        bot.emulator.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
        await user.command("help")
        apology = await user.reply(timeout=10)
        assert translator("fr")._("Sorry, something went wrong on our side. Please try again, or use /menu.") in apology.text
        bot.emulator.fail_next("sendMessage", 500, description="Internal Server Error")
        await user.command("help")
        help_reply = await user.reply(timeout=10)  # the 500 was retried: the answer is not lost
        assert translator("fr")._("/menu – the main menu") in help_reply.text
        await user.command("menu")
        menu = await user.reply(timeout=10)
        assert translator("fr")._("What would you like to know?") in menu.text
        statuses = [status for method, status, _ in bot.emulator.errors if method == "sendMessage"]
        assert statuses == [400, 500]
        assert len(bot.emulator.outgoing(8401)) == 3  # apology, help, menu: nothing twice


@pytest.mark.parametrize(
    ("token", "database", "expected"),
    [
        ("999:wrong-token-the-emulator-does-not-know", "sqlite", "error: BOT_TOKEN: Telegram does not accept this token"),
        (TOKEN, "postgresql://nobody@127.0.0.1:1/none", "error: DATABASE_URL: cannot use the database"),
    ],
    ids=["wrong-token", "database-unreachable"],
)
async def test_start_up_failures_are_one_clear_line(tmp_path, token: str, database: str, expected: str) -> None:
    async with Emulator(token=TOKEN, limits=FAST) as emu:
        env = {
            **os.environ,
            "BOT_TOKEN": token,
            "TELEGRAM_API_URL": emu.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}" if database == "sqlite" else database,
            "CONTENT_DIR": str(DEMO_PACK),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1, err.decode()
    assert expected in err.decode()
    assert "Traceback" not in err.decode()


async def test_serve_on_a_port_in_use_says_so(tmp_path) -> None:
    import socket

    async with Emulator(token=TOKEN, limits=FAST) as emu:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            env = {
                **os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emu.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "CONTENT_DIR": str(DEMO_PACK),
                "HOST": "127.0.0.1", "PORT": str(port), "WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1, err.decode()
    assert f"error: PORT: cannot listen on 127.0.0.1:{port}" in err.decode()
    assert "DATABASE_URL" not in err.decode() and "Traceback" not in err.decode()
