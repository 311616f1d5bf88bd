"""Texts that may be longer than one Telegram message (a long answer of the content pack):
sent as several messages, cut by :func:`bot.telegram_text.split_html` at a paragraph, line or
sentence, with the keyboard on the last one (where the person's eyes end up)."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup, Message

from bot.telegram_text import split_html


async def reply_in_parts(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer ``message`` with ``text``, in as many messages as it takes."""
    parts = split_html(text)
    for index, part in enumerate(parts):
        await message.reply_text(part, reply_markup=markup if index == len(parts) - 1 else None)


async def send_in_parts(
    bot: Bot, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send ``parts`` (from :func:`split_html`) to a chat, the keyboard on the last."""
    for index, part in enumerate(parts):
        await bot.send_message(chat_id, part, reply_markup=markup if index == len(parts) - 1 else None)
