"""Fairness between chats: people who write a lot, at Telegram's pace of one message per
second per chat, do not delay anybody else's reply. Measured against a control in the same
run (a reply before the burst), with a generous bound: what matters is that nobody waits for
the burst to drain (the defect made a single reply wait 13.8 s behind 20 messages)."""

from __future__ import annotations

import time

from bot.delivery.ratelimit import Limits
from bot.sandbox.emulator import RateLimits, SimUser
from tests.support import Harness, running_bot

TELEGRAM = RateLimits(overall_per_s=30, private_per_s=1, private_burst=3, group_per_min=20)
PACED = Limits(overall_per_s=30, private_per_s=1, private_burst=3)


async def reply_time(bot: Harness, user: SimUser) -> float:
    started = time.monotonic()
    await user.command("help")
    await bot.emulator.wait_for(user.id, 1, timeout=120)
    return time.monotonic() - started


async def test_chatty_chats_do_not_delay_another_persons_reply(database_url: str) -> None:
    # two slots and two chatty people: with the slot taken before the chat's turn, both slots
    # hold chatty updates waiting on each other and on their pacing
    async with running_bot(
        database_url, emulator_limits=TELEGRAM, bot_limits=PACED, concurrent_updates=2, shutdown_timeout_s=3
    ) as bot:
        await reply_time(bot, bot.user(8701, "Warm-up"))
        control = await reply_time(bot, bot.user(8702, "Control"))
        chatty = [bot.user(8703, "Chatty"), bot.user(8704, "Chattier")]
        for _ in range(15):
            for person in chatty:
                await person.command("help")
        other = await reply_time(bot, bot.user(8705, "Other"))
        assert other < 3 * control + 3.0, f"another person's reply took {other:.2f}s (control {control:.2f}s)"
        # and the chatty people are served all the same, in their own time
        for person in chatty:
            await bot.emulator.wait_for(person.id, 3, timeout=30)
        assert not [e for e in bot.emulator.errors if e[1] == 429]
