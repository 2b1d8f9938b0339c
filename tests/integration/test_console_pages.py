"""The console's pages in a real browser: overview charts (small counts hidden), translation
status, unanswered questions turned into ways of asking, events, the audit log; labels,
keyboard use, CSRF; screenshots at 1280 and 375 px."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page

from bot.console.saving import dump, save, yaml_roundtrip
from bot.staff import reports
from tests.integration.console_support import SCREENSHOTS, Stack, console_stack, logged_in

pytestmark = pytest.mark.asyncio(loop_scope="module")

USER = 9001  # a newcomer writing to the bot
SUBSCRIBER = 9100
BICYCLE = "where can I get my bicycle repaired"  # declined by the shipped knowledge base
WIDTHS = (1280, 375)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async for s in console_stack(tmp_path_factory.mktemp("pages")):
        yield s


async def shoot(page: Page, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


async def ask(stack: Stack, user: int, text: str) -> str:
    """What the bot answers to ``text`` (all messages of the reply, joined)."""
    before = len(stack.fake.sent(user))
    stack.fake.push_message(user, text)
    sent = await stack.fake.wait_for_sent(user, before + 1, timeout=15)
    await stack.fake.wait_until(lambda: len(stack.fake.sent(user)) == len(sent), 1)
    return "\n".join(m.get("text", "") for m in stack.fake.sent(user)[before:])


def group_key(stack: Stack, question: str) -> int:
    """The number of the group the question is in (similar questions share one)."""
    groups = reports.group_declined(stack.console.storage.declined())
    return next(g.key for g in groups if question in g.texts)


async def session_client(stack: Stack, context: BrowserContext) -> httpx.AsyncClient:
    """An HTTP client holding the browser's session cookie (but not its CSRF token)."""
    cookie = next(c for c in await context.cookies() if c["name"] == "welcome_console")
    client = httpx.AsyncClient(base_url=stack.url)
    client.cookies.set("welcome_console", cookie["value"])
    return client


async def test_overview_draws_charts_and_hides_small_counts(stack: Stack) -> None:
    storage = stack.console.storage
    for _ in range(12):
        storage.record_question("de", None, "answer", "registration")
    for _ in range(3):
        storage.record_question("uk", None, "decline", None)
    storage.record_feedback("registration", "de", True)
    for width in WIDTHS:
        context, page = await logged_in(stack, width)
        assert await page.locator("svg[role=img]").count() >= 5
        titles = await page.locator("#chart-by-language svg title").all_text_contents()
        uk = [t for t in titles if " uk: " in t]
        assert uk and all(t.endswith("uk: < 5") for t in uk)
        assert not [t for t in titles if t.endswith((": 1", ": 2", ": 3", ": 4"))]
        assert await page.locator("#chart-by-language rect.band").count() >= 1
        # the text table says "< 5" too, the legend and the feedback chart as well
        await page.locator("#chart-by-language summary").click()
        table = await page.locator("#chart-by-language table").inner_text()
        assert "< 5" in table and not re.search(r"\t[1-4](\t|$)", table, re.MULTILINE)
        feedback = await page.locator("#chart-feedback").inner_text()
        assert "< 5" in feedback
        asked = await page.locator("#chart-asked svg").inner_html()
        assert "registration" in asked and ">12<" in asked
        await shoot(page, "pages-overview", width)
        await context.close()


async def test_matrix_shows_older_after_the_german_text_changes(stack: Stack) -> None:
    entry = stack.console.get().kb.entries["registration"]
    path = stack.knowledge / entry.file

    def with_dates(german: date, others: date) -> str:
        yaml = yaml_roundtrip(like=path.read_text("utf-8"))
        data = yaml.load(path.read_text("utf-8"))
        for lang in entry.texts:
            data[lang]["updated"] = german if lang == "de" else others
        return dump(yaml, data)

    old = date(2026, 1, 5)
    first = await save(stack.console, "test", {entry.file: with_dates(old, old)}, "dates")
    assert first.ok, first.problems
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/translations")
    cell = page.locator('a[href="/entries/registration/uk"]')
    assert await cell.inner_text() == "ok"
    second = await save(stack.console, "test",
                        {entry.file: with_dates(date(2026, 2, 1), old)}, "German changed")
    assert second.ok, second.problems
    await page.reload()
    assert await cell.inner_text() == "older"
    assert await page.locator('a[href="/entries/registration/de"]').inner_text() == "ok"
    assert "older than the German text" in (await cell.get_attribute("aria-label") or "")
    await context.close()
    for width in WIDTHS:
        context, page = await logged_in(stack, width)
        await page.goto(stack.url + "/translations")
        await shoot(page, "pages-translations", width)
        await context.close()


async def test_unanswered_question_added_with_one_click_is_answered(stack: Stack) -> None:
    kb = stack.console.get().kb
    first = kb.entries["public-transport"].texts["en"].answer[:30]
    reply = await ask(stack, USER, BICYCLE)
    assert first not in reply
    # counted after the reply went out
    await stack.fake.wait_until(lambda: any(
        row[3] == BICYCLE for row in stack.console.storage.declined()), 5)
    stack.console.storage.record_declined("<script>alert(1)</script> bike shop", "en", None)
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/unanswered")
    # user text is shown escaped, never run
    assert await page.get_by_text("<script>alert(1)</script> bike shop").count() == 1
    group = page.locator("li.group", has_text=BICYCLE)
    await group.get_by_label("Add the question in bold as a way of asking").select_option(
        "public-transport")
    assert await group.get_by_label("Language", exact=True).input_value() == "en"
    await group.get_by_role("button", name="Add and put live").click()
    await page.wait_for_url(re.compile(r"/unanswered\?added=public-transport"))
    assert "the bot answers it now" in await page.locator("[role=status]").inner_text()
    assert await page.locator("li.group", has_text=BICYCLE).count() == 0
    assert BICYCLE in (stack.knowledge / "entries" / "public-transport.yaml").read_text("utf-8")
    assert first in await ask(stack, USER, BICYCLE)
    for width in WIDTHS:
        other, shot = await logged_in(stack, width)
        await shot.goto(stack.url + "/unanswered")
        await shoot(shot, "pages-unanswered", width)
        await other.close()
    await context.close()


async def test_mark_handled_removes_the_group(stack: Stack) -> None:
    question = "gibt es in jena einen schachverein"
    stack.console.storage.record_declined(question, "de", None)
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/unanswered")
    group = page.locator("li.group", has_text=question)
    await group.get_by_role("button", name="Mark handled").click()
    await page.wait_for_url(re.compile(r"/unanswered\?handled=1"))
    assert await page.locator("li.group", has_text=question).count() == 0
    assert not [r for r in stack.console.storage.declined() if r[3] == question]
    await context.close()


async def test_forged_posts_to_unanswered_change_nothing(stack: Stack) -> None:
    question = "wo kann ich in jena klettern gehen"
    stack.console.storage.record_declined(question, "de", None)
    key = group_key(stack, question)
    entry_file = stack.knowledge / stack.console.get().kb.entries["culture-events"].file
    before = entry_file.read_bytes()
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/unanswered")
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    async with await session_client(stack, context) as client:
        refused = [
            await client.post(f"/unanswered/{key}/handled"),
            await client.post(f"/unanswered/{key}/handled", data={"csrf": "guess"}),
            await client.post(f"/unanswered/{key}/handled", data={"csrf": csrf},
                              headers={"Origin": "https://evil.example"}),
            await client.post(f"/unanswered/{key}/add",
                              data={"entry": "culture-events", "lang": "de"}),
        ]
        assert [r.status_code for r in refused] == [403] * 4
    assert [r for r in stack.console.storage.declined() if r[3] == question]
    assert entry_file.read_bytes() == before
    await context.close()


async def test_event_date_needs_a_source_and_goes_live(stack: Stack) -> None:
    events_file = stack.knowledge / "events.yaml"
    before = events_file.read_bytes()
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/events")
    await page.get_by_role("link", name="Edit welcome-days-students").click()
    await page.get_by_label("Starts").fill("2027-04-08T10:00")
    await page.get_by_label("Ends (optional)").fill("2027-04-08T16:00")
    source = page.get_by_label("Source: the official page that announces this")
    await source.fill("")
    await page.get_by_role("button", name="Save and put live").click()
    assert await source.get_attribute("aria-invalid") == "true"
    assert "changed date needs" in await page.locator("#e-source").inner_text()
    assert events_file.read_bytes() == before
    await source.fill("https://www.uni-jena.de/en/start-studying-international")
    await page.get_by_role("button", name="Save and put live").click()
    await page.wait_for_url(re.compile(r"/events\?saved=welcome-days-students"))
    event = stack.console.get().kb.events["welcome-days-students"]
    assert event.start == datetime(2027, 4, 8, 10, 0)
    assert event.reviewed == date.today()
    text = events_file.read_text("utf-8")
    assert "# Dated (or not yet dated) events" in text  # comments kept
    assert "2027" in await ask(stack, USER, "/events")
    for width in WIDTHS:
        other, shot = await logged_in(stack, width)
        await shot.goto(stack.url + "/events")
        await shoot(shot, "pages-events", width)
        await shot.goto(stack.url + "/events/welcome-days-students")
        await shoot(shot, "pages-event", width)
        await other.close()
    await context.close()


async def test_send_event_to_subscribers_after_confirming(stack: Stack) -> None:
    await ask(stack, SUBSCRIBER, "/start")  # the subscriber's chat with the bot exists
    stack.console.storage.subscribe(str(SUBSCRIBER), str(SUBSCRIBER), "kulturarena", "en")
    sent = len(stack.fake.sent(SUBSCRIBER))
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/events")
    await page.get_by_role("link", name="Send kulturarena to subscribers…").click()
    assert "Subscribers: < 5" in await page.locator("main").inner_text()
    assert len(stack.fake.sent(SUBSCRIBER)) == sent  # nothing goes out before confirming
    await page.get_by_role("button", name="Yes, send it now").click()
    assert "sent 1" in await page.locator("[role=status]").inner_text()
    messages = await stack.fake.wait_for_sent(SUBSCRIBER, sent + 1)
    assert "Kulturarena" in messages[-1]["text"]
    await page.goto(stack.url + "/events/kulturarena/announce")  # within the hour: a warning
    assert await page.get_by_role("button", name="Yes, send it again now").count() == 1
    await context.close()


async def test_audit_log_lists_staff_actions(stack: Stack) -> None:
    context, page = await logged_in(stack)
    await page.get_by_role("link", name="Audit log").click()
    await page.wait_for_url(stack.url + "/audit")
    text = await page.locator("table.audit").inner_text()
    for action in ("console-login", "console-save", "console-announce", "console-handled"):
        assert action in text
    assert str(USER) not in text and str(SUBSCRIBER) not in text  # nothing about users
    await context.close()


async def test_every_input_has_a_visible_label(stack: Stack) -> None:
    context, page = await logged_in(stack, 375)
    unlabelled_js = """() => {
      document.querySelectorAll('details').forEach(d => { d.open = true; });
      const bad = [];
      for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
        const label = el.id && document.querySelector(`label[for="${el.id}"]`);
        const box = label && label.getBoundingClientRect();
        if (!label || !label.innerText.trim() || !box.width || !box.height) bad.push(el.name);
      }
      return bad;
    }"""
    for path in ("/", "/translations", "/unanswered", "/events",
                 "/events/welcome-days-students", "/audit"):
        await page.goto(stack.url + path)
        assert await page.evaluate(unlabelled_js) == [], path
    await context.close()


async def test_keyboard_alone_reaches_every_page(stack: Stack) -> None:
    context, page = await logged_in(stack)
    for name, path in (("Unanswered", "/unanswered"), ("Translations", "/translations"),
                       ("Events", "/events"), ("Audit log", "/audit")):
        for _ in range(12):
            await page.keyboard.press("Tab")
            focused = await page.evaluate("document.activeElement.textContent.trim()")
            if focused == name:
                break
        else:
            pytest.fail(f"Tab never reached the {name} link")
        await page.keyboard.press("Enter")
        await page.wait_for_url(stack.url + path)
    await context.close()


async def test_bad_inputs_get_a_clear_message_and_change_nothing(stack: Stack) -> None:
    question = "wo kann ich in jena segeln lernen"
    stack.console.storage.record_declined(question, "de", None)
    key = group_key(stack, question)
    events_before = (stack.knowledge / "events.yaml").read_bytes()
    context, page = await logged_in(stack)
    await page.goto(stack.url + "/unanswered")
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    async with await session_client(stack, context) as client:
        no_entry = await client.post(f"/unanswered/{key}/add",
                                     data={"csrf": csrf, "entry": "", "lang": "de"})
        assert no_entry.status_code == 400 and "choose an entry" in no_entry.text
        gone = await client.post("/unanswered/999999/add", data={"csrf": csrf, "entry": "jobs"})
        assert gone.status_code == 404
        form = {"csrf": csrf, "start": "next tuesday", "source": "https://example.org",
                "title.de": "Titel", "description.de": ""}
        bad = await client.post("/events/welcome-days-students", data=form)
        assert bad.status_code == 400
        assert "YYYY-MM-DD" in bad.text and "give both the title and the description" in bad.text
        assert (await client.post("/events/no-such-event", data=form)).status_code == 404
    assert [r for r in stack.console.storage.declined() if r[3] == question]
    assert (stack.knowledge / "events.yaml").read_bytes() == events_before
    await context.close()
