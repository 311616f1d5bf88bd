"""Lengths as Telegram counts them, and long texts cut where a reader expects (bot.telegram_text).

Every part of a split is checked with the emulator's own HTML parser (TDLib's rules): a part
Telegram would refuse fails here, not at a conference.
"""

from __future__ import annotations

import random
import re

import pytest

from bot.sandbox.entities import parse_html, utf16_len
from bot.telegram_text import (
    MESSAGE_TEXT,
    cut,
    split_html,
    units,
    visible,
    visible_units,
    whole_lines,
)

FAMILY = "👨\u200d👩\u200d👧"  # one grapheme of five code points, 8 units
THUMB = "👍🏽"  # with a skin tone
FLAG = "🇻🇳"
SPACE = re.compile(r"\s+")


def parsed(part: str) -> tuple[str, list[dict]]:
    return parse_html(part)  # raises EntityError where Telegram answers 400


def test_lengths_are_utf16_code_units() -> None:
    assert units("abc") == 3 and units("😀") == 2 and units("é") == 1 and units("中文") == 2
    assert units(FAMILY) == utf16_len(FAMILY) == 8
    assert visible("<b>a &amp; b</b> &lt;&#128512;") == "a & b <😀"
    assert visible_units('<a href="https://x.org/?a=1&amp;b=2">link</a>') == 4


def test_cut_counts_units_and_never_breaks_a_character() -> None:
    assert cut("short", 10) == "short"
    assert cut("😀" * 10, 7) == "😀😀😀…" and units(cut("😀" * 10, 7)) <= 7
    for grapheme in (FAMILY, THUMB, FLAG, "e\u0301"):
        text = grapheme * 20
        for limit in range(2, 30):
            out = cut(text, limit)
            assert units(out) <= limit
            assert out[:-1] == grapheme * ((len(out) - 1) // len(grapheme))  # whole graphemes only
    assert cut("/srv/" + "📁" * 100 + "/x.py:3 in f", 20, keep_end=True).endswith("/x.py:3 in f")
    assert units(cut("📁" * 100 + THUMB * 9, 11, keep_end=True)) <= 11
    assert cut("📁" * 100 + THUMB * 9, 11, keep_end=True) == "…" + THUMB * 2


def test_whole_lines_keep_whole_lines_and_say_when_some_are_left_out() -> None:
    lines = [f"<b>{i}</b> " + "😀" * 100 for i in range(50)]  # 203 units each
    text = whole_lines(lines, finish=lambda body: "\u200f" + body)
    assert text.startswith("\u200f") and visible_units(text) <= MESSAGE_TEXT
    body = text[1:].split("\n")
    assert body[-1] == "…" and body[:-1] == lines[: len(body) - 1] and len(body) - 1 == 20
    assert whole_lines(lines[:3]) == "\n".join(lines[:3])
    parsed(text)


def test_a_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b> there") == ["<b>hi</b> there"]


def test_the_best_break_that_fills_half_a_message() -> None:
    paragraph = "Word " * 150  # 750 units
    text = "\n\n".join(paragraph.strip() for _ in range(3))
    parts = split_html(text, 1000)
    assert parts == [paragraph.strip()] * 3  # at the blank lines
    lines = "\n".join(("Line. " * 30).strip() for _ in range(8))  # 179 units a line
    assert all(part.endswith("Line.") and visible_units(part) <= 1000 for part in split_html(lines, 1000))
    assert len(split_html(lines, 1000)) == 2  # 5 lines (899 units) then 3: at a line break
    sentences = " ".join(f"Sentence {i} is here, with words." for i in range(100))
    for part in split_html(sentences, 500):
        assert part.endswith("words.") and visible_units(part) <= 500
    words = " ".join(["word"] * 400)
    assert all(part.endswith("word") for part in split_html(words, 300))


def test_chinese_and_arabic_sentences() -> None:
    chinese = "".join(f"第{i}句话说明接送车的时间。" for i in range(400))
    for part in split_html(chinese, 1000):
        assert part.endswith("。") and visible_units(part) <= 1000
    arabic = "\u200f" + " ".join(f"هل الحافلة رقم {i} هنا؟ نعم، إنها هنا." for i in range(200))
    parts = split_html(arabic, 1000)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("\u200f") and part.rstrip()[-1] in ".؟" and visible_units(part) <= 1000
    assert SPACE.sub("", "".join(parts).replace("\u200f", "")) == SPACE.sub("", arabic.replace("\u200f", ""))


def test_tags_are_closed_at_a_cut_and_opened_again_after_it() -> None:
    text = '<b>Title</b>\n<i>' + "A sentence in italics. " * 100 + '<a href="https://example.org/?a=1&amp;b=2">a link that is long ' + "and goes on " * 60 + "</a></i> tail"
    parts = split_html(text, 700)
    assert len(parts) > 3
    italic_parts = 0
    for part in parts:
        plain, entities = parsed(part)
        assert utf16_len(plain) <= 700
        if any(e["type"] == "italic" for e in entities):
            italic_parts += 1
        for entity in entities:
            if entity["type"] == "text_link":
                assert entity["url"] == "https://example.org/?a=1&b=2"
    assert italic_parts == len(parts) - 1 or italic_parts == len(parts)
    assert SPACE.sub("", "".join(parsed(p)[0] for p in parts)) == SPACE.sub("", visible(text))


def test_a_word_longer_than_a_message_is_cut_between_graphemes() -> None:
    text = "<b>" + (FAMILY + THUMB + FLAG + "😀") * 600 + "</b>"
    parts = split_html(text)
    assert len(parts) > 1
    joined = ""
    for part in parts:
        plain, entities = parsed(part)
        assert utf16_len(plain) <= MESSAGE_TEXT and entities[0]["type"] == "bold"
        joined += plain
    assert joined == visible(text)
    assert all(not p.startswith("<b>\u200d") and "\ufffd" not in p for p in parts)
    for part in parts[:-1]:  # each ends on a whole grapheme
        assert parsed(part)[0].endswith(("😀", FAMILY, THUMB, FLAG))


def test_an_entity_is_never_cut() -> None:
    text = "&amp;" * 5000
    parts = split_html(text, 1000)
    assert all(re.fullmatch(r"(&amp;)+", part) for part in parts)
    assert sum(visible_units(p) for p in parts) == 5000


@pytest.mark.parametrize("seed", range(40))
def test_random_texts_split_into_valid_parts_that_lose_nothing(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["word", "mot", "слово", "كلمة", "词语", "😀", FAMILY, THUMB, "&amp;", "&lt;", "&#128512;", ".", "。", "؟", "!"]
    spaces = [" ", " ", " ", "\n", "\n\n", ""]
    out: list[str] = []
    stack: list[str] = []
    for _ in range(rng.randint(200, 3000)):
        roll = rng.random()
        if roll < 0.05 and len(stack) < 3:
            tag = rng.choice(["b", "i", "u", "s", "code", "tg-spoiler", "a"])
            out.append('<a href="https://example.org/">' if tag == "a" else f"<{tag}>")
            stack.append(tag)
        elif roll < 0.09 and stack:
            out.append(f"</{stack.pop()}>")
        else:
            out.append(rng.choice(pieces) + rng.choice(spaces))
    out.extend(f"</{tag}>" for tag in reversed(stack))
    text = "".join(out)
    limit = rng.choice([200, 500, 1000, MESSAGE_TEXT])
    parts = split_html(text, limit)
    for part in parts:
        plain, _ = parsed(part)
        assert utf16_len(plain) <= limit
    assert SPACE.sub("", "".join(parsed(p)[0] for p in parts)) == SPACE.sub("", parsed(text)[0])
