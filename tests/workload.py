"""The load workload, shared by tests/integration/test_load.py and ``python -m bench.load``.

Users × messages — questions in eight languages and commands — all queued at once, each
user's messages in order, users randomly interleaved. ``Tracker`` observes when the bot
finished each update: a ``TypeHandler`` in a handler group after the bot's own, which
python-telegram-bot runs once the bot's handler returned, i.e. after the last reply of
that update was accepted by the fake API.

``unthrottled()``: the shipped ``AIORateLimiter`` keeps 30 messages/s overall, as
Telegram demands; the fake server has no limits, so load tests install the limiter with
the overall rate switched off (retries on 429 unchanged) to measure the software.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

import bot.tg.app as tg_app
from tests.fakeapi import JSON, FakeBotAPI

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


def signature(message: JSON) -> tuple:
    """What the user sees of one message (not ids or dates)."""
    return (message["method"], message.get("text"), message.get("title"),
            message.get("address"), message.get("latitude"), message.get("longitude"),
            json.dumps(message.get("reply_markup"), sort_keys=True, ensure_ascii=False))


@contextmanager
def unthrottled() -> Iterator[None]:
    """Bots created inside get the shipped limiter with its overall rate switched off."""
    shipped = tg_app.AIORateLimiter
    tg_app.AIORateLimiter = functools.partial(AIORateLimiter, overall_max_rate=0)  # type: ignore[misc]
    try:
        yield
    finally:
        tg_app.AIORateLimiter = shipped  # type: ignore[misc]


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

    def groups(self, chat_id: int, update_ids: list[int]) -> list[list[JSON]]:
        """The chat's messages cut into one group per update (in the user's order)."""
        sent = self.fake.sent(chat_id)
        out, start = [], 0
        for update_id in update_ids:
            end = self.finished[update_id].sent
            out.append(sent[start:end])
            start = max(start, end)
        return out
