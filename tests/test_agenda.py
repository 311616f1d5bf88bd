"""My agenda and reminders, end to end through the emulator on SQLite and PostgreSQL: follow
from a card and from an answer, /agenda, reminders through the outbox at the lead time in the
person's language, settings, forged buttons, clock jumps, the organisers' /delay."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
from pathlib import Path

import icalendar
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot import callbacks
from bot.i18n import translator
from bot.sandbox.emulator import SimUser
from bot.sandbox.harness import Harness
from bot.services.agenda import followers_of, reminder_key
from bot.store.models import DeliveryState, OutboxMessage
from bot.web.calendar import add_calendar_routes
from bot.web.sandbox_chat import chosen_language_from, create_chat_app
from tests.support import DEMO_PACK, running_bot

OPENING = "opening-ceremony"  # 08:30-10:00 in Hanoi, followed by everyone (auto_follow: all)
SIGNING = "signing-ceremony"  # 10:30-12:30, followed by everyone; the harness's clock starts at 08:30
SIDE = "side-event-unodc"  # 13:00-13:50, side-event room 1 (floor 2)
PLENARY = "plenary-general-discussion-1"  # 14:00
HIGH_LEVEL = "high-level-international-cooperation"  # 14:00 too: a clash


async def started(bot: Harness, user_id: int, language: str = "en") -> SimUser:
    user = bot.user(user_id, f"U{user_id}", language_code=language)
    await user.command("start")
    await user.reply()
    return user


async def open_card(bot: Harness, user: SimUser, session_id: str):  # type: ignore[no-untyped-def]
    pack = bot.services.content.current.pack
    await user.press_raw(callbacks.encode("sess", session_id, pack_version=pack.version))
    return await user.reply()


async def answered(bot: Harness, update: dict) -> dict:  # type: ignore[type-arg]
    query = bot.emulator.query(update["callback_query"]["id"])
    for _ in range(500):
        if query is not None and query["answered"]:
            return query
        await asyncio.sleep(0.01)
    raise AssertionError("the button press was not answered")


def data(action: str, session_id: str, bot: Harness) -> str:
    return callbacks.encode(action, session_id, pack_version=bot.services.content.current.pack.version)


async def reminder_rows(bot: Harness, session_id: str | None = None) -> list[OutboxMessage]:
    """The reminder rows (of one session), oldest first."""
    async with bot.services.db.session() as s:
        found = list((await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                                      .order_by(OutboxMessage.id))).all())
    return [r for r in found if session_id is None or (r.key or "").startswith(f"reminder:{session_id}:")]


async def person_id(bot: Harness, user: SimUser) -> int:
    person = await bot.services.people.get(user.id)
    assert person is not None
    return person.id


async def test_follow_from_a_card_then_the_reminder_comes_once_at_the_lead_time(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    session = pack.session(SIDE)
    assert session is not None
    user = await started(bot, 9201, "fr")
    fr = translator("fr")
    card = await open_card(bot, user, SIDE)
    assert fr._("⭐ Add to my agenda") in [b["text"] for row in card.buttons for b in row]
    query = await answered(bot, await user.press(data=data("follow", SIDE, bot)))
    assert query["text"] == fr.ngettext("Added to your agenda. I will remind you {n} minute before.",
                                        "Added to your agenda. I will remind you {n} minutes before.", 30).format(n="30")
    # the card's button now removes it
    edited = await bot.emulator.wait_for(user.id, lambda e: any(
        b.get("callback_data") == data("unfollow", SIDE, bot) for row in e.buttons for b in row), timeout=5)
    assert edited
    pid = await person_id(bot, user)
    async with bot.services.db.session() as s:
        assert await followers_of(s, SIDE, bot.services.content.current.pack) == [pid]
    # pressing again changes nothing: one reminder row, with the agreed key
    await answered(bot, await user.press_raw(data("follow", SIDE, bot)))
    rows = await reminder_rows(bot, SIDE)
    assert [r.key for r in rows] == [reminder_key(SIDE, pid, 30, session.start)]
    # the agenda lists it under its day
    await user.command("agenda")
    agenda = await user.reply()
    assert session.title.get("fr", "en") in agenda.text and fr.time(session.start, pack.tz) in agenda.text
    # nothing before the lead time; the reminder at 10:00, in French, with the room, floor and a card button
    before = len(user.inbox())
    bot.clock.set(session.start - dt.timedelta(minutes=31))
    await bot.services.sender.idle()  # type: ignore[union-attr]
    assert len(user.inbox()) == before
    bot.clock.set(session.start - dt.timedelta(minutes=30))
    reminder = (await bot.emulator.wait_for(user.id, lambda e: e.text.startswith("⏰"), timeout=10))[-1]
    assert session.title.get("fr", "en") in reminder.text
    room = pack.room(session.room)
    assert room is not None and room.name.get("fr", "en") in reminder.text
    assert fr._("Floor: {floor}").split("{")[0].strip() in reminder.text
    assert [b["callback_data"] for row in reminder.buttons for b in row] == [data("sess", SIDE, bot)]
    # moving the clock on (and back) never sends it twice
    bot.clock.set(session.start - dt.timedelta(minutes=5))
    await bot.services.sender.idle()  # type: ignore[union-attr]
    bot.clock.set(session.start - dt.timedelta(minutes=40))
    await bot.services.sender.idle()  # type: ignore[union-attr]
    await asyncio.sleep(0.3)
    assert len([e for e in user.inbox() if e.text.startswith("⏰")]) == 1
    assert [r.state for r in await reminder_rows(bot, SIDE)] == [DeliveryState.SENT]


async def test_a_session_delayed_after_its_reminder_went_gets_one_before_its_new_time(bot: Harness) -> None:
    """The reminder went at 12:30 for 13:00; at 12:40 the session moves to 14:00: a second
    reminder comes at 13:30, once (the key names the start, not only the session and lead)."""
    pack = bot.services.content.current.pack
    session = pack.session(SIDE)
    assert session is not None
    user = await started(bot, 9210)
    organiser = await started(bot, 900)
    await answered(bot, await user.press_raw(data("follow", SIDE, bot)))
    bot.clock.set(session.start - dt.timedelta(minutes=30))
    await bot.emulator.wait_for(user.id, lambda e: e.text.startswith("⏰"), timeout=10)
    bot.clock.set(session.start - dt.timedelta(minutes=20))
    await organiser.command("delay", SIDE, "60")
    await organiser.reply()
    await bot.emulator.wait_for(user.id, lambda e: e.text.startswith("📣"), timeout=10)
    bot.clock.set(session.start + dt.timedelta(minutes=29))
    await bot.services.sender.idle()  # type: ignore[union-attr]
    assert len([e for e in user.inbox() if e.text.startswith("⏰")]) == 1
    bot.clock.set(session.start + dt.timedelta(minutes=30))
    await bot.emulator.wait_for(user.id, 2, predicate=lambda e: e.text.startswith("⏰"), timeout=10)
    bot.clock.set(session.start + dt.timedelta(minutes=55))
    await bot.services.sender.idle()  # type: ignore[union-attr]
    await asyncio.sleep(0.3)
    assert len([e for e in user.inbox() if e.text.startswith("⏰")]) == 2


async def test_following_within_the_lead_says_that_no_reminder_will_come(bot: Harness) -> None:
    """20 minutes before a session, with a 30-minute lead: no reminder is planned, and the
    answer to the press says so instead of promising one."""
    pack = bot.services.content.current.pack
    session = pack.session(SIDE)
    assert session is not None
    user = await started(bot, 9211, "ru")
    ru = translator("ru")
    bot.clock.set(session.start - dt.timedelta(minutes=20))
    query = await answered(bot, await user.press_raw(data("follow", SIDE, bot)))
    assert query["text"] == ru.ngettext("Added to your agenda. It starts in {n} minute: too soon for a reminder.",
                                        "Added to your agenda. It starts in {n} minutes: too soon for a reminder.",
                                        20).format(n="20")
    assert "20 минут " in query["text"]
    assert await reminder_rows(bot, SIDE) == []
    bot.clock.set(session.start + dt.timedelta(minutes=5))
    other = await started(bot, 9212)
    query = await answered(bot, await other.press_raw(data("follow", SIDE, bot)))
    assert query["text"] == translator("en")._("Added to your agenda. It has already started.")


async def test_unfollow_cancels_the_reminder_and_forged_buttons_are_refused(bot: Harness) -> None:
    user = await started(bot, 9202)
    en = translator("en")
    await open_card(bot, user, SIDE)
    await answered(bot, await user.press(data=data("follow", SIDE, bot)))
    query = await answered(bot, await user.press_raw(data("unfollow", SIDE, bot)))
    assert query["text"] == en._("Removed from your agenda.")
    assert [r.state for r in await reminder_rows(bot, SIDE)] == [DeliveryState.CANCELLED]
    async with bot.services.db.session() as s:
        assert await followers_of(s, SIDE, bot.services.content.current.pack) == []
    # forged: a session this pack never had; stale: one from an older pack that is gone
    version = bot.services.content.current.pack.version
    for raw, expected in (
        (f"v1|{version[:6]}|follow|no-such-session|0", en._("This button is no longer valid.")),
        ("v1|000000|follow|gone-session|0", en._("The programme has been updated since this button was sent.")),
        (f"v1|{version[:6]}|follow|{SIDE}|3", en._("This button is no longer valid.")),
        (f"v1|{version[:6]}|remind|45|0", en._("This button is no longer valid.")),
    ):
        assert (await answered(bot, await user.press_raw(raw)))["text"] == expected, raw
    assert [r.state for r in await reminder_rows(bot, SIDE)] == [DeliveryState.CANCELLED]
    # following again brings the cancelled row back: still one row per key
    await answered(bot, await user.press_raw(data("follow", SIDE, bot)))
    assert [r.state for r in await reminder_rows(bot, SIDE)] == [DeliveryState.PENDING]
    bot.clock.set(bot.services.content.current.pack.session(SIDE).start)  # type: ignore[union-attr]
    await bot.services.sender.idle()  # type: ignore[union-attr]
    # the clock jumped past the start: the reminder is skipped, not sent late
    rows = await reminder_rows(bot, SIDE)
    assert [(r.state, r.last_error) for r in rows] == [(DeliveryState.SKIPPED, "the session has started")]
    assert not [e for e in user.inbox() if e.text.startswith("⏰")]


async def test_lead_time_settings_replan_and_bad_choices_are_refused(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    session = pack.session(PLENARY)
    assert session is not None
    user = await started(bot, 9203, "es")
    es = translator("es")
    await open_card(bot, user, PLENARY)
    await answered(bot, await user.press(data=data("follow", PLENARY, bot)))
    await user.command("reminders", "45")
    assert es._("Choose 10, 15, 30 or 60 minutes, “off” or “default”, for example /reminders 15") in (await user.reply()).text
    await user.command("reminders", "15")
    await user.reply()
    rows = await reminder_rows(bot, PLENARY)
    pid = await person_id(bot, user)
    assert {(r.key, r.state) for r in rows} == {
        (reminder_key(PLENARY, pid, 30, session.start), DeliveryState.CANCELLED),
        (reminder_key(PLENARY, pid, 15, session.start), DeliveryState.PENDING)}
    # the settings screen, and its buttons
    await user.command("reminders")
    screen = await user.reply()
    assert "✓ " + es._("{n} min").format(n="15") in [b["text"] for row in screen.buttons for b in row]
    await answered(bot, await user.press(text=es._("No reminders")))
    assert all(r.state == DeliveryState.CANCELLED for r in await reminder_rows(bot))
    bot.clock.set(session.start - dt.timedelta(minutes=15))
    await bot.services.sender.idle()  # type: ignore[union-attr]
    await asyncio.sleep(0.2)
    assert not [e for e in user.inbox() if e.text.startswith("⏰")]


async def test_the_agenda_flags_clashes_and_says_what_is_next(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    user = await started(bot, 9204)
    en = translator("en")
    # the pack makes everyone follow the opening (on now) and the signing (next)
    await user.command("agenda")
    text = (await user.reply()).text
    assert en._("Now: {title}").format(title=pack.session(OPENING).title.get("en")) in text  # type: ignore[union-attr]
    for sid in (PLENARY, HIGH_LEVEL, SIDE):
        await answered(bot, await user.press_raw(data("follow", sid, bot)))
    await user.command("agenda")
    text = (await user.reply()).text
    assert text.count(en._("⚠️ clashes with another session of your agenda")) == 2
    assert en._("Next: {time} · {title}").format(time=en.datetime(pack.session(SIGNING).start, pack.tz),  # type: ignore[union-attr]
                                                 title=pack.session(SIGNING).title.get("en")) in text  # type: ignore[union-attr]
    # turned off, the automatic follow is gone from the agenda
    await answered(bot, await user.press_raw(data("unfollow", SIGNING, bot)))
    await user.command("agenda")
    assert pack.session(SIGNING).title.get("en") not in (await user.reply()).text  # type: ignore[union-attr]


async def test_follow_from_an_answer_about_a_session_and_opt_out_of_an_automatic_follow(bot: Harness) -> None:
    user = await started(bot, 9205)
    pid = await person_id(bot, user)
    await user.send("When is the signing ceremony?")
    answer = await user.reply()
    # everyone follows the signing (the pack says so); its reminder (10:00) is written to the
    # outbox when it nears, by the planning tick (30 minutes ahead), not at /start (08:30)
    assert data("unfollow", SIGNING, bot) in [b.get("callback_data") for row in answer.buttons for b in row]
    assert await reminder_rows(bot, SIGNING) == []
    signing = bot.services.content.current.pack.session(SIGNING)
    assert signing is not None
    bot.clock.set(signing.start - dt.timedelta(minutes=61))  # 09:29: 10:00 is beyond the horizon
    await bot.services.agenda.plan_all()  # what the tick does every minute
    assert await reminder_rows(bot, SIGNING) == []
    bot.clock.set(signing.start - dt.timedelta(minutes=45))
    await bot.services.agenda.plan_all()
    assert [r.state for r in await reminder_rows(bot, SIGNING)] == [DeliveryState.PENDING]
    async with bot.services.db.session() as s:
        assert pid in await followers_of(s, SIGNING, bot.services.content.current.pack)
    await answered(bot, await user.press(data=data("unfollow", SIGNING, bot)))
    async with bot.services.db.session() as s:
        assert pid not in await followers_of(s, SIGNING, bot.services.content.current.pack)
    assert [r.state for r in await reminder_rows(bot, SIGNING)] == [DeliveryState.CANCELLED]
    # /start again (or a restart) does not bring it back
    await user.command("start")
    await user.reply()
    await bot.services.agenda.plan_all()
    assert [r.state for r in await reminder_rows(bot, SIGNING)] == [DeliveryState.CANCELLED]


async def test_a_change_notice_shows_the_time_range_whole_in_vietnamese(bot: Harness) -> None:
    """Vietnamese writes the time before the date: "14:00 Thứ Bảy 25/10" + "–16:00" read as a
    range from a date to a bare time, "14:00 Thứ Bảy 25/10–16:00"."""
    pack = bot.services.content.current.pack
    session = pack.session(PLENARY)
    assert session is not None
    follower = await started(bot, 9208, "vi")
    await answered(bot, await follower.press_raw(data("follow", PLENARY, bot)))
    organiser = await started(bot, 900)
    await organiser.command("delay", PLENARY, "20")
    await organiser.reply()
    notice = (await bot.emulator.wait_for(follower.id, lambda e: e.text.startswith("📣"), timeout=10))[-1]
    vi, moved = translator("vi"), dt.timedelta(minutes=20)
    assert vi.time_range(session.start, session.end, pack.tz) in notice.text
    assert vi.time_range(session.start + moved, session.end + moved, pack.tz) in notice.text
    assert vi.date(session.start.astimezone(pack.tz), fmt="short-day") in notice.text


async def test_the_programmes_lists_show_the_organisers_delays_and_cancellations(bot: Harness) -> None:
    """/delay is "shown on every card and answer": the day's programme and "Now and next" showed
    the pack's times (a delayed session at its old time, a cancelled one as if it were on)."""
    pack = bot.services.content.current.pack
    side, plenary = pack.session(SIDE), pack.session(PLENARY)
    assert side is not None and plenary is not None
    organiser = await started(bot, 900)
    await organiser.command("delay", SIDE, "60")
    await organiser.reply()
    await organiser.command("delay", PLENARY, "cancel")
    await organiser.reply()
    user = await started(bot, 9209)
    en, hour = translator("en"), dt.timedelta(hours=1)
    day = side.start.astimezone(pack.tz).date()
    await user.press_raw(callbacks.encode("prog", f"day:{day.isoformat()}", pack_version=pack.version))
    listed = (await user.reply()).text
    lines = {title: next(line for line in listed.splitlines() if title in line)
             for title in (side.title.get("en", "en"), plenary.title.get("en", "en"))}
    assert lines[side.title.get("en", "en")].startswith(en.time_range(side.start + hour, side.end + hour, pack.tz))
    assert lines[plenary.title.get("en", "en")].endswith(en._("(cancelled)"))
    await user.send("What is on Saturday afternoon?")  # an answer that is a list, the same
    answered = (await user.reply()).text
    assert all(line.startswith(en.time_range(side.start + hour, side.end + hour, pack.tz))
               for line in answered.splitlines() if side.title.get("en", "en") in line)
    assert side.title.get("en", "en") in answered and en._("(cancelled)") in answered
    bot.clock.advance(side.start - bot.clock.now() + dt.timedelta(minutes=5))  # 13:05: it starts at 14:00 now
    await user.press_raw(callbacks.encode("prog", "now", pack_version=pack.version))
    now = (await user.reply()).text
    assert en._("On now, and next") in now and plenary.title.get("en", "en") not in now
    assert all(line.startswith(en.time_range(side.start + hour, side.end + hour, pack.tz))
               for line in now.splitlines() if side.title.get("en", "en") in line)


async def test_delay_by_an_organiser_notifies_followers_once_and_replans(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    session = pack.session(PLENARY)
    assert session is not None
    follower = await started(bot, 9206, "ru")
    other = await started(bot, 9207)
    await answered(bot, await follower.press_raw(data("follow", PLENARY, bot)))
    en = translator("en")
    # refused: a non-organiser, an unknown session, a bad amount
    await other.command("delay", PLENARY, "20")
    assert en._("Sorry, this command is for organisers only.") in (await other.reply()).text
    organiser = await started(bot, 900)
    await organiser.command("delay", "no-such-session", "20")
    assert "no-such-session" in (await organiser.reply()).text
    for amount in ("soon", "--5", "99999", "٣٠", "1e3"):  # words, signs, too long, other digits
        await organiser.command("delay", PLENARY, amount)
        assert "/delay" in (await organiser.reply()).text, amount
    assert bot.services.agenda.overlays == {}
    await organiser.command("delay", PLENARY, "20")
    done = await organiser.reply()
    assert en.time(session.start + dt.timedelta(minutes=20), pack.tz) in done.text
    notice = (await bot.emulator.wait_for(follower.id, lambda e: e.text.startswith("📣"), timeout=10))[-1]
    assert session.title.get("ru", "en") in notice.text
    assert translator("ru").time(session.start + dt.timedelta(minutes=20), pack.tz) in notice.text
    # the reminder moved with the session; the other person heard nothing
    pid = await person_id(bot, follower)
    moved = session.start + dt.timedelta(minutes=20)
    rows = await reminder_rows(bot, PLENARY)
    assert {(r.key, r.state) for r in rows} == {
        (reminder_key(PLENARY, pid, 30, session.start), DeliveryState.CANCELLED),
        (reminder_key(PLENARY, pid, 30, moved), DeliveryState.PENDING)}
    row = rows[-1]
    assert row.due_at <= session.start + dt.timedelta(minutes=20 - 30)
    assert row.due_at >= session.start + dt.timedelta(minutes=20 - 31)
    assert not [e for e in other.inbox() if e.text.startswith("📣")]
    # every card shows it
    card = await open_card(bot, other, PLENARY)
    assert "⏳" in card.text
    # a reload of the same pack tells nobody again
    await organiser.command("reload")
    await organiser.reply(timeout=30)
    await asyncio.sleep(0.3)
    assert len([e for e in follower.inbox() if e.text.startswith("📣")]) == 1
    # undone
    await organiser.command("delay", PLENARY, "0")
    await organiser.reply()
    assert bot.services.agenda.overlays == {}
    await bot.emulator.wait_for(follower.id, 2, predicate=lambda e: e.text.startswith("📣"), timeout=10)
    # cancelled: notice, and no reminder
    await organiser.command("delay", PLENARY, "cancel")
    await organiser.reply()
    await bot.emulator.wait_for(follower.id, 3, predicate=lambda e: e.text.startswith("📣"), timeout=10)
    assert all(r.state == DeliveryState.CANCELLED for r in await reminder_rows(bot, PLENARY))
    card = await open_card(bot, other, PLENARY)
    assert "❌" in card.text


def _session_block(text: str, session_id: str) -> tuple[int, int]:
    start = text.index(f"  - id: {session_id}\n")
    end = text.find("\n  - id: ", start + 1)
    return start, (end + 1 if end != -1 else len(text))


async def test_a_reloaded_pack_tells_followers_once_and_nobody_else(database_url: str, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(DEMO_PACK, pack_dir)
    async with running_bot(database_url, content_dir=pack_dir, organiser_ids=(900,)) as bot:
        follower = await started(bot, 9301, "fr")
        bystander = await started(bot, 9302)
        organiser = await started(bot, 900)
        for sid in (PLENARY, HIGH_LEVEL, "side-event-interpol"):
            await answered(bot, await follower.press_raw(data("follow", sid, bot)))
        await answered(bot, await bystander.press_raw(data("follow", SIDE, bot)))
        pid = await person_id(bot, follower)
        programme = pack_dir / "programme.yaml"
        text = programme.read_text(encoding="utf-8")
        a, b = _session_block(text, PLENARY)  # moved by an hour
        block = text[a:b].replace("start: 2025-10-25T14:00", "start: 2025-10-25T15:00").replace(
            "end: 2025-10-25T17:30", "end: 2025-10-25T18:30")
        text = text[:a] + block + text[b:]
        a, b = _session_block(text, HIGH_LEVEL)  # another room
        text = text[:a] + text[a:b].replace("room: high-level-room-1", "room: roundtable-room-b") + text[b:]
        a, b = _session_block(text, "side-event-interpol")  # gone from the pack
        text = text[:a] + text[b:]
        programme.write_text(text, encoding="utf-8")
        await organiser.command("reload")
        await organiser.reply(timeout=60)
        notices = await bot.emulator.wait_for(follower.id, 3, predicate=lambda e: e.text.startswith("📣"), timeout=15)
        fr = translator("fr")
        pack = bot.services.content.current.pack
        moved = pack.session(PLENARY)
        assert moved is not None and moved.start.astimezone(pack.tz).hour == 15
        by_title = {n.text.split("\n")[0]: n.text for n in notices}
        assert len(by_title) == 3
        moved_notice = next(t for first, t in by_title.items() if moved.title.get("fr") in first)
        assert fr.time(moved.start, pack.tz) in moved_notice
        assert any(fr._("❌ This session has been cancelled.") in t for t in by_title.values())
        assert not [e for e in bystander.inbox() if e.text.startswith("📣")]
        # the reminders followed: the moved one an hour later, the removed one cancelled
        rows = {r.key: r for r in await reminder_rows(bot)}
        plenary = rows[reminder_key(PLENARY, pid, 30, moved.start)]
        assert plenary.state == DeliveryState.PENDING
        assert moved.start - dt.timedelta(minutes=31) <= plenary.due_at <= moved.start - dt.timedelta(minutes=30)
        gone = [r for key, r in rows.items() if key.startswith(f"reminder:side-event-interpol:{pid}:30:")]
        assert [r.state for r in gone] == [DeliveryState.CANCELLED]
        # reloading again: nothing new
        await organiser.command("reload")
        await organiser.reply(timeout=60)
        await asyncio.sleep(0.5)
        assert len([e for e in follower.inbox() if e.text.startswith("📣")]) == 3
        # a follow of the session gone from the pack, or its reminder's button: stale, a clear answer
        for old in ("v1|000000|follow|side-event-interpol|0", "v1|000000|sess|side-event-interpol|0"):
            query = await answered(bot, await follower.press_raw(old))
            assert query["text"] == fr._("The programme has been updated since this button was sent."), old


async def test_the_morning_briefing_lists_the_day_at_the_chosen_hour(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    day_two = pack.event_days()[1]
    second = next(s for s in pack.sessions_sorted() if s.start.astimezone(pack.tz).date() == day_two and s.kind != "logistics")
    user = await started(bot, 9303, "vi")
    await answered(bot, await user.press_raw(data("follow", second.id, bot)))
    vi = translator("vi")
    await user.command("briefing", "25")
    assert vi._("Choose an hour from 0 to 23, or “off”, for example /briefing 7") in (await user.reply()).text
    await user.command("briefing", "7")
    await user.reply()
    async with bot.services.db.session() as s:
        rows = list((await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "briefing"))).all())
    # 08:30 on the first day: only the second day's 07:00 is still to come
    assert [r.due_at for r in rows] == [dt.datetime.combine(day_two, dt.time(7), tzinfo=pack.tz)]
    bot.clock.set(rows[0].due_at)
    briefing = (await bot.emulator.wait_for(user.id, lambda e: e.text.startswith("☀️"), timeout=10))[-1]
    assert second.title.get("vi", "en") in briefing.text


async def test_a_delegation_and_role_auto_follow_reaches_their_members_only(database_url: str, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(DEMO_PACK, pack_dir)
    programme = pack_dir / "programme.yaml"
    text = programme.read_text(encoding="utf-8")
    a, b = _session_block(text, SIDE)
    block = text[a:b].replace("    room: side-event-room-1\n",
                              "    room: side-event-room-1\n    auto_follow: {delegations: [fra], roles: [officer]}\n")
    programme.write_text(text[:a] + block + text[b:], encoding="utf-8")
    async with running_bot(database_url, content_dir=pack_dir, organiser_ids=(900,)) as bot:
        side = bot.services.content.current.pack.session(SIDE)
        assert side is not None
        bot.clock.set(side.start - dt.timedelta(minutes=50))  # its reminder is within the planning horizon
        organiser = await started(bot, 900)
        tokens = {}
        for role, delegation in (("delegate", "FRA"), ("delegate", "DEU"), ("officer", "")):
            await organiser.command("invite", *[w for w in (role, delegation) if w])
            reply = await organiser.reply()
            tokens[(role, delegation)] = re.search(r"start=([A-Za-z0-9_-]+)", reply.text).group(1)  # type: ignore[union-attr]
        users = {}
        for n, (key, token) in enumerate(tokens.items()):
            user = bot.user(9400 + n, f"I{n}", language_code="en")
            await user.command("start", token)
            await user.reply()
            users[key] = await person_id(bot, user)
        async with bot.services.db.session() as s:
            assert await followers_of(s, SIDE, bot.services.content.current.pack) == sorted([users[("delegate", "FRA")], users[("officer", "")]])
        planned = {r.person_id for r in await reminder_rows(bot, SIDE) if r.state == DeliveryState.PENDING}
        assert planned == {users[("delegate", "FRA")], users[("officer", "")]}


async def test_agenda_ics_file_and_private_subscription(database_url: str) -> None:
    overrides = {"calendar_base_url": "https://bot.example.org"}
    async with running_bot(database_url, organiser_ids=(900,), settings_overrides=overrides) as bot:
        pack = bot.services.content.current.pack
        user = await started(bot, 9501, "fr")
        await answered(bot, await user.press_raw(data("follow", PLENARY, bot)))
        await answered(bot, await user.press_raw(data("unfollow", OPENING, bot)))
        await user.command("agenda", "ics")
        sent = await user.reply()
        assert sent.kind == "document"
        stored = bot.emulator.files[sent.extra["document"]["file_id"]]
        assert stored["name"] == "hanoi-2025-agenda.ics"
        cal = icalendar.Calendar.from_ical(stored["data"])
        events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
        # the signing (automatic) and the plenary; not the opening, turned off
        assert set(events) == {f"{SIGNING}@hanoi-2025.delegate-assistant", f"{PLENARY}@hanoi-2025.delegate-assistant"}
        plenary = events[f"{PLENARY}@hanoi-2025.delegate-assistant"]
        assert str(plenary["summary"]) == pack.session(PLENARY).title.get("fr")  # type: ignore[union-attr]
        start = plenary.decoded("dtstart")
        assert start == pack.session(PLENARY).start and str(start.tzinfo) == "Asia/Ho_Chi_Minh"  # type: ignore[union-attr]
        assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
        assert [a.decoded("trigger") for a in plenary.walk("VALARM")] == [dt.timedelta(minutes=-30)]
        # the private address is in the caption, and serves the same agenda in the person's language
        url = re.search(r"https://bot\.example\.org(/calendar/[A-Za-z0-9_-]+\.ics)", sent.text)
        assert url is not None, sent.text
        app = web.Application()
        add_calendar_routes(app, bot.services)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(url.group(1))
            assert response.status == 200 and response.content_type == "text/calendar"
            again = icalendar.Calendar.from_ical(await response.read())
            assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)
            # a delay shows at the next poll: same UID, new time, a higher sequence
            organiser = await started(bot, 900)
            await organiser.command("delay", PLENARY, "15")
            await organiser.reply()
            moved = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(await (await client.get(url.group(1))).read()).walk("VEVENT")}
            event = moved[f"{PLENARY}@hanoi-2025.delegate-assistant"]
            assert event.decoded("dtstart") == pack.session(PLENARY).start + dt.timedelta(minutes=15)  # type: ignore[union-attr]
            assert int(event["sequence"]) > int(plenary["sequence"])
            # guessed or malformed secrets: 404; a new secret retires the old one
            for path in ("/calendar/" + "A" * 43 + ".ics", "/calendar/..%2Fetc.ics", "/calendar/x.ics"):
                assert (await client.get(path)).status == 404, path
            await user.command("agenda", "ics", "new")
            (document,) = await user.replies(1, predicate=lambda e: e.kind == "document")  # not the delay's notice
            renewed = re.search(r"(/calendar/[A-Za-z0-9_-]+\.ics)", document.text)
            assert renewed is not None and renewed.group(1) != url.group(1)
            assert (await client.get(url.group(1))).status == 404
            assert (await client.get(renewed.group(1))).status == 200


async def test_in_the_sandbox_moving_the_clock_brings_due_reminders_to_the_web_chat(database_url: str) -> None:
    async with running_bot(database_url) as bot:
        pack = bot.services.content.current.pack
        delegate = await started(bot, 9601, "es")
        await answered(bot, await delegate.press_raw(data("follow", SIDE, bot)))
        app = create_chat_app(bot.emulator, [(delegate, "Delegate")], bot.clock, pack.tz,  # type: ignore[arg-type]
                              chosen_language=chosen_language_from(bot.services.people))
        session = pack.session(SIDE)
        assert session is not None

        async def bubbles(client: TestClient) -> list[str]:
            response = await client.get("/api/messages", params={"user": str(delegate.id)})
            return [m["text"] for m in (await response.json())["messages"]]

        async with TestClient(TestServer(app)) as client:
            assert not [t for t in await bubbles(client) if t.startswith("⏰")]
            when = (session.start - dt.timedelta(minutes=30)).astimezone(pack.tz).replace(tzinfo=None).isoformat()
            assert (await client.post("/api/clock", json={"now": when})).status == 200
            # no tick() here: the JobQueue's tick, on the event clock, sends it within seconds
            for _ in range(100):
                shown = [t for t in await bubbles(client) if t.startswith("⏰")]
                if shown:
                    break
                await asyncio.sleep(0.1)
            assert len(shown) == 1 and session.title.get("es", "en") in shown[0]


async def test_a_focal_point_follows_a_session_for_the_whole_delegation(bot: Harness) -> None:
    pack = bot.services.content.current.pack
    organiser = await started(bot, 900)
    tokens = []
    for _ in range(3):
        await organiser.command("invite", "delegate", "FRA")
        tokens.append(re.search(r"start=([A-Za-z0-9_-]+)", (await organiser.reply()).text).group(1))  # type: ignore[union-attr]
    await organiser.command("invite", "delegate", "DEU")
    other_token = re.search(r"start=([A-Za-z0-9_-]+)", (await organiser.reply()).text).group(1)  # type: ignore[union-attr]
    focal, member, opted = (bot.user(9700 + n, f"F{n}", language_code="en") for n in range(3))
    outsider = bot.user(9710, "G", language_code="en")
    for user, token in ((focal, tokens[0]), (member, tokens[1]), (opted, tokens[2]), (outsider, other_token)):
        await user.command("start", token)
        await user.reply()
    en = translator("en")
    # not a focal point yet: no delegation button, and a forged press is refused
    card = await open_card(bot, focal, PLENARY)
    assert data("dfollow", PLENARY, bot) not in [b.get("callback_data") for row in card.buttons for b in row]
    query = await answered(bot, await focal.press_raw(data("dfollow", PLENARY, bot)))
    assert query["text"] == en._("Only your delegation's focal point can do this.")
    # an organiser makes them the focal point (a non-organiser cannot)
    await member.command("focal", str(focal.id), "on")
    assert en._("Sorry, this command is for organisers only.") in (await member.reply()).text
    await organiser.command("focal", "12345", "on")
    assert en._("No one with this Telegram id or username has written to the assistant yet.") in (await organiser.reply()).text
    await organiser.command("focal", str(focal.id), "on")
    assert "focal point" in (await organiser.reply()).text
    # one member turned the session off beforehand: that choice is kept
    await answered(bot, await opted.press_raw(data("follow", PLENARY, bot)))
    await answered(bot, await opted.press_raw(data("unfollow", PLENARY, bot)))
    card = await open_card(bot, focal, PLENARY)
    assert data("dfollow", PLENARY, bot) in [b.get("callback_data") for row in card.buttons for b in row]
    query = await answered(bot, await focal.press(data=data("dfollow", PLENARY, bot)))
    assert query["text"] == en.ngettext("Added to the agenda of {n} member of your delegation.",
                                        "Added to the agenda of {n} members of your delegation.", 2).format(n="2")
    ids = {u.id: await person_id(bot, u) for u in (focal, member, opted, outsider)}
    async with bot.services.db.session() as s:
        assert await followers_of(s, PLENARY, bot.services.content.current.pack) == sorted([ids[focal.id], ids[member.id]])
    notice = (await bot.emulator.wait_for(member.id, lambda e: e.text.startswith("👥"), timeout=10))[-1]
    assert pack.session(PLENARY).title.get("en") in notice.text  # type: ignore[union-attr]
    assert not [e for e in opted.inbox() if e.text.startswith("👥")]
    assert not [e for e in outsider.inbox() if e.text.startswith("👥")]
    assert {r.person_id for r in await reminder_rows(bot, PLENARY) if r.state == DeliveryState.PENDING} == \
        {ids[focal.id], ids[member.id]}
    # removed for the delegation: the member's reminder goes too
    query = await answered(bot, await focal.press_raw(data("dunfol", PLENARY, bot)))
    assert query["text"] == en._("Removed from your delegation's agenda; members who added it themselves keep it.")
    async with bot.services.db.session() as s:
        assert await followers_of(s, PLENARY, bot.services.content.current.pack) == []
    assert all(r.state == DeliveryState.CANCELLED for r in await reminder_rows(bot, PLENARY))


async def test_delay_finds_a_session_by_words_of_its_title(bot: Harness) -> None:
    """Organisers see titles, not ids: "/delay <words of a title> 20" finds it when only one
    session has them, and lists the candidates with their ids when several do."""
    pack = bot.services.content.current.pack
    session = pack.session(PLENARY)
    assert session is not None
    title = session.title.get("en", "en")
    assert [s.id for s in pack.find_sessions(title)] == [PLENARY]
    en = translator("en")
    organiser = await started(bot, 900)
    await organiser.command("delay", *title.upper().split(), "15")
    assert en.time(session.start + dt.timedelta(minutes=15), pack.tz) in (await organiser.reply()).text
    assert bot.services.agenda.overlays[PLENARY].delay_minutes == 15
    word = next(w for s in pack.sessions for w in s.title.get("en", "en").split()
                if len(w) > 3 and len(pack.find_sessions(w)) > 1)
    await organiser.command("delay", word, "10")
    listed = (await organiser.reply()).text
    assert all(s.id in listed for s in pack.find_sessions(word))
    assert bot.services.agenda.overlays[PLENARY].delay_minutes == 15  # nothing else changed
    assert set(bot.services.agenda.overlays) == {PLENARY}


def test_find_sessions_reads_ids_and_titles_in_every_language() -> None:
    from bot.catalog.loader import load_pack

    pack = load_pack(DEMO_PACK)
    opening = pack.sessions[0]
    assert pack.find_sessions(opening.id) == [opening]
    assert opening in pack.find_sessions(opening.id.replace("-", " ").upper())
    for lang in ("vi", "ar", "zh"):
        assert opening in pack.find_sessions(opening.title.get(lang, "en"))
    assert pack.find_sessions("   ") == [] and pack.find_sessions("zzzz qqqq") == []


async def test_a_change_to_a_session_already_over_tells_nobody(bot: Harness) -> None:
    """/delay on a session that has ended (a slip of the organiser's thumb, or a record kept
    straight afterwards) changes it, but sends its followers no notice."""
    pack = bot.services.content.current.pack
    session = pack.session(PLENARY)
    assert session is not None
    follower = await started(bot, 9306)
    await answered(bot, await follower.press_raw(data("follow", PLENARY, bot)))
    bot.clock.set(session.end + dt.timedelta(minutes=30))
    organiser = await started(bot, 900)
    await organiser.command("delay", PLENARY, "10")
    done = (await organiser.reply()).text
    assert translator("en").ngettext("{n} follower will be notified.", "{n} followers will be notified.", 0).format(n=0) in done
    assert bot.services.agenda.overlays[PLENARY].delay_minutes == 10
    await asyncio.sleep(0.5)  # the outbox would have sent a notice by now
    assert not [e for e in bot.emulator.history(follower.id) if (e.text or "").startswith("📣")]


async def test_what_is_next_after_a_delay_is_chosen_by_the_new_times(bot: Harness) -> None:
    """The reviewer: after "/delay press-briefing-25 30", "what is next?" at 12:40 still offered
    the press briefing (now at 13:15) before the side events starting at 13:00."""
    pack = bot.services.content.current.pack
    briefing, side = pack.session("press-briefing-25"), pack.session("side-event-interpol")
    assert briefing is not None and side is not None
    bot.clock.set(briefing.start - dt.timedelta(minutes=5))
    user = await started(bot, 9410)
    await user.send("what is next?")
    assert briefing.title.get("en", "en") in (await user.reply()).text
    organiser = await started(bot, 900)
    await organiser.command("delay", briefing.id, "30")
    await organiser.reply()
    await user.send("what is next?")
    after = (await user.reply()).text
    assert side.title.get("en", "en") in after and briefing.title.get("en", "en") not in after
