"""YAML with line numbers: the data plus a tree that tells on which line each value sits.

``yaml.safe_load`` forgets where things were. We compose the node graph (with libyaml
when available: it is several times faster), record a small tree of 1-based lines that
mirrors the data (mapping keys and list indexes), then construct the plain data from the
same nodes. Validation errors are paths into the data; :meth:`Lines.locate` turns such a
path into the line of the offending key or item, or of the nearest enclosing one when
the key is missing.

Duplicate keys, which PyYAML silently resolves to the last one, are reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

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


def parse(text: str) -> Parsed:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with a 1-based line."""
    loader = _Loader(text)
    try:
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
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, str(exc)) from exc
    except ValueError as exc:  # e.g. a timestamp such as 2025-13-45 that does not exist
        raise YamlSyntaxError(1, f"cannot read a value: {exc}") from exc
    finally:
        loader.dispose()


_STR_TAG = "tag:yaml.org,2002:str"


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
        return self.loader.construct_object(node, deep=True)

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
        data = self.loader.construct_object(node, deep=True)
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
