"""A person on every route: fallback contacts per group, cards a person can use, at most
two contacts and one link under an answer, the rest behind "More contacts"."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

import pytest

from bot.conversation.core import Conversation, Snapshot
from bot.conversation.messages import Card, Incoming, Text, UserState, Venue
from bot.i18n import default_translator
from bot.knowledge.model import Contact, KnowledgeBase
from bot.storage.sqlite import SQLiteStorage

NOW = datetime(2026, 11, 26, 12, 0)


def press(data: str) -> Incoming:
    return Incoming("u1", "button", data=data, chat="1", now=NOW)


def say(text: str) -> Incoming:
    return Incoming("u1", "text", text=text, client_lang="en", chat="1", now=NOW)


def contact(cid: str, **fields: object) -> Contact:
    return Contact(cid, MappingProxyType({"de": cid.title()}), source=("https://jena.de",),
                   **fields)  # type: ignore[arg-type]


def rich_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """The small knowledge base with four more contacts on registration and three links."""
    extra = {
        "office-a": contact("office-a", phone="+49 3641 1", location=(50.9, 11.5),
                            address="Markt 1, Jena"),
        "office-b": contact("office-b", email="b@jena.de"),
        "office-c": contact("office-c", address="Markt 3, Jena", phone="+49 3641 3",
                            unverified=("phone",)),
        "website-only": contact("website-only", url="https://jena.de/w"),
        "student-desk": contact("student-desk", email="s@uni-jena.de",
                                hours=MappingProxyType({"mon": "09:00-12:00"})),
    }
    entry = kb.entries["registration"]
    entry = replace(entry, contacts=("website-only", "office-a", "office-b", "office-c"),
                    links=("https://jena.de/1", "https://jena.de/2", "https://jena.de/3"))
    return replace(kb, entries=MappingProxyType({**kb.entries, "registration": entry}),
                   contacts=MappingProxyType({**kb.contacts, **extra}),
                   fallback=MappingProxyType({"all": "buergerservice",
                                              "student": "student-desk"}))


@pytest.fixture
def rich(small_kb: KnowledgeBase) -> Conversation:
    return Conversation(Snapshot.build(rich_kb(small_kb)), default_translator(),
                        SQLiteStorage())


def cards(replies: list) -> list[str]:
    return [r.contact for r in replies if isinstance(r, Card)]


def texts(replies: list) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, Text))


def actions(replies: list) -> list[str]:
    return [b.action for r in replies if isinstance(r, Text) for row in r.buttons for b in row]


def test_an_answer_shows_two_reachable_contacts_and_one_link(rich: Conversation) -> None:
    replies, _ = rich.handle(press("topic:registration|en"), UserState())
    assert cards(replies) == ["office-a", "office-b"]  # the website-only one is skipped
    assert any(isinstance(r, Venue) for r in replies)  # office-a's pin
    body = replies[0].text
    assert "https://jena.de/1" in body and "https://jena.de/2" not in body
    assert "more:registration|en" in actions(replies)
    assert "fb:registration:0|en" in actions(replies)


def test_more_contacts_shows_the_rest(rich: Conversation) -> None:
    replies, _ = rich.handle(press("more:registration|en"), UserState())
    assert cards(replies) == ["office-c"]
    assert "https://jena.de/2" in texts(replies) and "https://jena.de/3" in texts(replies)
    card = next(r for r in replies if isinstance(r, Card))
    assert any("Markt 3" in line for line in card.lines)
    assert not any("+49 3641 3" in line for line in card.lines)  # unverified: left out


def test_more_contacts_for_an_entry_that_is_gone_is_out_of_date(rich: Conversation) -> None:
    replies, _ = rich.handle(press("more:nothing-here|uk"), UserState())
    assert replies[0].lang == "uk" and "grp:student" in actions(replies)


def test_no_more_button_when_everything_fits(core: Conversation) -> None:
    replies, _ = core.handle(press("topic:registration|en"), UserState())
    assert not [a for a in actions(replies) if a.startswith("more:")]


def test_a_decline_names_the_person_for_the_users_group(rich: Conversation) -> None:
    replies, _ = rich.handle(say("beste pizza in neapel"), UserState(group="student"))
    assert cards(replies) == ["student-desk"]
    replies, _ = rich.handle(say("beste pizza in neapel"), UserState(group="refugee"))
    assert cards(replies) == ["buergerservice"]  # no refugee contact: the general one


def test_not_helpful_names_a_reachable_person(rich: Conversation) -> None:
    replies, _ = rich.handle(press("fb:registration:0|en"), UserState(group="student"))
    assert replies[0].text == "Thank you — I will pass this on."
    assert "You can reach a person here:" in texts(replies)
    assert cards(replies) == ["student-desk"]


def test_without_a_reachable_person_nothing_is_promised(small_kb: KnowledgeBase) -> None:
    kb = replace(small_kb, fallback=MappingProxyType({}))  # welcome-center: website only
    conv = Conversation(Snapshot.build(kb), default_translator(), SQLiteStorage())
    replies, _ = conv.handle(say("beste pizza in neapel"), UserState())
    assert cards(replies) == []
    assert "Ansprechperson" not in texts(replies)
    assert "noch keine Antwort" in texts(replies)  # German question, German reply


def test_an_answer_without_reachable_contacts_names_the_fallback(
        small_kb: KnowledgeBase) -> None:
    entry = replace(small_kb.entries["registration"], contacts=("welcome-center",))
    kb = replace(small_kb, entries=MappingProxyType({**small_kb.entries,
                                                     "registration": entry}))
    conv = Conversation(Snapshot.build(kb), default_translator(), SQLiteStorage())
    replies, _ = conv.handle(press("topic:registration|en"), UserState())
    assert cards(replies) == ["buergerservice"]


def test_an_emergency_shows_every_contact_and_no_vote(small_kb: KnowledgeBase) -> None:
    kb = rich_kb(small_kb)
    entry = replace(kb.entries["emergency"],
                    contacts=("emergency-112", "office-a", "office-b", "office-c"))
    kb = replace(kb, entries=MappingProxyType({**kb.entries, "emergency": entry}))
    conv = Conversation(Snapshot.build(kb), default_translator(), SQLiteStorage())
    replies, _ = conv.handle(press("topic:emergency|en"), UserState())
    assert cards(replies) == ["emergency-112", "office-a", "office-b", "office-c"]
    assert not [a for a in actions(replies) if a.startswith(("more:", "fb:"))]
