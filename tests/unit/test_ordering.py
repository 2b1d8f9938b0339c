"""Per-user ordering: in order for each user, concurrent across users, floods cost no slots.

Deterministic: the updates' work waits on events the test sets; no timing involved.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from telegram import Chat, Message, Update, User

from bot.tg.ordering import PerUserProcessor, order_key


def update(user: int, number: int) -> Update:
    chat = Chat(user, Chat.PRIVATE)
    return Update(number, message=Message(number, datetime(2026, 1, 1), chat,
                                           from_user=User(user, "u", is_bot=False)))


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_flooding_user_queues_behind_themselves_not_in_the_slots() -> None:
    processor = PerUserProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    started: list[str] = []

    async def work(name: str) -> None:
        started.append(name)
        await release.wait()

    tasks = [asyncio.create_task(processor.process_update(update(1, n), work(f"a{n}")))
             for n in range(5)]
    tasks.append(asyncio.create_task(processor.process_update(update(2, 9), work("b"))))
    await settle()
    assert started == ["a0", "b"]  # the other user got the second slot at once
    release.set()
    await asyncio.gather(*tasks)
    assert started == ["a0", "b", "a1", "a2", "a3", "a4"]
    assert not processor._locks and not processor._waiting  # nothing left behind


async def test_running_updates_are_bounded() -> None:
    processor = PerUserProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    running: list[int] = []

    async def work(user: int) -> None:
        running.append(user)
        await release.wait()

    tasks = [asyncio.create_task(processor.process_update(update(u, u), work(u)))
             for u in (1, 2, 3)]
    await settle()
    assert running == [1, 2]
    release.set()
    await asyncio.gather(*tasks)
    assert running == [1, 2, 3]


async def test_a_failing_update_does_not_block_the_user() -> None:
    processor = PerUserProcessor()

    async def boom() -> None:
        raise RuntimeError("bug")

    async def fine() -> str:
        return "ok"

    with pytest.raises(RuntimeError):
        await processor.process_update(update(1, 1), boom())
    await processor.process_update(update(1, 2), fine())
    assert not processor._locks


def test_order_key() -> None:
    assert order_key(update(7, 1)) == order_key(update(7, 2)) == ("user", 7)
    channel = Update(3, channel_post=Message(3, datetime(2026, 1, 1), Chat(-5, Chat.CHANNEL)))
    assert order_key(channel) == ("chat", -5)
    assert order_key(object())[0] == "other"


def test_slots_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        PerUserProcessor(max_concurrent_updates=0)
