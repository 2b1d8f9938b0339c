"""Two questions in one message: the stronger answered, the other one tap away."""

from __future__ import annotations

import pytest

from bot.conversation.core import Conversation
from bot.conversation.messages import Text, UserState
from bot.understanding.policy import Candidate, Match
from bot.understanding.topics import parts, two_topics
from tests.unit.test_conversation import buttons, say


@pytest.mark.parametrize(
    ("text", "expected"),
    [("wo melde ich mich an und wie eröffne ich ein konto",
      ["wo melde ich mich an", "wie eröffne ich ein konto"]),
     ("Deutschkurs? Wohnung?\nKita", ["Deutschkurs", "Wohnung", "Kita"]),
     ("وين بسجل عنواني وكيف افتح حساب بنكي", ["وين بسجل عنواني", "كيف افتح حساب بنكي"]),
     ("almanca kursu ve ev arıyorum", ["almanca kursu", "ev arıyorum"]),
     ("", []), ("???", [])],
)
def test_parts(text: str, expected: list[str]) -> None:
    assert parts(text) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [("wo ist das bürgeramt, außerdem wie teuer ist ein ticket", "",
      ["wo ist das bürgeramt", "wie teuer ist ein ticket"]),
     ("how much is the bus and also where is the library", "",
      ["how much is the bus", "where is the library"]),
     ("де бібліотека, а також скільки коштує квиток", "",
      ["де бібліотека", "скільки коштує квиток"]),
     ("где библиотека и ещё сколько стоит билет", "", ["где библиотека", "сколько стоит билет"]),
     ("وين المكتبة وليش الباص غالي", "", ["وين المكتبة", "ليش الباص غالي"]),  # fused و
     ("وين المكتبة، وكمان قديش الباص", "", ["وين المكتبة", "قديش الباص"]),  # Arabic comma
     ("wein el maktaba w kam se3r el bus", "", ["wein el maktaba", "kam se3r el bus"]),
     ("کتابخانه کجاست، یه سوال دیگه بلیط اتوبوس چنده", "",
      ["کتابخانه کجاست", "بلیط اتوبوس چنده"]),
     ("کتابخانه کجاست وچطور بلیط بخرم", "", ["کتابخانه کجاست", "چطور بلیط بخرم"]),
     ("kütüphane nerede, bir de otobüs bileti kaç para", "",
      ["kütüphane nerede", "otobüs bileti kaç para"]),
     ("hem kütüphane nerede hem otobüs bileti kaç para", "",
      ["kütüphane nerede", "otobüs bileti kaç para"]),
     ("kira ne kadar okul da nerede", "tr", ["kira ne kadar", "okul da nerede"]),
     ("kira ne kadar okul da nerede", "", ["kira ne kadar okul da nerede"]),  # tr only
     ("où est le bureau de poste", "fr", ["où est le bureau de poste"]),  # French "de"
     ("où est la bibliothèque et puis combien coûte le bus", "",
      ["où est la bibliothèque", "combien coûte le bus"]),
     ("gde bank i kak kupit bilet", "ru", ["gde bank", "kak kupit bilet"]),
     ("de bank ta yak kupyty kvytok", "uk", ["de bank", "yak kupyty kvytok"]),
     ("bank koja hast va bilit chand ast", "fa", ["bank koja hast", "bilit chand ast"]),
     ("where can i register", "en", ["where can i register"]),  # "i" joins only ru/uk
     ("and also where", "", ["where"]), ("und", "", [])],
)
def test_parts_per_language(text: str, lang: str, expected: list[str]) -> None:
    assert parts(text, lang) == expected


TWO = (Candidate("registration", 1.0, 1.0, 1.0), Candidate("bank-account", 0.9, 1.0, 1.0))


def fake(verdicts: dict[str, Match]):
    return lambda part: verdicts.get(part, Match("decline", None, 0.0))


def test_two_confident_parts_give_answer_and_the_other_first() -> None:
    whole = Match("suggest", None, 0.4, ("registration",), TWO)
    found = two_topics("where do i register and how do i open a bank account", whole, fake({
        "where do i register": Match("answer", "registration", 0.9),
        "how do i open a bank account": Match("answer", "bank-account", 0.95)}))
    assert (found.decision, found.entry, found.also) == ("answer", "bank-account",
                                                          "registration")
    assert found.suggestions[0] == "registration"


def test_one_weak_part_changes_nothing() -> None:
    whole = Match("answer", "registration", 0.9, (), TWO)
    found = two_topics("where do i register and what is the weather", whole, fake({
        "where do i register": Match("answer", "registration", 0.9),
        "what is the weather": Match("answer", "planetarium", 0.3)}))
    assert found == whole


def test_a_clear_answer_for_something_else_is_kept() -> None:
    whole = Match("answer", "doctors", 0.99, (), TWO)
    found = two_topics("a b c d and e f g h", whole, fake({
        "a b c d": Match("answer", "registration", 0.9),
        "e f g h": Match("answer", "bank-account", 0.9)}))
    assert found == whole


RUNNERS = (Candidate("registration", 1.0, 1.0, 1.0), Candidate("doctors", 0.4, 1.0, 1.0),
           Candidate("bank-account", 0.35, 1.0, 1.0))


def test_a_joined_part_that_only_suggests_is_one_tap_away() -> None:
    """The weaker part's "Did you mean" counts when the whole message came close to it
    too and a conjunction joins the parts."""
    whole = Match("answer", "registration", 0.95, (), RUNNERS)
    found = two_topics("where do i register and find a family doctor", whole, fake({
        "where do i register": Match("answer", "registration", 0.95),
        "find a family doctor": Match("suggest", None, 0.3, ("doctors", "health"))}),
        entries={"registration", "doctors", "bank-account", "health"})
    assert (found.entry, found.also) == ("registration", "doctors")
    assert found.suggestions == ("doctors", "health", "bank-account")


def test_a_story_after_a_question_mark_adds_no_topic() -> None:
    whole = Match("answer", "registration", 0.95, (), RUNNERS)
    found = two_topics("where do i register?? my flatmate keeps asking a doctor", whole,
                       fake({"where do i register": Match("answer", "registration", 0.95),
                             "my flatmate keeps asking a doctor":
                                 Match("suggest", None, 0.3, ("doctors",))}))
    assert found == whole


@pytest.mark.parametrize("weak", [Match("suggest", None, 0.1, ("doctors",)),
                                  Match("suggest", None, 0.3, ("planetarium",))])
def test_an_unsure_or_unrelated_suggestion_adds_no_topic(weak: Match) -> None:
    whole = Match("answer", "registration", 0.95, (), RUNNERS)
    found = two_topics("where do i register and find a family doctor", whole, fake({
        "where do i register": Match("answer", "registration", 0.95),
        "find a family doctor": weak}))
    assert found == whole


def test_a_one_word_part_is_no_question() -> None:
    whole = Match("answer", "registration", 0.95, (), RUNNERS)
    found = two_topics("hello and where do i register", whole, fake({
        "hello": Match("suggest", None, 0.6, ("doctors",)),
        "where do i register": Match("answer", "registration", 0.95)}))
    assert found == whole


def test_one_topic_among_the_candidates_is_not_split() -> None:
    whole = Match("answer", "registration", 0.9, (), TWO[:1])
    assert two_topics("where do i register and how do i open a bank account", whole, fake({
        "where do i register": Match("answer", "registration", 0.9),
        "how do i open a bank account": Match("answer", "bank-account", 0.95)})) == whole


def test_emergencies_and_small_talk_are_left_alone() -> None:
    for whole in (Match("answer", "emergency", 0.9, emergency=True),
                  Match("smalltalk", None, 0.0, kind="greeting")):
        assert two_topics("x y z w and a b c d", whole,
                          fake({"x y z w": Match("answer", "a", 0.99),
                                "a b c d": Match("answer", "b", 0.99)})) == whole


def test_reply_puts_the_second_topic_right_under_the_answer(project_core: Conversation
                                                            ) -> None:
    replies, _ = project_core.handle(
        say("where do i register my address and also how do i open a bank account"),
        UserState(lang="en"))
    assert isinstance(replies[1], Text) and replies[1].text == "You also asked about:"
    topics = set(buttons(replies[:2]))
    assert {"topic:registration|en", "topic:bank-account|en"} & topics


def test_a_greeting_in_front_takes_no_part() -> None:
    """"hi, A and B, and C?": the greeting is no part, so the third question still counts
    (parts are matched up to MAX_PARTS)."""
    whole = Match("suggest", None, 0.4, ("utilities",), (
        Candidate("utilities", 1.0, 1.0, 1.0), Candidate("waste", 0.9, 1.0, 1.0)))
    verdicts = fake({"how do i get electricity": Match("answer", "utilities", 0.9),
                     "what do i do with bulky trash": Match("answer", "waste", 0.9)})
    text = "hi, how do i get electricity and internet, and what do i do with bulky trash?"
    assert two_topics(text, whole, verdicts).also is None  # "hi" took the third place
    found = two_topics(text, whole, verdicts, greets=lambda part: part == "hi")
    assert {found.entry, found.also} == {"utilities", "waste"}


@pytest.mark.parametrize(("text", "both"), [
    ("hallo, wie bekomme ich strom und gas, und wohin mit dem alten sofa?",
     {"utilities", "waste"}),
    ("salut, comment avoir l'électricité et internet, et où jeter un vieux canapé ?",
     {"utilities", "waste"}),
])
def test_greeting_then_three_parts_reaches_both_topics(project_snapshot, text: str,
                                                        both: set[str]) -> None:
    found = project_snapshot.index.match(text)
    assert both <= {found.entry, *found.suggestions}


@pytest.mark.parametrize(("text", "greets"), [
    ("hi", True), ("guten morgen", True), ("привіт", True), ("merhaba", True),
    ("internet", False), ("how do i sign up for electricity", False)])
def test_greets_only_when_as_sure_as_an_example(project_snapshot, text: str,
                                                greets: bool) -> None:
    assert project_snapshot.index.smalltalk.greets(text) is greets
