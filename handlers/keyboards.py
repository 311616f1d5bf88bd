"""Inline keyboards. Every label goes through the person's translator."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator


def button(text: str, action: str, arg: str = "", page: int = 0, *, pack: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text, callback_data=callbacks.encode(action, arg, page, pack_version=pack)
    )


def main_menu(t: Translator, pack: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t._("📅 Programme"), "prog", pack=pack), button(t._("⏱ Now and next"), "prog", "now", pack=pack)],
            [button(t._("📍 Venues and rooms"), "venues", pack=pack), button(t._("❓ Practical information"), "faq", pack=pack)],
            [button(t._("☎️ Help desk"), "contacts", pack=pack), button(t._("🌐 Language"), "lang", pack=pack)],
        ]
    )


def language_picker(current: str) -> InlineKeyboardMarkup:
    rows, row = [], []
    for lang in LANGUAGES:
        mark = "✓ " if lang == current else ""
        row.append(button(f"{mark}{LANGUAGE_NAMES[lang]}", "lang", lang))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def back_to_menu(t: Translator, pack: str) -> list[InlineKeyboardButton]:
    return [button(t._("🏠 Main menu"), "menu", pack=pack)]
