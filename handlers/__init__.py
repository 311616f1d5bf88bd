"""Thin PTB handlers: parse the update, call a service, render the reply."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters


def register(application: Application) -> None:
    from handlers import ask, browse, fallbacks, language, organiser, start

    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start.start, filters=private))
    application.add_handler(CommandHandler("help", start.help_command, filters=private))
    application.add_handler(CommandHandler("menu", start.menu, filters=private))
    application.add_handler(CommandHandler("language", language.language_command, filters=private))
    application.add_handler(CommandHandler("invite", organiser.invite_command, filters=private))
    application.add_handler(CommandHandler("unanswered", organiser.unanswered_command, filters=private))
    application.add_handler(CommandHandler("reload", organiser.reload_command, filters=private))
    application.add_handler(CallbackQueryHandler(browse.on_button))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, ask.on_text))
    application.add_handler(MessageHandler(private & filters.COMMAND, fallbacks.unknown_command))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, fallbacks.not_text))
    application.add_error_handler(fallbacks.on_error)
