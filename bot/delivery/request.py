"""PTB's HTTP client, telling a 5xx from Telegram apart from other network errors.

PTB turns every status it does not know (500, 502, 503, 504, ...) into a plain
``NetworkError`` with the server's description, indistinguishable from a dropped
connection. Whether a failed call may be sent again depends on exactly that (see
:mod:`bot.delivery.ratelimit`), so this client raises :class:`ServerError`, a
``NetworkError`` that carries the status (code that catches ``NetworkError`` is unaffected).
"""

from __future__ import annotations

import json

from telegram.error import NetworkError
from telegram.request import HTTPXRequest, RequestData

_DEFAULT = HTTPXRequest.DEFAULT_NONE


class ServerError(NetworkError):
    """Telegram answered with an HTTP 5xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{message} ({status})")
        self.status = status


class TelegramRequest(HTTPXRequest):
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | object = _DEFAULT,
        write_timeout: float | None | object = _DEFAULT,
        connect_timeout: float | None | object = _DEFAULT,
        pool_timeout: float | None | object = _DEFAULT,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url, method, request_data,
            read_timeout=read_timeout,  # type: ignore[arg-type]
            write_timeout=write_timeout,  # type: ignore[arg-type]
            connect_timeout=connect_timeout,  # type: ignore[arg-type]
            pool_timeout=pool_timeout,  # type: ignore[arg-type]
        )
        if status >= 500:
            raise ServerError(status, describe(payload))
        return status, payload


def describe(payload: bytes) -> str:
    """Telegram's description of an error answer, or a generic one."""
    try:
        description = json.loads(payload).get("description")
    except (ValueError, AttributeError):
        description = None
    return str(description) if description else "Telegram server error"
