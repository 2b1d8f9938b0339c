"""The character n-gram model: grams, training by counting, scoring."""

from __future__ import annotations

import numpy as np

from bot.understanding.ngrams import NgramModel, grams, posterior
from bot.understanding.text import match_tokens

DOCS = [
    ("wo melde ich meine wohnung an", 0),
    ("anmeldung termin bürgerservice", 0),
    ("wohnsitz anmelden", 0),
    ("wann ist der welcome day", 1),
    ("begrüßungstag für studierende", 1),
    ("welcome day datum", 1),
]


def model() -> NgramModel:
    return NgramModel([match_tokens(t) for t, _ in DOCS], [c for _, c in DOCS], 2)


def test_grams_are_padded_3_to_5_grams() -> None:
    assert grams("an") == [" an", "an ", " an "]
    assert " ki" in grams("kita") and "kita " in grams("kita") and " kita" in grams("kita")


def test_inflected_and_compound_words_find_their_class() -> None:
    m = model()
    for text, expected in [("anmeldungstermin", 0), ("wohnungsanmeldung", 0),
                           ("welcomeday", 1), ("studierenden begrüßung", 1)]:
        loglik = m.loglik(match_tokens(text))
        assert loglik is not None and int(np.argmax(loglik)) == expected, text


def test_nothing_known_gives_none() -> None:
    assert model().loglik(match_tokens("xyzzy qqq")) is None
    assert model().loglik(()) is None


def test_posterior_is_a_distribution_and_temperature_softens_it() -> None:
    loglik = np.array([3.0, 1.0])
    sharp, soft = posterior(loglik, 0.2), posterior(loglik, 2.0)
    assert np.isclose(sharp.sum(), 1.0) and np.isclose(soft.sum(), 1.0)
    assert sharp[0] > soft[0] > 0.5


def test_empty_training_set_builds() -> None:
    empty = NgramModel([], [], 3)
    assert empty.loglik(match_tokens("anmeldung")) is None


def test_the_model_is_the_same_however_it_is_cut(monkeypatch) -> None:
    """Chunks end where the entry changes, so every sum is made in the same order."""
    import bot.understanding.ngrams as ngrams

    whole = model()
    monkeypatch.setattr(ngrams, "CHUNK_GRAMS", 1)
    cut = model()
    sizes = cut._grams.sizes([match_tokens(t) for t, _ in DOCS])
    assert ngrams._chunks(sizes, [c for _, c in DOCS]) == [(0, 3), (3, 6)]
    for name in ("_classes", "_weights", "_indptr", "_lognorm", "_idf"):
        assert np.array_equal(getattr(whole, name), getattr(cut, name)), name
    for text in ("anmeldungstermin", "welcome", "xyzzy begrüßung"):
        assert np.array_equal(whole.loglik(match_tokens(text)), cut.loglik(match_tokens(text)))


def test_unknown_words_are_looked_up_by_their_grams() -> None:
    m = model()
    known = m.loglik(("anmeldung",))
    assert known is not None
    # a word seen in training and the same word unseen (a new spelling) share grams
    assert m.loglik(("anmeldungen",)) is not None
    assert m.loglik(("anmeldung", "qqqq")) is not None
    assert np.array_equal(m.loglik(("anmeldung",)), known)  # cached look-ups change nothing


def test_gram_counts_per_variant() -> None:
    m = model()
    docs = [match_tokens(t) for t, _ in DOCS]
    assert list(m._grams.sizes(docs)) == [sum(len(grams(w)) for w in d) for d in docs]
