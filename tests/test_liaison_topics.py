"""A liaison request's forum topic follows the request (SQLite and PostgreSQL, the real bot on the
emulator): a line in the topic when the request is resolved, cancelled or reopened; the topic
closed while the request is resolved or cancelled, reopened with it; a close Telegram did not
carry out (a 5xx, a restart right after the commit) is made by the sweep, and a topic deleted
meanwhile is not tried again forever."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import SimulatedClock
from bot.sandbox import Emulator
from bot.sandbox.harness import EVENT_MORNING, FAST, TOKEN
from bot.sandbox.users import SimGroup, SimUser
from bot.store.models import LiaisonRequest
from tests.support import Harness, running_bot
from tests.test_liaison_chat import GROUP, answered_text, make_officer, open_request, wait_text
from tests.test_liaison_service import TEXT, make_services, officer, person, rows

SETTINGS: dict[str, object] = {"liaison_group_chat_id": GROUP}


async def topic_closed_in_db(bot: Harness, request_id: int) -> bool:
    async with bot.services.db.session() as s:
        closed = await s.scalar(select(LiaisonRequest.topic_closed).where(LiaisonRequest.id == request_id))
        assert closed is not None
        return closed


async def group_request(bot: Harness) -> tuple[SimGroup, SimUser, SimUser, int]:
    """The officers' forum, Anna in it (off duty, so the request goes to the group), and Alice's
    request #1 in its own topic."""
    group = bot.emulator.group(chat_id=GROUP, title="Officers", forum=True)
    anna = await make_officer(bot, 501, "Anna", duty=False)
    group.add(anna)
    alice = await open_request(bot, "A car to the Melia hotel, please")
    [card] = await group.wait_for(1, timeout=8.0, predicate=lambda e: "Request #1" in (e.text or ""))
    assert card.thread_id is not None and card.thread_id in group.topics
    return group, anna, alice, card.thread_id


async def claim_in_group(bot: Harness, group: SimGroup, officer: SimUser, thread: int) -> Any:
    card = next(e for e in group.bot_messages(thread) if "lclaim" in str(e.reply_markup))
    assert "You now hold" in await answered_text(bot, await officer.press_in(group, text="Claim", message=card))
    return await wait_text(officer, "Request #1")  # the holder's own card, with Resolve


def lines(group: SimGroup, thread: int) -> list[str]:
    return [e.text for e in group.bot_messages(thread) if e.kind == "text"]


async def test_resolve_closes_the_topic_and_reopen_reopens_it(database_url: str):
    async with running_bot(database_url, settings_overrides=SETTINGS) as bot:
        group, anna, alice, thread = await group_request(bot)
        held = await claim_in_group(bot, group, anna, thread)
        assert "resolved" in await answered_text(bot, await anna.press(text="Resolve", message=held))
        said = await group.wait_for(1, timeout=8.0, predicate=lambda e: "was resolved by" in (e.text or ""))
        assert said[-1].thread_id == thread and said[-1].text == "✅ Request #1 was resolved by Anna."
        assert group.topic_closed(thread) and await topic_closed_in_db(bot, 1)
        assert any("forum_topic_closed" in e.extra and e.thread_id == thread for e in group.history())

        resolution = await wait_text(alice, "is resolved")
        await alice.press(text="Reopen", message=resolution)
        assert "open again" in (await alice.reply()).text
        said = await group.wait_for(1, timeout=8.0, predicate=lambda e: "was reopened" in (e.text or ""))
        assert said[-1].thread_id == thread and said[-1].text == "🔄 Request #1 was reopened by the delegate."
        assert not group.topic_closed(thread) and not await topic_closed_in_db(bot, 1)
        await anna.post_in(group, "On my way again", thread_id=thread)  # the topic takes answers again
        assert await alice.replies(1, timeout=8.0, predicate=lambda e: "On my way again" in (e.text or ""))
        assert (await bot.services.liaison.sweep()).topics == []  # nothing left to settle
        assert lines(group, thread)[-2:] == ["✅ Request #1 was resolved by Anna.",
                                             "🔄 Request #1 was reopened by the delegate."]


async def test_cancel_closes_the_topic(database_url: str):
    async with running_bot(database_url, settings_overrides=SETTINGS) as bot:
        group, _anna, alice, thread = await group_request(bot)
        await alice.press_raw("v1||lcancel|1|0")
        await wait_text(alice, "is cancelled")
        said = await group.wait_for(1, timeout=8.0, predicate=lambda e: "cancelled" in (e.text or ""))
        assert said[-1].thread_id == thread and said[-1].text == "✖️ Request #1 was cancelled by the delegate."
        assert group.topic_closed(thread) and await topic_closed_in_db(bot, 1)
        passer_by = bot.user(7, "Passer-by")
        group.add(passer_by)
        with pytest.raises(ValueError, match="closed"):  # an ordinary member cannot write there now
            await passer_by.post_in(group, "still there?", thread_id=thread)


async def test_a_close_that_failed_with_a_5xx_is_made_by_the_sweep(database_url: str):
    async with running_bot(database_url, settings_overrides=SETTINGS) as bot:
        emu = bot.emulator
        group, anna, _alice, thread = await group_request(bot)
        held = await claim_in_group(bot, group, anna, thread)
        emu.fail_next("closeForumTopic", 500)
        assert "resolved" in await answered_text(bot, await anna.press(text="Resolve", message=held))
        assert emu.calls.get("closeforumtopic") == 1  # tried once, right after the resolve
        assert not group.topic_closed(thread) and not await topic_closed_in_db(bot, 1)
        swept = await bot.services.liaison.sweep()
        assert swept.topics == [1] and emu.calls.get("closeforumtopic") == 2
        assert group.topic_closed(thread) and await topic_closed_in_db(bot, 1)
        assert (await bot.services.liaison.sweep()).topics == [] and emu.calls.get("closeforumtopic") == 2


async def test_a_topic_deleted_meanwhile_is_not_tried_again_forever(database_url: str):
    async with running_bot(database_url, settings_overrides=SETTINGS) as bot:
        emu = bot.emulator
        group, anna, _alice, thread = await group_request(bot)
        held = await claim_in_group(bot, group, anna, thread)
        group.delete_topic(thread)  # an administrator tidied the group up
        assert "resolved" in await answered_text(bot, await anna.press(text="Resolve", message=held))
        assert emu.calls.get("closeforumtopic") == 1
        assert await topic_closed_in_db(bot, 1)  # "message thread not found": done with
        for _ in range(3):
            assert (await bot.services.liaison.sweep()).topics == []
        assert emu.calls.get("closeforumtopic") == 1


async def test_a_restart_between_the_resolve_and_the_close_still_closes_it(database_url: str):
    clock = SimulatedClock(EVENT_MORNING)
    async with Emulator(token=TOKEN, limits=FAST, clock=clock, allow_local_http_webhooks=True) as emu:
        async with running_bot(database_url, emulator=emu, clock=clock, settings_overrides=SETTINGS) as bot:
            group, anna, _alice, thread = await group_request(bot)
            held = await claim_in_group(bot, group, anna, thread)
            # the process stops right after the resolve's commit: its close is never made
            bot.services.liaison.topic_switch = None
            assert "resolved" in await answered_text(bot, await anna.press(text="Resolve", message=held))
            await group.wait_for(1, timeout=8.0, predicate=lambda e: "was resolved by" in (e.text or ""))
            assert not group.topic_closed(thread) and emu.calls.get("closeforumtopic") is None
        async with running_bot(database_url, emulator=emu, clock=clock, settings_overrides=SETTINGS) as bot:
            assert not await topic_closed_in_db(bot, 1)
            assert (await bot.services.liaison.sweep()).topics == [1]  # the next start's sweep
            assert group.topic_closed(thread) and await topic_closed_in_db(bot, 1)
            assert emu.calls.get("closeforumtopic") == 1


async def test_the_service_settles_topics_through_its_switch_only(database_url: str):
    """Without Telegram: the lines go to the group's outbox; the switch is called after each
    change and by the sweep until it reports done; its failures (False, or an exception of its
    own) are tried again; an officer who reopens is named."""
    s = await make_services(database_url, liaison_group_chat_id=GROUP)
    try:
        calls: list[tuple[int, int, bool]] = []
        answers: list[bool | Exception] = [False, RuntimeError("switch broke"), True, True]

        async def switch(chat_id: int, thread_id: int, closed: bool) -> bool:
            calls.append((chat_id, thread_id, closed))
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        anna = await officer(s, 101, "Anna", duty=False)
        alice = await person(s, 1, "Alice")
        request = await s.liaison.open(alice, "transport", TEXT)  # no topic maker here: no topic yet
        assert (await s.liaison.sweep()).topics == []
        s.liaison.topic_switch = switch
        await s.liaison.claim(anna, request.id)
        await s.liaison.resolve(anna, request.id)
        assert calls == []  # a request without a topic: nothing to close
        async with s.db.session() as session:
            found = await session.get(LiaisonRequest, request.id)
            assert found is not None
            found.thread_id = 77
        assert (await s.liaison.sweep()).topics == [] and calls == [(GROUP, 77, True)]  # False
        assert (await s.liaison.sweep()).topics == [] and len(calls) == 2  # the exception
        assert (await s.liaison.sweep()).topics == [request.id] and len(calls) == 3
        assert (await s.liaison.sweep()).topics == [] and len(calls) == 3
        await s.liaison.reopen(anna, request.id)
        assert calls[-1] == (GROUP, 77, False) and not answers
        texts = [m.payload["text"] for m in await rows(s, GROUP)]
        assert texts[-1] == "🔄 Request #1 was reopened by Anna."
        assert all(m.thread_id == 77 for m in (await rows(s, GROUP))[-1:])
    finally:
        await s.db.dispose()
