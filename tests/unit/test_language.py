from __future__ import annotations

import json
import re
import unicodedata
from importlib import resources

import pytest

from bot.understanding import language
from bot.understanding.language import _WORD, WORDS_FILE, detect, endonym, negotiate, read_words
from bot.understanding.text import normalize

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


SCRIPT_LISTS = ("uk", "ru", "fa", "ar")  # compared with the message's words as written
LATIN_LISTS = ("arabizi", "finglish", "ru-latin", "uk-latin", "fr", "tr", "en", "de")  # folded


def test_word_lists_are_shipped_and_complete() -> None:
    lists = read_words()
    assert set(lists) == {*SCRIPT_LISTS, *LATIN_LISTS}
    assert all(len(words) >= 30 for words in lists.values())


@pytest.mark.parametrize("name", [*SCRIPT_LISTS, *LATIN_LISTS])
def test_every_listed_word_survives_the_tokenizer(name: str) -> None:
    """A word detection can never see (two tokens, other case, unfolded) is dead weight."""
    words = json.loads(resources.files("bot.understanding").joinpath(WORDS_FILE)
                       .read_text("utf-8"))[name]
    assert len(words) == len(set(words)), "a word is listed twice"
    for word in words:
        if name in SCRIPT_LISTS:
            seen = _WORD.findall(unicodedata.normalize("NFKC", word).casefold())
        else:
            seen = re.findall(r"[a-z0-9]+", normalize(word))
        assert seen == [word], word


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ne znayu gde mozhno poluchit kvartiru", "ru"),
        ("ne znayu de mozhna otrymaty kvartyru", "uk"),
        ("shcho robyty yakshcho potribno likarya", "uk"),
    ],
)
def test_russian_and_ukrainian_in_latin_letters(text: str, lang: str) -> None:
    assert detect(text).lang == lang


def test_latin_word_lists_share_no_word() -> None:
    """A word two Latin-script lists both claim (German and French 'adresse') votes for
    neither language in effect and only makes ties: keep each word in one list."""
    lists = read_words()
    names = [n for n in LATIN_LISTS if n not in ("ru-latin", "uk-latin")]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not (lists[a] & lists[b]) - ALLOWED_SHARED, (a, b, lists[a] & lists[b])


ALLOWED_SHARED = frozenset({"adres", "doktor", "is"})  # Turkish, Persian and English alike


PAIRS = ["прийшов лист з відомства для іноземців, треба принести фото і паспорт",
         "переехал внутри города, надо ли заново регистрироваться?", "ок", "рецепт",
         "де знайти житло", "где найти жилье", "یه شرکت آلمانی بهم پیشنهاد کار داده",
         "عندي موعد في البلدية بكرة، شو لازم اجيب معي؟", "کجا", "وين"]


@pytest.mark.parametrize("text", PAIRS)
def test_a_settled_pair_is_detected_as_the_statistics_would(monkeypatch: pytest.MonkeyPatch,
                                                            text: str) -> None:
    # letters and words far apart skip py3langid: the same language and confidence
    quick = detect(text)
    monkeypatch.setattr(language, "SETTLED", float("inf"))
    assert detect(text) == quick


def test_a_message_full_of_one_languages_letters_needs_no_statistics(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def unused(*args: object) -> None:
        raise AssertionError("py3langid asked")

    monkeypatch.setattr(language, "_langid_rank", unused)
    assert detect(PAIRS[0]) == language.Detection("uk", 0.99)
    assert detect(PAIRS[6]).lang == "fa"


@pytest.mark.parametrize("text", ["Wo ist das Burgeramt?", "where is it", "A1 B2", "123", ""])
def test_ascii_text_counts_its_letters_as_the_general_path(text: str) -> None:
    # "€" is no letter: it only sends the text down the path for any script
    assert language._script_counts(text) == language._script_counts(text + "€")
