"""The shape of the handlers: every button is claimed by exactly one feature, the catch-all
comes last, the person is resolved once per update, and the typed context fails loudly when
a handler asks for a person an update does not have."""

from __future__ import annotations

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, TypeHandler

from bot import callbacks
from bot.services.people import TelegramUser
from bot.store.models import Person
from handlers import Action, buttons, register
from handlers.context import CONTEXT_TYPES, BotContext, NoPerson
from tests.support import TOKEN, Harness


def application() -> Application:
    app = ApplicationBuilder().token(TOKEN).context_types(CONTEXT_TYPES).updater(None).build()
    register(app)
    return app


def test_every_action_has_exactly_one_route_and_the_catch_all_comes_last() -> None:
    group = application().handlers[0]
    button_handlers = [h for h in group if isinstance(h, CallbackQueryHandler)]
    assert button_handlers[-1] is buttons.INVALID_DATA
    features = button_handlers[:-1]
    for action in Action:
        data = callbacks.encode(action, pack_version="abcdef")
        claimed = [h for h in features if h.check_update(Update.de_json(
            {"update_id": 1, "callback_query": {"id": "q", "chat_instance": "c", "data": data,
                                                "from": {"id": 1, "is_bot": False, "first_name": "A"}}}, None))]
        assert len(claimed) == 1, action
    assert len({a.value for a in Action}) == len(Action)
    assert all(callbacks.fits(a, "x" * 24) for a in Action)  # every code leaves room for ids


def test_the_person_is_resolved_first_in_its_own_group() -> None:
    app = application()
    assert min(app.handlers) == -1
    assert [type(h) for h in app.handlers[-1]] == [TypeHandler]


def test_the_typed_context_fails_loudly_without_a_person() -> None:
    context = BotContext(application())
    with pytest.raises(NoPerson):
        context.person  # noqa: B018 - the property is what is tested
    with pytest.raises(NoPerson):
        context.t  # noqa: B018


async def test_one_database_touch_per_update(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    touch = bot.services.people.touch

    async def counting(user: TelegramUser) -> tuple[Person, bool]:
        calls.append(user.id)
        return await touch(user)

    monkeypatch.setattr(bot.services.people, "touch", counting)
    user = bot.user(9801, "Ada", language_code="en")
    await user.command("help")
    await user.reply()
    await user.press(text="📅 Programme")
    await user.reply()
    await user.send("where is the prayer room?")
    await user.reply()
    assert calls == [9801, 9801, 9801]
