"""Handoff as units: button actions, the pure flow, the cases table, /teach's file edit,
settings. The whole path through Telegram is in tests/integration/test_handoff.py."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import answer_json
from bot.config import Settings
from bot.conversation import actions
from bot.conversation.actions import AskPerson, Consent, EndCase, decode, encode
from bot.conversation.case import Mirror, OpenCase, Policy, Question, Recent, Said
from bot.conversation.core import Conversation, Snapshot, plain
from bot.conversation.messages import Incoming, Text, UserState
from bot.errors import ConfigError
from bot.i18n import default_translator
from bot.knowledge.loader import KnowledgeBase, load
from bot.staff import teach
from bot.storage.sqlite import SCHEMA_VERSION, SQLiteStorage
from bot.understanding.matching import Match
from tests.conftest import PROJECT_KB, TODAY

USER, CHAT = "tg:42", "42"
NOW = datetime(2026, 11, 26, 12, 0)


def conversation(kb: KnowledgeBase, enabled: bool = True,
                 hours: int | None = None) -> Conversation:
    return Conversation(Snapshot.build(kb), default_translator(), SQLiteStorage(),
                        Policy(enabled, hours, 14))


def text(body: str, chat: str = CHAT, user: str = USER) -> Incoming:
    return Incoming(user, "text", text=body, chat=chat, client_lang="en", now=NOW)


def button(action: actions.Action, chat: str = CHAT) -> Incoming:
    return Incoming(USER, "button", data=encode(action), chat=chat, client_lang="en", now=NOW)


def wants_person(conv: Conversation, monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher's verdict for "I want to talk to a human" (built by the matcher helper)."""
    monkeypatch.setattr(conv.snapshot.index, "match",
                        lambda question, lang="": Match("handoff", None, 0.99))


def open_case(conv: Conversation, number_thread: int = 77) -> None:
    number = conv.storage.cases.reserve("-100", USER, CHAT, "en", None, "q", "en", NOW)
    assert number is not None
    conv.storage.cases.activate(number, number_thread)


# ------------------------------------------------------------------ button actions

@pytest.mark.parametrize("action, wire", [
    (AskPerson("fa"), "person|fa"), (AskPerson(), "person"),
    (Consent(True, "uk"), "consent:1|uk"), (Consent(False, "ar"), "consent:0|ar"),
    (EndCase("de"), "endcase|de"), (EndCase(), "endcase"),
])
def test_handoff_actions_round_trip(action: actions.Action, wire: str) -> None:
    assert encode(action) == wire and decode(wire) == action
    assert len(wire.encode()) <= actions.LIMIT


@pytest.mark.parametrize("data", ["consent:2|en", "consent:|en", "consent", "person:x",
                                  "endcase:1", "consent:yes"])
def test_forged_handoff_data_decodes_to_nothing(data: str) -> None:
    assert decode(data) is None


# ------------------------------------------------------------------ the pure flow

def test_without_staff_chat_a_person_request_gets_the_fallback_contact(
        small_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    conv = conversation(small_kb, enabled=False)
    wants_person(conv, monkeypatch)
    replies, _state = conv.handle(text("I want to talk to a human"), UserState())
    shown = plain(replies)
    assert "You can reach a person here" in shown and "Bürgerservice" in shown
    assert not any(isinstance(r, Text) and r.buttons for r in replies)


def test_ask_json_for_a_handoff_names_the_fallback_person(
        small_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    conv = conversation(small_kb, enabled=False)
    wants_person(conv, monkeypatch)
    found = answer_json(conv, "I want to talk to a human")
    assert found["decision"] == "handoff" and found["contacts"] == ["buergerservice"]
    assert "You can reach a person here" in found["answer"]


def test_with_staff_chat_a_request_asks_consent_first(
        small_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    conv = conversation(small_kb, hours=4)
    conv.handle(text("where can i find a vet for my cat"), UserState())
    wants_person(conv, monkeypatch)
    outcome = conv.outcome(text("I want to talk to a human"), UserState())
    (consent,) = outcome.replies
    assert isinstance(consent, Text)
    assert "never your name, username, phone number or Telegram id" in consent.text
    assert "«where can i find a vet for my cat»" in consent.text
    assert "usually answer within 4 hours" in consent.text
    assert [b.action for b in consent.buttons[0]] == ["consent:1|en", "consent:0|en"]
    assert not [e for e in outcome.effects if isinstance(e, OpenCase)]


def test_consent_opens_a_case_with_the_recent_questions(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb)
    conv.handle(text("how do i register my address"), UserState())
    outcome = conv.outcome(button(Consent(True, "en")), UserState())
    (opening,) = [e for e in outcome.effects if isinstance(e, OpenCase)]
    assert outcome.replies == []  # the relay answers once the topic exists
    assert [q.text for q in opening.questions] == ["how do i register my address"]
    assert opening.questions[0].entry == "registration"


def test_requests_from_a_group_never_open_a_case(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb)
    outcome = conv.outcome(button(Consent(True, "en"), chat="-1005"), UserState())
    assert not [e for e in outcome.effects if isinstance(e, OpenCase)]
    assert "You can reach a person here" in plain(outcome.replies)


def test_declines_and_not_helpful_offer_a_person_only_with_a_staff_chat(
        small_kb: KnowledgeBase) -> None:
    for enabled in (True, False):
        conv = conversation(small_kb, enabled)
        declined, _ = conv.handle(text("zxqv blorp wibble"), UserState())
        voted, _ = conv.handle(button(actions.Vote("registration", False, "en")), UserState())
        for replies in (declined, voted):
            data = [b.action for r in replies if isinstance(r, Text) for row in r.buttons
                    for b in row]
            assert ("person|en" in data) is enabled


def test_an_open_case_takes_the_users_words(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb)
    open_case(conv)
    outcome = conv.outcome(text("how do i register my address"), UserState())
    assert outcome.replies == []
    assert outcome.effects == (Mirror(USER, "how do i register my address", "en"),)
    photo = conv.outcome(Incoming(USER, "media", media="photo", chat=CHAT, now=NOW), UserState())
    assert photo.effects == (Mirror(USER, "[photo]", "en", note=True),)
    menu = conv.outcome(Incoming(USER, "command", command="menu", chat=CHAT, now=NOW),
                     UserState())
    assert not menu.effects and menu.replies  # commands still reach the bot


def test_an_emergency_during_a_case_gets_the_numbers(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb)
    open_case(conv)
    outcome = conv.outcome(text("my friend is not breathing, emergency!"), UserState())
    assert "112" in plain(outcome.replies)
    assert isinstance(outcome.effects[0], Mirror)


def test_second_request_during_a_case_opens_nothing(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb)
    open_case(conv)
    for action in (AskPerson("en"), Consent(True, "en")):
        outcome = conv.outcome(button(action), UserState())
        assert "already in touch" in plain(outcome.replies) and not outcome.effects


def test_stop_without_a_case_says_so(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb)
    outcome = conv.outcome(Incoming(USER, "command", command="stop", chat=CHAT, now=NOW),
                        UserState())
    assert "no open conversation" in plain(outcome.replies) and not outcome.effects


def test_privacy_says_what_a_case_keeps(core: Conversation) -> None:
    for lang in ("en", "de", "fa"):
        replies, _ = core.handle(Incoming(USER, "command", command="privacy", chat=CHAT,
                                          client_lang=lang), UserState(lang=lang))
        assert "14" in replies[-1].text and "/stop" in replies[-1].text


def test_recent_questions_are_few_and_fresh() -> None:
    recent = Recent(keep=2, minutes=30)
    for i in range(3):
        recent.add(USER, Question(f"q{i}", "en", "decline"), NOW + timedelta(minutes=i))
    assert [q.text for q in recent.get(USER, NOW + timedelta(minutes=5))] == ["q1", "q2"]
    assert recent.get(USER, NOW + timedelta(minutes=45)) == ()
    recent.drop(USER)
    assert recent.get(USER, NOW) == ()


def test_nothing_is_remembered_without_a_staff_chat(small_kb: KnowledgeBase) -> None:
    conv = conversation(small_kb, enabled=False)
    outcome = conv.outcome(text("how do i register my address"), UserState())
    assert not [e for e in outcome.effects if isinstance(e, Said)]
    assert conv.recent.get(USER, NOW) == ()


# ------------------------------------------------------------------ the cases table

def test_one_open_case_per_user_and_nothing_kept_after_it_ends() -> None:
    cases = SQLiteStorage().cases
    number = cases.reserve("-100", USER, CHAT, "fa", "refugee", "سوال", "fa", NOW)
    assert number == 1
    assert cases.reserve("-100", USER, CHAT, "fa", None, None, None, NOW) is None
    cases.activate(number, 55)
    assert cases.for_topic("-100", 55).open and cases.for_user(USER).question == "سوال"
    assert cases.silent_since(NOW + timedelta(days=14)) == [cases.for_user(USER)]
    ended = cases.end(number, "forgotten", NOW)
    assert ended is not None and ended.user == USER
    left = cases.for_topic("-100", 55)
    assert (left.user, left.chat, left.question, left.status) == (None, None, None,
                                                                   "forgotten")
    assert cases.end(number, "closed", NOW) is None
    assert cases.reserve("-100", USER, CHAT, "fa", None, None, None, NOW) == 2
    cases.purge(NOW + timedelta(days=181))
    assert cases.for_topic("-100", 55) is None


def test_a_version_1_database_gets_the_cases_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    SQLiteStorage(path).close()
    with sqlite3.connect(path) as db:  # as version 1 left it
        db.execute("DROP TABLE cases")
        db.execute("UPDATE meta SET value='1' WHERE key='schema'")
        db.execute("INSERT INTO users VALUES ('tg:1', 'uk', NULL, '2026-01-01')")
    store = SQLiteStorage(path)
    assert store.get_user("tg:1") == UserState("uk")
    assert store.cases.reserve("-1", "tg:1", "1", "uk", None, None, None, NOW) == 1
    assert store._run("SELECT value FROM meta WHERE key='schema'") == [(str(SCHEMA_VERSION),)]


# ------------------------------------------------------------------ /teach's file edit

FLOW = """id: x
# a comment
en:
  title: T
  questions: [one, two]  # trailing comment kept out
de:
  questions: [eins]
"""


def test_teach_adds_to_a_flow_list() -> None:
    with pytest.raises(teach.TeachError):  # a comment after the list: not edited blindly
        teach.insert_question(FLOW, "en", "x")
    source = FLOW.replace("  # trailing comment kept out", "")
    changed = teach.insert_question(source, "en", 'say "hi": ok')
    assert changed.splitlines()[4] == '  questions: [one, two, "say \\"hi\\": ok"]'
    assert changed.replace('  questions: [one, two, "say \\"hi\\": ok"]\n', "") == \
        source.replace("  questions: [one, two]\n", "")


def test_teach_adds_to_a_block_list_keeping_comments() -> None:
    source = (PROJECT_KB / "entries" / "housing.yaml").read_text()
    changed = teach.insert_question(source, "fa", "آپارتمان ارزان کجاست")
    added = [line for line in changed.splitlines() if line not in source.splitlines()]
    assert added == ['    - "آپارتمان ارزان کجاست"']
    assert len(changed.splitlines()) == len(source.splitlines()) + 1


@pytest.mark.parametrize("source, message", [
    ("id: x\nen:\n  title: T\n", "plain 'questions:' list"),
    ("id: x\nde:\n  questions: [a]\n", "no 'en:' block"),
    ("id: x\nen:\n  questions: [a,\n    b]\n", "plain 'questions:' list"),
    ("id: x\nen:\n  questions:\nde: {}\n", "empty or not a list"),
])
def test_teach_refuses_files_it_cannot_edit_safely(source: str, message: str) -> None:
    with pytest.raises(teach.TeachError, match=message):
        teach.insert_question(source, "en", "new question")


def test_add_variant_validates_then_replaces(kb_copy: Path) -> None:
    kb = load(kb_copy, today=TODAY)
    variant, _file = teach.add_variant(kb_copy, kb, "registration", "en",
                                      "where do I register, call me at 0176 1234567")
    assert variant == "where do I register, call me at [number]"
    assert variant in load(kb_copy, today=TODAY).entries["registration"].texts["en"].questions
    with pytest.raises(teach.TeachError, match="already a question"):
        teach.add_variant(kb_copy, load(kb_copy, today=TODAY), "registration", "en", variant)
    with pytest.raises(teach.TeachError, match="no entry"):
        teach.add_variant(kb_copy, kb, "nope", "en", "x")
    assert not list((kb_copy / "entries").glob(".*tmp"))


def test_add_variant_changes_nothing_when_the_folder_is_broken(kb_copy: Path) -> None:
    kb = load(kb_copy, today=TODAY)
    (kb_copy / "events.yaml").write_text("welcome-day: [broken\n")
    before = (kb_copy / "entries" / "registration.yaml").read_text()
    with pytest.raises(teach.TeachError, match="would not load"):
        teach.add_variant(kb_copy, kb, "registration", "en", "a new way to ask")
    assert (kb_copy / "entries" / "registration.yaml").read_text() == before


# ------------------------------------------------------------------ settings

def args(**options: object) -> argparse.Namespace:
    base = {"token": "1:x", "admin": [], "webhook_url": None, "secret_token": None,
            "data_dir": None, "base_url": None, "listen": "127.0.0.1", "port": 8443,
            "staff_chat": None, "staff_reply_hours": None, "case_idle_days": None}
    return argparse.Namespace(**{**base, **options})


def test_staff_chat_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WELCOME_BOT_STAFF_CHAT", "WELCOME_BOT_STAFF_REPLY_HOURS",
                 "WELCOME_BOT_CASE_IDLE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    plain_settings = Settings.from_env(args(), Path("."))
    assert (plain_settings.staff_chat, plain_settings.staff_reply_hours,
            plain_settings.case_idle_days) == (None, None, 14)
    monkeypatch.setenv("WELCOME_BOT_STAFF_CHAT", "-1001234")
    monkeypatch.setenv("WELCOME_BOT_STAFF_REPLY_HOURS", "8")
    found = Settings.from_env(args(case_idle_days="7"), Path("."))
    assert (found.staff_chat, found.staff_reply_hours, found.case_idle_days) == (-1001234, 8, 7)
    assert "staff_chat=-1001234" in repr(found)


@pytest.mark.parametrize("option, value, message", [
    ("staff_chat", "12345", "between"), ("staff_chat", "staff", "whole number"),
    ("staff_reply_hours", "0", "between"), ("case_idle_days", "two", "whole number"),
])
def test_bad_staff_chat_settings_are_refused(option: str, value: str, message: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WELCOME_BOT_STAFF_CHAT", raising=False)
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(args(**{option: value}), Path("."))
