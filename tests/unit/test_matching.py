"""Matching decisions on the tiny knowledge base: answer, suggest, decline, emergency."""

from __future__ import annotations

import numpy as np
import pytest

from bot.understanding.emergency import is_emergency
from bot.understanding.matching import Index
from bot.understanding.vocabulary import KEYWORD_WEIGHT


@pytest.fixture
def index(small_kb) -> Index:
    return Index(small_kb)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("wo melde ich meine wohnung an", "registration"),
        ("Anmeldung", "registration"),
        ("anmeldunk termin", "registration"),  # typo
        ("як зробити реєстрацію", "registration"),  # inflection
        ("де зробити анмельдунг", "registration"),  # transliterated keyword
        ("وين بسجل السكن", "registration"),
        ("when is the welcome day", "welcome-day"),
        ("WELCOME DAY???", "welcome-day"),
    ],
)
def test_answers(index: Index, question: str, entry: str) -> None:
    match = index.match(question)
    assert (match.decision, match.entry) == ("answer", entry)


@pytest.mark.parametrize(
    "question",
    ["beste pizza in neapel", "who won the football match yesterday", "🎉🎉🎉", "", "   ",
     "\x00\x01", "asdfghjkl qwertzuiop"],
)
def test_declines_what_it_does_not_know(index: Index, question: str) -> None:
    match = index.match(question)
    assert match.decision == "decline" and match.entry is None


@pytest.mark.parametrize(
    "question",
    ["my friend is bleeding and unconscious", "es brennt in meiner wohnung",
     "мій чоловік мене б'є", "رقم العنف الأسري؟", "agar tasadof konam be koja zang bezanam",
     "arkadaşım bilinçsiz, ne yapmalıyım", "centre antipoison numéro ?"],
)
def test_emergencies_are_never_declined(index: Index, question: str) -> None:
    assert is_emergency(question)
    match = index.match(question)
    assert (match.decision, match.entry, match.emergency) == ("answer", "emergency", True)


@pytest.mark.parametrize("question", ["wo melde ich meine wohnung an", "kazanmak istiyorum",
                                      "Feuerwehrmann werden als Beruf"])
def test_emergency_words_need_whole_words(question: str) -> None:
    assert not is_emergency(question) or "feuer" in question.lower()


def test_candidates_are_ranked_and_confidence_bounded(index: Index) -> None:
    match = index.match("anmeldung welcome day")
    scores = [c.score for c in match.candidates]
    assert scores == sorted(scores, reverse=True)
    assert 0.0 <= match.confidence <= 1.0


def test_long_input_is_fast_enough_to_finish(index: Index) -> None:
    match = index.match("Anmeldung " * 5000)
    assert match.entry == "registration"


def test_suggest_returns_at_most_three(index: Index) -> None:
    match = index.match("termin")
    assert len(match.suggestions) <= 3


@pytest.mark.parametrize("question", ["wetter morgen in jena?", "will it rain tomorrow",
                                      "brauch ich morgen einen regenschirm"])
def test_not_covered_kinds_are_declined_with_their_kind(index: Index, question: str) -> None:
    match = index.match(question)
    assert (match.decision, match.entry, match.not_covered) == ("decline", None, "weather")
    assert "weather" not in match.suggestions


def test_not_covered_never_hides_an_emergency(index: Index) -> None:
    match = index.match("es brennt! wetter morgen")
    assert (match.decision, match.entry, match.emergency) == ("answer", "emergency", True)
    assert "weather" not in match.suggestions


def test_a_word_only_kinds_know_is_unknown_to_the_entries(index: Index) -> None:
    # "wetter" is known to the weather kind only: for the entries it is an unknown word,
    # as in the calibration's index without the kinds (bench/calibrate.py)
    known = next(c for c in index.rank("anmeldung termin") if c.entry == "registration")
    mixed = next(c for c in index.rank("anmeldung wetter") if c.entry == "registration")
    assert known.unknown == 0.0
    assert mixed.unknown > 0.0


@pytest.mark.parametrize("question", ["як оформити kindergeld", "kindergeld beantragen wie",
                                      "kindergeld antrag wo"])
def test_a_known_word_is_not_stretched_to_a_compound(project_snapshot, question: str) -> None:
    # kindergeld is known (a kind of question not covered); kinderreisepass only shares
    # "kinder" with it and must not make the citizens' office answer
    match = project_snapshot.index.match(question)
    assert match.decision != "answer"
    assert match.not_covered == "family-benefits"


@pytest.mark.parametrize("word", ["anmeldung", "anmeldunk", "wohnung", "welcome", "реєстрації",
                                  "xyzzy", "wetter"])
def test_word_scores_are_the_maximum_over_what_a_word_stands_for(index: Index,
                                                                  word: str) -> None:
    # the plain computation, a word it may stand for at a time, in numpy's float32
    vector, _, _ = index._word_score(word)
    matches = index._expand(word)
    if not matches:
        assert vector is None
        return
    best_idf = max(index.idf[t] * s for t, s in matches)
    plain = np.zeros(len(index.ids), dtype=np.float32)
    for token, sim in matches:
        where, weights = index._postings.of(index._vocab_index[token])
        for i, w in zip(where.tolist(), (weights * (index.idf[token] * sim)).tolist(),
                        strict=True):
            plain[i] = max(plain[i], np.float32(w))
    assert vector is not None
    assert np.array_equal(vector, np.minimum(plain, best_idf * KEYWORD_WEIGHT))
