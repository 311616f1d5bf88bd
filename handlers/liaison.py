"""Liaison requests, the Telegram side: the delegate's "Contact my liaison officer" (from the menu
or from an unsure answer, with the question), categories, the request itself (text, photo,
location, document), /requests; the officers' Claim, Reply, Quick replies, Resolve, /queue,
/duty, /handover, /escalate; relays both ways (a Telegram reply to one of the bot's messages
about a request, the Reply button, or a message in the request's forum topic).

Everything is decided by :class:`bot.services.liaison.LiaisonService`; this module parses and
renders. Messages to other people go through the outbox (the service writes them).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes, ExtBot, MessageHandler, filters

from bot import callbacks
from bot.callbacks import Gone, InvalidArgument, InvalidButton
from bot.catalog.models import ContentPack
from bot.delivery.botapi import NO_LIMITER_RETRIES, describe
from bot.i18n import N_, Translator, translator
from bot.services import liaison_render as render
from bot.services.liaison import (
    DRAFT_TTL,
    PROMPTS,
    LiaisonService,
    Problem,
    Refused,
    TopicMaker,
    TopicSwitch,
    may_act_on,
    question_tag,
)
from bot.services.liaison_render import Sent
from bot.store.models import LiaisonRequest, Person, RequestStatus
from handlers import Action, ask, fallbacks, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext

log = logging.getLogger(__name__)
#: a request's number: ASCII digits that fit the id column (a 32-bit integer in PostgreSQL)
ID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
SWEEP_SECONDS = 30

#: refusals of a message that the same draft can take once sent again (shorter, not empty)
RESEND = frozenset({Problem.EMPTY, Problem.TOO_LARGE})

PROBLEMS = {
    Problem.NOT_FOUND: N_("This request does not exist, or it is not yours."),
    Problem.NOT_OFFICER: N_("Only liaison officers can do this."),
    Problem.NOT_HOLDER: N_("Another officer holds this request: only they or a supervisor can do this."),
    Problem.TAKEN: N_("Another officer has already taken this request."),
    Problem.CLOSED: N_("This request is closed (resolved or cancelled), so nothing was sent. "
                       "Open /requests to reopen it, or start a new one."),
    Problem.NOT_RESOLVED: N_("This request is not resolved."),
    Problem.EMPTY: N_("Your message is empty. Please write what you need."),
    Problem.UNKNOWN_CATEGORY: N_("This kind of request is no longer offered. Please choose another one."),
    Problem.TOO_LARGE: N_("This file is too large to pass on. Please send a smaller one, or describe it in words."),
    Problem.NO_SUCH_OFFICER: N_("There is no liaison officer by that name or id."),
    Problem.BAD_RATING: N_("This button is no longer valid."),
    Problem.UNREACHABLE: N_("The delegate has blocked the bot: your message could not be passed on."),
    Problem.NO_SUPERVISOR: N_("There is no liaison supervisor, nor an officers' group, to escalate to: "
                              "nothing was sent. Hand the request over to another officer with /handover."),
}


def refusal(t: Translator, refused: Refused) -> str:
    if refused.problem == Problem.TAKEN and refused.holder_name:
        # TRANSLATORS: {name} is the first name of the officer who claimed the request first
        return t._("{name} has already taken this request.").format(name=render.esc(t, refused.holder_name))
    return t._(PROBLEMS[refused.problem])


def status_label(t: Translator, request: LiaisonRequest) -> str:
    if request.status == RequestStatus.OPEN:
        return t.pgettext("request status", "waiting for an officer")
    if request.status == RequestStatus.CLAIMED:
        return t.pgettext("request status", "in progress")
    if request.status == RequestStatus.RESOLVED:
        return t.pgettext("request status", "resolved")
    return t.pgettext("request status", "cancelled")


def line(t: Translator, pack: ContentPack, request: LiaisonRequest) -> str:
    mark = "🚨 " if request.urgent else ""
    return f"{mark}{t.isolate(f'#{request.id}')} · {render.category_name(t, pack, request.category)} · {status_label(t, request)}"


# -- argument rules -------------------------------------------------------------------------------
def request_id(argument: str, pack: ContentPack) -> int:
    if not ID_RE.match(argument):
        raise InvalidArgument(argument)
    return int(argument)


def id_and(argument: str, pack: ContentPack) -> tuple[int, str]:
    """``<id>`` or ``<id>.<word>`` (a quick reply's id, a rating)."""
    head, _, tail = argument.partition(".")
    return request_id(head, pack), tail


#: "keep the question" in a hand-off button: q, and the question's tag (older buttons: q alone)
QUESTION_FLAG = re.compile(r"q(?:[0-9a-f]{6})?")


def new_request(argument: str, pack: ContentPack) -> tuple[str, str | None]:
    """'' (the categories), 'q<tag>' (the categories, keeping the unanswered question whose
    :func:`~bot.services.liaison.question_tag` is ``tag``), '<category>' or '<category>.q<tag>'.
    Returns the category ('' for the list) and the tag (None: no question travels). Buttons
    sent before tags existed say 'q' alone: the latest unsure question, as they did. A
    category that left the pack is refused as stale."""
    if "." in argument:
        category, _, flag = argument.partition(".")
        if not category:
            raise InvalidArgument(argument)
    elif QUESTION_FLAG.fullmatch(argument):
        category, flag = "", argument
    else:
        category, flag = argument, ""
    if flag and not QUESTION_FLAG.fullmatch(flag):
        raise InvalidArgument(argument)
    tag = flag[1:] if flag else None
    if not category:
        return "", tag
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", category):
        raise InvalidArgument(argument)
    if pack.liaison_category(category) is None:
        raise Gone(category)
    return category, tag


# -- the delegate's side --------------------------------------------------------------------------
def categories_keyboard(t: Translator, pack: ContentPack, tag: str | None) -> InlineKeyboardMarkup:
    rows = []
    for category in pack.liaison_categories:
        arg = f"{category.id}.q{tag}" if tag is not None else category.id
        if keyboards.fits(Action.LIAISON_NEW, arg):
            mark = "🚨 " if category.urgent else ""
            label = keyboards.label(mark + category.name.get(t.lang, pack.default_language))
            rows.append([keyboards.button(label, Action.LIAISON_NEW, arg, pack=pack.version)])
    rows.append(keyboards.back_to_menu(t, pack.version))
    return InlineKeyboardMarkup(rows)


async def show_new(update: Update, context: BotContext, pressed: Pressed[tuple[str, str | None]]) -> None:
    t, pack = context.t, pressed.pack
    category, tag = pressed.value
    if not category:
        await show(update, t.paragraph(t._("What do you need help with? Choose a category.")),
                   categories_keyboard(t, pack, tag))
        return
    question = None
    if tag is not None:
        # the question under whose answer the button was pressed, never a later one
        draft = await context.services.liaison.draft(context.person)
        if draft is not None and draft.mode == "handoff" and draft.question is not None \
                and tag in ("", question_tag(draft.question)):
            question = draft.question
    await context.services.liaison.set_draft(context.person, "new", category=category, question=question)
    name = render.esc(t, render.category_name(t, pack, category))
    # TRANSLATORS: {category} is the kind of request chosen ("Transport")
    text = t._("{category}: please describe your request in one message. You can send text, a photo, "
               "a location or a document.").format(category=f"<b>{name}</b>")
    await show(update, t.paragraph(text), InlineKeyboardMarkup([keyboards.back_to_menu(t, pack.version)]))


async def my_requests(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    t, pack = context.t, context.services.content.current.pack
    mine = await context.services.liaison.mine(context.person)
    if not mine:
        return t.paragraph(t._("You have no requests yet.")), InlineKeyboardMarkup(
            [[keyboards.button(t._("🤝 Contact my liaison officer"), Action.LIAISON_NEW, pack=pack.version)]])
    rows = [[keyboards.button(keyboards.label(line(t, pack, r)), Action.LIAISON_SHOW, str(r.id))] for r in mine[:10]]
    rows.append(keyboards.back_to_menu(t, pack.version))
    return t.paragraph(t._("Your requests:")), InlineKeyboardMarkup(rows)


View = Callable[[BotContext], Awaitable[tuple[str, InlineKeyboardMarkup | None]]]


async def reply_with(update: Update, context: BotContext, view: View) -> None:
    """A command's answer: the view (text and buttons) its menu button shows in place."""
    message = update.effective_message
    if message is None:
        return
    text, markup = await view(context)
    await message.reply_text(text, reply_markup=markup)


async def requests_command(update: Update, context: BotContext) -> None:
    await reply_with(update, context, my_requests)


async def show_mine(update: Update, context: BotContext, pressed: Pressed[None]) -> None:
    text, markup = await my_requests(context)
    await show(update, text, markup)


async def show_request(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    t, pack, liaison = context.t, pressed.pack, context.services.liaison
    try:
        request = await liaison.get(context.person, pressed.value)
    except Refused as refused:
        return refusal(t, refused)
    rid = str(request.id)
    if request.delegate_id == context.person.id:
        rows = []
        if request.status in (RequestStatus.OPEN, RequestStatus.CLAIMED):
            rows.append([keyboards.button(t.pgettext("button", "✉️ Add a message"), Action.LIAISON_REPLY, rid),
                         keyboards.button(t.pgettext("button", "✖️ Cancel the request"), Action.LIAISON_CANCEL, rid)])
        elif request.status == RequestStatus.RESOLVED:
            rows.append([keyboards.button(t.pgettext("button", "🔄 Reopen"), Action.LIAISON_REOPEN, rid)])
        await show(update, t.paragraph(f"<b>{render.esc(t, line(t, pack, request))}</b>"), InlineKeyboardMarkup(rows))
        return None
    claim = request.status == RequestStatus.OPEN
    # another officer's request in progress is shown without buttons its holder alone may use
    # (a supervisor may act on any); the actions check this again in the database
    may_act = claim or (request.status == RequestStatus.CLAIMED and may_act_on(context.person, request))
    markup = _markup(render.officer_buttons(t, request.id, claim=claim)) if may_act else None
    await show(update, t.paragraph(f"<b>{render.esc(t, line(t, pack, request))}</b>"), markup, new=True)
    return None


async def cancel_request(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    t = context.t
    try:
        request = await context.services.liaison.cancel(context.person, pressed.value)
    except Refused as refused:
        return refusal(t, refused)
    # TRANSLATORS: {request} is "Request #12"
    done = t.paragraph(t._("{request} is cancelled.").format(request=render.number(t, request.id)))
    version = pressed.pack.version
    await show(update, done, InlineKeyboardMarkup([
        [keyboards.button(t._("📨 My requests"), Action.LIAISON_MINE, pack=version)], keyboards.back_to_menu(t, version)]))
    return None


async def rate_request(update: Update, context: BotContext, pressed: Pressed[tuple[int, str]]) -> str | None:
    t = context.t
    rid, stars = pressed.value
    if stars not in ("1", "2", "3", "4", "5"):
        raise InvalidArgument(stars)
    try:
        await context.services.liaison.rate(context.person, rid, int(stars))
    except Refused as refused:
        return refusal(t, refused)
    await show(update, t.paragraph(t._("Thank you for your rating.")), None)
    return None


async def reopen_request(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    t = context.t
    try:
        request = await context.services.liaison.reopen(context.person, pressed.value)
    except Refused as refused:
        return refusal(t, refused)
    # TRANSLATORS: {request} is "Request #12"
    await show(update, t.paragraph(t._("{request} is open again.").format(request=render.number(t, request.id))), None)
    return None


# -- the officers' side ---------------------------------------------------------------------------
def _markup(rows: tuple[tuple[render.Button, ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row]
                                 for row in rows])


async def claim_request(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    t, liaison = context.t, context.services.liaison
    query = update.callback_query
    chat = update.effective_chat
    private = chat is not None and chat.type == "private"
    on_card = False
    if private and query is not None and query.message is not None:
        on_card = await liaison.request_of_message(query.message.chat.id, query.message.message_id, wait=0) == pressed.value
    try:
        request = await liaison.claim(context.person, pressed.value, on_card=on_card)
    except Refused as refused:
        log.info("claim of request %s by %s refused: %s", pressed.value, context.person.telegram_id, refused.problem)
        return refusal(t, refused)
    if query is not None and query.message is not None:
        # in the group the Claim button goes (everyone sees it is taken); on the officer's own
        # card it becomes the holder's buttons
        markup = _markup(render.officer_buttons(t, request.id, claim=False)) if on_card else None
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(markup)
    # TRANSLATORS: {request} is "Request #12"
    return t._("You now hold {request}.").format(request=render.number(t, request.id))


async def reply_button(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    t, liaison = context.t, context.services.liaison
    try:
        request = await liaison.get(context.person, pressed.value)
    except Refused as refused:
        return refusal(t, refused)
    if request.status not in (RequestStatus.OPEN, RequestStatus.CLAIMED):
        return t._(PROBLEMS[Problem.CLOSED])
    mode = "add" if request.delegate_id == context.person.id else "reply"
    if mode == "reply":  # refused now rather than after they typed their answer
        try:
            await liaison.check_holder(context.person, request.id)
        except Refused as refused:
            return refusal(t, refused)
    await liaison.set_draft(context.person, mode, request_id=request.id)
    chat = update.effective_chat
    if chat is not None:
        # TRANSLATORS: {request} is "Request #12"
        text = t._("Write your message for {request}: text, a photo, a location or a document.").format(
            request=render.number(t, request.id))
        await context.bot.send_message(chat.id, t.paragraph(text))
    return None


async def quick_replies(update: Update, context: BotContext, pressed: Pressed[tuple[int, str]]) -> str | None:
    t, pack, liaison = context.t, pressed.pack, context.services.liaison
    rid, reply_id = pressed.value
    if reply_id:
        if pack.quick_reply(reply_id) is None:
            raise InvalidArgument(reply_id)
        try:
            await liaison.reply(context.person, rid, quick=reply_id)
        except Refused as refused:
            return refusal(t, refused)
        return t._("Sent.")
    try:
        request = await liaison.get(context.person, rid)
    except Refused as refused:
        return refusal(t, refused)
    if not context.person.is_officer:
        return t._(PROBLEMS[Problem.NOT_OFFICER])
    rows = [[keyboards.button(keyboards.label(q.text.get(t.lang, pack.default_language)), Action.LIAISON_QUICK,
                              f"{rid}.{q.id}", pack=pack.version)]
            for q in pack.quick_replies_for(request.category) if keyboards.fits(Action.LIAISON_QUICK, f"{rid}.{q.id}")]
    if not rows:
        return t._("This event has no quick replies for this request.")
    await show(update, t.paragraph(t._("Choose a quick reply: it is sent in the delegate's language.")),
               InlineKeyboardMarkup(rows), new=True)
    return None


async def resolve_request(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    t = context.t
    try:
        request = await context.services.liaison.resolve(context.person, pressed.value)
    except Refused as refused:
        return refusal(t, refused)
    # TRANSLATORS: {request} is "Request #12"
    return t._("{request} is resolved.").format(request=render.number(t, request.id))


async def queue_view(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    """An officer's queue (/queue, the menu's button): theirs, unclaimed, overdue; or the refusal."""
    t, pack = context.t, context.services.content.current.pack
    try:
        queue = await context.services.liaison.queue(context.person)
    except Refused as refused:
        return t.paragraph(refusal(t, refused)), None
    rows: list[list[InlineKeyboardButton]] = []
    lines = []
    for title, items, count in ((t._("Mine"), queue.mine, len(queue.mine)),
                                (t._("Unclaimed"), queue.unclaimed, max(queue.unclaimed_count, len(queue.unclaimed))),
                                (t._("Overdue"), queue.overdue, max(queue.overdue_count, len(queue.overdue)))):
        lines.append(f"<b>{title}</b>: {t.number(count)}")
        rows += [[keyboards.button(keyboards.label(f"{title} · {line(t, pack, r)}"), Action.LIAISON_SHOW, str(r.id))]
                 for r in items[:8]]
    return t.paragraph("\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None


async def queue_command(update: Update, context: BotContext) -> None:
    await reply_with(update, context, queue_view)


async def show_queue(update: Update, context: BotContext, pressed: Pressed[None]) -> None:
    text, markup = await queue_view(context)
    rows = [*(markup.inline_keyboard if markup else ()), keyboards.back_to_menu(context.t, pressed.pack.version)]
    await show(update, text, InlineKeyboardMarkup(rows))


async def duty_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t = context.t
    args = [a.lower() for a in (context.args or [])]
    if args not in (["on"], ["off"]):
        await message.reply_text(t.paragraph(t._("Use /duty on or /duty off.")))
        return
    try:
        moved = await context.services.liaison.set_duty(context.person, args[0] == "on")
    except Refused as refused:
        await message.reply_text(t.paragraph(refusal(t, refused)))
        return
    if args[0] == "on":
        text = t._("You are on duty: new requests can come to you.")
    elif not moved:
        text = t._("You are off duty.")
    elif not await context.services.liaison.officers_on_duty():
        # TRANSLATORS: {count} is how many of the officer's open requests went back to the queue
        text = t.ngettext("You are off duty. No other officer is on duty: {count} open request waits for the next one.",
                          "You are off duty. No other officer is on duty: {count} open requests wait for the next one.",
                          len(moved)).format(count=t.number(len(moved)))
    else:
        # TRANSLATORS: {count} is how many of the officer's open requests went to other officers
        text = t.ngettext("You are off duty. {count} open request was passed to other officers.",
                          "You are off duty. {count} open requests were passed to other officers.",
                          len(moved)).format(count=t.number(len(moved)))
    await message.reply_text(t.paragraph(text))


async def _target(context: BotContext, who: str) -> Person | None:
    try:
        return await context.services.roles.find(who)
    except Exception:  # unknown or ambiguous: the same answer
        return None


async def handover_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t, args = context.t, context.args or []
    if len(args) < 2 or not ID_RE.match(args[0].lstrip("#")):
        await message.reply_text(t.paragraph(t._("Use /handover NUMBER OFFICER [NOTE], for example /handover 12 @anna the car is booked.")))
        return
    target = await _target(context, args[1])
    try:
        if target is None:
            raise Refused(Problem.NO_SUCH_OFFICER)
        request = await context.services.liaison.hand_over(context.person, int(args[0].lstrip("#")), target,
                                                           " ".join(args[2:]))
    except Refused as refused:
        await message.reply_text(t.paragraph(refusal(t, refused)))
        return
    # TRANSLATORS: {request} is "Request #12", {name} the officer's first name
    await message.reply_text(t.paragraph(t._("{request} is handed over to {name}.").format(
        request=render.number(t, request.id), name=render.esc(t, target.first_name))))


async def escalate_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    t, args = context.t, context.args or []
    if not args or not ID_RE.match(args[0].lstrip("#")):
        await message.reply_text(t.paragraph(t._("Use /escalate NUMBER [NOTE].")))
        return
    try:
        request = await context.services.liaison.escalate(context.person, int(args[0].lstrip("#")), " ".join(args[1:]))
    except Refused as refused:
        await message.reply_text(t.paragraph(refusal(t, refused)))
        return
    # TRANSLATORS: {request} is "Request #12"
    await message.reply_text(t.paragraph(t._("{request} is escalated to the supervisors.").format(
        request=render.number(t, request.id))))


# -- messages: a new request, a relay, or not ours --------------------------------------------------
def sent_of(message: Message) -> Sent | None:
    if message.photo:
        photo = message.photo[-1]
        return Sent("photo", message.caption or "", photo.file_id, photo.file_size)
    if message.document is not None:
        return Sent("document", message.caption or "", message.document.file_id, message.document.file_size)
    if message.location is not None:
        return Sent("location", latitude=message.location.latitude, longitude=message.location.longitude)
    if message.text is not None:
        return Sent("text", message.text)
    return None


#: buttons whose data name the request of the message they are under
REQUEST_BUTTONS = frozenset({render.CLAIM, render.REPLY, render.QUICK, render.RESOLVE})


async def replied_request(liaison: LiaisonService, replied: Message) -> int | None:
    """The request of a bot's message someone replied to: named by its buttons when it has
    some (Telegram sends them with the reply: no lookup, no wait for the sender to note the
    message's id), else looked up among the messages the outbox sent."""
    markup = replied.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            data = callbacks.decode(button.callback_data if isinstance(button.callback_data, str) else None)
            if data is not None and data.code in REQUEST_BUTTONS:
                head = data.argument.partition(".")[0]
                if ID_RE.match(head):
                    return int(head)
    return await liaison.request_of_message(replied.chat.id, replied.message_id)


async def on_message(update: Update, context: BotContext) -> None:
    """A private message: for a request when it replies to one of the bot's messages about one, or
    when the person's draft says so; else a question (text) or the "text only" answer."""
    message = update.effective_message
    if message is None:
        return
    if not await relay_private(update, context, message):
        if message.text is not None:
            await ask.on_text(update, context)
        else:
            await fallbacks.not_text(update, context)


async def relay_private(update: Update, context: BotContext, message: Message) -> bool:
    liaison, t, person = context.services.liaison, context.t, context.person
    sent = sent_of(message)
    if sent is None:  # a sticker, a voice message...: what a request cannot carry
        draft = await liaison.draft(person)
        if draft is None or draft.mode not in PROMPTS:
            return False
        await message.reply_text(t.paragraph(t._("Please send text, a photo, a location or a document.")))
        return True
    target: int | None = None
    mode = None
    if message.reply_to_message is not None and message.reply_to_message.from_user is not None \
            and message.reply_to_message.from_user.id == context.bot.id:
        target = await replied_request(liaison, message.reply_to_message)
    draft = None
    if target is None:
        draft = await liaison.draft(person)
        if draft is None or draft.mode not in PROMPTS:
            return False
        if draft.updated_at < context.services.clock.now() - DRAFT_TTL:
            await liaison.drop_draft(person)
            return False
        mode, target = draft.mode, draft.request_id
    try:
        if mode == "new":
            assert draft is not None and draft.category is not None
            await liaison.open(person, draft.category, sent, question=draft.question)
            return True  # the confirmation with the number comes through the outbox
        assert target is not None
        request = await liaison.get(person, target)
        if request.delegate_id == person.id:
            await liaison.add(person, target, sent)
        else:
            await liaison.reply(person, target, sent)
        if draft is not None:  # after the Reply button, say it went; a Telegram reply is its own receipt
            await liaison.drop_draft(person)
            await message.reply_text(t.paragraph(t._("Passed on.")))
    except Refused as refused:
        log.info("liaison message from %s refused: %s", person.telegram_id, refused.problem)
        if draft is not None and refused.problem not in RESEND:
            # sending again cannot help (closed, held by another, unreachable...): the person's
            # next message is theirs again, a question or a command, not refused the same way
            await liaison.drop_draft(person)
        await message.reply_text(t.paragraph(refusal(t, refused)))
    return True


async def on_group_message(update: Update, context: BotContext) -> None:
    """A message in the officers' group: an answer when it is in a request's topic or replies to
    one of the bot's messages about a request. The author must be an officer (from the database)."""
    message, user = update.effective_message, update.effective_user
    liaison = context.services.liaison
    if message is None or user is None or user.is_bot or message.chat_id != liaison.group_id:
        return
    target = None
    if message.is_topic_message and message.message_thread_id is not None:
        target = await liaison.request_of_thread(message.chat_id, message.message_thread_id)
    if target is None and message.reply_to_message is not None:
        target = await replied_request(liaison, message.reply_to_message)
    sent = sent_of(message)
    if target is None or sent is None:
        return
    person = await context.services.people.get(user.id)
    if person is None:
        return
    try:
        await liaison.reply(person, target, sent)
    except Refused as refused:
        log.info("liaison group message from %s refused: %s", user.id, refused.problem)
        await message.reply_text(refusal(translator(person.language), refused))


# -- wiring ---------------------------------------------------------------------------------------
BUTTONS = feature_buttons(
    Route(Action.LIAISON_NEW, show_new, argument=new_request),
    Route(Action.LIAISON_MINE, show_mine),
    Route(Action.LIAISON_QUEUE, show_queue, accredited=False),
    Route(Action.LIAISON_SHOW, show_request, argument=request_id),
    Route(Action.LIAISON_CLAIM, claim_request, argument=request_id, accredited=False),
    Route(Action.LIAISON_REPLY, reply_button, argument=request_id, accredited=False),
    Route(Action.LIAISON_QUICK, quick_replies, argument=id_and, accredited=False),
    Route(Action.LIAISON_RESOLVE, resolve_request, argument=request_id, accredited=False),
    Route(Action.LIAISON_REOPEN, reopen_request, argument=request_id, accredited=False),
    Route(Action.LIAISON_CANCEL, cancel_request, argument=request_id, accredited=False),
    Route(Action.LIAISON_RATE, rate_request, argument=id_and, accredited=False),
)


def message_handlers() -> list[MessageHandler[BotContext, None]]:
    """Private messages (a request's, else a question), and messages in groups (only the
    officers' group, ``LIAISON_GROUP_CHAT_ID``, is read: see :func:`on_group_message`)."""
    kinds = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.LOCATION | filters.Document.ALL
    private = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    return [MessageHandler(private, on_message),
            MessageHandler(filters.ChatType.GROUPS & kinds, on_group_message)]


def topic_maker(bot: Bot) -> TopicMaker:
    """Makes a request's forum topic in the officers' group; None when the group is no forum."""
    not_forums: set[int] = set()

    async def make(chat_id: int, name: str) -> int | None:
        if chat_id in not_forums:
            return None
        try:
            topic = await bot.create_forum_topic(chat_id, name)
        except BadRequest as exc:
            log.info("liaison: no forum topic in %s: %s", chat_id, exc.message)
            not_forums.add(chat_id)
            return None
        return topic.message_thread_id

    return make


def topic_switch(bot: Bot) -> TopicSwitch:
    """Closes or reopens a request's forum topic. True when that is done or never will be:
    ``TOPIC_NOT_MODIFIED`` (it already is), any other refusal (the topic deleted, no rights, not
    a forum, the bot no longer in the group: logged, not tried again); False after a 429, a 5xx
    or a network error, for the next sweep to try again (the rate limiter does not retry it)."""
    extra: dict[str, Any] = ({"api_kwargs": dict(NO_LIMITER_RETRIES)}
                             if isinstance(bot, ExtBot) and bot.rate_limiter else {})

    async def switch(chat_id: int, thread_id: int, closed: bool) -> bool:
        try:
            if closed:
                await bot.close_forum_topic(chat_id, thread_id, **extra)
            else:
                await bot.reopen_forum_topic(chat_id, thread_id, **extra)
        except (BadRequest, Forbidden, ChatMigrated) as exc:
            if "topic_not_modified" not in exc.message.lower():
                log.info("liaison: topic %s in %s left %s: %s", thread_id, chat_id,
                         "open" if closed else "closed", describe(exc))
            return True
        except TelegramError as exc:
            log.info("liaison: topic %s in %s not %s yet: %s", thread_id, chat_id,
                     "closed" if closed else "reopened", describe(exc))
            return False
        return True

    return switch


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = context.application.bot_data["services"]
    swept = await services.liaison.sweep()
    if swept.escalated or swept.reminded or swept.topics:
        log.info("liaison sweep: %d escalated, %d reminded, %d topic(s) closed or reopened",
                 len(swept.escalated), len(swept.reminded), len(swept.topics))


def start(application: Application) -> None:
    """After start-up: forum topics through this bot (made, closed, reopened), the sweep every
    30 s (on the event clock)."""
    services = application.bot_data["services"]
    services.liaison.topics = topic_maker(application.bot)
    services.liaison.topic_switch = topic_switch(application.bot)
    if application.job_queue is not None:
        for job in application.job_queue.get_jobs_by_name("liaison-sweep"):
            job.schedule_removal()
        application.job_queue.run_repeating(sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS,
                                            name="liaison-sweep", job_kwargs={"misfire_grace_time": None})


__all__ = ["BUTTONS", "InvalidButton", "start"]
