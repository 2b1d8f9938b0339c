"""`welcome-bot run` as an operator starts it: a real process against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from telegram.ext import Application

from bot.config import Settings
from bot.conversation.core import Snapshot
from bot.tg.app import create_application
from tests.conftest import PROJECT_KB, SMALL_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import serving

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_run_polling_process_answers_and_stops_cleanly_on_sigterm(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    """Configured by the environment only; on the tiny knowledge base, so that the process
    starts in about a second (the shipped one loads in the other tests)."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "WELCOME_BOT_DATA_DIR": str(tmp_path),
           "WELCOME_BOT_KNOWLEDGE_DIR": str(SMALL_KB)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        fake.push_message(4242, "wo melde ich meine wohnung an", language_code="de")
        sent = await fake.wait_for_sent(4242, 1, timeout=30)
        assert "Bürgerservice" in sent[0]["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(proc.communicate(), timeout=30))[0].decode()
    assert proc.returncode == 0, output
    assert fake.token not in output and fake.token.split(":")[1] not in output
    assert "wo melde ich" not in output  # no message text in the log
    assert (tmp_path / "welcome-bot.sqlite3").exists()


async def test_webhook_mode_with_secret(fake: FakeBotAPI, tmp_path: Path,
                                        project_snapshot: Snapshot) -> None:
    port = free_port()
    settings = Settings(token=fake.token, knowledge_dir=PROJECT_KB, data_dir=tmp_path,
                        base_url=fake.base_url, webhook_url=f"http://127.0.0.1:{port}",
                        secret_token="s3cret-token")
    app = create_application(settings, project_snapshot)

    async def webhook(app: Application) -> None:
        await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                        secret_token=settings.secret_token,
                                        webhook_url=f"http://127.0.0.1:{port}/telegram")

    async with serving(app, webhook):
        assert fake.webhook_info()["url"].endswith("/telegram")
        fake.push_message(4343, "/help", language_code="uk")
        sent = await fake.wait_for_sent(4343, 1, timeout=15)
        assert "/menu" in sent[0]["text"]
