"""Load and validate a content pack, reporting every problem with file, line and field.

``check_pack(dir)`` never raises for bad content: it reads the files of the pack
(``event.yaml`` is required, ``venues.yaml``, ``programme.yaml``, ``faq.yaml`` and
``liaison.yaml`` are optional), keeps the YAML line of every value (:mod:`bot.catalog.yamlsource`), validates
each item on its own against the schema in :mod:`bot.catalog.models` so one broken
session never hides another, then runs the checks across items
(:mod:`bot.catalog.checks`): duplicate ids, unknown rooms, categories and related ids,
sessions outside the event's dates, overlapping sessions (a warning), and the languages
of every text (missing default language: error; missing other language: warning).

``load_pack(dir)`` returns the :class:`ContentPack` or raises :class:`PackError`.
:class:`PackHolder` keeps the current pack for the running bot and swaps in a reloaded
one only when it is valid *and* everything derived from it (the answer index, ...) could
be built.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from os import PathLike
from pathlib import Path
from stat import S_ISREG
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from bot.catalog.checks import Collected, Placed, Reporter, Source, check_languages, cross_check
from bot.catalog.lengths import check_lengths
from bot.catalog.liaison import check_liaison, effective_categories
from bot.catalog.limits import MAX_FILE_BYTES
from bot.catalog.messages import describe, suggest, translate
from bot.catalog.models import (
    SUPPORTED_LANGUAGES,
    ContentPack,
    Event,
    FaqCategory,
    FaqEntry,
    LiaisonCategory,
    QuickReply,
    Session,
    Venue,
)
from bot.catalog.problems import (
    CHECK_FILES,
    FILE_ORDER,
    LIMITS_FIELD,
    CheckResult,
    PackError,
    Problem,
    sort_key,
)
from bot.catalog.yamlsource import YamlLimitError, YamlSyntaxError, parse, too_big

__all__ = [
    "PACK_FILES",
    "CheckResult",
    "PackError",
    "PackHolder",
    "PackState",
    "Problem",
    "ReloadResult",
    "check_pack",
    "load_pack",
]

log = logging.getLogger(__name__)

PACK_FILES: tuple[str, ...] = FILE_ORDER
#: the top-level keys each list file may have
TOP_KEYS: dict[str, tuple[str, ...]] = {
    "venues.yaml": ("venues",),
    "programme.yaml": ("sessions",),
    "faq.yaml": ("categories", "faq"),
    "liaison.yaml": ("categories", "quick_replies"),
}
VERSION_LENGTH = 10

StrPath = str | PathLike[str]


# ---- public API ----------------------------------------------------------------------


def check_pack(path: StrPath, strict: bool = False) -> CheckResult:
    """Validate the pack in ``path``; ``strict`` turns every warning into an error."""
    directory = Path(path)
    report = Reporter()
    if not directory.is_dir():
        report.whole(
            str(directory), "not a directory" if directory.exists() else "no such directory"
        )
        return CheckResult(pack=None, errors=report.problems)
    sources = _read(directory, report)
    c = Collected()
    c.unreadable = {src.name for src in sources.values() if src.parsed is None}
    _event(directory, sources.get("event.yaml"), c, report)
    ctx = {"default_lang": c.languages[0], "tz": c.tz or dt.UTC}
    _venues(sources.get("venues.yaml"), c, ctx, report)
    _programme(sources.get("programme.yaml"), c, ctx, report)
    _faq(sources.get("faq.yaml"), c, ctx, report)
    _liaison(sources.get("liaison.yaml"), c, ctx, report)
    cross_check(c, report)
    check_languages(c, report)
    check_lengths(c, report)

    errors = sorted((p for p in report.problems if not p.is_warning), key=sort_key)
    warnings = sorted((p for p in report.problems if p.is_warning), key=sort_key)
    if strict and warnings:
        errors = sorted([*errors, *(w.as_error() for w in warnings)], key=sort_key)
        warnings = []
    pack = None if errors else _assemble(directory, sources, c)
    return CheckResult(pack=pack, errors=errors, warnings=warnings)


def load_pack(path: StrPath, strict: bool = False) -> ContentPack:
    """The valid pack in ``path``; raise :class:`PackError` with every problem otherwise.

    Warnings do not stop loading, but they are logged: nothing falls back silently.
    """
    result = check_pack(path, strict=strict)
    if result.pack is None:
        raise PackError(result.problems)
    if result.warnings:
        log.warning(
            "content pack %s loaded with %d warning(s):\n%s",
            path,
            len(result.warnings),
            "\n".join(str(w) for w in result.warnings),
        )
    return result.pack


# ---- reading -------------------------------------------------------------------------


def _read(directory: Path, report: Reporter) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for name in PACK_FILES:
        file = directory / name
        if not file.exists():
            continue
        display = str(file)
        try:
            raw, stat = _read_bounded(file)
        except OSError as exc:
            report.whole(display, f"cannot read the file: {exc.strerror or exc}")
            continue
        if raw is None:
            report.whole(display, "not a regular file")
            continue
        if len(raw) > MAX_FILE_BYTES:
            report.whole(display, too_big(max(len(raw), stat.st_size)), field=LIMITS_FIELD)
            continue
        mtime = stat.st_mtime
        src = sources[name] = Source(name, display, raw, mtime)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            report.whole(display, f"not UTF-8 text (byte {exc.start})", line=line)
            continue
        try:
            src.parsed = parse(text.removeprefix("\ufeff"))
        except YamlLimitError as exc:
            report.whole(display, exc.message, field=LIMITS_FIELD, line=exc.line)
            continue
        except YamlSyntaxError as exc:
            report.whole(display, f"invalid YAML: {exc.message}", field="(syntax)", line=exc.line)
            continue
        for issue in src.parsed.issues:
            report.at(src, issue.path, issue.message, line=issue.line)
    known = (*PACK_FILES, *CHECK_FILES)
    for file in sorted(directory.iterdir()):
        if file.suffix in (".yaml", ".yml") and file.name not in known:
            report.whole(
                str(file),
                "not a content pack file, ignored (a pack has "
                + ", ".join(known)
                + ")"
                + suggest(file.name, known, cutoff=0.8),
                warning=True,
            )
    return sources


def _read_bounded(file: Path) -> tuple[bytes | None, os.stat_result]:
    """The file's bytes, at most one more than :data:`MAX_FILE_BYTES` (so a file that grows,
    or a link to ``/dev/zero``, cannot fill the memory), and its status; ``None`` for
    anything but a regular file (a FIFO would block the reload forever)."""
    stat = file.stat()
    if not S_ISREG(stat.st_mode):
        return None, stat
    with file.open("rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1), stat


def _validate(
    model: type[BaseModel],
    data: Any,
    src: Source,
    path: tuple[Any, ...],
    ctx: dict[str, Any],
    report: Reporter,
) -> Any:
    try:
        return model.model_validate(data, context=ctx)
    except ValidationError as exc:
        for loc, message in translate(exc, model, data):
            report.at(src, (*path, *loc), message)
        return None


def _document(src: Source | None, c: Collected, report: Reporter) -> dict[Any, Any] | None:
    """The top-level mapping of a list file, after checking its keys."""
    if src is None or src.parsed is None:
        return None
    data = src.data
    if data is None:
        return {}
    allowed = TOP_KEYS[src.name]
    if not isinstance(data, dict):
        keys = " and ".join(f"'{k}'" for k in allowed)
        c.unreadable.add(src.name)
        report.at(src, (), f"must be a mapping with {keys} (got {describe(data)})")
        return None
    for key in data:
        if key not in allowed:
            expected = ", ".join(allowed)
            report.at(
                src,
                (key,),
                f"unknown key '{key}' (expected: {expected})" + suggest(key, allowed),
            )
    return data


def _items(src: Source, doc: dict[Any, Any], key: str, c: Collected, report: Reporter) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        c.unreadable.add(src.name)
        report.at(src, (key,), f"must be a list (got {describe(value)})")
        return []
    return value


#: ids already seen in one namespace: id -> (what, source, path of the item)
_Seen = dict[str, tuple[str, Source, tuple[Any, ...]]]


def _register(
    c: Collected,
    report: Reporter,
    seen: _Seen,
    kind: str,
    what: str,
    item: Any,
    src: Source,
    path: tuple[Any, ...],
) -> None:
    """Record a raw item's id; report it when its namespace already has it."""
    ident = item.get("id") if isinstance(item, dict) else None
    if not isinstance(ident, str):
        return
    if ident in seen:
        prev_what, prev_src, prev_path = seen[ident]
        assert prev_src.parsed is not None
        line = prev_src.parsed.lines.line_of((*prev_path, "id"))
        where = f"line {line}" if prev_src is src else f"{prev_src.display}:{line}"
        report.at(
            src,
            (*path, "id"),
            f"duplicate {what} id '{ident}' (already used by the {prev_what} at {where})",
        )
        return
    seen[ident] = (what, src, path)
    c.ids[kind].add(ident)


# ---- the files -----------------------------------------------------------------------


def _event(directory: Path, src: Source | None, c: Collected, report: Reporter) -> None:
    if src is None or not isinstance(src.data, dict):
        c.unreadable.add("event.yaml")
    if src is None:
        report.whole(
            str(directory / "event.yaml"),
            "missing file: every pack needs event.yaml (id, name, timezone, languages, dates)",
        )
        return
    if src.parsed is None:
        return
    data = src.data
    if data is None:
        report.at(src, (), "the file is empty: it must hold the event's fields")
        return
    if not isinstance(data, dict):
        report.at(src, (), f"must be a mapping of the event's fields (got {describe(data)})")
        return
    # lenient first look, so the other files are checked even when the event is broken
    langs = data.get("languages")
    if isinstance(langs, list):
        usable = [x for x in langs if isinstance(x, str) and x in SUPPORTED_LANGUAGES]
        if usable:
            c.languages = list(dict.fromkeys(usable))
            c.languages_known = True
    zone = data.get("timezone")
    if isinstance(zone, str):
        try:
            c.tz = ZoneInfo(zone)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            c.tz = None
    c.start, c.end = _lenient_date(data.get("start")), _lenient_date(data.get("end"))
    for key, kind, what in (
        ("contacts", "contacts", "contact"),
        ("liaison_categories", "liaison", "liaison category"),
    ):
        items = data.get(key)
        if isinstance(items, list):
            seen: _Seen = {}
            for index, item in enumerate(items):
                _register(c, report, seen, kind, what, item, src, (key, index))
    ctx = {"default_lang": c.languages[0], "tz": c.tz or dt.UTC}
    event = _validate(Event, data, src, (), ctx, report)
    if event is not None:
        c.event = Placed(event, src, ())
        c.languages, c.tz = list(event.languages), event.tz
        c.start, c.end = event.start, event.end


def _lenient_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _venues(src: Source | None, c: Collected, ctx: dict[str, Any], report: Reporter) -> None:
    doc = _document(src, c, report)
    if doc is None or src is None:
        return
    places: _Seen = {}  # venue and room ids share one namespace
    for index, raw in enumerate(_items(src, doc, "venues", c, report)):
        path = ("venues", index)
        _register(c, report, places, "venues", "venue", raw, src, path)
        rooms = raw.get("rooms") if isinstance(raw, dict) else None
        if isinstance(rooms, list):
            for r_index, room in enumerate(rooms):
                _register(c, report, places, "rooms", "room", room, src, (*path, "rooms", r_index))
        venue = _validate(Venue, raw, src, path, ctx, report)
        if venue is not None:
            c.venues.append(Placed(venue, src, path))


def _programme(src: Source | None, c: Collected, ctx: dict[str, Any], report: Reporter) -> None:
    doc = _document(src, c, report)
    if doc is None or src is None:
        return
    c.sessions += _read_items(src, doc, "sessions", "sessions", "session", Session, c, ctx, report)


def _faq(src: Source | None, c: Collected, ctx: dict[str, Any], report: Reporter) -> None:
    doc = _document(src, c, report)
    if doc is None or src is None:
        return
    c.categories_declared = isinstance(doc.get("categories"), list)
    c.categories += _read_items(src, doc, "categories", "categories", "category", FaqCategory, c, ctx, report)
    c.faq += _read_items(src, doc, "faq", "faq", "FAQ entry", FaqEntry, c, ctx, report)


def _liaison(src: Source | None, c: Collected, ctx: dict[str, Any], report: Reporter) -> None:
    doc = _document(src, c, report)
    if doc is None or src is None:
        return
    c.liaison += _read_items(src, doc, "categories", "liaison", "liaison category", LiaisonCategory, c, ctx, report)
    c.quick_replies += _read_items(src, doc, "quick_replies", "quick_replies", "quick reply", QuickReply, c, ctx, report)
    check_liaison(src, c, report)


M = TypeVar("M", bound=BaseModel)


def _read_items(src: Source, doc: dict[Any, Any], key: str, kind: str, what: str, model: type[M],
                c: Collected, ctx: dict[str, Any], report: Reporter) -> list[Placed[M]]:
    """The valid items of the list ``doc[key]``, each placed (file, path); ids registered as
    ``kind`` (duplicates reported, called ``what``), problems reported item by item."""
    seen: _Seen = {}
    found: list[Placed[M]] = []
    for index, raw in enumerate(_items(src, doc, key, c, report)):
        path = (key, index)
        _register(c, report, seen, kind, what, raw, src, path)
        item = _validate(model, raw, src, path, ctx, report)
        if item is not None:
            found.append(Placed(item, src, path))
    return found


def _assemble(directory: Path, sources: dict[str, Source], c: Collected) -> ContentPack:
    assert c.event is not None
    event = c.event.obj
    digest = hashlib.sha256()
    for name in PACK_FILES:
        if name in sources:
            raw = sources[name].raw
            digest.update(f"{name}\0{len(raw)}\0".encode())
            digest.update(raw)
    if event.updated is not None:
        updated = event.updated.astimezone(event.tz)
    else:
        newest = max(src.mtime for src in sources.values())
        updated = dt.datetime.fromtimestamp(newest, event.tz)
    return ContentPack(
        event=event,
        venues=[p.obj for p in c.venues],
        sessions=[p.obj for p in c.sessions],
        faq=[p.obj for p in c.faq],
        faq_categories=[p.obj for p in c.categories],
        liaison_categories=effective_categories(c),
        quick_replies=[p.obj for p in c.quick_replies],
        version=digest.hexdigest()[:VERSION_LENGTH],
        updated=updated,
        source_dir=str(directory.resolve()),
    )


# ---- the running bot's pack ----------------------------------------------------------

#: builds something derived from a pack (an answer index, ...); raising fails the reload
PrepareHook = Callable[[ContentPack], Any]
#: told about a new state after the swap; cannot undo it (failures are only logged)
SwapListener = Callable[["PackState"], None]


@dataclass(frozen=True, slots=True)
class PackState:
    """A pack together with everything derived from it, swapped in as one unit."""

    pack: ContentPack
    derived: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[Problem, ...] = ()

    def __getitem__(self, name: str) -> Any:
        return self.derived[name]


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What :meth:`PackHolder.reload` did. ``state`` is the state in effect afterwards."""

    ok: bool
    changed: bool
    state: PackState | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [*self.errors, *self.warnings]


class PackHolder:
    """The current content pack of a running bot, reloadable without a restart.

    ``reload()`` builds the new state completely — check the pack, then run every
    *prepare hook* (``name -> hook(pack)``, e.g. building the answer index) — and only then
    swaps it in with one assignment. If the pack has errors or a hook raises, the old state
    stays, untouched, and the result carries the problems. Readers take ``holder.current``
    once per request and use that snapshot throughout, so they never mix two packs.

    Swap listeners (``on_swap``) are told after a successful swap; they cannot make the
    reload fail, so anything that can fail belongs in a prepare hook.
    """

    def __init__(
        self,
        path: StrPath,
        *,
        strict: bool = False,
        prepare: Mapping[str, PrepareHook] | None = None,
    ) -> None:
        self.path = Path(path)
        self.strict = strict
        self._hooks: dict[str, PrepareHook] = dict(prepare or {})
        self._listeners: list[SwapListener] = []
        self._state: PackState | None = None
        self._lock = threading.RLock()

    @classmethod
    def load(
        cls,
        path: StrPath,
        *,
        strict: bool = False,
        prepare: Mapping[str, PrepareHook] | None = None,
    ) -> PackHolder:
        """A holder with its first pack loaded; raise :class:`PackError` if it cannot be."""
        holder = cls(path, strict=strict, prepare=prepare)
        holder.reload(raise_errors=True)
        return holder

    @property
    def loaded(self) -> bool:
        return self._state is not None

    @property
    def current(self) -> PackState:
        state = self._state
        if state is None:
            raise LookupError(f"no content pack loaded from {self.path}")
        return state

    @property
    def pack(self) -> ContentPack:
        return self.current.pack

    def add_prepare(self, name: str, hook: PrepareHook) -> None:
        """Register a hook; with a pack loaded, build its object now (errors propagate)."""
        with self._lock:
            state = self._state
            if state is not None:
                derived = {**state.derived, name: hook(state.pack)}
                self._state = replace(state, derived=MappingProxyType(derived))
            self._hooks[name] = hook

    def on_swap(self, listener: SwapListener) -> None:
        self._listeners.append(listener)

    def reload(self, *, force: bool = False, raise_errors: bool = False) -> ReloadResult:
        """Load the pack again and swap it in if valid; keep the old one otherwise.

        An unchanged pack (same version) is not rebuilt unless ``force``.
        """
        with self._lock:
            result = self._build(force)
            if result.ok and result.changed:
                assert result.state is not None
                self._state = result.state
        if not result.ok:
            if self._state is not None:  # (a first load that fails is the caller's to report)
                log.warning(
                    "content reload from %s failed, keeping version %s:\n%s",
                    self.path,
                    self._state.pack.version,
                    "\n".join(str(p) for p in result.errors),
                )
            if raise_errors:
                raise PackError(result.problems)
        elif result.changed:
            assert result.state is not None
            if result.warnings:
                log.warning(
                    "content pack %s (version %s) loaded with %d warning(s):\n%s",
                    self.path,
                    result.state.pack.version,
                    len(result.warnings),
                    "\n".join(str(w) for w in result.warnings),
                )
            for listener in list(self._listeners):
                try:
                    listener(result.state)
                except Exception:
                    log.exception("content swap listener %r failed", listener)
        return result

    async def reload_async(self, *, force: bool = False) -> ReloadResult:
        """:meth:`reload` in a worker thread, so the event loop keeps serving."""
        return await asyncio.to_thread(self.reload, force=force)

    def _build(self, force: bool) -> ReloadResult:
        old = self._state
        checked = check_pack(self.path, strict=self.strict)
        if checked.pack is None:
            return ReloadResult(False, False, old, checked.errors, checked.warnings)
        pack = checked.pack
        if old is not None and not force and old.pack.version == pack.version:
            return ReloadResult(True, False, old, [], checked.warnings)
        derived: dict[str, Any] = {}
        for name, hook in self._hooks.items():
            try:
                derived[name] = hook(pack)
            except Exception as exc:
                log.exception("preparing %r for content version %s failed", name, pack.version)
                problem = Problem(
                    str(self.path),
                    1,
                    f"(prepare {name})",
                    f"building '{name}' from the new pack failed: {type(exc).__name__}: {exc}",
                )
                return ReloadResult(False, False, old, [problem], checked.warnings)
        state = PackState(pack, MappingProxyType(derived), tuple(checked.warnings))
        return ReloadResult(True, True, state, [], checked.warnings)
