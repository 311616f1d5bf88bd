"""Checks across items and files: references, dates, overlaps, languages of texts.

The loader validates every item on its own (so one bad item never hides another) and
hands what it collected to :func:`cross_check`. Ids known to the raw data — even those of
items that failed validation — count as known here, so one broken room does not make
every session held in it an "unknown room" too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.catalog.messages import suggest
from bot.catalog.models import (
    ID_RE,
    SUPPORTED_LANGUAGES,
    Event,
    FaqCategory,
    FaqEntry,
    LiaisonCategory,
    QuickReply,
    Session,
    Text,
    Venue,
)
from bot.catalog.problems import Problem
from bot.catalog.yamlsource import Parsed

T = TypeVar("T")


def label(data: Any, path: tuple[Any, ...]) -> str:
    """A dotted field path for ``path`` in ``data``: ``sessions[opening-ceremony].end``.

    List items are named by their id when they have a valid one, else by their index.
    """
    out: list[str] = []
    cur = data
    for elem in path:
        if isinstance(elem, int) and isinstance(cur, list):
            item = cur[elem] if 0 <= elem < len(cur) else None
            ident = item.get("id") if isinstance(item, dict) else None
            good = isinstance(ident, str) and ID_RE.match(ident)
            out.append(f"[{ident}]" if good else f"[{elem}]")
            cur = item
        else:
            key = str(elem)
            if not _PLAIN_KEY.match(key):  # a key with spaces or ': ' would break the line
                out.append("[" + json.dumps(key).replace(" ", "\\u0020") + "]")
            else:
                out.append(f".{key}" if out else key)
            cur = cur.get(elem) if isinstance(cur, dict) else None
    return "".join(out) or "(file)"


#: a mapping key shown as is in a field path; any other is shown quoted, as JSON
_PLAIN_KEY = re.compile(r"^[\w-]+$")


@dataclass(slots=True)
class Source:
    """One file of the pack as read: its bytes, mtime and parsed form (None if unreadable)."""

    name: str
    display: str
    raw: bytes
    mtime: float
    parsed: Parsed | None = None

    @property
    def data(self) -> Any:
        return self.parsed.data if self.parsed is not None else None


class Reporter:
    """Collects problems with their file, line and field."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def at(
        self,
        src: Source,
        path: tuple[Any, ...],
        message: str,
        *,
        warning: bool = False,
        line: int | None = None,
    ) -> None:
        if line is None:
            line = src.parsed.lines.line_of(path) if src.parsed is not None else 1
        self.problems.append(
            Problem(src.display, line, label(src.data, path), message, _sev(warning))
        )

    def whole(
        self,
        display: str,
        message: str,
        *,
        field: str = "(file)",
        line: int = 1,
        warning: bool = False,
    ) -> None:
        self.problems.append(Problem(display, line, field, message, _sev(warning)))


def _sev(warning: bool) -> Any:
    return "warning" if warning else "error"


@dataclass(slots=True)
class Placed(Generic[T]):
    """A validated item and where it came from (file name and path in that file)."""

    obj: T
    src: Source
    path: tuple[Any, ...]


@dataclass
class Collected:
    """Everything the loader validated, plus the ids seen in the raw data."""

    event: Placed[Event] | None = None
    languages: list[str] = field(default_factory=lambda: ["en"])
    #: False when event.yaml gave no usable language list: then only unsupported
    #: language keys are reported (not "missing"/"not an event language", which would flood)
    languages_known: bool = False
    tz: ZoneInfo | None = None
    #: the event's dates (from the validated event, else read leniently from the raw data)
    start: dt.date | None = None
    end: dt.date | None = None
    venues: list[Placed[Venue]] = field(default_factory=list)
    sessions: list[Placed[Session]] = field(default_factory=list)
    categories: list[Placed[FaqCategory]] = field(default_factory=list)
    faq: list[Placed[FaqEntry]] = field(default_factory=list)
    #: raw ids per kind: contacts, liaison, venues, rooms, sessions, categories, faq
    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    categories_declared: bool = False
    #: liaison.yaml's categories and quick replies (see :mod:`bot.catalog.liaison`)
    liaison: list[Placed[LiaisonCategory]] = field(default_factory=list)
    quick_replies: list[Placed[QuickReply]] = field(default_factory=list)
    #: files whose items could not be read at all (bad YAML, wrong shape): references
    #: into them are not checked, rather than reported as a cascade of unknown ids
    unreadable: set[str] = field(default_factory=set)


def cross_check(c: Collected, report: Reporter) -> None:
    places = c.ids["venues"] | c.ids["rooms"]
    for item in c.sessions:
        if "venues.yaml" in c.unreadable:
            break
        if item.obj.room not in places:
            report.at(
                item.src,
                (*item.path, "room"),
                f"unknown room or venue '{item.obj.room}'" + suggest(item.obj.room, places),
            )
    if c.tz is not None and c.start is not None and c.end is not None and c.start <= c.end:
        _session_dates(c, c.start, c.end, c.tz, report)
    _overlaps(c, report)
    if c.faq and not c.categories_declared and "faq.yaml" not in c.unreadable:
        first = c.faq[0]
        report.at(
            first.src,
            ("categories",),
            "no categories: every topic is shown as “Other questions”; name each "
            "category in every language ({id, name})",
            warning=True,
            line=1,
        )
    for placed in c.faq:
        entry = placed.obj
        if c.categories_declared and entry.category not in c.ids["categories"]:
            report.at(
                placed.src,
                (*placed.path, "category"),
                f"unknown category '{entry.category}'"
                + suggest(entry.category, c.ids["categories"]),
            )
    known = c.ids["sessions"] | c.ids["venues"] | c.ids["rooms"] | c.ids["faq"] | c.ids["contacts"]
    if c.unreadable:
        return
    for placed in c.faq:
        for index, ref in enumerate(placed.obj.related):
            if ref not in known:
                report.at(
                    placed.src,
                    (*placed.path, "related", index),
                    f"unknown id '{ref}': no session, venue, room, FAQ entry or contact has it"
                    + suggest(ref, known),
                )


def _session_dates(
    c: Collected, start: dt.date, end: dt.date, tz: ZoneInfo, report: Reporter
) -> None:
    first = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    after_last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    span = f"the event runs {start.isoformat()} to {end.isoformat()} ({tz.key})"
    for item in c.sessions:
        s = item.obj
        if not first <= s.start < after_last:
            day = s.start.astimezone(tz).date().isoformat()
            report.at(
                item.src, (*item.path, "start"), f"starts on {day}, outside the event: {span}"
            )
        elif s.end > after_last:
            day = s.end.astimezone(tz).date().isoformat()
            report.at(item.src, (*item.path, "end"), f"ends on {day}, after the event: {span}")


def _overlaps(c: Collected, report: Reporter) -> None:
    """Sessions sharing a room (not a whole venue) at the same time: a warning."""
    by_room: dict[str, list[Placed[Session]]] = defaultdict(list)
    for item in c.sessions:
        if item.obj.room in c.ids["rooms"]:
            by_room[item.obj.room].append(item)
    tz = c.tz
    for room, items in by_room.items():
        items.sort(key=lambda p: (p.obj.start, p.obj.end))
        latest: Placed[Session] | None = None
        for item in items:
            if latest is not None and item.obj.start < latest.obj.end:
                other = latest.obj
                when = _span(other.start, other.end, tz)
                report.at(
                    item.src,
                    (*item.path, "start"),
                    f"overlaps session '{other.id}' ({when}) in room '{room}'",
                    warning=True,
                )
            if latest is None or item.obj.end > latest.obj.end:
                latest = item


def _span(start: dt.datetime, end: dt.datetime, tz: ZoneInfo | None) -> str:
    a, b = (start.astimezone(tz), end.astimezone(tz)) if tz is not None else (start, end)
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}-{b:%H:%M}"
    return f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M}"


# ---- languages -----------------------------------------------------------------------


def texts(obj: BaseModel, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Text]]:
    """Every :class:`Text` inside a validated model, with its path."""
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        if isinstance(value, Text):
            yield (*path, name), value
        elif isinstance(value, BaseModel):
            yield from texts(value, (*path, name))
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, BaseModel):
                    yield from texts(element, (*path, name, index))


def check_languages(c: Collected, report: Reporter) -> None:
    items: list[Placed[Any]] = [*c.venues, *c.sessions, *c.categories, *c.faq, *c.liaison, *c.quick_replies]
    if c.event is not None:
        items.insert(0, c.event)
    languages = c.languages if c.languages_known else None
    for item in items:
        for path, text in texts(item.obj, item.path):
            _check_keys(languages, text.root, item.src, path, "text", report)
        if isinstance(item.obj, FaqEntry):
            path = (*item.path, "questions")
            _check_keys(languages, item.obj.questions, item.src, path, "questions", report)


def _check_keys(
    languages: list[str] | None,
    by_lang: dict[str, Any],
    src: Source,
    path: tuple[Any, ...],
    what: str,
    report: Reporter,
) -> None:
    for lang in by_lang:
        if lang not in SUPPORTED_LANGUAGES:
            report.at(
                src,
                (*path, lang),
                f"unknown language '{lang}' (supported: {', '.join(SUPPORTED_LANGUAGES)})"
                + suggest(lang, SUPPORTED_LANGUAGES),
            )
        elif languages is not None and lang not in languages:
            report.at(
                src,
                (*path, lang),
                f"language '{lang}' is not one of the event's languages ({', '.join(languages)})",
                warning=True,
            )
    if languages is None:
        return
    default = languages[0]
    missing = [lang for lang in languages if lang not in by_lang]
    if default in missing:
        others = [lang for lang in missing if lang != default]
        also = f" (also missing: {', '.join(others)})" if others else ""
        report.at(src, path, f"{what} missing the default language '{default}'{also}")
    elif missing:
        report.at(
            src,
            path,
            f"{what} missing in {', '.join(missing)} (falls back to {default})",
            warning=True,
        )
