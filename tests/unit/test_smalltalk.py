"""Small talk: loading smalltalk.yaml, recognising the kinds, replying, recording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import answer_json
from bot.conversation.core import Conversation
from bot.conversation.messages import Card, Text, UserState
from bot.errors import KnowledgeError
from bot.knowledge.loader import load
from bot.understanding.language import SUPPORTED
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
