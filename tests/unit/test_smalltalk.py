"""Small talk: loading smalltalk.yaml, recognising the kinds, replying, recording."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import answer_json
from bot.conversation.core import Conversation
from bot.conversation.messages import Card, Text, UserState
from bot.errors import KnowledgeError
from bot.knowledge.loader import load
from bot.understanding.language import SUPPORTED
from bot.understanding.person import Asks
from bot.understanding.policy import Match
from bot.understanding.smalltalk import Verdict, decide
from tests.conftest import TODAY
from tests.unit.test_conversation import say

REPLIES = "".join(f"    {lang}: Hallo {lang}\n" for lang in SUPPORTED)
GOOD = f"greeting:\n  reply:\n{REPLIES}  examples:\n    de: [hallo, moin]\n    en: [hi]\n"


def errors_of(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as info:
        load(directory, today=TODAY)
    return "\n".join(str(p) for p in info.value.problems)


def test_smalltalk_loads(kb_copy: Path) -> None:
    (kb_copy / "smalltalk.yaml").write_text(GOOD, encoding="utf-8")
    kb = load(kb_copy, today=TODAY)
    assert kb.smalltalk["greeting"].examples["de"] == ("hallo", "moin")
    assert kb.smalltalk["greeting"].reply("uk") == "Hallo uk"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n", "smalltalk.yaml: must map ids to their fields"),
        ("weather:\n  reply: {en: hi}\n",
         "smalltalk.yaml [weather]: 'weather' is not a kind of small talk the bot knows"),
        ("greeting:\n  examples: {en: [hi]}\n", "smalltalk.yaml [greeting]: 'reply' is missing"),
        ("greeting:\n  reply: {en: hi}\n  examples: {en: [hi]}\n",
         "smalltalk.yaml [greeting]: 'reply' is missing in de, uk, ru, ar, fa, tr, fr"),
        (f"greeting:\n  reply:\n{REPLIES}  examples: {{xx: [hi]}}\n",
         "smalltalk.yaml [greeting]: 'examples' has unknown language code 'xx'"),
        (f"greeting:\n  reply:\n{REPLIES}  examples: {{en: []}}\n",
         "smalltalk.yaml [greeting]: 'en' is empty"),
        (f"greeting:\n  reply:\n{REPLIES}\n", "smalltalk.yaml [greeting]: 'examples' must list"),
        ("greeting: [hi]\n", "smalltalk.yaml [greeting]: must hold a 'reply' block"),
        (GOOD + "  answer: {en: no}\n", "smalltalk.yaml [greeting]: unknown field 'answer'"),
    ],
)
def test_broken_smalltalk_file(kb_copy: Path, text: str, expected: str) -> None:
    (kb_copy / "smalltalk.yaml").write_text(text, encoding="utf-8")
    assert expected in errors_of(kb_copy)


def test_smalltalk_example_that_is_an_entry_question_warns(kb_copy: Path) -> None:
    (kb_copy / "smalltalk.yaml").write_text(GOOD.replace("moin", "Wohnung anmelden"),
                                            encoding="utf-8")
    kb = load(kb_copy, today=TODAY)
    assert any("example 'Wohnung anmelden' is also a question of entry" in str(p)
               for p in kb.warnings)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("hallo", "greeting"), ("Danke!", "thanks"), ("tschüss 👋", "bye"), ("👍", "ok"),
     ("are you a bot?", "about"), ("ты бот?", "about"), ("merci beaucoup", "thanks"),
     ("سلام", "greeting"), ("teşekkürler", "thanks")],
)
def test_smalltalk_is_recognised(project_snapshot, text: str, kind: str) -> None:
    match = project_snapshot.index.match(text)
    assert (match.decision, match.kind) == ("smalltalk", kind)


@pytest.mark.parametrize(
    ("text", "entry"),
    [("hi! where do i register?", "registration"),
     ("hallo, wo melde ich meine wohnung an", "registration")],
)
def test_greeting_with_a_question_answers_the_question(project_snapshot, text: str,
                                                       entry: str) -> None:
    match = project_snapshot.index.match(text)
    assert match.decision == "answer" and match.entry == entry


def test_emergency_wins_over_small_talk(project_snapshot) -> None:
    match = project_snapshot.index.match("hallo, hilfe, mein kind atmet nicht")
    assert match.emergency and match.decision == "answer"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Dankeee!!", "thanks"), ("merci, hat geholfen", "thanks"), ("привііііт", "greeting"),
     ("ربات خنگ", "insult"), ("ta gueule", "insult"), ("selam, nasılsın?", "greeting"),
     ("was kannst du eigentlich", "about"), ("are you a real person?", "about"),
     ("انت انسان ولا بوت", "about"), ("diakuyu", "thanks")],
)
def test_smalltalk_beyond_the_examples(project_snapshot, text: str, kind: str) -> None:
    match = project_snapshot.index.match(text)
    assert (match.decision, match.kind) == ("smalltalk", kind)


@pytest.mark.parametrize("text", ["mercimek çorbası tarifi", "weather tomorrow jena",
                                  "erzähl mal nen witz"])
def test_out_of_scope_with_small_talk_words_is_declined(project_snapshot, text: str) -> None:
    assert project_snapshot.index.match(text).decision == "decline"


@pytest.mark.parametrize("text", ["I want to talk to a human", "echte person bitte",
                                  "хочу поговорить с живым человеком",
                                  "biri beni arayabilir mi", "هل يمكنني الاتصال بأحد؟",
                                  "mozhno pogovorit s chelovekom",
                                  "у вас есть консультант, который говорит по-русски?"])
def test_request_for_a_person_is_a_handoff(project_snapshot, text: str) -> None:
    match = project_snapshot.index.match(text)
    assert (match.decision, match.kind) == ("handoff", "person")


@pytest.mark.parametrize("text", ["wen kann ich anrufen?", "who can I call?",
                                  "кому я можу подзвонити?", "kimi arayabilirim?",
                                  "بمن اتصل؟", "به کی میتونم زنگ بزنم؟",
                                  "à qui je peux téléphoner ?"])
def test_a_request_for_a_person_is_no_emergency(project_snapshot, text: str) -> None:
    """Words of calling bring the emergency entry close; without an emergency word the
    message is a request for a person, and the emergency is no topic beside it."""
    match = project_snapshot.index.match(text)
    assert (match.decision, match.kind, match.emergency) == ("handoff", "person", False)
    assert "emergency" not in match.suggestions


@pytest.mark.parametrize("text", ["help, my friend is not breathing, call someone",
                                  "Hilfe, meine Freundin atmet nicht, ruf jemanden an",
                                  "кому звонить, человек без сознания",
                                  "kimi aramalıyım, kaza oldu",
                                  "صديقي ما عم يتنفس، بمن اتصل؟",
                                  "دوستم نفس نمیکشه، به کی زنگ بزنم؟"])
def test_an_emergency_asking_for_someone_gets_the_emergency_answer(project_snapshot,
                                                                   text: str) -> None:
    match = project_snapshot.index.match(text)
    assert (match.decision, match.entry, match.emergency) == ("answer", "emergency", True)


def test_decide_weighs_the_emergency_entry_led_to_by_words_as_nothing() -> None:
    found = Verdict(None, 0.0, 0.0, 4, 0.0, Asks.LOOSE)
    led = Match("answer", "emergency", 0.95, ("doctors",))
    assert decide(found, led) == led  # without the id: an answer as any other
    handed = decide(found, led, "emergency")
    assert (handed.decision, handed.entry, handed.suggestions) == ("handoff", None,
                                                                   ("doctors",))
    offered = Match("suggest", None, 0.4, ("emergency", "doctors"))
    assert decide(found, offered, "emergency").decision == "handoff"
    real = replace(led, emergency=True)
    assert decide(found, real, "emergency") == real
    other = Match("answer", "doctors", 0.95)
    assert decide(found, other, "emergency") == other  # a clear topic: no request


def test_smalltalk_reply_is_short_in_user_language_and_not_stored(project_core: Conversation
                                                                  ) -> None:
    replies, _ = project_core.handle(say("hallo"), UserState(lang="de"))
    assert len(replies) == 1 and isinstance(replies[0], Text)
    assert "/menu" in replies[0].text and replies[0].lang == "de"
    assert replies[0].buttons  # leads on: the topics
    assert "hallo" not in [row[3] for row in project_core.storage.declined()]


def test_person_without_staff_chat_gets_the_line_and_a_card(project_core: Conversation) -> None:
    replies, _ = project_core.handle(say("I want to talk to a human"), UserState(lang="en"))
    assert replies[0].text.startswith("Someone from the welcome services")
    assert any(isinstance(r, Card) for r in replies)


def test_ask_json_has_decision_kind_and_asked_in(project_core: Conversation) -> None:
    result = answer_json(project_core, "thank you so much")
    assert (result["decision"], result["kind"], result["asked_in"]) == ("smalltalk", "thanks",
                                                                        "en")
    assert result["entry"] is None
    assert json.loads(json.dumps(result)) == result
    result = answer_json(project_core, "wo melde ich meine wohnung an")
    assert result["decision"] == "answer" and result["kind"] is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [("guten abend zusammen", "greeting"), ("bonjour à tous", "greeting"),
     ("hallo, ich bin neu in jena 😊", "greeting"), ("دمتون گرم", "thanks")],
)
def test_greeting_to_everyone_and_introductions_are_small_talk(project_snapshot, text: str,
                                                              kind: str) -> None:
    match = project_snapshot.index.match(text)
    assert (match.decision, match.kind) == ("smalltalk", kind)


@pytest.mark.parametrize(
    ("text", "entry"),
    [("hallo zusammen, wo ist das bürgeramt?", "citizens-office"),
     ("hi, i'm new here, where do i register my address?", "registration")],
)
def test_greeting_to_everyone_with_a_question_answers_it(project_snapshot, text: str,
                                                        entry: str) -> None:
    match = project_snapshot.index.match(text)
    assert match.decision == "answer" and match.entry == entry


@pytest.mark.parametrize("text", ["gibt es hier auch echte leute?", "با پشتیبانی حرف بزنم",
                                  "let me talk to real people"])
def test_more_requests_for_a_person(project_snapshot, text: str) -> None:
    assert project_snapshot.index.match(text).decision == "handoff"


@pytest.mark.parametrize("text", ["merhaba, yeniyim. sigorta?", "привет, я новенький. врач?",
                                  "bonjour, je suis nouvelle. logement?"])
def test_an_introduction_with_a_topic_word_is_not_small_talk(project_snapshot, text: str) -> None:
    assert project_snapshot.index.match(text).decision != "smalltalk"


def test_a_question_about_a_card_is_not_about_the_bot(project_snapshot) -> None:
    assert project_snapshot.index.match("گرین کارت چیه").kind != "about"
