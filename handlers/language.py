"""/language and the language picker: the chosen language is stored, and Telegram's setting no
longer overrides it."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import one_of, optional
from bot.i18n import LANGUAGES, language_in_sentence
from handlers import Action, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext, is_officer


async def language_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    wanted = context.args[0].lower()[:8] if context.args else ""
    if wanted in LANGUAGES:
        await set_language(update, context, wanted)
        return
    await message.reply_text(
        context.t.paragraph(context.t._("Choose your language:")),
        reply_markup=keyboards.language_picker(context.person.language),
    )


async def on_language_button(update: Update, context: BotContext, pressed: Pressed[str | None]) -> None:
    """Without a language: the picker; with one: choose it."""
    if pressed.value is None:
        t = context.t
        await show(update, t.paragraph(t._("Choose your language:")), keyboards.language_picker(context.person.language))
    else:
        await set_language(update, context, pressed.value)


# anyone may choose their language, accredited or not
BUTTONS = feature_buttons(
    Route(Action.LANGUAGE, on_language_button, argument=optional(one_of(LANGUAGES)), accredited=False)
)


async def set_language(update: Update, context: BotContext, lang: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    person = await context.services.people.set_language(context.person.telegram_id, lang)
    context.set_person(person)
    t = context.t
    pack = context.services.content.current.pack
    await context.bot.send_message(
        chat.id,
        # TRANSLATORS: {language} is the chosen language's name in itself ("Français", "العربية")
        t.paragraph(t._("Language set to {language}.").format(language=language_in_sentence(lang))),
        reply_markup=keyboards.main_menu(t, pack.version, officer=is_officer(context)),
    )
