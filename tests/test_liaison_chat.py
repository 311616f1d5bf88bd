"""Liaison requests through the real bot on the emulator (SQLite and PostgreSQL): the delegate's
menu and hand-off, the officer's Claim and replies, relays both ways through the outbox, the
officers' forum group, and the refusals (closed request, forged buttons, not an officer)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import Gone, InvalidArgument
from bot.catalog.loader import load_pack
from bot.i18n import translator
from bot.sandbox.state import Entry
from bot.sandbox.users import SimUser
from bot.services import liaison_officers as officers
from bot.services.liaison_render import Sent
from bot.store.models import Person, Role
from handlers.liaison import new_request
from tests.support import DEMO_PACK, Harness, running_bot

GROUP = -1001234567


async def answered_text(bot: Harness, update: dict[str, Any]) -> str:
    query = bot.emulator.query(update["callback_query"]["id"])
    for _ in range(500):
        if query["answered"]:
            break
        await asyncio.sleep(0.01)
    assert query["answered"]
    return query["text"] or ""


async def make_officer(bot: Harness, tid: int, name: str, *, role: Role = Role.OFFICER, duty: bool = True,
                       **covers: list[str]) -> Any:
    user = bot.user(tid, name, "en")
    await user.send("/start")
    await user.reply()
    s = bot.services
    person = await s.people.grant(tid, role)
    async with s.db.session() as session:
        found = await session.get(Person, person.id)
        assert found is not None
        await officers.assign(session, found, officers.Assignment(str(tid), **covers), s.clock)
    if duty:
        await user.send("/duty on")
        assert "on duty" in (await user.reply()).text
    return user


async def wait_text(user: Any, words: str, timeout: float = 8.0) -> Entry:
    found = await user.replies(1, timeout=timeout, predicate=lambda e: words in (e.text or ""))
    return found[-1]


async def open_request(bot: Harness, text: str) -> SimUser:
    """Alice (user 1, English) asks for a car through the menu: 🤝, Transport, ``text``."""
    alice = bot.user(1, "Alice", "en")
    await alice.send("/start")
    await alice.reply()
    await alice.press(text="Contact my liaison officer")
    await alice.reply()
    await alice.press(text="Transport")
    await alice.reply()
    await alice.send(text)
    await wait_text(alice, "Request #1 is registered")
    return alice


async def test_menu_request_claim_and_relay_both_ways(bot: Harness):
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    alice = bot.user(1, "Alice", "en")
    await alice.send("/start")
    await alice.reply()
    await alice.press(text="Contact my liaison officer")
    categories = await alice.reply()
    assert "Medical assistance" in str(categories.reply_markup)
    await alice.press(text="Transport")
    assert "describe your request" in (await alice.reply()).text
    await alice.send("Please send a car to the Melia hotel")
    confirmation = await wait_text(alice, "Request #1 is registered")
    assert "/requests" in confirmation.text

    card = await wait_text(anna, "Request #1")
    assert "Alice" in card.text and "Melia hotel" in card.text
    update = await anna.press(text="Claim", message=card)
    assert "You now hold Request #1" in await answered_text(bot, update)
    told = await wait_text(alice, "now handled by")
    assert "Anna" in told.text and "liaison officer" in told.text

    await anna.send("The car leaves in 10 minutes", reply_to=card)
    relayed = await wait_text(alice, "The car leaves")
    assert "Anna" in relayed.text and "501" not in relayed.text and "user" not in relayed.text.lower()
    await alice.send("Thank you, which entrance?", reply_to=relayed)
    back = await wait_text(anna, "which entrance")
    assert "Alice" in back.text
    await alice.send_location(21.02, 105.84)  # not a reply and no draft: not for the request
    await alice.press(text="Reply", message=relayed)
    await alice.replies(1)
    await alice.send_location(21.02, 105.84)
    await wait_text(alice, "Passed on")
    pins = await anna.replies(1, predicate=lambda e: e.kind == "location")
    assert len(pins) == 1  # the first one, neither a reply nor after Reply, was not passed on

    resolve = await anna.press(text="Resolve", message=back)
    assert "resolved" in await answered_text(bot, resolve)
    resolution = await wait_text(alice, "is resolved")
    await alice.press(text="★★★★★", message=resolution)
    assert "Thank you for your rating" in (await alice.reply()).text
    await alice.send("One more thing", reply_to=relayed)
    assert "closed" in (await alice.reply()).text

    await alice.send("/requests")
    listed = await alice.reply()
    assert "#1" in str(listed.reply_markup) and "resolved" in str(listed.reply_markup)


async def test_forged_and_unauthorised_buttons_are_refused(bot: Harness):
    await make_officer(bot, 501, "Anna", languages=["en"])
    alice = bot.user(1, "Alice", "en")
    eve = bot.user(2, "Eve", "en")
    for user in (alice, eve):
        await user.send("/start")
        await user.reply()
    await alice.press(text="Contact my liaison officer")
    await alice.reply()
    await alice.press(text="Transport")
    await alice.reply()
    await alice.send("Car please")
    await wait_text(alice, "Request #1")
    assert "Only liaison officers" in await answered_text(bot, await eve.press_raw("v1||lclaim|1|0"))
    assert "not yours" in await answered_text(bot, await eve.press_raw("v1||lcancel|1|0"))
    assert "not yours" in await answered_text(bot, await eve.press_raw("v1||lshow|1|0"))
    for forged in ("v1||lclaim|abc|0", "v1||lclaim|0|0", "v1||lrate|1.9|0", "v1||lnew|NOPE|0",
                   "v1||lquick|1.no-such-reply|0", "v1||lclaim|99999999999999|0"):
        assert "no longer valid" in await answered_text(bot, await eve.press_raw(forged)), forged
    await eve.send("/queue")
    assert "Only liaison officers" in (await eve.reply()).text
    await alice.press_raw("v1||lcancel|1|0")
    cancelled = await wait_text(alice, "is cancelled")
    # not a dead end: her requests and the menu, a tap away
    assert {"📨 My requests", "🏠 Main menu"} <= {b["text"] for row in cancelled.buttons for b in row}


async def test_handoff_from_an_unsure_answer_carries_the_question(bot: Harness):
    anna = await make_officer(bot, 501, "Anna", categories=["lost-items"], languages=["en"])
    alice = bot.user(1, "Alice", "en")
    await alice.send("/start")
    await alice.reply()
    await alice.send("who won the football match last night?")
    unsure = await alice.reply()
    assert "Ask a liaison officer" in str(unsure.reply_markup)
    await alice.press(text="Ask a liaison officer")
    await alice.reply()
    await alice.press(text="Lost items")
    await alice.reply()
    await alice.send("A black umbrella")
    card = await wait_text(anna, "Request #1")
    assert "who won the football match last night?" in card.text and "A black umbrella" in card.text


async def test_handoff_under_an_older_answer_never_carries_a_later_question(bot: Harness):
    """The draft keeps the latest unsure question only: the button under an earlier answer
    must not send that later question to the officer (its tag does not match)."""
    anna = await make_officer(bot, 501, "Anna", categories=["lost-items"], languages=["en"])
    alice = bot.user(1, "Alice", "en")
    await alice.send("/start")
    await alice.reply()
    await alice.send("who won the football match last night?")
    first = await alice.reply()
    await alice.send("is there a casino near the hotel?")
    second = await alice.reply()
    assert "Ask a liaison officer" in str(first.reply_markup) and "Ask a liaison officer" in str(second.reply_markup)
    await alice.press(text="Ask a liaison officer", message=first)
    await alice.reply()
    await alice.press(text="Lost items")
    await alice.reply()
    await alice.send("A black umbrella")
    card = await wait_text(anna, "Request #1")
    assert "A black umbrella" in card.text
    assert "casino" not in card.text  # not the later question
    # (the button under the latest answer carries its own: the test above)


async def test_officers_forum_group_topic_claim_and_answer(database_url: str):
    async with running_bot(database_url, settings_overrides={"liaison_group_chat_id": GROUP}) as bot:
        group = bot.emulator.group(chat_id=GROUP, title="Officers", forum=True)
        racers = [await make_officer(bot, 500 + i, f"O{i}", duty=False) for i in range(4)]
        for racer in racers:
            group.add(racer)
        zhang = bot.user(3, "Zhang", "zh")
        await zhang.send("/start")
        await zhang.reply()
        async with bot.services.db.session() as session:
            person = await session.scalar(select(Person).where(Person.telegram_id == 3))
            assert person is not None
        await bot.services.liaison.open(person, "transport", Sent("text", "车"))
        posted = await group.wait_for(1, timeout=8.0)
        assert group.topics, "a forum topic per request"
        thread = next(iter(group.topics))
        entry = posted[-1]
        assert entry.thread_id == thread and "Request #1" in entry.text
        presses = await asyncio.gather(*(r.press_in(group, text="Claim", message=entry) for r in racers))
        answers = [await answered_text(bot, u) for u in presses]
        assert sum("You now hold" in a for a in answers) == 1, answers
        assert sum("already taken" in a for a in answers) == 3, answers
        winner = racers[next(i for i, a in enumerate(answers) if "You now hold" in a)]
        await winner.post_in(group, "Car at gate 2", thread_id=thread)
        relayed = await zhang.replies(1, timeout=8.0, predicate=lambda e: "Car at gate 2" in (e.text or ""))
        assert relayed
        loser = next(r for r in racers if r is not winner)
        await loser.post_in(group, "me too", thread_id=thread)
        refusal = await group.wait_for(1, timeout=8.0, predicate=lambda e: "holds this request" in (e.text or ""))
        assert refusal


async def test_sandbox_plays_a_delegate_and_an_officer_side_by_side(database_url: str):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.sandbox import run
    from bot.services.people import TelegramUser
    from bot.web.sandbox_chat import chosen_language_from, create_chat_app

    async with running_bot(database_url) as bot:
        s = bot.services
        officer = bot.user(run.OFFICER, "Officer", "en", started=True)
        await s.people.touch(TelegramUser(run.OFFICER, "Officer", None, "en"))
        await s.people.grant(run.OFFICER, Role.OFFICER)
        await run.sandbox_officer_on_duty(s)
        delegate = bot.user(run.DELEGATE, "Delegate", "fr")
        personas = [(delegate, "Delegate"), (officer, "Liaison officer")]
        app = create_chat_app(bot.emulator, personas, bot.clock, s.content.current.pack.tz,
                              chosen_language=chosen_language_from(s.people))
        async with TestClient(TestServer(app)) as client:
            page = await (await client.get("/side-by-side")).text()
            assert page.count("<iframe") == 2 and "/?persona=" in page
            assert "persona" in await (await client.get("/")).text()
            await client.post("/api/send", json={"user": run.DELEGATE, "text": "/start"})
            await delegate.reply()
            menu = delegate.last_message()
            button = next(b for row in menu.buttons for b in row if b["callback_data"].split("|")[2] == "lnew")
            await client.post("/api/press", json={"user": run.DELEGATE, "message_id": menu.message_id,
                                                  "data": button["callback_data"]})
            categories = await delegate.reply()
            transport = next(b for row in categories.buttons for b in row if "|lnew|transport|" in b["callback_data"])
            await client.post("/api/press", json={"user": run.DELEGATE, "message_id": categories.message_id,
                                                  "data": transport["callback_data"]})
            await delegate.reply()
            await client.post("/api/send", json={"user": run.DELEGATE, "text": "Une voiture, s'il vous plaît"})
            card = await wait_text(officer, "Request #1")
            assert "voiture" in card.text and "French" in card.text
            bubbles = await (await client.get("/api/messages", params={"user": str(run.OFFICER)})).json()
            assert any("Request #1" in str(m) for m in bubbles["messages"])


async def test_bad_input_in_the_chat(bot: Harness):
    """An empty or unsupported message, a file too large, a category that left the pack, a Claim
    after the request was cancelled: a clear answer each time, and nothing half done."""
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    alice = bot.user(1, "Alice", "en")
    await alice.send("/start")
    await alice.reply()
    await alice.press(text="Contact my liaison officer")
    await alice.reply()
    await alice.press(text="Transport")
    await alice.reply()
    await alice.send_sticker()
    assert "text, a photo, a location or a document" in (await alice.reply()).text
    huge = {"file_id": "big-doc", "file_unique_id": "big", "file_name": "scan.pdf", "mime_type": "application/pdf",
            "file_size": 50 * 1024 * 1024}
    alice.mark()
    await alice.emulator.user_message(alice, alice.chat, "document", "my passport", extra={"document": huge})
    assert "too large" in (await alice.reply()).text
    await alice.send_document(caption="my passport, smaller")  # the draft is still there: this one goes
    card = await wait_text(anna, "Request #1")
    assert "my passport, smaller" in card.text
    # a category that left the pack: the next reload drops "transport"
    s = bot.services
    person = await s.people.get(1)
    assert person is not None
    await s.liaison.set_draft(person, "new", category="valet-parking")  # as if the pack had had it
    await alice.send("Please park my car")
    assert "no longer offered" in (await alice.reply()).text
    assert await s.liaison.draft(person) is None  # dropped: the next message is a question again
    pack = s.content.current.pack
    stale = f"v1|{pack.version[:6]}|lnew|valet-parking|0"
    assert "no longer valid" in await answered_text(bot, await alice.press_raw(stale))
    # a Claim after the request was cancelled
    await alice.press_raw("v1||lcancel|1|0")
    await wait_text(alice, "is cancelled")
    assert "closed" in await answered_text(bot, await anna.press_raw("v1||lclaim|1|0", message=card))


async def test_an_officer_who_blocks_the_bot_has_their_requests_rerouted(bot: Harness):
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    alice = await open_request(bot, "A car please")
    card = await wait_text(anna, "Request #1")
    await anna.press(text="Claim", message=card)
    await wait_text(alice, "now handled by")
    bob = await make_officer(bot, 502, "Bob", languages=["en"])
    anna.block()
    await alice.send("/requests")
    listed = await alice.reply()
    await alice.press(text="#1", message=listed)
    await alice.reply()
    await alice.press(text="Add a message")
    await alice.replies(1)
    await alice.send("Is the car coming?")  # to Anna, who blocked the bot: 403, then re-routed
    rerouted = await wait_text(bob, "Re-routed", timeout=15)
    assert "Anna" in rerouted.text and "blocked the bot" in rerouted.text
    await bob.press(text="Claim", message=rerouted)
    said = await bob.replies(2, timeout=10, predicate=lambda e: "A car please" in e.text or "Is the car coming" in e.text)
    assert {"A car please", "Is the car coming?"} <= {line for e in said for line in e.text.splitlines()}


async def test_plain_officers_group_gets_a_claim_button(database_url: str):
    async with running_bot(database_url, settings_overrides={"liaison_group_chat_id": GROUP}) as bot:
        group = bot.emulator.group(chat_id=GROUP, title="Officers", supergroup=True)
        racer = await make_officer(bot, 500, "O0", duty=False)
        group.add(racer)
        s = bot.services
        zhang = bot.user(3, "Zhang", "zh")
        await zhang.send("/start")
        await zhang.reply()
        person = await s.people.get(3)
        assert person is not None
        await s.liaison.open(person, "medical", Sent("text", "胸痛"))  # urgent: the group too
        posted = await group.wait_for(1, timeout=8.0)
        assert not group.topics and "Request #1" in posted[-1].text and "lclaim" in str(posted[-1].reply_markup)
        update = await racer.press_in(group, text="Claim", message=posted[-1])
        assert "You now hold" in await answered_text(bot, update)
        await racer.post_in(group, "Doctor on the way", reply_to=posted[-1])
        assert await zhang.replies(1, timeout=8.0, predicate=lambda e: "Doctor on the way" in (e.text or ""))


def test_the_new_request_buttons_argument_is_read_strictly():
    pack = load_pack(DEMO_PACK)
    assert new_request("", pack) == ("", None)
    assert new_request("q", pack) == ("", "")  # a button sent before tags: the latest question
    assert new_request("q0a1b2c", pack) == ("", "0a1b2c")
    assert new_request("transport", pack) == ("transport", None)
    assert new_request("transport.q", pack) == ("transport", "")
    assert new_request("transport.q0a1b2c", pack) == ("transport", "0a1b2c")
    for forged in (".q", "transport.x", "transport.q0A1B2C", "transport.q12345", "Transport"):
        with pytest.raises(InvalidArgument):
            new_request(forged, pack)
    with pytest.raises(Gone):
        new_request("quick-help", pack)  # a category named q…: a category, gone from the pack


async def test_an_officer_learns_that_the_delegate_blocked_the_bot(bot: Harness):
    """A delegate who blocks the bot while their request is answered: the holder is told (the
    answer that met the 403, and any after it, were lost without a word to anyone), a further
    answer is refused with the reason, and once the delegate writes again answers go."""
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    alice = await open_request(bot, "Car please")
    card = await wait_text(anna, "Request #1")
    await anna.press(text="Claim", message=card)
    await wait_text(alice, "now handled by")
    alice.block()
    await anna.send("The car is at gate 2", reply_to=card)
    told = await wait_text(anna, "blocked the bot", timeout=10)
    assert "Request #1" in told.text
    await anna.send("Are you there?", reply_to=card)
    assert "could not be passed on" in (await wait_text(anna, "could not be passed on")).text
    alice.unblock()
    await alice.send("/requests")
    await alice.reply()
    await anna.send("The car is at gate 3", reply_to=card)
    await wait_text(alice, "gate 3")


async def test_reply_on_a_request_another_officer_holds_is_refused_before_typing(bot: Harness):
    """Anna handed the request over to Bob; Reply on her old card must say so at once, not
    ask her to write a message and refuse it only once she has typed it."""
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    bob = await make_officer(bot, 502, "Bob", duty=False)
    await open_request(bot, "Please send a car to the Melia hotel")
    card = await wait_text(anna, "Request #1")
    await anna.press(text="Claim", message=card)
    await anna.send("/handover 1 502 Bob knows the drivers")
    await wait_text(anna, "handed over to Bob")
    await wait_text(bob, "Bob knows the drivers")
    pressed = await anna.press_raw("v1||lreply|1|0", message=card)
    assert "Another officer holds this request" in await answered_text(bot, pressed)
    await anna.send("/queue")  # the next thing she hears is the queue: no prompt to write came
    assert "Mine" in (await anna.reply()).text
    assert not any("Write your message" in (e.text or "") for e in bot.emulator.history(anna.id))


async def a_claimed_request(bot: Harness) -> tuple[SimUser, SimUser]:
    """(Anna, an officer, and Alice, a delegate): Alice's request for a car, claimed by Anna."""
    anna = await make_officer(bot, 501, "Anna", languages=["en"])
    alice = await open_request(bot, "Please send a car to the Melia hotel")
    card = await wait_text(anna, "Request #1")
    await anna.press(text="Claim", message=card)
    await wait_text(alice, "now handled by")
    return anna, alice


async def test_a_refused_relay_does_not_trap_the_next_messages(bot: Harness):
    """Alice pressed "Add a message", the request was resolved meanwhile: her message is refused
    (closed); her next one, a question to the assistant, was refused the same way, and every
    one after it, the draft never dropped."""
    anna, alice = await a_claimed_request(bot)
    await alice.press_raw("v1||lreply|1|0")
    await wait_text(alice, "Write your message")
    await anna.press_raw("v1||lresolve|1|0")
    await wait_text(alice, "is resolved")
    await alice.send("And a second car, please")
    assert "closed" in (await alice.reply()).text
    await alice.send("Where is the prayer room?")
    answer = await alice.reply()
    assert "closed" not in answer.text and "prayer" in answer.text.lower()


async def test_a_reply_prompt_left_for_hours_no_longer_takes_the_next_message(bot: Harness):
    """Anna pressed Reply in the morning and never wrote; her question to the assistant in the
    afternoon was relayed to the delegate as her answer."""
    anna, alice = await a_claimed_request(bot)
    await anna.press_raw("v1||lreply|1|0")
    await wait_text(anna, "Write your message")
    bot.clock.advance(dt.timedelta(hours=5))
    await anna.send("Where is the prayer room?")
    assert "Passed on" not in (await anna.reply()).text
    await asyncio.sleep(0.3)
    assert not any("prayer room" in (e.text or "") for e in alice.inbox())


async def test_going_off_duty_says_where_the_requests_went(bot: Harness):
    """"passed to other officers" was said when no other officer was on duty: the request
    waits for the next one, and the officer is told so; with nothing held, just "off duty"."""
    en = translator("en")
    alone = en.ngettext("You are off duty. No other officer is on duty: {count} open request waits for the next one.",
                        "You are off duty. No other officer is on duty: {count} open requests wait for the next one.",
                        1).format(count="1")
    anna, _ = await a_claimed_request(bot)
    await anna.send("/duty off")
    await wait_text(anna, alone)
    await anna.send("/duty off")  # nothing held any more
    assert (await wait_text(anna, "off duty")).text.strip() == en._("You are off duty.")


async def test_an_officers_menu_opens_their_queue_not_a_liaison_officer(bot: Harness):
    """The reviewer: officers' menus offered "Contact my liaison officer". Theirs has the
    queue, a button away; a delegate's menu keeps the liaison officer."""
    en = translator("en")
    anna, alice = await a_claimed_request(bot)
    await anna.send("/menu")
    menu = await wait_text(anna, en._("What would you like to know?"))
    labels = [b["text"] for row in menu.buttons for b in row]
    assert en._("📋 Requests queue") in labels and en._("🤝 Contact my liaison officer") not in labels
    await anna.press(text=en._("📋 Requests queue"), message=menu)
    queue = await wait_text(anna, en._("Mine"))
    assert "#1" in " ".join(b["text"] for row in queue.buttons for b in row)
    await alice.send("/menu")
    mine = await wait_text(alice, en._("What would you like to know?"))
    assert en._("🤝 Contact my liaison officer") in [b["text"] for row in mine.buttons for b in row]


async def test_another_officers_request_is_shown_without_buttons_that_would_refuse(bot: Harness):
    """The reviewer: an officer opening a request another officer holds got Reply and Resolve,
    which then refused. The holder still gets them."""
    en = translator("en")
    anna, _ = await a_claimed_request(bot)
    bob = await make_officer(bot, 502, "Bob", languages=["en"])
    await bob.press_raw("v1||lshow|1|0")
    seen = await wait_text(bob, "#1")
    labels = [b["text"] for row in seen.buttons for b in row]
    assert en.pgettext("button", "✅ Resolve") not in labels and en.pgettext("button", "↩️ Reply") not in labels
    await anna.press_raw("v1||lshow|1|0")
    held = await wait_text(anna, "#1 ·")
    assert en.pgettext("button", "✅ Resolve") in [b["text"] for row in held.buttons for b in row]
