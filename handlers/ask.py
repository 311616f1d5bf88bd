"""Free-text questions: the answer engine finds the entry, the cards render it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.answers import Answer
from bot.answers.compose import Reply, compose
from bot.answers.language import switch_to
from bot.catalog.models import ContentPack
from bot.i18n import Translator, language_in_sentence, translator
from bot.services.liaison import question_tag
from handlers import Action, keyboards
from handlers.agenda import card_extras, live_programme
from handlers.context import BotContext
from handlers.replies import reply_in_parts

log = logging.getLogger(__name__)
#: the button that opens each type of match the engine may offer as an alternative
ACTION_OF = {
    "faq": Action.FAQ_ANSWER,
    "session": Action.SESSION,
    "venue": Action.VENUE,
    "room": Action.ROOM,
    "contact": Action.CONTACT,
}


async def on_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    services, t = context.services, context.t
    if not services.people.may_read_public_info(context.person):
        await message.reply_text(
            t.paragraph(t._("This assistant is for accredited participants. Please open the invite link you received."))
        )
        return
    content = services.content.current
    text = message.text or ""
    # time questions choose by the programme as it runs (the organisers' /delay), not as printed
    running = live_programme(context, content.pack) if services.agenda.overlays else None
    # in a worker thread: an unsure question asks the model for a second opinion (10-40 ms
    # of native code that releases the GIL), and the event loop keeps serving other chats
    answer = await asyncio.to_thread(content.engine.ask, text, t.lang, services.clock.now(), running)
    log.info("question answered: kind=%s match=%s", answer.kind, answer.match.type if answer.match else None)
    # a question clearly written in another of the pack's languages is answered in it, with a
    # one-tap offer to make it the person's setting (bot.answers.language: conservative)
    asked_in = switch_to(text, t.lang, content.pack.languages) if answer.kind != "empty" else None
    reply_t = translator(asked_in) if asked_in else t
    cancelled: frozenset[str] = frozenset()
    if answer.sessions:  # a list of sessions at the times they now run (the organisers' /delay)
        live, cancelled = live_programme(context, content.pack, answer.sessions)
        answer = dataclasses.replace(answer, sessions=live)
    reply = compose(answer, content.pack, reply_t.lang, cancelled)
    markup = answer_keyboard(reply_t, content.pack, answer, reply, text)
    if asked_in:
        markup = with_language_offer(reply_t, markup)
    shown = reply.text
    session = content.pack.session(answer.match.id) if answer.match is not None and answer.kind == "session" else None
    if session is not None:  # agenda: the organisers' live change, and the follow button
        note, follow = await card_extras(context, content.pack, session)
        shown = note + shown
        if follow:
            markup = InlineKeyboardMarkup([follow, *(markup.inline_keyboard if markup else ())])
    await reply_in_parts(message, shown, markup)
    if answer.match is None and answer.kind != "empty":
        await record_unanswered(context, text, content.pack.version, reply_t.lang)
    if reply.offer_liaison:
        await services.liaison.set_draft(context.person, "handoff", question=text)


async def record_unanswered(context: BotContext, text: str, content_version: str, lang: str = "") -> None:
    """Keep a question the bot could not answer for the organisers: after the reply, and best
    effort (a failure here must not cost the person their answer). Logged without the text,
    nor the error's message, which may quote it."""
    try:
        await context.services.questions.record(text, lang or context.t.lang, content_version)
    except Exception as exc:
        log.warning("could not record an unanswered question: %s", type(exc).__name__)
        log.debug("the unanswered question that could not be recorded", exc_info=True)


def with_language_offer(t: Translator, keyboard: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    """The answer's buttons and, last, the one that makes the question's language (``t``'s)
    the person's setting; labelled in that language."""
    rows: list[Sequence[InlineKeyboardButton]] = list(keyboard.inline_keyboard) if keyboard is not None else []
    # TRANSLATORS: a button under an answer given in the language the question was asked in;
    # {language} is that language's name in itself ("Français", "Español")
    text = t._("🌐 Always answer me in {language}").format(language=language_in_sentence(t.lang))
    rows.append([keyboards.button(keyboards.label(text), Action.LANGUAGE, t.lang)])
    return InlineKeyboardMarkup(rows)


def answer_keyboard(t: Translator, pack: ContentPack, answer: Answer, reply: Reply, question: str) -> InlineKeyboardMarkup | None:
    rows: list[Sequence[InlineKeyboardButton]] = []
    if answer.match is not None and answer.kind == "session":
        session = pack.session(answer.match.id)
        if session is not None:
            rows.extend(keyboards.session_keyboard(t, pack, session).inline_keyboard)
    for alternative, label in reply.alternatives[:3]:
        action = ACTION_OF.get(alternative.type)
        if action and keyboards.fits(action, alternative.id):
            rows.append([keyboards.button(keyboards.label(label), action, alternative.id, pack=pack.version)])
    if reply.offer_liaison:
        # the one-tap hand-off: the question travels with it (kept as the person's draft; the
        # tag makes sure that it is this answer's question, not a later one)
        rows.append([keyboards.button(t._("🤝 Ask a liaison officer"), Action.LIAISON_NEW, "q" + question_tag(question), pack=pack.version)])
        rows.append([keyboards.button(t._("☎️ Help desk"), Action.CONTACTS, pack=pack.version)])
        rows.append(keyboards.back_to_menu(t, pack.version))
    return InlineKeyboardMarkup(rows) if rows else None
