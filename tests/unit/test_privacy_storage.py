from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.conversation.messages import UserState
from bot.errors import StorageError
from bot.storage.privacy import scrub
from bot.storage.sqlite import SQLiteStorage


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("call me 0176 12345678", "0176"),
        ("+49 (3641) 49-3800", "3800"),
        ("mail max.mustermann@web.de", "mustermann"),
        ("IBAN DE89 3704 0044 0532 0130 00", "3704"),
        ("I am @someone on telegram", "someone"),
        ("see https://example.org/my-case?id=77", "example.org"),
    ],
)
def test_scrub_removes_personal_details(text: str, gone: str) -> None:
    assert gone not in scrub(text)


def test_scrub_keeps_short_numbers_and_paragraphs() -> None:
    assert scrub("§ 24 since 2022, 3 kids") == "§ 24 since 2022, 3 kids"
    assert len(scrub("x" * 5000)) == 500


def test_user_state_roundtrip_and_persistence(tmp_path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    store = SQLiteStorage(path)
    store.set_user("tg:1", UserState(lang="ar", group="refugee"))
    store.close()
    again = SQLiteStorage(path)
    assert again.get_user("tg:1") == UserState(lang="ar", group="refugee")
    assert again.get_user("tg:2") == UserState()
    again.close()


def test_reminder_sent_once_and_blocked_chat(storage: SQLiteStorage) -> None:
    storage.subscribe("tg:1", "1", "ev", "de")
    assert storage.mark_reminded("tg:1", "ev") and not storage.mark_reminded("tg:1", "ev")
    storage.forget_chat("1")
    assert storage.subscribers("ev") == []


def test_purge_keeps_recent(storage: SQLiteStorage) -> None:
    storage.record_declined("old question", "en", None)
    storage._run("UPDATE declined SET day='2000-01-01'")
    storage.record_declined("new question", "en", None)
    storage.purge(datetime.now() + timedelta(days=1))
    assert [r[3] for r in storage.declined()] == ["new question"]


def test_newer_schema_is_refused(tmp_path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = SQLiteStorage(path)
    store._run("UPDATE meta SET value='99' WHERE key='schema'")
    store.close()
    with pytest.raises(StorageError, match="newer version"):
        SQLiteStorage(path)


def test_unwritable_location(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises((StorageError, OSError)):
        SQLiteStorage(blocker / "sub" / "db.sqlite3")
