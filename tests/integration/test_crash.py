"""kill -9 during a flood: nothing Telegram delivered is lost, nothing is answered twice.

The bot runs as ``welcome-bot run`` in a real process (shipped rate limit, 30 messages/s)
against the fake Bot API in this process, which behaves like Telegram: an update whose
id is below a getUpdates ``offset`` is never delivered again, in webhook mode an update
answered with 200 is never posted again.

Every user plays the same script, a few steps per round: choose Ukrainian (button),
subscribe to the welcome day (button), then unknown commands ``/k<n>`` whose reply
repeats ``/k<n>`` — so each reply names its update. A control user plays the script once
at the end; every user's replies must equal the control's, step for step (nothing lost,
nothing twice, in order), and the database must hold their language and subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import re
import signal
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import SMALL_KB
from tests.fakeapi import JSON, FakeBotAPI
from tests.integration.test_run import ROOT, free_port

EVENT = "welcome-day-test"
SCRIPT_HEAD = ("lang:uk", f"sub:{EVENT}")  # then /k<n> commands
# Kill points: 12 in the suite (six of each kind, ~30 s); a longer soak with
# CRASH_ROUNDS=100 pytest tests/integration/test_crash.py.
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "12"))
USERS = 40
CONTROL = 99_999
_K = re.compile(r"/k\d+x\d+z")


@dataclass
class Flood:
    """What was pushed, per user, and the kill statistics."""

    fake: FakeBotAPI
    steps: dict[int, list[int]] = field(default_factory=dict)  # user → update ids
    kills: int = 0
    confirmed_unanswered: list[int] = field(default_factory=list)  # at each kill

    def push(self, user: int) -> int:
        done = len(self.steps.setdefault(user, []))
        if done < len(SCRIPT_HEAD):
            uid = self.fake.push_callback(user, SCRIPT_HEAD[done], language_code="uk")
        else:
            uid = self.fake.push_message(user, f"/k{user}x{done}z", language_code="uk")
        self.steps[user].append(uid)
        return uid


def bot_env(fake: FakeBotAPI, data: Path) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("WELCOME_BOT_")},
            "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
            "WELCOME_BOT_DATA_DIR": str(data), "WELCOME_BOT_KNOWLEDGE_DIR": str(SMALL_KB)}


# ``welcome-bot run`` accepts only a public https:// webhook URL; the fake posts to
# http://127.0.0.1, so the webhook test starts the same ``run`` with its settings.
WEBHOOK_RUN = """
import os, sys
from pathlib import Path
from bot.config import Settings
from bot.tg.app import run
port = int(sys.argv[1])
sys.exit(run(Settings(token=os.environ["TELEGRAM_BOT_TOKEN"],
                      base_url=os.environ["TELEGRAM_API_BASE_URL"],
                      data_dir=Path(os.environ["WELCOME_BOT_DATA_DIR"]),
                      knowledge_dir=Path(os.environ["WELCOME_BOT_KNOWLEDGE_DIR"]),
                      webhook_url=f"http://127.0.0.1:{port}", port=port,
                      secret_token="crash-test")))
"""


async def start(env: dict[str, str], log: Path, webhook_port: int | None = None,
                ) -> asyncio.subprocess.Process:
    """``welcome-bot run`` (polling), or ``run`` in webhook mode on ``webhook_port``."""
    args = (("-m", "bot", "run") if webhook_port is None
            else ("-c", WEBHOOK_RUN, str(webhook_port)))
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, env=env, stdout=out,
            stderr=asyncio.subprocess.STDOUT)


async def kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGKILL)
    await proc.wait()


def confirmed_offset(fake: FakeBotAPI) -> int:
    """Updates below this id were confirmed to the fake Telegram."""
    return max((int(p.get("offset") or 0) for p in fake.called("getUpdates")), default=0)


def normalised(messages: list[JSON]) -> list[str]:
    return [_K.sub("/k#", m.get("text") or m.get("title") or "") for m in messages]


async def control_groups(fake: FakeBotAPI) -> list[list[str]]:
    """The control user's replies to each step of the script (its first three steps)."""
    flood = Flood(fake)
    groups: list[list[str]] = []
    for _step in range(3):
        before = len(fake.sent(CONTROL))
        flood.push(CONTROL)
        sentinel = f"/k{CONTROL}x{1000 + _step}z"
        fake.push_message(CONTROL, sentinel, language_code="uk")
        await fake.wait_until(lambda s=sentinel: any(
            s in (m.get("text") or "") for m in fake.sent(CONTROL)), timeout=20)
        replies = fake.sent(CONTROL)[before:-1]
        groups.append(normalised(replies))
    return groups


def expected(groups: list[list[str]], steps: int) -> list[str]:
    out = []
    for step in range(steps):
        out += groups[min(step, 2)]
    return out


def compare(fake: FakeBotAPI, flood: Flood, groups: list[list[str]]) -> tuple[int, int]:
    """(duplicates, lost) over all users; they are zero when every list matches."""
    twice = lost = 0
    for user, ids in flood.steps.items():
        want, got = Counter(expected(groups, len(ids))), Counter(normalised(fake.sent(user)))
        twice += sum((got - want).values())
        if got != want and os.environ.get("CRASH_DEBUG"):
            print(user, "extra", dict(got - want), "missing", dict(want - got))
            print([(m.get("text") or "")[:30] for m in fake.sent(user)])
        lost += sum((want - got).values())
    return twice, lost


def check_database(path: Path, flood: Flood) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        langs = dict(db.execute("SELECT user, lang FROM users"))
        subs = {u for (u,) in db.execute("SELECT user FROM subscriptions WHERE event=?",
                                         (EVENT,))}
        inbox = db.execute("SELECT COUNT(*), COUNT(payload), COUNT(plan) FROM inbox "
                           "WHERE done IS NULL OR payload IS NOT NULL").fetchone()
    for user, ids in flood.steps.items():
        assert langs.get(f"tg:{user}") == "uk", user
        if len(ids) >= 2:
            assert f"tg:{user}" in subs, user
    assert inbox == (0, 0, 0), "answered updates must leave no text behind"


async def test_kill_9_at_random_moments_loses_nothing_and_answers_once(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    """Odd rounds kill at a random time after the start; even rounds right after the fake
    accepted a random number of new messages — the worst moment, when a reply may be
    accepted by Telegram but not yet counted by the bot (its one possible duplicate)."""
    rng = random.Random(20261207)
    env, log = bot_env(fake, tmp_path / "data"), tmp_path / "bot.log"
    flood = Flood(fake)
    users = list(range(30_001, 30_001 + USERS))
    repeats = {"after a send": 0, "at a random time": 0}
    kind = "at a random time"
    for round_ in range(ROUNDS):
        for user in rng.sample(users, 15):
            for _ in range(rng.randint(1, 2)):
                flood.push(user)
        proc = await start(env, log)
        seen = repeated(fake)
        if round_ % 2:
            await asyncio.sleep(rng.uniform(0.3, 2.5))
        else:
            # First the bot's first reply of this round (a slow start on a busy machine
            # must not turn this into a kill before start), then a random number more.
            started = len(fake.sent()) + 1
            with contextlib.suppress(AssertionError):
                await fake.wait_until(lambda t=started: len(fake.sent()) >= t, timeout=30)
            target = len(fake.sent()) + rng.randint(0, 25)
            with contextlib.suppress(AssertionError):
                await fake.wait_until(lambda t=target: len(fake.sent()) >= t, timeout=4)
        await kill(proc)
        repeats[kind] += repeated(fake) - seen  # surfaced after the previous kill
        kind = "at a random time" if round_ % 2 else "after a send"
        flood.kills += 1
        flood.confirmed_unanswered.append(len(unanswered(fake, flood, confirmed_offset(fake))))

    for user in users:  # a last command each: when it is answered, all before it are
        flood.push(user)
    total = sum(len(ids) for ids in flood.steps.values())
    proc = await start(env, log)
    try:
        seen = repeated(fake)
        await fake.wait_until(lambda: not unanswered(fake, flood), timeout=60)
        groups = await control_groups(fake)
        repeats[kind] += repeated(fake) - seen
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=30)
    twice, lost = compare(fake, flood, groups)
    print(f"\nkill -9 points: {flood.kills}; updates delivered: {total}; lost: {lost}; "
          f"answered twice: {twice} messages, by kill kind: {repeats}; confirmed to Telegram "
          f"but unanswered at a kill: up to {max(flood.confirmed_unanswered)} updates")
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert lost == 0
    # Only the message in flight can go twice: every extra message repeats the one just
    # before it in its chat (never an earlier one, never a whole answer replayed).
    assert twice == repeated(fake), "a duplicate that is not the message in flight"
    assert max(flood.confirmed_unanswered) > 0, "no kill hit confirmed, unanswered updates"
    check_database(tmp_path / "data" / "welcome-bot.sqlite3", flood)


def repeated(fake: FakeBotAPI) -> int:
    """Messages that repeat the message just before them in the same chat."""
    count = 0
    for chat in {m["chat_id"] for m in fake.sent()}:
        sent = fake.sent(chat)
        count += sum(1 for a, b in itertools.pairwise(sent)
                     if (a.get("text"), a.get("title")) == (b.get("text"), b.get("title")))
    return count


def unanswered(fake: FakeBotAPI, flood: Flood, below: int | None = None) -> list[int]:
    """The /k commands (with update ids below ``below``) that have no reply yet."""
    out = []
    for user, ids in flood.steps.items():
        texts = " ".join(m.get("text") or "" for m in fake.sent(user))
        for step in range(len(SCRIPT_HEAD), len(ids)):
            if (below is None or ids[step] < below) and f"/k{user}x{step}z" not in texts:
                out.append(ids[step])
    return out


async def test_webhook_answers_200_only_once_stored_kill_after_200_loses_nothing(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    """Sending fails until the kill, so no update can be answered before it; every update
    got its 200, the process is killed, and the next start answers each one once."""
    port = free_port()
    env, log = bot_env(fake, tmp_path / "data"), tmp_path / "bot.log"
    fake.fail_next("sendMessage", status=502, times=10_000)
    users = range(40_001, 40_006)
    proc = await start(env, log, port)
    try:
        for user in users:
            fake.push_message(user, f"/k{user}x0z", language_code="de")
        try:
            await fake.wait_until(lambda: fake.webhook_info()["url"]
                                  and not fake.webhook_info()["pending_update_count"],
                                  timeout=30)
        except AssertionError:
            raise AssertionError(f"{fake.webhook_info()}\n{log.read_text()[-3000:]}") from None
    finally:
        await kill(proc)  # right after the last 200
    assert not fake.sent()
    fake.clear_failures()
    proc = await start(env, log, port)
    try:
        for user in users:
            await fake.wait_for_sent(user, 1, timeout=30)
        fake.push_message(40_001, "/k40001x1z", language_code="de")
        await fake.wait_for_sent(40_001, 2, timeout=30)  # the first start's update went once
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=30)
    for user in users:
        texts = [m["text"] for m in fake.sent(user)]
        assert sum(f"/k{user}x0z" in t for t in texts) == 1, texts
    assert proc.returncode == 0, log.read_text()[-3000:]


async def test_start_up_sends_only_the_rest_of_a_half_sent_answer(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    """Killed after the first of two planned messages went out: the next start sends the
    second only, runs nothing twice, and keeps no text of the update."""
    from bot.storage.inbox import Inbox
    from bot.storage.sqlite import SQLiteStorage
    from tests.integration.conftest import running_bot

    store = SQLiteStorage(tmp_path / "welcome-bot.sqlite3")
    inbox = Inbox(store)
    raw = {"update_id": 7, "message": {
        "message_id": 1, "date": 1_700_000_000, "text": "/k1z",
        "chat": {"id": 4711, "type": "private"},
        "from": {"id": 4711, "is_bot": False, "first_name": "Ana", "language_code": "de"}}}
    inbox.add(7, "('user', 4711)", raw)
    inbox.set_plan(7, [{"text": "first", "markup": None}, {"text": "second", "markup": None}])
    inbox.mark_sent(7, 1)
    store.close()
    fake.add_chat(4711)
    async with running_bot(fake, tmp_path, knowledge=SMALL_KB):
        await fake.wait_for_sent(4711, 1, timeout=20)
        await fake.wait_until(lambda: not pending(tmp_path / "welcome-bot.sqlite3"), timeout=10)
    assert [m["text"] for m in fake.sent(4711)] == ["second"]
    with sqlite3.connect(tmp_path / "welcome-bot.sqlite3") as db:
        assert db.execute("SELECT update_id, payload, plan FROM inbox").fetchall() == [
            (7, None, None)]


def pending(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT COUNT(*) FROM inbox WHERE done IS NULL").fetchone()[0]
