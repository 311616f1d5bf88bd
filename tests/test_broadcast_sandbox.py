"""The sandbox's web chat: the organiser persona composes a broadcast with /broadcast through
the page's API, and the delegate persona's chat shows it arriving (with its receipt button)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.web.sandbox_chat import chosen_language_from, create_chat_app
from tests.support import running_bot

DELEGATE, ORGANISER = 5001, 5002


async def bubbles(client: TestClient, user: int, needle: str, timeout: float = 20) -> list[dict[str, Any]]:
    """The persona's chat as the page draws it, once a bubble contains ``needle``."""
    for _ in range(int(timeout / 0.05)):
        view = await (await client.get(f"/api/messages?user={user}")).json()
        if any(needle in m["text"] for m in view["messages"]):
            return list(view["messages"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no bubble with {needle!r} for {user}")


def button(messages: list[dict[str, Any]], label: str) -> tuple[int, str]:
    for m in reversed(messages):
        for row in m["buttons"] or []:
            for b in row:
                if label in b["text"]:
                    return m["message_id"], b["callback_data"]
    raise AssertionError(f"no button {label!r}")


async def test_the_organiser_persona_composes_and_the_delegate_sees_it_arrive(database_url: str) -> None:
    async with running_bot(database_url, organiser_ids=(ORGANISER,)) as bot:
        personas = [(bot.user(DELEGATE, "Delegate", language_code="fr"), "Delegate"),
                    (bot.user(ORGANISER, "Organiser", language_code="en"), "Organiser")]
        app = create_chat_app(bot.emulator, personas, bot.clock, bot.services.content.current.pack.tz,
                              chosen_language=chosen_language_from(bot.services.people))
        async with TestClient(TestServer(app)) as client:

            async def send(user: int, text: str) -> None:
                assert (await client.post("/api/send", json={"user": user, "text": text})).status == 200

            async def press(user: int, label: str, needle: str) -> list[dict[str, Any]]:
                message_id, data = button(await bubbles(client, user, needle), label)
                response = await client.post("/api/press", json={"user": user, "message_id": message_id, "data": data})
                assert response.status == 200
                return await bubbles(client, user, needle)

            await send(DELEGATE, "/start")
            await bubbles(client, DELEGATE, "Bienvenue")
            await send(ORGANISER, "/start")
            await send(ORGANISER, "/broadcast")
            await bubbles(client, ORGANISER, "(draft)")
            await send(ORGANISER, "The opening moves to Hall B")
            await bubbles(client, ORGANISER, "Texts: English")
            await press(ORGANISER, "FR", "Texts: English")
            await bubbles(client, ORGANISER, "Send the text in French")
            await send(ORGANISER, "L’ouverture a lieu en salle B")
            await bubbles(client, ORGANISER, "Texts: English and French")
            await press(ORGANISER, "Ask to confirm", "Texts: English and French")
            await bubbles(client, ORGANISER, "confirm receipt")
            await press(ORGANISER, "Preview", "confirm receipt")
            await bubbles(client, ORGANISER, "Ready to send to 2 recipients")
            await press(ORGANISER, "Send now", "Ready to send")
            seen = await bubbles(client, DELEGATE, "L’ouverture a lieu en salle B")
            message_id, data = button(seen, "Confirmer la réception")
            assert (await client.post("/api/press", json={"user": DELEGATE, "message_id": message_id,
                                                           "data": data})).status == 200
            await bubbles(client, ORGANISER, "Confirmed receipt: 1 of 2")
        assert not bot.emulator.errors
