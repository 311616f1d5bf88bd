"""A short report of each unexpected error to the operators' chat (``OPERATOR_CHAT_ID``), as
python-telegram-bot's rules-bot does: what failed, where in the code, and the kind of update;
never the message's text nor the error's own message (which may quote it, or a database row).

Reports are diagnostics for the people who run the bot, in English like the log. The same
failure at the same place is reported once per :data:`QUIET_PERIOD` of the event clock, with
the count of repeats in the next report, so that a database outage is not a flood. A report
longer than Telegram allows (counted as Telegram counts: UTF-16 units) keeps its head and its
innermost frames; if it still cannot be sent, the log says so and nothing else happens.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.error import TelegramError

from bot import callbacks
from bot.config import ROOT
from bot.telegram_text import MESSAGE_TEXT, cut, units
from handlers.context import BotContext

log = logging.getLogger(__name__)
QUIET_PERIOD = dt.timedelta(minutes=10)
MAX_REPORT = MESSAGE_TEXT  # as Telegram counts (UTF-16 units): a path may hold any character
MAX_FRAMES = 12
MAX_FRAME_LINE = 300  # units of one "file:line in function" (a path can be very long)
COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s|$)")


@dataclass
class OperatorReports:
    """Which failures were reported when (one object per application)."""

    last: dict[str, dt.datetime] = field(default_factory=dict)
    repeats: dict[str, int] = field(default_factory=dict)

    def due(self, signature: str, now: dt.datetime) -> int | None:
        """The number of repeats since the last report if one is due now, else None."""
        last = self.last.get(signature)
        if last is not None and now - last < QUIET_PERIOD:
            self.repeats[signature] = self.repeats.get(signature, 0) + 1
            return None
        self.last[signature] = now
        return self.repeats.pop(signature, 0)


def update_kind(update: object) -> str:
    """What kind of update failed, without its content: ``message (command /invite)``,
    ``message (text)``, ``callback_query (button prog)``, ``my_chat_member``..."""
    if not isinstance(update, Update):
        return type(update).__name__ if update is not None else "none (a job or the application)"
    message = update.effective_message
    if update.callback_query is not None:
        data = callbacks.decode(update.callback_query.data)
        return f"callback_query (button {data.code})" if data else "callback_query (data not ours)"
    kind = next((name for name in Update.ALL_TYPES if getattr(update, name, None) is not None), "unknown")
    if message is None:
        return kind
    if message.text is None:
        return f"{kind} (not text)"
    command = COMMAND.match(message.text)
    return f"{kind} (command /{command.group(1)})" if command else f"{kind} (text)"


def frames(error: BaseException) -> list[str]:
    """Where it failed: ``file:line in function`` from the outermost frame to the innermost,
    paths relative to the project (or to the installed library)."""
    lines = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        try:
            shown = str(path.relative_to(ROOT))
        except ValueError:
            shown = frame.filename.rsplit("site-packages/", 1)[-1]
        lines.append(f"{shown}:{frame.lineno} in {frame.name}")
    return lines


def report_text(error: BaseException, update: object, repeats: int = 0) -> str:
    """The report: the error's type, the kind of update and the chat's, who, and where."""
    head = [f"Unexpected error: {type(error).__module__}.{type(error).__qualname__}"]
    cause = error.__cause__ or error.__context__
    if cause is not None:
        head.append(f"caused by: {type(cause).__module__}.{type(cause).__qualname__}")
    head.append(f"update: {update_kind(update)}")
    if isinstance(update, Update):
        if update.effective_chat is not None:
            head.append(f"chat: {update.effective_chat.type} {update.effective_chat.id}")
        if update.effective_user is not None:
            head.append(f"user: {update.effective_user.id}")
        head.append(f"update id: {update.update_id}")
    if repeats:
        head.append(f"the same failure happened {repeats} more time(s) since the last report")
    where = [cut(line, MAX_FRAME_LINE, keep_end=True) for line in frames(error)]
    left_out = 0
    if len(where) > MAX_FRAMES:
        left_out, where = len(where) - MAX_FRAMES, where[-MAX_FRAMES:]
    while where and units("\n".join([*head, "", "where (innermost last):", "… (999 outer frame(s) left out)", *where])) > MAX_REPORT:
        where.pop(0)
        left_out += 1
    if left_out:
        where.insert(0, f"… ({left_out} outer frame(s) left out)")
    return cut("\n".join([*head, "", "where (innermost last):", *where]), MAX_REPORT)


async def report_to_operators(update: object, context: BotContext, error: BaseException) -> None:
    """Send the report to the operators' chat, if a setting names one. Never raises."""
    services = context.services
    chat_id = services.settings.operator_chat_id
    if chat_id is None:
        return
    where = frames(error)
    signature = f"{type(error).__qualname__}@{where[-1] if where else '?'}"
    reports: OperatorReports = context.bot_data.setdefault("operator_reports", OperatorReports())
    repeats = reports.due(signature, services.clock.now())
    if repeats is None:
        return
    try:
        await context.bot.send_message(chat_id, report_text(error, update, repeats), parse_mode=None)
    except TelegramError as exc:
        log.warning("could not report the error to the operators' chat %s: %s", chat_id, exc)
