"""The lean, shared loader of py3langid's model gives the same identifier as py3langid's own,
from the memory-mapped disk cache and without it."""

from __future__ import annotations

import os
import threading
import zipfile
from typing import Any

import pytest

from bot.understanding import diskcache, identifier
from bot.understanding.foreign import LATIN
from bot.understanding.language import SUPPORTED

TEXTS = ["wo melde ich meine wohnung an", "where is the welcome day", "як зробити Anmeldung",
         "как сделать Anmeldung", "أين مكتب الأجانب", "اداره اتباع خارجی کجاست",
         "yabancılar dairesi nerede", "où est le bureau des étrangers", "", "🎉", "12345"]


@pytest.fixture(scope="module")
def py3langids_own() -> Any:
    """py3langid's own loader (all languages; ``set_languages`` restricts it)."""
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def test_same_ranking_as_py3langid_with_less_memory(py3langids_own: Any) -> None:
    lean = identifier.load(SUPPORTED)
    own = py3langids_own
    own.set_languages(list(SUPPORTED))
    assert lean.nb_classes == own.nb_classes
    assert lean.nb_ptc.dtype == own.nb_ptc.dtype and lean.nb_ptc.shape == own.nb_ptc.shape
    assert lean._full_model[0].shape[1] == len(SUPPORTED)  # other languages are not kept
    for text in TEXTS:
        assert lean.rank(text) == own.rank(text), text


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model loaded in this process yet."""
    monkeypatch.setattr(identifier, "_model", [])


@pytest.mark.parametrize("cache", ["on", "off"])
def test_cached_or_not_every_identifier_ranks_like_py3langid_on_one_shared_automaton(
        cache: str, fresh: None, monkeypatch: pytest.MonkeyPatch, py3langids_own: Any) -> None:
    folder = diskcache.directory()  # the session's (tests/conftest.py): unpacked once
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / "langid-de-en.pickle"
    stale.write_bytes(b"an older version's model")
    if cache == "off":
        monkeypatch.setenv(diskcache.ENV, "off")
    supported, latin = identifier.load(SUPPORTED), identifier.load(LATIN)
    assert supported.tk_nextmove is latin.tk_nextmove  # loaded once, shared
    assert supported._rowbase is latin._rowbase
    assert (folder / "langid-model.arrays").is_file() or cache == "off"
    assert stale.is_file() == (cache == "off")  # removed when the cache is used
    # the feature table instead of the automaton (features.py); without the cache the
    # unpacked automaton is dropped once the table is derived
    assert type(supported).__name__ == "TableIdentifier"
    assert (len(supported.tk_nextmove) == 0) == (cache == "off")
    for langs, lean in ((SUPPORTED, supported), (LATIN, latin)):
        own = py3langids_own
        own.set_languages(list(langs))
        assert lean.nb_classes == own.nb_classes
        for text in [*TEXTS, "hola, necesito ayuda con el alquiler", "\ud800", "x" * 3000]:
            assert lean.rank(text) == own.rank(text), text


def test_without_the_cache_an_automaton_of_another_kind_is_kept_and_walked(
        fresh: None, monkeypatch: pytest.MonkeyPatch, py3langids_own: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ValueError("not an Aho-Corasick automaton")

    monkeypatch.setenv(diskcache.ENV, "off")
    monkeypatch.setattr(identifier.features, "derive", refuse)
    lean = identifier.load(SUPPORTED)
    assert type(lean).__name__ == "LanguageIdentifier" and len(lean.tk_nextmove) > 0
    own = py3langids_own
    own.set_languages(list(SUPPORTED))
    for text in TEXTS:
        assert lean.rank(text) == own.rank(text), text


def test_a_second_process_maps_the_stored_model_instead_of_unpacking_it(
        fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    first = identifier.load(("de", "en")).rank("wo ist das amt")
    monkeypatch.setattr(identifier, "_model", [])  # as in a new process

    def unpack(path):
        raise AssertionError("unpacked again")

    monkeypatch.setattr(identifier.npzfile, "unpacked", unpack)
    again = identifier.load(("de", "en"))
    assert again.rank("wo ist das amt") == first
    assert isinstance(again.tk_nextmove, memoryview)


def test_unknown_language_is_refused(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_this(*args, **kwargs):
        raise AssertionError("no fallback for a wrong language code")

    monkeypatch.setattr("py3langid.langid._load_identifier", not_this)
    with pytest.raises(ValueError, match="xx"):
        identifier.load(("de", "xx"))


def test_an_unexpected_model_layout_falls_back_to_py3langid(monkeypatch) -> None:
    def broken(langs=()):
        raise zipfile.BadZipFile("not a zip")

    monkeypatch.setattr(identifier, "shared", broken)
    found = identifier.load(("de", "en"))
    assert sorted(found.nb_classes) == ["de", "en"]


def test_preload_and_use_from_several_threads_load_once(monkeypatch) -> None:
    calls = []

    def fake(langs):
        calls.append(langs)
        return object()

    monkeypatch.setattr(identifier, "load", fake)
    monkeypatch.setattr(identifier, "_loading", {})
    identifier.preload(("de",))
    results = []
    threads = [threading.Thread(target=lambda: results.append(identifier.identifier(("de",))))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_a_failed_load_is_reported_to_every_caller(monkeypatch) -> None:
    def fail(langs):
        raise OSError("disk full")

    monkeypatch.setattr(identifier, "load", fail)
    monkeypatch.setattr(identifier, "_loading", {})
    for _ in range(2):
        with pytest.raises(OSError, match="disk full"):
            identifier.identifier(("de",))


def test_each_test_worker_has_a_cache_folder_of_its_own() -> None:
    folder = diskcache.directory()
    assert folder is not None and folder.name.startswith("welcome-bot-cache-tests-")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    assert folder.name.endswith(f"-{worker or 'main'}")
