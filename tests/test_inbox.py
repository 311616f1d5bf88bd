"""The inbox: a stop with a backlog is bounded and loses nothing, a crash is replayed at the next
start, a redelivery is handled once, a poison update is given up, old rows are cleared.
Real processes (SIGTERM, SIGKILL) or the real app in-process, over HTTP against the emulator,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import signal

import aiohttp
import pytest

from bot.clock import SimulatedClock
from bot.inbox import MAX_ATTEMPTS, Inbox, Received
from bot.sandbox.emulator import Emulator
from bot.store.db import Database
from tests.processes import start_bot
from tests.support import FAST, TOKEN, WEBHOOK_SECRET, running_bot

MENU = "What would you like to know?"
HELP = "/menu – the main menu"


async def inbox_counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        return await Inbox(db, SimulatedClock()).counts()
    finally:
        await db.dispose()


def stopped_line(log: str) -> re.Match[str]:
    match = re.search(r"stopped in ([\d.]+) s: (\d+) running update\(s\) finished, (\d+) cut off at the "
                      r"deadline .*?, (\d+) not started", log)
    assert match, log
    return match


@pytest.mark.parametrize("command", ["run", "serve"])
async def test_sigterm_with_a_backlog_stops_in_time_and_the_restart_handles_it_once(
    database_url: str, tmp_path, command: str
) -> None:
    async with Emulator(token=TOKEN, limits=FAST, allow_local_http_webhooks=True) as emu:
        chatty = emu.user(8501, "Chatty", language_code="en")
        others = [emu.user(8510 + i, f"O{i}", language_code="en") for i in range(5)]
        first = await start_bot(emu, database_url, tmp_path / "first.log", command=command, SHUTDOWN_TIMEOUT_S="2")
        try:
            # the chatty person's first reply hangs at Telegram; seven more messages queue behind it
            emu.fail_next("sendMessage", 502, delay=30)
            for i in range(8):
                await chatty.command("help" if i % 2 == 0 else "menu")
            for _ in range(400):
                if emu.calls.get("sendmessage"):
                    break
                await asyncio.sleep(0.05)
            for other in others:  # the stuck chat holds nobody else up
                await other.command("help")
            for other in others:
                await emu.wait_for(other.id, 1, timeout=30)
            took = await first.stop(signal.SIGTERM)
        finally:
            first.kill()
        log = first.log
        assert first.proc.returncode == 0, log
        assert "Traceback" not in log
        assert took < 2 + 5, f"SIGTERM took {took:.1f}s with SHUTDOWN_TIMEOUT_S=2\n{log}"
        line = stopped_line(log)
        cut_off, left = int(line.group(3)), int(line.group(4))
        assert not emu.outgoing(chatty.id)
        pending = (await inbox_counts(database_url))["pending"]
        assert cut_off == 1, line.group(0)  # the stuck one
        assert pending == cut_off + left, line.group(0)  # in the inbox, for the next start
        if command == "run":  # everything polled was acknowledged: the inbox holds it all
            assert (left, emu.pending_updates) == (7, 0)
        else:  # Telegram sends one chat's updates one by one: the rest are still with it
            assert left + emu.pending_updates == 7

        second = await start_bot(emu, database_url, tmp_path / "second.log", command=command)
        try:
            replies = await emu.wait_for(chatty.id, 8, timeout=60)
            await asyncio.sleep(1.0)  # nothing else trickles in
            await second.stop(signal.SIGTERM)
        finally:
            second.kill()
        assert second.proc.returncode == 0, second.log
        assert f"replaying {pending} update(s) left unhandled by the last run" in second.log
        assert "Traceback" not in second.log
        # each exactly once, in the order sent
        assert len(emu.outgoing(chatty.id)) == 8
        kinds = [MENU in r.text for r in replies]
        assert kinds == [i % 2 == 1 for i in range(8)], [r.text[:40] for r in replies]
        assert all(len(emu.outgoing(other.id)) == 1 for other in others)
        assert await inbox_counts(database_url) == {"pending": 0, "handled": 13, "skipped": 0}


async def test_a_crash_in_the_middle_of_a_handler_is_replayed_at_the_next_start(database_url: str, tmp_path) -> None:
    async with Emulator(token=TOKEN, limits=FAST, allow_local_http_webhooks=True) as emu:
        user = emu.user(8520, "Crash", language_code="en")
        first = await start_bot(emu, database_url, tmp_path / "first.log")
        try:
            emu.fail_next("sendMessage", 502, delay=30)  # the reply hangs: the handler is mid-way
            await user.command("menu")
            for _ in range(400):
                if emu.calls.get("sendmessage"):
                    break
                await asyncio.sleep(0.05)
            assert emu.calls.get("sendmessage"), first.log
            await first.stop(signal.SIGKILL)
        finally:
            first.kill()
        assert emu.pending_updates == 0  # acknowledged: from now on only the inbox has it
        assert not emu.outgoing(user.id)

        second = await start_bot(emu, database_url, tmp_path / "second.log")
        try:
            [reply] = await emu.wait_for(user.id, 1, timeout=30)
            await asyncio.sleep(1.0)
            await second.stop()
        finally:
            second.kill()
        assert MENU in reply.text
        assert len(emu.outgoing(user.id)) == 1
        assert "replaying 1 update(s) left unhandled by the last run" in second.log
        assert await inbox_counts(database_url) == {"pending": 0, "handled": 1, "skipped": 0}


def private_update(update_id: int, user_id: int, text: str) -> dict:
    sender = {"id": user_id, "is_bot": False, "first_name": "Redelivered", "language_code": "en"}
    message = {"message_id": update_id, "date": 1761356000, "chat": {"id": user_id, "type": "private",
               "first_name": "Redelivered"}, "from": sender, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def test_a_webhook_redelivery_of_the_same_update_is_handled_once(database_url: str) -> None:
    async with running_bot(database_url, mode="webhook") as bot:
        user = bot.user(8530, "Twice", language_code="en", started=True)
        url = f"http://127.0.0.1:{bot.services.settings.port}/telegram/webhook"
        update = private_update(500_001, user.id, "/menu")
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with aiohttp.ClientSession() as http:
            for _ in range(3):  # Telegram did not get our 200 (say) and sends it again, and again
                async with http.post(url, json=update, headers=headers) as resp:
                    assert resp.status == 200
        [reply] = await bot.emulator.wait_for(user.id, 1, timeout=10)
        assert MENU in reply.text
        await asyncio.sleep(1.0)
        assert len(bot.emulator.outgoing(user.id)) == 1
    assert await inbox_counts(database_url) == {"pending": 0, "handled": 1, "skipped": 0}


async def test_a_poison_update_is_skipped_and_the_rest_of_the_backlog_handled(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Left pending by runs that never finished it, MAX_ATTEMPTS times: given up, with a warning;
    the update after it is replayed as usual."""
    db = Database(database_url)
    try:
        await db.upgrade()
        inbox = Inbox(db, SimulatedClock(dt.datetime(2025, 10, 25, tzinfo=dt.UTC)))
        poison, fine = private_update(600_001, 8540, "/help"), private_update(600_002, 8540, "/menu")
        await inbox.store([Received(u["update_id"], 8540, json.dumps(u)) for u in (poison, fine)])
        for _ in range(MAX_ATTEMPTS):
            await inbox.count_attempts([600_001])
    finally:
        await db.dispose()
    async with Emulator(token=TOKEN, limits=FAST, allow_local_http_webhooks=True) as emu:
        user = emu.user(8540, "Poison", language_code="en", started=True)
        with caplog.at_level(logging.WARNING, logger="bot.inbox"):
            async with running_bot(database_url, emulator=emu):
                [reply] = await emu.wait_for(user.id, 1, timeout=10)
                await asyncio.sleep(0.5)
        assert MENU in reply.text
        assert len(emu.outgoing(user.id)) == 1
        assert f"update 600001 skipped: its handling was started {MAX_ATTEMPTS} times without finishing" in caplog.text
    assert await inbox_counts(database_url) == {"pending": 0, "handled": 1, "skipped": 1}


async def test_handled_rows_are_deleted_after_a_day_and_pending_ones_kept(db: Database) -> None:
    clock = SimulatedClock(dt.datetime(2025, 10, 25, tzinfo=dt.UTC))
    inbox = Inbox(db, clock)
    rows = [Received(i, 1, json.dumps({"update_id": i})) for i in (1, 2, 3)]
    assert await inbox.store(rows) == {1, 2, 3}
    assert await inbox.store(rows[:1]) == set()  # seen before: not stored again
    inbox.handled(1)
    inbox.handled(2)
    await inbox.flush()
    clock.advance(dt.timedelta(hours=23))
    assert await inbox.purge() == 0
    clock.advance(dt.timedelta(hours=2))
    assert await inbox.purge() == 2
    assert await inbox.counts() == {"pending": 1, "handled": 0, "skipped": 0}
    assert [row.update_id for row in await inbox.backlog()] == [3]


async def test_with_one_slot_a_stop_cuts_off_the_running_update_and_leaves_the_queued_one(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One slot: PTB would run updates inline in its fetcher, which a shutdown cannot cut off
    cleanly; the processor gives each update its own task and keeps the limit itself."""
    async with Emulator(token=TOKEN, limits=FAST, allow_local_http_webhooks=True) as emu:
        first, second = emu.user(8550, "First"), emu.user(8551, "Second")
        with caplog.at_level(logging.INFO):
            async with running_bot(database_url, emulator=emu, concurrent_updates=1, shutdown_timeout_s=1):
                emu.fail_next("sendMessage", 502, delay=30)
                await first.command("help")
                for _ in range(400):
                    if emu.calls.get("sendmessage"):
                        break
                    await asyncio.sleep(0.05)
                await second.command("menu")
                await asyncio.sleep(0.5)
                assert not emu.outgoing(second.id)  # one at a time: it waits for the slot
        line = stopped_line(caplog.text)
        assert (line.group(3), line.group(4)) == ("1", "1"), line.group(0)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        async with running_bot(database_url, emulator=emu):  # and the next start handles both
            await emu.wait_for(first.id, 1, timeout=20)
            await emu.wait_for(second.id, 1, timeout=20)
    assert await inbox_counts(database_url) == {"pending": 0, "handled": 2, "skipped": 0}
