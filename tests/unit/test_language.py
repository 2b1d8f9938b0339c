from __future__ import annotations

import pytest

from bot.understanding.language import detect, endonym, negotiate

GERMAN_TERMS = frozenset({"anmeldung", "auslanderbehorde", "fiktionsbescheinigung", "jobcenter"})


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("wo melde ich meine wohnung an", "de"),
        ("where is the welcome day?", "en"),
        ("як зробити Anmeldung?", "uk"),
        ("как сделать Anmeldung?", "ru"),
        ("привіт, де знайти житло", "uk"),
        ("привет, где найти жилье", "ru"),
        ("أين مكتب الأجانب؟", "ar"),
        ("وين الـ Ausländerbehörde؟", "ar"),
        ("اداره اتباع خارجی کجاست؟", "fa"),
        ("برای Anmeldung چی لازمه؟", "fa"),
        ("yabancılar dairesi nerede", "tr"),
        ("où est le bureau des étrangers ?", "fr"),
        ("el Ausländerbehörde ba3atetli maktoub, shu ya3ni Fiktionsbescheinigung?", "ar"),
        ("agar tasadof konam be koja zang bezanam?", "fa"),
        ("Anerkennung диплому вчителя", "uk"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert detect(text, GERMAN_TERMS).lang == lang


def test_german_term_alone_is_not_confident() -> None:
    # a lone official term says nothing about the writer's language
    assert detect("Anmeldung", GERMAN_TERMS).confidence < 0.5


@pytest.mark.parametrize("text", ["", "🎉🎉🎉", "12345", "\x00\x01", "https://example.org"])
def test_detect_without_words(text: str) -> None:
    result = detect(text)
    assert result.confidence <= 0.2


def test_endonyms() -> None:
    assert endonym("uk") == "Українська"
    assert endonym("fa") == "فارسی"
    assert endonym("de") == "Deutsch"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("uk-UA", "uk"), ("de", "de"), ("pt-BR", None), ("", None), (None, None), ("!!", None),
     ("fa_IR", "fa")],
)
def test_negotiate(tag: str | None, expected: str | None) -> None:
    assert negotiate(tag) == expected
