"""Run the real bot application against the local fake Bot API server.

Every test in this folder is marked ``integration`` by tests/conftest.py. Bots on the
shipped knowledge base get the session's ``project_snapshot`` instead of loading and
indexing it again; tests that edit a knowledge folder pass ``knowledge=`` and load it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.conversation.core import Snapshot
from bot.tg.app import create_application
from tests import workload
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@asynccontextmanager
async def serving(app: Application,
                  receive: Callable[[Application], Awaitable[object]] | None = None):
    """Run ``app`` as run_polling / run_webhook do: initialize, post_init, start, receive
    updates (polling unless ``receive`` starts something else); stop in reverse order."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    if receive is None:
        await app.updater.start_polling(poll_interval=0, timeout=1)
    else:
        await receive(app)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


@asynccontextmanager
async def running_bot(fake: FakeBotAPI, data_dir: Path, knowledge: Path = PROJECT_KB,
                      admins: frozenset[int] = frozenset(), snapshot: Snapshot | None = None,
                      unthrottled: bool = False):
    """Start the bot as ``welcome-bot run`` does (polling), stop it cleanly afterwards.

    ``snapshot``: the already built snapshot of ``knowledge`` (else it is loaded).
    ``unthrottled``: the rate limiter without its overall 30 messages/s (tests/workload.py).
    """
    if snapshot is not None and knowledge != PROJECT_KB:
        raise ValueError("a shared snapshot is the shipped knowledge base; "
                         "a bot on another folder loads it itself")
    settings = Settings(token=fake.token, knowledge_dir=knowledge, data_dir=data_dir,
                        base_url=fake.base_url, admins=admins)
    with workload.unthrottled() if unthrottled else nullcontext():
        app = create_application(settings, snapshot)
    async with serving(app):
        yield app


@pytest.fixture
async def bot(fake: FakeBotAPI, tmp_path: Path, project_snapshot: Snapshot):
    async with running_bot(fake, tmp_path, snapshot=project_snapshot) as app:
        yield app
