"""Short phone messages and their language (issue 10): Ukrainian vs Russian by everyday
words, German everyday words around German names, and "not sure" when only the
statistics guess — then the user's own language is kept."""

from __future__ import annotations

import pytest

from bot.conversation.answers import answer
from bot.conversation.messages import UserState
from bot.conversation.snapshot import Snapshot
from bot.i18n import default_translator
from bot.understanding.language import DETECT_CONFIDENT, UNSURE, detect, read_words


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("добре, дякую", "uk"),
        ("гаразд", "uk"),
        ("бувайте", "uk"),
        ("щиро вдячний", "uk"),
        ("а чому так", "uk"),
        ("ладно, спасибо", "ru"),
        ("понятно", "ru"),
        ("пока", "ru"),
        ("до встречи", "ru"),
        ("позовите сотрудника", "ru"),
        ("kupyty kvytok", "uk"),
        ("harazd, dyakuyu", "uk"),
        ("ladno, poka", "ru"),
        ("khorosho, ponyatno", "ru"),
    ],
)
def test_short_cyrillic_and_latin_ukrainian_and_russian(snap: Snapshot, text: str,
                                                       lang: str) -> None:
    found = detect(text, snap.index.ignore)
    assert (found.lang, found.confidence >= DETECT_CONFIDENT) == (lang, True), found


@pytest.mark.parametrize("text", ["ок", "ясно", "рецепт", "погода"])
def test_a_cyrillic_word_both_languages_write_is_not_sure(snap: Snapshot, text: str) -> None:
    assert detect(text, snap.index.ignore).confidence < DETECT_CONFIDENT


@pytest.mark.parametrize("chosen", ["uk", "ru"])
@pytest.mark.parametrize("text", ["ясно", "ок, рецепт"])
def test_the_chosen_cyrillic_language_is_kept(snap: Snapshot, text: str, chosen: str) -> None:
    lang, _, _ = answer(snap, default_translator(), text, UserState(lang=chosen))
    assert lang == chosen


def test_no_word_is_both_ukrainian_and_russian_but_the_shared_ones() -> None:
    lists = read_words()
    assert lists["uk"] & lists["ru"] <= {"квартиру", "хочу", "для"}  # cancel each other
    assert "я" not in lists["uk"]


def test_german_everyday_words_inside_keywords_are_not_ignored(snap: Snapshot) -> None:
    assert not {"gesucht", "anmelden", "beantragen"} & snap.index.ignore
    assert {"auslanderbehorde", "wbs", "auf", "der", "fur"} <= snap.index.ignore  # names


@pytest.mark.parametrize(("text", "lang"), [("quand est la fête auf der mauer", "fr"),
                                            ("agentur für arbeit nerede", "tr")])
def test_function_words_inside_names_say_nothing(snap: Snapshot, text: str, lang: str) -> None:
    assert detect(text, snap.index.ignore).lang == lang


@pytest.mark.parametrize("text", ["rundfunkbeitrag befreiung student",
                                  "ausländeramt jena adresse", "wohnung in erfurt gesucht"])
def test_few_words_around_german_names_lean_german(snap: Snapshot, text: str) -> None:
    found = detect(text, snap.index.ignore)
    assert found.lang == "de", found


def test_the_german_lean_is_never_sure(snap: Snapshot) -> None:
    found = detect("gez befreiung student", snap.index.ignore)
    assert found.lang == "de" and found.confidence <= UNSURE
    lang, _, _ = answer(snap, default_translator(), "gez befreiung student",
                        UserState(lang="en"))
    assert lang == "en"


@pytest.mark.parametrize(("text", "lang"), [("join the international club?", "en"),
                                            ("any vegan recs near the uni", "en"),
                                            ("du bist lustig", "de")])
def test_latin_everyday_words(snap: Snapshot, text: str, lang: str) -> None:
    assert detect(text, snap.index.ignore).lang == lang


@pytest.mark.parametrize("text", ["мій чоловік знепритомнів на вулиці",
                                  "бабушка потеряла сознание", "she fainted and won't wake up",
                                  "mein vater ist ohnmächtig"])
def test_fainting_is_an_emergency_first(snap: Snapshot, text: str) -> None:
    from bot.understanding.emergency import is_emergency

    assert is_emergency(text)
    match = snap.index.match(text)
    assert (match.decision, match.entry) == ("answer", "emergency"), match
