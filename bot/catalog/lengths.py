"""Texts longer than one Telegram message.

Telegram counts a message's length in UTF-16 code units (an emoji counts twice) and takes at
most 4,096 (:mod:`bot.telegram_text`). A card longer than that is sent in several messages,
cut at a paragraph, a line or a sentence: it works, but reads worse on a phone, so a text that
will need it is a warning (``content check --strict`` makes it an error). A text that would
take more than :data:`MAX_PARTS` messages is an error: no one reads that in a chat, and it
would hold the person's chat for as many seconds (Telegram sends one message per second to a
private chat).
"""

from __future__ import annotations

import html
from typing import Any

from bot.catalog.checks import Collected, Placed, Reporter, texts
from bot.catalog.models import FaqEntry
from bot.telegram_text import MESSAGE_TEXT, split_html, units

#: what a card adds around its longest text (the heading, labels, the "last updated" line)
CARD_ROOM = 300
MAX_PARTS = 10


def check_lengths(c: Collected, report: Reporter) -> None:
    items: list[Placed[Any]] = [*c.venues, *c.sessions, *c.categories, *c.faq, *c.liaison, *c.quick_replies]
    if c.event is not None:
        items.insert(0, c.event)
    for item in items:
        for path, text in texts(item.obj, item.path):
            for lang, value in text.root.items():
                heading = units(_heading(item.obj, path, lang))
                size = units(value)
                if heading + size + CARD_ROOM <= MESSAGE_TEXT:
                    continue
                parts = len(split_html(html.escape(value, quote=False), MESSAGE_TEXT - CARD_ROOM - heading))
                said = (f"{path[-1]} in '{lang}' is {size:,} characters as Telegram counts them "
                        "(UTF-16 code units: an emoji counts 2)")
                if parts > MAX_PARTS:
                    report.at(item.src, (*path, lang),
                              f"{said}: it would be sent in {parts} messages; a reply may take at most {MAX_PARTS}")
                else:
                    report.at(item.src, (*path, lang),
                              f"{said}: longer than one message ({MESSAGE_TEXT:,} with its card), so it is sent "
                              f"in {max(parts, 2)} messages, cut at paragraphs, lines or sentences",
                              warning=True)


def _heading(obj: Any, path: tuple[Any, ...], lang: str) -> str:
    """What the card shows in the same message as this text: an answer's question."""
    if isinstance(obj, FaqEntry) and path[-1] == "answer":
        questions = obj.questions.get(lang) or []
        return questions[0] if questions else ""
    return ""
