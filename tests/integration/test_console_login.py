"""Log-in to the staff console: links from /console, single use, ten minutes, staff only;
sessions that cannot be fixed in advance; CSRF on every form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.integration.console_support import (
    SCREENSHOTS,
    STAFF,
    STRANGER,
    Stack,
    console_stack,
    link_from_bot,
    logged_in,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async for s in console_stack(tmp_path_factory.mktemp("console")):
        yield s


async def test_link_from_console_logs_in_once(stack: Stack) -> None:
    context, page = await logged_in(stack)
    assert await page.get_by_role("heading", level=1).inner_text() != "Please log in"
    assert await page.get_by_role("button", name="Log out").is_visible()
    cookie = next(c for c in await context.cookies() if c["name"] == "welcome_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "overview-1280.png"), full_page=True)
    await context.close()


async def test_used_and_expired_links_are_refused(stack: Stack) -> None:
    link = await link_from_bot(stack)
    context = await stack.browser.new_context()
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(stack.url + "/")
    other = await stack.browser.new_context()
    second = await other.new_page()
    await second.goto(link)  # the same link again
    await second.get_by_role("button", name="Log in").click()
    assert "cannot be used" in await second.get_by_role("heading", level=1).inner_text()
    assert not [c for c in await other.cookies() if c["name"] == "welcome_console"]

    old = await link_from_bot(stack)
    store = stack.console.storage.console
    store.clock = lambda: datetime.now() + timedelta(minutes=11)
    try:
        await second.goto(old)
        await second.get_by_role("button", name="Log in").click()
        assert "cannot be used" in await second.get_by_role("heading", level=1).inner_text()
    finally:
        store.clock = datetime.now
    await context.close()
    await other.close()


async def test_console_command_is_unknown_for_others_and_in_groups(stack: Stack) -> None:
    stack.fake.push_message(STRANGER, "/console")
    sent = await stack.fake.wait_for_sent(STRANGER, 1)
    assert "/login/" not in sent[-1]["text"] and "/help" in sent[-1]["text"]
    group = -100777
    stack.fake.push_message(STAFF, "/console@jena_welcome_test_bot", chat_id=group,
                            chat_type="group")
    sent = await stack.fake.wait_for_sent(group, 1)
    assert "/login/" not in sent[-1]["text"]


async def test_fixed_session_cookie_and_forged_forms_fail(stack: Stack, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as client:
        # an attacker plants a session id; logging in gives a new one, the planted is nothing
        client.cookies.set("welcome_console", "planted-by-attacker")
        assert (await client.get("/")).status_code == 401
        link = await link_from_bot(stack)
        secret = link.rsplit("/", 1)[1]
        done = await client.post("/login", data={"secret": secret})
        assert done.status_code == 303
        fresh = done.cookies.get("welcome_console")
        assert fresh and fresh != "planted-by-attacker"
        client.cookies.set("welcome_console", fresh)
        assert (await client.get("/")).status_code == 200
        # a form without the session's CSRF token, or from another site, changes nothing
        assert (await client.post("/logout")).status_code == 403
        assert (await client.post("/logout", data={"csrf": "guess"})).status_code == 403
        page = (await client.get("/")).text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        evil = await client.post("/logout", data={"csrf": csrf},
                                 headers={"Origin": "https://evil.example"})
        assert evil.status_code == 403
        assert (await client.get("/")).status_code == 200  # still logged in
        assert (await client.post("/logout", data={"csrf": csrf})).status_code == 200
        assert (await client.get("/")).status_code == 401
    assert STAFF
