"""Telegram-style parsing of formatted text: the plain text and its entities, or the error
Telegram gives ("can't parse entities: ...")."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code",
    "pre": "pre", "a": "text_link", "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
MD2_SPECIAL = set("_*[]()~`>#+-=|{}.!")


class EntityError(ValueError):
    pass


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text: list[str] = []
        self.length = 0
        self.stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            raise EntityError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        extra: dict[str, Any] = {}
        if tag == "a":
            extra["url"] = dict(attrs).get("href") or ""
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}')
        self.stack.append((tag, self.length, extra))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            raise EntityError(f'Unsupported start tag "br" at byte offset {self._byte_offset()}')
        raise EntityError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise EntityError(f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</{self.stack[-1][0]}>", found "</{tag}>"' if self.stack else f'Unexpected end tag at byte offset {self._byte_offset()}')
        _, start, extra = self.stack.pop()
        if self.length > start:
            entity = {"type": TAGS[tag], "offset": start, "length": self.length - start, **extra}
            if entity["type"] != "text_link":
                entity.pop("url", None)
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise EntityError(f"Unexpected < at byte offset {self._byte_offset()}")
        self.text.append(data)
        self.length += _utf16_len(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            raise EntityError(f'Unsupported HTML entity "&{name};"')
        self.handle_data(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.handle_data(html.unescape(f"&#{name};"))

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        lines = self.rawdata.split("\n")
        return len("\n".join(lines[: line - 1]).encode()) + (1 if line > 1 else 0) + len(lines[line - 1][:col].encode())


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    if parser.stack:
        tag = parser.stack[-1][0]
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    return "".join(parser.text), sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))


def check_markdown_v2(text: str) -> str:
    escaped = False
    for char in text:
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
            continue
        if char in MD2_SPECIAL and char not in "*_~`|[]()":
            raise EntityError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)[*_~`|]", "", text))


def parse_entities(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return check_markdown_v2(text), []
    if mode == "markdown":
        return re.sub(r"[*_`]", "", text), []
    if mode:
        raise EntityError(f'Unsupported parse_mode "{parse_mode}"')
    return text, []
