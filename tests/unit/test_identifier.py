"""The lean loader of py3langid's model gives the same identifier as py3langid's own."""

from __future__ import annotations

import threading
import zipfile

import pytest

from bot.understanding import identifier
from bot.understanding.language import SUPPORTED

TEXTS = ["wo melde ich meine wohnung an", "where is the welcome day", "як зробити Anmeldung",
         "как сделать Anmeldung", "أين مكتب الأجانب", "اداره اتباع خارجی کجاست",
         "yabancılar dairesi nerede", "où est le bureau des étrangers", "", "🎉", "12345"]


def test_same_ranking_as_py3langid_with_less_memory() -> None:
    from py3langid.langid import _load_identifier

    lean = identifier.load(SUPPORTED)
    own = _load_identifier(norm_probs=True, langs=list(SUPPORTED))
    assert lean.nb_classes == own.nb_classes
    assert lean.nb_ptc.dtype == own.nb_ptc.dtype and lean.nb_ptc.shape == own.nb_ptc.shape
    assert lean._full_model[0].shape[1] == len(SUPPORTED)  # other languages are not kept
    for text in TEXTS:
        assert lean.rank(text) == own.rank(text), text


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="xx"):
        identifier.load(("de", "xx"))


def test_an_unexpected_model_layout_falls_back_to_py3langid(monkeypatch) -> None:
    def broken(langid, langs):
        raise zipfile.BadZipFile("not a zip")

    monkeypatch.setattr(identifier, "_load_lean", broken)
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
