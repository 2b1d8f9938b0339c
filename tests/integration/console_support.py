"""The staff console in tests: the real bot (on the fake Bot API) with its console on a free
port, and headless Chromium from Debian's ``chromium`` package driven by Playwright.

Console tests share one bot, one console and one browser per module (module-scoped event
loop: ``pytestmark = pytest.mark.asyncio(loop_scope="module")``); each test opens its own
browser context, so cookies never leak from one test into the next.
"""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from telegram.ext import Application

from bot.config import ConsoleSettings, Settings
from bot.console.app import create_app
from bot.console.context import Console
from bot.console.server import listen
from bot.console.server import serving as serving_console
from bot.tg.app import create_application
from bot.tg.together import console_for
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking switches Chromium keeps dialling Google's hosts,
# which this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
STAFF = 4711  # in WELCOME_BOT_ADMINS
STRANGER = 815  # not staff
SCREENSHOTS = Path(__file__).parent / "screenshots"
LINK = re.compile(r"https?://\S+/login/\S+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    fake: FakeBotAPI
    app: Application
    console: Console
    browser: Browser
    url: str
    knowledge: Path


async def console_stack(tmp: Path) -> AsyncIterator[Stack]:
    """A bot on a writable copy of the shipped knowledge base, its console, a browser."""
    knowledge = tmp / "knowledge"
    shutil.copytree(PROJECT_KB, knowledge)
    port = free_port()
    settings = Settings(token="", knowledge_dir=knowledge, data_dir=tmp / "data",
                        admins=frozenset({STAFF}), console=ConsoleSettings(port=port))
    async with FakeBotAPI() as fake:
        settings = Settings(**{**settings.__dict__, "token": fake.token,
                               "base_url": fake.base_url})
        app = create_application(settings)
        service = app.bot_data["service"]
        assert settings.console is not None
        console = service.console = console_for(service, settings.console, app)
        web = serving_console(create_app(console), listen("127.0.0.1", port))
        async with serving(app), web, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield Stack(fake, app, console, browser, settings.console.url, knowledge)
            finally:
                await browser.close()


async def link_from_bot(stack: Stack, user: int = STAFF) -> str:
    """Send /console to the bot as ``user`` in a private chat; the link it answers with."""
    before = len(stack.fake.sent(user))
    stack.fake.push_message(user, "/console")
    sent = await stack.fake.wait_for_sent(user, before + 1, timeout=15)
    found = LINK.search(sent[-1].get("text", ""))
    assert found, sent[-1]
    return found.group(0)


async def logged_in(stack: Stack, width: int = 1280) -> tuple[BrowserContext, Page]:
    """A fresh browser context, logged in with a link from /console."""
    context = await stack.browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    await page.goto(await link_from_bot(stack))
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(stack.url + "/")
    return context, page
