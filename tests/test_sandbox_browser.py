"""The sandbox's web chat in a real browser: the page a newcomer sees first (``make run``).

The real bot runs against the emulator in-process, the sandbox chat app is mounted exactly as
``python -m bot`` mounts it, and headless Chromium (Debian's, never a downloaded one) drives
the page through Playwright's async API, in the same event loop as the bot.

Skipped, with the reason, when Playwright or a ``chromium`` on PATH is missing; with
``REQUIRE_BROWSER=1`` (CI) a missing browser fails the run instead.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.i18n import LANGUAGE_NAMES, RLM, translator
from bot.sandbox.harness import Harness, free_port
from bot.sandbox.run import DELEGATE, OFFICER, ORGANISER
from bot.web.sandbox_chat import create_chat_app
from handlers import keyboards
from tests.support import running_bot


def _missing() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if shutil.which("chromium") is None:
        return "no chromium on PATH (Debian: apt-get install chromium)"
    return None


if (_reason := _missing()) is not None:
    if os.environ.get("REQUIRE_BROWSER", "") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {_reason}", pytrace=False)
    pytest.skip(f"browser tests: {_reason}", allow_module_level=True)

import pytest_asyncio  # noqa: E402
from playwright.async_api import Browser, Locator, Page, async_playwright, expect  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")
TIMEOUT = 10_000  # ms, for every wait on the page
expect.set_options(timeout=TIMEOUT)


@dataclass
class Chat:
    page: Page
    bot: Harness
    dialogs: list[str] = field(default_factory=list)

    async def send(self, text: str) -> None:
        await self.page.locator("#text").fill(text)
        await self.page.locator("#text").press("Enter")
        # the page re-renders the whole log from the emulator's history: our message is in it
        await expect(self.page.locator(".msg.user").filter(has_text=text).last).to_be_visible()

    def bot_says(self, text: str | re.Pattern[str]) -> Locator:
        return self.page.locator(".msg.bot").filter(has_text=text)

    async def press(self, label: str) -> None:
        await self.page.locator(".msg.bot .kb button").filter(has_text=label).last.click()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """One bot for the module (starting it is the slow part); each test talks as a new delegate."""
    db = tmp_path_factory.mktemp("sandbox") / "bot.db"
    async with running_bot(f"sqlite+aiosqlite:///{db}", organiser_ids=(ORGANISER,)) as bot:
        yield bot


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True)
        try:
            yield browser
        finally:
            await browser.close()


_delegates = itertools.count(DELEGATE, 100)


@pytest_asyncio.fixture(loop_scope="module")
async def chat(sandbox_bot: Harness, browser: Browser) -> AsyncIterator[Chat]:
    """The sandbox chat app, mounted as ``python -m bot`` mounts it, on a free port, and a fresh
    page open on it; the delegate persona is a new person (1001, 1101, ...) in every test."""
    bot = sandbox_bot
    personas = [
        (bot.user(next(_delegates), "Delegate", language_code="en"), "Delegate"),
        (bot.user(ORGANISER, "Organiser", language_code="en"), "Organiser"),
        (bot.user(OFFICER, "Officer", language_code="en"), "Liaison officer"),
    ]
    tz = bot.services.content.current.pack.tz
    runner = web.AppRunner(create_chat_app(bot.emulator, personas, bot.clock, tz), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    context = await browser.new_context(viewport={"width": 900, "height": 900}, locale="en-GB")
    try:
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT)
        chat = Chat(page, bot)
        page.on("dialog", lambda d: (chat.dialogs.append(d.message), d.dismiss()))
        await page.goto(f"http://127.0.0.1:{port}/")
        await expect(page.locator("#persona")).to_have_value(str(personas[0][0].id))
        yield chat
    finally:
        await context.close()
        await runner.cleanup()


async def test_start_shows_welcome_and_main_menu(chat: Chat) -> None:
    t = translator("en")
    pack = chat.bot.services.content.current.pack
    await chat.send("/start")
    welcome = chat.bot_says(t._("Welcome, {name}!").format(name="Delegate"))
    await expect(welcome).to_be_visible()
    await expect(welcome).to_contain_text(pack.event.name.get("en"))
    labels = [b.text for row in keyboards.main_menu(t, pack.version).inline_keyboard for b in row]
    await expect(welcome.locator(".kb button")).to_have_text(labels)
    await chat.page.screenshot(path="/tmp/sandbox-browser-welcome.png", full_page=True)


async def test_free_text_question_shows_the_packs_answer(chat: Chat) -> None:
    pack = chat.bot.services.content.current.pack
    wifi = pack.faq_entry("wifi")
    assert wifi is not None
    question = wifi.questions["en"][0]
    answer = " ".join(wifi.answer.get("en").split())
    await chat.send(question)
    bubble = chat.bot_says(answer[:40]).last
    await expect(bubble).to_be_visible()
    shown = " ".join((await bubble.locator("> div").first.inner_text()).split())
    assert answer in shown
    # the card's title is the question in bold and its "last updated" line in italics,
    # rendered as formatting, not as tags
    await expect(bubble.locator("b").first).to_have_text(question)
    await expect(bubble.locator("i").first).to_be_visible()
    assert "<b>" not in shown and "<i>" not in shown


async def test_inline_button_shows_the_next_message(chat: Chat) -> None:
    t = translator("en")
    pack = chat.bot.services.content.current.pack
    await chat.send("/start")
    await expect(chat.bot_says(t._("Welcome, {name}!").format(name="Delegate"))).to_be_visible()
    await chat.press(t._("📅 Programme"))
    heading = t._("Programme of {event}").format(event=pack.event.name.get("en"))
    programme = chat.bot_says(heading)
    await expect(programme).to_be_visible()
    await expect(programme.locator(".kb button").filter(has_text=t._("By kind of session"))).to_be_visible()
    # the menu message was edited in place: the main menu's buttons are gone from the page
    await expect(chat.page.locator(".kb button").filter(has_text=t._("📅 Programme"))).to_have_count(0)
    await chat.press(t._("⏱ Now and next"))
    await expect(chat.bot_says(re.compile(
        "|".join(re.escape(t._(h)) for h in (
            "On now, and next", "Nothing is on right now. Next:", "There is nothing more in the programme."
        ))
    ))).to_be_visible()


#: where the lines of a bubble's text sit, and where its last visible character is drawn
LAYOUT = """el => {
    const box = el.getBoundingClientRect(), range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Map();
    for (const r of range.getClientRects()) {
        if (!r.width) continue;
        const line = lines.get(Math.round(r.top)) || {left: Infinity, right: -Infinity};
        line.left = Math.min(line.left, r.left); line.right = Math.max(line.right, r.right);
        lines.set(Math.round(r.top), line);
    }
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let last = null;
    while (walker.nextNode()) if (walker.currentNode.data.trim()) last = walker.currentNode;
    const end = document.createRange(), i = last.data.trimEnd().length - 1;
    end.setStart(last, i); end.setEnd(last, i + 1);
    const stop = end.getBoundingClientRect();
    return {direction: getComputedStyle(el).direction, left: box.left, right: box.right,
            lines: [...lines.values()], lastChar: last.data.trimEnd().at(-1),
            lastLeft: stop.left, lastRight: stop.right};
}"""


#: the x of the first character of ``word`` and of the one after it, as drawn
SLASH_AND_LETTER = """(el, word) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, i = node.data.indexOf(word);
        if (i < 0) continue;
        const x = k => { const r = document.createRange(); r.setStart(node, k); r.setEnd(node, k + 1);
                         return r.getBoundingClientRect().left; };
        return [x(i), x(i + 1)];
    }
    return null;
}"""


async def test_arabic_is_laid_out_right_to_left(chat: Chat) -> None:
    ar = translator("ar")
    await chat.send("/language")
    await chat.press(LANGUAGE_NAMES["ar"])
    done = ar._("Language set to {language}.").format(language=LANGUAGE_NAMES["ar"])
    switched = chat.bot_says(done.removeprefix(RLM)).last
    await expect(switched).to_be_visible()
    await chat.send("/help")
    help_bubble = chat.page.locator('.msg.user:has-text("/help") ~ .msg.bot').last
    await expect(help_bubble).to_contain_text(re.compile("[\u0600-\u06ff]"))

    for bubble in (switched, help_bubble):
        layout = await bubble.locator("> div").first.evaluate(LAYOUT)
        assert layout["direction"] == "rtl", layout
        # every line hugs the right edge of the text box, as Arabic readers expect
        assert all(abs(line["right"] - layout["right"]) < 2 for line in layout["lines"]), layout
    # a short line shows it (a full line touches both edges whatever the direction) ...
    assert any(line["left"] > layout["left"] + 20 for line in layout["lines"]), layout
    # ... and so does the full stop that ends "Language set to العربية.": at the line's left end
    layout = await switched.locator("> div").first.evaluate(LAYOUT)
    (line,) = layout["lines"]
    assert layout["lastChar"] == "." and abs(layout["lastLeft"] - line["left"]) < 2, layout
    # a command keeps its slash in front inside a right-to-left line: "/menu", not "menu/"
    slash, letter = await help_bubble.locator("> div").first.evaluate(SLASH_AND_LETTER, "/menu")
    assert slash < letter, (slash, letter)
    await chat.page.screenshot(path="/tmp/sandbox-browser-arabic.png", full_page=True)


async def test_bot_html_is_formatted_and_user_text_is_escaped(chat: Chat) -> None:
    t = translator("en")
    pack = chat.bot.services.content.current.pack
    venue = next(v for v in pack.venues if v.geo is not None)
    await chat.send("/start")
    await chat.press(t._("📍 Venues and rooms"))
    await chat.press(venue.name.get("en"))
    card = chat.bot_says(t._("Map")).last
    await expect(card.locator("b").first).to_have_text(venue.name.get("en"))
    link = card.locator("a")
    await expect(link).to_have_text(t._("Map"))
    await expect(link).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/"))
    await expect(link).to_have_attribute("target", "_blank")
    await expect(card.locator("i").first).to_be_visible()
    assert "<a " not in await card.inner_text()

    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    await chat.send(attack)
    mine = chat.page.locator(".msg.user").filter(has_text=attack).last
    await expect(mine.locator("> div").first).to_have_text(attack)
    await expect(mine.locator("script, img")).to_have_count(0)
    await expect(chat.page.locator("#log script, #log img")).to_have_count(0)
    # the bot answered (something) after it, and nothing ran
    await expect(chat.page.locator("#log > .msg").last).to_have_class(re.compile(r"\bbot\b"))
    assert chat.dialogs == []
