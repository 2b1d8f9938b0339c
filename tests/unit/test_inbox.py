"""The durable inbox (bot/storage/inbox.py) and the update queue on top of it
(bot/tg/inbox.py): stored before queued, bounded in memory, fair, recovered in order."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User

from bot.conversation.messages import Venue
from bot.errors import StorageError
from bot.storage.inbox import Inbox
from bot.storage.sqlite import SQLiteStorage
from bot.tg.inbox import InboxQueue, UpdatesRequest, dump, load, sender_of
from bot.tg.render import Outgoing


def update(update_id: int, user: int, text: str = "hallo") -> Update:
    message = Message(update_id, datetime(2026, 12, 7), Chat(user, Chat.PRIVATE),
                      from_user=User(user, "Ana", False, language_code="uk"), text=text)
    return Update(update_id, message=message)


@pytest.fixture
def inbox(storage: SQLiteStorage) -> Inbox:
    return Inbox(storage)


def test_a_row_lives_until_answered_then_only_its_id_stays_a_day(inbox: Inbox) -> None:
    assert inbox.add(1, "u1", {"update_id": 1, "message": {"text": "geheim"}})
    assert not inbox.add(1, "u1", {"update_id": 1})  # delivered again: known
    assert inbox.pending() == [(1, "u1")] and inbox.payload(1)["message"]["text"] == "geheim"
    assert inbox.plan(1) is None
    inbox.set_plan(1, [{"text": "a"}, {"text": "b"}])
    inbox.mark_sent(1, 1)
    assert inbox.plan(1) == ([{"text": "a"}, {"text": "b"}], 1)
    now = datetime(2026, 12, 7, 12)
    inbox.finish(1, now)
    assert inbox.pending() == [] and inbox.payload(1) is None and inbox.plan(1) is None
    rows = inbox.storage.execute("SELECT payload, plan FROM inbox")
    assert rows == [(None, None)]  # no text kept
    assert not inbox.add(1, "u1", {"update_id": 1})  # still recognised
    assert inbox.prune(now + timedelta(hours=23)) == 0
    assert inbox.prune(now + timedelta(days=1, seconds=1)) == 1


def test_effects_and_plan_commit_together_or_not_at_all(inbox: Inbox) -> None:
    store = inbox.storage
    inbox.add(5, "u", {"update_id": 5})
    with pytest.raises(RuntimeError), store.transaction():
        store.subscribe("tg:5", "5", "welcome-day", "uk")
        inbox.set_plan(5, [{"text": "subscribed"}])
        raise RuntimeError("killed here")
    assert store.subscriptions("tg:5") == [] and inbox.plan(5) is None


def test_the_inbox_survives_a_reopen(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "db.sqlite3")
    Inbox(store).add(7, "u", {"update_id": 7, "message": {"text": "x"}})
    store.close()
    again = SQLiteStorage(tmp_path / "db.sqlite3")
    assert Inbox(again).pending() == [(7, "u")]
    again.close()


def test_a_broken_statement_is_a_storage_error(inbox: Inbox) -> None:
    with pytest.raises(StorageError):
        inbox.storage.execute("SELECT nothing FROM nowhere")


def test_plans_round_trip_text_keyboards_and_venues() -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="fb:x:1|uk"),
                                    InlineKeyboardButton("Web", url="https://jena.de")]])
    plan = [Outgoing(text="<b>Hallo</b>", markup=markup), Outgoing(text="zwei"),
            Outgoing(venue=Venue(50.9, 11.6, "Bürgerservice", "Am Anger 15"))]
    assert load(dump(plan)) == plan


async def test_polling_put_stores_first_and_waits_for_room(inbox: Inbox) -> None:
    queue = InboxQueue(inbox, limit=2, ahead=10)
    await queue.put(update(1, 11))
    await queue.put(update(2, 12))
    assert queue.qsize() == 2 and [u for u, _ in inbox.pending()] == [1, 2]
    third = asyncio.create_task(queue.put(update(3, 13)))
    await asyncio.sleep(0.01)
    assert not third.done() and len(inbox.pending()) == 2  # not fetched, not stored
    first = await queue.get()
    await queue.finished(first)
    await asyncio.wait_for(third, 1)
    assert [u for u, _ in inbox.pending()] == [2, 3] and queue.in_flight == 2


async def test_a_redelivered_update_is_dropped(inbox: Inbox) -> None:
    queue = InboxQueue(inbox)
    await queue.put(update(1, 11))
    await queue.put(update(1, 11))
    assert queue.qsize() == 1
    await queue.finished(await queue.get())
    await queue.put(update(1, 11))  # answered before a restart, delivered again
    assert queue.qsize() == 0


async def test_a_flooding_user_waits_in_the_inbox_others_pass(inbox: Inbox) -> None:
    queue = InboxQueue(inbox, limit=10, ahead=100, per_sender=2)
    for n in range(1, 7):
        await queue.put(update(n, 11))
    await queue.put(update(7, 12))
    got = [queue.get_nowait().update_id for _ in range(queue.qsize())]
    assert got == [1, 2, 7] and queue.backlog == 4
    order = []
    while queue.in_flight:
        done = next(u for u in (1, 2, 3, 4, 5, 6, 7) if u in queue._in_flight)
        await queue.finished(update(done, 11 if done < 7 else 12))
        order.append(done)
        while not queue.empty():
            queue.get_nowait()
    assert order == [1, 2, 3, 4, 5, 6, 7] and queue.backlog == 0


async def test_webhook_put_never_waits_and_spills_to_the_inbox(inbox: Inbox) -> None:
    queue = InboxQueue(inbox, limit=2)
    queue.wait_for_room = False
    for n in range(1, 6):
        await asyncio.wait_for(queue.put(update(n, 10 + n)), 1)
    assert queue.qsize() == 2 and queue.backlog == 3 and len(inbox.pending()) == 5
    await queue.finished(queue.get_nowait())
    assert queue.qsize() == 2 and queue.backlog == 2


async def test_start_up_queues_pending_updates_oldest_first(inbox: Inbox) -> None:
    for n, user in ((3, 11), (4, 12), (5, 11)):
        inbox.add(n, sender_of(update(n, user)), update(n, user, f"m{n}").to_dict())
    inbox.set_plan(3, [{"text": "half sent"}])
    queue = InboxQueue(inbox, per_sender=1)
    assert queue.recover() == 3
    first = [queue.get_nowait() for _ in range(queue.qsize())]
    assert [(u.update_id, u.message.text) for u in first] == [(3, "m3"), (4, "m4")]
    await queue.finished(first[0])
    assert queue.get_nowait().update_id == 5
    assert inbox.plan(3) is None


async def test_a_cancelled_update_stays_pending(inbox: Inbox) -> None:
    queue = InboxQueue(inbox)
    await queue.put(update(1, 11))
    queue.released(queue.get_nowait())
    assert queue.in_flight == 0 and inbox.pending() == [(1, sender_of(update(1, 11)))]


def raw_update(update_id: int, user: int, text: str) -> dict:
    """An update as Telegram sends it (with a field this library version does not know)."""
    person = {"id": user, "is_bot": False, "first_name": "Ana", "language_code": "uk"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1796601600, "text": text, "from": person,
        "chat": {"id": user, "type": "private", "first_name": "Ana"}, "future_field": 1}}


def test_the_getupdates_request_keeps_the_updates_of_its_last_answer() -> None:
    request = UpdatesRequest()
    first = {"ok": True, "result": [raw_update(1, 11, "a"), raw_update(2, 12, "b")]}
    assert request.parse_json_payload(json.dumps(first).encode()) == first  # as parsed
    assert request.take(2) == raw_update(2, 12, "b")
    assert request.take(2) is None  # once
    request.parse_json_payload(json.dumps({"ok": True, "result": []}).encode())
    assert request.take(1) is None  # only the last answer is kept
    # answers that hold no updates, or malformed ones, keep nothing and break nothing
    for odd in ({"ok": False, "error_code": 409, "description": "Conflict"},
                {"ok": True, "result": True}, {"ok": True, "result": [1, {"update_id": "x"},
                                                                      {"update_id": True}]},
                [1, 2]):
        assert request.parse_json_payload(json.dumps(odd).encode()) == odd
        assert request._raw == {}


async def test_polling_stores_the_update_as_telegram_sent_it(inbox: Inbox) -> None:
    queue = InboxQueue(inbox)
    queue.updates = UpdatesRequest()
    sent = raw_update(5, 11, "wo melde ich mich an")
    queue.updates.parse_json_payload(json.dumps({"ok": True, "result": [sent]}).encode())
    parsed = Update.de_json(sent, None)
    await queue.put(parsed)
    assert inbox.payload(5) == sent  # not serialised again
    await queue.put(update(6, 12, "via the webhook"))  # not in the last answer
    assert inbox.payload(6) == update(6, 12, "via the webhook").to_dict()
    # after a restart, the stored JSON gives back the same update
    queue.get_nowait(), queue.get_nowait()
    again = InboxQueue(inbox)
    assert again.recover() == 2
    assert [queue_item.to_dict() for queue_item in (again.get_nowait(), again.get_nowait())] \
        == [parsed.to_dict(), update(6, 12, "via the webhook").to_dict()]


def test_commits_reach_the_log_at_once_and_the_disk_at_checkpoints(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "db.sqlite3")
    assert store.execute("PRAGMA journal_mode") == [("wal",)]
    assert store.execute("PRAGMA synchronous") == [(1,)]  # NORMAL: no fsync per commit
    Inbox(store).add(9, "u", {"update_id": 9})
    # what a killed process leaves behind: committed rows are in the -wal file, and
    # another connection (the restarted bot) reads them without a clean close
    other = SQLiteStorage(tmp_path / "db.sqlite3")
    assert Inbox(other).pending() == [(9, "u")]
    other.close()
    store.close()


def main_file_rows(path: Path) -> list[tuple[int, str]]:
    """The inbox as the database file alone holds it, without its -wal log: what a power
    cut leaves when the log's last pages never reached the disk."""
    copy = path.with_name("copy.sqlite3")
    copy.write_bytes(path.read_bytes())
    store = SQLiteStorage(copy)
    try:
        return Inbox(store).pending()
    finally:
        store.close()
        copy.unlink()


def test_sync_puts_stored_updates_on_the_disk(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "db.sqlite3")
    inbox = Inbox(store)
    inbox.add(9, "u", {"update_id": 9})
    assert main_file_rows(tmp_path / "db.sqlite3") == []  # only in the log so far
    inbox.sync()
    assert main_file_rows(tmp_path / "db.sqlite3") == [(9, "u")]
    calls: list[str] = []
    store.execute = lambda sql, args=(): calls.append(sql) or []  # type: ignore[method-assign]
    inbox.sync()  # nothing new: no checkpoint
    inbox.add(9, "u", {"update_id": 9})  # known already: still nothing new
    inbox.sync()
    assert calls == ["INSERT OR IGNORE INTO inbox (update_id, sender, payload) VALUES "
                     "(?, ?, ?) RETURNING update_id"]
    store.close()


async def test_getupdates_syncs_before_it_confirms(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    async def sent(self: object, *args: object, **kwargs: object) -> tuple[int, bytes]:
        order.append("getUpdates")
        return 200, b'{"ok": true, "result": []}'

    monkeypatch.setattr("telegram.request.HTTPXRequest.do_request", sent)
    request = UpdatesRequest()
    request.before_request = lambda: order.append("sync")
    assert await request.do_request("https://api.telegram.org/botT/getUpdates", "POST") \
        == (200, b'{"ok": true, "result": []}')
    assert order == ["sync", "getUpdates"]


async def test_webhook_put_is_on_the_disk_before_the_200(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "db.sqlite3")
    queue = InboxQueue(Inbox(store))
    queue.wait_for_room = False
    await queue.put(update(4, 11))
    assert main_file_rows(tmp_path / "db.sqlite3") == [(4, sender_of(update(4, 11)))]
    store.close()


async def test_a_failing_sync_is_counted_and_the_update_still_answered(
        inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: Inbox) -> None:
        raise StorageError("database or disk is full")

    monkeypatch.setattr(Inbox, "sync", full)
    queue = InboxQueue(inbox)
    queue.wait_for_room = False
    await queue.put(update(7, 11))
    assert queue.get_nowait().update_id == 7
    queue.sync()  # what UpdatesRequest calls: no exception either
    assert sum(inbox.storage.failures.values()) == 2
