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
these tests install the limiter with the overall rate switched off (retries unchanged).
The workload and the tracker live in tests/workload.py; ``python -m bench.load`` runs
the same workload and reports the figures.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.conversation.core import Snapshot
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot
from tests.workload import (
    Sequence,
    Tracker,
    interleave,
    signature,
    workload,
)

REFERENCE_USER_BASE = 900_000


async def test_200_users_5_messages_all_answered_in_order(
        fake: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        project_snapshot: Snapshot) -> None:
    caplog.set_level(logging.WARNING)
    plan = workload()
    sequences = sorted(set(plan.values()))
    async with running_bot(fake, tmp_path, snapshot=project_snapshot, unthrottled=True) as app:
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
        fake: FakeBotAPI, tmp_path: Path, project_snapshot: Snapshot) -> None:
    """One user sends 400 messages at once, then another user one.

    Different users run concurrently, so the other user's single reply goes out after a
    handful of the flooder's replies. (It went out after ~145 of them while the
    processor took one of its 256 slots before waiting for the user's lock.)
    """
    async with running_bot(fake, tmp_path, snapshot=project_snapshot, unthrottled=True) as app:
        tracker = Tracker(fake, app, count_sent=False)
        flood = [fake.push_message(FLOODER, "/privacy") for _ in range(FLOOD)]
        other = fake.push_message(OTHER, "/help")
        await tracker.wait([*flood, other], timeout=60)
    chats = [m["chat_id"] for m in fake.sent()]
    ahead = chats[: chats.index(OTHER)].count(FLOODER)
    assert ahead < 50, f"{ahead} of the flooder's replies went out before the other user's"
