"""The sandbox chat's API refuses every malformed request with 400 and the reason, never 500.

It used to answer 500 to a body that is not JSON and to ``"message_id": "abc"``. Each case
below goes to the real chat app in front of the real bot and emulator; afterwards nothing
reached the bot, and a good request still works.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.i18n import translator
from bot.sandbox.harness import Harness
from bot.sandbox.users import SimUser
from bot.web.sandbox_chat import chosen_language_from, create_chat_app
from bot.web.sandbox_requests import MAX_BODY
from tests.support import running_bot

DELEGATE, ORGANISER = 5001, 5002


@dataclass
class Sandbox:
    bot: Harness
    client: TestClient
    delegate: SimUser


@pytest.fixture
async def sandbox(database_url: str) -> AsyncIterator[Sandbox]:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        delegate = bot.user(DELEGATE, "Delegate", language_code="en")
        personas = [(delegate, "Delegate"), (bot.user(ORGANISER, "Organiser", language_code="en"), "Organiser")]
        app = create_chat_app(bot.emulator, personas, bot.clock, bot.services.content.current.pack.tz,
                              chosen_language=chosen_language_from(bot.services.people))
        async with TestClient(TestServer(app)) as client:
            yield Sandbox(bot, client, delegate)


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


GOOD_SEND = {"user": DELEGATE, "text": "hello"}
#: (endpoint, raw body, words the reason must contain)
MALFORMED: list[tuple[str, bytes, str]] = [
    # the body itself
    ("/api/send", b"", "not valid JSON"),
    ("/api/send", b"not json", "not valid JSON"),
    ("/api/send", b'{"user": 5001, "text": "hi"', "not valid JSON"),
    ("/api/send", b'{"user": 5001, "text": "\xff\xfe"}', "not valid JSON"),  # not UTF-8
    ("/api/send", b"[" * 30_000 + b"]" * 30_000, "not valid JSON"),  # deeper than json recurses
    ("/api/send", b"null", "must be a JSON object"),
    ("/api/send", b"[1, 2]", "must be a JSON object"),
    ("/api/send", b'"hello"', "must be a JSON object"),
    ("/api/send", b"5001", "must be a JSON object"),
    # the persona
    ("/api/send", _json({"text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": "abc", "text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": "5001", "text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": 5001.5, "text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": True, "text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": 99999, "text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": [5001], "text": "hi"}), "unknown persona"),
    ("/api/send", _json({"user": 10**400, "text": "hi"}), "unknown persona"),
    # the text
    ("/api/send", _json({"user": DELEGATE}), "'text' is missing"),
    ("/api/send", _json({"user": DELEGATE, "text": None}), "'text' is missing"),
    ("/api/send", _json({"user": DELEGATE, "text": 42}), "'text' must be a string, not a number"),
    ("/api/send", _json({"user": DELEGATE, "text": {"a": 1}}), "'text' must be a string, not an object"),
    ("/api/send", _json({"user": DELEGATE, "text": ""}), "empty message"),
    ("/api/send", _json({"user": DELEGATE, "text": " \n\t "}), "empty message"),
    ("/api/send", _json({"user": DELEGATE, "text": "x" * 4097}), "longer than Telegram allows"),
    ("/api/send", _json({"user": DELEGATE, "text": "😀" * 2049}), "longer than Telegram allows"),  # 4,098 UTF-16 units
    ("/api/send", b'{"user": 5001, "text": "\\ud800"}', "not valid Unicode"),
    # pressing a button
    ("/api/press", _json({"user": DELEGATE, "message_id": "abc", "data": "x"}), "'message_id' must be a whole number, not a string"),
    ("/api/press", _json({"user": DELEGATE, "message_id": 1.5, "data": "x"}), "'message_id' must be a whole number"),
    ("/api/press", _json({"user": DELEGATE, "message_id": True, "data": "x"}), "'message_id' must be a whole number, not true or false"),
    ("/api/press", _json({"user": DELEGATE, "message_id": None, "data": "x"}), "'message_id' is missing"),
    ("/api/press", _json({"user": DELEGATE, "data": "x"}), "'message_id' is missing"),
    ("/api/press", _json({"user": DELEGATE, "message_id": 999_999, "data": "x"}), "no such message"),
    ("/api/press", _json({"user": DELEGATE, "message_id": -1, "data": "x"}), "no such message"),
    ("/api/press", _json({"user": "abc", "message_id": 1, "data": "x"}), "unknown persona"),
    # the persona's Telegram language
    ("/api/persona", _json({"user": DELEGATE}), "'language_code' is missing"),
    ("/api/persona", _json({"user": DELEGATE, "language_code": 7}), "'language_code' must be a string"),
    ("/api/persona", _json({"user": DELEGATE, "language_code": ""}), "not a language tag"),
    ("/api/persona", _json({"user": DELEGATE, "language_code": "../../etc/passwd"}), "not a language tag"),
    ("/api/persona", _json({"user": DELEGATE, "language_code": "x" * 200}), "not a language tag"),
    # the event clock
    ("/api/clock", _json({}), "'now' is missing"),
    ("/api/clock", _json({"now": 20251025}), "'now' must be a string"),
    ("/api/clock", _json({"now": "tomorrow"}), "not a date and time"),
    ("/api/clock", _json({"now": "2025-13-45T99:99"}), "not a date and time"),
    ("/api/clock", _json({"now": "9999-12-31T23:59"}), "between 2000 and 2099"),
    ("/api/clock", _json({"now": "0001-01-01T00:00+14:00"}), "between 2000 and 2099"),
    # opening an invitation
    ("/api/open-link", _json({}), "'start' is missing"),
    ("/api/open-link", _json({"start": 12345}), "'start' must be a string"),
    ("/api/open-link", _json({"start": ""}), "'start' must be 1 to 64 characters"),
    ("/api/open-link", _json({"start": "a b"}), "'start' must be 1 to 64 characters"),
    ("/api/open-link", _json({"start": "x" * 65}), "'start' must be 1 to 64 characters"),
    ("/api/open-link", _json({"start": "abc", "language_code": "???"}), "not a language tag"),
]


async def test_every_malformed_request_gets_400_and_its_reason(sandbox: Sandbox) -> None:
    client, bot = sandbox.client, sandbox.bot
    history = len(bot.emulator.history(DELEGATE))
    for path, body, reason in MALFORMED:
        response = await client.post(path, data=body, headers={"Content-Type": "application/json"})
        answer = await response.json()
        assert response.status == 400, (path, body[:80], response.status, answer)
        assert reason in answer["error"], (path, body[:80], answer)
    for query in ("", "?user=abc", "?user=-1", "?user=99999", "?user=5001.0", "?user=%F0%9F%98%80"):
        response = await client.get("/api/messages" + query)
        assert response.status == 400 and (await response.json())["error"] == "unknown persona", query
    # too big to read at all: 413, still with a reason
    response = await client.post("/api/send", data=b'{"text": "' + b"x" * MAX_BODY + b'"}')
    assert response.status == 413 and "larger than" in (await response.json())["error"]
    assert (await client.get("/api/send")).status == 405
    # nothing reached the bot, and a good request still works
    assert len(bot.emulator.history(DELEGATE)) == history
    response = await client.post("/api/send", json=GOOD_SEND)
    assert response.status == 200
    await sandbox.delegate.reply()
    assert not bot.emulator.errors


async def test_a_forged_button_press_goes_to_the_bot_which_answers_politely(sandbox: Sandbox) -> None:
    """The API lets one press data no button had (within Telegram's 64 bytes): the bot's
    own handling of forged buttons is then what answers."""
    client, bot = sandbox.client, sandbox.bot
    assert (await client.post("/api/send", json={"user": DELEGATE, "text": "/start"})).status == 200
    menu = await sandbox.delegate.reply()
    response = await client.post("/api/press", json={"user": DELEGATE, "message_id": menu.message_id,
                                                     "data": "x" * 65})
    assert response.status == 400 and "64 bytes" in (await response.json())["error"]
    response = await client.post("/api/press", json={"user": DELEGATE, "message_id": menu.message_id,
                                                     "data": "v1|nope|menu||0"})
    assert response.status == 200
    query = None
    for _ in range(250):  # up to 5 s for the bot to answer the press
        query = bot.emulator.last_request("answerCallbackQuery")
        if query is not None:
            break
        await asyncio.sleep(0.02)
    assert query is not None  # the bot answered the press (a stale or forged button)
    assert not bot.emulator.errors


async def test_opening_an_invitation_makes_a_new_persona_who_is_welcomed(sandbox: Sandbox) -> None:
    client, bot = sandbox.client, sandbox.bot
    organiser = bot.user(ORGANISER, "Organiser", language_code="en")
    await organiser.command("invite", "delegate", "KEN")
    link = await organiser.reply()
    token = re.search(r"\?start=([\w-]+)", link.text)
    assert token is not None, link.text
    response = await client.post("/api/open-link", json={"start": token.group(1), "language_code": "fr"})
    assert response.status == 200
    guest = (await response.json())["persona"]
    personas = await (await client.get("/api/personas")).json()
    assert {"id": guest["id"], "label": guest["label"]} in personas["personas"]
    welcome = await bot.emulator.users[guest["id"]].reply()
    assert translator("fr")._("Welcome, {name}!").format(name=guest["label"]) in welcome.text
    person = await bot.services.people.get(guest["id"])
    assert person is not None and person.delegation is not None and person.delegation.code == "KEN"
    view = await (await client.get(f"/api/messages?user={guest['id']}")).json()
    assert view["ui"]["lang"] == "fr" and view["messages"][0]["text"] == f"/start {token.group(1)}"


async def test_a_guest_never_gets_the_id_of_someone_the_bot_already_knows(database_url: str) -> None:
    """The sandbox's database is kept between runs, its emulator is new each time: the first
    guest of a run got 700000001 again, and with it the role, language and pending reply of
    the first guest of an earlier run (an officer's next question was "Passed on" to a delegate)."""
    from bot.sandbox.run import skip_known_people
    from bot.services.people import TelegramUser

    async with running_bot(database_url) as bot:
        await bot.services.people.touch(TelegramUser(700_000_001, "Earlier guest", None, "ar"))
        await bot.services.people.touch(TelegramUser(700_000_002, "Earlier guest", None, "ar"))
        await skip_known_people(bot.emulator, bot.services)
        assert bot.emulator.new_user("Guest 1").id == 700_000_003
