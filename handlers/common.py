"""Shared glue: find the services, the person and their translator for an update."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.app import Services
from bot.i18n import Translator, translator
from bot.services.people import TelegramUser
from bot.store.models import Person

Context = ContextTypes.DEFAULT_TYPE
MAX_INPUT = 4096


def services_of(context: Context) -> Services:
    return context.application.bot_data["services"]


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


@dataclass(frozen=True)
class Caller:
    """The person behind an update, with their translator."""

    person: Person
    t: Translator
    new: bool


async def caller(update: Update, context: Context) -> Caller | None:
    """Record the person (created on first contact) and pick their language."""
    user = telegram_user(update)
    if user is None:
        return None
    person, new = await services_of(context).people.touch(user)
    return Caller(person=person, t=translator(person.language), new=new)


def may_read_public_info(services: Services, person: Person) -> bool:
    """Open events let anyone read the programme; closed ones need an invite first."""
    return services.settings.open_access or person.delegation_id is not None or person.role != "delegate"
