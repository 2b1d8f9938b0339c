"""Load: 200 users × 5 messages pushed at once; every message answered, per-user order kept.

How "answered, in order" is established without knowing how many messages a reply has
(an answer is a text, contact cards, venues, a feedback keyboard, related topics …):

1. Reference: one fresh user per distinct message sequence plays it step by step (the next
   message only after the bot finished the previous one), so its replies are grouped per
   message without any help from the bot's ordering machinery.
2. Load: 200 other fresh users play the same sequences, all 1000 messages queued at once
   in a random interleaving that keeps each user's own order.
3. Every load user must see exactly the reference replies (text, keyboard, venue) of its
   sequence, group after group: nothing lost, duplicated, swapped or answered wrongly.

"The bot finished an update" is observed by a ``TypeHandler`` in a handler group after
the bot's own (``Tracker``): PTB runs it once the bot's handler returned, i.e. after the
last reply of that update was accepted by the fake API. The reply groups are cut there.

The shipped ``AIORateLimiter`` keeps 30 messages/s overall, as Telegram demands; the
fake server has no limits, and ~2500 replies at 30/s would take well over a minute, so
this test installs the limiter with the overall rate switched off (retries unchanged).
``bench/load.py`` reuses the workload and the tracker and reports the figures.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

import bot.tg.app as tg_app
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot

# (client language, text): free-text questions in several languages and commands.
POOL: tuple[tuple[str, str], ...] = (
    ("de", "wo melde ich meine wohnung an"),
    ("uk", "як зробити Anmeldung?"),
    ("ar", "وين مكتب الأجانب؟"),
    ("en", "where can I learn German"),
    ("en", "/help"),
    ("fa", "برای Anmeldung چه مدارکی لازم است؟"),
    ("ru", "где найти квартиру в Йене"),
    ("uk", "/privacy"),
    ("fr", "où trouver un médecin"),
    ("en", "ZEISS Planetarium tickets"),
    ("de", "/events"),
    ("ar", "/start"),
    ("tr", "Jena'da iş nasıl bulurum"),
    ("en", "/menu"),
    ("de", "Ich suche einen Deutschkurs"),
)
USERS = 200
MESSAGES = 5
LOAD_USER_BASE = 10_000
REFERENCE_USER_BASE = 900_000
TRACKER_GROUP = 99  # after the bot's handlers (group 0)

Sequence = tuple[tuple[str, str], ...]


def sequence(index: int, messages: int = MESSAGES) -> Sequence:
    """The messages of sequence ``index``: a window over the pool (cyclic)."""
    return tuple(POOL[(index + k) % len(POOL)] for k in range(messages))


def workload(users: int = USERS, messages: int = MESSAGES) -> dict[int, Sequence]:
    """user id → the user's messages; each distinct sequence is played by many users."""
    return {LOAD_USER_BASE + u: sequence(u % len(POOL), messages) for u in range(users)}


def interleave(plan: dict[int, Sequence],
               seed: int = 7) -> Iterator[tuple[int, str, str]]:
    """All messages of all users in a random order that keeps each user's own order."""
    tickets = [user for user, seq in plan.items() for _ in seq]
    random.Random(seed).shuffle(tickets)
    position = dict.fromkeys(plan, 0)
    for user in tickets:
        lang, text = plan[user][position[user]]
        position[user] += 1
        yield user, lang, text


def signature(message: dict) -> tuple:
    """What the user sees of one message (not ids or dates)."""
    return (message["method"], message.get("text"), message.get("title"),
            message.get("address"), message.get("latitude"), message.get("longitude"),
            json.dumps(message.get("reply_markup"), sort_keys=True, ensure_ascii=False))


@dataclass
class Finished:
    at: float  # time.perf_counter() when the bot's handling ended
    sent: int  # messages in the chat at that moment (only if counting)


class Tracker:
    """Observes when the bot finished each update (see the module docstring)."""

    def __init__(self, fake: FakeBotAPI, app: Application, count_sent: bool = True) -> None:
        self.fake = fake
        self.count_sent = count_sent
        self.finished: dict[int, Finished] = {}
        self._awaited: set[int] = set()
        self._all_done = asyncio.Event()
        app.add_handler(TypeHandler(Update, self._done), group=TRACKER_GROUP)

    async def _done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        count = len(self.fake.sent(chat.id)) if self.count_sent and chat else 0
        self.finished[update.update_id] = Finished(time.perf_counter(), count)
        self._awaited.discard(update.update_id)
        if not self._awaited:
            self._all_done.set()

    async def wait(self, update_ids: Iterable[int], timeout: float) -> None:
        """Wait until the bot finished all these updates; AssertionError on timeout."""
        self._awaited = {u for u in update_ids if u not in self.finished}
        if not self._awaited:
            return
        self._all_done.clear()
        try:
            async with asyncio.timeout(timeout):
                await self._all_done.wait()
        except TimeoutError:
            raise AssertionError(
                f"{len(self._awaited)} update(s) not finished within {timeout}s, e.g. "
                f"{sorted(self._awaited)[:5]}") from None

    def groups(self, chat_id: int, update_ids: list[int]) -> list[list[dict]]:
        """The chat's messages cut into one group per update (in the user's order)."""
        sent = self.fake.sent(chat_id)
        out, start = [], 0
        for update_id in update_ids:
            end = self.finished[update_id].sent
            out.append(sent[start:end])
            start = max(start, end)
        return out


def _unthrottled_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tg_app, "AIORateLimiter",
                        functools.partial(AIORateLimiter, overall_max_rate=0))


async def test_200_users_5_messages_all_answered_in_order(
        fake: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _unthrottled_limiter(monkeypatch)
    caplog.set_level(logging.WARNING)
    plan = workload()
    sequences = sorted(set(plan.values()))
    async with running_bot(fake, tmp_path) as app:
        tracker = Tracker(fake, app)
        reference = await _reference(fake, tracker, sequences)

        # The load: everything queued at once.
        ids: dict[int, list[int]] = {user: [] for user in plan}
        for user, lang, text in interleave(plan):
            ids[user].append(fake.push_message(user, text, language_code=lang))
        await tracker.wait([u for v in ids.values() for u in v], timeout=90)

    # Every message answered, exactly like the reference, in the user's order.
    problems = []
    for user, seq in plan.items():
        expected = reference[seq]
        seen = [signature(m) for m in fake.sent(user)]
        if seen == [sig for group in expected for sig in group]:
            continue
        for step, group in enumerate(tracker.groups(user, ids[user])):
            got = [signature(m) for m in group]
            if got != expected[step]:
                problems.append(f"user {user}, message {step + 1} {seq[step][1]!r}: expected "
                                f"{len(expected[step])} message(s), got "
                                f"{[(s[0], (s[1] or s[2] or '')[:30]) for s in got]}")
        problems.append(f"user {user}: {len(seen)} messages in all, expected "
                        f"{sum(map(len, expected))}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:20])
    for user, update_ids in ids.items():  # the bot also finished them in the user's order
        finished = [tracker.finished[u].at for u in update_ids]
        assert finished == sorted(finished), f"user {user}: updates finished out of order"
    assert not fake.errors, fake.errors[:5]
    noisy = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
             if r.levelno >= logging.WARNING]
    assert not noisy, noisy[:10]


async def _reference(fake: FakeBotAPI, tracker: Tracker,
                     sequences: list[Sequence]) -> dict[Sequence, list[list[tuple]]]:
    """Each sequence played by a fresh user, the next message only after the last reply."""
    users = {seq: REFERENCE_USER_BASE + n for n, seq in enumerate(sequences)}
    ids: dict[Sequence, list[int]] = {seq: [] for seq in sequences}
    for step in range(max(map(len, sequences))):
        batch = []
        for seq in sequences:
            if step < len(seq):
                lang, text = seq[step]
                ids[seq].append(fake.push_message(users[seq], text, language_code=lang))
                batch.append(ids[seq][-1])
        await tracker.wait(batch, timeout=20)
    reference = {
        seq: [[signature(m) for m in group] for group in tracker.groups(users[seq], ids[seq])]
        for seq in sequences
    }
    for seq, groups in reference.items():
        for step, group in enumerate(groups):
            assert group, f"no reply to {seq[step][1]!r} even without load"
    assert any("fb:" in sig[-1] for groups in reference.values() for group in groups
               for sig in group), "no question got a real answer (feedback keyboard)"
    return reference


FLOODER, OTHER = 20_001, 20_002
FLOOD = 400  # more than the 256 updates PerUserProcessor runs at once


async def test_a_flooding_user_does_not_hold_up_the_others(
        fake: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One user sends 400 messages at once, then another user one.

    Different users run concurrently, so the other user's single reply goes out after a
    handful of the flooder's replies. (It went out after ~145 of them while the
    processor took one of its 256 slots before waiting for the user's lock.)
    """
    _unthrottled_limiter(monkeypatch)
    async with running_bot(fake, tmp_path) as app:
        tracker = Tracker(fake, app, count_sent=False)
        flood = [fake.push_message(FLOODER, "/privacy") for _ in range(FLOOD)]
        other = fake.push_message(OTHER, "/help")
        await tracker.wait([*flood, other], timeout=60)
    chats = [m["chat_id"] for m in fake.sent()]
    ahead = chats[: chats.index(OTHER)].count(FLOODER)
    assert ahead < 50, f"{ahead} of the flooder's replies went out before the other user's"
