"""Editing from the console, in a real browser, against the real bot on the fake Bot API:
a saved Ukrainian answer is the bot's next answer; a broken edit shows its error at the
field and changes nothing; undo brings the old answer back; a German edit makes the other
languages older; the keyboard alone is enough; contacts need a source for a new phone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from itertools import count

import pytest
import pytest_asyncio
from playwright.async_api import Page

from bot.console import entries
from bot.staff import reports
from tests.integration.console_support import SCREENSHOTS, Stack, console_stack, logged_in

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUESTION_UK = "як зробити анмельдунг в Єні"  # the bot answers it with 'registration'
USERS = count(9100)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async for s in console_stack(tmp_path_factory.mktemp("console-edit")):
        yield s


async def bot_answer(stack: Stack, text: str, lang: str = "uk") -> str:
    """A new user asks ``text``; the first message the bot sends back."""
    user = next(USERS)
    stack.fake.push_message(user, text, language_code=lang)
    sent = await stack.fake.wait_for_sent(user, 1, timeout=15)
    return str(sent[0].get("text", ""))


def live_answer(stack: Stack, entry: str = "registration", lang: str = "uk") -> str:
    return stack.console.get().kb.entries[entry].texts[lang].answer


async def save_answer(page: Page, stack: Stack, url: str, answer: str) -> None:
    await page.goto(stack.url + url)
    await page.get_by_label("Answer").fill(answer)
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url("**?saved=*")


async def test_a_saved_ukrainian_answer_is_the_bots_next_answer(stack: Stack) -> None:
    assert "Bürgerservice" in await bot_answer(stack, QUESTION_UK)
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/entries/registration/uk")
    answer = page.get_by_label("Answer")
    assert await answer.get_attribute("dir") == "ltr"
    new = "Запишіться онлайн на service.jena.de і візьміть паспорт."
    await answer.fill(new)
    preview = page.locator("#preview")
    await preview.get_by_text(new).wait_for()  # the live preview follows the typing
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url("**/entries/registration/uk?saved=*")
    assert "the bot uses it now" in await page.get_by_role("status").inner_text()
    assert new in await bot_answer(stack, QUESTION_UK)
    text = (stack.knowledge / "entries/registration.yaml").read_text(encoding="utf-8")
    assert new in text and text.startswith("id: registration\n")
    await context.close()


async def test_a_broken_edit_shows_the_error_at_its_field_and_changes_nothing(
        stack: Stack) -> None:
    file = stack.knowledge / "entries/registration.yaml"
    before, snapshot, versions = (file.read_bytes(), stack.console.get(),
                                  len(stack.console.storage.console.versions()))
    said = await bot_answer(stack, QUESTION_UK)
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/entries/registration/uk")
    await page.get_by_label("Title").fill("")
    await page.get_by_label("Questions, one per line").fill("")
    await page.get_by_role("button", name="Save").click()
    title_error = page.locator("#title-error")
    assert "'title' is empty" in await title_error.inner_text()
    assert "'questions' is empty" in await page.locator("#questions-error").inner_text()
    assert await page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert "Not saved" in await page.get_by_role("alert").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "editor-error-1280.png"), full_page=True)
    assert file.read_bytes() == before
    assert stack.console.get() is snapshot
    assert len(stack.console.storage.console.versions()) == versions
    assert await bot_answer(stack, QUESTION_UK) == said
    await context.close()


async def test_undo_brings_the_previous_answer_back(stack: Stack) -> None:
    old = live_answer(stack)
    context, page = await logged_in(stack)
    await save_answer(page, stack, "/entries/registration/uk", "Тимчасовий текст для скасування.")
    assert "Тимчасовий текст" in await bot_answer(stack, QUESTION_UK)
    number = stack.console.storage.console.versions()[0].number
    await page.goto(f"{stack.url}/history")
    await page.get_by_role("link", name=str(number), exact=True).click()
    assert "Тимчасовий текст для скасування." in await page.locator("pre.diff").inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "version-1280.png"), full_page=True)
    await page.get_by_role("button", name="Undo this change").click()
    await page.wait_for_url(f"**?undone={number}")
    assert live_answer(stack) == old
    said = await bot_answer(stack, QUESTION_UK)
    assert "Тимчасовий" not in said and old.splitlines()[0][:30] in said
    await context.close()


async def test_a_german_edit_makes_the_other_languages_older(stack: Stack) -> None:
    def older_in_uk() -> bool:
        line = next((x for x in reports.gaps(stack.console.get().kb).splitlines()
                     if x.startswith("uk:")), "")
        return "anti-discrimination" in line.partition("older than German")[2]

    entry = stack.console.get().kb.entries["anti-discrimination"]
    assert entries.status(entry, "uk") == "current" and not older_in_uk()
    context, page = await logged_in(stack)
    german = entry.texts["de"].answer + "\n• Neu: Beratung auch samstags."
    await save_answer(page, stack, "/entries/anti-discrimination/de", german)
    entry = stack.console.get().kb.entries["anti-discrimination"]
    assert entry.texts["de"].updated == date.today()
    assert entries.status(entry, "uk") == "older" and older_in_uk()
    await page.goto(stack.url + "/entries")
    cell = page.get_by_label("anti-discrimination in uk: older")
    assert await cell.inner_text() == "older"
    await context.close()


async def test_the_keyboard_alone_is_enough(stack: Stack) -> None:
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/entries/registration/uk")

    async def tab_to(selector: str) -> None:
        for _ in range(80):
            await page.keyboard.press("Tab")
            if await page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    await tab_to("#answer")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Текст, набраний лише з клавіатури.")
    await tab_to("button[type=submit]:not(.logout button)")
    assert await page.evaluate("document.activeElement.textContent") == "Save"
    await page.keyboard.press("Enter")
    await page.wait_for_url("**?saved=*")
    assert "набраний лише з клавіатури" in await bot_answer(stack, QUESTION_UK)
    await context.close()


async def test_a_new_phone_needs_a_source_page(stack: Stack) -> None:
    file = stack.knowledge / "contacts.yaml"
    before = file.read_bytes()
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/contacts/buergerservice")
    await page.get_by_label("Phone").fill("+49 3641 49-0")
    await page.get_by_role("button", name="Save").click()
    assert "official web page" in await page.locator("#source-error").inner_text()
    assert file.read_bytes() == before
    await page.get_by_label("Source: the official page").fill("https://example.com/amt")
    await page.get_by_role("button", name="Save").click()
    assert "sources.yaml" in await page.locator("#source-error").inner_text()
    assert file.read_bytes() == before
    await page.get_by_label("Source: the official page").fill("https://service.jena.de/kontakt")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url("**/contacts/buergerservice?saved=*")
    contact = stack.console.get().kb.contacts["buergerservice"]
    assert contact.phone == "+49 3641 49-0" and contact.reviewed == date.today()
    assert "https://service.jena.de/kontakt" in contact.source
    assert "phone" not in contact.unverified
    await page.screenshot(path=str(SCREENSHOTS / "contact-1280.png"), full_page=True)
    await context.close()


@pytest.mark.parametrize("width", [1280, 375])
async def test_screenshots_of_the_editor(stack: Stack, width: int) -> None:
    """Written for a person to look at (tests/integration/screenshots/)."""
    context, page = await logged_in(stack, width)
    for lang in ("uk", "ar"):
        await page.goto(f"{stack.url}/entries/registration/{lang}")
        answer = page.get_by_label("Answer")
        assert await answer.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert await answer.get_attribute("lang") == lang
        await page.screenshot(path=str(SCREENSHOTS / f"editor-{lang}-{width}.png"),
                              full_page=True)
        await page.screenshot(path=str(SCREENSHOTS / f"editor-{lang}-{width}-top.png"),
                              clip={"x": 0, "y": 0, "width": width, "height": 1300})
    for name in ("entries", "history", "contacts"):
        await page.goto(f"{stack.url}/{name}")
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    await context.close()
