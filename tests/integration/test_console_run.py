"""The console as an operator starts it: beside the bot in `welcome-bot run` (polling, or
sharing the webhook's port) and alone in `welcome-bot console`."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx

from tests.conftest import SMALL_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.console_support import free_port

ROOT = Path(__file__).resolve().parents[2]
STAFF = 9001


# ``welcome-bot run`` accepts only a public https:// webhook URL; the fake posts to
# http://127.0.0.1, so the test starts the same ``run`` with its settings.
SHARED_RUN = """
import os, sys
from pathlib import Path
from bot.config import ConsoleSettings, Settings
from bot.tg.app import run
port = int(sys.argv[1])
sys.exit(run(Settings(token=os.environ["TELEGRAM_BOT_TOKEN"],
                      base_url=os.environ["TELEGRAM_API_BASE_URL"],
                      data_dir=Path(os.environ["WELCOME_BOT_DATA_DIR"]),
                      knowledge_dir=Path(os.environ["WELCOME_BOT_KNOWLEDGE_DIR"]),
                      admins=frozenset({int(os.environ["WELCOME_BOT_ADMINS"])}),
                      webhook_url=f"http://127.0.0.1:{port}", port=port,
                      secret_token="s3cret", console=ConsoleSettings(port))))
"""


async def _stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGTERM)
    output = (await asyncio.wait_for(proc.communicate(), timeout=30))[0].decode()
    assert proc.returncode == 0, output
    return output


async def _wait_for_http(url: str, timeout: float = 30) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        for _ in range(int(timeout * 10)):
            try:
                return await client.get(url)
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"nothing answered on {url}")


async def test_webhook_and_console_share_one_port(fake: FakeBotAPI, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "WELCOME_BOT_DATA_DIR": str(tmp_path),
           "WELCOME_BOT_KNOWLEDGE_DIR": str(SMALL_KB), "WELCOME_BOT_ADMINS": str(STAFF)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SHARED_RUN, str(port), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert (await _wait_for_http(f"http://127.0.0.1:{port}/")).status_code == 401
        await fake.wait_until(lambda: fake.webhook_info()["url"].endswith("/telegram"), 30)
        fake.push_message(4242, "wo melde ich meine wohnung an", language_code="de")
        sent = await fake.wait_for_sent(4242, 1, timeout=30)
        assert "Bürgerservice" in sent[0]["text"]
        fake.push_message(STAFF, "/console")
        link = (await fake.wait_for_sent(STAFF, 1, timeout=30))[0]["text"]
        assert re.search(rf"http://127\.0\.0\.1:{port}/login/\S+", link)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret",
                       "Content-Type": "application/json"}
            bad = await client.post("/telegram", content=b"{not json", headers=headers)
            assert bad.status_code == 400
            big = await client.post("/telegram", content=b" " * (1024 * 1024 + 1),
                                    headers=headers)
            assert big.status_code == 413
            wrong = await client.post("/telegram", content=b"{}",
                                      headers={**headers,
                                               "X-Telegram-Bot-Api-Secret-Token": "guess"})
            assert wrong.status_code == 403
    finally:
        output = await _stop(proc)
    assert fake.token.split(":")[1] not in output
    assert "/login/" not in output  # log-in links never go into the log


async def test_console_alone_prints_a_link_and_refuses_a_busy_port(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "WELCOME_BOT_KNOWLEDGE_DIR": str(SMALL_KB)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", "--console-port", str(port),
        "--data-dir", str(tmp_path), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert f"http://127.0.0.1:{port}" in first
        link = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        secret = re.search(r"/login/(\S+)", link)
        assert secret
        busy = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "console", "--console-port", str(port),
            "--data-dir", str(tmp_path / "other"), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(busy.communicate(), 60)
        assert busy.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}" in err.decode()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            done = await client.post("/login", data={"secret": secret.group(1)})
            assert done.status_code == 303 and "welcome_console" in done.cookies
    finally:
        await _stop(proc)


async def test_polling_bot_serves_the_console_and_stops_cleanly(fake: FakeBotAPI,
                                                                tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "WELCOME_BOT_DATA_DIR": str(tmp_path),
           "WELCOME_BOT_KNOWLEDGE_DIR": str(SMALL_KB), "WELCOME_BOT_ADMINS": str(STAFF),
           "WELCOME_BOT_CONSOLE_PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert (await _wait_for_http(f"http://127.0.0.1:{port}/")).status_code == 401
        fake.push_message(4242, "wo melde ich meine wohnung an", language_code="de")
        sent = await fake.wait_for_sent(4242, 1, timeout=30)
        assert "Bürgerservice" in sent[0]["text"]
    finally:
        output = await _stop(proc)
    assert f"staff console on http://127.0.0.1:{port}" in output
