"""Unknown commands, things that are not text, and the error handler: always a short,
translated answer, never silence and never a traceback (the operators get a short report,
see :mod:`handlers.error_report`)."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.i18n import pick_language, translator
from handlers import keyboards
from handlers.context import BotContext, is_officer, telegram_user
from handlers.error_report import report_to_operators

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return
    t = context.t
    pack = context.services.content.current.pack
    await update.effective_message.reply_text(
        t.paragraph(t._("I don't know this command. Ask me a question in your own words, or use the menu.")),
        reply_markup=keyboards.main_menu(t, pack.version, officer=is_officer(context)),
    )


async def not_text(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return
    t = context.t
    await update.effective_message.reply_text(
        t.paragraph(t._("I can only read text messages. Please type your question, or use /menu."))
    )


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (without message text) and tell the person, in their language."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        log.info("user %s blocked the bot", update.effective_user.id)
        try:
            await context.services.people.mark_inactive(update.effective_user.id)
        except Exception:  # best effort while handling an error
            log.warning("could not mark user inactive", exc_info=True)
        return
    if isinstance(error, (RetryAfter, TimedOut, NetworkError)) and not isinstance(error, BadRequest):
        log.warning("Telegram did not take a reply: %s", type(error).__name__)
        return
    if isinstance(error, BadRequest) and "query is too old" in error.message.lower():
        # a button answered after its time-out (a backlog, a slow moment): what it does was
        # done, only the small notice under the button is lost; no apology, no report
        log.info("a button press was answered too late")
        return
    log.error("error while handling an update", exc_info=error)
    if error is not None:
        await report_to_operators(update, context, error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    database_down = isinstance(error, (OperationalError, DBAPIError, OSError, ConnectionError))
    t = translator(await _language(update, context, ask_database=not database_down))
    text = (
        t._("The service is briefly unavailable. Please send your message again in a minute.")
        if database_down
        else t._("Sorry, something went wrong on our side. Please try again, or use /menu.")
    )
    if update.callback_query is not None:
        with contextlib.suppress(Exception):
            await update.callback_query.answer()
    try:
        await context.bot.send_message(update.effective_chat.id, t.paragraph(text))
    except Exception:  # nothing more we can do
        log.warning("could not tell the user about the error", exc_info=True)


async def _language(update: Update, context: BotContext, *, ask_database: bool) -> str:
    """The language the person chose (``/language``), as every other reply of the bot speaks
    to them; Telegram's language code only when the bot does not know them (or cannot ask)."""
    user = telegram_user(update)
    if user is None:
        return pick_language(None)
    person = context.services.people.recent.get(user)
    if person is None and ask_database:
        with contextlib.suppress(Exception):  # best effort while handling an error
            person = await context.services.people.get(user.id)
    return person.language if person is not None else pick_language(user.language_code)
