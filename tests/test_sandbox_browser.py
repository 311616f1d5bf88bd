"""The sandbox's web chat in a real browser: the page a newcomer sees first (``make run``).

The real bot runs against the emulator in-process, the sandbox chat app is mounted exactly as
``python -m bot`` mounts it, and headless Chromium (Debian's, never a downloaded one) drives
the page through Playwright's async API, in the same event loop as the bot.

Skipped, with the reason, when Playwright or a ``chromium`` on PATH is missing; with
``REQUIRE_BROWSER=1`` (CI) a missing browser fails the run instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from bot.i18n import LANGUAGE_NAMES, RLM, translator
from bot.sandbox.harness import Harness, free_port
from bot.sandbox.run import DELEGATE, OFFICER, ORGANISER
from bot.web.sandbox_chat import chosen_language_from, create_chat_app
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
    #: console errors and failed requests (a missing favicon shows as both)
    errors: list[str] = field(default_factory=list)

    async def send(self, text: str) -> None:
        await self.page.locator("#text").fill(text)
        await self.page.locator("#text").press("Enter")
        # the page re-renders the whole log from the emulator's history: our message is in it
        await expect(self.page.locator(".msg.user").filter(has_text=text).last).to_be_visible()

    def bot_says(self, text: str | re.Pattern[str]) -> Locator:
        return self.page.locator(".msg.bot").filter(has_text=text)

    async def press(self, label: str) -> None:
        await self.page.locator(".msg.bot .kb button").filter(has_text=label).last.click()

    async def arabic(self) -> None:
        """Choose Arabic with /language, as a person would."""
        await self.send("/language")
        await self.press(LANGUAGE_NAMES["ar"])
        done = translator("ar")._("Language set to {language}.").format(language=LANGUAGE_NAMES["ar"])
        await expect(self.bot_says(done.removeprefix(RLM)).last).to_be_visible()


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
async def site(sandbox_bot: Harness) -> AsyncIterator[str]:
    """The sandbox chat app, mounted as ``python -m bot`` mounts it, on a free port; the
    delegate persona is a new person (1001, 1101, ...) in every test."""
    bot = sandbox_bot
    personas = [
        (bot.user(next(_delegates), "Delegate", language_code="en"), "Delegate"),
        (bot.user(ORGANISER, "Organiser", language_code="en"), "Organiser"),
        (bot.user(OFFICER, "Officer", language_code="en"), "Liaison officer"),
    ]
    tz = bot.services.content.current.pack.tz
    app = create_chat_app(bot.emulator, personas, bot.clock, tz,
                          chosen_language=chosen_language_from(bot.services.people))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def open_chat(browser: Browser, bot: Harness, url: str, **context: Any) -> AsyncIterator[Chat]:
    """A fresh browser context on the page, recording dialogs, console errors and failed
    requests; ``context`` overrides the viewport and locale (a desktop in en-GB)."""
    options: dict[str, Any] = {"viewport": {"width": 900, "height": 900}, "locale": "en-GB", **context}
    ctx = await browser.new_context(**options)
    try:
        page = await ctx.new_page()
        page.set_default_timeout(TIMEOUT)
        chat = Chat(page, bot)
        page.on("dialog", lambda d: (chat.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: chat.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: chat.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: chat.errors.append(f"request failed: {r.url}"))
        page.on("response", lambda r: chat.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
        await page.goto(url)
        await expect(page.locator("#persona option")).to_have_count(3)
        yield chat
    finally:
        await ctx.close()


@pytest_asyncio.fixture(loop_scope="module")
async def chat(sandbox_bot: Harness, browser: Browser, site: str) -> AsyncIterator[Chat]:
    """A desktop page open on the sandbox chat, acting as this test's new delegate."""
    async with open_chat(browser, sandbox_bot, site) as chat:
        yield chat


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


# ---- the front door, as a new user finds it ---------------------------------------------------

#: the box of an element, as drawn
BOX = "el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"
#: the x of the first occurrence of ``word`` in the element's text, as drawn
WORD_X = """(el, word) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, i = node.data.indexOf(word);
        if (i < 0) continue;
        const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + word.length);
        const box = r.getClientRects()[0];
        return {left: box.left, right: box.right, top: box.top};
    }
    return null;
}"""


async def test_on_a_phone_the_whole_chat_fits_the_screen(sandbox_bot: Harness, browser: Browser, site: str) -> None:
    width, height = 390, 844
    async with open_chat(browser, sandbox_bot, site, viewport={"width": width, "height": height},
                         is_mobile=True, has_touch=True, device_scale_factor=2) as chat:
        for text in ("/start", "/help", "/language"):  # enough bubbles to fill the screen
            await chat.send(text)
        await expect(chat.page.locator(".msg.bot")).to_have_count(3)
        page_width = await chat.page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, page_width  # nothing sticks out sideways
        for selector in ("header", "form#send", "#text", "#sendbutton"):
            box = await chat.page.locator(selector).evaluate(BOX)
            assert box["top"] >= 0 and box["bottom"] <= height, (selector, box)
            assert box["left"] >= 0 and box["right"] <= width, (selector, box)
        # the log scrolls between the header and the form; the newest message is in view
        await expect(chat.page.locator(".msg.bot").last).to_be_in_viewport()
        # and the form works: a question typed on the phone is answered
        await chat.send("/menu")
        await expect(chat.page.locator(".msg.bot")).to_have_count(4)
        await chat.page.screenshot(path="/tmp/sandbox-browser-phone.png")
        assert chat.errors == []


async def test_arabic_rows_of_buttons_run_right_to_left(chat: Chat) -> None:
    ar = translator("ar")
    pack = chat.bot.services.content.current.pack
    await chat.arabic()
    await chat.send("/menu")
    menu = chat.page.locator('.msg.user:has-text("/menu") ~ .msg.bot').last
    rows = keyboards.main_menu(ar, pack.version).inline_keyboard
    for index, row in enumerate(rows):
        buttons = menu.locator(".kb .row").nth(index).locator("button")
        await expect(buttons).to_have_text([b.text for b in row])
        if len(row) < 2:  # a row of one button has no order
            continue
        first, second = await buttons.nth(0).evaluate(BOX), await buttons.nth(1).evaluate(BOX)
        assert first["left"] > second["right"] - 1, (row[0].text, first, second)
    # inside a button too: "✓ العربية" shows its mark on the right, where Arabic starts
    await chat.send("/language")
    picker = chat.page.locator('.msg.user:has-text("/language") ~ .msg.bot').last
    current = picker.locator("button").filter(has_text=LANGUAGE_NAMES["ar"])
    mark, name = await current.evaluate(WORD_X, "✓"), await current.evaluate(WORD_X, LANGUAGE_NAMES["ar"])
    assert mark["left"] > name["right"] - 1, (mark, name)
    assert chat.errors == []


async def test_latin_names_keep_their_place_in_arabic_lines(chat: Chat) -> None:
    pack = chat.bot.services.content.current.pack
    session = next(s for s in pack.sessions if len(s.speakers) >= 2)
    # the speakers' names as the Arabic card gives them (translated, before their titles)
    first, second = (speaker.name.get("ar", "en").split("،")[0] for speaker in session.speakers[:2])
    await chat.arabic()
    # "مرحبًا، Delegate!": the name after the greeting (to its left), the "!" after the name
    await chat.send("/start")
    welcome = chat.page.locator('.msg.user:has-text("/start") ~ .msg.bot').last.locator("> div").first
    greeting = translator("ar")._("Welcome, {name}!").split("{name}")[0].strip(RLM + " ،,")
    hello, name, bang = [await welcome.evaluate(WORD_X, w) for w in (greeting, "Delegate", "!")]
    assert hello is not None and name is not None and bang is not None
    assert bang["right"] <= name["left"] + 1 and name["right"] <= hello["left"] + 1, (hello, name, bang)
    # a list of speakers in an Arabic card: the first named is read first, on the right (or above)
    await chat.send(session.title.get("en"))
    card = chat.page.locator(".msg.bot").filter(has_text=first).last.locator("> div").first
    one, two = await card.evaluate(WORD_X, first), await card.evaluate(WORD_X, second)
    assert one is not None and two is not None, (first, second)
    assert one["top"] < two["top"] - 1 or (abs(one["top"] - two["top"]) < 2 and one["left"] > two["right"]), (one, two)
    assert chat.errors == []


async def test_the_chat_speaks_the_persons_language_placeholder_send_and_times(chat: Chat) -> None:
    tz = chat.bot.services.content.current.pack.tz
    en, ar, fr = translator("en"), translator("ar"), translator("fr")
    await expect(chat.page.locator("#text")).to_have_attribute("placeholder", en._("Type a question, or /start"))
    await chat.arabic()
    await expect(chat.page.locator("#text")).to_have_attribute("placeholder", ar._("Type a question, or /start"))
    await expect(chat.page.locator("#sendbutton")).to_have_text(ar._("Send"))
    await expect(chat.page.locator("form#send")).to_have_attribute("dir", "rtl")
    # every time shown is the message's, in the person's locale and the event's zone
    user_id = int(await chat.page.locator("#persona").input_value())
    shown = await chat.page.locator(".msg time").all_inner_texts()
    entries = [e for e in chat.bot.emulator.history(user_id) if not e.deleted]
    expected = [ar.datetime(dt.datetime.fromtimestamp(e.date, dt.UTC), tz) for e in entries]
    assert shown == expected and len(shown) >= 3, (shown, expected)
    assert all(re.search("[\u0600-\u06ff]", s) for s in shown), shown  # Arabic month and day names
    # another person, whose Telegram is in French: the chat follows their language at once
    await chat.page.locator("#persona").select_option(label="Liaison officer")
    await chat.page.locator("#lang").select_option("fr")
    await expect(chat.page.locator("#text")).to_have_attribute("placeholder", fr._("Type a question, or /start"))
    await expect(chat.page.locator("#sendbutton")).to_have_text(fr._("Send"))
    assert chat.errors == [] and chat.dialogs == []


async def test_an_invite_link_opens_as_a_new_simulated_person(chat: Chat) -> None:
    en = translator("en")
    await chat.page.locator("#persona").select_option(label="Organiser")
    await chat.send("/invite delegate VNM")
    link = chat.page.locator(".msg.bot a.deeplink").last
    await expect(link).to_have_attribute("href", re.compile(r"^https://t\.me/\w+\?start=[\w-]+$"))
    token = (await link.get_attribute("href") or "").rsplit("=", 1)[1]
    await expect(link).to_have_attribute("title", en._("Open this invitation as a new simulated person"))
    await link.click()
    # a new persona, selected, whose chat starts with the link opened: /start <token> and a welcome
    selected = chat.page.locator("#persona option:checked")
    await expect(selected).to_have_text(re.compile(r"^Guest \d+$"))
    guest_name = await selected.inner_text()
    guest_id = int(await chat.page.locator("#persona").input_value())
    await expect(chat.page.locator(".msg.user").first).to_have_text(re.compile(rf"^/start {re.escape(token)}"))
    await expect(chat.bot_says(en._("Welcome, {name}!").format(name=guest_name))).to_be_visible()
    person = await chat.bot.services.people.get(guest_id)
    assert person is not None and person.delegation is not None and person.delegation.code == "VNM"
    # the page did not try to leave for t.me
    assert chat.page.url.startswith("http://127.0.0.1:") and len(chat.page.context.pages) == 1
    assert chat.errors == [] and chat.dialogs == []


async def test_the_page_loads_without_a_console_error_or_a_missing_file(chat: Chat) -> None:
    await chat.send("/start")
    await expect(chat.bot_says(translator("en")._("Welcome, {name}!").format(name="Delegate"))).to_be_visible()
    icon = await chat.page.evaluate("document.querySelector('link[rel=icon]').href")
    response = await chat.page.request.get(icon)
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    assert chat.errors == []
