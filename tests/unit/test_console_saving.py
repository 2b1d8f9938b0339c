"""The console's saving core: all or nothing, one writer at a time, a version per save."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.console import saving
from bot.console.context import Console, standalone
from bot.conversation.snapshot import Snapshot
from bot.i18n import default_translator
from bot.knowledge.loader import load
from bot.knowledge.model import Problem
from bot.storage.sqlite import SQLiteStorage
from tests.conftest import PROJECT_KB

FILE = "entries/registration.yaml"


@pytest.fixture(autouse=True)
def check_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Units check saves in a thread (a child process costs a Python start per save);
    the child process itself is tested below, as an integration test."""
    monkeypatch.setattr(saving, "CHECK_IN_CHILD", False)


@pytest.fixture
def console(kb_copy: Path, storage: SQLiteStorage) -> Console:
    return standalone(kb_copy, storage, default_translator(), "http://127.0.0.1:1",
                      Snapshot.build(load(kb_copy)))


def edited(console: Console, old: str, new: str, name: str = FILE) -> str:
    text = (console.knowledge_dir / name).read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def english_answer(console: Console) -> str:
    return console.get().kb.entries["registration"].texts["en"].answer


async def test_good_save_changes_files_snapshot_versions_and_audit(console: Console) -> None:
    old_answer = english_answer(console)
    before = (console.knowledge_dir / FILE).read_text(encoding="utf-8")
    text = edited(console, old_answer, "Register at the Bürgerservice, Löbdergraben 12.")
    result = await saving.save(console, "4711", {FILE: text}, "registration en")
    assert result.ok and result.version == 1 and not result.problems
    assert (console.knowledge_dir / FILE).read_text(encoding="utf-8") == text
    assert english_answer(console) == "Register at the Bürgerservice, Löbdergraben 12."
    assert console.get().kb.directory == str(console.knowledge_dir)
    version = console.storage.console.version(1)
    assert version is not None and version.staff == "4711"
    assert version.files[0].path == FILE
    assert (version.files[0].before, version.files[0].after) == (before, text)
    assert ("4711", "console-save") in [(row[1], row[2]) for row in
                                        console.storage.audit_log()]


async def test_broken_change_leaves_files_snapshot_and_versions(console: Console) -> None:
    before = (console.knowledge_dir / FILE).read_bytes()
    snapshot = console.get()
    text = edited(console, "title: Registering your address", "title: ''")

    def locate(problem: Problem) -> str:
        return "title" if "'title'" in problem.message else ""

    result = await saving.save(console, "4711", {FILE: text}, "break it", locate=locate)
    assert not result.ok and result.version is None
    assert result.problems == {"title": ["'title' is empty"]}
    assert (console.knowledge_dir / FILE).read_bytes() == before
    assert console.get() is snapshot
    assert console.storage.console.versions() == []


async def test_bad_yaml_is_reported_at_the_top(console: Console) -> None:
    before = (console.knowledge_dir / FILE).read_bytes()
    result = await saving.save(console, "4711", {FILE: "id: [unclosed\n"}, "bad")
    assert not result.ok and "not valid YAML" in result.problems[""][0]
    assert (console.knowledge_dir / FILE).read_bytes() == before


@pytest.mark.parametrize("path", ["../outside.yaml", "/etc/passwd.yaml", "entries/x.txt",
                                  "entries/../../x.yaml", ".hidden.yaml", ""])
async def test_paths_outside_the_folder_are_refused(console: Console, path: str) -> None:
    result = await saving.save(console, "4711", {path: "id: x\n"}, "escape")
    assert not result.ok and "inside the knowledge folder" in result.problems[""][0]
    assert console.storage.console.versions() == []


async def test_unchanged_text_makes_no_version(console: Console) -> None:
    text = (console.knowledge_dir / FILE).read_text(encoding="utf-8")
    result = await saving.save(console, "4711", {FILE: text}, "nothing")
    assert result.ok and result.version is None
    assert console.storage.console.versions() == []


async def test_concurrent_saves_serialise(console: Console) -> None:
    """The second save starts from the first one's result: its 'before' is the first's
    'after', and both changes end up in the file."""
    first = edited(console, "title: Registering your address", "title: Registration (1)")
    second = edited(console, "title: Registering your address", "title: Registration (2)")
    results = await asyncio.gather(
        saving.save(console, "a", {FILE: first}, "one"),
        saving.save(console, "b", {FILE: second}, "two"))
    assert [r.version for r in results] == [1, 2]
    one, two = console.storage.console.version(1), console.storage.console.version(2)
    assert one is not None and two is not None
    assert two.files[0].before == one.files[0].after == first
    assert (console.knowledge_dir / FILE).read_text(encoding="utf-8") == second
    assert console.get().kb.entries["registration"].texts["en"].title == "Registration (2)"


async def test_the_event_loop_stays_free_during_a_save(console: Console) -> None:
    """Validation and the index run in threads: other tasks (the bot's replies) run."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    text = edited(console, "title: Registering your address", "title: Registering")
    result = await saving.save(console, "4711", {FILE: text}, "loop")
    done.set()
    await task
    assert result.ok and ticks > 3


async def test_a_failed_write_puts_back_every_file(console: Console,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    other = "contacts.yaml"
    originals = {n: (console.knowledge_dir / n).read_bytes() for n in (FILE, other)}
    changes = {FILE: edited(console, "title: Registering your address", "title: Registered"),
               other: (console.knowledge_dir / other).read_text(encoding="utf-8") + "\n# x\n"}
    real = saving._replace
    calls = []

    def failing(path: Path, text: str | None) -> None:
        calls.append(path.name)
        if path.name == other and len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(saving, "_replace", failing)
    snapshot = console.get()
    result = await saving.save(console, "4711", changes, "disk full")
    assert not result.ok and "No space left" in result.problems[""][0]
    assert {n: (console.knowledge_dir / n).read_bytes() for n in originals} == originals
    assert console.get() is snapshot and console.storage.console.versions() == []


async def test_a_new_file_and_its_deletion(console: Console) -> None:
    text = (console.knowledge_dir / FILE).read_text(encoding="utf-8")
    copy = text.replace("id: registration", "id: registration-two", 1)
    added = await saving.save(console, "4711", {"entries/registration-two.yaml": copy}, "add")
    assert added.ok and "registration-two" in console.get().kb.entries
    removed = await saving.save(console, "4711", {"entries/registration-two.yaml": None},
                                "remove")
    assert removed.ok and "registration-two" not in console.get().kb.entries
    assert not (console.knowledge_dir / "entries/registration-two.yaml").exists()
    version = console.storage.console.version(removed.version or 0)
    assert version is not None and version.files[0].after is None


@pytest.mark.integration  # every shipped file: seconds
def test_roundtrip_keeps_the_shipped_files_byte_for_byte() -> None:
    files = sorted(PROJECT_KB.rglob("*.yaml"))
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        yaml = saving.yaml_roundtrip(text)
        assert saving.dump(yaml, yaml.load(text)) == text, path


@pytest.mark.integration  # starts Python
async def test_the_check_runs_in_a_child_process(console: Console,
                                                 caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saving, "CHECK_IN_CHILD", True)
    text = edited(console, "title: Registering your address", "title: Checked elsewhere")
    result = await saving.save(console, "4711", {FILE: text}, "child")
    assert result.ok and "checking process failed" not in caplog.text


@pytest.mark.integration  # tries to start Python
async def test_without_the_child_process_the_check_runs_in_a_thread(
        console: Console, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(saving, "CHECK_IN_CHILD", True)
    monkeypatch.setattr(saving.sys, "executable", "/nonexistent/python")
    text = edited(console, "title: Registering your address", "title: Checked here")
    broken = edited(console, "title: Registering your address", "title: ''")
    assert not (await saving.save(console, "4711", {FILE: broken}, "broken")).ok
    result = await saving.save(console, "4711", {FILE: text}, "thread")
    assert result.ok and english_answer(console) and "checking process failed" in caplog.text
    assert console.get().kb.entries["registration"].texts["en"].title == "Checked here"


async def test_a_change_made_from_an_older_text_is_refused(console: Console) -> None:
    """Two staff members edit the same file: the second save was computed from the text
    before the first one landed, so it must not overwrite it."""
    original = (console.knowledge_dir / FILE).read_text(encoding="utf-8")
    first = edited(console, "title: Registering your address", "title: Registration (1)")
    assert (await saving.save(console, "4711", {FILE: first}, "first",
                              based_on={FILE: original})).ok
    second = original.replace("title: Registering your address", "title: Registration (2)")
    result = await saving.save(console, "4712", {FILE: second}, "second",
                               based_on={FILE: original})
    assert not result.ok and "by someone else meanwhile" in result.problems[""][0]
    assert (console.knowledge_dir / FILE).read_text(encoding="utf-8") == first
    assert len(console.storage.console.versions()) == 1
