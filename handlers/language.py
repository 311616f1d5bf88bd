"""/language: choose the language of the bot (stored; Telegram's setting no longer overrides it)."""

from __future__ import annotations

from telegram import Update

from bot.i18n import LANGUAGE_NAMES, LANGUAGES, translator
from handlers import keyboards
from handlers.common import Context, caller, services_of


async def language_command(update: Update, context: Context) -> None:
    who = await caller(update, context)
    if who is None or update.effective_message is None:
        return
    services = services_of(context)
    if context.args:
        wanted = context.args[0].lower()[:8]
        if wanted in LANGUAGES:
            await set_language(update, context, wanted)
            return
    await update.effective_message.reply_text(
        who.t.paragraph(who.t._("Choose your language:")),
        reply_markup=keyboards.language_picker(who.person.language),
    )
    del services


async def set_language(update: Update, context: Context, lang: str) -> None:
    services = services_of(context)
    user = update.effective_user
    if user is None or update.effective_chat is None:
        return
    await caller(update, context)  # make sure the person exists
    person = await services.people.set_language(user.id, lang)
    t = translator(person.language)
    pack = services.content.current.pack
    await context.bot.send_message(
        update.effective_chat.id,
        t.paragraph(t._("Language set to {language}.").format(language=LANGUAGE_NAMES[lang])),
        reply_markup=keyboards.main_menu(t, pack.version),
    )
