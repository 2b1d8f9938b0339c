"""Topics of messages in languages the bot does not speak (foreign-topics.json)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bot.cli import answer_json
from bot.conversation.core import Conversation
from bot.understanding.foreign_topics import TopicWords, fold, offer, set_apart, topic_words
from bot.understanding.policy import Match


@pytest.mark.parametrize(
    ("text", "entry"),
    [("necesito un seguro médico", "health-insurance"), ("居留许可怎么延期", "foreigners-office"),
     ("ბინადრობის ნებართვა", "foreigners-office"), ("caymiska caafimaadka", "health-insurance"),
     ("làm sao gia hạn giấy phép cư trú", "foreigners-office"),
     ("मुझे डॉक्टर चाहिए", "doctors"), ("szukam przedszkola", "childcare-school"),
     ("ናይ ባንኪ ሕሳብ", "bank-account"), ("residencia de estudiantes", "student-housing")],
)
def test_topic_words_name_the_entry_first(text: str, entry: str) -> None:
    found = topic_words().found(text, [entry, "housing", "foreigners-office", "doctors"])
    assert found[0] == entry


def test_topic_words_only_name_known_entries_and_nothing_in_plain_talk() -> None:
    assert topic_words().found("necesito un seguro médico", ["jobs"]) == ()
    assert topic_words().found("hola, ¿cómo estás?", ["health-insurance", "jobs"]) == ()
    assert topic_words().found("", ["jobs"]) == ()


def test_a_whole_word_item_does_not_match_a_longer_word() -> None:
    words = TopicWords.of({"housing": {"ka": ["ბინა="]}, "jobs": {"es": ["trabaj"]}})
    assert words.found("ბინა მჭირდება", ["housing"]) == ("housing",)
    assert words.found("ბინადრობა", ["housing"]) == ()
    assert words.found("busco trabajo", ["jobs"]) == ("jobs",)


def test_fold_keeps_the_marks_of_other_scripts_and_drops_latin_ones() -> None:
    assert fold("Bảo Hiểm, ŁÓDŹ!") == "bao hiem lodz"
    assert fold("डॉक्टर") == "डॉक्टर"
    assert fold("   ") == ""


def test_latin_terms_are_set_apart_from_han_only() -> None:
    assert set_apart("怎么办理Anmeldung？") == "怎么办理 Anmeldung？"
    assert set_apart("bảo hiểm y tế") == "bảo hiểm y tế"


def test_every_shipped_item_folds_to_something() -> None:
    text = resources.files("bot.understanding").joinpath("foreign-topics.json").read_text()
    for per_lang in json.loads(text)["topics"].values():
        for items in per_lang.values():
            assert all(fold(i.rstrip("=")) for i in items), items


def test_offer_keeps_small_talk_handoff_and_emergencies() -> None:
    for match in (Match("smalltalk", None, 0.9, kind="greeting"),
                  Match("handoff", None, 0.9, kind="person"),
                  Match("answer", "emergency", 0.9, emergency=True)):
        assert offer(match, ("doctors",)) is match


def test_offer_turns_a_decline_into_did_you_mean_and_keeps_a_matching_answer() -> None:
    declined = offer(Match("decline", None, 0.1, suggestions=("jobs",), not_covered="x"),
                     ("doctors", "housing"))
    assert declined.decision == "suggest" and declined.suggestions == ("doctors", "housing",
                                                                          "jobs")
    assert declined.not_covered is None
    answered = Match("answer", "doctors", 0.9)
    assert offer(answered, ("doctors",)) is answered
    other = offer(answered, ("housing",))
    assert other.entry == "doctors" and other.suggestions == ("housing",)
    assert offer(declined, ()) is declined


@pytest.mark.parametrize(
    ("text", "entry"),
    [("你好，在耶拿怎么办理Anmeldung？", "registration"), ("学生宿舍怎么申请", "student-housing"),
     ("dhakhtar ayaan u baahanahay", "doctors"), ("hoe verleng ik mijn verblijfsvergunning",
                                                  "foreigners-office")],
)
def test_a_foreign_question_reaches_its_topic_in_english(project_core: Conversation,
                                                         text: str, entry: str) -> None:
    result = answer_json(project_core, text)
    assert result["lang"] == "en"
    assert entry in [result["entry"], *result["suggestions"]]


def test_a_foreign_greeting_is_not_answered_with_a_topic(project_core: Conversation) -> None:
    result = answer_json(project_core, "hola, ¿cómo estás?")
    assert result["lang"] == "en" and result["decision"] == "decline"


@pytest.mark.parametrize(
    ("text", "wrong"),
    [("he visto el anuncio", "foreigners-office"), ("me siento mal", "housing"),
     ("můžete mi pomoct", "optical-museum"), ("musím být pojištěný", "housing"),
     ("kolejny termin", "student-housing"), ("mam wizytę u lekarza", "foreigners-office"),
     ("tôi cần hỗ trợ", "housing"), ("cuál es el trámite", "public-transport"),
     ("unde pot pune cererea", "jobs"), ("मुझे बीमारी है", "health-insurance"),
     ("vivo en Alemania", "german-courses"), ("quiero dormir", "student-housing"),
     ("میرے پاس پاسپورٹ ہے", "public-transport"), ("kỳ thi tiếng Anh", "anti-discrimination")],
)
def test_false_friends_name_no_topic(text: str, wrong: str) -> None:
    assert wrong not in topic_words().found(text, [wrong])
