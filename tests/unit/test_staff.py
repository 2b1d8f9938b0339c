"""Staff reports without Telegram: statistics, gaps, unanswered groups, reload diff.

These run on the tiny knowledge base and an in-memory database; tests/integration/
test_staff.py keeps one thin end-to-end test per staff command for the wiring.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.model import Contact, Entry, EntryText, KnowledgeBase
from bot.staff import reports
from bot.storage.sqlite import SQLiteStorage
from bot.understanding.language import SUPPORTED
from tests.conftest import TODAY

# --------------------------------------------------------------------------- stats


def ask(storage: SQLiteStorage, n: int, lang: str, group: str | None = None,
        decision: str = "answer", entry: str | None = "registration") -> None:
    for _ in range(n):
        storage.record_question(lang, group, decision, entry)


def test_stats_count_by_language_group_decision_and_entry(storage: SQLiteStorage) -> None:
    ask(storage, 6, "de", "students")
    ask(storage, 1, "uk", None, "suggest", None)
    ask(storage, 1, "uk", "refugees", "decline", None)
    assert reports.stats(storage, 30).splitlines() == [
        "Questions in the last 30 days: 8",
        "Decisions: answer 75%, suggest 12%, decline 12%",
        "By language: de 6, uk < 5",
        "By group: students 6, – < 5, refugees < 5",
        "Most asked: registration 6",
    ]


def test_stats_count_small_talk_and_person_requests_apart(storage: SQLiteStorage) -> None:
    ask(storage, 6, "de")
    ask(storage, 7, "en", None, "smalltalk", None)
    ask(storage, 5, "fr", None, "handoff", None)
    lines = reports.stats(storage, 30).splitlines()
    assert lines[:3] == ["Questions in the last 30 days: 6",
                         "Decisions: answer 100%, suggest 0%, decline 0%",
                         "Small talk: 7, asked for a person: 5"]
    assert "By language: de 6" in lines


def test_stats_hide_small_totals_and_leave_out_percentages(storage: SQLiteStorage) -> None:
    ask(storage, 4, "fa")
    text = reports.stats(storage, 7)
    assert text.splitlines()[0] == "Questions in the last 7 days: < 5"
    assert "Decisions" not in text  # 1 of 4 would single out a person
    assert "fa < 5" in text and "registration < 5" in text and " 4" not in text


def test_stats_on_an_empty_database(storage: SQLiteStorage) -> None:
    assert reports.stats(storage, 7).splitlines() == [
        "Questions in the last 7 days: 0", "By language: ", "By group: ", "Most asked: "]


def test_stats_count_only_the_window(storage: SQLiteStorage) -> None:
    ask(storage, 6, "de")
    later = date.today() + timedelta(days=10)
    assert reports.stats(storage, 10, today=later).startswith("Questions in the last 10 days: 0")
    assert reports.stats(storage, 11, today=later).startswith("Questions in the last 11 days: 6")


def test_stats_feedback_small_counts_hidden_worst_listed(storage: SQLiteStorage) -> None:
    for helpful, n in ((False, 6), (True, 1)):
        for _ in range(n):
            storage.record_feedback("housing", "de", helpful)
    for _ in range(2):
        storage.record_feedback("registration", "uk", True)
    lines = reports.stats(storage, 30).splitlines()
    assert "Feedback (helpful / not helpful): registration < 5/0, housing < 5/6" in lines
    assert "Most often not helpful: housing 6" in lines


def test_count_hides_one_to_four() -> None:
    assert [reports.count(n) for n in (0, 1, 4, 5, 120)] == ["0", "< 5", "< 5", "5", "120"]


def test_demand_by_language_counts_answered_entries(storage: SQLiteStorage) -> None:
    ask(storage, 3, "de")
    ask(storage, 2, "uk", entry="housing")
    ask(storage, 1, "uk", decision="decline", entry=None)
    assert reports.demand_by_language(storage) == {
        "de": Counter(registration=3), "uk": Counter(housing=2)}


# --------------------------------------------------------------------------- gaps


def with_text(kb: KnowledgeBase, entry_id: str, lang: str, **changes: object) -> KnowledgeBase:
    """The knowledge base with one translation of one entry changed."""
    entry = kb.entries[entry_id]
    texts = {**entry.texts, lang: dataclasses.replace(entry.texts[lang], **changes)}
    entries = {**kb.entries, entry_id: dataclasses.replace(entry, texts=texts)}
    return dataclasses.replace(kb, entries=entries)


def test_gaps_list_missing_translations_per_language(small_kb: KnowledgeBase) -> None:
    lines = reports.gaps(small_kb, today=TODAY).splitlines()
    assert "uk: missing emergency, welcome-day; older than German –" in lines
    assert "ru: missing emergency, registration, welcome-day; older than German –" in lines
    assert not any(line.startswith(("de:", "en:")) for line in lines)


def test_gaps_list_translations_older_than_german(small_kb: KnowledgeBase) -> None:
    kb = with_text(small_kb, "registration", "de", updated=date(2026, 11, 20))
    kb = with_text(kb, "registration", "uk", updated=date(2026, 11, 21))  # newer: fine
    kb = with_text(kb, "registration", "ar", updated=date(2026, 11, 1))  # older
    lines = reports.gaps(kb, today=TODAY).splitlines()
    assert "en: missing –; older than German registration" in lines  # no date at all
    assert "ar: missing emergency, welcome-day; older than German registration" in lines
    assert "uk: missing emergency, welcome-day; older than German –" in lines


def test_gaps_put_the_most_asked_first(small_kb: KnowledgeBase) -> None:
    asked = {"ru": Counter({"welcome-day": 9, "registration": 2})}
    text = reports.gaps(small_kb, asked, today=TODAY)
    assert "ru: missing welcome-day, registration, emergency;" in text
    assert "fa: missing emergency, registration, welcome-day;" in text  # no demand: as loaded


def test_gaps_list_reviews_older_than_a_year(small_kb: KnowledgeBase) -> None:
    later = TODAY + timedelta(days=400)
    last = reports.gaps(small_kb, today=later).splitlines()[-1]
    assert last.startswith("reviewed more than a year ago: ")
    assert "registration" in last and "contact buergerservice" in last
    assert "reviewed more than a year ago" not in reports.gaps(small_kb, today=TODAY)


def test_no_gaps() -> None:
    text = EntryText("t", "a", ("q",))
    entry = Entry("one", ("all",), dict.fromkeys(SUPPORTED, text), reviewed=TODAY)
    contact = Contact("office", {"en": "Office"}, reviewed=TODAY)
    kb = KnowledgeBase({"one": entry}, {"office": contact}, {})
    assert reports.gaps(kb, today=TODAY) == (
        "No gaps: every entry is translated and reviewed this year.")


# --------------------------------------------------------------------------- unanswered


def row(qid: int, text: str, lang: str = "en", closest: str | None = None) -> tuple:
    return (qid, "2026-11-26", lang, text, closest)


def test_group_declined_joins_similar_questions_biggest_group_first() -> None:
    groups = reports.group_declined([
        row(5, "best pizza recipe please"),
        row(4, "who won the football match yesterday?", "de", "culture-events"),
        row(3, "who won the football match yesterday, call [phone]", "en", "culture-events"),
        row(2, "Who won the football match yesterday"),
    ])
    assert [(g.key, sorted(g.ids)) for g in groups] == [(2, [2, 3, 4]), (5, [5])]
    football = groups[0]
    assert football.texts[0] == "who won the football match yesterday?"
    assert football.langs == Counter(en=2, de=1)
    assert football.closest == Counter({"culture-events": 2, "–": 1})


def test_group_declined_keeps_different_questions_apart() -> None:
    groups = reports.group_declined([row(2, "where can I buy a bicycle"),
                                     row(1, "how do I cook lentils")])
    assert [g.ids for g in groups] == [[2], [1]]  # same size: the newest first


def test_group_declined_never_joins_questions_without_words() -> None:
    groups = reports.group_declined([row(3, "🙂🙂"), row(2, "???"), row(1, "🙂🙂")])
    assert sorted(len(g.ids) for g in groups) == [1, 1, 1]


def test_group_declined_of_nothing() -> None:
    assert reports.group_declined([]) == []


def test_grouping_over_the_database_and_marking_handled(storage: SQLiteStorage) -> None:
    storage.record_declined("who won the football match yesterday?", "en", None)
    storage.record_declined("who won the football match yesterday", "de", None)
    storage.record_declined("best pizza recipe please", "en", None)
    (football, pizza) = reports.group_declined(storage.declined(500))
    assert len(football.ids) == 2 and len(pizza.ids) == 1
    assert storage.mark_handled(football.ids) == 2
    assert storage.mark_handled(football.ids) == 0  # already handled
    assert [g.texts for g in reports.group_declined(storage.declined(500))] == [
        ["best pizza recipe please"]]


# --------------------------------------------------------------------------- reload


def test_diff_names_added_changed_and_removed_entries(small_kb: KnowledgeBase) -> None:
    new = with_text(small_kb, "registration", "de", answer="NEU: auch samstags.")
    entries = {k: v for k, v in new.entries.items() if k != "emergency"}
    entries["housing"] = dataclasses.replace(small_kb.entries["welcome-day"], id="housing")
    new = dataclasses.replace(new, entries=entries)
    changes = reports.diff(small_kb, new)
    assert (changes.added, changes.changed, changes.removed, changes.other) == (
        ("housing",), ("registration",), ("emergency",), 0)
    assert changes.describe() == "added: housing; changed: registration; removed: emergency"
    assert changes


def test_diff_counts_contacts_events_and_not_covered(small_kb: KnowledgeBase) -> None:
    contacts = dict(small_kb.contacts)
    contacts["buergerservice"] = dataclasses.replace(contacts["buergerservice"], phone="+49 1")
    del contacts["emergency-112"]
    events = {k: v for k, v in small_kb.events.items() if k != "past-event"}
    new = dataclasses.replace(small_kb, contacts=contacts, events=events, not_covered={})
    changes = reports.diff(small_kb, new)
    assert changes.other == 2 + 1 + len(small_kb.not_covered)
    assert changes.describe() == f"contacts/events/not-covered/small talk changed: {changes.other}"


def test_diff_of_the_same_knowledge_is_empty(small_kb: KnowledgeBase) -> None:
    changes = reports.diff(small_kb, small_kb)
    assert not changes and changes.describe() == "no changes"


def test_try_load_gives_the_knowledge_or_the_problems(kb_copy: Path) -> None:
    kb, problems = reports.try_load(kb_copy)
    assert kb is not None and "registration" in kb.entries and problems == []
    (kb_copy / "entries" / "registration.yaml").write_text("id: registration\ngroups: [all\n",
                                                           encoding="utf-8")
    kb, problems = reports.try_load(kb_copy)
    assert kb is None and any("entries/registration.yaml" in p for p in problems)


# --------------------------------------------------------------------------- announce


@pytest.mark.parametrize(("minutes_later", "recent"), [(0, True), (59, True), (61, False)])
def test_recently_announced_is_one_hour(storage: SQLiteStorage, minutes_later: int,
                                        recent: bool) -> None:
    storage.record_announcement("welcome-day-test", sent=3, skipped=0, failed=0)
    now = datetime.now() + timedelta(minutes=minutes_later)
    assert reports.recently_announced(storage, "welcome-day-test", now) is recent
    assert reports.recently_announced(storage, "past-event", now) is False
