"""Run the real bot application against the local fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import Settings
from bot.tg.app import create_application, post_init, post_shutdown
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@asynccontextmanager
async def running_bot(fake: FakeBotAPI, data_dir: Path, knowledge: Path = PROJECT_KB,
                      admins: frozenset[int] = frozenset()):
    """Start the bot as ``welcome-bot run`` does (polling), stop it cleanly afterwards."""
    app = create_application(Settings(token=fake.token, knowledge_dir=knowledge,
                                      data_dir=data_dir, base_url=fake.base_url, admins=admins))
    await app.initialize()
    await post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await post_shutdown(app)


@pytest.fixture
async def bot(fake: FakeBotAPI, tmp_path: Path):
    async with running_bot(fake, tmp_path) as app:
        yield app
