"""The webhook server against bad input and a database that goes away: malformed bodies with
the right secret get 400 and a log line and affect nothing else; an update that cannot be
stored gets 503, and Telegram's redelivery is handled once; /healthz says 503 when the
database is down."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from bot.clock import SimulatedClock
from bot.inbox import Inbox
from bot.store.db import Database
from tests.support import WEBHOOK_SECRET, running_bot

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"}
DEEP = 100_000
MALFORMED: dict[str, bytes] = {
    "message-is-a-string": b'{"update_id": 7001, "message": "x"}',
    "100k-deep": b'{"update_id": 7002, "message": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    "100k-deep-objects": b'{"update_id": 7003, "message": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}",
    "array": b"[1, 2, 3]",
    "string": b'"update"',
    "null": b"null",
    "number": b"42",
    "truncated": b'{"update_id": 7004, "message": {',
    "not-utf8": b'{"update_id": 7005, "x": "\xff\xfe"}',
    "empty": b"",
    "no-update-id": b'{"message": {"message_id": 1}}',
    "update-id-string": b'{"update_id": "7006"}',
    "update-id-bool": b'{"update_id": true}',
    "update-id-negative": b'{"update_id": -1}',
    "chat-is-a-string": b'{"update_id": 7007, "message": {"message_id": 1, "date": 0, "chat": "x"}}',
    "callback-query-is-a-list": b'{"update_id": 7008, "callback_query": [1]}',
    "over-1-MiB": b'{"update_id": 7009, "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}',
}


async def test_malformed_bodies_with_the_right_secret_get_400_and_nothing_else_is_affected(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(database_url, mode="webhook") as bot:
        url = f"http://127.0.0.1:{bot.services.settings.port}/telegram/webhook"
        async with aiohttp.ClientSession() as http:
            for name, body in MALFORMED.items():
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="bot.web.webhook"):
                    async with http.post(url, data=body, headers=HEADERS) as resp:
                        assert resp.status == 400, (name, resp.status, await resp.text())
                        assert (await resp.json())["ok"] is False
                refusals = [r for r in caplog.records if "malformed update refused with 400" in r.getMessage()]
                assert len(refusals) == 1, (name, caplog.text[:500])
            # the server is unharmed: a person is answered as usual
            user = bot.user(8801, "After", language_code="en")
            await user.command("help")
            assert await user.reply(timeout=10)
    assert "Traceback" not in caplog.text
    # (read once stopped: a handled mark is written just after the reply)
    assert await inbox_counts(database_url) == {"pending": 0, "handled": 1, "skipped": 0}  # nothing malformed stored


async def test_healthz_answers_503_when_the_database_is_down(database_url: str) -> None:
    async with running_bot(database_url, mode="webhook") as bot:
        url = f"http://127.0.0.1:{bot.services.settings.port}/healthz"
        working = bot.services.db
        gone = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # nothing listens there
        async with aiohttp.ClientSession() as http:
            bot.services.db = gone
            try:
                async with http.get(url) as resp:
                    body = await resp.json()
                    assert resp.status == 503
                    assert body["database"] == "down" and body["status"] == "degraded"
            finally:
                bot.services.db = working
                await gone.dispose()
            async with http.get(url) as resp:  # and back
                assert resp.status == 200 and (await resp.json())["database"] == "ok"


async def test_an_update_that_cannot_be_stored_gets_503_and_its_redelivery_is_handled_once(database_url: str) -> None:
    async with running_bot(database_url, mode="webhook") as bot:
        db = bot.services.db  # the inbox's database too: make it unreachable for a moment
        gone = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        saved = db.engine, db.sessions
        user = bot.user(8802, "Patient", language_code="en")
        try:
            db.engine, db.sessions = gone.engine, gone.sessions
            await user.command("menu")
            for _ in range(200):  # Telegram (the emulator) tries, gets 503, and waits to try again
                if bot.emulator.webhook and bot.emulator.webhook.get("last_error_message"):
                    break
                await asyncio.sleep(0.05)
            assert "503" in bot.emulator.webhook["last_error_message"]
            assert bot.emulator.pending_updates == 1  # not acknowledged: Telegram keeps it
        finally:
            db.engine, db.sessions = saved
            await gone.dispose()
        [reply] = await bot.emulator.wait_for(user.id, 1, timeout=30)
        assert "What would you like to know?" in reply.text
        await asyncio.sleep(1.0)
        assert len(bot.emulator.outgoing(user.id)) == 1
        assert bot.emulator.pending_updates == 0
    assert await inbox_counts(database_url) == {"pending": 0, "handled": 1, "skipped": 0}


async def inbox_counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        return await Inbox(db, SimulatedClock()).counts()
    finally:
        await db.dispose()


def test_the_deep_bodies_really_are_deep() -> None:
    """The bodies above are what the issue describes (parsing them in Python overflows)."""
    with pytest.raises(RecursionError):
        json.loads(MALFORMED["100k-deep"])
