"""Turn pydantic validation errors into short, plain problem messages.

Pydantic's locations are paths into the data we validated, which is exactly what the
line tree of :mod:`bot.catalog.yamlsource` understands; here we only tidy the location
(model-level errors that name their field, internal markers) and word the message for a
content author rather than a programmer.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError

from bot.catalog.models import Text

_FIELD_PREFIX = re.compile(r"^([a-z_]+): (.*)$", re.S)
_FOR_KEY = re.compile(r"for '([^']+)'")
_ID_HINT = "use lowercase letters a-z, digits and '-', starting with a letter or a digit"


def suggest(word: Any, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` when something close exists, else an empty string."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any) -> str:
    """A short description of a wrong value, for "got ..." hints."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None if issubclass(annotation, RootModel) else annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _is_text(model: type[BaseModel], loc: tuple[Any, ...]) -> bool:
    """Whether ``loc`` names a :class:`Text` field (``name``, ``rooms.0.directions``...)."""
    if not loc or not isinstance(loc[-1], str):
        return False
    if loc[-1] not in fields_at(model, loc[:-1]):
        return False
    current = model
    for elem in loc[:-1]:
        if isinstance(elem, str):
            info = current.model_fields[elem]
            inner = _model_in(info.annotation)
            if inner is None:
                return False
            current = inner
    annotation = current.model_fields[loc[-1]].annotation
    return annotation is Text or Text in typing.get_args(annotation)


def fields_at(model: type[BaseModel], loc: Iterable[Any]) -> list[str]:
    """The field names allowed at ``loc`` inside ``model`` (for "did you mean")."""
    current = model
    for elem in loc:
        if isinstance(elem, int):
            continue
        info = current.model_fields.get(elem)
        inner = _model_in(info.annotation) if info is not None else None
        if inner is None:
            return []
        current = inner
    return list(current.model_fields)


def _data_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for elem in loc:
        if isinstance(data, dict):
            data = data.get(elem)
        elif isinstance(data, list) and isinstance(elem, int) and 0 <= elem < len(data):
            data = data[elem]
        else:
            return None
    return data


def translate(
    exc: ValidationError, model: type[BaseModel], data: Any
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield ``(location inside data, message)`` for every error of ``exc``."""
    for err in exc.errors(include_url=False):
        loc = tuple(e for e in err["loc"] if e != "[key]")
        kind = err["type"]
        msg = err["msg"]
        value = err.get("input")
        if kind == "value_error":
            msg = msg.removeprefix("Value error, ")
        elif kind == "assertion_error":
            msg = msg.removeprefix("Assertion failed, ")
        if not loc:
            # model-level validators name their field: "end: the session ends before ..."
            match = _FIELD_PREFIX.match(msg)
            if match and match.group(1) in model.model_fields:
                loc, msg = (match.group(1),), match.group(2)
        if kind in ("value_error", "assertion_error"):
            # "text for 'fr' is empty": point at the 'fr' key itself
            match = _FOR_KEY.search(msg)
            target = _data_at(data, loc)
            if match and isinstance(target, dict) and match.group(1) in target:
                loc = (*loc, match.group(1))
        yield loc, _wording(kind, msg, value, loc, model, err.get("ctx"))


def _wording(
    kind: str,
    msg: str,
    value: Any,
    loc: tuple[Any, ...],
    model: type[BaseModel],
    ctx: dict[str, Any] | None,
) -> str:
    last = loc[-1] if loc else None
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        return "unknown field" + suggest(last, fields_at(model, loc[:-1]))
    if kind == "string_pattern_mismatch":
        what = "id" if last in ("id", "category") else "value"
        return f"'{value}' is not a valid {what}: {_ID_HINT}"
    if kind == "literal_error":
        expected = ctx.get("expected") if ctx else None
        shown = f"'{value}'" if isinstance(value, str) else describe(value)
        return f"{shown} is not allowed; expected {expected}" if expected else msg
    if kind == "dict_type" and _is_text(model, loc):
        return (
            f"must be a text: a string, or a mapping of language to string (got {describe(value)})"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping (got {describe(value)})"
    if kind == "list_type":
        return f"must be a list (got {describe(value)})"
    if kind.endswith(("_type", "_parsing", "_from_datetime_inexact")) or kind in (
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "finite_number",
    ):
        return f"{msg} (got {describe(value)})"
    return msg
