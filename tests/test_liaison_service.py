"""The liaison service without Telegram, on SQLite and PostgreSQL: routing, the exactly-once
claim (racing for real on PostgreSQL), relays through the outbox, access rules, duty, the sweep."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.clock import SimulatedClock
from bot.config import load_settings
from bot.i18n import translator
from bot.services import liaison_officers as officers
from bot.services.liaison import Problem, Refused
from bot.services.liaison_render import Sent
from bot.services.people import TelegramUser
from bot.store.models import (
    LiaisonEvent,
    LiaisonRequest,
    OutboxMessage,
    Person,
    Priority,
    RequestAction,
    RequestStatus,
    Role,
)
from tests.support import DEMO_PACK

NOW = dt.datetime(2025, 10, 25, 2, 0, tzinfo=dt.UTC)
TEXT = Sent("text", "I need a car to the airport at 18:00")


async def make_services(database_url: str, **overrides: Any) -> Services:
    settings = load_settings(database_url=database_url, content_dir=DEMO_PACK, semantic_answers=False, **overrides)
    services = build_services(settings, clock=SimulatedClock(NOW))
    await services.db.upgrade()
    return services


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    s = await make_services(database_url)
    try:
        yield s
    finally:
        await s.db.dispose()


async def person(s: Services, tid: int, name: str, lang: str = "en", role: Role = Role.DELEGATE,
                 delegation: str | None = None) -> Person:
    p, _ = await s.people.touch(TelegramUser(id=tid, first_name=name, username=f"user{tid}", language_code=lang))
    if role != Role.DELEGATE:
        p = await s.people.grant(tid, role)
    if delegation:
        d = await s.people.ensure_delegation(delegation, delegation)
        async with s.db.session() as session:
            found = await session.get(Person, p.id)
            assert found is not None
            found.delegation_id = d.id
    async with s.db.session() as session:
        found = await session.get(Person, p.id)
        assert found is not None
        return found


async def officer(s: Services, tid: int, name: str, *, duty: bool = True, lang: str = "en",
                  role: Role = Role.OFFICER, **covers: list[str]) -> Person:
    p = await person(s, tid, name, lang, role)
    async with s.db.session() as session:
        found = await session.get(Person, p.id)
        assert found is not None
        await officers.assign(session, found, officers.Assignment(str(tid), **covers), s.clock)
    await s.liaison.set_duty(p, duty)
    return p


async def rows(s: Services, chat_id: int) -> list[OutboxMessage]:
    async with s.db.session() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
                                          .order_by(OutboxMessage.id)))


async def events(s: Services, request_id: int) -> list[RequestAction]:
    async with s.db.session() as session:
        return list(await session.scalars(select(LiaisonEvent.action).where(LiaisonEvent.request_id == request_id)
                                          .order_by(LiaisonEvent.id)))


async def test_routing_delegation_then_language_and_category_least_loaded(services: Services):
    s = services
    fra = await officer(s, 101, "Amélie", delegations=["FRA"])
    fr1 = await officer(s, 102, "Bruno", languages=["fr"], categories=["transport"])
    fr2 = await officer(s, 103, "Chloé", languages=["fr"])
    await officer(s, 104, "Dmitri", languages=["ru"])
    await officer(s, 105, "Off", duty=False, delegations=["MAR"])
    d1 = await person(s, 1, "Alice", "fr", delegation="FRA")
    d2 = await person(s, 2, "Bernard", "fr", delegation="MAR")
    r1 = await s.liaison.open(d1, "transport", TEXT)
    assert r1.offered_to_id == fra.id
    r2 = await s.liaison.open(d2, "transport", TEXT)  # MAR's officer is off duty: the language
    r3 = await s.liaison.open(d2, "transport", TEXT)  # the other French speaker, less loaded
    assert {r2.offered_to_id, r3.offered_to_id} == {fr1.id, fr2.id}
    r4 = await s.liaison.open(d2, "accreditation", TEXT)  # Bruno covers transport only
    assert r4.offered_to_id == fr2.id
    d3 = await person(s, 3, "Zhang", "zh")
    dmitri = (await s.people.get(104))
    r5 = await s.liaison.open(d3, "transport", TEXT)  # nobody speaks Chinese, no group, no supervisor:
    assert dmitri is not None and r5.offered_to_id == dmitri.id  # the least loaded officer on duty
    sup = await officer(s, 106, "Sup", duty=False, role=Role.SUPERVISOR)
    r6 = await s.liaison.open(d3, "transport", TEXT)  # a supervisor now: they get it
    assert r6.offered_to_id is None and (await rows(s, sup.telegram_id))[-1].payload["text"].count("#") == 1
    for o in (fra, fr1, fr2, dmitri):
        await s.liaison.set_duty(o, False)
    await s.people.grant(106, Role.OFFICER)
    r7 = await s.liaison.open(d3, "transport", TEXT)  # nobody on duty, nobody oversees
    assert r7.offered_to_id is None
    assert "目前没有空闲的联络官" in (await rows(s, d3.telegram_id))[-1].payload["text"]  # in her language
    card = (await rows(s, fra.telegram_id))[0].payload
    assert "Request #" in card["text"] and "Alice" in card["text"] and "I need a car" in card["text"]
    assert card["buttons"][0][0]["callback_data"].startswith("v1||lclaim|")
    assert (await events(s, r1.id))[:3] == [RequestAction.OPENED, RequestAction.ROUTED, RequestAction.REROUTED]


async def test_urgent_goes_to_every_officer_on_duty_and_supervisor_at_once(services: Services):
    s = services
    a = await officer(s, 101, "A", languages=["en"])
    b = await officer(s, 102, "B", delegations=["FRA"])
    sup = await officer(s, 103, "Sup", duty=False, role=Role.SUPERVISOR)
    off = await officer(s, 104, "Off", duty=False)
    d = await person(s, 1, "Alice", delegation="FRA")
    r = await s.liaison.open(d, "medical", Sent("text", "Chest pain, room 204"))
    assert r.urgent and r.offered_to_id is None
    for o in (a, b, sup):
        found = await rows(s, o.telegram_id)
        assert found and found[0].priority == Priority.URGENT and "🚨" in found[0].payload["text"]
    assert await rows(s, off.telegram_id) == []


@pytest.mark.parametrize("racers", [8])
async def test_claim_is_exactly_once_however_many_race(services: Services, racers: int):
    s = services
    team = [await officer(s, 200 + i, f"O{i}", languages=["en"]) for i in range(racers)]
    d = await person(s, 1, "Alice")
    r = await s.liaison.open(d, "transport", TEXT)
    results = await asyncio.gather(*(s.liaison.claim(o, r.id) for o in team), return_exceptions=True)
    won = [x for x in results if isinstance(x, LiaisonRequest)]
    lost = [x for x in results if isinstance(x, Refused)]
    assert len(won) == 1 and len(lost) == racers - 1, results
    assert all(x.problem == Problem.TAKEN for x in lost)
    async with s.db.session() as session:
        claims = list(await session.scalars(select(LiaisonEvent).where(
            LiaisonEvent.request_id == r.id, LiaisonEvent.action == RequestAction.CLAIMED)))
    assert len(claims) == 1
    assert lost[0].holder_name == next(o.first_name for o in team if o.id == won[0].holder_id)


async def test_relay_both_ways_shows_name_and_role_never_the_account(services: Services):
    s = services
    o = await officer(s, 101, "Anna", languages=["fr"])
    d = await person(s, 1, "Alice", "fr", delegation="FRA")
    r = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.add(d, r.id, Sent("photo", "my badge", file_id="PHOTO1", file_size=1000))
    await s.liaison.claim(o, r.id)
    await s.liaison.reply(o, r.id, Sent("text", "On my way <b>now</b>"))
    await s.liaison.reply(o, r.id, quick="car-on-its-way")
    await s.liaison.add(d, r.id, Sent("location", latitude=21.0, longitude=105.8))
    to_delegate = [m.payload for m in await rows(s, d.telegram_id)]
    relayed = [p for p in to_delegate if "On my way" in p.get("text", "")]
    assert relayed and "Anna" in relayed[0]["text"] and "&lt;b&gt;now" in relayed[0]["text"]
    assert "user101" not in str(to_delegate) and "101" not in str([p.get("text") for p in to_delegate])
    assert any("Votre voiture est en route." in p.get("text", "") for p in to_delegate)  # her language
    to_officer = [m.payload for m in await rows(s, o.telegram_id)]
    assert any(p.get("photo") == "PHOTO1" and "Alice" in p["text"] for p in to_officer)
    assert any(p.get("location") == [21.0, 105.8] for p in to_officer)
    async with s.db.session() as session:
        req = await session.get(LiaisonRequest, r.id)
        assert req is not None and req.waiting_since is not None  # the location waits for an answer


async def test_bad_input_and_access_rules(services: Services):
    s = services
    o = await officer(s, 101, "Anna", languages=["en"])
    other = await officer(s, 102, "Bob", languages=["en"])
    unassigned = await officer(s, 103, "New", duty=False)
    d = await person(s, 1, "Alice")
    stranger = await person(s, 2, "Eve")
    with pytest.raises(Refused) as e:
        await s.liaison.open(d, "transport", Sent("text", "   "))
    assert e.value.problem == Problem.EMPTY
    with pytest.raises(Refused) as e:
        await s.liaison.open(d, "no-such-category", TEXT)
    assert e.value.problem == Problem.UNKNOWN_CATEGORY
    with pytest.raises(Refused) as e:
        await s.liaison.open(d, "transport", Sent("photo", file_id="X", file_size=50 * 1024 * 1024))
    assert e.value.problem == Problem.TOO_LARGE
    r = await s.liaison.open(d, "transport", TEXT)
    for call in (s.liaison.claim(stranger, r.id), s.liaison.reply(stranger, r.id, TEXT), s.liaison.queue(d)):
        with pytest.raises(Refused) as e:
            await call
        assert e.value.problem == Problem.NOT_OFFICER
    with pytest.raises(Refused) as e:
        await s.liaison.add(stranger, r.id, TEXT)  # not hers: as if it did not exist
    assert e.value.problem == Problem.NOT_FOUND
    with pytest.raises(Refused) as e:
        await s.liaison.reply(o, r.id, TEXT)  # not claimed yet
    assert e.value.problem == Problem.NOT_HOLDER
    await s.liaison.claim(o, r.id)
    for call in (s.liaison.reply(other, r.id, TEXT), s.liaison.resolve(other, r.id)):
        with pytest.raises(Refused) as e:
            await call
        assert e.value.problem == Problem.NOT_HOLDER
    await s.liaison.queue(unassigned)  # an officer with no assignment still sees the queue
    await s.liaison.resolve(o, r.id)
    with pytest.raises(Refused) as e:
        await s.liaison.reply(o, r.id, TEXT)
    assert e.value.problem == Problem.CLOSED
    with pytest.raises(Refused) as e:
        await s.liaison.add(d, r.id, TEXT)
    assert e.value.problem == Problem.CLOSED
    with pytest.raises(Refused) as e:
        await s.liaison.rate(d, r.id, 9)
    assert e.value.problem == Problem.BAD_RATING
    await s.liaison.rate(d, r.id, 5)
    await s.liaison.reopen(d, r.id)
    await s.liaison.resolve(o, r.id)
    r2 = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.cancel(d, r2.id)
    with pytest.raises(Refused) as e:
        await s.liaison.claim(o, r2.id)
    assert e.value.problem == Problem.CLOSED
    assert await events(s, r.id) == [
        RequestAction.OPENED, RequestAction.ROUTED, RequestAction.CLAIMED, RequestAction.RESOLVED,
        RequestAction.RATED, RequestAction.REOPENED, RequestAction.RESOLVED]


async def test_off_duty_and_blocked_officers_have_their_requests_rerouted(services: Services):
    s = services
    a = await officer(s, 101, "Anna", delegations=["FRA"])
    b = await officer(s, 102, "Bob", languages=["en"])
    c = await officer(s, 103, "Cleo", languages=["en"])
    d = await person(s, 1, "Alice", delegation="FRA")
    r1 = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.claim(a, r1.id)
    moved = await s.liaison.set_duty(a, False)
    assert moved == [r1.id]
    async with s.db.session() as session:
        req = await session.get(LiaisonRequest, r1.id)
        assert req is not None and req.status == RequestStatus.OPEN and req.holder_id is None
        assert req.offered_to_id in (b.id, c.id)
        new = b if req.offered_to_id == b.id else c
    assert "Re-routed: Anna: off duty" in (await rows(s, new.telegram_id))[-1].payload["text"]
    await s.liaison.claim(new, r1.id)
    moved = await s.liaison.person_blocked(new.telegram_id)
    assert moved == [r1.id]
    assert RequestAction.REROUTED in await events(s, r1.id)


async def test_sweep_escalates_unclaimed_and_reminds_silent_holders(database_url: str):
    s = await make_services(database_url, liaison_claim_minutes=10, liaison_answer_minutes=15)
    try:
        a = await officer(s, 101, "Anna", languages=["en"])
        sup = await officer(s, 102, "Sup", duty=False, role=Role.SUPERVISOR)
        d = await person(s, 1, "Alice")
        r1 = await s.liaison.open(d, "transport", TEXT)
        r2 = await s.liaison.open(d, "transport", TEXT)
        await s.liaison.claim(a, r2.id)
        assert await s.liaison.sweep() == type(await s.liaison.sweep())([], [])
        assert isinstance(s.clock, SimulatedClock)
        s.clock.advance(dt.timedelta(minutes=11))
        swept = await s.liaison.sweep()
        assert swept.escalated == [r1.id] and swept.reminded == []
        assert any("Escalated" in m.payload["text"] for m in await rows(s, sup.telegram_id))
        s.clock.advance(dt.timedelta(minutes=5))
        swept = await s.liaison.sweep()
        assert swept.escalated == [] and swept.reminded == [r2.id]
        assert (await s.liaison.sweep()).reminded == []  # once per waiting message
        queue = await s.liaison.queue(a)
        assert [q.id for q in queue.mine] == [r2.id] and [q.id for q in queue.overdue] == [r2.id]
        assert [q.id for q in queue.unclaimed] == [r1.id]
    finally:
        await s.db.dispose()


async def test_the_sweep_reaches_the_organisers_when_there_is_no_supervisor_nor_group(database_url: str, caplog):
    """A request nobody claimed, with no supervisor and no officers' group: the sweep's
    escalation reached nobody. The organisers now hear of it, in their language (without the
    officers' buttons: they cannot claim); with no organiser either, a warning is logged."""
    s = await make_services(database_url, liaison_claim_minutes=10)
    try:
        await officer(s, 101, "Anna", languages=["en"])
        organiser = await person(s, 900, "Olga", "ru", Role.ORGANISER)
        d = await person(s, 1, "Alice")
        r1 = await s.liaison.open(d, "transport", TEXT)
        assert isinstance(s.clock, SimulatedClock)
        s.clock.advance(dt.timedelta(minutes=11))
        assert (await s.liaison.sweep()).escalated == [r1.id]
        sent = [m.payload for m in await rows(s, organiser.telegram_id)]
        ru = translator("ru")
        assert len(sent) == 1 and ru._("⚠️ Escalated") in sent[0]["text"] and not sent[0].get("buttons")
        async with s.db.session() as session:
            gone = await session.get(Person, organiser.id)
            assert gone is not None
            gone.role = Role.DELEGATE
        r2 = await s.liaison.open(d, "transport", TEXT)
        s.clock.advance(dt.timedelta(minutes=11))
        with caplog.at_level("WARNING", logger="bot.services.liaison"):
            assert (await s.liaison.sweep()).escalated == [r2.id]
        assert "nobody to receive it" in caplog.text
    finally:
        await s.db.dispose()


async def test_hand_over_and_escalate_by_the_holder(services: Services):
    s = services
    a = await officer(s, 101, "Anna", languages=["en"])
    b = await officer(s, 102, "Bob", duty=False)
    sup = await officer(s, 103, "Sup", duty=False, role=Role.SUPERVISOR)
    d = await person(s, 1, "Alice")
    r = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.claim(a, r.id)
    with pytest.raises(Refused) as e:
        await s.liaison.hand_over(a, r.id, d, "to a delegate?")
    assert e.value.problem == Problem.NO_SUCH_OFFICER
    await s.liaison.hand_over(a, r.id, b, "Bob knows the drivers")
    assert any("Bob knows the drivers" in row.payload["text"] for row in await rows(s, b.telegram_id))
    with pytest.raises(Refused):
        await s.liaison.resolve(a, r.id)  # Anna no longer holds it
    await s.liaison.escalate(b, r.id, "VIP")
    assert "VIP" in (await rows(s, sup.telegram_id))[-1].payload["text"]
    await s.liaison.resolve(sup, r.id)  # a supervisor may resolve what another holds


async def test_the_officer_a_request_is_handed_over_to_gets_everything_said_so_far(services: Services):
    """Bob never saw the request: the hand-over card alone ("Handed over to you by Anna: ...")
    would leave him without the delegate's words or what Anna already answered."""
    s = services
    a = await officer(s, 101, "Anna", languages=["en"])
    b = await officer(s, 102, "Bob", duty=False)
    d = await person(s, 1, "Alice")
    r = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.claim(a, r.id)
    await s.liaison.reply(a, r.id, Sent("text", "Which terminal, please?"))
    await s.liaison.add(d, r.id, Sent("text", "Terminal 2, flight VN 123"))
    await s.liaison.hand_over(a, r.id, b, "Bob knows the drivers")
    texts = [row.payload["text"] for row in await rows(s, b.telegram_id)]
    assert "Bob knows the drivers" in texts[0]  # the card first, then the conversation in order
    said = [next(i for i, text in enumerate(texts) if words in text)
            for words in (TEXT.text, "Which terminal, please?", "Terminal 2, flight VN 123")]
    assert said == sorted(said) and said[0] > 0


async def test_an_arabic_officers_request_card_reads_right_to_left(services: Services):
    """The card's title starts with "🆕", a left-to-right character to the bidi algorithm: without
    a right-to-left mark, Telegram lays that line out left to right in an Arabic reader's chat."""
    s = services
    o = await officer(s, 101, "Karim", lang="ar", languages=["en"])
    d = await person(s, 1, "Alice")
    await s.liaison.open(d, "transport", TEXT)
    card = (await rows(s, o.telegram_id))[0].payload["text"]
    title, who = card.split("\n")[:2]
    assert title.startswith("\u200f<b>🆕") and who.startswith("\u200f")


async def test_the_request_card_names_the_delegation_in_the_officers_language(services: Services):
    """An invite made with a code only (/invite delegate FRA) stores the code as the name: the
    card said "Alice · FRA · English" to everyone; it names the country as the rest of the bot."""
    s = services
    en = await officer(s, 101, "Anna", languages=["en"])
    ru = await officer(s, 102, "Boris", lang="ru", languages=["en"])
    d = await person(s, 1, "Alice", delegation="FRA")
    await s.liaison.open(d, "medical", TEXT)  # urgent: to every officer on duty
    assert "Alice · France · English" in (await rows(s, en.telegram_id))[0].payload["text"]
    assert "Франция" in (await rows(s, ru.telegram_id))[0].payload["text"]


async def test_an_escalation_nobody_would_receive_is_refused(services: Services):
    """No supervisor and no officers' group: /escalate said "escalated to the supervisors" and
    the request went nowhere."""
    s = services
    a = await officer(s, 101, "Anna", languages=["en"])
    d = await person(s, 1, "Alice")
    r = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.claim(a, r.id)
    with pytest.raises(Refused) as e:
        await s.liaison.escalate(a, r.id, "VIP")
    assert e.value.problem == Problem.NO_SUPERVISOR
    assert RequestAction.ESCALATED not in await events(s, r.id)
    sup = await officer(s, 103, "Sup", duty=False, role=Role.SUPERVISOR)
    await s.liaison.escalate(a, r.id, "VIP")  # now someone gets it
    assert "VIP" in (await rows(s, sup.telegram_id))[-1].payload["text"]


async def test_the_delegate_learns_that_the_officer_holding_their_request_left(services: Services):
    """Anna went off duty: her request went back to the officers, but the delegate's last word
    was "Request #1 is now handled by Anna", and stayed so."""
    s = services
    a = await officer(s, 101, "Anna", languages=["en"])
    d = await person(s, 1, "Alice")
    r = await s.liaison.open(d, "transport", TEXT)
    await s.liaison.claim(a, r.id)
    assert await s.liaison.set_duty(a, False) == [r.id]
    last = (await rows(s, d.telegram_id))[-1].payload["text"]
    assert "Request #1" in last and "no longer available" in last


async def test_csv_import_parses_lists():
    parsed = officers.parse_csv("officer,delegations,languages,categories\n@anna,FRA;MAR,fr;en,transport\n123,,ru,\n")
    assert parsed[0].who == "@anna" and parsed[0].delegations == ["FRA", "MAR"] and parsed[0].languages == ["fr", "en"]
    assert parsed[1].who == "123" and parsed[1].categories == []
    with pytest.raises(ValueError):
        officers.parse_csv("name,x\nfoo,bar\n")


async def test_control_characters_are_dropped_before_the_database(services: Services):
    s = services
    o = await officer(s, 101, "Anna", languages=["en"])
    d = await person(s, 1, "Alice")
    await s.liaison.set_draft(d, "handoff", question="where\x00 is\x1b[31m it?")
    r = await s.liaison.open(d, "transport", Sent("text", "a car\x00 please"), question="where\x00 is it?")
    with pytest.raises(Refused) as e:
        await s.liaison.add(d, r.id, Sent("text", "\x00\x00"))
    assert e.value.problem == Problem.EMPTY
    await s.liaison.claim(o, r.id)
    await s.liaison.hand_over(o, r.id, await officer(s, 102, "Bob", duty=False), "note\x00")
    card = (await rows(s, o.telegram_id))[0].payload["text"]
    assert "a car please" in card and "\x00" not in card
