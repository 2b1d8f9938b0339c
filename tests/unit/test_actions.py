"""Button actions: the wire format, round trips, Telegram's 64-byte limit, forged data."""

from __future__ import annotations

import re

import pytest

from bot.conversation import answers, menus
from bot.conversation.actions import (
    LIMIT,
    Action,
    ChooseGroup,
    ChooseLanguage,
    ShowMenu,
    ShowTopic,
    Subscribe,
    UnfitActionError,
    Unsubscribe,
    Vote,
    decode,
    encode,
    fits,
)
from bot.conversation.core import Conversation
from bot.conversation.messages import Incoming, Reply, Text, UserState
from bot.i18n import default_translator
from bot.knowledge import loader
from bot.knowledge.loader import GROUPS, KnowledgeBase
from bot.understanding.language import SUPPORTED

# The strings buttons in users' chats carry, from every version of the bot so far.
WIRE = [
    ("lang:uk", ChooseLanguage("uk")),
    ("grp:student", ChooseGroup("student")),
    ("grp:all", ChooseGroup("all")),
    ("menu", ShowMenu()),
    ("topic:housing|uk", ShowTopic("housing", "uk")),
    ("topic:housing", ShowTopic("housing")),
    ("fb:housing:1|ar", Vote("housing", True, "ar")),
    ("fb:housing:0|de", Vote("housing", False, "de")),
    ("fb:housing:0", Vote("housing", False)),
    ("sub:welcome-days-students", Subscribe("welcome-days-students")),
    ("unsub:welcome-days-students", Unsubscribe("welcome-days-students")),
]


@pytest.mark.parametrize(("data", "action"), WIRE)
def test_wire_format_is_unchanged(data: str, action: Action) -> None:
    assert encode(action) == data
    assert decode(data) == action


@pytest.mark.parametrize("data", [
    "", "garbage", "menu:x", "menu|uk", "topic:", "topic:|uk", "fb:x:9", "fb::1", "fb:x",
    "fb:x:1:", "lang:xx", "lang:", "lang:de|uk", "grp:aliens", "grp:student|fa", "sub:",
    "unsub:", "sub:x|uk", "x:y", ":", "|", "\x00", "a" * 200, "topic:" + "é" * 30,
])
def test_forged_or_garbled_data_decodes_to_nothing(data: str) -> None:
    assert decode(data) is None


def test_a_language_tag_no_longer_supported_is_dropped_not_fatal() -> None:
    assert decode("topic:housing|zz") == ShowTopic("housing")
    assert decode("fb:housing:1|xx") == Vote("housing", True)


@pytest.mark.parametrize("action", [
    Subscribe("x" * 61), ShowTopic("y" * 60, "uk"), Vote("é" * 30, True, "de"),
    Subscribe("with|bar"), ShowTopic("a|b"), ShowTopic(""), Subscribe(""),
    ChooseLanguage("xx"), ChooseGroup("aliens"),
])
def test_encode_refuses_what_would_not_come_back_intact(action: Action) -> None:
    with pytest.raises(UnfitActionError):
        encode(action)
    assert not fits(action)


def test_the_longest_ids_the_validator_accepts_fit() -> None:
    match = re.search(r"\{0,(\d+)\}", loader._ID.pattern)
    assert match is not None
    longest = "a" * (1 + int(match.group(1)))  # one character, then up to N more
    assert loader._ID.match(longest) and not loader._ID.match(longest + "a")
    for lang in SUPPORTED:
        assert len(encode(ShowTopic(longest, lang)).encode()) <= LIMIT
        assert len(encode(Vote(longest, True, lang)).encode()) <= LIMIT


def test_every_action_the_shipped_knowledge_can_produce_fits(project_kb: KnowledgeBase) -> None:
    actions: list[Action] = [ShowMenu(), *(ChooseLanguage(c) for c in SUPPORTED),
                             *(ChooseGroup(g) for g in GROUPS)]
    for entry in project_kb.entries:
        for lang in SUPPORTED:
            actions += [ShowTopic(entry, lang), Vote(entry, True, lang), Vote(entry, False, lang)]
    for event in project_kb.events:
        actions += [Subscribe(event), Unsubscribe(event)]
    for action in actions:
        assert decode(encode(action)) == action
    longest = max((encode(a) for a in actions), key=lambda d: len(d.encode()))
    assert len(longest.encode()) <= LIMIT, longest


def _actions(replies: list[Reply]) -> list[str]:
    return [b.action for r in replies if isinstance(r, Text) for row in r.buttons for b in row]


def test_every_button_the_core_shows_decodes(project_kb: KnowledgeBase) -> None:
    tr = default_translator()
    shown: list[str] = []
    for lang in SUPPORTED:
        shown += _actions([menus.language_picker(tr, lang), menus.group_picker(tr, lang)])
        for group in GROUPS:
            shown += _actions([menus.topics(project_kb, tr, lang, group)])
        for entry in project_kb.entries.values():
            shown += _actions(answers.entry_answer(project_kb, tr, entry, lang))
    assert len(shown) > 1000
    assert all(decode(data) is not None and len(data.encode()) <= LIMIT for data in shown)


def test_a_stale_topic_button_answers_out_of_date_in_its_language(core: Conversation) -> None:
    replies, state = core.handle(Incoming("u1", "button", data="topic:gone|de", chat="1"),
                                 UserState(lang="en"))
    german = default_translator().gettext(
        "de", "This button is out of date. Here is the current menu:")
    assert replies[0] == Text(german, "de") and "aktuell" in german
    assert state == UserState(lang="en")
