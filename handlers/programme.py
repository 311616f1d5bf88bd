"""Browsing the programme: the overview, now and next, a day, the kinds of session, one kind,
and a session's card. Navigation edits the message in place; a session's card is sent as a
new message, worth keeping."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import InvalidPage, entry
from bot.cards import esc, event_dates, kind_name, pack_name, schedule_list, session_card
from bot.catalog.models import SESSION_KINDS, ContentPack, Session
from bot.programme import ProgrammePage, ProgrammeView, sessions_now_and_next, sessions_of_day
from handlers import Action, keyboards
from handlers.agenda import card_extras, live_programme
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext
from handlers.keyboards import programme_button

#: the views that are lists long enough to have pages
PAGED = frozenset({ProgrammeView.NOW, ProgrammeView.TODAY, ProgrammeView.TOMORROW, ProgrammeView.DAY, ProgrammeView.KIND})


async def show_programme(update: Update, context: BotContext, pressed: Pressed[ProgrammePage]) -> None:
    page = pressed.value
    if pressed.page and page.view not in PAGED:
        raise InvalidPage(pressed.page)
    today = context.services.clock.now_in(pressed.pack.tz).date()
    match page.view:
        case ProgrammeView.OVERVIEW:
            await show_overview(update, context, pressed.pack)
        case ProgrammeView.NOW:
            await show_now_and_next(update, context, pressed.pack, pressed.page)
        case ProgrammeView.TODAY:
            await show_day(update, context, pressed.pack, today, pressed.page)
        case ProgrammeView.TOMORROW:
            await show_day(update, context, pressed.pack, today + dt.timedelta(days=1), pressed.page)
        case ProgrammeView.DAY:
            assert page.day is not None
            await show_day(update, context, pressed.pack, page.day, pressed.page)
        case ProgrammeView.KINDS:
            await show_kinds(update, context, pressed.pack)
        case ProgrammeView.KIND:
            assert page.kind is not None
            await show_kind(update, context, pressed.pack, page.kind, pressed.page)


async def show_overview(update: Update, context: BotContext, pack: ContentPack) -> None:
    t = context.t
    rows = [
        [programme_button(t._("⏱ Now and next"), ProgrammePage(ProgrammeView.NOW), pack=pack)],
        [
            programme_button(t.pgettext("button", "Today"), ProgrammePage(ProgrammeView.TODAY), pack=pack),
            programme_button(t.pgettext("button", "Tomorrow"), ProgrammePage(ProgrammeView.TOMORROW), pack=pack),
        ],
        _day_buttons(context, pack),
        [programme_button(t._("By kind of session"), ProgrammePage(ProgrammeView.KINDS), pack=pack)],
        keyboards.back_to_menu(t, pack.version),
    ]
    event = pack_name(t, pack.event.name, pack)
    # TRANSLATORS: a heading: {event} is the event's full name
    await show(update, t.paragraph(t._("Programme of {event}").format(event=event)), InlineKeyboardMarkup(rows))


async def show_now_and_next(update: Update, context: BotContext, pack: ContentPack, page: int) -> None:
    t = context.t
    live, cancelled = live_programme(context, pack)  # as the organisers' /delay makes it run
    running, upcoming = sessions_now_and_next(pack, context.services.clock.now(),
                                              sessions=[s for s in live if s.id not in cancelled])
    if running:
        heading = t._("On now, and next")
    elif upcoming:
        heading = t._("Nothing is on right now. Next:")
    else:
        heading = t._("There is nothing more in the programme.")
    sessions = running + upcoming
    rows = keyboards.session_buttons(t, pack, sessions, ProgrammePage(ProgrammeView.NOW), page, with_day=True)
    rows.append(keyboards.back_to_menu(t, pack.version))
    await show(update, schedule_list(sessions, pack, t.lang, esc(heading)), InlineKeyboardMarkup(rows))


async def show_day(update: Update, context: BotContext, pack: ContentPack, day: dt.date, page: int) -> None:
    t = context.t
    live, cancelled = live_programme(context, pack)
    sessions = sessions_of_day(pack, day, live)
    rows = keyboards.session_buttons(t, pack, sessions, ProgrammePage.of_day(day), page)
    if sessions:
        text = schedule_list(sessions, pack, t.lang, esc(t.date(day, fmt="day")), cancelled)
    else:
        # TRANSLATORS: {day} is a weekday and date ("Saturday 25 October"), inside the sentence
        nothing = t._("No sessions on {day}.").format(day=t.date(day, fmt="day"))
        text = t.paragraph(esc(nothing) + "\n" + esc(event_dates(t, pack)))
        rows.append(_day_buttons(context, pack))
    rows.append([programme_button(t._("◀ Programme"), ProgrammePage(), pack=pack)])
    await show(update, text, InlineKeyboardMarkup(rows))


async def show_kinds(update: Update, context: BotContext, pack: ContentPack) -> None:
    t = context.t
    present = [kind for kind in SESSION_KINDS if any(s.kind == kind for s in pack.sessions)]
    rows = [[programme_button(kind_name(t, kind), ProgrammePage.of_kind(kind), pack=pack)] for kind in present]
    rows.append([programme_button(t._("◀ Programme"), ProgrammePage(), pack=pack)])
    await show(update, t.paragraph(t._("Which kind of session?")), InlineKeyboardMarkup(rows))


async def show_kind(update: Update, context: BotContext, pack: ContentPack, kind: str, page: int) -> None:
    t = context.t
    live, cancelled = live_programme(context, pack, (s for s in pack.sessions if s.kind == kind))
    sessions = sorted(live, key=lambda s: (s.start, s.end, s.id))
    rows = keyboards.session_buttons(t, pack, sessions, ProgrammePage.of_kind(kind), page, with_day=True)
    rows.append([programme_button(t._("◀ Programme"), ProgrammePage(ProgrammeView.KINDS), pack=pack)])
    await show(update, schedule_list(sessions, pack, t.lang, esc(kind_name(t, kind)), cancelled),
               InlineKeyboardMarkup(rows))


def _day_buttons(context: BotContext, pack: ContentPack) -> list[InlineKeyboardButton]:
    """The event's first days, one button each."""
    t = context.t
    return [programme_button(t.heading(t.date(day, fmt="day")), ProgrammePage.of_day(day), pack=pack) for day in pack.event_days()[:3]]


async def show_session(update: Update, context: BotContext, pressed: Pressed[Session]) -> None:
    t, pack, session = context.t, pressed.pack, pressed.value
    note, follow = await card_extras(context, pack, session)
    markup = keyboards.session_keyboard(t, pack, session)
    if follow:
        markup = InlineKeyboardMarkup([follow, *markup.inline_keyboard])
    await show(update, note + session_card(session, pack, t.lang), markup, new=True)


BUTTONS = feature_buttons(
    Route(Action.PROGRAMME, show_programme, argument=ProgrammePage.parse, paged=True),
    Route(Action.SESSION, show_session, argument=entry(ContentPack.session)),
)
