"""Routing and reply building write nothing; what a turn leaves behind is recorded in one place."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation.core import Conversation, route
from bot.conversation.messages import Incoming, UserState
from bot.conversation.record import (
    Asked,
    Declined,
    Forgotten,
    Subscribed,
    Unsubscribed,
    Voted,
    record,
)
from bot.conversation.turn import Outcome, Turn
from bot.storage.sqlite import SQLiteStorage

NOW = datetime(2026, 11, 26, 12, 0)


def turn(core: Conversation, kind: str, state: UserState | None = None, **fields: str) -> Turn:
    incoming = Incoming("u1", kind, chat="1", client_lang="en", now=NOW, **fields)
    return Turn(core.snapshot, core.tr, incoming, state or UserState(lang="en"),
                lambda user: [])


def routed(core: Conversation, kind: str, **fields: str) -> Outcome:
    """Route with a storage that fails on any write: routing must not need one."""
    core.storage = None
    return route(turn(core, kind, **fields))


def test_a_declined_question_is_counted_and_kept_for_staff(core: Conversation) -> None:
    outcome = routed(core, "text", text="beste pizza in neapel? 0176 1234567")
    declined, asked = outcome.effects
    assert isinstance(declined, Declined) and "0176" in declined.text  # scrubbed at record
    assert asked == Asked(declined.lang, None, "decline", None)


def test_an_answered_question_is_only_counted(core: Conversation) -> None:
    outcome = routed(core, "text", text="wo melde ich meine wohnung an")
    assert outcome.effects == (Asked("de", None, "answer", "registration"),)


@pytest.mark.parametrize(("data", "effect"), [
    ("fb:registration:1|de", Voted("registration", "de", True, "u1")),
    ("fb:registration:0", Voted("registration", "en", False, "u1")),
    ("sub:welcome-day-test", Subscribed("u1", "1", "welcome-day-test", "en")),
    ("unsub:welcome-day-test", Unsubscribed("u1", "welcome-day-test")),
])
def test_buttons_return_their_effects(core: Conversation, data: str, effect: object) -> None:
    assert routed(core, "button", data=data).effects == (effect,)


@pytest.mark.parametrize(("kind", "fields"), [
    ("command", {"command": "help"}), ("command", {"command": "events"}),
    ("button", {"data": "topic:registration|de"}), ("button", {"data": "garbage"}),
    ("media", {}),
])
def test_other_turns_record_nothing(core: Conversation, kind: str,
                                    fields: dict[str, str]) -> None:
    assert routed(core, kind, **fields).effects == ()


def test_forget_is_an_effect(core: Conversation) -> None:
    outcome = routed(core, "command", command="forget")
    assert outcome.effects == (Forgotten("u1"),) and outcome.state == UserState()


def test_record_writes_in_order_and_scrubs(storage: SQLiteStorage) -> None:
    record(storage, [Declined("call me: 0176 1234567, a@b.de", "de", "registration"),
                     Asked("de", "student", "decline", None),
                     Voted("registration", "de", True, "u1"),
                     Subscribed("u1", "1", "ev", "de")])
    (_id, _day, lang, text, closest), = storage.declined()
    assert (lang, closest) == ("de", "registration")
    assert "0176" not in text and "a@b.de" not in text
    assert storage.question_counts("2000-01-01")[0][:4] == ("de", "student", "decline", None)
    assert storage.subscriptions("u1") == ["ev"]
    record(storage, [Unsubscribed("u1", "ev")])
    assert storage.subscriptions("u1") == []
    record(storage, [Subscribed("u1", "1", "ev", "de"), Forgotten("u1")])
    assert storage.subscriptions("u1") == []
