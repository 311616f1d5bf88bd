"""What the sandbox chat's API accepts: each field read and checked, or a 400 with the reason.

The page sends well-formed requests, but the API is also what scripts and curious people
call, so nothing they send may turn into a 500: a body that is not JSON (or JSON nested
deeper than the parser recurses), a value of the wrong type (``"message_id": "abc"``), an
unknown persona or message, text too long for Telegram, or button data over 64 bytes each
get ``400 {"error": "<reason>"}`` (413 for a body over the size limit).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from aiohttp import web

#: the largest request body the API reads
MAX_BODY = 64 * 1024
#: the most a message may hold, in UTF-16 code units as Telegram counts them
MAX_TEXT = 4096
#: Telegram's limit on a button's callback data, in bytes
MAX_CALLBACK_BYTES = 64
#: a start parameter of a deep link, as Telegram allows it
START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: an IETF language tag as Telegram sends it (``en``, ``pt-br``, ``zh-hans``)
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$")
#: the event clock may be set within these years (dates far outside overflow date arithmetic)
CLOCK_YEARS = (2000, 2099)


class BadRequest(Exception):
    """A request the API refuses; ``reason`` says why, in a sentence."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@web.middleware
async def refuse_bad_requests(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn :class:`BadRequest` into a JSON error response."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return web.json_response({"error": exc.reason}, status=exc.status)


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's body, which must be one JSON object."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BadRequest(f"the body is larger than {MAX_BODY:,} bytes", status=413) from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # also invalid UTF-8, and JSON nested too deep
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def whole_number(data: dict[str, Any], key: str) -> int:
    """A JSON integer (not a string of digits, not a boolean, not 1.5)."""
    value = data.get(key)
    if value is None:
        raise BadRequest(f"'{key}' is missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'{key}' must be a whole number, not {_kind(value)}")
    return value


def string(data: dict[str, Any], key: str, *, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None:
        raise BadRequest(f"'{key}' is missing")
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string, not {_kind(value)}")
    return value


def message_text(data: dict[str, Any]) -> str:
    """What a person types: not blank, valid Unicode, at most :data:`MAX_TEXT` units."""
    text = string(data, "text")
    try:
        units = len(text.encode("utf-16-le")) // 2
    except UnicodeEncodeError:  # a lone surrogate, e.g. "\ud800" in the JSON
        raise BadRequest("'text' is not valid Unicode (a lone surrogate)") from None
    if not text.strip():
        raise BadRequest("empty message")
    if units > MAX_TEXT:
        raise BadRequest(f"'text' is longer than Telegram allows ({MAX_TEXT:,} characters)")
    return text


def callback_data(data: dict[str, Any]) -> str:
    value = string(data, "data")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadRequest("'data' is not valid Unicode (a lone surrogate)") from None
    if not 1 <= size <= MAX_CALLBACK_BYTES:
        raise BadRequest(f"'data' must be 1 to {MAX_CALLBACK_BYTES} bytes, as Telegram allows")
    return value


def language_code(data: dict[str, Any], *, default: str | None = None) -> str:
    value = string(data, "language_code", default=default)
    if not LANGUAGE_TAG.match(value):
        raise BadRequest(f"'language_code' is not a language tag such as 'fr' or 'pt-br': {value[:20]!r}")
    return value.lower()


def start_parameter(data: dict[str, Any]) -> str:
    value = string(data, "start")
    if not START_PARAMETER.match(value):
        raise BadRequest("'start' must be 1 to 64 characters A-Z, a-z, 0-9, '_' or '-', as Telegram allows")
    return value


def clock_time(data: dict[str, Any], tz: dt.tzinfo) -> dt.datetime:
    """An ISO date and time (the event's zone unless it has an offset), within :data:`CLOCK_YEARS`."""
    text = string(data, "now")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest("not a date and time") from None
    first, last = CLOCK_YEARS
    if not first <= when.year <= last:
        raise BadRequest(f"the event clock must be set between {first} and {last}")
    return when if when.tzinfo else when.replace(tzinfo=tz)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number with a fraction" if isinstance(value, float) else "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"
