"""Real phone messages on the shipped knowledge base (issue 10): the everyday names of
offices reach their entries in every language, symptoms reach the doctors (116117),
and the reply keeps the user's language when a short message does not tell."""

from __future__ import annotations

import pytest

from bot.conversation.answers import answer
from bot.conversation.messages import UserState
from bot.conversation.snapshot import Snapshot
from bot.i18n import default_translator
from bot.understanding.language import detect
from bot.understanding.policy import Match

OFFICES = {"citizens-office", "registration", "foreigners-office"}


def first_offered(match: Match) -> str | None:
    """The answer's entry, else the first "Did you mean" button (top-1, as eval counts it)."""
    offered = (match.entry,) if match.decision == "answer" else match.suggestions
    return offered[0] if offered else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bürgeramt Jena Öffnungszeiten", "citizens-office"),
        ("wie bekomme ich einen termin beim bürgeramt", "citizens-office"),
        ("brauch nen termin beim bürgerbüro", "citizens-office"),
        ("Bürgeramt opening hours", "citizens-office"),
        ("where is the buergeramt", "citizens-office"),
        ("як записатися в бюргерамт у Єні", "citizens-office"),
        ("где находится Bürgeramt? мне надо прописаться", "registration"),
        ("وين البورغرامت بينا", "citizens-office"),
        ("Bürgeramt کجاست؟ می‌خوام آدرس جدیدم رو ثبت کنم", "registration"),
        ("bürgeramt randevusu nasıl alınır jena", "citizens-office"),
        ("horaires du bürgeramt de iéna", "citizens-office"),
        ("einwohnermeldeamt jena", "registration"),
        ("ausländeramt jena termin", "foreigners-office"),
        ("аусляндерамт запис", "foreigners-office"),
    ],
)
def test_the_citizens_office_by_its_everyday_names(snap: Snapshot, text: str,
                                                   expected: str) -> None:
    match = snap.index.match(text)
    assert match.not_covered is None, text
    assert first_offered(match) == expected, (text, match)


@pytest.mark.parametrize("text", ["Bürgeramt Berlin termin bekommen",
                                  "Bürgeramt München kif a5od termin? ana sakin hnak"])
def test_another_citys_office_is_still_declined(snap: Snapshot, text: str) -> None:
    assert snap.index.match(text).not_covered == "other-places"


@pytest.mark.parametrize(
    "text",
    [
        "I have a fever since 3 days what should I do",
        "ich habe seit gestern hohes fieber, was tun",
        "у мене висока температура, що робити",
        "у меня температура третий день, что делать",
        "عندي حرارة من ثلاث ايام شو اعمل",
        "سه روزه تب دارم چکار کنم",
        "üç gündür ateşim var ne yapmalıyım",
        "j'ai de la fièvre depuis trois jours, que faire",
    ],
)
def test_symptoms_reach_the_doctors_entry(snap: Snapshot, text: str) -> None:
    match = snap.index.match(text)
    assert first_offered(match) == "doctors", (text, match)
    assert all("116117" in t.answer for t in snap.kb.entries["doctors"].texts.values())


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("contrat électricité stadtwerke jena", "fr"),
        ("bureau international fsu", "fr"),
        ("cours d'allemand pas cher", "fr"),
        ("migration network nedir", "tr"),
        ("daneshgah jena international office koja hast", "fa"),
    ],
)
def test_a_short_message_is_the_language_of_its_own_words(snap: Snapshot, text: str,
                                                          lang: str) -> None:
    assert detect(text, snap.index.ignore).lang == lang


@pytest.mark.parametrize("chosen", ["de", "uk", "fa", "fr"])
@pytest.mark.parametrize("text", ["Anmeldung", "wbs", "GEZ?", "Ausländerbehörde!!"])
def test_the_chosen_language_is_kept_when_unsure(snap: Snapshot, text: str,
                                                 chosen: str) -> None:
    lang, _, _ = answer(snap, default_translator(), text, UserState(lang=chosen))
    assert lang == chosen


def test_the_language_last_written_in_is_kept_when_none_was_chosen(snap: Snapshot) -> None:
    from bot.conversation.core import Conversation
    from bot.conversation.messages import Incoming
    from bot.storage.sqlite import SQLiteStorage

    conv = Conversation(snap, default_translator(), SQLiteStorage(":memory:"))
    _, state = conv.handle(Incoming("u", "text", text="wo kann ich mich hier anmelden bitte",
                                    chat="u"), UserState())
    assert state.lang == "de"
    lang, _, _ = answer(snap, default_translator(), "wbs??", state)
    assert lang == "de"
    _, kept = conv.handle(Incoming("u", "text", text="where can i register my flat",
                                   chat="u"), UserState(lang="fr"))
    assert kept.lang == "fr"  # a chosen language is not changed by one message


@pytest.mark.parametrize(
    "text",
    [
        "my child can't breathe",
        "mein kind bekommt keine luft",
        "дитина не може дихати",
        "ребенок не может дышать",
        "طفلي ما عم يقدر يتنفس",
        "بچه‌ام نمی‌تونه نفس بکشه",
        "çocuğum nefes alamıyor",
        "mon enfant n'arrive pas à respirer",
    ],
)
def test_a_child_that_cannot_breathe_is_an_emergency(snap: Snapshot, text: str) -> None:
    match = snap.index.match(text)
    assert match.emergency and match.decision == "answer", (text, match)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("diploma denkliği", "tr"),  # only the German names' own letters tell
        ("аусляндерамт", "ru"),
        ("ищу работу в йене", "ru"),
        ("сильно болить зуб", "uk"),
        ("yeni öğrenciler karşılama günü", "tr"),
        ("bdi termin bl Bürgeramt", "ar"),
    ],
)
def test_office_names_do_not_make_a_message_german(snap: Snapshot, text: str,
                                                   lang: str) -> None:
    lang_, _, _ = answer(snap, default_translator(), text, UserState())
    assert lang_ == lang
