"""Reading Bot API parameters the way Telegram accepts them: query string, JSON body,
form-urlencoded or multipart body; nested values (``reply_markup``, ...) may arrive as JSON
strings (python-telegram-bot sends them so); numbers and booleans arrive as strings."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.errors import ENTITY_TOO_LARGE, MAX_UPLOAD_BYTES
from bot.sandbox.state import ApiError

JSON_FIELDS = (
    "reply_markup", "entities", "caption_entities", "link_preview_options", "reply_parameters",
    "allowed_updates", "commands", "scope", "menu_button", "message_ids",
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query) if request.query_string else {}
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if isinstance(body, dict):
                params.update(body)
        elif ctype in FORM_TYPES:
            form = await request.post()
            params.update(form.items())
            _check_upload_sizes(params)
    for name in JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                params[name] = json.loads(value)
            except json.JSONDecodeError:
                what = "reply keyboard markup" if name == "reply_markup" else name
                raise ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
    return params


def _check_upload_sizes(params: dict[str, Any]) -> None:
    """api.telegram.org takes uploads of at most 50 MB: a larger one is refused with 413 before
    the Bot API looks at anything else."""
    for value in params.values():
        if isinstance(value, web.FileField):
            file = value.file
            size = file.seek(0, 2)
            file.seek(0)
            if size > MAX_UPLOAD_BYTES:
                raise ApiError(413, ENTITY_TOO_LARGE)


def truthy(value: Any) -> bool:
    return value in (True, 1, "true", "True", "1")


def opt_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f'Bad Request: invalid parameter "{name}"') from None


def req_int(params: dict[str, Any], name: str, missing: str | None = None) -> int:
    value = opt_int(params, name)
    if value is None:
        raise ApiError(400, missing or f"Bad Request: {name} is empty")
    return value


def req_float(params: dict[str, Any], name: str) -> float:
    try:
        return float(params[name])
    except KeyError:
        raise ApiError(400, f"Bad Request: {name} is empty") from None
    except (TypeError, ValueError):
        raise ApiError(400, f'Bad Request: invalid parameter "{name}"') from None


def opt_str(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value)


def as_json_object(params: dict[str, Any], name: str) -> Any:
    """A nested value that must be an object or list (already decoded by :func:`read_params`)."""
    value = params.get(name)
    if isinstance(value, str):
        if not value:
            return None
        raise ApiError(400, f"Bad Request: can't parse {name} JSON object")
    return value
