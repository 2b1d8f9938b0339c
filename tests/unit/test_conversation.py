"""The conversation core, driven like errbot's test backend: Incoming in, replies out."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation.core import Conversation, plain
from bot.conversation.messages import Card, Incoming, Text, UserState, Venue

NOW = datetime(2026, 11, 26, 12, 0)


def cmd(name: str, lang: str | None = "en") -> Incoming:
    return Incoming("u1", "command", command=name, client_lang=lang, chat="1", now=NOW)


def say(text: str, lang: str | None = "en") -> Incoming:
    return Incoming("u1", "text", text=text, client_lang=lang, chat="1", now=NOW)


def press(data: str) -> Incoming:
    return Incoming("u1", "button", data=data, chat="1", now=NOW)


def buttons(replies) -> list[str]:
    return [b.action for r in replies if isinstance(r, Text) for row in r.buttons for b in row]


def test_start_greets_in_client_language_and_offers_languages(core: Conversation) -> None:
    replies, state = core.handle(cmd("start", "uk-UA"), UserState())
    assert state.lang == "uk"
    actions = buttons(replies)
    assert [a for a in actions if a.startswith("lang:")] == [
        "lang:de", "lang:en", "lang:uk", "lang:ru", "lang:ar", "lang:fa", "lang:tr", "lang:fr"]
    assert "grp:student" in actions
    labels = [b.label for r in replies if isinstance(r, Text) for row in r.buttons for b in row]
    assert "Українська" in labels and "فارسی" in labels


def test_start_with_unsupported_client_language_is_english(core: Conversation) -> None:
    _replies, state = core.handle(cmd("start", "pt-BR"), UserState())
    assert state.lang == "en"


def test_choose_language_then_group(core: Conversation) -> None:
    _r, state = core.handle(press("lang:de"), UserState(lang="en"))
    assert state.lang == "de"
    replies, state = core.handle(press("grp:student"), state)
    assert state.group == "student"
    assert "topic:welcome-day|de" in buttons(replies)


def test_answer_has_text_contacts_pin_and_feedback(core: Conversation) -> None:
    replies, _state = core.handle(say("wo melde ich meine wohnung an"), UserState())
    assert "innerhalb von zwei Wochen" in replies[0].text
    cards = [r for r in replies if isinstance(r, Card)]
    assert cards[0].contact == "buergerservice"
    assert any("+49 3641 49-3800" in line for line in cards[0].lines)
    assert any("Mo.–Fr." not in line and "Mo." in line for line in cards[0].lines)
    assert any(isinstance(r, Venue) for r in replies)
    assert buttons(replies) == ["fb:registration:1|de", "fb:registration:0|de"]


def test_question_language_wins_over_stored_language(core: Conversation) -> None:
    replies, state = core.handle(say("як зробити реєстрацію адреси"), UserState(lang="de"))
    assert "бюро громадян" in replies[0].text
    assert state.lang == "de"  # the stored choice is not changed by one message


def test_missing_translation_says_so(core: Conversation) -> None:
    replies, _ = core.handle(say("коли welcome day"), UserState(lang="uk"))
    assert "welcome day greets" in replies[0].text.lower()
    assert replies[0].text.startswith("(")  # the note in Ukrainian comes first


def test_decline_routes_to_a_reachable_person_and_stores_scrubbed(core: Conversation,
                                                                   storage) -> None:
    replies, _ = core.handle(say("beste pizza in neapel? 0176 1234567"),
                             UserState())
    # fallback.yaml names the Bürgerservice; the Welcome Center card (website only) would
    # promise a person nobody can reach.
    assert any(isinstance(r, Card) and r.contact == "buergerservice" for r in replies)
    assert not any(isinstance(r, Card) and r.contact == "welcome-center" for r in replies)
    assert "You can reach a person here:" in [r.text for r in replies if isinstance(r, Text)]
    stored = storage.declined()
    assert len(stored) == 1 and "0176" not in stored[0][3] and "[number]" in stored[0][3]


def test_not_covered_question_gets_its_hint_and_a_person(core: Conversation,
                                                         storage) -> None:
    replies, _ = core.handle(say("wetter morgen in jena?"), UserState(lang="de"))
    assert replies[0].text == "Das Wetter kenne ich nicht; eine Wetter-App weiß es am besten."
    assert any(isinstance(r, Card) and r.contact == "buergerservice" for r in replies)
    assert "noch nicht" not in " ".join(r.text for r in replies if isinstance(r, Text))
    assert storage.declined()[0][4] == "weather"  # staff see which kind caught it


def test_emergency_is_answered_first(core: Conversation) -> None:
    replies, _ = core.handle(say("my husband hits me, I am bleeding"), UserState())
    assert "112" in replies[0].text
    assert "fb:" not in " ".join(buttons(replies))


@pytest.mark.parametrize("command", ["help", "privacy", "events", "menu", "language"])
def test_commands_answer_in_user_language(core: Conversation, command: str) -> None:
    replies, _ = core.handle(cmd(command), UserState(lang="en"))
    assert replies and all(isinstance(r, Text | Card) for r in replies)
    assert plain(replies).strip()


def test_events_lists_upcoming_only_with_reminder_button(core: Conversation) -> None:
    replies, _ = core.handle(cmd("events"), UserState(lang="de"))
    text = plain(replies)
    assert "Welcome Day" in text and "Old Welcome Day" not in text
    assert "Dienstag, 8. Oktober 2030" in text
    assert "sub:welcome-day-test" in buttons(replies)


def test_subscribe_and_forget(core: Conversation, storage) -> None:
    core.handle(press("sub:welcome-day-test"), UserState(lang="en"))
    assert storage.subscriptions("u1") == ["welcome-day-test"]
    storage.set_user("u1", UserState(lang="en", group="student"))
    replies, state = core.handle(cmd("forget"), UserState(lang="en", group="student"))
    assert state == UserState()
    assert storage.subscriptions("u1") == [] and storage.get_user("u1") == UserState()
    assert "deleted" in replies[0].text


@pytest.mark.parametrize("data", ["topic:no-such-entry", "lang:xx", "garbage", "", "fb:x:9",
                                  "sub:nope", "grp:aliens", "a" * 200])
def test_forged_or_stale_buttons_get_a_graceful_answer(core: Conversation, data: str) -> None:
    replies, state = core.handle(press(data), UserState(lang="en"))
    assert "out of date" in replies[0].text
    assert state == UserState(lang="en")


def test_feedback_is_recorded_without_user(core: Conversation, storage) -> None:
    core.handle(press("fb:registration:0"), UserState(lang="en"))
    rows = storage._run("SELECT * FROM votes")
    assert len(rows) == 1 and "u1" not in repr(rows)  # a keyed hash, not the user id


def test_unknown_command(core: Conversation) -> None:
    replies, _ = core.handle(cmd("foo"), UserState(lang="en"))
    assert "/foo" in replies[0].text


@pytest.mark.parametrize("text", ["", "   ", "🎉🎉🎉", "\x00\x01\x02", "a" * 10_000,
                                  "Anmeldung " * 2000, "مرحبا hello Привет 你好",
                                  "<b>bold</b> & <script>", "\u202eevil"])
def test_any_text_gets_a_reply(core: Conversation, text: str) -> None:
    replies, _ = core.handle(Incoming("u1", "text", text=text, now=NOW), UserState())
    assert replies and plain(replies).strip()


def test_media_gets_a_friendly_hint(core: Conversation) -> None:
    replies, _ = core.handle(Incoming("u1", "media", now=NOW), UserState(lang="en"))
    assert "only read text" in replies[0].text


def test_emergency_words_in_a_question_for_another_entry(core: Conversation) -> None:
    # clearly a registration question, but it mentions an accident: 112/110 come first
    replies, _ = core.handle(say("wo melde ich meine wohnung an nach dem unfall"), UserState())
    assert "112" in replies[0].text and "110" in replies[0].text
    assert "zwei Wochen" in replies[1].text
