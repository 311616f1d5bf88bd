"""Learning from the event (#16.5): ``/unanswered`` groups the questions the assistant could
not answer by similarity; an organiser attaches a group to the entry that should have
answered it (a button among the engine's best candidates, or ``/attach NUMBER ENTRY``), and
its wordings join that entry at once (:mod:`bot.services.phrasings`).

The role is read from the database at every step (the list, the candidates, the
attachment); a button naming a question that is gone, an entry the pack does not have or
data of the wrong shape is refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.answers import Match
from bot.answers.compose import label
from bot.answers.index import EntryType
from bot.callbacks import Gone, InvalidArgument
from bot.catalog.models import ID_RE, ContentPack
from bot.i18n import Translator
from bot.services.audit import Actor
from bot.services.people import AccessDenied
from bot.services.questions import QuestionCluster
from bot.store.models import Role
from bot.telegram_text import cut, whole_lines
from handlers import Action, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext
from handlers.organiser import organiser_or_refuse

log = logging.getLogger(__name__)
MAX_CLUSTERS = 30  # listed by /unanswered
MAX_BUTTONS = 10  # clusters with a 📎 button
MAX_QUOTED = 200  # units of a question quoted
MAX_SIMILAR_QUOTED = 80
MAX_CANDIDATES = 5
#: an entry's type in button data (64 bytes), one letter each
TYPE_CODES = {"faq": "f", "session": "s", "venue": "v", "room": "r", "contact": "c"}
TYPE_OF_CODE = {code: kind for kind, code in TYPE_CODES.items()}
#: a question's number: ASCII digits that fit the id column (a 32-bit integer in PostgreSQL)
NUMBER = r"[1-9][0-9]{0,8}"
_ATTACH = re.compile(rf"^({NUMBER}):([fsvrc]):(.+)$")


@dataclass(frozen=True)
class Target:
    """Where a button attaches: the question that names its cluster, and an entry."""

    question_id: int
    match: Match


def entry_exists(pack: ContentPack, entry_type: str, entry_id: str) -> bool:
    lookup = {"faq": pack.faq_entry, "session": pack.session, "venue": pack.venue, "room": pack.room,
              "contact": pack.contact}.get(entry_type)
    return lookup is not None and lookup(entry_id) is not None


def question_id(argument: str, pack: ContentPack) -> int:
    if not re.fullmatch(NUMBER, argument):
        raise InvalidArgument(argument)
    return int(argument)


def target(argument: str, pack: ContentPack) -> Target:
    """``<question id>:<type letter>:<entry id>``; an entry the pack does not have is Gone."""
    m = _ATTACH.match(argument)
    if m is None or not ID_RE.match(m.group(3)):
        raise InvalidArgument(argument)
    kind = TYPE_OF_CODE[m.group(2)]
    if not entry_exists(pack, kind, m.group(3)):
        raise Gone(argument)
    return Target(int(m.group(1)), Match(EntryType(kind), m.group(3), 0.0))


def find_entry(pack: ContentPack, name: str) -> Match | None:
    """``faq:wifi``, ``room:hall-a`` or a bare id (searched in the FAQ first, then sessions,
    venues, rooms and contacts)."""
    kind, _, entry_id = name.partition(":") if ":" in name else ("", "", name)
    kinds = [kind] if kind else list(TYPE_CODES)
    for k in kinds:
        if k in TYPE_CODES and ID_RE.match(entry_id) and entry_exists(pack, k, entry_id):
            return Match(EntryType(k), entry_id, 0.0)
    return None


async def is_organiser(context: BotContext) -> bool:
    try:
        await context.services.people.require(context.person.telegram_id, Role.ORGANISER)
    except AccessDenied:
        return False
    return True


def cluster_line(t: Translator, number: int, c: QuestionCluster, tz: dt.tzinfo) -> str:
    lead = c.lead
    line = (
        # TRANSLATORS: one group of unanswered questions: {number} numbers it in the list, {n} is how many
        # times it was asked, {text} the question as asked, {languages} the languages it was asked in
        # ("French and Arabic"), {when} the last time, a day and time, {id} the number /attach takes
        t._("{number}. {n}× “{text}” ({languages}; last {when}) #{id}").format(
            number=t.number(number),
            n=t.number(c.count),
            text=t.isolate(html.escape(cut(lead.example, MAX_QUOTED))),
            languages=t.join([t.language_name(code) for code in c.languages]),
            when=t.isolate(t.datetime(c.last_asked, tz)),
            id=t.isolate(str(lead.latest_id)),
        )
    )
    if len(c.groups) > 1:
        others = len(c.groups) - 1
        # TRANSLATORS: under a group of unanswered questions: {n} more wordings of it, {text} one of them
        line += "\n" + t.ngettext(
            "   and {n} similar wording: “{text}”",
            "   and {n} similar wordings, such as “{text}”",
            others,
        ).format(n=t.number(others), text=t.isolate(html.escape(cut(c.groups[1].example, MAX_SIMILAR_QUOTED))))
    return line


async def unanswered_command(update: Update, context: BotContext) -> None:
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    _, message = found
    t, services = context.t, context.services
    clusters = (await services.questions.clusters())[:MAX_CLUSTERS]
    if not clusters:
        await message.reply_text(t.paragraph(t._("No unanswered questions so far.")))
        return
    pack = services.content.current.pack
    lines = [cluster_line(t, i, c, pack.tz) for i, c in enumerate(clusters, 1)]
    footer = t._("📎 Tap a number to attach those questions to the entry that should have answered them, "
                 "or send /attach NUMBER ENTRY-ID (the number after #).")

    def finish(body: str) -> str:
        return t.paragraph("\n".join([t._("Questions the assistant could not answer, most asked first:"), footer,
                                      "", body]))

    rows: list[list[InlineKeyboardButton]] = []
    for i, c in enumerate(clusters[:MAX_BUTTONS], 1):
        if not rows or len(rows[-1]) == 5:
            rows.append([])
        rows[-1].append(keyboards.button(f"📎 {t.number(i)}", Action.LEARN, str(c.lead.latest_id)))
    await message.reply_text(whole_lines(lines, finish=finish), reply_markup=InlineKeyboardMarkup(rows))


async def cluster_of(context: BotContext, question: int) -> QuestionCluster | None:
    """The cluster the kept question ``question`` belongs to now, or None when it is gone."""
    questions = context.services.questions
    key = await questions.normalised_of(question)
    if key is None:
        return None
    return next((c for c in await questions.clusters() if key in c.keys), None)


def candidates(context: BotContext, c: QuestionCluster) -> list[Match]:
    """The entries the engine finds closest to the cluster's wordings, best first."""
    content = context.services.content.current
    engine, now = content.engine, context.services.clock.now()
    found: list[Match] = []
    for text, lang in c.phrasings()[:3]:
        answer = engine.ask(text, lang or context.t.lang, now)
        ranked = [answer.match] if answer.match else []
        ranked += answer.alternatives + [m for m, _ in engine.rank(text, lang or context.t.lang, now, limit=MAX_CANDIDATES)]
        for m in ranked:
            if all((m.type, m.id) != (f.type, f.id) for f in found):
                found.append(m)
    return found[:MAX_CANDIDATES]


async def on_learn(update: Update, context: BotContext, pressed: Pressed[int]) -> str | None:
    """📎 N: the engine's best candidates for that cluster, one button each."""
    t = context.t
    if not await is_organiser(context):
        return t._("Sorry, this command is for organisers only.")
    c = await cluster_of(context, pressed.value)
    if c is None:
        return t._("These questions are no longer in the list: they were attached already.")
    pack = pressed.pack
    rows: list[Sequence[InlineKeyboardButton]] = []
    # in a worker thread: the model's opinion costs 10-40 ms a question, and other chats go on
    for m in await asyncio.to_thread(candidates, context, c):
        argument = f"{pressed.value}:{TYPE_CODES[str(m.type)]}:{m.id}"
        text = label(m, pack, t.lang)
        if text and keyboards.fits(Action.ATTACH, argument):
            rows.append([keyboards.button(keyboards.label(text), Action.ATTACH, argument, pack=pack.version)])
    count = len(c.phrasings())
    lines = [
        # TRANSLATORS: {text} is an unanswered question; {n} how many different wordings it has
        t.ngettext(
            "Which entry should answer “{text}” ({n} wording)?",
            "Which entry should answer “{text}” ({n} wordings)?",
            count,
        ).format(text=t.isolate(html.escape(cut(c.lead.example, MAX_QUOTED))), n=t.number(count)),
        "",
        # TRANSLATORS: {id} is the number that names the unanswered question; FAQ-ID stays as it is
        t._("Choose below, or send /attach {id} FAQ-ID to name another entry.").format(id=t.isolate(str(pressed.value))),
    ]
    await show(update, t.paragraph("\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None, new=True)
    return None


async def attach(context: BotContext, question: int, match: Match) -> tuple[bool, str]:
    """Attach the cluster of ``question`` to ``match`` (the role checked by the caller just
    before); the engine of this process is rebuilt with it before the reply."""
    from bot.app import refresh_phrasings

    t, services = context.t, context.services
    c = await cluster_of(context, question)
    if c is None:
        return False, t._("These questions are no longer in the list: they were attached already.")
    pack = services.content.current.pack
    done = await services.phrasings.attach(pack.event.id, str(match.type), match.id, c.phrasings(),
                                           Actor.person(context.person.telegram_id), clear=c.keys)
    log.info("phrasings attached to %s:%s: %d new, %d known", match.type, match.id, done.added, done.known)
    await refresh_phrasings(services)
    name = label(match, pack, t.lang) or match.id
    # TRANSLATORS: {n} wordings of unanswered questions now lead to the entry {entry}
    return True, t.ngettext(
        "Learnt: {n} wording now leads to “{entry}”. The assistant answers it from now on.",
        "Learnt: {n} wordings now lead to “{entry}”. The assistant answers them from now on.",
        done.added + done.known,
    ).format(n=t.number(done.added + done.known), entry=t.isolate(html.escape(name)))


async def on_attach(update: Update, context: BotContext, pressed: Pressed[Target]) -> str | None:
    t = context.t
    if not await is_organiser(context):
        return t._("Sorry, this command is for organisers only.")
    ok, text = await attach(context, pressed.value.question_id, pressed.value.match)
    if not ok:
        return text  # a button of a group attached since: a notice, the message stays
    await show(update, t.paragraph(text), None)
    return None


async def attach_command(update: Update, context: BotContext) -> None:
    """/attach NUMBER ENTRY: NUMBER is the one after # in /unanswered; ENTRY an id
    (``wifi``) or a typed one (``faq:wifi``)."""
    found = await organiser_or_refuse(update, context)
    if found is None:
        return
    _, message = found
    t = context.t
    args = list(context.args or [])
    pack = context.services.content.current.pack
    usage = t._("Usage: /attach NUMBER ENTRY-ID, for example /attach 12 wifi (the number after # in /unanswered).")
    if len(args) != 2 or not re.fullmatch(f"#?{NUMBER}", args[0]):
        await message.reply_text(t.paragraph(usage))
        return
    match = find_entry(pack, args[1][:100])
    if match is None:
        # TRANSLATORS: {id} is what the organiser typed as an entry id
        await message.reply_text(t.paragraph(t._("The content has no entry “{id}”.").format(
            id=t.isolate(html.escape(cut(args[1], 64)))) + "\n" + usage))
        return
    _, text = await attach(context, int(args[0].lstrip("#")), match)
    await message.reply_text(t.paragraph(text))


# organisers only: the role is checked inside each callback, in the database
BUTTONS = feature_buttons(
    Route(Action.LEARN, on_learn, argument=question_id),
    Route(Action.ATTACH, on_attach, argument=target),
)
