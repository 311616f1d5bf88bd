"""Texts as long as Telegram allows, counted as Telegram counts them (#10.3, #10.11).

Telegram counts UTF-16 code units: an emoji counts twice. A long answer of the content pack is
sent in several messages, cut at sentences (Latin, Chinese and Arabic punctuation), never
dropped; ``content check`` says which answers will be cut; the organisers' lists and the
operators' error reports stay within one message whatever the characters in them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot import callbacks
from bot.catalog.cli import content_check_command
from bot.i18n import translator
from bot.sandbox.state import Entry
from handlers import Action
from tests.support import Harness, running_bot

MINI = Path(__file__).parent / "data" / "packs" / "qa-mini"
ORGANISER = 900
LIMIT = 4096
MARKS = re.compile("[\u200e\u200f\u2066-\u2069\\s]")  # direction marks and isolates, spaces
QUESTION = {
    "en": "How do I get from the airport to my hotel?",
    "zh": "怎么从机场去酒店？",
    "ar": "كيف أصل من المطار إلى الفندق؟",
    "fr": "Comment aller de l'aéroport à mon hôtel ?",
}
#: one long line each, no line break anywhere: only sentences to cut at
LONG_ANSWER = {
    "en": " ".join(f"Shuttle {i} leaves the arrivals hall of Terminal 1A every thirty minutes for the official hotels." for i in range(110)),
    "zh": "".join(f"第{i}班免费接送车每三十分钟从一号航站楼到达大厅开往各官方酒店。" for i in range(160)),
    "ar": " ".join(f"هل تنطلق الحافلة رقم {i} من صالة الوصول؟ نعم، تنطلق كل ثلاثين دقيقة إلى الفنادق الرسمية." for i in range(90)),
    "fr": " ".join("🚌" * 30 + f" {i} " + "🏨" * 20 + "." for i in range(60)),  # ~6,000 units
}
SENTENCE_END = {"en": ".", "zh": "。", "ar": ".؟", "fr": "."}


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def squeezed(text: str) -> str:
    return MARKS.sub("", text)


def long_pack(tmp_path: Path) -> Path:
    """qa-mini with the airport answer one very long line in English, Chinese, Arabic and, in
    French, emoji."""
    pack = tmp_path / "pack"
    shutil.copytree(MINI, pack)
    faq_file = pack / "faq.yaml"
    faq = yaml.safe_load(faq_file.read_text(encoding="utf-8"))
    entry = next(e for e in faq["faq"] if e["id"] == "airport-transfer")
    entry["answer"].update(LONG_ANSWER)
    faq_file.write_text(yaml.safe_dump(faq, allow_unicode=True, width=1_000_000), encoding="utf-8")
    return pack


async def open_answer(bot: Harness, user_id: int, lang: str) -> list[Entry]:
    """The airport answer, opened with its button: every message up to the one with the
    keyboard (the last)."""
    user = bot.user(user_id, "Reader", language_code=lang)
    await user.command("menu")
    await user.reply()
    before = len(user.history())
    data = callbacks.encode(Action.FAQ_ANSWER, "airport-transfer", pack_version=bot.services.content.current.pack.version)
    await user.press_raw(data)
    await user.replies(1, timeout=20, predicate=lambda entry: bool(entry.buttons))
    return [e for e in user.history()[before:] if e.direction == "out"]


@pytest.mark.parametrize("lang", ["en", "zh", "ar", "fr"])
async def test_a_long_one_line_answer_comes_whole_in_several_messages(database_url: str, tmp_path: Path, lang: str) -> None:
    async with running_bot(database_url, content_dir=long_pack(tmp_path)) as bot:
        parts = await open_answer(bot, 7100, lang)
        assert len(parts) >= 2, [p.text[:60] for p in parts]
        assert all(units(p.text) <= LIMIT for p in parts)
        # nothing dropped, nothing repeated: the question, then the whole answer, in order
        joined = squeezed("".join(p.text for p in parts))
        assert joined.startswith(squeezed(QUESTION[lang]) + squeezed(LONG_ANSWER[lang]))
        assert "…" not in joined
        # each cut at the end of a sentence, in the language's own punctuation
        for part in parts[:-1]:
            assert part.text.rstrip()[-1] in SENTENCE_END[lang], part.text[-40:]
        # the question stays bold, the keyboard comes with the last message only
        assert any(e["type"] == "bold" for e in parts[0].entities)
        assert parts[-1].buttons and not any(p.buttons for p in parts[:-1])
        if lang == "ar":  # every part reads right to left from its start
            assert all(p.text.startswith("\u200f") for p in parts)
        assert not bot.emulator.errors


async def test_a_long_answer_to_a_typed_question_comes_whole(database_url: str, tmp_path: Path) -> None:
    async with running_bot(database_url, content_dir=long_pack(tmp_path)) as bot:
        user = bot.user(7110, "Asker", language_code="en")
        before = len(user.history())
        await user.send(QUESTION["en"])
        await user.command("help")  # handled after the answer: its reply closes the answer's messages
        await user.replies(1, timeout=20, predicate=lambda e: "/help" in e.text and "/menu" in e.text)
        parts = [e for e in user.history()[before:] if e.direction == "out"][:-1]
        assert len(parts) >= 2
        assert squeezed(LONG_ANSWER["en"]) in squeezed("".join(p.text for p in parts))
        assert not bot.emulator.errors


def test_content_check_flags_an_answer_that_needs_several_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(MINI, pack)
    faq_file = pack / "faq.yaml"
    faq = yaml.safe_load(faq_file.read_text(encoding="utf-8"))
    entry = next(e for e in faq["faq"] if e["id"] == "shuttle")
    entry["answer"]["en"] = "🚌" * 2500  # 2,500 characters, 5,000 as Telegram counts them
    faq_file.write_text(yaml.safe_dump(faq, allow_unicode=True, width=1_000_000), encoding="utf-8")
    assert content_check_command([str(pack)]) == 0
    out, _ = capsys.readouterr()
    flagged = [line for line in out.splitlines() if "faq[shuttle].answer.en" in line]
    assert len(flagged) == 1 and ": warning: " in flagged[0], out
    assert "5,000" in flagged[0] and "2 messages" in flagged[0]
    assert content_check_command([str(pack), "--strict"]) == 1
    out, _ = capsys.readouterr()
    assert "faq[shuttle].answer.en" in out and "warning" not in out
    # far too long for a chat: an error, strict or not
    entry["answer"]["en"] = "The shuttle leaves every thirty minutes. " * 1500
    faq_file.write_text(yaml.safe_dump(faq, allow_unicode=True, width=1_000_000), encoding="utf-8")
    assert content_check_command([str(pack)]) == 1
    out, _ = capsys.readouterr()
    assert "faq[shuttle].answer.en" in out and "at most 10" in out


async def test_unanswered_with_thirty_questions_of_400_emoji(bot: Harness) -> None:
    for i in range(30):
        await bot.services.questions.record(chr(0x1F600 + i) * 400, "en", "v1")
    organiser = bot.user(ORGANISER, "Org", language_code="en")
    await organiser.command("unanswered")
    reply = await organiser.reply()
    en = translator("en")
    assert en._("Questions the assistant could not answer, most asked first:") in reply.text
    assert units(reply.text) <= LIMIT
    listed = [line for line in reply.text.splitlines() if "×" in line]
    assert 5 <= len(listed) < 30 and reply.text.rstrip().endswith("…")  # whole lines, then "…"
    assert not bot.emulator.errors


async def test_an_error_report_with_long_non_latin_frames_reaches_the_operators(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    operators = -1001234567
    monkeypatch.setenv("OPERATOR_CHAT_ID", str(operators))
    # a failure deep in code whose file name is 300 emoji long (600 units a frame)
    source = "def fail(n):\n    if n == 0:\n        raise RuntimeError('x')\n    fail(n - 1)\n"
    namespace: dict[str, object] = {}
    exec(compile(source, "/srv/" + "📁" * 300 + "/deep.py", "exec"), namespace)

    def boom(*args: object, **kwargs: object) -> None:
        namespace["fail"](30)  # type: ignore[operator]

    async with running_bot(database_url) as bot:
        group = bot.emulator.group(chat_id=operators, title="Operators")
        monkeypatch.setattr(bot.services.content.current.engine, "ask", boom)
        user = bot.user(7120, "Ilse", language_code="en")
        await user.send("where is the karaoke")
        await user.reply()
        report = (await group.wait_for(1))[-1].text
        assert units(report) <= LIMIT
        assert report.startswith("Unexpected error: builtins.RuntimeError")
        assert "deep.py" in report and "in fail" in report.splitlines()[-1]


async def test_a_long_card_shown_in_place_continues_in_new_messages(database_url: str, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(MINI, pack)
    venues_file = pack / "venues.yaml"
    venues = yaml.safe_load(venues_file.read_text(encoding="utf-8"))
    directions = " ".join(f"Walk {i} steps past the fountain and turn left at the flags." for i in range(150))
    venues["venues"][0]["directions"]["en"] = directions
    venues_file.write_text(yaml.safe_dump(venues, allow_unicode=True, width=1_000_000), encoding="utf-8")
    async with running_bot(database_url, content_dir=pack) as bot:
        user = bot.user(7130, "Walker", language_code="en")
        await user.command("menu")
        menu = await user.reply()
        data = callbacks.encode(Action.VENUE, "kicc", pack_version=bot.services.content.current.pack.version)
        await user.press_raw(data, message=menu)
        await user.replies(2, timeout=20, predicate=lambda e: bool(e.buttons) or e.message_id == menu.message_id)
        edited = user.chat.by_id[menu.message_id]
        sent = [e for e in user.history() if e.direction == "out" and e.message_id > menu.message_id]
        parts = [edited, *sent]
        assert edited.edits and not edited.buttons  # the menu became the card's first part
        assert len(parts) >= 2 and sent[-1].buttons and not any(p.buttons for p in sent[:-1])
        assert squeezed(directions) in squeezed("".join(p.text for p in parts))
        assert all(units(p.text) <= LIMIT for p in parts) and not bot.emulator.errors
