"""Organiser broadcasts: the service (audiences, per-language rendering, checks, once per
recipient, approval, cancel, receipts, chase-ups, correction, recall) driven through the real
bot and sender against the emulator, on SQLite and PostgreSQL. The /broadcast conversation is
in test_broadcast_chat.py."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.delivery.ratelimit import Limits
from bot.i18n import translator
from bot.sandbox.emulator import SimUser
from bot.sandbox.harness import Harness
from bot.services.broadcast import (
    STEP_TTL,
    BroadcastError,
    BroadcastService,
    Problem,
    Step,
    audience_of_delegations,
    audience_of_ids,
    audience_of_language,
    audience_of_session,
)
from bot.store.models import (
    BroadcastState,
    BroadcastStep,
    DeliveryState,
    OutboxMessage,
    Person,
    Priority,
    Role,
)
from tests.support import running_bot

ORGANISER = 900
SECOND_ORGANISER = 901
EMOJI = "🎉"  # two UTF-16 units
WELCOMED: dict[int, set[int]] = {}  # the messages each person had before the test's broadcasts


async def people(bot: Harness, specs: list[tuple[int, str, str | None]]) -> list[tuple[SimUser, Person]]:
    """(telegram id, language, delegation code) -> a person who has written to the bot."""
    out = []
    for user_id, lang, code in specs:
        user = bot.user(user_id, f"U{user_id}", language_code=lang)
        await user.send("/start")
        await user.reply(timeout=30)
        WELCOMED[user_id] = {e.message_id for e in user.inbox()}
        if code:
            delegation = await bot.services.people.ensure_delegation(code, f"Delegation {code}")
            async with bot.services.db.session() as s:
                await s.execute(update(Person).where(Person.telegram_id == user_id).values(delegation_id=delegation.id))
        bot.services.people.recent.invalidate(user_id)
        person = await bot.services.people.get(user_id)
        assert person is not None
        out.append((user, person))
    return out


async def organiser(bot: Harness, user_id: int = ORGANISER) -> Person:
    user = bot.user(user_id, f"Org{user_id}", language_code="en")
    await user.send("/start")
    await user.reply(timeout=30)
    person = await bot.services.people.grant(user_id, Role.ORGANISER)
    return person


def service(bot: Harness) -> BroadcastService:
    return bot.services.broadcasts


async def draft(bot: Harness, author: Person, texts: dict[str, str], **values: object) -> int:
    svc = service(bot)
    b = await svc.start(author)
    for lang, text in texts.items():
        await svc.set_text(author, b.id, lang, text)
    if values:
        await svc.change(author, b.id, **values)
    return b.id


def got(user: SimUser, predicate: object = None) -> list[str]:
    return [e.text for e in user.inbox() if e.message_id not in WELCOMED.get(user.id, set())
            and (predicate is None or predicate(e.text))]  # type: ignore[operator]


async def drain(bot: Harness) -> None:
    assert bot.services.sender is not None
    await bot.services.sender.idle(timeout=60)


async def test_a_preview_for_one_language_lists_only_that_one_as_missing(database_url: str) -> None:
    """The reviewer: a preview for the Vietnamese readers alone listed all six other languages
    as getting the default text."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        only_vi = await draft(bot, org, {"en": "Shuttle at 18:00"}, audience=audience_of_language("vi"))
        assert service(bot).preview(await service(bot).get(only_vi)).missing == ["vi"]  # type: ignore[arg-type]


async def test_each_person_gets_their_language_else_the_default_once(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        crowd = await people(bot, [(5001, "en", "FRA"), (5002, "fr", "FRA"), (5003, "ar", "VNM"), (5004, "vi", None)])
        bid = await draft(bot, org, {"en": "Opening moves to Hall B", "fr": "L’ouverture passe en salle B"})
        preview = service(bot).preview(await service(bot).get(bid))  # type: ignore[arg-type]
        assert preview.problems == [] and set(preview.messages) == {"en", "fr"}
        assert "ar" in preview.missing and "vi" in preview.missing
        released = await service(bot).submit(org, bid)
        assert released == type(released)(BroadcastState.SENDING, 5)  # four delegates and the organiser
        # a second submit of the same broadcast is refused: one broadcast at most
        with pytest.raises(BroadcastError) as refused:
            await service(bot).submit(org, bid)
        assert refused.value.problem == Problem.NOT_EDITABLE
        await drain(bot)
        (en, _), (fr, _), (ar, _), (vi, _) = crowd
        assert got(en) == ["Opening moves to Hall B"]
        assert got(fr) == ["L’ouverture passe en salle B"]
        assert got(ar) == ["Opening moves to Hall B"] and got(vi) == ["Opening moves to Hall B"]
        b = await service(bot).get(bid)
        assert b is not None
        await service(bot).advance(bid)
        progress = await service(bot).progress(b)
        assert (progress.sent, progress.remaining, progress.finished) == (5, 0, True)
        assert (await service(bot).get(bid)).state == BroadcastState.DONE  # type: ignore[union-attr]
        async with bot.services.db.session() as s:
            keys = Counter((await s.scalars(select(OutboxMessage.key).where(OutboxMessage.group_id == f"bc{bid}"))).all())
        assert len(keys) == 5 and set(keys.values()) == {1}


async def test_a_reader_without_a_variant_gets_the_default_text_with_buttons_in_their_language(
        database_url: str) -> None:
    """The text falls back to English when the organiser gave no Chinese one; the bot's own
    buttons under it ("Confirm receipt", "Open the session") are still in Chinese."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (zh, _), = await people(bot, [(5001, "zh", None)])
        bid = await draft(bot, org, {"en": "Please read"}, audience={"kind": "people", "ids": [5001]},
                          ask_confirm=True, session_id="signing-ceremony")
        await service(bot).submit(org, bid)
        await drain(bot)
        message = [e for e in zh.inbox() if e.text == "Please read"][-1]
        labels = [b["text"] for row in message.buttons for b in row]
        t = translator("zh")
        assert labels == [t._("Open the session"), t._("Confirm receipt")]


async def test_a_progress_message_that_is_gone_is_not_edited_again_every_second(database_url: str) -> None:
    """The organiser deleted the progress message of a broadcast that asks to confirm (followed
    for two days): the bot tried to edit it every second, an API call and a log line each."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        await people(bot, [(5001, "en", None)])
        bid = await draft(bot, org, {"en": "Please read"}, audience={"kind": "people", "ids": [5001]},
                          ask_confirm=True)
        await service(bot).submit(org, bid)
        await drain(bot)
        await service(bot).set_progress_message(bid, ORGANISER, 999_999)  # no such message
        before = bot.emulator.calls.get("editmessagetext", 0)
        await asyncio.sleep(4.5)  # the progress job runs every second
        assert bot.emulator.calls.get("editmessagetext", 0) - before <= 1


async def test_audiences_role_language_delegations_ids(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        await organiser(bot)
        await people(bot, [(5001, "en", "FRA"), (5002, "fr", "FRA"), (5003, "ar", "VNM"), (5004, "fr", None)])
        svc, db = service(bot), bot.services.db
        assert await svc.audience_size({"kind": "everyone"}) == 5
        assert await svc.audience_size({"kind": "role", "role": "delegate"}) == 4
        assert await svc.audience_size({"kind": "role", "role": "organiser"}) == 1
        assert await svc.audience_size({"kind": "language", "language": "fr"}) == 2
        assert await svc.audience_size(await audience_of_delegations(db, "fra, vnm")) == 3
        assert await svc.audience_size(audience_of_ids("5001 5004 123")) == 2
        for bad in ("", "12a", "1,-2"):
            with pytest.raises(BroadcastError):
                audience_of_ids(bad)
        with pytest.raises(BroadcastError) as unknown:
            await audience_of_delegations(db, "FRA XYZ")
        assert unknown.value.detail == "XYZ"
        with pytest.raises(BroadcastError):
            await svc.audience_size({"kind": "nobody-knows"})


async def test_the_followers_of_a_session_and_only_they_get_it(database_url: str) -> None:
    """The audience "followers of a session" is the agenda's: who chose to follow it, not who
    turned it off; an id the programme lacks is refused."""
    side = "side-event-unodc"  # not followed automatically in the demo pack
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, pa), (b, pb), (c, pc) = await people(bot, [(5101, "en", "FRA"), (5102, "fr", None), (5103, "en", None)])
        await bot.services.agenda.follow(pa, side)
        await bot.services.agenda.follow(pb, side)
        await bot.services.agenda.unfollow(pb, side)  # changed their mind
        pack = bot.services.content.current.pack
        audience = audience_of_session(pack, f"  {side} ")
        assert audience == {"kind": "followers", "session": side}
        assert await service(bot).audience_size(audience) == 1
        with pytest.raises(BroadcastError) as unknown:
            audience_of_session(pack, "no-such-session")
        assert unknown.value.problem == Problem.BAD_AUDIENCE
        bid = await draft(bot, org, {"en": "The side event moves to room 3"}, audience=audience)
        await service(bot).submit(org, bid)
        await drain(bot)
        assert got(a) == ["The side event moves to room 3"]
        assert got(b) == [] and got(c) == []


async def test_bad_input_is_refused_and_nothing_is_sent(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        [(delegate, person)] = await people(bot, [(5001, "en", "FRA")])
        svc = service(bot)
        bid = await draft(bot, org, {})
        with pytest.raises(BroadcastError) as empty:
            await svc.submit(org, bid)
        assert empty.value.problem == Problem.EMPTY_TEXT
        await svc.set_text(org, bid, "en", "   ")
        with pytest.raises(BroadcastError):
            await svc.submit(org, bid)
        # 4,096 units with an emoji at the very end fits; one more unit does not
        fits = "a" * (4096 - 2) + EMOJI
        await svc.set_text(org, bid, "en", fits)
        await svc.set_text(org, bid, "fr", "b" * 4095 + EMOJI)
        with pytest.raises(BroadcastError) as long:
            await svc.submit(org, bid)
        assert (long.value.problem, long.value.detail, long.value.length) == (Problem.TOO_LONG, "fr", 4097)
        await svc.set_text(org, bid, "fr", "")
        await svc.change(org, bid, audience={"kind": "language", "language": "zh"})
        with pytest.raises(BroadcastError) as nobody:
            await svc.submit(org, bid)
        assert nobody.value.problem == Problem.NOBODY
        await svc.change(org, bid, audience={"kind": "everyone"})
        with pytest.raises(BroadcastError) as past:
            await svc.submit(org, bid, send_at=bot.clock.now() - dt.timedelta(minutes=1))
        assert past.value.problem == Problem.PAST
        with pytest.raises(BroadcastError) as not_org:
            await svc.submit(person, bid)
        assert not_org.value.problem == Problem.NOT_ORGANISER
        # an attachment makes the text a caption: 1,024 units at most
        await svc.change(org, bid, attachment_kind="photo", attachment="AgAD-photo")
        with pytest.raises(BroadcastError) as caption:
            await svc.submit(org, bid)
        assert (caption.value.problem, caption.value.limit) == (Problem.TOO_LONG, 1024)
        async with bot.services.db.session() as s:
            assert (await s.scalars(select(OutboxMessage).where(OutboxMessage.group_id == f"bc{bid}"))).all() == []
        await drain(bot)
        assert got(delegate) == []


async def test_scheduled_edit_cancel_and_urgent(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        [(delegate, _)] = await people(bot, [(5001, "en", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "first version"}, audience={"kind": "role", "role": "delegate"}, urgent=True)
        later = bot.clock.now() + dt.timedelta(minutes=30)
        assert (await svc.submit(org, bid, send_at=later)).state == BroadcastState.SCHEDULED
        async with bot.services.db.session() as s:
            [row] = (await s.scalars(select(OutboxMessage).where(OutboxMessage.group_id == f"bc{bid}"))).all()
        assert row.priority == Priority.URGENT and row.due_at == later
        await svc.reopen(org, bid)  # edit until it starts
        await svc.set_text(org, bid, "en", "second version")
        assert (await svc.submit(org, bid, send_at=later)).state == BroadcastState.SCHEDULED
        bot.clock.advance(dt.timedelta(minutes=31))
        await drain(bot)
        assert got(delegate) == ["second version"]
        with pytest.raises(BroadcastError):
            await svc.reopen(org, bid)  # started: no more editing
        bid2 = await draft(bot, org, {"en": "never"}, audience={"kind": "role", "role": "delegate"})
        await svc.submit(org, bid2, send_at=bot.clock.now() + dt.timedelta(hours=1))
        assert await svc.cancel(org, bid2) == 1
        bot.clock.advance(dt.timedelta(hours=2))
        await drain(bot)
        assert got(delegate) == ["second version"]


async def test_approval_by_a_second_organiser_only(database_url: str) -> None:
    async with running_bot(database_url, settings_overrides={"broadcast_approval_above": 2}) as bot:
        org = await organiser(bot)
        crowd = await people(bot, [(5001, "en", None), (5002, "en", None), (5003, "en", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "big news"})
        with pytest.raises(BroadcastError) as alone:
            await svc.submit(org, bid)  # nobody could approve it
        assert alone.value.problem == Problem.NO_APPROVER
        other = await organiser(bot, SECOND_ORGANISER)
        assert (await svc.submit(org, bid)).state == BroadcastState.APPROVAL
        await drain(bot)
        assert got(crowd[0][0]) == []
        second = bot.emulator.users[SECOND_ORGANISER]
        [request] = [e for e in second.inbox() if "asks for approval" in e.text]
        assert "#" + str(bid) in request.text and "5 recipients" in request.text
        for who, problem in ((org, Problem.OWN_APPROVAL), (crowd[0][1], Problem.NOT_ORGANISER)):
            with pytest.raises(BroadcastError) as refused:
                await svc.approve(who, bid)
            assert refused.value.problem == problem
        assert (await svc.approve(other, bid)).state == BroadcastState.SENDING
        with pytest.raises(BroadcastError):
            await svc.approve(other, bid)  # approved twice: once
        await drain(bot)
        assert all(got(user) == ["big news"] for user, _ in crowd)


async def test_a_receipt_is_refused_before_the_message_went_out(database_url: str) -> None:
    """A forged "confirm receipt" for a broadcast still waiting for its time (or cancelled
    before it went) is refused: it counted, and the report said more confirmed than received."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        [(_, pa)] = await people(bot, [(5001, "en", "FRA")])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Tomorrow"}, audience={"kind": "role", "role": "delegate"}, ask_confirm=True)
        await svc.submit(org, bid, send_at=bot.clock.now() + dt.timedelta(hours=2))
        with pytest.raises(BroadcastError) as refused:
            await svc.confirm(pa, bid)
        assert refused.value.problem == Problem.NOT_A_RECIPIENT
        await svc.cancel(org, bid)
        with pytest.raises(BroadcastError):
            await svc.confirm(pa, bid)
        assert await svc.confirmed_count(bid) == 0


async def test_receipts_are_counted_once_and_the_chase_goes_to_who_has_not(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, pa), (b, pb), (c, pc) = await people(bot, [(5001, "en", "FRA"), (5002, "en", "FRA"), (5003, "fr", "VNM")])
        c.block()
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Please read"}, audience={"kind": "role", "role": "delegate"},
                          ask_confirm=True, chase_after_min=20)
        await svc.submit(org, bid)
        await drain(bot)
        assert await svc.confirm(pa, bid) is True
        assert await svc.confirm(pa, bid) is False  # pressed twice = once
        with pytest.raises(BroadcastError):
            await svc.confirm(org, bid)  # not a recipient
        assert await svc.confirmed_count(bid) == 1
        missing = await svc.unconfirmed(bid)
        assert {k: [p.telegram_id for p in v] for k, v in missing.items()} == {"Delegation FRA": [5002]}
        bot.clock.advance(dt.timedelta(minutes=21))
        await drain(bot)
        assert len(got(b, lambda t: "Please confirm" in t)) == 1
        assert got(a, lambda t: "Please confirm" in t) == []
        b_progress = await svc.progress(await svc.get(bid))  # type: ignore[arg-type]
        assert (b_progress.sent, b_progress.blocked) == (2, 1)


async def test_the_chase_up_also_tells_each_liaison_officer_who_in_their_delegations_has_not(database_url: str) -> None:
    from bot.services.liaison_officers import Assignment, assign

    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, pa), (b, pb), (c, pc), (o, po), (q, pq) = await people(
            bot, [(5201, "en", "FRA"), (5202, "en", "FRA"), (5203, "fr", "VNM"), (5210, "ru", None), (5211, "en", None)])
        for officer, codes in ((po, ["FRA"]), (pq, ["VNM"])):
            await bot.services.people.grant(officer.telegram_id, Role.OFFICER)
            async with bot.services.db.session() as s:
                await assign(s, officer, Assignment(str(officer.telegram_id), delegations=codes), bot.clock)
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Please read"}, audience={"kind": "delegations", "codes": ["FRA", "VNM"]},
                          ask_confirm=True, chase_after_min=20)
        await svc.submit(org, bid)
        await drain(bot)
        await svc.confirm(pa, bid)
        await svc.confirm(pc, bid)  # VNM: everyone has confirmed
        bot.clock.advance(dt.timedelta(minutes=21))
        await drain(bot)
        to_fra = got(o, lambda t: f"№\u00a0{bid}" in t or f"№ {bid}" in t)
        assert len(to_fra) == 1, got(o)
        assert "U5202" in to_fra[0] and "FRA" in to_fra[0] and "U5201" not in to_fra[0]
        assert got(q, lambda t: "confirmed" in t) == []  # nobody of VNM is missing: nothing to say


async def test_correct_edits_and_recall_deletes_the_delivered_messages(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, _), (b, _) = await people(bot, [(5001, "en", None), (5002, "fr", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Hall B", "fr": "Salle B"}, audience={"kind": "role", "role": "delegate"})
        with pytest.raises(BroadcastError) as early:
            await svc.recall(org, bid)
        assert early.value.problem == Problem.NOT_SENT
        await svc.submit(org, bid)
        await drain(bot)
        assert await svc.correct(org, bid, "en", "Hall C") == 1
        await drain(bot)
        assert got(a) == ["Hall C"] and got(b) == ["Salle B"]
        recall = await svc.recall(org, bid)
        assert (recall.deleting, recall.stopped, recall.in_flight) == (2, 0, 0)
        await drain(bot)
        assert got(a) == [] and got(b) == []
        assert (await svc.recall_counts(bid))["sent"] == 2
        with pytest.raises(BroadcastError) as again:
            await svc.recall(org, bid)
        assert again.value.problem == Problem.RECALLED


async def test_a_correction_follows_the_language_delivered_not_the_one_chosen_since(database_url: str) -> None:
    """A French reader who switched to English after delivery still shows French: correcting
    the French text edits their message (in French); correcting the English one does not touch
    it. A language added after sending replaces the default's text for its readers."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, _), (b, pb), (c, _) = await people(bot, [(5001, "en", None), (5002, "fr", None), (5003, "es", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Hall B", "fr": "Salle B"}, audience={"kind": "role", "role": "delegate"})
        await svc.submit(org, bid)
        await drain(bot)
        assert (got(a), got(b), got(c)) == (["Hall B"], ["Salle B"], ["Hall B"])  # no Spanish: the default's
        async with bot.services.db.session() as s:
            shown = dict((await s.execute(select(OutboxMessage.person_id, OutboxMessage.language)
                                          .where(OutboxMessage.group_id == f"bc{bid}"))).all())
        assert sorted(shown.values()) == ["en", "en", "fr"]
        assert (await bot.services.people.set_language(5002, "en")).id == pb.id  # French reader switches
        assert await svc.correct(org, bid, "en", "Hall C") == 2  # the English and Spanish readers
        await drain(bot)
        assert (got(a), got(b), got(c)) == (["Hall C"], ["Salle B"], ["Hall C"])
        assert await svc.correct(org, bid, "fr", "Salle D") == 1
        await drain(bot)
        assert got(b) == ["Salle D"]  # in French, the language it went out in
        assert await svc.correct(org, bid, "es", "Sala C") == 1  # Spanish added: its reader gets it
        await drain(bot)
        assert (got(a), got(b), got(c)) == (["Hall C"], ["Salle D"], ["Sala C"])
        assert await svc.correct(org, bid, "en", "Hall E") == 1  # the Spanish reader now shows Spanish
        await drain(bot)
        assert (got(a), got(b), got(c)) == (["Hall E"], ["Salle D"], ["Sala C"])


async def test_a_second_correction_before_the_first_is_delivered_keeps_the_added_language(database_url: str) -> None:
    """Spanish added by a correction, then the English text corrected while the Spanish edit
    is still on its way: the Spanish reader's message will show Spanish, so the English
    correction leaves it alone (it edited it back to English)."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, _), (c, _) = await people(bot, [(5001, "en", None), (5003, "es", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Hall B"}, audience={"kind": "role", "role": "delegate"})
        await svc.submit(org, bid)
        await drain(bot)
        assert (got(a), got(c)) == (["Hall B"], ["Hall B"])
        bot.emulator.delay_next("editMessageText", 1.0)  # the Spanish edit stays on its way a while
        assert await svc.correct(org, bid, "es", "Sala C") == 1
        await asyncio.sleep(0.3)
        assert await svc.correct(org, bid, "en", "Hall E") == 1  # the English reader only
        await drain(bot)
        assert (got(a), got(c)) == (["Hall E"], ["Sala C"])


async def delivered_to_delegates(bot: Harness, n: int, text: str) -> tuple[Person, list[tuple[SimUser, Person]], BroadcastService, int]:
    """An organiser's English broadcast to ``n`` delegates, sent and delivered."""
    org = await organiser(bot)
    crowd = await people(bot, [(5001 + i, "en", None) for i in range(n)])
    svc = service(bot)
    bid = await draft(bot, org, {"en": text}, audience={"kind": "role", "role": "delegate"})
    await svc.submit(org, bid)
    await drain(bot)
    return org, crowd, svc, bid


async def test_two_corrections_in_a_row_end_with_the_last_text(database_url: str) -> None:
    """The second correction is made while the sender renders the first one's edits: those
    must not leave the previous text in the renderer's snapshot cache, or the second edit goes
    out with it ("not modified") and the readers keep the first correction."""
    async with running_bot(database_url) as bot:
        org, crowd, svc, bid = await delivered_to_delegates(bot, 3, "Hall B")
        for attempt in range(5):
            assert await svc.correct(org, bid, "en", f"Hall C{attempt}") == 3
            assert await svc.correct(org, bid, "en", f"Hall D{attempt}") == 3
            await drain(bot)
            assert [got(user) for user, _ in crowd] == [[f"Hall D{attempt}"]] * 3


async def test_a_correction_is_not_rendered_from_a_snapshot_older_than_itself(database_url: str) -> None:
    """The state the race above leaves behind, made on purpose: a render that read the
    broadcast just before the correction committed stores the previous text in the
    renderer's cache after the correction cleared it. The correction's edits name their
    revision and read past that snapshot."""
    async with running_bot(database_url) as bot:
        org, crowd, svc, bid = await delivered_to_delegates(bot, 2, "Hall B")
        assert await svc.correct(org, bid, "en", "Hall C") == 2
        await drain(bot)
        stale = svc._cache[bid][1]
        assert stale.texts == {"en": "Hall C"}
        assert await svc.correct(org, bid, "en", "Hall D") == 2
        svc._cache[bid] = (time.monotonic(), stale)  # no await since the commit: nothing rendered yet
        await drain(bot)
        assert [got(user) for user, _ in crowd] == [["Hall D"]] * 2


async def submitted_and_on_their_way(bot: Harness, svc: BroadcastService, org: Person, bid: int, n: int) -> None:
    """Submit the broadcast with its ``n`` messages held in Telegram's hands a while: returns
    once all are rendered and on their way (sending, not yet recorded as sent)."""
    bot.emulator.delay_next("sendMessage", 1.5, count=n)
    await svc.submit(org, bid)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while True:
        async with bot.services.db.session() as s:
            states = (await s.scalars(select(OutboxMessage.state).where(OutboxMessage.group_id == f"bc{bid}"))).all()
        if list(states) == [DeliveryState.SENDING] * n:
            return
        assert loop.time() < deadline, states
        await asyncio.sleep(0.02)


async def test_a_correction_reaches_the_message_that_was_on_its_way(database_url: str) -> None:
    """Corrected while a message is on its way (rendered with the old text, not yet recorded as
    sent): once it is delivered, an edit follows with the corrected text. A message on its way
    in another language is left alone."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, _), (b, _) = await people(bot, [(5001, "en", None), (5002, "fr", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Hall B", "fr": "Salle B"}, audience={"kind": "role", "role": "delegate"})
        await submitted_and_on_their_way(bot, svc, org, bid, 2)
        assert await svc.correct(org, bid, "en", "Hall C") == 2  # both are followed, once delivered
        await drain(bot)
        assert (got(a), got(b)) == (["Hall B"], ["Salle B"])  # delivered as rendered
        bot.clock.advance(dt.timedelta(seconds=61))
        await drain(bot)
        assert (got(a), got(b)) == (["Hall C"], ["Salle B"])
        async with bot.services.db.session() as s:
            follow = dict((await s.execute(select(OutboxMessage.person_id, OutboxMessage.state)
                                           .where(OutboxMessage.group_id == f"bc{bid}e1"))).all())
        assert sorted(follow.values()) == [DeliveryState.SENT, DeliveryState.SKIPPED]  # French: another language


async def test_a_recall_cancels_the_corrections_not_yet_out(database_url: str) -> None:
    """Corrected while the messages were on their way (the follow-up edits wait for them to be
    delivered), then recalled: those edits are cancelled with the recall, not left to the
    renderer, and nothing is edited before the messages are deleted."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, _), (b, _) = await people(bot, [(5001, "en", None), (5002, "en", None)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Hall B"}, audience={"kind": "role", "role": "delegate"})
        await submitted_and_on_their_way(bot, svc, org, bid, 2)
        assert await svc.correct(org, bid, "en", "Hall C") == 2  # edits to follow the delivery
        recall = await svc.recall(org, bid)
        assert (recall.deleting, recall.stopped, recall.in_flight) == (0, 0, 2)
        await drain(bot)
        await svc.follow_recall(bid)  # the deletions of what was on its way (the job may have added them)
        bot.clock.advance(dt.timedelta(seconds=61))  # past the edits' due time
        await drain(bot)
        assert (got(a), got(b)) == ([], [])
        assert (await svc.recall_counts(bid))["sent"] == 2
        async with bot.services.db.session() as s:
            follow = (await s.execute(select(OutboxMessage.state, OutboxMessage.last_error)
                                      .where(OutboxMessage.group_id == f"bc{bid}e1"))).all()
        assert [tuple(row) for row in follow] == [(DeliveryState.CANCELLED, "recalled by an organiser")] * 2
        assert bot.emulator.calls.get("editmessagetext", 0) == 0


async def test_recall_while_sending_stops_the_rest_and_deletes_what_arrived(database_url: str) -> None:
    slow = Limits(overall_per_s=5, private_per_s=0, group_per_min=0)
    async with running_bot(database_url, bot_limits=slow) as bot:
        org = await organiser(bot)
        crowd = await people(bot, [(5001 + i, "en", None) for i in range(30)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "oops"}, audience={"kind": "role", "role": "delegate"})
        await svc.submit(org, bid)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while sum(len(got(user)) for user, _ in crowd) < 5:
            assert loop.time() < deadline
            await asyncio.sleep(0.05)
        recall = await svc.recall(org, bid)  # while sending
        # delivered ones whose outcome is not written yet count as on their way
        assert recall.stopped >= 15 and recall.deleting + recall.in_flight >= 5
        assert recall.deleting + recall.stopped + recall.in_flight == 30
        with pytest.raises(BroadcastError) as again:
            await svc.recall(org, bid)
        assert again.value.problem == Problem.RECALLED
        await drain(bot)
        await svc.follow_recall(bid)  # what was on its way when recalled (the job does this)
        await drain(bot)
        assert all(got(user) == [] for user, _ in crowd)
        async with bot.services.db.session() as s:
            states = Counter((await s.scalars(select(OutboxMessage.state).where(OutboxMessage.group_id == f"bc{bid}"))).all())
        assert states[DeliveryState.SENT] + states[DeliveryState.CANCELLED] == 30
        assert (await svc.recall_counts(bid))["sent"] == states[DeliveryState.SENT]


async def test_the_csv_report_has_one_row_per_recipient(database_url: str, tmp_path: Path) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        (a, pa), (b, _), (c, _) = await people(bot, [(5001, "en", "FRA"), (5002, "fr", None), (5003, "en", None)])
        c.block()
        svc = service(bot)
        bid = await draft(bot, org, {"en": "Hall B"}, audience={"kind": "role", "role": "delegate"}, ask_confirm=True)
        await svc.submit(org, bid)
        await drain(bot)
        await svc.confirm(pa, bid)
        out = tmp_path / "report.csv"
        env = {**os.environ, "DATABASE_URL": database_url, "BOT_TOKEN": ""}
        for args, code in ((["broadcast", str(bid), "--out", str(out)], 0), (["broadcast", "999"], 1)):
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "report", *args, env=env,
                                                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            _, err = await proc.communicate()
            assert proc.returncode == code, err.decode()
        with out.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        by_id = {r["telegram_id"]: r for r in rows}
        assert set(by_id) == {"5001", "5002", "5003"}
        assert by_id["5001"]["state"] == "sent" and by_id["5001"]["confirmed_at"] and by_id["5001"]["delegation"] == "FRA"
        assert by_id["5002"]["state"] == "sent" and not by_id["5002"]["confirmed_at"] and by_id["5002"]["language"] == "fr"
        assert by_id["5003"]["state"] == "failed" and by_id["5003"]["error"].startswith("blocked")
        assert by_id["5001"]["message_id"].isdigit()


async def test_a_running_broadcast_stops_within_a_second_of_cancel(database_url: str) -> None:
    slow = Limits(overall_per_s=5, private_per_s=0, group_per_min=0)
    async with running_bot(database_url, bot_limits=slow) as bot:
        org = await organiser(bot)
        crowd = await people(bot, [(5001 + i, "en", None) for i in range(30)])
        svc = service(bot)
        bid = await draft(bot, org, {"en": "slowly"}, audience={"kind": "role", "role": "delegate"})
        await svc.submit(org, bid)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while sum(len(got(user)) for user, _ in crowd) < 5:
            assert loop.time() < deadline
            await asyncio.sleep(0.05)
        stopped = await svc.cancel(org, bid)
        cancelled_at = loop.time()
        assert stopped >= 15
        await asyncio.sleep(1.5)
        arrived = [e.at for user, _ in crowd for e in user.inbox() if e.text == "slowly"]
        late = [t for t in arrived if t > cancelled_at + 1.0]
        assert late == [] and len(arrived) <= 30 - stopped
        b = await svc.get(bid)
        assert b is not None and b.state == BroadcastState.CANCELLED
        progress = await svc.progress(b)
        assert progress.cancelled == stopped and progress.sent + progress.cancelled + progress.remaining == 30
        with pytest.raises(BroadcastError):
            await svc.cancel(org, bid)  # cancelled twice: once


@pytest.mark.parametrize("allowed", [True, False])
async def test_paid_only_when_the_setting_allows_and_the_organiser_enables_it(database_url: str, allowed: bool) -> None:
    async with running_bot(database_url, settings_overrides={"broadcast_paid_allowed": allowed}) as bot:
        org = await organiser(bot)
        [(delegate, _)] = await people(bot, [(5001, "en", None)])
        svc = service(bot)
        for paid in (True, False):
            bid = await draft(bot, org, {"en": f"paid {paid}"}, audience={"kind": "role", "role": "delegate"}, paid=paid)
            await svc.submit(org, bid)
        await drain(bot)
        async with bot.services.db.session() as s:
            rows = {r.group_id: r.paid for r in (await s.scalars(select(OutboxMessage))).all() if r.group_id}
        assert rows == {"bc1": allowed, "bc2": False}
        calls = [params for name, params in bot.emulator.requests or ()
                 if name.lower() == "sendmessage" and str(params.get("text", "")).startswith("paid")]
        assert [bool(c.get("allow_paid_broadcast")) for c in calls] == [allowed, False]
        assert got(delegate) == ["paid True", "paid False"]


async def test_what_an_organiser_is_asked_next_is_one_step_that_the_panel_keeps(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        svc = service(bot)
        first = await draft(bot, org, {"en": "First"})
        await svc.ask_for(org, first, "text", "fr")
        assert await svc.step(org) == Step("text", first, "fr")
        # the panel shown again keeps what is asked for its draft, and renews its time
        bot.clock.advance(STEP_TTL - dt.timedelta(minutes=1))
        await svc.ask_for(org, first, "any", keep=True)
        bot.clock.advance(dt.timedelta(minutes=2))
        assert await svc.step(org) == Step("text", first, "fr")
        # one step per person: asking for something else replaces it
        await svc.ask_for(org, first, "deleg")
        assert await svc.step(org) == Step("deleg", first)
        # a step asked too long ago is not kept by the panel: "any" from now on
        bot.clock.advance(STEP_TTL + dt.timedelta(minutes=1))
        await svc.ask_for(org, first, "any", keep=True)
        assert await svc.step(org) == Step("any", first)
        # another draft's panel (another organiser's draft, the first one sent) replaces it
        second_org = await organiser(bot, SECOND_ORGANISER)
        other = await draft(bot, second_org, {"en": "Other"})
        await svc.ask_for(org, other, "any", keep=True)
        assert await svc.step(org) is None  # not a draft of theirs: it does not stand, and is gone
        async with bot.services.db.session() as s:
            assert await s.get(BroadcastStep, org.id) is None
        with pytest.raises(ValueError):
            await svc.ask_for(org, first, "nonsense")
        await svc.ask_for(org, first, "time")
        await svc.drop_step(org)
        assert await svc.step(org) is None


async def test_a_broadcasts_session_is_named_by_its_id_or_the_words_of_its_title(database_url: str) -> None:
    """Organisers see titles, not ids: the session button takes words of a title only one
    session has; words several have, or none, are refused."""
    async with running_bot(database_url) as bot:
        org = await organiser(bot)
        pack = bot.services.content.current.pack
        signing = pack.session("signing-ceremony")
        assert signing is not None
        bid = await draft(bot, org, {"en": "Seats for the signing"})
        changed = await service(bot).change(org, bid, session_id=signing.title.get("vi", "en").upper())
        assert changed.session_id == "signing-ceremony"
        for vague in ("press briefing", "no such session"):
            with pytest.raises(BroadcastError) as refused:
                await service(bot).change(org, bid, session_id=vague)
            assert refused.value.problem == Problem.NOT_FOUND
