"""Keeps the bot token out of every log line.

The token is the bot's password, and libraries print it: PTB's ``ExtBot`` logs "Set Bot API
URL: https://api.telegram.org/bot<token>" at DEBUG, and httpx logs request URLs, which hold
``/bot<token>/``. :class:`RedactToken` sits on the log handlers (installed by
``python -m bot``'s logging set-up) and rewrites each record before it is written: the token
itself and any ``bot<digits>:<secret>`` URL segment become ``<token>``, in the message, the
traceback and the stack.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<token>"
#: a token in a Bot API URL, whoever's it is: /bot123456:AAE.../sendMessage
TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
#: a bare token (digits, colon, a long secret) anywhere else
BARE_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")


class RedactToken(logging.Filter):
    def __init__(self, *tokens: str | None) -> None:
        super().__init__()
        self.tokens = [token for token in tokens if token]

    def redact(self, text: str) -> str:
        for token in self.tokens:
            text = text.replace(token, REDACTED)
        text = TOKEN_IN_URL.sub("bot" + REDACTED, text)
        return BARE_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format: logging reports it itself
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(token: str | None, logger: logging.Logger | None = None) -> RedactToken:
    """Put the filter on every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    redactor = RedactToken(token)
    for handler in target.handlers:
        handler.addFilter(redactor)
    return redactor
