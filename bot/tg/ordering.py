"""Per-user ordering of updates: concurrent across users, strictly in order for each one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# python-telegram-bot's own bound, taken by its final process_update before it calls
# do_process_update. Set so wide that it never blocks: the real bound is ``running``.
ADMITTED = 1 << 20


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, strictly in order for each user (and chat).

    An update first waits behind the same user's earlier updates, then for one of
    ``max_concurrent_updates`` running slots. In that order a user who floods the bot
    queues behind their own messages without holding slots, so everyone else's updates
    still find one. (Taken the other way round — a slot under python-telegram-bot's
    semaphore, then the user's lock — the flood would fill the slots with updates that
    only wait.)
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(ADMITTED)
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be a positive integer")
        self.running = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}
        # The durable inbox (bot/tg/inbox.py) learns here that an update was handled,
        # or that its handling was cancelled by a shutdown.
        self.finished: Callable[[object], Awaitable[None]] | None = None
        self.released: Callable[[object], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update after the user's earlier ones, in a free slot."""
        key = order_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                try:
                    await coroutine
                except asyncio.CancelledError:
                    if self.released is not None:
                        self.released(update)
                    raise
                except Exception:
                    if self.finished is not None:  # a failing update is not run again
                        await self.finished(update)
                    raise
                if self.finished is not None:
                    await self.finished(update)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody queued behind us: forget the lock
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def order_key(update: object) -> Hashable:
    """Updates with the same key run one after another: same user, else same chat."""
    if isinstance(update, Update):
        if update.effective_user:
            return ("user", update.effective_user.id)
        if update.effective_chat:
            return ("chat", update.effective_chat.id)
    return ("other", id(update))
