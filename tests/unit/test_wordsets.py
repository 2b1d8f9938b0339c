"""The batched token_set_ratio (wordsets.py), the fuzzy word look-up by length and the
emergency trie give exactly what the plain rapidfuzz calls and the plain pattern give."""

from __future__ import annotations

import re

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from bot.conversation.snapshot import Snapshot
from bot.understanding import emergency
from bot.understanding.matching import Index
from bot.understanding.text import normalize
from bot.understanding.wordsets import WordSets

TEXTS = [
    "wo kann ich mich anmelden", "anmeldung wohnung", "burgerservice der jena stadt",
    "arbeit deutschkenntnisse finden gute ohne", "квартири оренда", "اذن عمل", "daf", "dsh",
    "benachteiligung", "jena stadtwerke", "ich", "a b c d e f g", "krankenkasse",
]
QUERIES = [
    "wo melde ich mich an", "der vermieter hat mir noch keine wohnungsgeberbestatigung gegeben",
    "gibt es kostenlose sprachcafes oder gesprachsgruppen wo man deutsch uben kann",
    "anmeldung", "ich ich ich", "оренда квартири в єні", "عمل", "x", "g f e d c b a z",
    "krankenkase", "jena",
]


def _sets(texts: list[str]) -> list[str]:
    return [" ".join(sorted(set(t.split()))) for t in texts]


def _words(sets: list[str]) -> WordSets:
    vocab = sorted({w for t in sets for w in t.split()})
    return WordSets(sets, {w: n for n, w in enumerate(vocab)})


@pytest.mark.parametrize("query", QUERIES)
def test_scores_are_rapidfuzz_token_set_ratio_in_uint8(query: str) -> None:
    sets = _sets(TEXTS)
    words = list(dict.fromkeys(query.split()))
    expected = process.cdist([" ".join(words)], sets, scorer=fuzz.token_set_ratio,
                             dtype=np.uint8)[0]
    found = _words(sets).scores(words, sets, np.arange(len(sets), dtype=np.int32))
    assert found.tolist() == expected.tolist()


def test_scores_round_half_up_as_cdist_does() -> None:
    # 100 - 100 * 27 / 40 = 32.5 exactly: rounded to 33 (fuzz.ratio's own arithmetic would
    # give 32.4999… and 32)
    query = "der vermieter hat mir noch keine wohnungsgeberbestatigung gegeben"
    sets = _sets(["benachteiligung", "jena stadtwerke"])
    found = _words(sets).scores(query.split(), sets, np.arange(2, dtype=np.int32))
    assert found.tolist() == [33, 23]


def test_scores_of_a_subset_of_the_sets_keep_their_numbers() -> None:
    sets = _sets(TEXTS)
    ids = np.array([9, 1, 4], dtype=np.int32)
    words = ["jena", "anmeldung", "wohnung"]
    found = _words(sets).scores(words, [sets[i] for i in ids], ids)
    expected = [fuzz.token_set_ratio(" ".join(words), sets[i]) for i in ids]
    assert found.tolist() == [int(np.floor(x + 0.5)) for x in expected]


@pytest.mark.parametrize("query", QUERIES)
def test_best_is_extract_ones_score(query: str) -> None:
    sets = _sets(TEXTS)
    expected = process.extractOne(query, TEXTS, scorer=fuzz.token_set_ratio)
    assert _words(sets).best(query.split(), sets) == expected[1]


def test_best_of_no_sets_is_zero() -> None:
    assert _words([]).best(["hallo"], []) == 0.0


def test_a_word_no_set_has_shares_nothing() -> None:
    sets = _sets(TEXTS)
    assert not _words(sets).sharing(["unbekannt", "zzz"]).any()


def test_similar_words_are_process_extracts(tiny_index: Index) -> None:
    vocab = tiny_index.vocab
    sample = vocab[::250]  # ~150 words of every length and script, each bent three ways
    for token in [*sample, *(w[:-1] for w in sample), *(w + "en" for w in sample), "anmeldnug"]:
        if len(token) < 4:
            continue
        same = [w for w in vocab if len(w) >= 4 and w[0] == token[0]]
        cutoff = 80 if len(token) >= 7 else 86
        expected = [(w, s) for w, s, _ in process.extract(
            token, same, scorer=fuzz.ratio, score_cutoff=cutoff, limit=6)]
        assert tiny_index._similar(token) == expected


@pytest.fixture
def tiny_index(project_snapshot: Snapshot) -> Index:
    return project_snapshot.index  # the shipped base, built once per session


def _plain_pattern() -> re.Pattern[str]:
    """The emergency pattern as it was: one alternation of every term."""
    parts = []
    for terms in emergency.TERMS.values():
        for term in terms:
            body = re.escape(normalize(term.rstrip("*")))
            if emergency._is_arabic(term):
                parts.append(body)
            else:
                parts.append(r"\b" + body + (r"\w*" if term.endswith("*") else r"\b"))
    parts.extend(r"\b" + re.escape(n) + r"\b" for n in emergency.NUMBERS)
    return re.compile("|".join(parts))


def test_the_emergency_trie_matches_what_the_plain_alternation_matches() -> None:
    plain = _plain_pattern()
    terms = [normalize(t.rstrip("*")) for ts in emergency.TERMS.values() for t in ts]
    texts = [*terms, *(t + "x" for t in terms), *("x" + t for t in terms),
             *(t[:-1] for t in terms), *(f"hilfe {t} bitte" for t in terms),
             "116 016", "1160161", "wo ist der notfall", "unfallversicherung", "feuerwehr",
             "kein notfall nur eine frage", ""]
    for text in texts:
        assert bool(emergency._pattern().search(text)) == bool(plain.search(text)), text
