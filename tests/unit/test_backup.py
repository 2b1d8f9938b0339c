"""Backups and restores of the database: every bad input gets a clear error, nothing changes."""

from __future__ import annotations

import io
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot import cli
from bot.conversation.messages import UserState
from bot.errors import StorageError
from bot.storage import backup as backups
from bot.storage.backup import check_database, run_lock
from bot.storage.sqlite import DB_NAME, SCHEMA_VERSION, SQLiteStorage


def fill(data_dir: Path, users: int = 3, questions: int = 5) -> Path:
    """A data directory whose database holds a few users and questions."""
    storage = SQLiteStorage(data_dir / DB_NAME)
    with storage.transaction():  # one commit: thousands of rows in a fraction of a second
        for n in range(users):
            storage.set_user(str(n), UserState("de", "student"))
        for n in range(questions):
            storage.record_question("en", None, "answer", f"entry-{n}")
    storage.close()
    return data_dir / DB_NAME


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` and its bytes, to show that nothing changed."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def run_cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(args, out=out), out.getvalue()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    fill(folder)
    return folder


@pytest.fixture
def good_backup(data: Path, tmp_path: Path) -> Path:
    target = tmp_path / "good.sqlite3"
    backups.backup(data, target)
    return target


def test_backup_writes_a_checked_single_file_copy(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    info = backups.backup(data, target)
    assert info.path == target and info.schema == SCHEMA_VERSION
    assert info.rows["users"] == 3 and info.rows["questions"] == 5
    assert check_database(target).rows == info.rows
    assert not Path(f"{target}-wal").exists()  # self-contained: journal mode DELETE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]


def test_backup_includes_what_is_still_in_the_wal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    storage = SQLiteStorage(data / DB_NAME)  # stays open: the rows sit in the -wal file
    storage.set_user("7", UserState("uk", None))
    info = backups.backup(data, tmp_path / "b.sqlite3")
    storage.close()
    assert info.rows["users"] == 1


def test_backup_without_a_database_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"no database at .*--data-dir"):
        backups.backup(tmp_path / "empty", tmp_path / "b.sqlite3")
    assert not (tmp_path / "b.sqlite3").exists()


def test_backup_refuses_to_overwrite_without_force(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.sqlite3"
    target.write_text("keep me")
    with pytest.raises(StorageError, match="already exists; give --force"):
        backups.backup(data, target)
    assert target.read_text() == "keep me"
    backups.backup(data, target, force=True)
    assert check_database(target).rows["users"] == 3


@pytest.mark.parametrize(("name", "message"), [
    ("missing/b.sqlite3", "does not exist"),
    (".", "is a folder"),
])
def test_backup_to_a_bad_place(data: Path, tmp_path: Path, name: str, message: str) -> None:
    before = snapshot(tmp_path)
    with pytest.raises(StorageError, match=message):
        backups.backup(data, tmp_path / name)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_backup_never_overwrites_the_database_itself(data: Path, suffix: str) -> None:
    before = snapshot(data)
    with pytest.raises(StorageError, match="the database itself"):
        backups.backup(data, data / f"{DB_NAME}{suffix}", force=True)
    assert snapshot(data) == before


def test_backup_of_a_database_that_is_not_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_text("not a database, just text " * 100)
    with pytest.raises(StorageError, match="not a usable SQLite database"):
        backups.backup(data, tmp_path / "b.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no temporary file left
    assert sorted(p.name for p in data.iterdir()) == [DB_NAME]


def test_restore_into_a_new_data_dir_reads_back(good_backup: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    info, kept = backups.restore(good_backup, fresh)
    assert kept is None and info.path == fresh / DB_NAME
    storage = SQLiteStorage(fresh / DB_NAME)
    assert storage.get_user("2") == UserState("de", "student")
    assert sum(row[-1] for row in storage.question_counts("2000-01-01")) == 5
    storage.close()


def test_restore_keeps_the_replaced_database_and_drops_its_stale_wal(
        good_backup: Path, tmp_path: Path) -> None:
    # A bot that died: its database with rows still only in the -wal file.
    live = tmp_path / "live"
    storage = SQLiteStorage(live / DB_NAME)
    storage.set_user("late", UserState("ar", None))
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{live / DB_NAME}{suffix}", f"{crashed / DB_NAME}{suffix}")
    storage.close()
    info, kept = backups.restore(good_backup, crashed)
    assert not Path(f"{crashed / DB_NAME}-wal").exists()
    assert info.rows["users"] == 3
    assert kept is not None and check_database(kept).rows["users"] == 1  # 'late' is kept
    restored = SQLiteStorage(crashed / DB_NAME)
    assert restored.get_user("late") == UserState() and restored.get_user("0").lang == "de"
    restored.close()


def corrupt(path: Path) -> None:
    """Overwrite the middle of the file: pages of the tables, not the header."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xff" * 4096)


@pytest.fixture(scope="module")
def big_backup_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a filled database, made once for the module (filling it takes seconds)."""
    folder = tmp_path_factory.mktemp("big")
    fill(folder / "bigdata", users=2000, questions=2000)
    target = folder / "big.sqlite3"
    backups.backup(folder / "bigdata", target)
    return target


@pytest.fixture
def big_backup(big_backup_once: Path, tmp_path: Path) -> Path:
    """This test's own copy of it, to spoil."""
    return Path(shutil.copy(big_backup_once, tmp_path / "big.sqlite3"))


def newer_schema(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION + 1),))
        db.commit()


def other_database(path: Path) -> None:
    path.unlink()
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.commit()


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda p: p.unlink(), "does not exist"),
    (lambda p: p.write_text("hello\n" * 500), "not a usable SQLite database"),
    (lambda p: p.write_bytes(b""), "not a welcome-bot database"),
    # which message depends on the page hit: the integrity check lists the damage, or
    # SQLite stops at a broken b-tree page before it can
    (corrupt, r"is damaged \(integrity check: |not a usable SQLite database: database disk"),
    (newer_schema, rf"newer welcome-bot \(schema {SCHEMA_VERSION + 1}.*update the bot"),
    (other_database, "not a welcome-bot database"),
])
def test_restore_refuses_a_bad_file_and_changes_nothing(
        big_backup: Path, data: Path, spoil, message: str) -> None:
    spoil(big_backup)
    before = snapshot(data)
    code, _out = run_cli(["restore", str(big_backup), "--data-dir", str(data)])
    assert code == 2
    with pytest.raises(StorageError, match=message):
        backups.restore(big_backup, data)
    assert snapshot(data) == before


def test_restore_of_a_folder(data: Path, tmp_path: Path) -> None:
    before = snapshot(data)
    with pytest.raises(StorageError, match="is not a file"):
        backups.restore(tmp_path, data)
    assert snapshot(data) == before


def test_restore_refuses_while_the_bot_runs(good_backup: Path, data: Path) -> None:
    with run_lock(data):  # what 'welcome-bot run' holds
        before = snapshot(data)
        with pytest.raises(StorageError, match=r"is running with the data directory .*stop it"):
            backups.restore(good_backup, data)
        code, _out = run_cli(["restore", str(good_backup), "--data-dir", str(data)])
        assert code == 2
    assert snapshot(data) == before
    backups.restore(good_backup, data)  # once it stopped, the restore goes through


def test_run_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with (run_lock(tmp_path / "d"), pytest.raises(StorageError, match="running"),
          run_lock(tmp_path / "d")):
        pass
    with run_lock(tmp_path / "d"):
        pass


def test_cli_backup_and_restore(data: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "cli.sqlite3"
    code, out = run_cli(["backup", str(target), "--data-dir", str(data)])
    assert code == 0 and "integrity check: ok" in out and "3 users" in out
    code, _out = run_cli(["backup", str(target), "--data-dir", str(data)])
    assert code == 2 and "--force" in capsys.readouterr().err
    code, out = run_cli(["backup", "--force", str(target), "--data-dir", str(data)])
    assert code == 0
    code, out = run_cli(["restore", str(target), "--data-dir", str(data)])
    assert code == 0 and "kept as" in out and "welcome-bot run" in out


def test_cli_backup_uses_the_data_dir_variable(data: Path, tmp_path: Path,
                                               monkeypatch) -> None:
    monkeypatch.setenv("WELCOME_BOT_DATA_DIR", str(data))
    code, _out = run_cli(["backup", str(tmp_path / "env.sqlite3")])
    assert code == 0 and check_database(tmp_path / "env.sqlite3").rows["users"] == 3
