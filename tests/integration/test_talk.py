"""Small talk, a request for a person and a foreign language, end to end over the fake
Bot API (the shipped knowledge base, no staff chat)."""

from __future__ import annotations

import asyncio

from tests.fakeapi import FakeBotAPI
from tests.integration.test_bot import callbacks, texts


async def settled(fake: FakeBotAPI, chat: int, at_least: int) -> list[dict]:
    sent = await fake.wait_for_sent(chat, at_least)
    await asyncio.sleep(0.5)  # every message of this update out
    return fake.sent(chat) if len(fake.sent(chat)) > len(sent) else sent


async def test_greeting_gets_the_short_welcome_and_topics(fake: FakeBotAPI, bot) -> None:
    fake.push_message(301, "hallo 👋", language_code="de")
    sent = await settled(fake, 301, 1)
    assert len(sent) == 1 and "herzlich willkommen" in sent[0]["text"]
    assert "/menu" in sent[0]["text"] and callbacks(sent)


async def test_person_without_staff_chat_gets_a_contact(fake: FakeBotAPI, bot) -> None:
    fake.push_message(302, "I want to talk to a human", language_code="en")
    sent = await settled(fake, 302, 1)
    assert sent[0]["text"].startswith("Someone from the welcome services")
    assert "Bürgerservice" in texts(sent)  # the contact card under the line
    assert "112" not in texts(sent)


async def test_foreign_question_is_answered_in_english_with_languages(fake: FakeBotAPI,
                                                                     bot) -> None:
    fake.push_message(303, "Hola, ¿dónde hago la Anmeldung en Jena?", language_code="es")
    sent = await settled(fake, 303, 1)
    assert sent[0]["text"].startswith("I can read") and "Українська" in sent[0]["text"]
    assert any(c.startswith("lang:") for c in callbacks(sent))
    # still matched on "Anmeldung" inside the message: answered, or first among the offers
    assert ("Bürgerservice" in texts(sent)
            or next(c for c in callbacks(sent) if c.startswith("topic:")).startswith(
                "topic:registration"))
