"""The durable inbox: every update Telegram delivered, kept until it is answered.

An update is written here before Telegram is told it arrived (polling: before the next
getUpdates confirms it; webhook: before the 200), so a kill at any instant loses nothing:
at start-up the bot finishes what is still pending, oldest first.

A row goes through three steps:

1. ``add``: the raw update (JSON: message text, the sender's name and language) — pending.
2. ``set_plan``: the replies planned for it, written in the same transaction as what the
   turn changed (user state, subscriptions, statistics), so the effects and the promise
   to send their confirmation are stored together. ``mark_sent`` counts the messages of
   the plan that Telegram accepted; a restart sends only the rest.
3. ``finish``: the update text and the plan are deleted at once; only the update id and
   the time stay, for a day, so that an update Telegram delivers again (it was persisted,
   but the kill came before Telegram heard of it) is recognised and not answered twice.

Privacy: no message text stays longer than it takes to answer it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.storage.sqlite import SQLiteStorage

KEEP_DONE = timedelta(days=1)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY, sender TEXT NOT NULL, payload TEXT, plan TEXT,
    sent INTEGER NOT NULL DEFAULT 0, done TEXT);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (update_id) WHERE done IS NULL;
"""


class Inbox:
    """The ``inbox`` table in the bot's database (same connection, same transactions)."""

    def __init__(self, storage: SQLiteStorage) -> None:
        self.storage = storage
        self._unsynced = False  # updates stored since the last ``sync``
        for statement in _SCHEMA.strip().split(";"):
            if statement.strip():
                storage.execute(statement)

    def add(self, update_id: int, sender: str, payload: dict[str, Any]) -> bool:
        """Keep a delivered update; False if it is already known (pending or answered).
        ``sender``: whose updates must run in order (user or chat)."""
        rows = self.storage.execute(
            "INSERT OR IGNORE INTO inbox (update_id, sender, payload) VALUES (?, ?, ?) "
            "RETURNING update_id",
            (update_id, sender, json.dumps(payload, ensure_ascii=False)))
        self._unsynced = self._unsynced or bool(rows)
        return bool(rows)

    def sync(self) -> None:
        """Make the updates stored so far survive a power cut, before Telegram is told
        they arrived. The database commits without waiting for the disk (sqlite.py:
        WAL, synchronous=NORMAL); a checkpoint writes the log to the disk first. Called
        once per getUpdates (polling) or per update (webhook), not once per commit."""
        if self._unsynced:
            self.storage.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._unsynced = False

    def pending(self) -> list[tuple[int, str]]:
        """Every update not yet answered, oldest first: (update id, sender)."""
        return self.storage.execute(
            "SELECT update_id, sender FROM inbox WHERE done IS NULL ORDER BY update_id")

    def payload(self, update_id: int) -> dict[str, Any] | None:
        """The raw update, while it is pending."""
        rows = self.storage.execute(
            "SELECT payload FROM inbox WHERE update_id=? AND done IS NULL", (update_id,))
        return json.loads(rows[0][0]) if rows else None

    def pending_count(self) -> int:
        return int(self.storage.execute(
            "SELECT COUNT(*) FROM inbox WHERE done IS NULL")[0][0])

    def set_plan(self, update_id: int, plan: list[dict[str, Any]]) -> None:
        """The messages to send for an update (call inside the turn's transaction)."""
        self.storage.execute("UPDATE inbox SET plan=?, sent=0 WHERE update_id=?",
                             (json.dumps(plan, ensure_ascii=False), update_id))

    def plan(self, update_id: int) -> tuple[list[dict[str, Any]], int] | None:
        """(planned messages, how many of them were sent), or None before planning."""
        rows = self.storage.execute(
            "SELECT plan, sent FROM inbox WHERE update_id=? AND done IS NULL "
            "AND plan IS NOT NULL", (update_id,))
        return (json.loads(rows[0][0]), rows[0][1]) if rows else None

    def mark_sent(self, update_id: int, count: int) -> None:
        """Telegram accepted the first ``count`` planned messages."""
        self.storage.execute("UPDATE inbox SET sent=? WHERE update_id=?", (count, update_id))

    def finish(self, update_id: int, now: datetime | None = None) -> None:
        """Answered: delete the text and the plan; keep the id a day to spot redelivery."""
        stamp = (now or datetime.now()).isoformat(timespec="seconds")
        self.storage.execute("UPDATE inbox SET payload=NULL, plan=NULL, done=? "
                             "WHERE update_id=? AND done IS NULL", (stamp, update_id))

    def prune(self, now: datetime | None = None) -> int:
        """Forget the ids of updates answered more than a day ago; returns how many."""
        cutoff = ((now or datetime.now()) - KEEP_DONE).isoformat(timespec="seconds")
        return len(self.storage.execute(
            "DELETE FROM inbox WHERE done IS NOT NULL AND done < ? RETURNING update_id",
            (cutoff,)))
