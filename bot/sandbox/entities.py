"""Formatted text the way Telegram parses it: HTML, MarkdownV2 and legacy Markdown turned into
plain text plus entities (offsets in UTF-16 code units), or the error the Bot API gives
(``can't parse entities: ...``, with byte offsets into the UTF-8 text).

The rules follow TDLib's parsers (what the Bot API server runs), e.g. an ``&`` that does not
start one of ``&lt; &gt; &amp; &quot; &#N; &#xN;`` is kept as a literal ``&``, unknown tags
are refused, ``</>`` closes the innermost tag. Also here: the entities Telegram finds by
itself (urls, mentions, commands, hashtags, e-mail addresses), trimming, and rendering text
plus entities back to safe HTML for a web chat.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

Entity = dict[str, Any]

HTML_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
    "span", "pre", "code", "blockquote",
})
_SIMPLE = {
    "i": "italic", "em": "italic", "b": "bold", "strong": "bold", "s": "strikethrough",
    "strike": "strikethrough", "del": "strikethrough", "u": "underline", "ins": "underline",
    "tg-spoiler": "spoiler", "span": "spoiler",
}
_SPACE = " \t\r\n\0\v"  # TDLib's is_space; the end of the text reads as "\0"
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20, "text_link": 49,
    "text_mention": 49, "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93,
    "spoiler": 94, "custom_emoji": 99,
}
_TDLIB_NAME = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "text_link": "TextUrl", "code": "Code", "pre": "Pre", "pre_code": "PreCode",
    "custom_emoji": "CustomEmoji", "blockquote": "BlockQuote",
}
_SPECIAL = re.compile(r"[&<]")


class EntityError(ValueError):
    """Telegram would answer ``400 Bad Request: can't parse entities: <message>``."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _u16(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Telegram's order: by offset, longer first, then by type priority."""
    entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return entities


# -- links ----------------------------------------------------------------------------------
_USER_LINK = re.compile(r"^tg:(?://)?user\?id=(\d+)$", re.I)
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$|^\d{1,3}(?:\.\d{1,3}){3}$|^localhost$", re.I)


def checked_link(url: str) -> str:
    """A URL as Telegram stores it (``telegram.org`` -> ``http://telegram.org/``), or "" when
    Telegram would drop the link."""
    url = url.strip()
    if not url:
        return ""
    scheme, sep, rest = url.partition("://")
    if not sep:
        if url.lower().startswith(("tg:", "ton:")):
            return url
        scheme, rest = "http", url
    scheme = scheme.lower()
    if scheme in ("tg", "ton"):
        return f"{scheme}://{rest}" if rest else ""
    if scheme not in ("http", "https", "ftp"):
        return ""
    cut = min([i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0], default=len(rest))
    netloc, tail = rest[:cut], rest[cut:]
    host = netloc.rsplit("@", 1)[-1]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if not _HOST.match(host):
        return ""
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{netloc}{tail}"


def _link_entity(offset: int, length: int, url: str) -> Entity | None:
    user = _USER_LINK.match(url.strip())
    if user:
        uid = int(user.group(1))
        return {"type": "text_mention", "offset": offset, "length": length,
                "user": {"id": uid, "is_bot": False, "first_name": str(uid)}}
    checked = checked_link(url)
    if not checked:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


# -- HTML -----------------------------------------------------------------------------------
def _decode_entity(text: str, pos: int) -> tuple[str, int]:
    """The character an HTML entity at ``text[pos] == "&"`` stands for, and where it ends;
    ("", pos) when it is not one Telegram knows (the ``&`` then stays literal)."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and "0" <= text[end] <= "9":
                value = value * 10 + ord(text[end]) - 48
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return "", pos
        char = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        char = _NAMED.get(text[pos + 1:end], "")
        if not char:
            return "", pos
    if end < n and text[end] == ";":
        end += 1
    return char, end


def parse_html(text: str) -> tuple[str, list[Entity]]:
    n = len(text)

    def at(i: int) -> str:
        return text[i] if i < n else "\0"

    def fail(message: str) -> EntityError:
        return EntityError(message)

    out: list[str] = []
    out_len = 0  # characters in out
    u16 = 0
    nested: list[tuple[str, str, int, int]] = []  # tag, argument, utf-16 offset, out position
    entities: list[Entity] = []
    surrogate = False
    i = 0
    while i < n:
        match = _SPECIAL.search(text, i)
        stop = match.start() if match else n
        if stop > i:
            chunk = text[i:stop]
            out.append(chunk)
            out_len += len(chunk)
            u16 += utf16_len(chunk)
            i = stop
            continue
        if text[i] == "&":
            char, end = _decode_entity(text, i)
            if not char:
                char, end = "&", i + 1
            elif 0xD800 <= ord(char) <= 0xDFFF:
                surrogate = True
            out.append(char)
            out_len += 1
            u16 += _u16(char)
            i = end
            continue
        begin = i
        i += 1
        if at(i) != "/":  # a start tag
            while at(i) not in _SPACE and at(i) != ">":
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1:i].lower()
            if tag not in HTML_TAGS:
                raise fail(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            argument = ""
            expandable = False
            while at(i) != ">":
                while i < n and at(i) in _SPACE:
                    i += 1
                if at(i) == ">":
                    break
                name_begin = i
                while at(i) not in _SPACE and at(i) != "=" and at(i) != ">":
                    i += 1
                name = text[name_begin:i]
                if not name:
                    raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}')
                while i < n and at(i) in _SPACE:
                    i += 1
                if tag == "blockquote" and name.lower() == "expandable" and at(i) != "=":
                    expandable = True
                    continue
                if at(i) != "=":
                    raise fail('Expected equal sign in declaration of an attribute of the tag '
                               f'"{tag}" at byte offset {_byte_offset(text, begin)}')
                i += 1
                while i < n and at(i) in _SPACE:
                    i += 1
                if i >= n:
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _SPACE and at(i) != ">":
                        raise fail(f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}")
                else:
                    quote = text[i]
                    i += 1
                    parts: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            char, end = _decode_entity(text, i)
                            if char:
                                parts.append(char)
                                i = end
                                continue
                        parts.append(text[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(parts)
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
            if expandable:
                argument = "expandable"
            nested.append((tag, argument, u16, out_len))
            i += 1
            continue
        # an end tag
        if not nested:
            raise fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        end_tag = text[begin + 2:i].lower()
        while i < n and at(i) in _SPACE:
            i += 1
        if at(i) != ">":
            raise fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        tag, argument, offset, out_pos = nested[-1]
        if end_tag and end_tag != tag:
            raise fail(f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, '
                       f'expected "</{tag}>", found "</{end_tag}>"')
        if u16 > offset:
            _close_html_tag(entities, tag, argument, offset, u16 - offset, out, out_pos)
        nested.pop()
        i += 1
    if nested:
        raise fail(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    result = "".join(out)
    if surrogate:
        try:
            result.encode("utf-8")
        except UnicodeEncodeError:
            raise fail("Text contains invalid Unicode characters after decoding HTML entities, "
                       "check for unmatched surrogate code units") from None
    return result, sort_entities(entities)


def _close_html_tag(entities: list[Entity], tag: str, argument: str, offset: int, length: int,
                    out: list[str], out_pos: int) -> None:
    kind = _SIMPLE.get(tag)
    if kind:
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument})
    elif tag == "a":
        url = argument or "".join(out)[out_pos:]
        entity = _link_entity(offset, length, url)
        if entity:
            entities.append(entity)
    elif tag == "pre":
        last = entities[-1] if entities else None
        if last and last["type"] == "code" and last["offset"] == offset and last["length"] == length and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if last and last["type"] == "pre" and last["offset"] == offset and last["length"] == length and argument:
            last["language"] = argument
        else:
            entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


# -- MarkdownV2 -----------------------------------------------------------------------------
def _reserved(char: str) -> EntityError:
    return EntityError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    n = len(text)

    def at(i: int) -> str:
        return text[i] if i < n else "\0"

    def escapable(char: str) -> bool:
        return "\0" < char <= "~"

    out: list[str] = []
    u16 = 0
    entities: list[Entity] = []
    nested: list[list[Any]] = []  # [kind, argument, utf-16 offset, char index, out position]
    blockquote = False
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and escapable(at(i + 1)):
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        top = nested[-1][0] if nested else None
        reserved = "`" if top in ("code", "pre", "pre_code") else "_*[]()~`>#+-=|{}.!\n"
        if c not in reserved:
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue
        end_of_entity = False
        if top is not None:
            if blockquote and c == "\n" and (i + 1 == n or text[i + 1] != ">"):
                end_of_entity = True
            elif top == "bold":
                end_of_entity = c == "*"
            elif top == "italic":
                end_of_entity = c == "_" and at(i + 1) != "_"
            elif top == "code":
                end_of_entity = c == "`"
            elif top in ("pre", "pre_code"):
                end_of_entity = c == "`" and at(i + 1) == "`" and at(i + 2) == "`"
            elif top in ("text_link", "custom_emoji"):
                end_of_entity = c == "]"
            elif top == "underline":
                end_of_entity = c == "_" and at(i + 1) == "_"
            elif top == "strikethrough":
                end_of_entity = c == "~"
            elif top == "spoiler":
                end_of_entity = c == "|" and at(i + 1) == "|"
        if not end_of_entity:
            begin = i
            argument = ""
            kind: str | None
            if c == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise _reserved(c)
                i += 1
                kind = "spoiler"
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    i += 3
                    kind = "pre"
                    language_end = i
                    while at(language_end) not in _SPACE and at(language_end) != "`":
                        language_end += 1
                    if i != language_end and language_end < n and text[language_end] != "`":
                        kind = "pre_code"
                        argument = text[i:language_end]
                        i = language_end
                    if at(i) in "\n\r":
                        i += 2 if at(i + 1) in "\n\r" and at(i) != at(i + 1) else 1
                    i -= 1
                else:
                    kind = "code"
            elif c == "!":
                if at(i + 1) != "[":
                    raise _reserved(c)
                i += 1
                kind = "custom_emoji"
            elif c == "\n":
                out.append("\n")
                u16 += 1
                kind = None
                if at(i + 1) == ">":
                    i += 1
                    if not blockquote:
                        kind = "blockquote"
                        blockquote = True
            elif c == ">":
                if i != 0:
                    raise _reserved(c)
                kind = "blockquote"
                blockquote = True
            else:
                raise _reserved(c)
            if kind is not None:
                nested.append([kind, argument, u16, begin, len(out)])
            i += 1
            continue
        # the end of an entity
        kind, argument, offset, begin, out_pos = nested[-1]
        if c == "\n" and kind != "blockquote":
            raise EntityError(f"Can't find end of {_TDLIB_NAME[kind]} entity at byte offset {_byte_offset(text, begin)}")
        entity: Entity | None = None
        skip = u16 == offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_link":
            if at(i + 1) != "(":
                url = "".join(out[out_pos:])
            else:
                i += 2
                url_begin = i
                parts: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and escapable(at(i + 1)):
                        parts.append(text[i + 1])
                        i += 2
                        continue
                    parts.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise EntityError(f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}")
                url = "".join(parts)
            if not skip:
                entity = _link_entity(offset, u16 - offset, url)
                skip = entity is None
        elif kind == "custom_emoji":
            if at(i + 1) != "(":
                raise EntityError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            close = text.find(")", i)
            if close < 0:
                raise EntityError(f"Can't find end of a custom emoji URL at byte offset {_byte_offset(text, url_begin)}")
            found = re.match(r"^tg://emoji\?id=(\d+)$", text[i:close])
            if not found:
                raise EntityError("Invalid custom emoji identifier specified")
            argument = found.group(1)
            i = close
        elif kind == "blockquote":
            blockquote = False
            out.append(c)
            u16 += 1
        if not skip:
            if entity is None:
                entity = {"type": "pre" if kind == "pre_code" else kind, "offset": offset, "length": u16 - offset}
                if kind == "pre_code":
                    entity["language"] = argument
                elif kind == "custom_emoji":
                    entity["custom_emoji_id"] = argument
            entities.append(entity)
        nested.pop()
        i += 1
    if blockquote and nested and nested[-1][0] == "blockquote":
        offset = nested.pop()[2]
        if u16 > offset:
            entities.append({"type": "blockquote", "offset": offset, "length": u16 - offset})
    if nested:
        kind, _, _, begin, _ = nested[-1]
        raise EntityError(f"Can't find end of {_TDLIB_NAME[kind]} entity at byte offset {_byte_offset(text, begin)}")
    return "".join(out), sort_entities(entities)


# -- legacy Markdown ------------------------------------------------------------------------
def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    n = len(text)

    def at(i: int) -> str:
        return text[i] if i < n else "\0"

    out: list[str] = []
    u16 = 0
    entities: list[Entity] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and at(i + 1) in "_*`[":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            pre = True
            language_end = i
            while at(language_end) not in _SPACE and at(language_end) != "`":
                language_end += 1
            if i != language_end and language_end < n and text[language_end] != "`":
                language = text[i:language_end]
                i = language_end
            if at(i) in "\n\r":
                i += 2 if at(i + 1) in "\n\r" and at(i) != at(i + 1) else 1
        offset = u16
        start = len(out)
        while i < n and (text[i] != end_char or (pre and not (at(i + 1) == "`" and at(i + 2) == "`"))):
            out.append(text[i])
            u16 += _u16(text[i])
            i += 1
        if i == n:
            raise EntityError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        if u16 != offset:
            length = u16 - offset
            if c == "_":
                entities.append({"type": "italic", "offset": offset, "length": length})
            elif c == "*":
                entities.append({"type": "bold", "offset": offset, "length": length})
            elif c == "[":
                if at(i + 1) == "(":
                    close = text.find(")", i + 2)
                    close = n if close < 0 else close
                    url = text[i + 2:close]
                    i = close
                else:
                    url = "".join(out[start:])
                entity = _link_entity(offset, length, url)
                if entity:
                    entities.append(entity)
            elif pre:
                entity = {"type": "pre", "offset": offset, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "code", "offset": offset, "length": length})
        if pre:
            i += 2
        i += 1
    return "".join(out), sort_entities(entities)


# -- entities Telegram finds by itself ------------------------------------------------------
_TLDS = (
    "com|org|net|int|edu|gov|mil|info|biz|io|me|app|dev|ai|co|tv|news|travel|museum|online|site|"
    "vn|fr|es|ru|uk|de|ch|it|nl|be|at|pl|cn|jp|kr|in|us|ca|au|br|ar|mx|sa|ae|eg|ma|tr|ir|id|th|"
    "sg|my|ph|kh|la|int|eu|asia|ly|gl|to|ws|xyz|org\\.vn|gov\\.vn|com\\.vn"
)
_AUTO = re.compile(
    r"(?P<email>(?<![\w.+-])[\w.+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,})"
    r"|(?P<url>(?<![\w@/.-])(?:https?://[^\s<>\"']+|(?:www\.)?(?:[a-z0-9-]+\.)+(?:" + _TLDS + r")\b(?::\d+)?(?:/[^\s<>\"']*)?))"
    r"|(?P<bot_command>(?<![\w/<>])/[a-z0-9_]{1,64}(?:@[a-z0-9_]{3,32})?(?![\w/<>]))"
    r"|(?P<mention>(?<!\w)@[a-z0-9_]{3,32}(?!\w))"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d_]\w*)",
    re.I,
)
_TRAILING = ".,;:!?)]}'\""
_OPAQUE = frozenset({"pre", "code", "text_link", "text_mention", "custom_emoji"})


def find_entities(text: str) -> list[Entity]:
    """The url, email, bot_command, mention and hashtag entities Telegram adds on its own."""
    if not any(ch in text for ch in "./@#"):
        return []
    found: list[Entity] = []
    prefix_u16 = 0
    prefix_end = 0
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or ""
        start, end = match.span()
        if kind == "url":
            while end > start and text[end - 1] in _TRAILING:
                end -= 1
        prefix_u16 += utf16_len(text[prefix_end:start])
        prefix_end = start
        found.append({"type": kind, "offset": prefix_u16, "length": utf16_len(text[start:end])})
    return found


def merge_found(entities: list[Entity], found: list[Entity]) -> list[Entity]:
    """Add the found entities that do not overlap code, pre or links (as Telegram does)."""
    if not found:
        return entities
    blocked = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    extra = [f for f in found if not any(f["offset"] < end and start < f["offset"] + f["length"] for start, end in blocked)]
    return sort_entities(entities + extra) if extra else entities


# -- trimming -------------------------------------------------------------------------------
def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram drops leading and trailing white space of a message; entities follow."""
    stripped = text.strip(" \t\r\n\v\f")
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    lead = utf16_len(text[: text.index(stripped[0])])
    size = utf16_len(stripped)
    out: list[Entity] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            out.append({**entity, "offset": start, "length": end - start})
    return stripped, out


def parse_entities(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Text and entities for ``parse_mode`` (None, HTML, MarkdownV2 or Markdown)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise EntityError("unsupported parse_mode")


# -- rendering --------------------------------------------------------------------------------
def to_html(text: str, entities: list[Entity] | None) -> str:
    """Text plus entities as safe HTML (everything escaped, only formatting tags), for display."""
    if not entities:
        return _html.escape(text, quote=False)
    opens: dict[int, list[Entity]] = {}
    for entity in sort_entities([dict(e) for e in entities]):
        opens.setdefault(entity["offset"], []).append(entity)
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end, closing tag)
    pos = 0

    def close_until(limit: int) -> None:
        while stack and stack[-1][0] <= limit:
            out.append(stack.pop()[1])

    for char in text + "\0":
        close_until(pos)
        for entity in opens.get(pos, ()):
            start_tag, end_tag = _tags(entity, text)
            if start_tag:
                out.append(start_tag)
                stack.append((pos + entity["length"], end_tag))
        if char != "\0":
            out.append(_html.escape(char, quote=False))
        pos += _u16(char)
    while stack:
        out.append(stack.pop()[1])
    return "".join(out)


def _tags(entity: Entity, text: str) -> tuple[str, str]:
    kind = entity["type"]
    simple = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "code": "code",
              "blockquote": "blockquote", "expandable_blockquote": "blockquote"}
    if kind in simple:
        tag = simple[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="tg-spoiler">', "</span>"
    if kind == "pre":
        if entity.get("language"):
            lang = _html.escape(entity["language"])
            return f'<pre><code class="language-{lang}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return f'<a href="{_html.escape(entity["url"])}">', "</a>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={int(entity["user"]["id"])}">', "</a>"
    if kind == "url":
        raw = text.encode("utf-16-le")[2 * entity["offset"]: 2 * (entity["offset"] + entity["length"])]
        url = raw.decode("utf-16-le", "replace")
        href = url if "://" in url else "http://" + url
        return f'<a href="{_html.escape(href)}">', "</a>"
    return "", ""
