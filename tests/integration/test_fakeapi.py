"""The fake Bot API against a real python-telegram-bot Application (an echo bot), and its
own rules: the methods it answers, the checks it makes, unknown methods refused."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakeapi import METHODS, FakeBotAPI, parse_html

TOKEN = "123456:TEST-TOKEN"
USER = 4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(token=TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@dataclass
class EchoBot:
    app: Application
    errors: list[BaseException] = field(default_factory=list)


def build_app(fake: FakeBotAPI, rate_limiter: AIORateLimiter | None = None) -> EchoBot:
    builder = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    bot = EchoBot(builder.build())

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Welcome to Jena!")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = update.effective_message.text
        if text.startswith("html:"):
            await update.effective_message.reply_text(text[5:], parse_mode=ParseMode.HTML)
        elif text.startswith("long:"):
            await update.effective_message.reply_text("x" * int(text[5:]))
        elif text == "menu":
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton("Mensa", callback_data="mensa")]]
            )
            await update.effective_message.reply_text("Pick one", reply_markup=keyboard)
        else:
            await update.effective_message.reply_text(text)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("ok")
        await context.bot.send_message(query.from_user.id, f"You chose {query.data}")
        await query.answer("twice")  # Telegram accepts one answer per query

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot.errors.append(context.error)

    bot.app.add_handler(CommandHandler("start", start))
    bot.app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    bot.app.add_handler(CallbackQueryHandler(button))
    bot.app.add_error_handler(on_error)
    return bot


@contextlib.asynccontextmanager
async def polling(
    fake: FakeBotAPI, rate_limiter: AIORateLimiter | None = None
) -> AsyncIterator[EchoBot]:
    bot = build_app(fake, rate_limiter)
    async with bot.app:
        await bot.app.start()
        await bot.app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield bot
        finally:
            await bot.app.updater.stop()
            await bot.app.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- with the echo bot


async def test_echo_in_order(fake: FakeBotAPI) -> None:
    async with polling(fake) as bot:
        fake.push_message(USER, "/start")
        for i in range(5):
            fake.push_message(USER, f"message {i}")
        sent = await fake.wait_for_sent(USER, 6)
    assert [r["text"] for r in sent] == ["Welcome to Jena!"] + [f"message {i}" for i in range(5)]
    assert all(r["method"] == "sendMessage" and r["chat_id"] == USER for r in sent)
    ids = [r["message_id"] for r in sent]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert sent[0]["from"]["username"] == fake.username
    assert bot.errors == []
    methods = [name for name, _ in fake.calls]
    assert methods[0] == "getMe" and "deleteWebhook" in methods and "getUpdates" in methods
    first = fake.called("sendMessage")[0]
    assert first["chat_id"] == USER and first["text"] == "Welcome to Jena!"


async def test_callback_query_answered_once(fake: FakeBotAPI) -> None:
    async with polling(fake) as bot:
        fake.push_message(USER, "menu")
        (menu,) = await fake.wait_for_sent(USER, 1)
        assert menu["reply_markup"] == {
            "inline_keyboard": [[{"text": "Mensa", "callback_data": "mensa"}]]
        }
        fake.push_callback(USER, "mensa")
        sent = await fake.wait_for_sent(USER, 2)
        await fake.wait_until(lambda: bot.errors)
    assert sent[1]["text"] == "You chose mensa"
    first, second = fake.called("answerCallbackQuery")
    assert first["text"] == "ok" and second["callback_query_id"] == first["callback_query_id"]
    (error,) = bot.errors
    assert isinstance(error, BadRequest) and "query is too old" in str(error).lower()


async def test_429_is_retried_by_the_rate_limiter(
    fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22.x warns (PTBDeprecationWarning) whenever it builds RetryAfter unless the
    # timedelta behaviour is opted in; with filterwarnings=error the warning would replace
    # the RetryAfter inside AIORateLimiter and the retry would never happen.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with polling(fake, AIORateLimiter(max_retries=2)) as bot:
        fake.fail_next("sendMessage", status=429, retry_after=1)
        fake.push_message(USER, "hello")
        (reply,) = await fake.wait_for_sent(USER, 1, timeout=5)
    assert reply["text"] == "hello"
    assert fake.rate_limit_hits == 1
    assert len(fake.called("sendMessage")) == 2
    assert bot.errors == []


async def test_server_error_once_then_recovers(fake: FakeBotAPI) -> None:
    async with polling(fake) as bot:
        fake.fail_next("sendMessage", status=500)
        fake.push_message(USER, "lost")
        await fake.wait_until(lambda: bot.errors)
        fake.push_message(USER, "second")
        (reply,) = await fake.wait_for_sent(USER, 1)
    assert reply["text"] == "second"
    (error,) = bot.errors
    assert isinstance(error, NetworkError) and "Internal Server Error" in str(error)


async def test_dropped_connections(fake: FakeBotAPI) -> None:
    fake.drop_next("getUpdates")
    async with polling(fake) as bot:
        fake.push_message(USER, "survives a dropped poll")
        (reply,) = await fake.wait_for_sent(USER, 1, timeout=5)
        assert reply["text"] == "survives a dropped poll"
        fake.drop_next("sendMessage")
        fake.push_message(USER, "dropped answer")
        await fake.wait_until(lambda: bot.errors)
    (error,) = bot.errors
    assert isinstance(error, NetworkError)
    assert "RemoteProtocolError" in str(error)
    assert len(fake.sent(USER)) == 1


async def test_blocked_user_gives_forbidden(fake: FakeBotAPI) -> None:
    async with polling(fake) as bot:
        fake.block_user(USER)
        fake.push_message(USER, "are you there?")
        await fake.wait_until(lambda: bot.errors)
    (error,) = bot.errors
    assert isinstance(error, Forbidden)
    assert "bot was blocked by the user" in str(error)
    assert fake.sent() == []
    assert fake.errors == [("sendMessage", 403, "Forbidden: bot was blocked by the user")]


async def test_html_parse_errors_give_bad_request(fake: FakeBotAPI) -> None:
    async with polling(fake) as bot:
        fake.push_message(USER, "html:<b>Stadt</b>verwaltung &amp; <i>Bürgerservice</i>")
        fake.push_message(USER, "html:<b>unclosed")
        fake.push_message(USER, "html:1 < 2")
        fake.push_message(USER, "html:Tom & Jerry")
        fake.push_message(USER, "html:<br>")
        (ok,) = await fake.wait_for_sent(USER, 1)
        await fake.wait_until(lambda: len(bot.errors) == 4)
    assert ok["text"] == "Stadtverwaltung & Bürgerservice"
    assert ok["raw_text"] == "<b>Stadt</b>verwaltung &amp; <i>Bürgerservice</i>"
    assert ok["parse_mode"] == "HTML"
    assert ok["entities"] == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": 18, "length": 13},
    ]
    assert all(isinstance(e, BadRequest) for e in bot.errors)
    messages = [str(e).lower() for e in bot.errors]
    assert all("can't parse entities" in m for m in messages)
    assert 'find end tag corresponding to start tag "b"' in messages[0]
    assert 'unsupported start tag "" at byte offset 2' in messages[1]
    assert 'unescaped "&"' in messages[2]
    assert 'unsupported start tag "br"' in messages[3]


async def test_message_too_long_gives_bad_request(fake: FakeBotAPI) -> None:
    async with polling(fake) as bot:
        fake.push_message(USER, "long:4097")
        await fake.wait_until(lambda: bot.errors)
        fake.push_message(USER, "long:4096")
        (reply,) = await fake.wait_for_sent(USER, 1)
        assert len(reply["text"]) == 4096
        # the limit is in UTF-16 code units: 2049 emoji are 4098 units
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.app.bot.send_message(USER, "😀" * 2049)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.app.bot.send_message(USER, "   ")
    (error,) = bot.errors
    assert isinstance(error, BadRequest) and "message is too long" in str(error).lower()


async def test_webhook_mode(fake: FakeBotAPI) -> None:
    bot = build_app(fake)
    port = free_port()
    async with bot.app:
        await bot.app.start()
        await bot.app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret-Token_1"
        )
        try:
            url = fake.webhook_info()["url"]
            assert url == f"http://127.0.0.1:{port}/hook"
            fake.push_message(USER, "via webhook")
            (reply,) = await fake.wait_for_sent(USER, 1)
            assert reply["text"] == "via webhook"
            with pytest.raises(Conflict):
                await bot.app.bot.get_updates()
            # a wrong secret token is rejected by PTB; the fake retries and reports it
            await bot.app.bot.set_webhook(url, secret_token="wrong")
            fake.push_message(USER, "second")
            await fake.wait_until(lambda: fake.webhook_info().get("last_error_message"))
            assert "403" in fake.webhook_info()["last_error_message"]
            assert fake.webhook_info()["pending_update_count"] == 1
            await bot.app.bot.set_webhook(url, secret_token="s3cret-Token_1")
            sent = await fake.wait_for_sent(USER, 2)
            assert sent[1]["text"] == "second"
        finally:
            await bot.app.updater.stop()
            await bot.app.stop()
    assert bot.errors == []
    (hook, *_) = fake.called("setWebhook")
    assert hook["secret_token"] == "s3cret-Token_1"


# --------------------------------------------------------------------------- the fake itself


async def test_long_poll_wakes_up_and_acknowledges(fake: FakeBotAPI) -> None:
    url = f"{fake.base_url}{TOKEN}/getUpdates"
    async with httpx.AsyncClient() as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        request = asyncio.ensure_future(client.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.2)
        update_id = fake.push_message(USER, "wake up")
        response = await request
        assert loop.time() - started < 2
        body = response.json()
        assert body["ok"] and [u["update_id"] for u in body["result"]] == [update_id]
        # not acknowledged yet: delivered again; then acknowledged by offset
        again = (await client.post(url, json={"timeout": 0})).json()["result"]
        assert [u["update_id"] for u in again] == [update_id]
        empty = (await client.post(url, json={"offset": update_id + 1})).json()["result"]
        assert empty == []
        assert fake.webhook_info()["pending_update_count"] == 0
        # a timeout without updates returns an empty list after the timeout
        started = loop.time()
        assert (await client.get(url, params={"timeout": "0.3"})).json()["result"] == []
        assert loop.time() - started >= 0.25
        # limit
        for n in range(3):
            fake.push_message(USER, f"n{n}")
        limited = (await client.post(url, json={"limit": 2})).json()["result"]
        assert [u["message"]["text"] for u in limited] == ["n0", "n1"]
        bad = await client.post(url, data={"limit": "many"})
        assert bad.status_code == 400 and bad.json()["description"].startswith("Bad Request")


async def test_a_newer_long_poll_ends_the_older_with_409(fake: FakeBotAPI) -> None:
    url = f"{fake.base_url}{TOKEN}/getUpdates"
    async with httpx.AsyncClient() as client:
        first = asyncio.ensure_future(client.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.1)
        second = asyncio.ensure_future(client.post(url, data={"timeout": "5"}))
        old = await first
        assert old.status_code == 409 and "terminated by other getUpdates" in old.text
        fake.push_message(USER, "hi")
        assert len((await second).json()["result"]) == 1


async def test_transport_errors(fake: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{fake.base_url}654321:WRONG/getMe")
        assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"
        me = (await client.get(f"{fake.base_url}{TOKEN}/GETME")).json()
        assert me["ok"] and me["result"]["username"] == fake.username
        fake.fail_next("*", status=400, description="chat not found", times=2)
        first = await client.post(f"{fake.base_url}{TOKEN}/getMe")
        second = await client.post(f"{fake.base_url}{TOKEN}/setMyCommands")
        third = await client.post(f"{fake.base_url}{TOKEN}/getMe")
        assert first.json()["description"] == "Bad Request: chat not found"
        assert second.status_code == 400 and third.status_code == 200
        broken = await client.post(f"{fake.base_url}{TOKEN}/getMe", content=b"{",
                                   headers={"Content-Type": "application/json"})
        assert broken.status_code == 400 and "JSON" in broken.json()["description"]
        elsewhere = await client.get(f"http://127.0.0.1:{fake.port}/favicon.ico")
        assert elsewhere.status_code == 404 and elsewhere.json()["ok"] is False


@pytest.mark.parametrize("method", ["doesNotExist", "editMessageText", "sendPhoto",
                                    "getWebhookInfo", "editForumTopic"])
async def test_unknown_methods_get_a_bot_api_404(fake: FakeBotAPI, method: str) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{fake.base_url}{TOKEN}/{method}", data={"chat_id": USER})
    assert answer.status_code == 404
    assert answer.json() == {"ok": False, "error_code": 404,
                             "description": "Not Found: method not found"}
    assert fake.errors == [(method, 404, "Not Found: method not found")]


async def test_unknown_method_through_python_telegram_bot(fake: FakeBotAPI) -> None:
    # PTB turns any 404 into InvalidToken; the method's name is in the description
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        with pytest.raises(InvalidToken, match="method not found"):
            await bot.send_dice(USER)


def test_the_fake_answers_exactly_the_methods_the_bot_needs() -> None:
    assert set(METHODS) == {
        "getMe", "getUpdates", "setWebhook", "deleteWebhook", "setMyCommands",
        "setMyDescription", "setMyShortDescription", "sendMessage", "sendVenue",
        "answerCallbackQuery", "createForumTopic", "closeForumTopic"}


async def test_wrong_token_fails_initialize(fake: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("654321:WRONG", base_url=fake.base_url):
            pass


async def test_what_users_send_parses_in_python_telegram_bot(fake: FakeBotAPI) -> None:
    kinds = ["sticker", "photo", "voice", "document", "video", "location", "contact"]
    for kind in kinds:
        fake.push_media(USER, kind)
    with pytest.raises(ValueError, match="unknown media kind"):
        fake.push_media(USER, "hologram")
    fake.push_message(-100777, "/start@jena_welcome_test_bot hi", chat_type="supergroup",
                      chat_id=-100777, language_code=None)
    fake.push_message(-100777, "hello @jena_welcome_test_bot", chat_type="supergroup",
                      chat_id=-100777, reply_to_bot=True)
    fake.push_message(USER, "typo")
    fake.push_edited_message(USER, "fixed")
    with pytest.raises(ValueError, match="no message to edit"):
        fake.push_edited_message(777, "never wrote")
    for chat_id, chat_type in ((5, "private"), (5, "group"), (-5, "channel")):
        with pytest.raises(ValueError):
            fake.push_message(6, "x", chat_id=chat_id, chat_type=chat_type)
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        updates = await bot.get_updates(timeout=0)
    assert len(updates) == len(kinds) + 4
    for kind, update in zip(kinds, updates, strict=False):
        assert update.message.effective_attachment, kind
        assert update.message.from_user.language_code == "en"
    command, mention, typo, fixed = (u.effective_message for u in updates[-4:])
    assert command.entities[0].type == MessageEntity.BOT_COMMAND
    assert command.entities[0].length == len("/start@jena_welcome_test_bot")
    assert command.from_user.language_code is None and command.chat.type == "supergroup"
    assert mention.reply_to_message.from_user.id == fake.bot_id and not mention.entities
    assert updates[-1].edited_message is not None
    assert (fixed.message_id, fixed.text) == (typo.message_id, "fixed")


async def test_what_the_bot_sends_is_checked(fake: FakeBotAPI) -> None:
    fake.push_message(USER, "hi")
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(USER, "menu", reply_markup=too_long)
        umlaut = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="ü" * 32)]])
        msg = await bot.send_message(USER, "menu", reply_markup=umlaut)
        assert msg.message_id == 2  # the user's "hi" was 1
        bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="javascript:x")]])
        with pytest.raises(BadRequest, match=r"(?i)url .* is invalid"):
            await bot.send_message(USER, "menu", reply_markup=bad_url)
        with pytest.raises(Forbidden, match=r"(?i)initiate conversation"):
            await bot.send_message(777, "hello stranger")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-100999, "hello group")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query("12345")
        venue = await bot.send_venue(USER, 50.9288, 11.5846, "Bürgeramt", "Am Anger 26")
        assert venue.venue.title == "Bürgeramt"
        record = fake.sent(USER)[-1]
        assert (record["method"], record["latitude"], record["address"]) == (
            "sendVenue", 50.9288, "Am Anger 26")
        with pytest.raises(BadRequest, match=r"(?i)address is empty"):
            await bot.send_venue(USER, 50.9, 11.5, "Bürgeramt", " ")
        with pytest.raises(BadRequest, match=r"(?i)wrong latitude"):
            await bot.send_venue(USER, 91, 11.5, "Bürgeramt", "Am Anger 26")
        commands = [BotCommand("start", "Start"), BotCommand("help", "Hilfe")]
        assert await bot.set_my_commands(commands, language_code="de")
        assert fake.commands("de") == [c.to_dict() for c in commands]
        assert fake.commands() == []
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Start-Now", "x")])
        assert await bot.set_my_description("Hilfe für Neue in Jena", language_code="de")
        assert fake.profile[("description", "de")] == "Hilfe für Neue in Jena"
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.set_my_short_description("x" * 121)
        assert await bot.set_my_short_description("Jena")
        assert fake.profile[("short_description", "")] == "Jena"
    assert [r["method"] for r in fake.sent()] == ["sendMessage", "sendVenue"]


def test_parse_html_matches_telegram() -> None:
    text, entities = parse_html(
        '<a href="https://jena.de/?a=1&amp;b=2">Jena</a> <pre>x</pre> '
        '<span class="tg-spoiler">s</span> &#128512; &lt;&gt; <a>plain</a> <b></b>'
    )
    assert text == "Jena x s 😀 <> plain "
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://jena.de/?a=1&b=2"},
        {"type": "pre", "offset": 5, "length": 1},
        {"type": "spoiler", "offset": 7, "length": 1},
    ]
    for bad in ("<b>x</i>", "</b>", "<span>x</span>", "<b", "a &nbsp; b", "&#0;"):
        with pytest.raises(Exception, match="can't parse entities"):
            parse_html(bad)


async def test_send_with_a_json_body(fake: FakeBotAPI) -> None:
    fake.push_message(USER, "hi")
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{fake.base_url}{TOKEN}/sendMessage", json={
            "chat_id": USER, "text": "123",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "url": "tg://x"}]]}})
    msg = answer.json()["result"]
    assert msg["text"] == "123" and msg["chat"]["id"] == USER
    assert fake.sent(USER)[0]["reply_markup"]["inline_keyboard"][0][0]["url"] == "tg://x"
