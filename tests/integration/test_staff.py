"""Staff tools over the fake Bot API: identity, reload, unanswered, stats, gaps, announce."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from bot.tg import staffcmd
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot

STAFF, NEWCOMER = 900, 901


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PROJECT_KB, target)
    return target


def last_text(fake: FakeBotAPI, chat: int) -> str:
    return fake.sent(chat)[-1]["text"]


async def say(fake: FakeBotAPI, chat: int, text: str, lang: str = "en") -> str:
    before = len(fake.sent(chat))
    fake.push_message(chat, text, language_code=lang)
    await fake.wait_until(lambda: len(fake.sent(chat)) > before, timeout=15)
    await asyncio.sleep(0.05)
    return "\n".join(m["text"] for m in fake.sent(chat)[before:])


@pytest.mark.parametrize("command", sorted(staffcmd.COMMANDS))
async def test_staff_commands_are_invisible_to_others(fake: FakeBotAPI, tmp_path: Path,
                                                      command: str) -> None:
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF})) as app:
        reply = await say(fake, NEWCOMER, f"/{command} welcome-days-students")
        assert reply.startswith(f"I don't know the command /{command}")
        assert app.bot_data["service"].storage.audit_log() == []


async def test_every_staff_action_is_audited(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF})) as app:
        for command in ("/stats 7", "/gaps", "/unanswered", "/handled 1"):
            await say(fake, STAFF, command)
        log = app.bot_data["service"].storage.audit_log()
        assert [row[2] for row in reversed(log)] == ["stats", "gaps", "unanswered", "handled"]
        assert all(row[1] == str(STAFF) for row in log)


async def test_reload_valid_and_broken_while_users_chat(fake: FakeBotAPI, tmp_path: Path,
                                                        kb_dir: Path) -> None:
    registration = kb_dir / "entries" / "registration.yaml"
    async with running_bot(fake, tmp_path, knowledge=kb_dir, admins=frozenset({STAFF})):
        # a staff member corrects the German answer and adds a Ukrainian variant
        text = registration.read_text(encoding="utf-8")
        text = text.replace("  answer: |\n", "  answer: |\n    NEU: Termine auch samstags.\n", 1)
        registration.write_text(text, encoding="utf-8")
        for user in range(1000, 1010):
            fake.push_message(user, "wo melde ich meine wohnung an", language_code="de")
        reply = await say(fake, STAFF, "/reload")
        assert "Reloaded 37 entries" in reply and "changed: registration" in reply
        for user in range(1000, 1010):
            await fake.wait_for_sent(user, 1)
        answer = await say(fake, 1011, "wo melde ich meine wohnung an", "de")
        assert "NEU: Termine auch samstags." in answer
        # a broken file is refused; the bot keeps answering from the previous version
        registration.write_text("id: registration\ngroups: [all\n", encoding="utf-8")
        reply = await say(fake, STAFF, "/reload")
        assert "Reload refused" in reply and "entries/registration.yaml" in reply
        answer = await say(fake, 1012, "wo melde ich meine wohnung an", "de")
        assert "NEU: Termine auch samstags." in answer


async def test_watcher_swaps_in_changes_and_tells_staff(fake: FakeBotAPI, tmp_path: Path,
                                                        kb_dir: Path) -> None:
    async with running_bot(fake, tmp_path, knowledge=kb_dir, admins=frozenset({STAFF})) as app:
        await say(fake, STAFF, "/start")
        (kb_dir / "entries" / "lichtstadt.yaml").unlink()
        count = len(fake.sent(STAFF))
        await app.job_queue.jobs()[0].run(app)  # run every job once instead of waiting
        for job in app.job_queue.jobs():
            if job.callback is staffcmd.watch_knowledge:
                await job.run(app)
        await fake.wait_until(lambda: len(fake.sent(STAFF)) > count)
        assert "removed: lichtstadt" in last_text(fake, STAFF)
        assert "lichtstadt" not in app.bot_data["service"].conv.snapshot.kb.entries
        (kb_dir / "entries" / "waste.yaml").write_text("broken: [", encoding="utf-8")
        for job in app.job_queue.jobs():
            if job.callback is staffcmd.watch_knowledge:
                await job.run(app)
        await fake.wait_until(lambda: "keeps serving" in last_text(fake, STAFF))
        assert "waste" in app.bot_data["service"].conv.snapshot.kb.entries


async def test_unanswered_groups_and_handled(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF})):
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


async def test_stats_hide_small_counts(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF})):
        for user in range(1200, 1206):
            await say(fake, user, "wo melde ich meine wohnung an", "de")
        await say(fake, 1206, "як зробити Anmeldung?", "uk")
        reply = await say(fake, STAFF, "/stats 30")
        assert "Questions in the last 30 days: 7" in reply
        assert "de 6" in reply and "uk < 5" in reply and "registration 7" in reply


async def test_gaps_lists_outdated_translations(fake: FakeBotAPI, tmp_path: Path,
                                                kb_dir: Path) -> None:
    path = kb_dir / "entries" / "waste.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nde:\n", "\nde:\n  updated: 2026-11-20\n", 1),
                    encoding="utf-8")
    async with running_bot(fake, tmp_path, knowledge=kb_dir, admins=frozenset({STAFF})):
        reply = await say(fake, STAFF, "/gaps")
        assert "older than German waste" in reply


async def test_announce_to_500_with_blocked_and_429(fake: FakeBotAPI, tmp_path: Path) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    async with running_bot(fake, tmp_path, admins=frozenset({STAFF})) as app:
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
        uk = fake.sent(20_002)[0]["text"]
        assert "📣" in uk and any(ch in uk for ch in "іїє")
        again = await say(fake, STAFF, "/announce welcome-days-students")
        assert "less than an hour ago; nothing sent" in again
        assert len(fake.sent(20_001)) == 1
