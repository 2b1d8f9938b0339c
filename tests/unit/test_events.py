"""The one event formatter (listing, announcement, reminder) and the /events listing."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation.events import event_text, listing, reminder_due, upcoming
from bot.conversation.messages import Text
from bot.i18n import Translator, default_translator
from bot.knowledge.model import Event, EventText

NOW = datetime(2026, 11, 26, 12, 0)
DAY = Event(
    id="welcome-day-test", entry="welcome-day",
    texts={"en": EventText("Welcome Day", "Housing market and city services."),
           "de": EventText("Willkommenstag", "Wohnungsbörse und städtische Angebote.")},
    start=datetime(2030, 10, 8, 10, 0), end=datetime(2030, 10, 8, 16, 0),
    place="Ernst-Abbe-Platz, 07743 Jena", url="https://example.org/day")
UNDATED = Event(id="salon", entry="jenaer-salon",
                texts={"en": EventText("Salon", "Talks and music.")})
PAST = Event(id="old", entry="welcome-day", texts={"en": EventText("Old", "Over.")},
             start=datetime(2020, 10, 8, 10, 0))


@pytest.fixture(scope="module")
def tr() -> Translator:
    return default_translator()


def test_listing_style(tr: Translator) -> None:
    assert event_text(DAY, "de", tr) == Text(
        "Willkommenstag\n📅 Dienstag, 8. Oktober 2030, 10:00–16:00\n"
        "📍 Ernst-Abbe-Platz, 07743 Jena\n\nWohnungsbörse und städtische Angebote.\n"
        "🔗 https://example.org/day", "de")


def test_announcement_style(tr: Translator) -> None:
    text = event_text(DAY, "en", tr, "announcement")
    assert text.text.startswith("📣 Welcome Day\n📅 Tuesday, October 8, 2030, 10:00")
    assert text.text.endswith("\n\nHousing market and city services.\n🔗 https://example.org/day")


def test_reminder_style_is_headline_date_and_place_only(tr: Translator) -> None:
    headline = tr.gettext("de", "Reminder: tomorrow is “{event}”.").format(event="Willkommenstag")
    assert event_text(DAY, "de", tr, "reminder") == Text(
        headline + "\n📅 Dienstag, 8. Oktober 2030, 10:00–16:00\n📍 Ernst-Abbe-Platz, 07743 Jena",
        "de")


def test_missing_translation_is_tagged_with_the_language_shown(tr: Translator) -> None:
    listed = event_text(DAY, "uk", tr)
    assert listed.lang == "en" and listed.text.startswith("Welcome Day\n📅 вівторок")
    reminder = event_text(DAY, "uk", tr, "reminder")
    assert reminder.lang == "uk"  # the headline around the English title is Ukrainian
    assert "Welcome Day" in reminder.text and "Housing" not in reminder.text


def test_an_undated_event_says_so_in_a_listing_only(tr: Translator) -> None:
    assert event_text(UNDATED, "en", tr).text == (
        "Salon\n📅 Date not announced yet\n\nTalks and music.")
    assert event_text(UNDATED, "en", tr, "announcement").text == "📣 Salon\n\nTalks and music."


def test_upcoming_soonest_first_undated_last_past_left_out() -> None:
    later = Event(id="later", entry="x", texts=DAY.texts, start=datetime(2031, 1, 1))
    assert upcoming([UNDATED, later, PAST, DAY], NOW) == [DAY, later, UNDATED]


def test_reminder_due_the_day_before_only() -> None:
    assert reminder_due(DAY, datetime(2030, 10, 7, 10, 0))
    assert reminder_due(DAY, datetime(2030, 10, 8, 9, 59))
    assert not reminder_due(DAY, datetime(2030, 10, 7, 9, 59))
    assert not reminder_due(DAY, datetime(2030, 10, 8, 10, 0))
    assert not reminder_due(UNDATED, NOW)


def test_listing_offers_subscribe_or_cancel(tr: Translator) -> None:
    replies = listing([DAY, UNDATED, PAST], "en", tr, NOW, subscribed=set())
    assert replies[0].text == "2 events:"
    assert replies[1].buttons[0][0].action == "sub:welcome-day-test"
    assert replies[2].buttons == ()  # undated: nothing to remind
    again = listing([DAY], "en", tr, NOW, subscribed={"welcome-day-test"})
    assert again[1].buttons[0][0].action == "unsub:welcome-day-test"


@pytest.mark.parametrize("event_id", ["x" * 70, "a|b"])
def test_an_event_id_no_button_can_carry_is_listed_without_one(tr: Translator,
                                                               event_id: str) -> None:
    odd = Event(id=event_id, entry="x", texts=DAY.texts, start=DAY.start)
    replies = listing([odd], "en", tr, NOW, subscribed=set())
    assert replies[1] == event_text(odd, "en", tr)
    assert replies[1].text.startswith("Welcome Day\n")


def test_no_upcoming_events(tr: Translator) -> None:
    assert listing([PAST], "en", tr, NOW, set()) == [
        Text("There are no upcoming events in my calendar right now.", "en")]
