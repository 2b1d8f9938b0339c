"""Handoff cases: which user a staff topic belongs to, while the conversation is open.

A row per case; its id is the case number staff see. While a case is open it holds the
user's id and chat (to relay staff messages), the case's language, the user's group and
the question that started it (for /teach) — nothing else the user wrote. When the case
ends (the user, staff, /forget, or days of silence) the user, chat and question are
deleted; what stays (number, topic, language, dates, how it ended) lets the bot tell
staff that a message in that topic reaches nobody. Closed rows go after RETENTION_DAYS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

RETENTION_DAYS = 180

# Additive: schema version 2 adds this table to a version-1 database (see sqlite.py).
SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT, staff_chat TEXT NOT NULL, thread INTEGER,
    user TEXT, chat TEXT, lang TEXT NOT NULL, grp TEXT, question TEXT, qlang TEXT,
    status TEXT NOT NULL, opened TEXT NOT NULL, last TEXT NOT NULL, ended TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS cases_one_per_user ON cases(user)
    WHERE status IN ('opening', 'open');
CREATE INDEX IF NOT EXISTS cases_topic ON cases(staff_chat, thread);
"""

Run = Callable[[str, tuple], list[tuple]]
_COLUMNS = "id, staff_chat, thread, user, chat, lang, grp, question, qlang, status, last"


@dataclass(frozen=True)
class Case:
    """One case as stored; ``user``, ``chat`` and ``question`` are None once it ended."""

    number: int
    staff_chat: str
    thread: int | None
    user: str | None
    chat: str | None
    lang: str
    group: str | None
    question: str | None
    question_lang: str | None
    status: str  # "opening" | "open" | "closed" | "forgotten"
    last: datetime

    @property
    def open(self) -> bool:
        return self.status == "open"


def _case(row: tuple) -> Case:
    number, staff_chat, thread, user, chat, lang, group, question, qlang, status, last = row
    return Case(number, staff_chat, thread, user, chat, lang, group, question, qlang, status,
                datetime.fromisoformat(last))


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


class Cases:
    """The cases table, over the storage's locked ``run(sql, args)``."""

    def __init__(self, run: Run) -> None:
        self._run = run

    def reserve(self, staff_chat: str, user: str, chat: str, lang: str, group: str | None,
                question: str | None, question_lang: str | None,
                now: datetime) -> int | None:
        """A case number for a new case (status "opening"); None if the user has one."""
        if self.for_user(user) is not None:
            return None
        rows = self._run(
            "INSERT OR IGNORE INTO cases (staff_chat, user, chat, lang, grp, question, qlang, "
            "status, opened, last) VALUES (?, ?, ?, ?, ?, ?, ?, 'opening', ?, ?) RETURNING id",
            (staff_chat, user, chat, lang, group, question, question_lang, _stamp(now),
             _stamp(now)))
        return int(rows[0][0]) if rows else None

    def activate(self, number: int, thread: int) -> None:
        """The topic exists: the case is open."""
        self._run("UPDATE cases SET thread=?, status='open' WHERE id=?", (thread, number))

    def abandon(self, number: int) -> None:
        """The topic could not be created: no case."""
        self._run("DELETE FROM cases WHERE id=? AND status='opening'", (number,))

    def for_user(self, user: str) -> Case | None:
        """The user's open (or opening) case."""
        rows = self._run(f"SELECT {_COLUMNS} FROM cases WHERE user=? "  # noqa: S608 - fixed
                         "AND status IN ('opening', 'open')", (user,))
        return _case(rows[0]) if rows else None

    def for_topic(self, staff_chat: str, thread: int) -> Case | None:
        """The case of a staff topic, open or ended (the latest, should a topic be reused)."""
        rows = self._run(f"SELECT {_COLUMNS} FROM cases WHERE staff_chat=? "  # noqa: S608
                         "AND thread=? ORDER BY id DESC LIMIT 1", (staff_chat, thread))
        return _case(rows[0]) if rows else None

    def touch(self, number: int, now: datetime) -> None:
        """Someone wrote in the case: the silence timer starts again."""
        self._run("UPDATE cases SET last=? WHERE id=?", (_stamp(now), number))

    def set_question(self, number: int, question: str, lang: str) -> None:
        """The first thing the user wrote, when the case started without a question."""
        self._run("UPDATE cases SET question=?, qlang=? WHERE id=? AND question IS NULL",
                  (question, lang, number))

    def end(self, number: int, how: str, now: datetime) -> Case | None:
        """End an open case ("closed" or "forgotten"): delete who it was and what they
        asked. Returns the case as it was, or None if it was not open."""
        rows = self._run(f"SELECT {_COLUMNS} FROM cases WHERE id=? "  # noqa: S608
                         "AND status IN ('opening', 'open')", (number,))
        if not rows:
            return None
        self._run("UPDATE cases SET user=NULL, chat=NULL, question=NULL, qlang=NULL, "
                  "status=?, ended=? WHERE id=?", (how, _stamp(now), number))
        return _case(rows[0])

    def silent_since(self, cutoff: datetime) -> list[Case]:
        """Open cases in which nobody wrote since ``cutoff``."""
        rows = self._run(f"SELECT {_COLUMNS} FROM cases WHERE status='open' "  # noqa: S608
                         "AND last < ? ORDER BY id", (_stamp(cutoff),))
        return [_case(r) for r in rows]

    def purge(self, now: datetime) -> None:
        """Forget ended cases after the retention period (they hold no user data)."""
        cutoff = _stamp(now - timedelta(days=RETENTION_DAYS))
        self._run("DELETE FROM cases WHERE status IN ('closed', 'forgotten') AND ended < ?",
                  (cutoff,))
