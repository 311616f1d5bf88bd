"""One outbox message as one Bot API call, and how to read Telegram's errors for it.

The only place that turns a :class:`~bot.delivery.message.Message` into PTB calls.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.delivery.claims import Claimed
from bot.delivery.message import Message

#: The sender does its own retrying: the limiter must make none (``rate_limit_args=0``, the
#: convention of :class:`~bot.delivery.ratelimit.ChatRateLimiter`). PTB drops a falsy
#: ``rate_limit_args`` (``ExtBot._merge_api_rl_kwargs`` tests ``if not rate_limit_args``), so
#: passing 0 would reach the limiter as None, its default retries; this is the very key PTB
#: would write, set directly, so the limiter gets 0.
NO_LIMITER_RETRIES: dict[str, Any] = {ExtBot._ExtBot__RL_KEY: 0}  # type: ignore[attr-defined]  # noqa: SLF001


async def deliver(bot: Bot, row: Claimed, m: Message, read_timeout: float | None = None) -> int | None:
    """One Bot API call for ``m``; returns the message id it concerns."""
    extra: dict[str, Any] = {"api_kwargs": dict(NO_LIMITER_RETRIES)} if isinstance(bot, ExtBot) and bot.rate_limiter else {}
    if read_timeout is not None:
        extra["read_timeout"] = read_timeout
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in line] for line in m.buttons
    ]) if m.buttons else None
    if m.delete_message_id is not None:
        await bot.delete_message(row.chat_id, m.delete_message_id, **extra)
        return m.delete_message_id
    if m.edit_message_id is not None:
        await bot.edit_message_text(m.text, chat_id=row.chat_id, message_id=m.edit_message_id,
                                    parse_mode=m.parse_mode, reply_markup=markup, **extra)
        return m.edit_message_id
    common: dict[str, Any] = {
        "message_thread_id": row.thread_id,
        "disable_notification": m.disable_notification or None,
        "protect_content": m.protect_content or None,
        "allow_paid_broadcast": True if (row.paid or m.allow_paid_broadcast) else None,
        "reply_markup": markup,
        **extra,
    }
    if m.photo is not None:
        sent = await bot.send_photo(row.chat_id, m.photo, caption=m.text or None, parse_mode=m.parse_mode, **common)
    elif m.document is not None:
        sent = await bot.send_document(row.chat_id, m.document, caption=m.text or None, parse_mode=m.parse_mode, **common)
    elif m.location is not None:
        sent = await bot.send_location(row.chat_id, latitude=m.location[0], longitude=m.location[1], **common)
    else:
        sent = await bot.send_message(row.chat_id, m.text, parse_mode=m.parse_mode, **common)
    return sent.message_id


def seconds(value: Any) -> float:
    """``retry_after`` in seconds, whether PTB gives a number or a timedelta."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def ambiguous(exc: Exception) -> bool:
    """A timeout after the request may have reached Telegram (read or write, not connect/pool)."""
    cause = exc.__cause__
    not_sent = (httpx.ConnectTimeout, httpx.PoolTimeout, aiohttp.ConnectionTimeoutError)
    return isinstance(exc, TimedOut) and not isinstance(cause, not_sent) and "Pool timeout" not in str(exc)


def describe(exc: Exception) -> str:
    if isinstance(exc, TimedOut):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "timeout"
        return f"timed out ({cause})"
    if isinstance(exc, TelegramError):
        return f"{type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"
