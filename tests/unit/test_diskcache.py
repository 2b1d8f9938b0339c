"""The disk cache of built models: same answers, rebuilt on any change, never in the way."""

from __future__ import annotations

import os
import pickle
from array import array
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding import diskcache
from bot.understanding.matching import Index


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "cache"
    monkeypatch.setenv(diskcache.ENV, str(target))
    return target


class Built:
    def __init__(self, value: int) -> None:
        self.value = value


def counting(value: int, calls: list[int]) -> Callable[[], Built]:
    def build() -> Built:
        calls.append(value)
        return Built(value)
    return build


def test_a_second_start_reads_instead_of_building(folder: Path) -> None:
    calls: list[int] = []
    assert diskcache.cached("item", "k1", counting(1, calls), Built).value == 1
    assert diskcache.cached("item", "k1", counting(2, calls), Built).value == 1
    assert calls == [1]
    assert (folder / "item.pickle").is_file()


def test_another_key_builds_anew(folder: Path) -> None:
    calls: list[int] = []
    diskcache.cached("item", "k1", counting(1, calls), Built)
    assert diskcache.cached("item", "k2", counting(2, calls), Built).value == 2
    assert calls == [1, 2]


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(("other", "k1", 1)),
                                     pickle.dumps((diskcache.FORMAT, "k1", "not Built"))])
def test_a_damaged_or_foreign_file_is_rebuilt(folder: Path, content: bytes) -> None:
    folder.mkdir()
    (folder / "item.pickle").write_bytes(content)
    calls: list[int] = []
    assert diskcache.cached("item", "k1", counting(3, calls), Built).value == 3
    assert calls == [3]


def test_an_unwritable_folder_only_costs_time(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv(diskcache.ENV, str(blocker / "cache"))
    calls: list[int] = []
    assert diskcache.cached("item", "k", counting(4, calls), Built).value == 4
    assert diskcache.cached("item", "k", counting(5, calls), Built).value == 5
    assert calls == [4, 5]


def test_off_switches_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert diskcache.directory() is None
    calls: list[int] = []
    diskcache.cached("item", "k", counting(6, calls), Built)
    assert calls == [6] and list(tmp_path.iterdir()) == []


def test_a_key_given_as_a_function_is_computed_only_when_the_cache_is_on(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list[str] = []

    def key() -> str:
        keys.append("k")
        return "k"

    calls: list[int] = []
    assert diskcache.cached("item", key, counting(7, calls), Built).value == 7
    assert diskcache.cached("item", key, counting(8, calls), Built).value == 7
    monkeypatch.setenv(diskcache.ENV, "off")
    assert diskcache.cached("item", key, counting(9, calls), Built).value == 9
    assert calls == [7, 9] and keys == ["k", "k"]


def test_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(diskcache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert diskcache.directory() == tmp_path / "jena-welcome-bot"


def test_stdlib_arrays_survive(folder: Path) -> None:
    items = array("I", range(100_000))
    back = diskcache.cached("arr", "k", lambda: items, array)
    again = diskcache.cached("arr", "k", lambda: array("I"), array)
    assert back == items and again == items and again.typecode == "I"


def test_keys_change_with_any_part() -> None:
    assert diskcache.key_of(["a", "b"]) != diskcache.key_of(["ab"])
    assert diskcache.key_of(["a"]) == diskcache.key_of(["a"])
    assert diskcache.key_of(["\ud800"])  # a lone surrogate in a question does not break it


def test_a_cached_index_answers_exactly_like_a_built_one(folder: Path,
                                                         small_kb: KnowledgeBase) -> None:
    questions = ["wo melde ich meine wohnung an", "notruf nummer", "wetter morgen",
                 "коли welcome day", "xyz"]
    built = Index(small_kb)
    first = Index.cached(small_kb)  # built and stored
    second = Index.cached(small_kb)  # read from disk
    assert "index.pickle" in os.listdir(folder)
    assert second.kb is small_kb
    for question in questions:
        assert built.match(question) == first.match(question) == second.match(question)


def test_a_changed_knowledge_base_is_never_served_from_the_cache(
        folder: Path, small_kb: KnowledgeBase) -> None:
    from dataclasses import replace
    from types import MappingProxyType

    Index.cached(small_kb)
    entry = small_kb.entries["registration"]
    text = entry.texts["de"]
    changed = replace(entry, texts=MappingProxyType({
        **entry.texts, "de": replace(text, questions=(*text.questions, "zulassungsstelle"))}))
    kb = replace(small_kb, entries=MappingProxyType({**small_kb.entries,
                                                     "registration": changed}))
    assert Index.cached(kb).match("zulassungsstelle").entry == "registration"


def fill_with(values: np.ndarray, calls: list[int]) -> Callable[[diskcache.ArrayWriter], dict]:
    def fill(out: diskcache.ArrayWriter) -> dict:
        calls.append(1)
        out.add("values", values.dtype, values.shape, [values.tobytes()[:5],
                                                        values.tobytes()[5:]])
        out.add("small", np.dtype("<i4"), (1,), [b"\x07\0\0\0"])
        return {"names": ["a", "b"]}
    return fill


def test_stored_arrays_are_mapped_read_only_and_read_instead_of_built(folder: Path) -> None:
    values = np.arange(30_000, dtype=np.float16).reshape(10_000, 3)
    calls: list[int] = []
    first = diskcache.mapped("arrays", "k1", fill_with(values, calls))
    second = diskcache.mapped("arrays", "k1", fill_with(values, calls))
    assert first is not None and second is not None and calls == [1]
    assert np.array_equal(second.array("values"), values) and second.meta == {"names": ["a", "b"]}
    assert list(second.view("small")) == [7]
    with pytest.raises(ValueError, match="values"):
        second.view("values")  # 2-D floats
    assert not second.array("values").flags.writeable
    second.release("values", 100)  # pages dropped: read again from the file when touched
    second.release("values")
    assert np.array_equal(second.array("values"), values)
    assert diskcache.mapped("arrays", "k2", fill_with(values, calls)) is not None
    assert calls == [1, 1]
    assert [p.name for p in folder.iterdir()] == ["arrays.arrays"]


@pytest.mark.parametrize("damage", [
    lambda data: b"",
    lambda data: b"garbage" * 1000,
    lambda data: data[:100],  # the header cut off
    lambda data: data[: len(data) // 2],  # the arrays cut off
    lambda data: data.replace(b'"offset": ', b'"offset": 1', 1),  # not at a page boundary
    lambda data: data.replace(b'"format"', b'"formet"', 1),
])
def test_a_damaged_arrays_file_is_rebuilt(folder: Path, damage: Callable[[bytes], bytes]) -> None:
    values = np.arange(50_000, dtype=np.uint32)
    calls: list[int] = []
    diskcache.mapped("arrays", "k", fill_with(values, calls))
    path = folder / "arrays.arrays"
    path.write_bytes(damage(path.read_bytes()))
    again = diskcache.mapped("arrays", "k", fill_with(values, calls))
    assert calls == [1, 1] and again is not None
    assert np.array_equal(again.array("values"), values)


def test_arrays_are_not_stored_when_off_or_unwritable(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    values = np.zeros(3, dtype=np.uint8)
    monkeypatch.setenv(diskcache.ENV, "off")
    assert diskcache.mapped("arrays", "k", fill_with(values, calls)) is None
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv(diskcache.ENV, str(blocker / "cache"))
    assert diskcache.mapped("arrays", "k", fill_with(values, calls)) is None
    assert calls == []


def test_a_failing_fill_leaves_nothing_behind(folder: Path) -> None:
    def fill(out: diskcache.ArrayWriter) -> dict:
        out.add("values", np.dtype("<u4"), (4,), [b"\0" * 8])  # 8 bytes for 16
        return {}

    with pytest.raises(ValueError, match="values"):
        diskcache.mapped("arrays", "k", fill)
    assert list(folder.iterdir()) == []
