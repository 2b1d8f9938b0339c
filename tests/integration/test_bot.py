"""The whole bot, driven like users over a local fake Bot API (no internet)."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import SMALL_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot

LRI, PDI = "\u2066", "\u2069"


def texts(messages: list[dict]) -> str:
    return "\n---\n".join(m.get("text") or "" for m in messages)


def callbacks(messages: list[dict]) -> list[str]:
    out = []
    for m in messages:
        markup = m.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            out.extend(b.get("callback_data", "") for b in row)
    return out


async def test_start_offers_languages_in_client_language(fake: FakeBotAPI, bot) -> None:
    fake.push_message(101, "/start", language_code="uk")
    sent = await fake.wait_for_sent(101, 1)
    assert "Єн" in sent[0]["text"] or "Ласкаво" in sent[0]["text"]
    labels = [b["text"] for m in sent for row in (m.get("reply_markup") or {}).get(
        "inline_keyboard", []) for b in row]
    for name in ("Deutsch", "English", "Українська", "Русский", "العربية", "فارسی",
                 "Türkçe", "Français"):
        assert name in labels


async def test_localized_command_menus_are_published(fake: FakeBotAPI, bot) -> None:
    for lang in ("de", "uk", "ar", "fa"):
        commands = fake.commands(lang)
        assert {c["command"] for c in commands} >= {"start", "menu", "help", "privacy",
                                                     "forget", "events", "language"}
    assert fake.commands("uk") != fake.commands("de")
    assert fake.profile[("description", "uk")] != fake.profile[("description", "de")]
    assert "Jena" in fake.profile[("short_description", "")]  # the default, in English


@pytest.mark.parametrize(
    ("lang", "question", "expect"),
    [
        ("de", "wo melde ich meine wohnung an", "Bürgerservice"),
        ("uk", "як зробити Anmeldung?", "Bürgerservice"),
        ("ar", "كيف اسجل عنوان السكن الجديد؟", "Bürgerservice"),
        ("fa", "برای Anmeldung چه مدارکی لازم است؟", "Bürgerservice"),
    ],
)
async def test_question_gets_answer_contact_and_feedback(fake: FakeBotAPI, bot, lang: str,
                                                         question: str, expect: str) -> None:
    fake.push_message(202, question, language_code=lang)
    sent = await fake.wait_for_sent(202, 1)
    await asyncio.sleep(0.3)
    sent = fake.sent(202)
    assert expect in texts(sent)
    assert "Engelplatz 1" in texts(sent)
    assert f"fb:registration:1|{lang}" in callbacks(sent)
    assert f"fb:registration:0|{lang}" in callbacks(sent)
    if lang in ("ar", "fa"):
        raw = sent[0]["raw_text"]
        assert f"{LRI}Bürgerservice{PDI}" in raw or f"{LRI}Anmeldung" in raw


async def test_feedback_button(fake: FakeBotAPI, bot) -> None:
    fake.push_message(303, "wo melde ich meine wohnung an", language_code="de")
    await fake.wait_for_sent(303, 1)
    fake.push_callback(303, "fb:registration:1|de")
    await fake.wait_until(lambda: any("Danke" in (m.get("text") or "") for m in fake.sent(303)))
    assert fake.called("answerCallbackQuery")


async def test_venue_for_contact_with_coordinates(fake: FakeBotAPI, tmp_path) -> None:
    # The shipped map pins are all marked unverified (never shown); the test knowledge
    # base has a confirmed one.
    async with running_bot(fake, tmp_path, knowledge=SMALL_KB):
        fake.push_message(304, "wo melde ich meine wohnung an", language_code="de")
        await fake.wait_until(lambda: fake.called("sendVenue"))
    venue = fake.called("sendVenue")[0]
    assert venue["latitude"] == 50.9263 and "Bürgerservice" in venue["title"]


async def test_emergency_first(fake: FakeBotAPI, bot) -> None:
    fake.push_message(305, "my friend is unconscious and not breathing", language_code="en")
    sent = await fake.wait_for_sent(305, 1)
    assert "112" in sent[0]["text"]


async def test_decline_names_a_person_to_reach(fake: FakeBotAPI, bot) -> None:
    fake.push_message(306, "who won the champions league final?", language_code="en")
    await fake.wait_until(lambda: "Bürgerservice" in texts(fake.sent(306)))
    sent = fake.sent(306)
    assert "You can reach a person here:" in texts(sent)
    assert "Bürgerservice" in texts(sent)  # fallback.yaml's general contact


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location",
                                  "video", "contact"])
async def test_non_text_gets_a_friendly_reply(fake: FakeBotAPI, bot, kind: str) -> None:
    fake.push_media(307, kind, language_code="ar")
    sent = await fake.wait_for_sent(307, 1)
    assert sent[0]["text"]


async def test_edited_message_is_answered(fake: FakeBotAPI, bot) -> None:
    fake.push_message(308, "hello", language_code="en")
    await fake.wait_for_sent(308, 1)
    before = len(fake.sent(308))
    fake.push_edited_message(308, "where do I register my address")
    await fake.wait_until(lambda: len(fake.sent(308)) > before)


async def test_very_long_text_and_emoji_only(fake: FakeBotAPI, bot) -> None:
    fake.push_message(309, "Anmeldung " * 2000, language_code="de")
    fake.push_message(310, "🎉🎉🎉", language_code="de")
    fake.push_message(311, "<b>&amp; <script>alert(1)</script>", language_code="en")
    for chat in (309, 310, 311):
        await fake.wait_for_sent(chat, 1)
    assert not fake.errors


async def test_unknown_command_and_forged_button(fake: FakeBotAPI, bot) -> None:
    fake.push_message(312, "/frobnicate", language_code="en")
    sent = await fake.wait_for_sent(312, 1)
    assert "/frobnicate" in sent[0]["text"]
    fake.push_callback(312, "topic:does-not-exist-any-more")
    await fake.wait_for_sent(312, 2)
    assert "out of date" in texts(fake.sent(312))


async def test_language_choice_survives_restart_and_forget(fake: FakeBotAPI, tmp_path,
                                                           project_snapshot) -> None:
    async with running_bot(fake, tmp_path, snapshot=project_snapshot):
        fake.push_message(401, "/start", language_code="en")
        await fake.wait_for_sent(401, 1)
        fake.push_callback(401, "lang:ar")
        await fake.wait_for_sent(401, 2)
    async with running_bot(fake, tmp_path, snapshot=project_snapshot):
        count = len(fake.sent(401))
        fake.push_message(401, "/help", language_code="en")
        await fake.wait_until(lambda: len(fake.sent(401)) > count)
        assert any("\u0600" <= ch <= "\u06ff" for ch in fake.sent(401)[-1]["text"])
        fake.push_message(401, "/forget", language_code="en")
        await fake.wait_until(lambda: len(fake.sent(401)) > count + 1)
        fake.push_message(401, "/help", language_code="en")
        await fake.wait_until(lambda: len(fake.sent(401)) > count + 2)
        assert "Just write your question" in fake.sent(401)[-1]["text"]


async def test_group_answers_only_when_mentioned(fake: FakeBotAPI, bot) -> None:
    group = -5001
    fake.push_message(501, "wo melde ich meine wohnung an", chat_id=group, chat_type="group")
    await asyncio.sleep(0.5)
    assert fake.sent(group) == []
    fake.push_message(501, "@jena_welcome_test_bot wo melde ich meine wohnung an",
                      chat_id=group, chat_type="group")
    sent = await fake.wait_for_sent(group, 1)
    assert "Bürgerservice" in texts(sent)
    count = len(sent)
    fake.push_message(502, "wo melde ich meine wohnung an", chat_id=group, chat_type="group",
                      reply_to_bot=True)  # a reply to the bot is for the bot
    sent = await fake.wait_for_sent(group, count + 1)
    assert "Bürgerservice" in texts(sent[count:])


async def test_429_and_500_are_retried(fake: FakeBotAPI, bot) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=1)
    fake.fail_next("sendMessage", status=502)
    fake.push_message(601, "/help", language_code="en")
    sent = await fake.wait_for_sent(601, 1, timeout=15)
    assert "Just write your question" in sent[0]["text"]
    assert fake.rate_limit_hits >= 1


async def test_dropped_connection_is_retried(fake: FakeBotAPI, bot) -> None:
    fake.drop_next("sendMessage")
    fake.push_message(602, "/privacy", language_code="en")
    sent = await fake.wait_for_sent(602, 1, timeout=15)
    assert "180 days" in sent[0]["text"]


async def test_blocked_user_does_not_stop_others(fake: FakeBotAPI, bot) -> None:
    fake.push_message(603, "/start", language_code="en")
    await fake.wait_for_sent(603, 1)
    fake.block_user(603)
    fake.push_message(603, "/help", language_code="en")
    fake.push_message(604, "/help", language_code="en")
    sent = await fake.wait_for_sent(604, 1)
    assert sent


async def test_per_user_order_and_concurrency(fake: FakeBotAPI, bot) -> None:
    users = range(700, 720)
    for i in range(5):
        for user in users:
            fake.push_message(user, f"/{['help', 'privacy', 'menu', 'language', 'help'][i]}",
                              language_code="en")
    for user in users:
        await fake.wait_for_sent(user, 5, timeout=20)
    for user in users:
        first = [m["text"] for m in fake.sent(user)]
        assert first[0].startswith("Just write your question")
        assert first[1].startswith("What I store")


async def test_a_failing_update_gets_an_apology_and_others_go_on(fake: FakeBotAPI, bot) -> None:
    service = bot.bot_data["service"]
    original = service.conv.outcome

    def flaky(incoming, state):
        if incoming.text == "boom":
            raise RuntimeError("simulated bug")
        return original(incoming, state)

    service.conv.outcome = flaky
    fake.push_message(801, "boom", language_code="en")
    fake.push_message(802, "/help", language_code="en")
    apology = await fake.wait_for_sent(801, 1)
    assert "Sorry, something went wrong" in apology[0]["text"]
    assert (await fake.wait_for_sent(802, 1))[0]["text"].startswith("Just write")
    fake.push_message(801, "/help", language_code="en")
    await fake.wait_for_sent(801, 2)
