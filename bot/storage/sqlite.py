"""Persistence: SQLite in the data directory (WAL, versioned schema); nothing else persists.

Stored per user (deleted by /forget): language, group, reminder subscriptions, and the
helpful / not-helpful votes under a keyed hash of the user id (one vote per user and answer;
the feedback counts are derived from them). Stored without any user id: declined questions
(scrubbed), question counts. Writes that fail are counted per kind (``failures``) so that
staff see them in /stats.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.conversation.messages import UserState
from bot.errors import StorageError
from bot.storage import cases, console

SCHEMA_VERSION = 3
DB_NAME = "welcome-bot.sqlite3"  # inside the data directory
RETENTION_DAYS = 180

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user TEXT PRIMARY KEY, lang TEXT, grp TEXT, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    user TEXT NOT NULL, chat TEXT NOT NULL, event TEXT NOT NULL, lang TEXT NOT NULL,
    created TEXT NOT NULL, PRIMARY KEY (user, event));
CREATE TABLE IF NOT EXISTS declined (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL,
    closest TEXT, handled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, entry TEXT NOT NULL, lang TEXT NOT NULL,
    helpful INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, lang TEXT NOT NULL, grp TEXT,
    decision TEXT NOT NULL, entry TEXT);
CREATE TABLE IF NOT EXISTS sent_reminders (
    user TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (user, event));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, staff TEXT NOT NULL, action TEXT NOT NULL,
    detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    voter TEXT NOT NULL, entry TEXT NOT NULL, lang TEXT NOT NULL, day TEXT NOT NULL,
    helpful INTEGER NOT NULL, PRIMARY KEY (voter, entry));
CREATE TABLE IF NOT EXISTS announcements (
    id INTEGER PRIMARY KEY, event TEXT NOT NULL, at TEXT NOT NULL, sent INTEGER NOT NULL,
    skipped INTEGER NOT NULL, failed INTEGER NOT NULL);
"""
# What each version added to the one before (additive only: CREATE … IF NOT EXISTS).
_MIGRATIONS = {2: cases.SCHEMA, 3: console.SCHEMA}


class Storage(Protocol):
    """What the conversation core needs from persistence."""

    cases: cases.Cases

    def get_user(self, user: str) -> UserState: ...
    def set_user(self, user: str, state: UserState) -> None: ...
    def forget(self, user: str) -> None: ...
    def subscribe(self, user: str, chat: str, event: str, lang: str) -> None: ...
    def unsubscribe(self, user: str, event: str) -> None: ...
    def subscriptions(self, user: str) -> list[str]: ...
    def record_question(self, lang: str, group: str | None, decision: str,
                        entry: str | None) -> None: ...
    def record_declined(self, text: str, lang: str, closest: str | None) -> None: ...
    def record_vote(self, user: str, entry: str, lang: str, helpful: bool) -> None: ...
    def note_failure(self, kind: str) -> None: ...


class SQLiteStorage:
    """The SQLite implementation; ``":memory:"`` for tests and one-shot commands."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode a commit then appends to the log without waiting for the disk:
            # a killed process loses nothing committed, a power cut may lose the last
            # seconds (SQLite's documented trade-off); the disk is synced at checkpoints —
            # and for the inbox before Telegram is told an update arrived (Inbox.sync).
            # With FULL, each of the ~5 commits per message waited ~0.3-1 ms for fsync.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StorageError(f"{self.path} was written by a newer version "
                                   f"(schema {row[0]}); update the bot")
            self._migrate(int(row[0]) if row else 1)
            self._salt = self._vote_salt()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {self.path}: {exc}") from exc
        self._lock = threading.RLock()  # re-entered by statements inside transaction()
        self.failures: Counter[str] = Counter()  # writes that failed since start, by kind
        self.cases = cases.Cases(self._run)
        self.console = console.ConsoleStore(self._run)  # staff console: links, sessions

    def _migrate(self, version: int) -> None:
        """Bring a database from ``version`` up to SCHEMA_VERSION (a new one starts at 1)."""
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.executescript(_MIGRATIONS[target])
        self._db.execute("INSERT INTO meta VALUES ('schema', ?) ON CONFLICT(key) DO UPDATE "
                         "SET value=excluded.value", (str(SCHEMA_VERSION),))

    def _vote_salt(self) -> bytes:
        """The secret that keys vote hashes; made once per database (a backup keeps it)."""
        row = self._db.execute("SELECT value FROM meta WHERE key='vote_salt'").fetchone()
        if row is None:
            salt = secrets.token_hex(16)
            # a read-only database has no salt yet: votes then fail (counted), answers go on
            try:
                self._db.execute("INSERT INTO meta VALUES ('vote_salt', ?)", (salt,))
            except sqlite3.Error:
                pass
            return bytes.fromhex(salt)
        return bytes.fromhex(row[0])

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"database error: {exc}") from exc
        except UnicodeEncodeError as exc:  # a lone surrogate that slipped through
            raise StorageError("text that is not valid Unicode cannot be stored") from exc

    def note_failure(self, kind: str) -> None:
        """Count a write that failed (shown to staff in /stats)."""
        self.failures[kind] += 1

    def voter(self, user: str) -> str:
        """The key votes are stored under: a keyed hash, not the user id."""
        return hmac.new(self._salt, user.encode("utf-8", "replace"),
                        hashlib.sha256).hexdigest()[:32]

    def execute(self, sql: str, args: tuple = ()) -> list[tuple]:
        """One statement on the bot's database (for the inbox, bot/storage/inbox.py)."""
        return self._run(sql, args)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside commits together or not at all (no awaits inside)."""
        with self._lock:
            self._run("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._run("ROLLBACK")
                raise
            self._run("COMMIT")

    @staticmethod
    def _today() -> str:
        return datetime.now().date().isoformat()

    def get_user(self, user: str) -> UserState:
        rows = self._run("SELECT lang, grp FROM users WHERE user=?", (user,))
        return UserState(*rows[0]) if rows else UserState()

    def set_user(self, user: str, state: UserState) -> None:
        if state == UserState():
            self._run("DELETE FROM users WHERE user=?", (user,))
            return
        self._run("INSERT INTO users VALUES (?, ?, ?, ?) ON CONFLICT(user) DO UPDATE SET "
                  "lang=excluded.lang, grp=excluded.grp, updated=excluded.updated",
                  (user, state.lang, state.group, self._today()))

    def forget(self, user: str) -> None:
        # An open handoff case is ended by the relay, which also tells staff.
        for table in ("users", "subscriptions", "sent_reminders"):
            self._run(f"DELETE FROM {table} WHERE user=?", (user,))  # noqa: S608 - fixed names
        self._run("DELETE FROM votes WHERE voter=?", (self.voter(user),))

    def forget_chat(self, chat: str) -> None:
        """A chat that blocked the bot gets no more reminders."""
        self._run("DELETE FROM subscriptions WHERE chat=?", (chat,))

    def subscribe(self, user: str, chat: str, event: str, lang: str) -> None:
        self._run("INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?, ?)",
                  (user, chat, event, lang, self._today()))

    def unsubscribe(self, user: str, event: str) -> None:
        self._run("DELETE FROM subscriptions WHERE user=? AND event=?", (user, event))

    def subscriptions(self, user: str) -> list[str]:
        return [r[0] for r in self._run("SELECT event FROM subscriptions WHERE user=?", (user,))]

    def subscribers(self, event: str) -> list[tuple[str, str, str]]:
        """(user, chat, language) of everyone subscribed to ``event``."""
        return self._run("SELECT user, chat, lang FROM subscriptions WHERE event=? ORDER BY user",
                         (event,))

    def all_subscriptions(self) -> list[tuple[str, str, str, str]]:
        """(user, chat, event, language) of every subscription, to re-plan reminders."""
        return self._run("SELECT user, chat, event, lang FROM subscriptions")

    def mark_reminded(self, user: str, event: str) -> bool:
        """Remember that the reminder went out; False when it had already been sent."""
        rows = self._run("INSERT OR IGNORE INTO sent_reminders VALUES (?, ?) RETURNING user",
                         (user, event))
        return bool(rows)

    def record_question(self, lang: str, group: str | None, decision: str,
                        entry: str | None) -> None:
        self._run("INSERT INTO questions (day, lang, grp, decision, entry) VALUES (?,?,?,?,?)",
                  (self._today(), lang, group, decision, entry))

    def record_declined(self, text: str, lang: str, closest: str | None) -> None:
        self._run("INSERT INTO declined (day, lang, text, closest) VALUES (?,?,?,?)",
                  (self._today(), lang, text, closest))

    def record_feedback(self, entry: str, lang: str, helpful: bool) -> None:
        """An anonymous vote (the table of versions before one-vote-per-user; still counted)."""
        self._run("INSERT INTO feedback (day, entry, lang, helpful) VALUES (?,?,?,?)",
                  (self._today(), entry, lang, int(helpful)))

    def record_vote(self, user: str, entry: str, lang: str, helpful: bool) -> None:
        """One vote per user and answer: a later vote replaces the earlier one."""
        self._run("INSERT INTO votes VALUES (?, ?, ?, ?, ?) ON CONFLICT(voter, entry) DO "
                  "UPDATE SET lang=excluded.lang, day=excluded.day, helpful=excluded.helpful",
                  (self.voter(user), entry, lang, self._today(), int(helpful)))

    def declined(self, limit: int = 200) -> list[tuple[int, str, str, str, str | None]]:
        """Most recent unhandled declined questions: (id, day, lang, text, closest entry)."""
        return self._run("SELECT id, day, lang, text, closest FROM declined WHERE handled=0 "
                         "ORDER BY id DESC LIMIT ?", (limit,))

    def mark_handled(self, ids: list[int]) -> int:
        """Mark declined questions as handled by staff; returns how many changed."""
        changed = 0
        for qid in ids:
            changed += len(self._run("UPDATE declined SET handled=1 WHERE id=? AND handled=0 "
                                     "RETURNING id", (qid,)))
        return changed

    def audit(self, staff: str, action: str, detail: str = "") -> None:
        """Append to the audit log: who (staff id), when, what."""
        self._run("INSERT INTO audit (at, staff, action, detail) VALUES (?, ?, ?, ?)",
                  (datetime.now().isoformat(timespec="seconds"), staff, action, detail[:500]))

    def audit_log(self, limit: int = 50) -> list[tuple[str, str, str, str]]:
        return self._run("SELECT at, staff, action, detail FROM audit ORDER BY id DESC LIMIT ?",
                         (limit,))

    def last_announcement(self, event: str) -> datetime | None:
        rows = self._run("SELECT at FROM announcements WHERE event=? ORDER BY id DESC LIMIT 1",
                         (event,))
        return datetime.fromisoformat(rows[0][0]) if rows else None

    def record_announcement(self, event: str, sent: int, skipped: int, failed: int) -> None:
        self._run("INSERT INTO announcements (event, at, sent, skipped, failed) "
                  "VALUES (?, ?, ?, ?, ?)",
                  (event, datetime.now().isoformat(timespec="seconds"), sent, skipped, failed))

    def question_counts(self, since: str) -> list[tuple[str, str | None, str, str | None, int]]:
        """(language, group, decision, entry, count) of questions asked since a day."""
        return self._run("SELECT lang, grp, decision, entry, COUNT(*) FROM questions "
                         "WHERE day >= ? GROUP BY lang, grp, decision, entry", (since,))

    def daily_counts(self, since: str) -> list[tuple[str, str, str, int]]:
        """(day, language, decision, count) of questions asked since a day, oldest first."""
        return self._run("SELECT day, lang, decision, COUNT(*) FROM questions WHERE day >= ? "
                         "GROUP BY day, lang, decision ORDER BY day", (since,))

    def feedback_counts(self, since: str) -> list[tuple[str, int, int]]:
        """(entry, helpful, not helpful) since a day: one vote per user and answer."""
        return self._run("SELECT entry, SUM(helpful), SUM(1 - helpful) FROM ("
                         "SELECT entry, helpful FROM feedback WHERE day >= ? UNION ALL "
                         "SELECT entry, helpful FROM votes WHERE day >= ?) GROUP BY entry",
                         (since, since))

    def purge(self, now: datetime | None = None) -> None:
        """Delete staff data older than the retention period stated in /privacy."""
        cutoff = ((now or datetime.now()) - timedelta(days=RETENTION_DAYS)).date().isoformat()
        for table in ("declined", "feedback", "questions", "votes"):
            self._run(f"DELETE FROM {table} WHERE day < ?", (cutoff,))  # noqa: S608

    def close(self) -> None:
        with self._lock:
            self._db.close()
