"""The hostile test run, against the real application: a full disk, staff commands in a
group, an edited /announce, lone surrogates, and malformed webhook bodies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.conversation.core import Snapshot
from bot.errors import StorageError
from bot.tg.app import create_application
from bot.tg.webhook import MAX_BODY, serving_webhook
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot
from tests.integration.test_run import free_port

STAFF, USER = 900, 901
EVENT = "welcome-days-students"


def fail_writes(storage: object) -> None:
    """From now on every write fails as on a full disk; reads still work."""
    run = storage._run  # type: ignore[attr-defined]

    def full(sql: str, args: tuple = ()) -> list[tuple]:
        if not sql.lstrip().upper().startswith("SELECT"):
            raise StorageError("database error: database or disk is full")
        return run(sql, args)

    storage._run = full  # type: ignore[attr-defined]


async def test_a_full_disk_never_stops_an_answer(fake: FakeBotAPI, tmp_path: Path,
                                                 project_snapshot: Snapshot) -> None:
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF}),
                           snapshot=project_snapshot) as app:
        storage = app.bot_data["service"].storage
        fail_writes(storage)
        users = range(2000, 2040)
        for n, user in enumerate(users):
            text = "wo melde ich meine wohnung an" if n % 2 else f"beste pizza nummer {n}?"
            fake.push_message(user, text, language_code="de")
        for user in users:
            sent = await fake.wait_for_sent(user, 1, timeout=30)
            assert "Sorry" not in sent[0]["text"] and "Entschuldigung" not in sent[0]["text"]
        # a confirmation that would be false says so instead
        fake.push_message(3000, "/events", language_code="en")
        await fake.wait_for_sent(3000, 1, timeout=15)
        fake.push_callback(3000, f"sub:{EVENT}")
        sent = await fake.wait_for_sent(3000, 2, timeout=15)
        assert "could not save" in sent[-1]["text"] and "remind you" not in sent[-1]["text"]
        fake.push_message(STAFF, "/stats", language_code="en")
        sent = await fake.wait_for_sent(STAFF, 1, timeout=15)
        assert "Writes that failed" in sent[0]["text"] and "question counts 40" in sent[0]["text"]


async def test_staff_data_never_goes_into_a_group(fake: FakeBotAPI, tmp_path: Path,
                                                  project_snapshot: Snapshot) -> None:
    group = -4001
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF}),
                           snapshot=project_snapshot) as app:
        app.bot_data["service"].storage.record_declined("Ivan Petrenko fragt", "de", None)
        for command in ("/unanswered", "/stats", "/unanswered@welcome_test_bot"):
            fake.push_message(STAFF, command, chat_id=group, chat_type="supergroup")
        fake.push_message(STAFF, "/unanswered")  # the private chat still works
        sent = await fake.wait_for_sent(STAFF, 1, timeout=15)
        await asyncio.sleep(0.3)
        assert "Unanswered questions" in sent[0]["text"] and "Petrenko" not in sent[0]["text"]
        assert all("Unanswered" not in m["text"] and "Questions in" not in m["text"]
                   for m in fake.sent(group))
        assert len(fake.sent(group)) <= 1  # at most "unknown command" when addressed


async def test_an_edited_announce_sends_nothing_again(fake: FakeBotAPI, tmp_path: Path,
                                                      project_snapshot: Snapshot) -> None:
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF}),
                           snapshot=project_snapshot) as app:
        storage = app.bot_data["service"].storage
        for chat in (5001, 5002):
            fake.add_chat(chat)
            storage.subscribe(f"tg:{chat}", str(chat), EVENT, "en")
        fake.push_message(STAFF, f"/announce {EVENT} --again")
        await fake.wait_for_sent(STAFF, 1, timeout=15)
        fake.push_edited_message(STAFF, f"/announce {EVENT} --again ")
        fake.push_message(USER, "wo melde ich meine wohnung an", language_code="de")
        await fake.wait_for_sent(USER, 1, timeout=15)
        await asyncio.sleep(0.3)
        assert len(fake.sent(5001)) == 1 and len(fake.sent(5002)) == 1
        assert len(fake.sent(STAFF)) == 1


async def test_a_forged_subscription_in_a_group_stores_nothing(fake: FakeBotAPI,
                                                               bot: Application) -> None:
    group = -4002
    fake.push_message(USER, "@welcome_test_bot hallo", chat_id=group, chat_type="group")
    await asyncio.sleep(0.5)
    chat = fake.add_chat(group)
    chat.add({"message_id": 1, "from": {"id": 123456, "is_bot": True, "first_name": "b"},
              "chat": {"id": group, "type": "group"}, "date": 0, "text": "x"})
    fake._enqueue({"callback_query": {  # a press under the bot's message in the group
        "id": "77", "from": {"id": USER, "is_bot": False, "first_name": "u"},
        "message": chat.messages[-1], "chat_instance": "1", "data": f"sub:{EVENT}"}})
    fake._enqueue({"callback_query": {  # forged: no message at all
        "id": "78", "from": {"id": USER + 1, "is_bot": False, "first_name": "u"},
        "chat_instance": "1", "data": f"sub:{EVENT}"}})
    await asyncio.sleep(1.0)
    storage = bot.bot_data["service"].storage
    assert storage.all_subscriptions() == []


@pytest.fixture
async def webhook_bot(fake: FakeBotAPI, tmp_path: Path,
                      project_snapshot: Snapshot) -> AsyncIterator[str]:
    port = free_port()
    settings = Settings(token=fake.token, knowledge_dir=PROJECT_KB, data_dir=tmp_path,
                        base_url=fake.base_url, webhook_url=f"http://127.0.0.1:{port}",
                        port=port, secret_token="s3cret-token")
    app = create_application(settings, project_snapshot)
    async with serving_webhook(app, settings):
        yield f"http://127.0.0.1:{port}/telegram"


async def test_webhook_refuses_malformed_bodies_and_keeps_answering(
        fake: FakeBotAPI, webhook_bot: str, caplog: pytest.LogCaptureFixture) -> None:
    headers = {"Content-Type": "application/json",
               "X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    bodies = [b"", b"{not json", b'{"update_id": 1, "mess', b"[" * 50_000 + b"]" * 50_000,
              b"\xff\xfe\xfd", b'{"update_id": 1' + b"0" * 5000 + b"}", b"[]"]
    async with httpx.AsyncClient() as client:
        for body in bodies:
            response = await client.post(webhook_bot, content=body, headers=headers)
            assert response.status_code == 400, body[:20]
            assert response.json()["ok"] is False
        big = b'{"update_id": 1, "x": "' + b"a" * MAX_BODY + b'"}'
        response = await client.post(webhook_bot, content=big, headers=headers)
        assert response.status_code == 413
        response = await client.post(webhook_bot, content=b"{}",
                                     headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "x"})
        assert response.status_code == 403
        no_chat = {"update_id": 9, "message": {"message_id": 1, "date": 0, "text": "hi"}}
        response = await client.post(webhook_bot, content=json.dumps(no_chat), headers=headers)
        assert response.status_code == 200
    assert "Traceback" not in caplog.text
    fake.push_message(USER, "/help", language_code="en")  # delivered by the fake's webhook
    sent = await fake.wait_for_sent(USER, 1, timeout=15)
    assert "/menu" in sent[0]["text"]
    assert not [r for r in caplog.records if r.name.startswith("bot.tg.handlers")
                and r.levelname == "ERROR"]
