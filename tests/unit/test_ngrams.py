"""The character n-gram model: grams, training by counting, scoring."""

from __future__ import annotations

import numpy as np

from bot.understanding.ngrams import Docs, NgramModel, grams, posterior
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
    return NgramModel(Docs.of([match_tokens(t) for t, _ in DOCS], [c for _, c in DOCS]), 2)


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
    empty = NgramModel(Docs.of([], []), 3)
    assert empty.loglik(match_tokens("anmeldung")) is None


def test_the_model_is_the_same_however_it_is_cut(monkeypatch) -> None:
    """Chunks end where the entry changes, so every sum is made in the same order."""
    import bot.understanding.ngrams as ngrams

    whole = model()
    monkeypatch.setattr(ngrams, "CHUNK_GRAMS", 1)
    cut = model()
    docs = Docs.of([match_tokens(t) for t, _ in DOCS], [c for _, c in DOCS])
    assert list(ngrams._chunks(docs, cut._grams)) == [(0, 3, 0, 1), (3, 6, 1, 1)]
    monkeypatch.setattr(ngrams, "CHUNK_GRAMS", 10**9)
    monkeypatch.setattr(ngrams, "CHUNK_CELLS", 1)  # the scratch limit cuts as well
    assert list(ngrams._chunks(docs, cut._grams)) == [(0, 3, 0, 1), (3, 6, 1, 1)]
    for name in ("_classes", "_weights", "_indptr", "_lognorm", "_idf"):
        assert np.array_equal(getattr(whole, name), getattr(cut, name)), name
    for text in ("anmeldungstermin", "welcome", "xyzzy begrüßung"):
        assert np.array_equal(whole.loglik(match_tokens(text)), cut.loglik(match_tokens(text)))


def test_the_order_of_the_classes_variants_does_not_matter() -> None:
    """Variants of one class need not be consecutive: they are grouped, in their order."""
    mixed = [DOCS[i] for i in (0, 3, 1, 4, 2, 5)]
    shuffled = NgramModel(Docs.of([match_tokens(t) for t, _ in mixed],
                                  [c for _, c in mixed]), 2)
    for text in ("anmeldungstermin", "welcome", "xyzzy begrüßung"):
        assert np.allclose(shuffled.loglik(match_tokens(text)),
                           model().loglik(match_tokens(text)))


def test_many_classes_and_classes_without_variants() -> None:
    """Class numbers beyond 16 bits, and classes nothing is trained on, score as usual."""
    docs = Docs.of([("anmeldung", "termin"), ("welcome", "day")], [3, 70_000])
    m = NgramModel(docs, 70_001)
    loglik = m.loglik(("anmeldung",))
    assert loglik is not None and len(loglik) == 70_001 and int(np.argmax(loglik)) == 3
    assert int(np.argmax(m.loglik(("welcomeday",)))) == 70_000


def test_unknown_words_are_looked_up_by_their_grams() -> None:
    m = model()
    known = m.loglik(("anmeldung",))
    assert known is not None
    # a word seen in training and the same word unseen (a new spelling) share grams
    assert m.loglik(("anmeldungen",)) is not None
    assert m.loglik(("anmeldung", "qqqq")) is not None
    assert np.array_equal(m.loglik(("anmeldung",)), known)  # cached look-ups change nothing


def test_gram_counts_per_variant() -> None:
    """Every gram of every word is counted once per occurrence, repeated grams included."""
    import bot.understanding.ngrams as ngrams

    texts = [match_tokens(t) for t, _ in DOCS] + [("anan", "anan", "an")]
    docs = Docs.of(texts, [0] * len(texts)).in_first_sight_order()
    pairs = ngrams._Pairs(docs, NgramModel(docs, 1)._grams, 0, len(texts))
    doc = np.repeat(np.arange(len(texts)), pairs.per_doc)
    per_doc = np.bincount(doc, weights=pairs.counts)
    assert per_doc.tolist() == [sum(len(grams(w)) for w in d) for d in texts]
    assert max(pairs.counts[doc == len(texts) - 1]) == 3  # " an": in every word of the last


def test_counts_beyond_a_byte_and_pairs_counted_again(monkeypatch) -> None:
    """A word repeated hundreds of times is counted right, and the model is the same
    whether the first pass's counts are kept or counted again."""
    import bot.understanding.ngrams as ngrams

    texts = [("anmeldung",) * 300 + ("termin",), ("welcome", "day")]
    kept = NgramModel(Docs.of(texts, [0, 1]), 2)
    monkeypatch.setattr(ngrams, "KEEP_BYTES", 0)
    again = NgramModel(Docs.of(texts, [0, 1]), 2)
    for name in ("_classes", "_weights", "_indptr", "_lognorm", "_idf"):
        assert np.array_equal(getattr(kept, name), getattr(again, name)), name
    pairs = ngrams._Pairs(Docs.of(texts, [0, 1]), kept._grams, 0, 1)
    assert pairs.counts.max() == 300
