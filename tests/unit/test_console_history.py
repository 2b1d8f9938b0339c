"""Undo: a version's change taken back out of the files as they are now."""

from __future__ import annotations

import pytest

from bot.console.history import diff, reverse
from bot.storage.console import FileChange

BEFORE = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n"
AFTER = "a: 1\nb: two\nc: 3\nd: 4\ne: 5\n"


def test_the_newest_version_is_restored_exactly() -> None:
    assert reverse(FileChange("x.yaml", BEFORE, AFTER), AFTER) == BEFORE


def test_a_later_change_to_other_lines_stays() -> None:
    later = AFTER.replace("e: 5", "e: five")
    assert reverse(FileChange("x.yaml", BEFORE, AFTER), later) == BEFORE.replace("e: 5",
                                                                                  "e: five")


def test_a_later_change_to_the_same_line_is_refused() -> None:
    with pytest.raises(ValueError):
        reverse(FileChange("x.yaml", BEFORE, AFTER), AFTER.replace("b: two", "b: zwei"))


def test_inserted_and_removed_lines() -> None:
    added = FileChange("x.yaml", BEFORE, BEFORE.replace("c: 3\n", "c: 3\nc2: x\n"))
    now = added.after.replace("a: 1", "a: one")  # type: ignore[union-attr]
    assert reverse(added, now) == BEFORE.replace("a: 1", "a: one")
    removed = FileChange("x.yaml", BEFORE, BEFORE.replace("d: 4\n", ""))
    now = removed.after.replace("a: 1", "a: one")  # type: ignore[union-attr]
    assert reverse(removed, now) == BEFORE.replace("a: 1", "a: one")


def test_created_and_deleted_files() -> None:
    assert reverse(FileChange("new.yaml", None, BEFORE), BEFORE) is None
    assert reverse(FileChange("old.yaml", BEFORE, None), None) == BEFORE
    with pytest.raises(ValueError):
        reverse(FileChange("new.yaml", None, BEFORE), AFTER)


def test_diff_lines_are_marked() -> None:
    kinds = [line.kind for line in diff(FileChange("x.yaml", BEFORE, AFTER))]
    assert kinds == ["hunk", "ctx", "del", "add", "ctx", "ctx"]
