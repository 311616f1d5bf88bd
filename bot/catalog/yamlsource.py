"""YAML with line numbers: the data plus a tree that tells on which line each value sits.

``yaml.safe_load`` forgets where things were. We compose the node graph (with libyaml
when available: it is several times faster), record a small tree of 1-based lines that
mirrors the data (mapping keys and list indexes), then construct the plain data from the
same nodes. Validation errors are paths into the data; :meth:`Lines.locate` turns such a
path into the line of the offending key or item, or of the nearest enclosing one when
the key is missing.

Duplicate keys, which PyYAML silently resolves to the last one, are reported.

Before any of that, :func:`check_limits` walks the parser's event stream (the parser is a
state machine, not a recursion) and stops at the first limit of :mod:`bot.catalog.limits`
crossed: nesting depth, number of values and characters of text, each alias counted as
everything it names. So a hostile file is refused before a node is composed (the composer
and the builder below recurse once per level) or an alias expanded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.catalog.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_TEXT_CHARS, MAX_VALUES

try:  # pragma: no cover - depends on how PyYAML was built
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(slots=True)
class Lines:
    """Where a mapping or a list starts, and where each of its keys / items is (1-based).

    Scalars have no node of their own: the line of their key (or list item) is enough.
    """

    line: int
    keys: dict[Any, int] = field(default_factory=dict)
    children: dict[Any, Lines] = field(default_factory=dict)

    def line_of(self, path: Iterable[Any]) -> int:
        """The line of the deepest element of ``path`` that exists.

        A mapping key gives the key's line, a list index the item's line; elements that
        do not exist (a missing key, pydantic's internal markers) are skipped, so a
        missing field points at the line where its item starts.
        """
        node, line = self, self.line
        for elem in path:
            try:
                found = node.keys.get(elem)
            except TypeError:  # an unhashable path element
                found = None
            if found is None:
                continue
            line = found
            node = node.children.get(elem) or _LEAF
        return line


_LEAF = Lines(0)


@dataclass(slots=True)
class Issue:
    """A problem found while reading (a duplicate key): ``path`` is into the data."""

    line: int
    path: tuple[Any, ...]
    message: str


@dataclass(slots=True)
class Parsed:
    data: Any
    lines: Lines
    issues: list[Issue]


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class YamlLimitError(YamlSyntaxError):
    """The file crosses one of the limits of :mod:`bot.catalog.limits`."""


def parse(text: str) -> Parsed:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with a 1-based line
    (:class:`YamlLimitError` when the file is too big, too deep or expands too far)."""
    if len(text) > MAX_FILE_BYTES:  # a character is at least a byte
        raise YamlLimitError(1, too_big(len(text.encode("utf-8", "surrogatepass"))))
    loader = _Loader(text)
    try:
        check_limits(loader)
        loader.dispose()
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return Parsed(None, Lines(1), [])
        builder = _Builder(loader)
        data, lines = builder.build(node, ())
        return Parsed(data, lines or Lines(node.start_mark.line + 1), builder.issues)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        context = exc.context
        if context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            context = f"{context} (from line {exc.context_mark.line + 1})"
        parts = [p for p in (context, exc.problem) if p]
        raise YamlSyntaxError(line, ": ".join(parts) or "invalid YAML") from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. U+0098
        char = exc.character
        code = char[0] if isinstance(char, bytes) else int(char)
        line = _line_at(text, exc.position)
        raise YamlSyntaxError(line, f"unacceptable character #x{code:04x}: {exc.reason}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, " ".join(str(exc).split())) from exc
    except ValueError as exc:  # e.g. a timestamp such as 2025-13-45 that does not exist
        raise YamlSyntaxError(1, f"cannot read a value: {exc}") from exc
    finally:
        loader.dispose()


_STR_TAG = "tag:yaml.org,2002:str"


def _line_at(text: str, position: int) -> int:
    """The 1-based line of a reader error's position: libyaml counts bytes of UTF-8, the
    pure-Python reader characters."""
    if _Loader is getattr(yaml, "CSafeLoader", None):
        return text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1
    return text[:position].count("\n") + 1


def _preview(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return "(a mapping)" if isinstance(node, yaml.MappingNode) else "(a list)"
    text = node.value if len(node.value) <= 30 else node.value[:27] + "..."
    return repr(text)


class _Builder:
    """Builds the data and its line tree in one walk over the composed nodes.

    Plain strings (nearly every scalar of a pack) are taken straight from the node; other
    scalars and anything using merge keys go through PyYAML's safe constructor, so the
    data is what ``yaml.safe_load`` would give.
    """

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.issues: list[Issue] = []
        self._stack: set[int] = set()

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        return self.construct(node)

    def construct(self, node: yaml.Node) -> Any:
        """PyYAML's value of ``node``; a constructor that chokes on it (``!!timestamp x``
        raises AttributeError, a 5,000-digit integer ValueError) is a problem at its line."""
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:
            raise yaml.MarkedYAMLError(
                problem=f"cannot read {_preview(node)} as a {node.tag.rsplit(':', 1)[-1]}",
                problem_mark=node.start_mark,
            ) from exc

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> tuple[Any, Lines | None]:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node), None
        if id(node) in self._stack:
            mark = node.start_mark
            raise yaml.MarkedYAMLError(
                problem="a recursive alias is not allowed", problem_mark=mark
            )
        self._stack.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path)
            if any(key.tag == _MERGE_TAG for key, _ in node.value):
                return self._merged(node, path)
            return self._mapping(node, path)
        finally:
            self._stack.discard(id(node))

    def _sequence(self, node: yaml.SequenceNode, path: tuple[Any, ...]) -> tuple[Any, Lines]:
        lines = Lines(node.start_mark.line + 1)
        data = []
        for index, item in enumerate(node.value):
            value, sub = self.build(item, (*path, index))
            data.append(value)
            lines.keys[index] = item.start_mark.line + 1
            if sub is not None:
                lines.children[index] = sub
        return data, lines

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> tuple[Any, Lines]:
        lines = Lines(node.start_mark.line + 1)
        data: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            key_line = key_node.start_mark.line + 1
            value, sub = self.build(value_node, (*path, key))
            if key in lines.keys:
                self.issues.append(
                    Issue(
                        key_line,
                        (*path, key),
                        f"duplicate key '{key}' (first at line {lines.keys[key]}); "
                        "only the last one would count",
                    )
                )
                continue
            data[key] = value
            lines.keys[key] = key_line
            if sub is not None:
                lines.children[key] = sub
        return data, lines

    def _merged(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> tuple[Any, Lines]:
        """A mapping with ``<<`` merge keys: PyYAML builds it, we only record lines."""
        data = self.construct(node)
        lines = Lines(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self._key(key_node)
            lines.keys[key] = key_node.start_mark.line + 1
            if not isinstance(value_node, yaml.ScalarNode):
                _, sub = self.build(value_node, (*path, key))
                if sub is not None:
                    lines.children[key] = sub
        return data, lines

    def _key(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        raise yaml.MarkedYAMLError(
            problem="a mapping or a list cannot be used as a key", problem_mark=node.start_mark
        )


# ---- limits, checked on the event stream ---------------------------------------------------


def too_big(size: int) -> str:
    """The problem of a file of ``size`` bytes over :data:`MAX_FILE_BYTES`."""
    return (
        f"the file is {size:,} bytes; a content pack file may be at most "
        f"{MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // (1024 * 1024)} MiB)"
    )


@dataclass(slots=True)
class _Size:
    """What a value stands for once expanded: values, characters of text, levels of nesting."""

    values: int = 1
    chars: int = 0
    height: int = 0

    def add(self, child: _Size) -> None:
        self.values += child.values
        self.chars += child.chars
        self.height = max(self.height, child.height + 1)


@dataclass(slots=True)
class _Open:
    """A mapping or list whose end event has not come yet."""

    anchor: str | None
    size: _Size


def check_limits(loader: Any) -> None:
    """Raise :class:`YamlLimitError` at the first event that crosses a limit.

    ``loader`` is a fresh PyYAML loader (only its parser is used). Anchored values are
    remembered by their expanded size, so an alias costs what it names without being
    expanded; an alias used inside the value it names (a cycle) is refused too, since
    nothing downstream could walk it.
    """
    anchors: dict[str, _Size] = {}
    stack: list[_Open] = []
    values = chars = 0
    while loader.check_event():
        event = loader.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:  # most events: counted straight into the open collection
            length = len(event.value)
            values, chars = values + 1, chars + length
            if stack:
                top = stack[-1].size
                top.values += 1
                top.chars += length
            if event.anchor is not None:
                anchors[event.anchor] = _Size(values=1, chars=length)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise YamlLimitError(event.start_mark.line + 1, _too_deep())
            stack.append(_Open(event.anchor, _Size(values=1, height=1)))
            values += 1
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = stack.pop()
            if done.anchor is not None:
                anchors[done.anchor] = done.size
            if stack:
                stack[-1].size.add(done.size)
            continue
        elif kind is yaml.AliasEvent:
            line = event.start_mark.line + 1
            if any(frame.anchor == event.anchor for frame in stack):
                raise YamlLimitError(
                    line, f"the alias *{event.anchor} is used inside the value it names (a cycle)"
                )
            size = anchors.get(event.anchor)
            if size is None:  # an undefined alias: the composer says so
                continue
            if len(stack) + size.height > MAX_DEPTH:
                raise YamlLimitError(line, _too_deep(event.anchor))
            values, chars = values + size.values, chars + size.chars
            if values > MAX_VALUES or chars > MAX_TEXT_CHARS:
                raise YamlLimitError(line, _too_large(values, event.anchor))
            if stack:
                stack[-1].size.add(size)
            continue
        else:  # stream and document start and end
            continue
        if values > MAX_VALUES or chars > MAX_TEXT_CHARS:
            raise YamlLimitError(event.start_mark.line + 1, _too_large(values))


def _too_deep(through: str = "") -> str:
    where = f"the alias *{through} makes " if through else ""
    return (
        f"{where}mappings and lists nested more than {MAX_DEPTH} deep; "
        f"a content pack file may nest them at most {MAX_DEPTH} deep"
    )


def _too_large(values: int, through: str = "") -> str:
    if values > MAX_VALUES:
        what, most = f"{MAX_VALUES:,} values (mappings, lists and scalars)", f"{MAX_VALUES:,}"
    else:
        what, most = f"{MAX_TEXT_CHARS:,} characters of text", f"{MAX_TEXT_CHARS:,}"
    if through:
        return (
            f"the alias *{through} takes the file past {what}, counting each alias as "
            f"everything it names; a content pack file may hold at most {most}"
        )
    return f"more than {what}; a content pack file may hold at most {most}"
