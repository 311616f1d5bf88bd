"""Inline buttons: each feature registers one handler for its own actions; the checks every
button needs are made here, once.

A feature declares its routes in its own module and the wiring adds the handler::

    BUTTONS = feature_buttons(
        Route(Action.SESSION, show_session, argument=entry(ContentPack.session)),
        Route(Action.PROGRAMME, show_programme, argument=ProgrammePage.parse, paged=True),
    )

    async def show_session(update: Update, context: BotContext, pressed: Pressed[Session]) -> None:
        ...  # pressed.value is the Session, found in the pack in service

The handler matches the data of the feature's action codes only (``pattern``). Before a
route's callback runs, the data are decoded (:mod:`bot.callbacks`), the argument is turned
into a value by the route's rule, a page is refused where the route has none, and the person
must be allowed to read the event's information (unless ``accredited=False``). After it, the
query is answered (which stops the spinner on the phone) with the text the callback returns,
if any. A callback shows a page of a list with :func:`handlers.keyboards.page_of`, which
refuses a page the list does not have.

Whatever does not pass gets the answer of :data:`INVALID_DATA`, the catch-all registered
after every feature: data nobody claims go there directly. A button made for an older version
of the content pack still works when what it points to is still there; otherwise the person
is told that the programme has changed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.callbacks import ArgumentRule, Gone, InvalidButton, no_argument
from bot.catalog.models import ContentPack
from bot.telegram_text import CALLBACK_ANSWER, cut, split_html
from handlers import Action, keyboards
from handlers.context import BotContext, is_officer
from handlers.replies import send_in_parts

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Pressed(Generic[T]):
    """A button press that passed the checks."""

    action: Action
    value: T  # the argument, turned into a value by the route's rule
    page: int
    pack: ContentPack  # the pack in service, which ``value`` comes from


#: a route's callback; what it returns (if anything) is shown briefly on the person's screen
ButtonCallback = Callable[[Update, BotContext, Pressed[T]], Awaitable[str | None]]


@dataclass(frozen=True)
class Route(Generic[T]):
    action: Action
    callback: ButtonCallback[T]
    # no argument by default, which makes the route a Route[None] (mypy cannot tell)
    argument: ArgumentRule[T] = no_argument  # type: ignore[assignment]
    paged: bool = False
    accredited: bool = True  # only for people who may read the event's information


def feature_buttons(*routes: Route[Any]) -> CallbackQueryHandler[BotContext, None]:
    """One handler for a feature's buttons, with every check made before its routes run."""
    by_code = {route.action.value: route for route in routes}
    if len(by_code) != len(routes):
        raise ValueError("two routes for the same action")

    async def on_press(update: Update, context: BotContext) -> None:
        query = update.callback_query
        assert query is not None  # a CallbackQueryHandler only matches button presses
        data = callbacks.decode(query.data)
        route = by_code.get(data.code) if data is not None else None
        if data is None or route is None or (data.page and not route.paged):
            await answer_invalid(update, context)
            return
        pack = context.services.content.current.pack
        try:
            value = route.argument(data.argument, pack)
        except InvalidButton:
            await answer_invalid(update, context)
            return
        except Gone:
            if data.is_stale(pack.version):
                await answer_outdated(update, context)
            else:  # our version, naming something it never had: forged
                await answer_invalid(update, context)
            return
        if route.accredited and not context.services.people.may_read_public_info(context.person):
            await query.answer()
            await show(update, context.t.paragraph(context.t._("This assistant is for accredited participants. Please open the invite link you received.")), None)
            return
        try:
            notice = await route.callback(update, context, Pressed(route.action, value, data.page, pack))
        except InvalidButton:  # a page the list does not have
            await answer_invalid(update, context)
            return
        await query.answer(cut(notice, CALLBACK_ANSWER) if notice else None)

    return CallbackQueryHandler(on_press, pattern=callbacks.pattern(by_code))


async def answer_invalid(update: Update, context: BotContext) -> None:
    """Button data no button of ours carries: a polite word, and the main menu in its place."""
    query = update.callback_query
    assert query is not None
    t = context.t
    log.info("invalid button data from %s", context.person.telegram_id)
    await query.answer(cut(t._("This button is no longer valid."), CALLBACK_ANSWER), show_alert=False)
    pack = context.services.content.current.pack
    await show(update, t.paragraph(t._("What would you like to know?")), keyboards.main_menu(t, pack.version, officer=is_officer(context)))


async def answer_outdated(update: Update, context: BotContext) -> None:
    """A button from an older version of the content, pointing at something gone."""
    query = update.callback_query
    assert query is not None
    t = context.t
    await query.answer(cut(t._("The programme has been updated since this button was sent."), CALLBACK_ANSWER))
    pack = context.services.content.current.pack
    await show(
        update,
        t.paragraph(t._("The programme has been updated since this message. Here is the current menu.")),
        keyboards.main_menu(t, pack.version, officer=is_officer(context)),
    )


#: the catch-all, registered after every feature's buttons: data no feature claims
INVALID_DATA: CallbackQueryHandler[BotContext, None] = CallbackQueryHandler(answer_invalid)


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None, *, new: bool = False) -> None:
    """Show a view in place of the message whose button was pressed, or as a new message
    (``new``: a card worth keeping, such as a session or an answer). A text longer than one
    message continues in new messages, the keyboard on the last (:mod:`handlers.replies`)."""
    parts = split_html(text)
    query = update.callback_query
    if query is not None and query.message is not None and not new:
        try:
            await query.edit_message_text(parts[0], reply_markup=markup if len(parts) == 1 else None)
            parts = parts[1:]
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                parts = parts[1:]
            else:
                log.info("could not edit, sending instead: %s", exc)
    chat = update.effective_chat
    if chat is not None and parts:
        await send_in_parts(update.get_bot(), chat.id, parts, markup)
