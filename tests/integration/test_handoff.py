"""A person in the same chat (handoff), end to end against the fake Bot API with forum topics.

The bot runs on a writable copy of the tiny test knowledge base (so /teach can edit it)
with a staff supergroup with topics. USER asks, declines lead to "Ask a person", consent,
a topic per case; ADMIN and COLLEAGUE write in the topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.tg.app import create_application
from bot.tg.relay import Relay
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import serving

STAFF_CHAT = -1001234567890
USER, OTHER, ADMIN, COLLEAGUE = 4242, 4343, 7001, 7002
DECLINED = "where can i find a vet for my cat"


@asynccontextmanager
async def handoff_bot(fake: FakeBotAPI, data_dir: Path, knowledge: Path,
                      manage_topics: bool = True) -> AsyncIterator[Application]:
    fake.add_forum(STAFF_CHAT, can_manage_topics=manage_topics)
    settings = Settings(token=fake.token, knowledge_dir=knowledge, data_dir=data_dir,
                        base_url=fake.base_url, admins=frozenset({ADMIN}),
                        staff_chat=STAFF_CHAT)
    app = create_application(settings)
    async with serving(app):
        yield app


@pytest.fixture
async def app(fake: FakeBotAPI, tmp_path: Path, kb_copy: Path) -> AsyncIterator[Application]:
    async with handoff_bot(fake, tmp_path / "data", kb_copy) as running:
        yield running


def relay_of(app: Application) -> Relay:
    relay = app.bot_data["service"].relay
    assert relay is not None
    return relay


async def act(fake: FakeBotAPI, chat: int, push, quiet: bool = False) -> list[dict]:
    """Do something and return what the bot sent to ``chat`` meanwhile (``quiet``: the bot
    is expected to send nothing anywhere)."""
    before, everywhere = len(fake.sent(chat)), len(fake.sent())
    push()
    if quiet:
        await asyncio.sleep(0.5)
    else:
        await fake.wait_until(lambda: len(fake.sent()) > everywhere, timeout=10)
        await asyncio.sleep(0.3)  # let every message of this update go out
    return fake.sent(chat)[before:]


def texts(sent: list[dict]) -> str:
    return "\n".join(m["text"] for m in sent if m.get("text"))


def buttons(sent: list[dict]) -> list[str]:
    return [b.get("callback_data", "") for m in sent
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def open_case(fake: FakeBotAPI, user: int = USER) -> int:
    """Ask, decline, tap "Ask a person", agree; return the topic's thread id."""
    sent = await act(fake, user, lambda: fake.push_message(user, DECLINED))
    assert "person|en" in buttons(sent), texts(sent)
    sent = await act(fake, user, lambda: fake.push_callback(user, "person|en"))
    assert buttons(sent) == ["consent:1|en", "consent:0|en"]
    sent = await act(fake, user, lambda: fake.push_callback(user, "consent:1|en"))
    assert "went to the Welcome Center team" in texts(sent)
    threads = [t for t, topic in fake.topics(STAFF_CHAT).items() if not topic["closed"]]
    return threads[-1]


async def staff(fake: FakeBotAPI, member: int, thread: int | None, text: str,
                quiet: bool = False) -> None:
    await act(fake, STAFF_CHAT, lambda: fake.push_topic_message(member, STAFF_CHAT, thread,
                                                               text), quiet)


async def test_a_whole_case(fake: FakeBotAPI, app: Application, kb_copy: Path) -> None:
    entry_file = kb_copy / "entries" / "registration.yaml"
    entry_file.write_text("# staff comment that must survive\n" + entry_file.read_text())
    sent = await act(fake, USER, lambda: fake.push_message(USER, DECLINED))
    assert "person|en" in buttons(sent)
    consent = texts(await act(fake, USER, lambda: fake.push_callback(USER, "person|en")))
    assert "never your name, username, phone number or Telegram id" in consent
    assert f"«{DECLINED}»" in consent and "usually answer within one working day" in consent
    done = texts(await act(fake, USER, lambda: fake.push_callback(USER, "consent:1|en")))
    assert "request #1" in done
    (thread, topic), = fake.topics(STAFF_CHAT).items()
    assert topic["name"].startswith("#1 · en")
    first = topic["texts"][0]
    assert DECLINED in first and "English (en)" in first
    assert str(USER) not in first and f"User{USER}" not in first

    # the user's later messages appear in the topic; a photo as a note
    assert await act(fake, USER, lambda: fake.push_message(USER, "it is urgent")) == []
    await act(fake, USER, lambda: fake.push_media(USER, "photo"))
    assert fake.topics(STAFF_CHAT)[thread]["texts"][-2:] == ["👤 it is urgent", "[photo]"]

    # staff write: the user reads it, marked as from staff, in English
    await staff(fake, COLLEAGUE, thread, "Hello, we will look into it.")
    assert fake.sent(USER)[-1]["text"] == "💬 Welcome Center staff:\nHello, we will look into it."

    # /send an entry in the user's language
    await staff(fake, COLLEAGUE, thread, "/send registration")
    got = texts(fake.sent(USER)[-3:])
    assert "sent you this answer" in got and "Register within two weeks" in got
    assert "Sent “Registering your address” (registration)" in fake.topics(
        STAFF_CHAT)[thread]["texts"][-1]

    # /teach: refused for a colleague, done for an admin — file edited, comment kept
    await staff(fake, COLLEAGUE, thread, "/teach registration")
    assert "Only admins" in fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    assert DECLINED not in entry_file.read_text()
    await staff(fake, ADMIN, thread, "/teach registration")
    assert "the bot uses it now" in fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    edited = entry_file.read_text()
    assert edited.startswith("# staff comment that must survive\n")
    assert f'"{DECLINED}"]' in edited
    answered = texts(await act(fake, OTHER, lambda: fake.push_message(OTHER, DECLINED)))
    assert "Register within two weeks" in answered
    audit = [row[2] for row in app.bot_data["service"].storage.audit_log()]
    assert "teach" in audit

    # /close: the user is told, the topic closed; the bot answers again
    await staff(fake, COLLEAGUE, thread, "/close")
    assert "have ended the conversation" in fake.sent(USER)[-1]["text"]
    assert fake.topics(STAFF_CHAT)[thread]["closed"]
    answer = texts(await act(fake, USER, lambda: fake.push_message(
        USER, "how do i register my address")))
    assert "Register within two weeks" in answer
    count = len(fake.sent(USER))
    await staff(fake, COLLEAGUE, thread, "anyone there?")
    assert "reached nobody" in fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    assert len(fake.sent(USER)) == count
    assert app.bot_data["service"].storage.cases.for_topic(str(STAFF_CHAT), thread).user is None


async def test_cancel_at_consent_opens_nothing(fake: FakeBotAPI, app: Application) -> None:
    await act(fake, USER, lambda: fake.push_callback(USER, "person|en"))
    sent = texts(await act(fake, USER, lambda: fake.push_callback(USER, "consent:0|en")))
    assert "nothing was sent" in sent
    assert fake.called("createForumTopic") == []
    assert "Register" in texts(await act(fake, USER, lambda: fake.push_message(
        USER, "how do i register my address")))


async def test_stop_ends_the_case(fake: FakeBotAPI, app: Application) -> None:
    thread = await open_case(fake)
    assert "has ended" in texts(await act(fake, USER, lambda: fake.push_message(USER, "/stop")))
    assert fake.topics(STAFF_CHAT)[thread]["closed"]
    assert "ended the conversation" in fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    assert "no open conversation" in texts(await act(
        fake, USER, lambda: fake.push_callback(USER, "endcase|en")))
    assert "Register" in texts(await act(fake, USER, lambda: fake.push_message(
        USER, "how do i register my address")))


async def test_forget_during_a_case(fake: FakeBotAPI, app: Application) -> None:
    thread = await open_case(fake)
    await act(fake, USER, lambda: fake.push_message(USER, "/forget"))
    assert "/forget" in fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    count = len(fake.sent(USER))
    await staff(fake, COLLEAGUE, thread, "Are you still there?")
    note = fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    assert "reached nobody" in note and "/forget" in note
    assert len(fake.sent(USER)) == count
    case = app.bot_data["service"].storage.cases.for_topic(str(STAFF_CHAT), thread)
    assert (case.user, case.chat, case.question, case.status) == (None, None, None, "forgotten")


async def test_a_case_survives_a_restart(fake: FakeBotAPI, tmp_path: Path,
                                         kb_copy: Path) -> None:
    async with handoff_bot(fake, tmp_path / "data", kb_copy):
        thread = await open_case(fake)
    async with handoff_bot(fake, tmp_path / "data", kb_copy):
        assert await act(fake, USER, lambda: fake.push_message(USER, "still here")) == []
        assert fake.topics(STAFF_CHAT)[thread]["texts"][-1] == "👤 still here"
        await staff(fake, COLLEAGUE, thread, "Yes, we are.")
        assert fake.sent(USER)[-1]["text"].endswith("Yes, we are.")


async def test_silent_case_closes_by_itself(fake: FakeBotAPI, app: Application) -> None:
    thread = await open_case(fake)
    relay = relay_of(app)
    relay.clock = lambda: datetime.now() + timedelta(days=13)
    assert await relay.expire(CallbackContext(app)) == 0
    relay.clock = lambda: datetime.now() + timedelta(days=15)
    assert await relay.expire(CallbackContext(app)) == 1
    assert "after 14 days without messages" in fake.sent(USER)[-1]["text"]
    assert fake.topics(STAFF_CHAT)[thread]["closed"]
    assert "Register" in texts(await act(fake, USER, lambda: fake.push_message(
        USER, "how do i register my address")))


async def test_staff_chat_outside_topics_is_ignored(fake: FakeBotAPI, app: Application) -> None:
    thread = await open_case(fake)
    before = len(fake.sent(STAFF_CHAT)), len(fake.sent(USER))
    for text in ("hello everyone", "/send registration", "/close", "/start"):
        await staff(fake, COLLEAGUE, None, text, quiet=True)
    await staff(fake, ADMIN, None, "how do i register my address", quiet=True)
    assert (len(fake.sent(STAFF_CHAT)), len(fake.sent(USER))) == before
    assert not fake.topics(STAFF_CHAT)[thread]["closed"]


async def test_one_open_case_per_user(fake: FakeBotAPI, app: Application) -> None:
    await open_case(fake)
    again = texts(await act(fake, USER, lambda: fake.push_callback(USER, "person|en")))
    assert "already in touch" in again and "#1" in again
    assert "already in touch" in texts(await act(
        fake, USER, lambda: fake.push_callback(USER, "consent:1|en")))
    assert len(fake.called("createForumTopic")) == 1


@pytest.mark.parametrize("data", ["consent:2|en", "person:x", "endcase:now", "consent:|en",
                                  "consent:yes|en"])
async def test_forged_buttons_open_nothing(fake: FakeBotAPI, app: Application,
                                           data: str) -> None:
    sent = texts(await act(fake, USER, lambda: fake.push_callback(USER, data)))
    assert "out of date" in sent
    assert fake.called("createForumTopic") == []


async def test_staff_media_and_edits_are_not_relayed(fake: FakeBotAPI,
                                                     app: Application) -> None:
    thread = await open_case(fake)
    count = len(fake.sent(USER))
    await act(fake, STAFF_CHAT, lambda: fake.push_topic_media(COLLEAGUE, STAFF_CHAT, thread,
                                                             "photo"))
    assert "Only text is passed on" in fake.topics(STAFF_CHAT)[thread]["texts"][-1]
    assert len(fake.sent(USER)) == count


async def test_without_topic_rights_the_user_gets_a_person(fake: FakeBotAPI, tmp_path: Path,
                                                           kb_copy: Path) -> None:
    async with handoff_bot(fake, tmp_path / "data", kb_copy, manage_topics=False) as running:
        await act(fake, USER, lambda: fake.push_callback(USER, "person|en"))
        sent = texts(await act(fake, USER, lambda: fake.push_callback(USER, "consent:1|en")))
        assert "could not reach the staff" in sent and "You can reach a person here" in sent
        assert running.bot_data["service"].storage.cases.for_user(f"tg:{USER}") is None
