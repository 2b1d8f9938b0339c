"""Staff commands over the fake Bot API: one thin end-to-end test per command.

What the reports compute (statistics, gaps, grouping, reload diff) is tested as units in
tests/unit/test_staff.py; here: who may run a command, the audit log, that questions
asked in Telegram reach the reports, reload and the file watcher with users chatting,
and an announcement to 500 subscribers with blocked users and a 429.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.conversation.core import Snapshot
from bot.tg import staffcmd
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot

STAFF, NEWCOMER = 900, 901


@pytest.fixture
async def staff_bot(fake: FakeBotAPI, tmp_path: Path,
                    project_snapshot: Snapshot) -> AsyncIterator[Application]:
    """The bot on the shipped knowledge base with STAFF as its only admin."""
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF}),
                           snapshot=project_snapshot) as app:
        yield app


def last_text(fake: FakeBotAPI, chat: int) -> str:
    return fake.sent(chat)[-1]["text"]


async def say(fake: FakeBotAPI, chat: int, text: str, lang: str = "en") -> str:
    before = len(fake.sent(chat))
    fake.push_message(chat, text, language_code=lang)
    await fake.wait_until(lambda: len(fake.sent(chat)) > before, timeout=15)
    await asyncio.sleep(0.05)
    return "\n".join(m["text"] for m in fake.sent(chat)[before:] if m["text"])


async def test_staff_commands_are_invisible_to_others(fake: FakeBotAPI,
                                                      staff_bot: Application) -> None:
    for command in sorted(staffcmd.COMMANDS):
        reply = await say(fake, NEWCOMER, f"/{command} welcome-days-students")
        assert reply.startswith(f"I don't know the command /{command}"), command
    assert staff_bot.bot_data["service"].storage.audit_log() == []


async def test_every_staff_action_is_audited(fake: FakeBotAPI, staff_bot: Application) -> None:
    for command in ("/stats 7", "/gaps", "/unanswered", "/handled 1"):
        await say(fake, STAFF, command)
    log = staff_bot.bot_data["service"].storage.audit_log()
    assert [row[2] for row in reversed(log)] == ["stats", "gaps", "unanswered", "handled"]
    assert all(row[1] == str(STAFF) for row in log)


GERMAN_ANSWER = "Melden Sie sich innerhalb von zwei Wochen"  # tests/data/kb registration
NEW = "Termine jetzt auch samstags."


async def test_reload_valid_and_broken_while_users_chat(fake: FakeBotAPI, tmp_path: Path,
                                                        kb_copy: Path) -> None:
    """On the tiny knowledge base: what is proved (a reload swaps the whole snapshot, users
    writing meanwhile are all answered, a broken folder is refused and the previous
    version keeps answering) does not depend on the folder's size."""
    registration = kb_copy / "entries" / "registration.yaml"
    async with running_bot(fake, tmp_path, knowledge=kb_copy, admins=frozenset({STAFF})):
        # a staff member corrects the German answer
        text = registration.read_text(encoding="utf-8")
        registration.write_text(text.replace(GERMAN_ANSWER, f"{NEW} {GERMAN_ANSWER}", 1),
                                encoding="utf-8")
        for user in range(1000, 1010):
            fake.push_message(user, "wo melde ich meine wohnung an", language_code="de")
        reply = await say(fake, STAFF, "/reload")
        assert "Reloaded 3 entries" in reply and "changed: registration" in reply
        for user in range(1000, 1010):
            await fake.wait_for_sent(user, 1)
        answer = await say(fake, 1011, "wo melde ich meine wohnung an", "de")
        assert NEW in answer
        # a broken file is refused; the bot keeps answering from the previous version
        registration.write_text("id: registration\ngroups: [all\n", encoding="utf-8")
        reply = await say(fake, STAFF, "/reload")
        assert "Reload refused" in reply and "entries/registration.yaml" in reply
        answer = await say(fake, 1012, "wo melde ich meine wohnung an", "de")
        assert NEW in answer


async def run_watcher(app: Application) -> None:
    """One round of the knowledge watcher, as the job queue runs it every 30 s."""
    (job,) = [j for j in app.job_queue.jobs() if j.callback is staffcmd.watch_knowledge]
    await job.run(app)


async def test_watcher_swaps_in_changes_and_tells_staff(fake: FakeBotAPI, tmp_path: Path,
                                                        kb_copy: Path) -> None:
    """On the tiny knowledge base; the watcher's job is run directly instead of waiting."""
    async with running_bot(fake, tmp_path, knowledge=kb_copy, admins=frozenset({STAFF})) as app:
        entries = app.bot_data["service"].conv
        await say(fake, STAFF, "/start")
        count = len(fake.sent(STAFF))
        await run_watcher(app)  # nothing changed: nothing said
        (kb_copy / "entries" / "emergency.yaml").unlink()
        await run_watcher(app)
        await fake.wait_until(lambda: len(fake.sent(STAFF)) > count)
        assert "removed: emergency" in last_text(fake, STAFF)
        assert "emergency" not in entries.snapshot.kb.entries
        (kb_copy / "entries" / "registration.yaml").write_text("broken: [", encoding="utf-8")
        await run_watcher(app)
        await fake.wait_until(lambda: "keeps serving" in last_text(fake, STAFF))
        assert "registration" in entries.snapshot.kb.entries
        assert len(fake.sent(STAFF)) == count + 2


async def test_unanswered_groups_and_handled(fake: FakeBotAPI, staff_bot: Application) -> None:
    for user, text in ((1101, "who won the football match yesterday, call 0176 1234567"),
                       (1102, "who won the football match yesterday?"),
                       (1103, "best pizza recipe please")):
        await say(fake, user, text)
    listing = await say(fake, STAFF, "/unanswered")
    assert "×2" in listing and "0176" not in listing
    key = listing.split("#")[1].split()[0]
    reply = await say(fake, STAFF, f"/handled {key}")
    assert "Marked 2 question(s)" in reply
    assert "×2" not in await say(fake, STAFF, "/unanswered")


async def test_stats_count_questions_asked_in_telegram(fake: FakeBotAPI,
                                                       staff_bot: Application) -> None:
    for user in range(1200, 1206):
        await say(fake, user, "wo melde ich meine wohnung an", "de")
    await say(fake, 1206, "як зробити Anmeldung?", "uk")
    reply = await say(fake, STAFF, "/stats 30")
    assert "Questions in the last 30 days: 7" in reply
    assert "de 6" in reply and "uk < 5" in reply and "registration 7" in reply


async def test_gaps_reports_the_running_knowledge(fake: FakeBotAPI, tmp_path: Path,
                                                  kb_copy: Path) -> None:
    async with running_bot(fake, tmp_path, knowledge=kb_copy, admins=frozenset({STAFF})):
        reply = await say(fake, STAFF, "/gaps")
        assert "ru: missing emergency, registration, welcome-day" in reply


async def test_announce_to_500_with_blocked_and_429(fake: FakeBotAPI, tmp_path: Path,
                                                    project_snapshot: Snapshot) -> None:
    """With the rate limiter's overall 30 messages/s off (its retries on 429 unchanged):
    490 messages at Telegram's pace would take 16 s and prove nothing more here."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF}),
                           snapshot=project_snapshot, unthrottled=True) as app:
        storage = app.bot_data["service"].storage
        langs = ("de", "en", "uk", "ru", "ar", "fa", "tr", "fr")
        for n in range(500):
            chat = 20_000 + n
            fake.add_chat(chat)
            storage.subscribe(f"tg:{chat}", str(chat), "welcome-days-students", langs[n % 8])
        for n in range(0, 500, 50):
            fake.block_user(20_000 + n)
        await say(fake, STAFF, "/start")
        fake.fail_next("sendMessage", status=429, retry_after=1)
        before = len(fake.sent(STAFF))
        fake.push_message(STAFF, "/announce welcome-days-students", language_code="en")
        await fake.wait_until(lambda: len(fake.sent(STAFF)) > before, timeout=60)
        summary = last_text(fake, STAFF)
        assert "sent 490, skipped 10 (blocked the bot), failed 0" in summary
        assert fake.rate_limit_hits == 1
        uk = fake.sent(20_002)[0]["text"]
        assert "📣" in uk and any(ch in uk for ch in "іїє")
        again = await say(fake, STAFF, "/announce welcome-days-students")
        assert "less than an hour ago; nothing sent" in again
        assert len(fake.sent(20_001)) == 1
