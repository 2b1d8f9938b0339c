from __future__ import annotations

import pytest

from bot.understanding.text import (
    WordTokens,
    clip,
    index_tokens,
    match_tokens,
    normalize,
    tokens,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wo ist die Ausländerbehörde?", "wo ist die auslanderbehorde"),
        ("AUSLAENDERBEHOERDE", "auslaenderbehoerde"),
        ("Straße", "strasse"),
        ("L'Anmeldung est gratuite", "l anmeldung est gratuite"),
        ("м'ясо ʼїжак", "мясо їжак"),  # Ukrainian apostrophes join the word
        ("ёлка", "елка"),
        ("أين مكتب الأجانب؟", "این مکتب الاجانب"),  # alef variants, Arabic yeh → Persian
        ("كيف", "کیف"),  # Arabic kaf and yeh → Persian letters, so both keyboards match
        ("مُسْتَشْفَى", "مستشفی"),  # harakat removed
        ("اداره‌ست", "اداره ست"),  # zero-width non-joiner
        ("۱۲۳ ١٢٣", "123 123"),  # Persian and Arabic digits
        ("Şişli çiğ ığdır", "sisli cig igdir"),
        ("§24 AufenthG", "§ 24 aufenthg"),
        ("🎉🎉 hi\x00there\u200b!!", "hi there"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_cyrillic_letters_distinct() -> None:
    # й and ї must not lose their marks: they tell Ukrainian from Russian
    assert normalize("Київ й") == "київ й"


def test_tokens_and_clip() -> None:
    assert tokens("Wo, bitte?") == ["wo", "bitte"]
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 4) == "abc"


def test_normalize_long_and_control_input() -> None:
    text = "Anmeldung " * 1000 + "\x07\x1b[31m"
    assert normalize(text).split()[0] == "anmeldung"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Café naïve", "cafe naive"), ("Ausländerbehörde", "auslanderbehorde"),
     ("й ї ё", "й ї е"), ("a\u0301\u0301b", "ab"), ("и\u0306", "й"),
     ("z\u0300\u05b0", "z"), ("ا\u0301", "ا"), ("\u0301a", "a")],
)
def test_accents_go_from_latin_letters_only(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_index_tokens_are_match_tokens_without_the_cache() -> None:
    for text in ("Wo melde ich meine Wohnung an?", "والسكن بالسكن", "l'Anmeldung § 5"):
        assert index_tokens(text) == match_tokens(text)


@pytest.mark.parametrize(
    "text",
    ["Wo melde ich meine Wohnung an?", "§ 5 §5 §  5", "l' anmeldung l'anmeldung d’un",
     "a \u0301b", "e\u0301 \u0301", "x\u2002y z", "ЁЛКА Ǆ ﬁ", "a  b   c ", " ", "",
     "و السكن", "Straße\u200cx", "_a_ b_", "мій чоловік мене б'є"],
)
def test_word_tokens_are_index_tokens(text: str) -> None:
    """Tokenizing part by part (shared words once) gives the same tokens as the whole."""
    cached = WordTokens()
    assert cached(text) == index_tokens(text)
    assert cached(text) == index_tokens(text)  # and again from the cache
