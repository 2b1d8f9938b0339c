"""Real phone messages in German, English, Ukrainian and Russian on the shipped knowledge
base (issues 9 and 10): symptoms, Latin-script Ukrainian and Russian, the everyday and
former names of offices, car registration, and the small talk around the questions."""

from __future__ import annotations

import pytest

from bot.conversation.snapshot import Snapshot
from bot.understanding.person import Asks, grammar
from tests.unit.test_phone_messages import first_offered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("terrible headache since last night", "doctors"),
        ("skin rash for days, where can i see a doctor", "doctors"),
        ("kopfschmerzen seit drei tagen", "doctors"),
        ("сильно болит голова второй день", "doctors"),
        ("висип на руках, куди звернутися", "doctors"),
        ("de znaity likaria v yeni", "doctors"),
        ("shukaiu robotu v yeni", "jobs"),
        ("anmeldung v kakoj srok", "registration"),
        ("planetarij bilety", "planetarium"),
        ("внж продлить где", "foreigners-office"),
        ("vnzh prodlit", "foreigners-office"),
        ("интеграционный альянс это что", "migration-network"),
        ("інтеграційний альянс", "migration-network"),
        ("integrationsallianz jena", "migration-network"),
        ("буергербюро часы", "citizens-office"),
        ("where to register my car", "citizens-office"),
        ("кфз регистрация машины в йене", "citizens-office"),
        ("дойчландтикет купить", "public-transport"),
        ("афиша на эти выходные", "culture-events"),
        ("бадди программа", "international-office"),
        ("яку лікарняну касу обрати", "health-insurance"),
        ("фиктивка сколько действует", "ukraine-protection"),
        ("what do i do with bulky trash", "waste"),
    ],
)
def test_phone_questions_reach_their_entry(snap: Snapshot, text: str, expected: str) -> None:
    match = snap.index.match(text)
    assert first_offered(match) == expected, (text, match)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("vermieterin zahlt die kaution nicht zurück, kann ich sie verklagen", "private-law"),
        ("rezept für käsespätzle bitte", "cooking"),
        ("pogoda na zavtra v iene", "weather"),
        ("ist der ausschlag gürtelrose?", None),
    ],
)
def test_out_of_scope_phone_questions_are_declined(snap: Snapshot, text: str,
                                                   kind: str | None) -> None:
    match = snap.index.match(text)
    assert match.decision == "decline", (text, match)
    if kind is not None:
        assert match.not_covered == kind, (text, match)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("so, ich bin dann mal weg. tschö!", "bye"),
        ("ясненько", "ok"),
        ("понятненько", "ok"),
        ("відчепись, залізяко", "insult"),
        ("да отвали ты", "insult"),
        ("this bot is trash", "insult"),
        ("с кем я сейчас переписываюсь?", "about"),
        ("з ким я переписуюсь?", "about"),
        ("hold on, am i talking to a person or a computer program", "about"),
    ],
)
def test_small_talk_on_the_phone(snap: Snapshot, text: str, kind: str) -> None:
    match = snap.index.match(text)
    assert (match.decision, match.kind) == ("smalltalk", kind), (text, match)


@pytest.mark.parametrize(
    "text",
    ["есть тут кто живой?", "є тут хто живий?", "ich will mit einem mitarbieter reden",
     "можно с челвоеком поговорить?"],
)
def test_is_anybody_alive_here_asks_for_a_person(snap: Snapshot, text: str) -> None:
    assert snap.index.match(text).decision == "handoff", text


@pytest.mark.parametrize(
    "text", ["я с живым человеком переписываюсь?", "з ким я переписуюсь, з людиною?"])
def test_who_am_i_writing_with_asks_about_the_bot(text: str) -> None:
    assert grammar().asks(text) == Asks.BOT


def test_waste_words_alone_are_no_insult(snap: Snapshot) -> None:
    for text in ("where does the garbage go", "wohin mit dem müll", "rubbish collection day"):
        assert snap.index.match(text).kind != "insult", text
