"""What the staff console keeps: one-time log-in links, sessions, and the versions of the
knowledge folder it saved.

Links and sessions are stored as SHA-256 hashes of their secrets, so a copy of the
database lets nobody in. A link is good once, for LINK_MINUTES; a session ends after
SESSION_IDLE of inactivity or on log-out. Staff are named by their Telegram id as in
the audit log (``staff``); nothing about users is kept here. A version holds, for each
file a console save changed, the text before and after, so that it can be shown as a
diff and undone.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

LINK_MINUTES = 10
SESSION_IDLE = timedelta(hours=10)  # a working day without a request ends the session
VERSION_KEEP = 500  # versions older than the newest VERSION_KEEP are deleted

# Additive: schema version 3 adds these tables (see sqlite.py).
SCHEMA = """
CREATE TABLE IF NOT EXISTS console_links (
    secret TEXT PRIMARY KEY, staff TEXT NOT NULL, expires TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS console_sessions (
    secret TEXT PRIMARY KEY, staff TEXT NOT NULL, csrf TEXT NOT NULL, last TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, staff TEXT NOT NULL,
    summary TEXT NOT NULL, files TEXT NOT NULL);
"""

Run = Callable[[str, tuple], list[tuple]]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Session:
    """A logged-in staff member; ``csrf`` goes into every form of this session."""

    staff: str
    csrf: str


@dataclass(frozen=True)
class FileChange:
    """One file of a version: its path inside the knowledge folder, before and after
    (None: the file did not exist / was deleted)."""

    path: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Version:
    number: int
    at: datetime
    staff: str
    summary: str
    files: tuple[FileChange, ...]


class ConsoleStore:
    """Links, sessions and versions on the bot's database (``SQLiteStorage.console``)."""

    def __init__(self, run: Run, clock: Callable[[], datetime] = datetime.now) -> None:
        self._run = run
        self.clock = clock

    # ------------------------------------------------------------ log-in links

    def new_link(self, staff: str) -> str:
        """A secret for a one-time log-in link, valid LINK_MINUTES."""
        secret = secrets.token_urlsafe(32)
        expires = self.clock() + timedelta(minutes=LINK_MINUTES)
        self._run("DELETE FROM console_links WHERE expires < ?", (self.clock().isoformat(),))
        self._run("INSERT INTO console_links VALUES (?, ?, ?)",
                  (_hash(secret), staff, expires.isoformat()))
        return secret

    def redeem(self, secret: str) -> str | None:
        """The staff id the link was made for, once; None if unknown, used or expired."""
        key = _hash(secret)
        rows = self._run("DELETE FROM console_links WHERE secret=? RETURNING staff, expires",
                         (key,))
        if not rows:
            return None
        staff, expires = rows[0]
        return staff if datetime.fromisoformat(expires) >= self.clock() else None

    # ------------------------------------------------------------ sessions

    def new_session(self, staff: str) -> tuple[str, Session]:
        """A fresh session (a new secret every log-in: no fixation); (cookie, session)."""
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        self._run("INSERT INTO console_sessions VALUES (?, ?, ?, ?)",
                  (_hash(secret), staff, csrf, self.clock().isoformat()))
        return secret, Session(staff, csrf)

    def session(self, secret: str) -> Session | None:
        """The live session for a cookie (its idle time starts again), else None."""
        if not secret:
            return None
        now = self.clock()
        self._run("DELETE FROM console_sessions WHERE last < ?",
                  ((now - SESSION_IDLE).isoformat(),))
        rows = self._run("UPDATE console_sessions SET last=? WHERE secret=? "
                         "RETURNING staff, csrf", (now.isoformat(), _hash(secret)))
        return Session(*rows[0]) if rows else None

    def end_session(self, secret: str) -> None:
        self._run("DELETE FROM console_sessions WHERE secret=?", (_hash(secret),))

    # ------------------------------------------------------------ versions

    def add_version(self, staff: str, summary: str, files: list[FileChange]) -> int:
        """Record one save; returns its number."""
        data = json.dumps([[f.path, f.before, f.after] for f in files], ensure_ascii=False)
        rows = self._run("INSERT INTO versions (at, staff, summary, files) VALUES (?, ?, ?, ?) "
                         "RETURNING id", (self.clock().isoformat(timespec="seconds"), staff,
                                          summary, data))
        number = int(rows[0][0])
        self._run("DELETE FROM versions WHERE id <= ?", (number - VERSION_KEEP,))
        return number

    def versions(self, limit: int = 100) -> list[Version]:
        rows = self._run("SELECT id, at, staff, summary, files FROM versions "
                         "ORDER BY id DESC LIMIT ?", (limit,))
        return [_version(r) for r in rows]

    def version(self, number: int) -> Version | None:
        rows = self._run("SELECT id, at, staff, summary, files FROM versions WHERE id=?",
                         (number,))
        return _version(rows[0]) if rows else None


def _version(row: tuple) -> Version:
    number, at, staff, summary, files = row
    changes = tuple(FileChange(p, b, a) for p, b, a in json.loads(files))
    return Version(int(number), datetime.fromisoformat(at), staff, summary, changes)
