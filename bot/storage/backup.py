"""Backups of the SQLite database while the bot runs, and restores while it does not.

A backup uses SQLite's online backup API in one step: it reads one consistent snapshot
(WAL readers never block the bot's writers), writes it to a temporary file beside the
target, checks it with ``PRAGMA integrity_check`` and only then renames it into place.

``welcome-bot run`` holds an exclusive lock on ``welcome-bot.lock`` in the data directory
(``take_run_lock``) for as long as it runs; a restore takes the same lock without waiting
and so refuses while a bot runs. The operating system drops the lock when the process ends,
however it ends.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from bot.errors import StorageError
from bot.storage.sqlite import DB_NAME, SCHEMA_VERSION

LOCK_NAME = "welcome-bot.lock"  # inside the data directory
COUNTED = ("users", "subscriptions", "questions", "declined", "feedback")


@dataclass(frozen=True)
class DatabaseInfo:
    """What a checked database holds: its schema version and a few row counts."""

    path: Path
    schema: int
    rows: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{n} {table}" for table, n in self.rows.items())
        return f"schema {self.schema}; {counts}"


def take_run_lock(data_dir: Path, purpose: str = "run") -> IO[str]:
    """Lock the data directory, or raise StorageError at once if a running bot holds it.

    Closing the returned file releases the lock; so does the process ending, however it ends.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise StorageError(
            f"a welcome-bot is running with the data directory {data_dir} (it holds "
            f"{path}); stop it first, then {purpose} again") from exc
    return handle


@contextmanager
def run_lock(data_dir: Path, purpose: str = "run") -> Iterator[None]:
    """Hold the data directory's lock for the ``with`` block (see ``take_run_lock``)."""
    with take_run_lock(data_dir, purpose):
        yield


def check_database(path: Path) -> DatabaseInfo:
    """Check that ``path`` is an intact welcome-bot database this version can use."""
    if not path.exists():
        raise StorageError(f"{path} does not exist")
    if not path.is_file():
        raise StorageError(f"{path} is not a file")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            problems = [r[0] for r in db.execute("PRAGMA integrity_check(3)").fetchall()]
            if problems != ["ok"]:
                lines = [line for p in problems for line in p.splitlines()]
                raise StorageError(f"{path} is damaged (integrity check: "
                                   f"{'; '.join(lines[:3])} …)")
            schema = _schema(db, path)
            rows = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
                    for t in COUNTED}
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is not a usable SQLite database: {exc}") from exc
    return DatabaseInfo(path, schema, rows)


def _schema(db: sqlite3.Connection, path: Path) -> int:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"meta", *COUNTED} <= tables:
        raise StorageError(f"{path} is an SQLite database but not a welcome-bot database")
    row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    if row is None or not str(row[0]).isdigit():
        raise StorageError(f"{path} has no schema version; it is not a welcome-bot database")
    if int(row[0]) > SCHEMA_VERSION:
        raise StorageError(f"{path} was written by a newer welcome-bot (schema {row[0]}, this "
                           f"version knows {SCHEMA_VERSION}); update the bot first")
    return int(row[0])


def _copy(source: Path, target: Path) -> None:
    """One-step online backup of ``source`` into a new single-file database ``target``."""
    with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.execute("PRAGMA busy_timeout=5000")
        src.backup(dst)  # pages=-1: the whole snapshot under one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    with target.open("rb") as handle:
        os.fsync(handle.fileno())


def _temporary(target: Path, what: str) -> Path:
    return target.with_name(f".{target.name}.{what}-{os.getpid()}.tmp")


def _copy_checked(source: Path, target: Path, what: str) -> DatabaseInfo:
    """Copy into a temporary file beside ``target`` and check it; the caller renames it."""
    temp = _temporary(target, what)
    temp.unlink(missing_ok=True)
    try:
        _copy(source, temp)
        info = check_database(temp)
    except sqlite3.DatabaseError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(f"{source} is not a usable SQLite database: {exc}") from exc
    except (sqlite3.Error, OSError) as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(f"could not copy {source} to {target.parent}: {exc}") from exc
    except StorageError:
        temp.unlink(missing_ok=True)
        raise
    return DatabaseInfo(temp, info.schema, info.rows)


def backup(data_dir: Path, target: Path, force: bool = False) -> DatabaseInfo:
    """Write a checked copy of the data directory's database to ``target``."""
    database = data_dir / DB_NAME
    if not database.is_file():
        raise StorageError(f"no database at {database}; give --data-dir (where "
                           "'welcome-bot run' keeps it)")
    if target.is_dir():
        raise StorageError(f"{target} is a folder; give the backup file's name")
    if target.resolve().parent == database.resolve().parent \
            and target.name.startswith(DB_NAME):
        raise StorageError(f"{target} is the database itself or one of its files; write the "
                           "backup somewhere else")
    if not target.parent.is_dir():
        raise StorageError(f"the folder {target.parent} does not exist")
    if target.exists() and not force:
        raise StorageError(f"{target} already exists; give --force to overwrite it")
    checked = _copy_checked(database, target, "backup")
    os.replace(checked.path, target)
    return DatabaseInfo(target, checked.schema, checked.rows)


def restore(source: Path, data_dir: Path) -> tuple[DatabaseInfo, Path | None]:
    """Replace the data directory's database with a checked copy of ``source``.

    Refuses while a bot runs. The database it replaces is kept beside it; returns the
    restored database's info and where the previous one was kept (None if there was none).
    """
    check_database(source)  # a clear message before touching anything
    with run_lock(data_dir, purpose="restore"):
        database = data_dir / DB_NAME
        checked = _copy_checked(source, database, "restore")
        try:
            kept = _keep_previous(database)
            _retire(database)
        except (OSError, StorageError):
            checked.path.unlink(missing_ok=True)
            raise
        os.replace(checked.path, database)  # atomic: the old or the new file, never half
    return DatabaseInfo(database, checked.schema, checked.rows), kept


def _keep_previous(database: Path) -> Path | None:
    """Copy the database about to be replaced (with its WAL content) beside it."""
    if not database.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    number = 1
    while kept.exists():
        number += 1
        kept = database.with_name(f"{database.name}.before-restore-{stamp}-{number}")
    try:
        _copy(database, kept)
    except sqlite3.DatabaseError:  # unreadable: keep the file itself as it is
        kept.unlink(missing_ok=True)
        os.link(database, kept)
    return kept


def _retire(database: Path) -> None:
    """Fold the old database's WAL into it, then remove its -wal and -shm files.

    A -wal file left beside the new database would be replayed onto it. The old content is
    safe in the kept copy, and no bot runs (the caller holds the lock).
    """
    if database.exists():
        with suppress(sqlite3.Error), closing(sqlite3.connect(database)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
