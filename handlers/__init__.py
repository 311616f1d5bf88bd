"""Thin PTB handlers: parse the update, call a service, render the reply.

This file is the wiring: the name of every kind of button (:class:`Action`) and which handler
gets which update, in order. A new feature adds its actions here, its handlers in its own
module (commands, and its buttons as ``BUTTONS = feature_buttons(...)``, see
:mod:`handlers.buttons`), and one line each below.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram.ext import Application

    from handlers.context import BotContext


class Action(StrEnum):
    """Every kind of inline button. The value is the code written in the button's data, which
    Telegram limits to 64 bytes in all: codes stay short (at most 8 lowercase letters), and
    never change, since buttons already sent keep them."""

    MENU = "menu"  # the main menu
    LANGUAGE = "lang"  # the language picker; with a language code, choose it
    PROGRAMME = "prog"  # a page of the programme (bot.programme.ProgrammePage)
    SESSION = "sess"  # a session's card
    VENUES = "venues"  # the list of venues
    VENUE = "venue"  # a venue's card and its rooms
    ROOM = "room"  # a room's card
    MAP = "map"  # a venue's location pin (for a venue or one of its rooms)
    FAQ_TOPICS = "faq"  # the practical information's topics; with a topic, its questions
    FAQ_ANSWER = "faqe"  # one question of the practical information, answered
    CONTACTS = "contacts"  # the help-desk contacts
    CONTACT = "contact"  # one contact's card
    # -- agenda and reminders (handlers/agenda.py) --
    FOLLOW = "follow"  # add a session to my agenda
    UNFOLLOW = "unfollow"  # remove a session from my agenda (an automatic follow included)
    AGENDA = "agenda"  # my agenda
    REMINDERS = "remind"  # reminder settings; with 10/15/30/60/off/default, choose it
    DFOLLOW = "dfollow"  # a focal point adds a session for their whole delegation
    DUNFOLLOW = "dunfol"  # ... and removes it
    # -- broadcasts (handlers/broadcast.py) --
    BROADCAST = "bcast"  # an organiser's step on a broadcast: "<op>.<id>[.<value>]"
    BROADCAST_CONFIRM = "bcack"  # a recipient confirms receipt of a broadcast (its id)
    # liaison requests (the codes are bot.services.liaison_render's, which makes the buttons)
    LIAISON_NEW = "lnew"  # the categories; with a category id, ask for the request
    LIAISON_MINE = "lmine"  # the delegate's requests (as /requests)
    LIAISON_QUEUE = "lqueue"  # an officer's queue (as /queue)
    LIAISON_SHOW = "lshow"  # a request's card
    LIAISON_CLAIM = "lclaim"  # an officer claims a request
    LIAISON_REPLY = "lreply"  # the next message is for a request
    LIAISON_QUICK = "lquick"  # an officer's quick replies; with <id>.<reply>, send one
    LIAISON_RESOLVE = "lresolve"
    LIAISON_REOPEN = "lreopen"
    LIAISON_CANCEL = "lcancel"
    LIAISON_RATE = "lrate"  # <id>.<stars>
    # -- learning from the event (handlers/learn.py) --
    LEARN = "learn"  # organisers: the candidate entries for a group of unanswered questions
    ATTACH = "attach"  # organisers: attach that group to an entry (<question id>:<type>:<id>)


def register(application: Application[Any, BotContext, Any, Any, Any, Any]) -> None:
    from telegram import Update
    from telegram.ext import CommandHandler, MessageHandler, TypeHandler, filters

    from handlers import (
        agenda,
        ask,
        broadcast,
        buttons,
        context,
        fallbacks,
        invites,
        language,
        learn,
        liaison,
        organiser,
        places,
        practical,
        programme,
        roles,
        start,
    )

    # Group -1 runs before every other group: the person behind the update is recorded (and
    # created on first contact) once, and carried by the context to the handler of group 0.
    application.add_handler(TypeHandler(Update, context.resolve_person), group=-1)

    # Group 0: PTB runs the first handler that matches, so the order matters where two
    # could match: each command before the catch-all for unknown commands, each feature's
    # buttons before the catch-all for button data nobody claims.
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start.start, filters=private))
    application.add_handler(CommandHandler("help", start.help_command, filters=private))
    application.add_handler(CommandHandler("menu", start.menu_command, filters=private))
    application.add_handler(CommandHandler("language", language.language_command, filters=private))
    application.add_handler(CommandHandler("invite", organiser.invite_command, filters=private))
    application.add_handler(CommandHandler("unanswered", learn.unanswered_command, filters=private))
    application.add_handler(CommandHandler("reload", organiser.reload_command, filters=private))
    application.add_handler(CommandHandler("invites", invites.invites_command, filters=private))
    application.add_handler(CommandHandler("revoke", invites.revoke_command, filters=private))
    application.add_handler(CommandHandler("role", roles.role_command, filters=private))
    application.add_handler(CommandHandler("assign", roles.assign_command, filters=private))
    # agenda and reminders
    application.add_handler(CommandHandler("agenda", agenda.agenda_command, filters=private))
    application.add_handler(CommandHandler("reminders", agenda.reminders_command, filters=private))
    application.add_handler(CommandHandler("briefing", agenda.briefing_command, filters=private))
    application.add_handler(CommandHandler("delay", agenda.delay_command, filters=private))
    application.add_handler(CommandHandler("requests", liaison.requests_command, filters=private))
    application.add_handler(CommandHandler("queue", liaison.queue_command, filters=private))
    application.add_handler(CommandHandler("duty", liaison.duty_command, filters=private))
    application.add_handler(CommandHandler("handover", liaison.handover_command, filters=private))
    application.add_handler(CommandHandler("escalate", liaison.escalate_command, filters=private))
    application.add_handler(CommandHandler("attach", learn.attach_command, filters=private))
    application.add_handler(CommandHandler("focal", agenda.focal_command, filters=private))
    if "services" in application.bot_data:  # the renderers of reminders and notices, at send time
        agenda.register_renderers(application.bot_data["services"])

    application.add_handler(start.BUTTONS)  # the main menu
    application.add_handler(language.BUTTONS)  # the language picker
    application.add_handler(programme.BUTTONS)  # days, kinds, now and next, session cards
    application.add_handler(places.BUTTONS)  # venues, rooms, maps
    application.add_handler(practical.BUTTONS)  # practical information and contacts
    application.add_handler(agenda.BUTTONS)  # follow, my agenda, reminder settings
    application.add_handler(CommandHandler("broadcast", broadcast.broadcast_command, filters=private))
    application.add_handler(CommandHandler("broadcasts", broadcast.broadcasts_command, filters=private))
    application.add_handler(broadcast.BUTTONS)  # composing, approving, following; confirming receipt
    # an organiser's typed answers while composing (what the step in the database asks for);
    # any other private text, photo or document goes on to liaison.on_message, as below
    broadcast.register(application, otherwise=liaison.on_message)
    application.add_handler(liaison.BUTTONS)  # liaison requests: categories, claim, reply, resolve
    application.add_handler(learn.BUTTONS)  # organisers: attach unanswered questions to entries
    application.add_handler(buttons.INVALID_DATA)  # last of the buttons: data nobody claims

    # liaison first: a message for a request (a reply to the bot's message about one, or what the
    # person's draft says) is passed on; anything else it hands to ask.on_text / fallbacks.not_text
    for handler in liaison.message_handlers():
        application.add_handler(handler)
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, ask.on_text))
    # last: the commands no handler above took, and what is neither text nor a status update
    application.add_handler(MessageHandler(private & filters.COMMAND, fallbacks.unknown_command))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, fallbacks.not_text))
    application.add_error_handler(fallbacks.on_error)
