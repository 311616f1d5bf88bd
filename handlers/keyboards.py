"""Inline keyboards that several features show, and the pieces every keyboard is made of.
Every label goes through the person's translator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.catalog.models import ContentPack, FaqEntry, Session
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.programme import ProgrammePage, ProgrammeView
from bot.telegram_text import BUTTON_LABEL, cut
from handlers import Action

PAGE = 8  # list items shown at a time
T = TypeVar("T")


def button(text: str, action: Action, argument: str = "", page: int = 0, *, pack: str = "") -> InlineKeyboardButton:
    """A button; ``pack`` is the content version it was made for ('' when it does not matter)."""
    return InlineKeyboardButton(text, callback_data=callbacks.encode(action, argument, page, pack_version=pack))


def fits(action: Action, argument: str) -> bool:
    """Whether a button for ``argument`` can be made (long ids do not fit in 64 bytes)."""
    return callbacks.fits(action, argument)


def programme_button(text: str, page: ProgrammePage, *, pack: ContentPack, list_page: int = 0) -> InlineKeyboardButton:
    return button(text, Action.PROGRAMME, page.argument, list_page, pack=pack.version)


def label(text: str) -> str:
    """A button's label, cut to a readable length (as Telegram counts it)."""
    return cut(text, BUTTON_LABEL)


def page_of(items: Sequence[T], page: int) -> Sequence[T]:
    """The items of ``page``; a page the list does not have is a forged button."""
    if page and page * PAGE >= len(items):
        raise callbacks.InvalidPage(page)
    return items[page * PAGE : (page + 1) * PAGE]


def pager(t: Translator, pack: ContentPack, action: Action, argument: str, page: int, total: int) -> list[InlineKeyboardButton]:
    """◀ Previous / Next ▶ for a list shown PAGE items at a time."""
    nav = []
    if page > 0:
        nav.append(button(t.pgettext("button", "◀ Previous"), action, argument, page - 1, pack=pack.version))
    if (page + 1) * PAGE < total:
        nav.append(button(t.pgettext("button", "Next ▶"), action, argument, page + 1, pack=pack.version))
    return nav


# -- menus ------------------------------------------------------------------------------------
def main_menu(t: Translator, pack: str, officer: bool = False) -> InlineKeyboardMarkup:
    """The main menu; an officer's has their queue where a delegate's has their liaison officer."""
    liaison = ([button(t._("📋 Requests queue"), Action.LIAISON_QUEUE, pack=pack)] if officer else [
        button(t._("🤝 Contact my liaison officer"), Action.LIAISON_NEW, pack=pack),
        button(t._("📨 My requests"), Action.LIAISON_MINE, pack=pack),
    ])
    return InlineKeyboardMarkup(
        [
            [
                button(t._("📅 Programme"), Action.PROGRAMME, pack=pack),
                button(t._("⏱ Now and next"), Action.PROGRAMME, ProgrammeView.NOW, pack=pack),
            ],
            [
                button(t._("📍 Venues and rooms"), Action.VENUES, pack=pack),
                button(t._("❓ Practical information"), Action.FAQ_TOPICS, pack=pack),
            ],
            [
                button(t._("☎️ Help desk"), Action.CONTACTS, pack=pack),
                button(t._("🌐 Language"), Action.LANGUAGE, pack=pack),
            ],
            [button(t._("🗓 My agenda"), Action.AGENDA, pack=pack)],
            liaison,
        ]
    )


def language_picker(current: str) -> InlineKeyboardMarkup:
    rows, row = [], []
    for lang in LANGUAGES:
        mark = "✓ " if lang == current else ""
        row.append(button(f"{mark}{LANGUAGE_NAMES[lang]}", Action.LANGUAGE, lang))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def back_to_menu(t: Translator, pack: str) -> list[InlineKeyboardButton]:
    return [button(t._("🏠 Main menu"), Action.MENU, pack=pack)]


# -- sessions and questions -------------------------------------------------------------------
def session_label(t: Translator, pack: ContentPack, session: Session, with_day: bool = False) -> str:
    when = t.heading(t.datetime(session.start, pack.tz)) if with_day else t.time(session.start, pack.tz)
    return label(f"{when} · {t.embed(session.title.get(t.lang, pack.default_language))}")


def session_buttons(
    t: Translator,
    pack: ContentPack,
    sessions: Sequence[Session],
    listed: ProgrammePage,
    page: int,
    *,
    with_day: bool = False,
) -> list[list[InlineKeyboardButton]]:
    """One button per session of ``page``, and the pager of the programme page ``listed``."""
    rows = [
        [button(session_label(t, pack, session, with_day), Action.SESSION, session.id, pack=pack.version)]
        for session in page_of(sessions, page)
        if fits(Action.SESSION, session.id)
    ]
    if nav := pager(t, pack, Action.PROGRAMME, listed.argument, page, len(sessions)):
        rows.append(nav)
    return rows


def session_keyboard(t: Translator, pack: ContentPack, session: Session) -> InlineKeyboardMarkup:
    """Under a session's card: directions to its room, the map, the programme of its day."""
    rows = []
    place = pack.place(session.room)
    if place is not None:
        room, venue = place
        target = room.id if room is not None else venue.id
        row = []
        if fits(Action.ROOM, target):
            row.append(button(t._("🧭 Directions"), Action.ROOM if room is not None else Action.VENUE, target, pack=pack.version))
        if venue.geo is not None and fits(Action.MAP, venue.id):
            row.append(button(t._("🗺 Map"), Action.MAP, venue.id, pack=pack.version))
        if row:
            rows.append(row)
    day = session.start.astimezone(pack.tz).date()
    rows.append([programme_button(t._("◀ Programme of the day"), ProgrammePage.of_day(day), pack=pack)])
    return InlineKeyboardMarkup(rows)


def question_label(t: Translator, pack: ContentPack, entry: FaqEntry) -> str:
    """An answer's button: its first sample question in the person's language."""
    questions = entry.questions.get(t.lang) or entry.questions.get(pack.default_language) or next(iter(entry.questions.values()))
    return label(questions[0])
