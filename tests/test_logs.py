"""What the log may hold: never the bot token, at any level; never a person's message at INFO
(or above). The bot runs as a real process at DEBUG, the most talkative level."""

from __future__ import annotations

import logging
import signal
import sys

from bot.redact import RedactToken
from bot.sandbox.emulator import Emulator
from tests.processes import records, start_bot
from tests.support import FAST, TOKEN

QUESTION = "Is the zebra-quokka shuttle running to the xylophone pavilion?"


async def test_no_token_at_any_level_and_no_question_at_info(tmp_path) -> None:
    async with Emulator(token=TOKEN, limits=FAST) as emu:
        user = emu.user(8950, "Quiet", language_code="en")
        bot = await start_bot(emu, f"sqlite:///{tmp_path / 'bot.db'}", tmp_path / "bot.log", LOG_LEVEL="DEBUG")
        try:
            await user.send(QUESTION)
            await emu.wait_for(user.id, 1, timeout=30)
            await bot.stop(signal.SIGTERM)
        finally:
            bot.kill()
    log = bot.log
    assert bot.proc.returncode == 0, log[-3000:]
    lines = records(log)
    assert any(level == "DEBUG" for level, _ in lines)  # it really ran at DEBUG
    assert "Set Bot API URL: " in log  # PTB's line that used to carry the token
    secret = TOKEN.split(":", 1)[1]
    assert TOKEN not in log and secret not in log
    assert "bot<token>" in log
    assert QUESTION in log  # at DEBUG it may be there (PTB logs the updates it processes)...
    loud = [text for level, text in lines if level not in ("DEBUG", "OUTPUT")]
    assert loud and not [text for text in loud if "zebra-quokka" in text]  # ...but not at INFO and above


def test_the_filter_covers_tracebacks_and_urls_of_any_token() -> None:
    other = "987654321:AAFabcdefghijklmnopqrstuvwxyz0123456"
    redactor = RedactToken(TOKEN)
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{other}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "HTTP Request: POST %s",
                                   (f"http://127.0.0.1/bot{TOKEN}/sendMessage",), sys.exc_info())
    assert redactor.filter(record) is True
    text = logging.Formatter().format(record)
    assert TOKEN not in text and other not in text
    assert "bot<token>/sendMessage" in text and "bot<token>/getMe" in text
