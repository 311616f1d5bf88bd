"""Browsing the practical information: its topics, a topic's questions, one answer, and the
help-desk contacts."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import InvalidPage, entry, optional
from bot.cards import category_name, contact_card, contacts_card, faq_card
from bot.catalog.models import Contact, ContentPack, FaqEntry
from handlers import Action, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext
from handlers.keyboards import button


def topics(pack: ContentPack) -> list[str]:
    """The topics (categories) of the practical information, in the pack's order."""
    return list(dict.fromkeys(e.category for e in pack.faq))


def topic(pack: ContentPack, category: str) -> str | None:
    return category if category in topics(pack) else None


async def show_topics_or_topic(update: Update, context: BotContext, pressed: Pressed[str | None]) -> None:
    if pressed.value is None:
        if pressed.page:  # the topics fit on one page
            raise InvalidPage(pressed.page)
        await show_topics(update, context, pressed.pack)
    else:
        await show_topic(update, context, pressed.pack, pressed.value, pressed.page)


async def show_topics(update: Update, context: BotContext, pack: ContentPack) -> None:
    t = context.t
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for category in topics(pack):
        if not keyboards.fits(Action.FAQ_TOPICS, category):
            continue
        row.append(button(category_name(t, pack, category), Action.FAQ_TOPICS, category, pack=pack.version))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append(keyboards.back_to_menu(t, pack.version))
    await show(update, t.paragraph(t._("Practical information: choose a topic, or just ask me.")), InlineKeyboardMarkup(rows))


async def show_topic(update: Update, context: BotContext, pack: ContentPack, category: str, page: int) -> None:
    t = context.t
    entries = [e for e in pack.faq if e.category == category and keyboards.fits(Action.FAQ_ANSWER, e.id)]
    rows = [
        [button(keyboards.question_label(t, pack, e), Action.FAQ_ANSWER, e.id, pack=pack.version)]
        for e in keyboards.page_of(entries, page)
    ]
    if nav := keyboards.pager(t, pack, Action.FAQ_TOPICS, category, page, len(entries)):
        rows.append(nav)
    rows.append([button(t._("◀ Topics"), Action.FAQ_TOPICS, pack=pack.version)])
    await show(update, t.paragraph(category_name(t, pack, category)), InlineKeyboardMarkup(rows))


async def show_answer(update: Update, context: BotContext, pressed: Pressed[FaqEntry]) -> None:
    t, pack, answer = context.t, pressed.pack, pressed.value
    # TRANSLATORS: a button back to a topic's questions: {topic} is the topic's name
    back = t._("◀ {topic}").format(topic=category_name(t, pack, answer.category))
    rows = [[button(back, Action.FAQ_TOPICS, answer.category, pack=pack.version)]]
    await show(update, faq_card(answer, pack, t.lang), InlineKeyboardMarkup(rows), new=True)


async def show_contacts(update: Update, context: BotContext, pressed: Pressed[None]) -> None:
    t, pack = context.t, pressed.pack
    await show(update, contacts_card(pack, t.lang), InlineKeyboardMarkup([keyboards.back_to_menu(t, pack.version)]))


async def show_contact(update: Update, context: BotContext, pressed: Pressed[Contact]) -> None:
    await show(update, contact_card(pressed.value, pressed.pack, context.t.lang), None, new=True)


BUTTONS = feature_buttons(
    Route(Action.FAQ_TOPICS, show_topics_or_topic, argument=optional(entry(topic)), paged=True),
    Route(Action.FAQ_ANSWER, show_answer, argument=entry(ContentPack.faq_entry)),
    Route(Action.CONTACTS, show_contacts),
    Route(Action.CONTACT, show_contact, argument=entry(ContentPack.contact)),
)
