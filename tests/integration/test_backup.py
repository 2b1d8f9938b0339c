"""Backups under load and restores, as an operator runs them next to a busy bot."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from bot import cli
from bot.conversation.messages import UserState
from bot.storage.backup import check_database
from bot.storage.sqlite import DB_NAME, SQLiteStorage
from tests.fakeapi import FakeBotAPI

pytestmark = pytest.mark.integration

WRITERS = 8
BACKUPS = 5


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Guard against a hang; the tests assert on data, never on time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def write_until(stop: threading.Event, storage: SQLiteStorage, writer: int,
                errors: list) -> None:
    """User i, then question i, in order, until told to stop."""
    try:
        number = 0
        while not stop.is_set():
            storage.set_user(f"{writer}:{number}", UserState("de", "student"))
            storage.record_question("de", f"w{writer}", "answer", str(number))
            number += 1
    except Exception as exc:  # reported by the test, not lost in a thread
        errors.append(exc)


@contextmanager
def writing(database: Path) -> Iterator[list]:
    """Many threads flood one storage, as the bot's handlers do."""
    storage = SQLiteStorage(database)
    stop, errors = threading.Event(), []
    threads = [threading.Thread(target=write_until, args=(stop, storage, k, errors))
               for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        yield errors
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        storage.close()


def questions(database: Path) -> int:
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
        return db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]


def assert_consistent_prefix(database: Path) -> int:
    """Every writer's rows are 0..n-1 with no gap, and its users run at most one ahead."""
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
        total = 0
        for k in range(WRITERS):
            asked = sorted(int(r[0]) for r in db.execute(
                "SELECT entry FROM questions WHERE grp=?", (f"w{k}",)))
            users = sorted(int(r[0].split(":")[1]) for r in db.execute(
                "SELECT user FROM users WHERE user LIKE ?", (f"{k}:%",)))
            assert asked == list(range(len(asked))), f"writer {k}: questions have a gap"
            assert users == list(range(len(users))), f"writer {k}: users have a gap"
            assert len(asked) <= len(users) <= len(asked) + 1
            total += len(asked)
        return total


def test_backups_while_many_writers_write_are_consistent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = data / DB_NAME
    taken: list[tuple[Path, int]] = []
    with writing(database) as errors:
        for n in range(BACKUPS):
            seen = taken[-1][1] if taken else 0
            wait_for(lambda seen=seen: questions(database) > seen + 50, "new rows")
            target = tmp_path / f"backup-{n}.sqlite3"
            assert cli.main(["backup", str(target), "--data-dir", str(data)],
                            out=io.StringIO()) == 0
            assert check_database(target).rows["questions"] == assert_consistent_prefix(target)
            taken.append((target, assert_consistent_prefix(target)))
        last = taken[-1][1]
        wait_for(lambda: questions(database) > last, "writes after the last backup")
    assert not errors, errors
    counts = [count for _path, count in taken]
    assert counts == sorted(counts) and counts[0] > 0
    assert assert_consistent_prefix(database) > last  # the writers went on during the backups

    restored = tmp_path / "restored"  # a stopped bot's (here: new) data directory
    out = io.StringIO()
    assert cli.main(["restore", str(taken[-1][0]), "--data-dir", str(restored)], out=out) == 0
    assert assert_consistent_prefix(restored / DB_NAME) == last
    storage = SQLiteStorage(restored / DB_NAME)
    assert sum(row[-1] for row in storage.question_counts("2000-01-01")) == last
    assert storage.get_user("0:0") == UserState("de", "student")
    storage.close()


async def test_real_bot_backup_while_answering_and_restore_after_stop(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("WELCOME_BOT_")},
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "WELCOME_BOT_DATA_DIR": str(data)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    users = range(5000, 5030)
    try:
        fake.push_message(4999, "Anmeldung", language_code="de")
        await fake.wait_for_sent(4999, 1, timeout=30)
        for round_ in range(4):
            for user in users:
                fake.push_message(user, ("Anmeldung", "German course", "bus ticket",
                                         "Wohnung")[round_], language_code="en")
        # The reply may reach the user before its question row is committed: wait for
        # the row, so the backup taken next has something to show.
        deadline = time.monotonic() + 30
        while check_database(data / DB_NAME).rows.get("questions", 0) < 1:
            assert time.monotonic() < deadline, "no question recorded within 30 s"
            await asyncio.sleep(0.05)
        backup = tmp_path / "during.sqlite3"
        assert cli.main(["backup", str(backup), "--data-dir", str(data)],
                        out=io.StringIO()) == 0
        assert check_database(backup).rows["questions"] >= 1

        refused = cli.main(["restore", str(backup), "--data-dir", str(data)],
                           out=io.StringIO())
        assert refused == 2
        assert not [p for p in data.iterdir() if "restore" in p.name]

        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output = (await asyncio.wait_for(second.communicate(), timeout=60))[0].decode()
        assert second.returncode == 2 and "is running with the data directory" in output

        for user in users:
            await fake.wait_for_sent(user, 4, timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(proc.communicate(), timeout=30))[0].decode()
    assert proc.returncode == 0, output
    answered = check_database(data / DB_NAME).rows["questions"]
    assert answered >= 1 + 4 * len(users)

    out = io.StringIO()
    assert cli.main(["restore", str(backup), "--data-dir", str(data)], out=out) == 0
    restored = check_database(data / DB_NAME).rows
    assert restored == check_database(backup).rows and restored["questions"] < answered
    kept = [p for p in data.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and check_database(kept[0]).rows["questions"] == answered
