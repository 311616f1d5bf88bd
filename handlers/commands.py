"""The command list Telegram shows, in every language."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application

from bot.i18n import LANGUAGES, N_, translator
from bot.telegram_text import COMMAND_DESCRIPTION, cut

PUBLIC_COMMANDS = [
    ("menu", N_("Main menu")),
    ("language", N_("Change the language")),
    ("help", N_("How to use this assistant")),
    ("agenda", N_("My agenda")),
    ("reminders", N_("Reminder settings")),
    ("requests", N_("Your requests to a liaison officer")),
]


async def publish_commands(application: Application) -> None:
    for lang in LANGUAGES:
        t = translator(lang)
        commands = [BotCommand(name, cut(t._(description), COMMAND_DESCRIPTION)) for name, description in PUBLIC_COMMANDS]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=None if lang == "en" else lang
        )
