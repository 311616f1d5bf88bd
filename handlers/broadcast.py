"""/broadcast and /broadcasts: organisers compose, check, send, follow, correct and recall a
broadcast (the rules are in :mod:`bot.services.broadcast`); recipients confirm receipt.

The role is read from the database on every step, every button and every typed answer. The
draft lives in the database (a restart keeps it: /broadcast opens it again), and so does what
the author is asked to type next (a text, delegation codes, ids, a time: the step, see
:meth:`BroadcastService.step`), so that an answer typed after a restart still lands in the
draft. PTB's filters cannot read the database: :func:`on_message` looks the step up for every
private text, photo or document, and passes on what is not an answer to one.

The author's progress message is edited about once a second by one repeating job
(:func:`follow_broadcasts`) and ends as the report.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from babel.dates import format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import Message as TgMessage
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, MessageHandler, filters

from bot import callbacks
from bot.callbacks import InvalidArgument
from bot.cards import delegation_name, pack_name
from bot.cards import value as value_in_sentence
from bot.catalog.models import ContentPack
from bot.delivery.message import Message
from bot.i18n import LANGUAGES, N_, Translator, translator
from bot.services import broadcast as bc
from bot.services.broadcast import BroadcastError, BroadcastService, Problem, Step
from bot.services.people import AccessDenied
from bot.store.models import Broadcast, BroadcastState, Person, Role
from bot.telegram_text import cut, whole_lines
from handlers import Action
from handlers.buttons import Pressed, Route, feature_buttons
from handlers.context import BotContext

log = logging.getLogger(__name__)
OP_RE = re.compile(r"^([a-z]{1,4})\.([0-9]{1,9})(?:\.([a-z0-9_]{1,12}))?$")
FOLLOW_EVERY_S = 1.0
#: a progress message is edited at most this often while its counts move (a new state shows at
#: once): Telegram lets the bot send about one message a second to a private chat, and each
#: edit took a second from the organiser's own replies there (1-4 s late while a broadcast ran)
PROGRESS_EDIT_EVERY_S = 5.0
MAX_NAMES = 40  # people listed per delegation in the "not confirmed" report
ROLES = (Role.DELEGATE, Role.OFFICER, Role.SUPERVISOR, Role.ORGANISER)
ROLE_AUDIENCE = {
    Role.DELEGATE: N_("all delegates"),
    Role.OFFICER: N_("all liaison officers"),
    Role.SUPERVISOR: N_("all supervising liaison officers"),
    Role.ORGANISER: N_("all organisers"),
}
PROBLEMS = {
    Problem.NOT_ORGANISER: N_("Sorry, this is for organisers only."),
    Problem.NOT_FOUND: N_("This broadcast or session does not exist."),
    Problem.NOT_EDITABLE: N_("This broadcast can no longer be changed."),
    Problem.EMPTY_TEXT: N_("The broadcast has no text yet: send the text first."),
    Problem.NOBODY: N_("Nobody is in this audience: choose another one."),
    Problem.PAST: N_("This time is in the past: give a time to come."),
    Problem.OWN_APPROVAL: N_("A second organiser must approve: you cannot approve your own broadcast."),
    Problem.NOT_AWAITING_APPROVAL: N_("This broadcast is not waiting for approval (any more)."),
    Problem.NOT_SENT: N_("This broadcast has not been sent: cancel it instead."),
    Problem.RECALLED: N_("This broadcast has been recalled already."),
    Problem.NOT_A_RECIPIENT: N_("This message was not sent to you."),
    Problem.NO_APPROVER: N_("A second organiser must approve a broadcast this large, and there is no other organiser: appoint one first."),
}


def progress_edit_due(last: tuple[float, str] | None, now: float, state: str) -> bool:
    """Whether a progress message last edited at ``last`` (monotonic seconds, state shown)
    may be edited ``now`` to show a broadcast in ``state``."""
    return last is None or last[1] != state or now - last[0] >= PROGRESS_EDIT_EVERY_S


def service(context: BotContext) -> BroadcastService:
    return context.services.broadcasts


def problem_text(t: Translator, error: BroadcastError, pack: ContentPack) -> str:
    if error.problem == Problem.TOO_LONG:
        # TRANSLATORS: {language} is a language's name; {length} and {limit} are numbers of characters
        return t._("The text in {language} is too long: {length} characters, at most {limit}. "
                   "Shorten it: a broadcast is never split.").format(
            language=t.language_name(error.detail), length=t.number(error.length), limit=t.number(error.limit))
    if error.problem == Problem.NO_DEFAULT_TEXT:
        # TRANSLATORS: {language} is the event's main language ("English")
        return t._("The text in {language} is needed: people whose language has no text get it.").format(
            language=t.language_name(pack.default_language))
    if error.problem == Problem.BAD_AUDIENCE:
        # TRANSLATORS: {value} is what the organiser typed (codes or ids) that is not known
        return t._("Not recognised: {value}").format(value=t.isolate(html.escape(cut(error.detail, 100))))
    return t._(PROBLEMS.get(error.problem, PROBLEMS[Problem.NOT_EDITABLE]))


def op_button(text: str, op: str, broadcast_id: int, value: str = "") -> InlineKeyboardButton:
    argument = f"{op}.{broadcast_id}" + (f".{value}" if value else "")
    return InlineKeyboardButton(cut(text, 60), callback_data=callbacks.encode(Action.BROADCAST, argument))


async def organiser_now(context: BotContext) -> Person | None:
    try:
        return await context.services.people.require(context.person.telegram_id, Role.ORGANISER)
    except AccessDenied:
        return None


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> TgMessage | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await update.get_bot().send_message(chat.id, text, reply_markup=markup)


# -- the draft's panel ---------------------------------------------------------------------------
def audience_words(t: Translator, audience: dict[str, Any], pack: ContentPack) -> str:
    kind = audience.get("kind")
    if kind == "role":
        return t._(ROLE_AUDIENCE[Role(audience["role"])])
    if kind == "language":
        # TRANSLATORS: an audience: {language} is a language's name
        return t._("everyone reading {language}").format(language=t.language_name(audience["language"]))
    if kind == "delegations":
        # TRANSLATORS: an audience: {codes} lists delegation codes ("FRA, VNM")
        return t._("the delegations {codes}").format(codes=t.isolate(", ".join(audience["codes"])))
    if kind == "people":
        n = len(audience["ids"])
        # TRANSLATORS: an audience given as a list of Telegram ids; {n} is how many ids
        return t.ngettext("{n} recipient chosen by id", "{n} recipients chosen by id", n).format(n=t.number(n))
    if kind == "followers":
        session = pack.session(str(audience.get("session")))
        title = pack_name(t, session.title, pack) if session is not None else value_in_sentence(t, str(audience.get("session")))
        # TRANSLATORS: an audience: {session} is a session's title
        return t._("the followers of {session}").format(session=title)
    if kind == "everyone":
        return t._("everyone")
    return html.escape(str(kind))


async def panel(context: BotContext, b: Broadcast) -> tuple[str, InlineKeyboardMarkup]:
    t, pack, svc = context.t, context.services.content.current.pack, service(context)
    size = await svc.audience_size(b.audience)
    lines = [
        # TRANSLATORS: heading of a broadcast being composed; {id} is its number
        t.heading(t._("Broadcast #{id} (draft)").format(id=b.id)),
        # TRANSLATORS: {audience} describes who gets the broadcast ("all delegates"); {n} how many people
        t.ngettext("Audience: {audience} ({n} recipient)", "Audience: {audience} ({n} recipients)", size).format(
            audience=audience_words(t, b.audience, pack), n=t.number(size)),
    ]
    have = [lang for lang in pack.languages if lang in b.texts]
    missing = [lang for lang in pack.languages if lang not in b.texts]
    if have:
        # TRANSLATORS: {languages} lists the languages the broadcast has a text in
        lines.append(t._("Texts: {languages}").format(languages=t.join([t.language_name(x) for x in have])))
    if not have:  # nothing written yet: not "these readers get the text in English", which it lacks too
        lines.append(t._(PROBLEMS[Problem.EMPTY_TEXT]))
    elif missing:
        # TRANSLATORS: {languages} lists languages without a text; {default} is the main language
        lines.append(t._("No text in {languages}: these readers get the text in {default}.").format(
            languages=t.join([t.language_name(x) for x in missing]), default=t.language_name(pack.default_language)))
    if b.session_id and (session := pack.session(b.session_id)) is not None:
        # TRANSLATORS: {title} is a session's title
        lines.append(t._("Button to the session: {title}").format(
            title=t.isolate(html.escape(session.title.get(t.lang, pack.default_language)))))
    if b.attachment_kind:
        lines.append(t._("Attachment: a photo") if b.attachment_kind == "photo" else t._("Attachment: a document"))
    if b.urgent:
        lines.append(t._("Urgent: sent before everything else."))
    if b.ask_confirm:
        lines.append(t._("Recipients are asked to confirm receipt."))
        if b.chase_after_min:
            # TRANSLATORS: {minutes} is a number of minutes
            lines.append(t._("Reminder to who has not confirmed after {minutes} min.").format(minutes=t.number(b.chase_after_min)))
    lines.append("")
    lines.append(t._("Send the text as a message, or press a language to give its text. A photo or a document sent here becomes the attachment."))
    langs = [op_button(("✓ " if lang in b.texts else "") + lang.upper(), "tx", b.id, lang) for lang in pack.languages]
    rows = [langs[i:i + 4] for i in range(0, len(langs), 4)]
    rows.append([op_button(t._("Audience"), "au", b.id), op_button(t._("Session button"), "ss", b.id)])
    rows.append([op_button(("✓ " if b.ask_confirm else "") + t._("Ask to confirm"), "cf", b.id),
                 op_button(("✓ " if b.urgent else "") + t._("Urgent"), "ur", b.id)])
    extra = []
    if b.ask_confirm:
        extra.append(op_button(t._("Reminder after…"), "ch", b.id))
    if svc.paid_allowed:
        extra.append(op_button(("✓ " if b.paid else "") + t._("Paid (faster)"), "pd", b.id))
    if b.attachment_kind:
        extra.append(op_button(t._("Remove the attachment"), "dx", b.id))
    if extra:
        rows.append(extra)
    rows.append([op_button(t._("Preview"), "pv", b.id), op_button(t._("Cancel"), "x", b.id)])
    return t.paragraph("\n".join(lines)), InlineKeyboardMarkup(rows)


async def show_panel(update: Update, context: BotContext, b: Broadcast, note: str = "", *,
                     answered: bool = False) -> None:
    """The draft's panel. While it is up, a photo or a document becomes the attachment, and a
    first text the default language's text (the step ``any``), unless something more precise
    is asked for this draft (``answered``: what was asked has just been answered)."""
    text, markup = await panel(context, b)
    await service(context).ask_for(context.person, b.id, "any", keep=not answered)
    if note:
        text = context.t.paragraph(note) + "\n\n" + text
    await reply(update, text, markup)


# -- commands --------------------------------------------------------------------------------
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast: open the author's draft (or a new one) and ask for the text."""
    person = await organiser_now(context)
    t = context.t
    if person is None:
        await reply(update, t.paragraph(t._(PROBLEMS[Problem.NOT_ORGANISER])))
        return
    b = await service(context).start(person)
    pack = context.services.content.current.pack
    if pack.default_language not in b.texts:
        await service(context).ask_for(person, b.id, "text", pack.default_language)
    await show_panel(update, context, b)


async def broadcasts_command(update: Update, context: BotContext) -> None:
    """/broadcasts: the latest broadcasts, each with its state and what can be done."""
    person = await organiser_now(context)
    t = context.t
    if person is None:
        await reply(update, t.paragraph(t._(PROBLEMS[Problem.NOT_ORGANISER])))
        return
    items = await service(context).recent(10)
    if not items:
        await reply(update, t.paragraph(t._("No broadcasts yet. Start one with /broadcast.")))
        return
    rows = [[op_button(f"#{b.id} · {state_word(t, b)}", "sh", b.id)] for b in items]
    await reply(update, t.paragraph(t._("The latest broadcasts:")), InlineKeyboardMarkup(rows))


def state_word(t: Translator, b: Broadcast) -> str:
    if b.recalled_at is not None:
        return t.pgettext("broadcast", "recalled")
    return {
        BroadcastState.DRAFT: t.pgettext("broadcast", "draft"),
        BroadcastState.APPROVAL: t.pgettext("broadcast", "waiting for approval"),
        BroadcastState.SCHEDULED: t.pgettext("broadcast", "scheduled"),
        BroadcastState.SENDING: t.pgettext("broadcast", "sending"),
        BroadcastState.DONE: t.pgettext("broadcast", "sent"),
        BroadcastState.CANCELLED: t.pgettext("broadcast", "cancelled"),
    }[b.state]


# -- progress and the report -------------------------------------------------------------------
async def progress_text(services: Any, b: Broadcast, t: Translator) -> tuple[str, InlineKeyboardMarkup | None]:
    svc: BroadcastService = services.broadcasts
    pack = services.content.current.pack
    p = await svc.progress(b)
    # TRANSLATORS: {id} is a broadcast's number, {state} its state ("sending", "sent")
    lines = [t.heading(t._("Broadcast #{id}: {state}").format(id=b.id, state=state_word(t, b)))]
    if b.state == BroadcastState.SCHEDULED and b.send_at is not None:
        # TRANSLATORS: {when} is a day and time
        lines.append(t._("Goes out at {when}.").format(when=t.isolate(t.datetime(b.send_at, pack.tz))))
    # TRANSLATORS: a broadcast's progress; each {…} is a number of people
    lines.append(t._("Sent: {sent} · failed: {failed} · blocked the bot: {blocked} · remaining: {remaining}").format(
        sent=t.number(p.sent), failed=t.number(p.failed), blocked=t.number(p.blocked), remaining=t.number(p.remaining)))
    if p.cancelled:
        # TRANSLATORS: messages of a broadcast that were stopped before they went out
        lines.append(t._("Not sent (stopped): {n}").format(n=t.number(p.cancelled)))
    if p.remaining and b.state == BroadcastState.SENDING:
        left = format_timedelta(dt.timedelta(seconds=max(1.0, p.seconds_left)), locale=t.lang, threshold=1.1)
        # TRANSLATORS: {duration} is a duration ("3 minutes")
        lines.append(t._("Time left: about {duration}").format(duration=left))
    if b.ask_confirm and p.sent:
        confirmed = await svc.confirmed_count(b.id)
        # TRANSLATORS: {confirmed} people confirmed receipt out of {sent} who got the message
        lines.append(t._("Confirmed receipt: {confirmed} of {sent}").format(
            confirmed=t.number(confirmed), sent=t.number(p.sent)))
    if b.recalled_at is not None:
        counts = await svc.recall_counts(b.id)
        # TRANSLATORS: {n} is a number of delivered messages deleted by a recall
        lines.append(t.ngettext("Recalled: {n} message deleted", "Recalled: {n} messages deleted",
                                counts["sent"]).format(n=t.number(counts["sent"])))
    return t.paragraph("\n".join(lines)), actions(t, b)


def actions(t: Translator, b: Broadcast) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if b.state in (BroadcastState.SCHEDULED, BroadcastState.APPROVAL):
        rows.append([op_button(t._("Edit"), "ed", b.id), op_button(t._("Cancel"), "x", b.id)])
    if b.state == BroadcastState.SENDING and b.recalled_at is None:
        rows.append([op_button(t._("Stop sending"), "x", b.id)])
    if b.state in (BroadcastState.SENDING, BroadcastState.DONE) and b.recalled_at is None:
        if b.ask_confirm:
            rows.append([op_button(t._("Who has not confirmed"), "nc", b.id)])
        if not b.attachment_kind:
            rows.append([op_button(t._("Correct the text"), "fx", b.id)])
        rows.append([op_button(t._("Recall (delete)"), "rc", b.id)])
    return InlineKeyboardMarkup(rows) if rows else None


async def post_progress(update: Update, context: BotContext, b: Broadcast) -> None:
    text, markup = await progress_text(context.services, b, context.t)
    sent = await reply(update, text, markup)
    if sent is not None:
        await service(context).set_progress_message(b.id, sent.chat_id, sent.message_id)


async def follow_broadcasts(context: BotContext) -> None:
    """The repeating job: a scheduled broadcast whose time came starts; each running one's
    progress message is edited; one with nothing left becomes the final report."""
    services = context.application.bot_data["services"]
    svc: BroadcastService = services.broadcasts
    shown: dict[int, str] = context.application.bot_data.setdefault("broadcast_progress_shown", {})
    edited: dict[int, tuple[float, str]] = context.application.bot_data.setdefault("broadcast_progress_edited", {})
    for b in await svc.active():
        text = None
        try:
            await svc.advance(b.id)
            if b.recalled_at is not None:
                await svc.follow_recall(b.id)
            fresh = await svc.get(b.id)
            if fresh is None:
                continue
            async with services.db.session() as s:
                author = await s.get(Person, fresh.author_id)
            if author is None:
                continue
            t = translator(author.language)
            text, markup = await progress_text(services, fresh, t)
            if fresh.progress_message_id is None:
                if fresh.approved_by is None:  # composed elsewhere (the CLI, a test): nowhere to show it
                    continue
                # approved by another organiser: the author's status, from now on
                note = t.paragraph(t._("Your broadcast was approved by a second organiser."))
                sent = await context.bot.send_message(author.telegram_id, note + "\n\n" + text, reply_markup=markup)
                await svc.set_progress_message(b.id, sent.chat_id, sent.message_id)
                shown[b.id] = text
                continue
            if shown.get(b.id) == text:
                continue
            if not progress_edit_due(edited.get(b.id), time.monotonic(), fresh.state):
                continue  # shown a moment ago: the new counts wait for the next edit
            edited[b.id] = (time.monotonic(), fresh.state)
            await context.bot.edit_message_text(text, chat_id=fresh.progress_chat_id,
                                                message_id=fresh.progress_message_id, reply_markup=markup)
            shown[b.id] = text
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.info("broadcast %s: progress message not edited: %s", b.id, exc)
            if text is not None:  # tried once: again only when there is something new to show
                shown[b.id] = text  # (a deleted message would otherwise be edited every second)
        except TelegramError as exc:
            log.info("broadcast %s: progress message not edited: %s", b.id, exc)
            if text is not None and isinstance(exc, Forbidden):  # the author blocked the bot
                shown[b.id] = text


def schedule(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if application.job_queue is None:
        return
    application.job_queue.run_repeating(
        follow_broadcasts, interval=FOLLOW_EVERY_S, first=FOLLOW_EVERY_S, name="broadcast-progress",
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )


# -- the preview -----------------------------------------------------------------------------------
async def send_preview(update: Update, context: BotContext, b: Broadcast, *, for_approval: bool) -> None:
    t, svc, pack = context.t, service(context), context.services.content.current.pack
    preview = svc.preview(b)
    chat = update.effective_chat
    assert chat is not None
    bot = update.get_bot()
    too_long = {p.detail for p in preview.problems if p.problem == Problem.TOO_LONG}
    for lang, message in preview.messages.items():
        if lang in too_long:  # Telegram would refuse it: the problem below says why
            continue
        # TRANSLATORS: shown above the preview of one language's message; {language} is its name
        await reply(update, t.paragraph(t._("As readers of {language} will see it:").format(language=t.language_name(lang))))
        await send_exactly(bot, chat.id, message)
    lines = []
    if preview.missing:
        lines.append(t._("No text in {languages}: these readers get the text in {default}.").format(
            languages=t.join([t.language_name(x) for x in preview.missing]),
            default=t.language_name(pack.default_language)))
    problems = list(preview.problems)
    size = b.audience_size if for_approval else await svc.audience_size(b.audience)
    if not size:
        problems.append(BroadcastError(Problem.NOBODY))
    lines += [problem_text(t, p, pack) for p in problems]
    if problems:
        await reply(update, t.paragraph("\n".join(lines)), InlineKeyboardMarkup([[op_button(t._("Back to the draft"), "bk", b.id)]]))
        return
    if for_approval:
        # TRANSLATORS: asked of the approving organiser; {n} is the number of people
        lines.append(t.ngettext("Approve sending it to {n} recipient?", "Approve sending it to {n} recipients?", size).format(n=t.number(size)))
        rows = [[op_button(t._("Approve"), "ok", b.id), op_button(t._("Reject"), "no", b.id)]]
    else:
        # TRANSLATORS: {n} is the number of people the broadcast goes to
        lines.append(t.ngettext("Ready to send to {n} recipient.", "Ready to send to {n} recipients.", size).format(n=t.number(size)))
        if svc.approval_above and size > svc.approval_above:
            lines.append(t._("A second organiser must approve it before it goes out."))
        rows = [[op_button(t._("Send now"), "go", b.id), op_button(t._("Send at a time…"), "at", b.id)],
                [op_button(t._("Back to the draft"), "bk", b.id), op_button(t._("Cancel"), "x", b.id)]]
    await reply(update, t.paragraph("\n".join(lines)), InlineKeyboardMarkup(rows))


async def send_exactly(bot: Any, chat_id: int, m: Message) -> None:
    """The message as the sender will send it (the preview)."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row]
                                   for row in m.buttons]) if m.buttons else None
    if m.photo is not None:
        await bot.send_photo(chat_id, m.photo, caption=m.text or None, reply_markup=markup)
    elif m.document is not None:
        await bot.send_document(chat_id, m.document, caption=m.text or None, reply_markup=markup)
    else:
        await bot.send_message(chat_id, m.text, reply_markup=markup)


# -- buttons -------------------------------------------------------------------------------------
def parse_op(argument: str, pack: ContentPack) -> tuple[str, int, str]:
    match = OP_RE.match(argument)
    if match is None:
        raise InvalidArgument(argument)
    return match.group(1), int(match.group(2)), match.group(3) or ""


def parse_id(argument: str, pack: ContentPack) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", argument):
        raise InvalidArgument(argument)
    return int(argument)


async def on_op(update: Update, context: BotContext, pressed: Pressed[tuple[str, int, str]]) -> str | None:
    op, bid, value = pressed.value
    t = context.t
    person = await organiser_now(context)
    if person is None:
        return t._(PROBLEMS[Problem.NOT_ORGANISER])
    try:
        return await run_op(update, context, person, op, bid, value)
    except BroadcastError as error:
        pack = context.services.content.current.pack
        await reply(update, t.paragraph(problem_text(t, error, pack)))
        return None


async def run_op(update: Update, context: BotContext, person: Person, op: str, bid: int, value: str) -> str | None:
    t, svc, pack = context.t, service(context), context.services.content.current.pack
    b = await svc.get(bid)
    if b is None:
        raise BroadcastError(Problem.NOT_FOUND)
    if op == "tx":  # give a language's text
        if value not in pack.languages:
            raise BroadcastError(Problem.NOT_EDITABLE)
        if b.state != BroadcastState.DRAFT or b.author_id != person.id:
            raise BroadcastError(Problem.NOT_EDITABLE)
        await svc.ask_for(person, bid, "text", value)
        # TRANSLATORS: {language} is a language's name
        await reply(update, t.paragraph(t._("Send the text in {language} (an empty message removes it: send a single dash).").format(
            language=t.language_name(value))))
        return None
    if op == "au":
        rows = [[op_button(t._("Everyone"), "aw", bid, "all")]]
        rows += [[op_button(t._(ROLE_AUDIENCE[role]), "aw", bid, role.value)] for role in ROLES]
        rows.append([op_button(t._("By language"), "aw", bid, "lang"), op_button(t._("Delegations"), "aw", bid, "deleg")])
        rows.append([op_button(t._("Telegram ids"), "aw", bid, "ids"),
                     op_button(t._("Followers of a session"), "aw", bid, "follow")])
        await reply(update, t.paragraph(t._("Who should receive it?")), InlineKeyboardMarkup(rows))
        return None
    if op == "aw":
        if value == "lang":
            langs = [op_button(t.language_name(x), "al", bid, x) for x in LANGUAGES]
            await reply(update, t.paragraph(t._("Which language?")), InlineKeyboardMarkup([langs[i:i + 3] for i in range(0, len(langs), 3)]))
            return None
        if value in ("deleg", "ids", "follow"):
            await svc.change(person, bid)  # still a draft of theirs
            await svc.ask_for(person, bid, value)
            text = {
                "deleg": t._("Send the delegation codes, separated by spaces or commas (for example FRA VNM)."),
                "ids": t._("Send the Telegram ids, separated by spaces or commas."),
                "follow": t._("Send the session's id (as in the programme): its followers will receive the broadcast."),
            }[value]
            await reply(update, t.paragraph(text))
            return None
        if value == "all":
            audience: dict[str, Any] = {"kind": "everyone"}
        elif value in {r.value for r in ROLES}:
            audience = bc.audience_of_role(value)
        else:
            raise BroadcastError(Problem.BAD_AUDIENCE, value)
        b = await svc.change(person, bid, audience=audience)
        await show_panel(update, context, b)
        return None
    if op == "al":
        b = await svc.change(person, bid, audience=bc.audience_of_language(value))
        await show_panel(update, context, b)
        return None
    if op in ("ss", "ch"):
        await svc.change(person, bid)
        await svc.ask_for(person, bid, "sess" if op == "ss" else "chase")
        text = (t._("Send the session's id (as in the programme), or a dash for no button.") if op == "ss"
                else t._("After how many minutes should those who have not confirmed be reminded? Send a number, or a dash for no reminder."))
        await reply(update, t.paragraph(text))
        return None
    if op in ("cf", "ur", "pd", "dx"):
        field = {"cf": "ask_confirm", "ur": "urgent", "pd": "paid"}.get(op)
        if field is not None:
            b = await svc.change(person, bid, **{field: not getattr(b, field)})
        else:
            b = await svc.change(person, bid, attachment_kind=None, attachment=None)
        await show_panel(update, context, b)
        return None
    if op == "pv":
        if b.state == BroadcastState.APPROVAL:
            await send_preview(update, context, b, for_approval=b.author_id != person.id)
        else:
            await send_preview(update, context, b, for_approval=False)
        return None
    if op == "bk":
        if b.state != BroadcastState.DRAFT:
            b = await svc.reopen(person, bid)
        await show_panel(update, context, b)
        return None
    if op == "go":
        released = await svc.submit(person, bid)
        await svc.drop_step(person)
        await announce(update, context, released, await svc.get(bid))
        return None
    if op == "at":
        await svc.change(person, bid)
        await svc.ask_for(person, bid, "time")
        tz_now = t.datetime(context.services.clock.now(), pack.tz)
        # TRANSLATORS: {now} is the current day and time at the event
        await reply(update, t.paragraph(t._("Send the time, in the event's time zone, as HH:MM (today) or YYYY-MM-DD HH:MM. It is now {now}.").format(
            now=t.isolate(tz_now))))
        return None
    if op == "ed":
        b = await svc.reopen(person, bid)
        await show_panel(update, context, b)
        return None
    if op == "x":
        stopped = await svc.cancel(person, bid)
        await svc.drop_step(person)
        # TRANSLATORS: {n} is how many messages were stopped before they went out
        await reply(update, t.paragraph(t.ngettext("Broadcast cancelled: {n} message will not be sent.",
                                                   "Broadcast cancelled: {n} messages will not be sent.", stopped).format(n=t.number(stopped))))
        return None
    if op == "ok":
        released = await svc.approve(person, bid)
        await reply(update, t.paragraph(t._("Approved: the broadcast goes out.")))
        return None
    if op == "no":
        if b.state != BroadcastState.APPROVAL:
            raise BroadcastError(Problem.NOT_AWAITING_APPROVAL)
        if b.author_id == person.id:
            raise BroadcastError(Problem.OWN_APPROVAL)
        await svc.cancel(person, bid)
        await reply(update, t.paragraph(t._("Rejected: the broadcast will not be sent.")))
        return None
    if op == "sh":
        text, markup = await progress_text(context.services, b, t)
        await reply(update, text, markup)
        return None
    if op == "nc":
        await send_unconfirmed(update, context, b)
        return None
    if op == "fx":
        langs = [op_button(t.language_name(x), "fl", bid, x) for x in pack.languages if x in b.texts]
        await reply(update, t.paragraph(t._("Which language's text do you correct?")), InlineKeyboardMarkup([langs[i:i + 3] for i in range(0, len(langs), 3)]))
        return None
    if op == "fl":
        if value not in b.texts:
            raise BroadcastError(Problem.NOT_EDITABLE)
        await svc.ask_for(person, bid, "fix", value)
        # TRANSLATORS: {language} is a language's name
        await reply(update, t.paragraph(t._("Send the corrected text in {language}: the delivered messages will be edited.").format(
            language=t.language_name(value))))
        return None
    if op == "rc":
        rows = [[op_button(t._("Yes, delete them"), "rcy", bid), op_button(t._("No"), "sh", bid)]]
        await reply(update, t.paragraph(t._("Delete this broadcast's delivered messages from every chat? What has not gone out yet will not go.")),
                    InlineKeyboardMarkup(rows))
        return None
    if op == "rcy":
        recall = await svc.recall(person, bid)
        # TRANSLATORS: {n} is a number of messages (also in the next two sentences)
        lines = [t.ngettext("Recall: {n} delivered message is being deleted.", "Recall: {n} delivered messages are being deleted.",
                            recall.deleting).format(n=t.number(recall.deleting))]
        if recall.stopped:
            # TRANSLATORS: {n} is a number of messages of a recalled broadcast not sent yet
            lines.append(t.ngettext("{n} message had not gone out and will not.", "{n} messages had not gone out and will not.",
                                    recall.stopped).format(n=t.number(recall.stopped)))
        if recall.in_flight:
            # TRANSLATORS: {n} is a number of messages being sent at the moment of a recall
            lines.append(t.ngettext("{n} message was on its way: it is deleted as soon as it arrives.",
                                    "{n} messages were on their way: they are deleted as soon as they arrive.",
                                    recall.in_flight).format(n=t.number(recall.in_flight)))
        await reply(update, t.paragraph("\n".join(lines)))
        return None
    raise InvalidArgument(op)


async def announce(update: Update, context: BotContext, released: bc.Released, b: Broadcast | None) -> None:
    t = context.t
    if b is None:
        return
    if released.state == BroadcastState.APPROVAL:
        await reply(update, t.paragraph(t._("Sent for approval: a second organiser must approve it. "
                                            "Its progress will show here when it goes out.")))
        return
    await post_progress(update, context, b)


async def send_unconfirmed(update: Update, context: BotContext, b: Broadcast) -> None:
    t = context.t
    missing = await service(context).unconfirmed(b.id)
    if not missing:
        await reply(update, t.paragraph(t._("Everyone who received it has confirmed.")))
        return
    lines = [t._("Not confirmed yet, by delegation:")]
    for delegation, people in missing.items():
        names = ", ".join(html.escape(p.first_name or str(p.telegram_id)) for p in people[:MAX_NAMES])
        if len(people) > MAX_NAMES:
            names += ", …"
        # the delegation's name in the organiser's language, as everywhere else (not as an
        # invite happened to spell it: a code, "FRA", when it was made with the code alone)
        name = (delegation_name(t, people[0].delegation) or t.isolate(html.escape(delegation)) if delegation
                else t.isolate(t._("no delegation")))
        lines.append(f"<b>{name}</b> ({t.number(len(people))}): {t.isolate(names)}")
    await reply(update, whole_lines(lines, finish=t.paragraph))


async def on_confirm(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    """A recipient's "confirm receipt" (pressed twice counts once)."""
    t = context.t
    try:
        first = await service(context).confirm(context.person, pressed.value)
    except BroadcastError as error:
        return problem_text(t, error, pressed.pack)
    return t._("Thank you: receipt confirmed.") if first else t._("You have already confirmed.")


BUTTONS = feature_buttons(
    Route(Action.BROADCAST, on_op, argument=parse_op, accredited=False),
    Route(Action.BROADCAST_CONFIRM, on_confirm, argument=parse_id, accredited=False),
)


# -- what the author types ---------------------------------------------------------------------
TIME_RE = re.compile(r"^\s*(?:(\d{4})-(\d{2})-(\d{2})\s+)?(\d{1,2})[:h.](\d{2})\s*$")


def parse_time(text: str, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    match = TIME_RE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute = match.groups()
    local_now = now.astimezone(tz)
    try:
        if year:
            when = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=tz)
        else:
            when = local_now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
        return when.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # no such day, or a year the UTC clock cannot reach (0001)
        return None


async def on_input(update: Update, context: BotContext) -> bool:
    """A private message from an organiser who was asked to type something for a broadcast (the
    step in the database says what). False when no step stands: the message is not for us."""
    message = update.effective_message
    if message is None:
        return False
    person = context.person
    if person.role != Role.ORGANISER:  # only organisers compose: no query on a delegate's question
        return False
    step = await service(context).step(person)
    if step is None:
        return False
    t, pack = context.t, context.services.content.current.pack
    try:
        return await take_input(update, context, person, step, message)
    except BroadcastError as error:
        await reply(update, t.paragraph(problem_text(t, error, pack)))
        return True


async def take_input(update: Update, context: BotContext, person: Person, step: Step, message: TgMessage) -> bool:
    t, svc, pack = context.t, service(context), context.services.content.current.pack
    bid = step.broadcast_id
    raw = message.text or message.caption or ""
    text_html = (message.text_html if message.text else message.caption_html if message.caption else "") or ""
    dash = raw.strip() in ("-", "—")
    if step.what == "any":
        b = await svc.get(bid)
        if b is None or b.state != BroadcastState.DRAFT:  # changed since the step was read
            await svc.drop_step(person)
            return False
        if not (message.photo or message.document) and pack.default_language in b.texts:
            await reply(update, t.paragraph(t._("Press a language on the draft to give or replace its text.")))
            return True
        step = Step("text", bid, pack.default_language)
    if step.what == "text":
        if message.photo or message.document:
            kind, file_id = ("photo", message.photo[-1].file_id) if message.photo else ("document", message.document.file_id)  # type: ignore[union-attr]
            await svc.change(person, bid, attachment_kind=kind, attachment=file_id)
        if raw or not (message.photo or message.document):
            await svc.set_text(person, bid, step.language, "" if dash else text_html)
        b = await svc.get(bid)
        assert b is not None
        await show_panel(update, context, b, answered=True)
        return True
    if step.what == "fix":
        if dash or not raw.strip():
            raise BroadcastError(Problem.EMPTY_TEXT)
        edits = await svc.correct(person, bid, step.language, text_html)
        await svc.drop_step(person)
        # TRANSLATORS: {n} is how many delivered messages are edited
        await reply(update, t.paragraph(t.ngettext("Correction: {n} delivered message is being edited.",
                                                   "Correction: {n} delivered messages are being edited.", edits).format(n=t.number(edits))))
        return True
    if step.what in ("deleg", "ids", "follow"):
        if step.what == "deleg":
            audience = await bc.audience_of_delegations(context.services.db, raw)
        elif step.what == "follow":
            audience = bc.audience_of_session(context.services.content.current.pack, raw)
        else:
            audience = bc.audience_of_ids(raw)
        b = await svc.change(person, bid, audience=audience)
        await show_panel(update, context, b, answered=True)
        return True
    if step.what == "sess":
        b = await svc.change(person, bid, session_id=None if dash else raw.strip())
        await show_panel(update, context, b, answered=True)
        return True
    if step.what == "chase":
        if dash:
            b = await svc.change(person, bid, chase_after_min=None)
        elif raw.strip().isdigit() and 1 <= int(raw.strip()) <= bc.MAX_CHASE_MIN:
            b = await svc.change(person, bid, chase_after_min=int(raw.strip()))
        else:
            await reply(update, t.paragraph(t._("Please send a number of minutes, for example 30.")))
            return True
        await show_panel(update, context, b, answered=True)
        return True
    if step.what == "time":
        when = parse_time(raw, context.services.clock.now(), pack.tz)
        if when is None:
            await reply(update, t.paragraph(t._("Please send the time as HH:MM or YYYY-MM-DD HH:MM.")))
            return True
        released = await svc.submit(person, bid, send_at=when)
        await svc.drop_step(person)
        await announce(update, context, released, await svc.get(bid))
        return True
    return False  # a step this version does not know: not for us


Callback = Callable[[Update, BotContext], Awaitable[None]]


def register(application: Application[Any, Any, Any, Any, Any, Any], otherwise: Callback) -> None:
    """The typed answers: one handler for every private text, photo or document (before the
    liaison requests' and the questions' handlers, see handlers.register), which passes what
    answers no step on to ``otherwise``; and the progress job."""

    async def on_message(update: Update, context: BotContext) -> None:
        if not await on_input(update, context):
            await otherwise(update, context)

    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & (filters.TEXT | filters.PHOTO | filters.Document.ALL)
                                           & ~filters.COMMAND, on_message))
    schedule(application)
