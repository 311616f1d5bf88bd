"""The context every handler gets: the services, and the person behind the update with their
translator, resolved once per update (as in PTB's ``examples/contexttypesbot.py``).

:func:`resolve_person` runs in handler group -1, before any other handler, for updates that
come from a person: a private message (commands included) or a button press. Handlers of
group 0 then read ``context.person`` and ``context.t``; on an update without a person (a
status change, a job, the error handler) these raise :class:`NoPerson` rather than guess.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext, ContextTypes, ExtBot

from bot.app import Services
from bot.i18n import Translator, translator
from bot.services.people import TelegramUser
from bot.store.models import Person

log = logging.getLogger(__name__)


class NoPerson(RuntimeError):
    """A handler asked for the person of an update that has none."""


def is_officer(context: BotContext) -> bool:
    """Whether the person behind this update is a liaison officer, for what a menu shows (the
    actions behind it check the role in the database)."""
    try:
        return bool(context.person.is_officer)
    except NoPerson:
        return False


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with the services and, for updates from a person, that person."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._person: Person | None = None
        self._t: Translator | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def person(self) -> Person:
        """The person behind this update (see :func:`resolve_person`)."""
        if self._person is None:
            raise NoPerson("this update has no person: only private messages and button presses have one")
        return self._person

    @property
    def t(self) -> Translator:
        """The person's translator: their language, dates and numbers."""
        if self._t is None:
            raise NoPerson("this update has no person, hence no language: use the Telegram language code")
        return self._t

    def set_person(self, person: Person) -> None:
        """Record the person (again, once their language or role changed)."""
        self._person = person
        self._t = translator(person.language)


CONTEXT_TYPES = ContextTypes(context=BotContext)


def telegram_user(update: Update) -> TelegramUser | None:
    user = update.effective_user
    if user is None:
        return None
    return TelegramUser(
        id=user.id,
        first_name=user.first_name or "",
        username=user.username,
        language_code=user.language_code,
    )


def from_a_person(update: Update) -> bool:
    """A message in a private chat, or a button press: what the bot answers a person for.
    (Membership changes, such as a person blocking the bot, are not a sign of life.)"""
    if update.effective_user is None:
        return False
    if update.callback_query is not None:
        return True
    chat = update.effective_chat
    return update.effective_message is not None and chat is not None and chat.type == Chat.PRIVATE


async def resolve_person(update: Update, context: BotContext) -> None:
    """Group -1: record the person behind the update (created on first contact). If that
    fails (the database is down), the error handler answers them and nothing else runs."""
    user = telegram_user(update)
    if user is None or not from_a_person(update):
        return
    try:
        person, _ = await context.services.people.touch(user)
    except Exception as exc:
        await context.application.process_error(update, exc)
        raise ApplicationHandlerStop from exc
    context.set_person(person)
