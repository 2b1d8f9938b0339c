"""The Telegram adapter: python-telegram-bot Application → conversation core → render.

Handlers turn an Update into an ``Incoming``, call ``Conversation.handle`` and send what
``render`` plans. Updates of one user run in order; different users run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

# python-telegram-bot 22 gives durations such as retry_after as timedelta only with this
# switch; without it every 429 also raises a deprecation warning. Set before importing it.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import BotCommand, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.conversation.cards import event_when
from bot.conversation.core import Conversation, Snapshot
from bot.conversation.messages import Incoming, Reply, Text
from bot.i18n import default_translator
from bot.knowledge.loader import fingerprint, load
from bot.storage.backup import take_run_lock
from bot.storage.sqlite import DB_NAME, SQLiteStorage
from bot.tg import staffcmd
from bot.tg.render import render
from bot.understanding.language import SUPPORTED

log = logging.getLogger(__name__)

COMMANDS = ("start", "menu", "events", "language", "help", "privacy", "forget")
SEND_ATTEMPTS = 4
REMINDER_CHECK_SECONDS = 300


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, strictly in order for each user (and chat)."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Any, asyncio.Lock] = {}
        self._waiting: dict[Any, int] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait behind this user's earlier updates first, then for a free slot.

        In that order, a user who floods the bot queues behind their own messages and
        does not fill the slots that everyone else's updates need.
        """
        key = _order_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody queued behind us: forget the lock
                del self._waiting[key], self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _order_key(update: object) -> Any:
    if isinstance(update, Update):
        if update.effective_user:
            return ("user", update.effective_user.id)
        if update.effective_chat:
            return ("chat", update.effective_chat.id)
    return ("other", id(update))


async def send_with_retry(call: Callable[[], Awaitable[Any]]) -> Any:
    """Retry one API call on network errors and 5xx; 429 is retried by the rate limiter."""
    delay = 0.5
    for attempt in range(SEND_ATTEMPTS):
        try:
            return await call()
        except RetryAfter as exc:  # the rate limiter gave up; wait as told once more
            if attempt == SEND_ATTEMPTS - 1:
                raise
            await asyncio.sleep(_seconds(exc.retry_after))
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest | Forbidden) or attempt == SEND_ATTEMPTS - 1:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    return None


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramBot:
    """Holds the services the handlers need; injected through ``bot_data``."""

    def __init__(self, conv: Conversation, storage: SQLiteStorage, settings: Settings) -> None:
        self.conv = conv
        self.storage = storage
        self.settings = settings
        self.username = ""
        self.watched = fingerprint(settings.knowledge_dir)

    async def deliver(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                      replies: list[Reply], raise_errors: bool = False) -> bool:
        """Send the planned messages in order; False (or Forbidden) if the user blocked us."""
        for out in render(replies):
            try:
                if out.venue is not None:
                    v = out.venue
                    await send_with_retry(lambda v=v: context.bot.send_venue(
                        chat_id, latitude=v.latitude, longitude=v.longitude, title=v.title,
                        address=v.address or " "))
                else:
                    await send_with_retry(lambda o=out: context.bot.send_message(
                        chat_id, o.text, reply_markup=o.markup))
            except Forbidden:
                log.info("a user blocked the bot or left the chat; their reminders are removed")
                self.storage.forget_chat(str(chat_id))
                if raise_errors:
                    raise
                return False
        return True

    def incoming(self, update: Update, kind: str, **fields: Any) -> Incoming:
        user = update.effective_user
        chat = update.effective_chat
        return Incoming(
            user=f"tg:{user.id}" if user else f"chat:{chat.id if chat else 0}",
            kind=kind, client_lang=user.language_code if user else None,
            chat=str(chat.id) if chat else "", now=datetime.now(), **fields)

    async def process(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                      incoming: Incoming) -> None:
        state = self.storage.get_user(incoming.user)
        replies, new_state = self.conv.handle(incoming, state)
        if new_state != state:
            self.storage.set_user(incoming.user, new_state)
        if update.effective_chat:
            await self.deliver(context, update.effective_chat.id, replies)


def _service(context: ContextTypes.DEFAULT_TYPE) -> TelegramBot:
    return context.application.bot_data["service"]


def _addressed_to_bot(message: Message, username: str, bot_id: int) -> bool:
    """In groups, only messages that mention the bot or reply to it are for us."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return True
    text = message.text or message.caption or ""
    return bool(username) and f"@{username.lower()}" in text.lower()


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run a command (known or not) through the conversation core."""
    service = _service(context)
    message = update.effective_message
    if message is None or not message.text:
        return
    head, *args = message.text.split()
    name, _at, target = head[1:].partition("@")
    if target and target.lower() != service.username.lower():
        return  # a command for another bot in a group
    user = update.effective_user
    if name.lower() in staffcmd.COMMANDS and staffcmd.is_staff(service, user and user.id):
        await staffcmd.run(service, context, message.chat_id, user.id, name.lower(), tuple(args))
        return
    await service.process(update, context, service.incoming(
        update, "command", command=name, args=tuple(args)))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a free-text question (new or edited)."""
    service = _service(context)
    message = update.effective_message
    if message is None or not _addressed_to_bot(message, service.username, context.bot.id):
        return
    text = message.text or ""
    if service.username:
        text = text.replace(f"@{service.username}", " ")
    await service.process(update, context, service.incoming(update, "text", text=text))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: answer the query first, then the action."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except (BadRequest, NetworkError):
        pass  # an expired query: the action still runs
    service = _service(context)
    data = query.data if isinstance(query.data, str) else ""
    await service.process(update, context, service.incoming(update, "button", data=data))


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files, locations …: a friendly hint, never silence."""
    service = _service(context)
    message = update.effective_message
    if message is None or not _addressed_to_bot(message, service.username, context.bot.id):
        return
    await service.process(update, context, service.incoming(update, "media"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (no message text), then apologise in the user's language."""
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    service = _service(context)
    user = update.effective_user
    state = service.storage.get_user(f"tg:{user.id}") if user else None
    lang = (state.lang if state else None) or "en"
    text = default_translator().gettext(lang, APOLOGY)
    try:
        await service.deliver(context, update.effective_chat.id, [Text(text, lang)])
    except Exception:
        log.warning("could not send the apology")


async def check_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send due reminders (the day before an event); survives restarts via the database."""
    service = _service(context)
    kb = service.conv.snapshot.kb
    now = datetime.now()
    for user, chat, event_id, lang in service.storage.all_subscriptions():
        event = kb.events.get(event_id)
        if event is None or event.start is None:
            continue
        if not (event.start - timedelta(days=1) <= now < event.start):
            continue
        if not service.storage.mark_reminded(user, event_id):
            continue
        tr = default_translator()
        _used, text = event.localized(lang)
        body = tr.gettext(lang, REMINDER).format(event=text.title)
        body += f"\n📅 {event_when(event, lang)}" + (f"\n📍 {event.place}" if event.place else "")
        await service.deliver(context, int(chat), [Text(body, lang)])


async def purge_old_data(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily: delete staff data older than the retention /privacy states (180 days)."""
    _service(context).storage.purge()


async def post_init(app: Application) -> None:
    """Learn our username; publish localized command menus and descriptions."""
    service: TelegramBot = app.bot_data["service"]
    me = await app.bot.get_me()
    service.username = me.username or ""
    tr = default_translator()
    for lang in (None, *SUPPORTED):
        code = lang or "en"
        commands = [BotCommand(c, tr.gettext(code, DESCRIPTIONS[c])[:256]) for c in COMMANDS]
        try:
            await send_with_retry(lambda c=commands, lang=lang: app.bot.set_my_commands(
                c, language_code=lang))
            await send_with_retry(lambda code=code, lang=lang: app.bot.set_my_description(
                tr.gettext(code, ABOUT)[:512], language_code=lang))
            await send_with_retry(lambda code=code, lang=lang: app.bot.set_my_short_description(
                tr.gettext(code, SHORT_ABOUT)[:120], language_code=lang))
        except (NetworkError, RetryAfter) as exc:
            log.warning("could not publish the command menu (%s); continuing",
                        type(exc).__name__)
    if app.job_queue is not None:
        app.job_queue.run_repeating(check_reminders, interval=REMINDER_CHECK_SECONDS, first=1)
        app.job_queue.run_repeating(purge_old_data, interval=24 * 3600, first=3600)
        app.job_queue.run_repeating(staffcmd.watch_knowledge, interval=staffcmd.WATCH_SECONDS,
                                    first=staffcmd.WATCH_SECONDS)


async def post_shutdown(app: Application) -> None:
    """Close the database cleanly."""
    app.bot_data["service"].storage.close()


def _(message: str) -> str:
    """Mark for extraction; translated per user at run time."""
    return message


# I18N: command menu entries and the bot's profile texts
DESCRIPTIONS = {
    "start": _("Start and choose your language"),
    "menu": _("Topics for refugees, students, workers, visitors"),
    "events": _("Upcoming events and the welcome day"),
    "language": _("Change the language"),
    "help": _("What I can do"),
    "privacy": _("What I store about you"),
    "forget": _("Delete everything I store about you"),
}
ABOUT = _("Welcome to Jena! Ask me about registering your address, the foreigners' "
          "authority, German courses, housing, jobs, studying and more — in your language. "
          "I tell you which office helps, with address, opening hours and phone where "
          "known. In an "
          "emergency call 112 or 110.")
SHORT_ABOUT = _("Questions about life in Jena? Ask in your language.")
APOLOGY = _("Sorry, something went wrong on my side. Please try again in a moment.")
REMINDER = _("Reminder: tomorrow is “{event}”.")


def build_application(settings: Settings, conv: Conversation,
                      storage: SQLiteStorage) -> Application:
    """Wire handlers, rate limiting, per-user ordering and lifecycle into one Application."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(PerUserProcessor())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.base_url:
        base = settings.base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(
            base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file")
    app = builder.build()
    app.bot_data["service"] = TelegramBot(conv, storage, settings)
    commands = filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
    # Order matters: commands before text, text before the catch-all for media.
    app.add_handler(MessageHandler(commands, on_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.ALL, on_other))
    app.add_error_handler(on_error)
    return app


def create_application(settings: Settings) -> Application:
    """Load the knowledge base, open the database, and wire the application."""
    kb = load(settings.knowledge_dir)
    storage = SQLiteStorage(settings.data_dir / DB_NAME)
    storage.purge()
    conv = Conversation(Snapshot.build(kb), default_translator(), storage)
    log.info("knowledge: %d entries; data: %s", len(kb.entries), settings.data_dir)
    return build_application(settings, conv, storage)


def run(settings: Settings) -> int:
    """Load everything, then poll (default) or serve the webhook until SIGINT/SIGTERM."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the token
    lock = take_run_lock(settings.data_dir)  # until exit: 'welcome-bot restore' refuses
    app = create_application(settings)
    if settings.webhook_url:
        app.run_webhook(listen=settings.listen, port=settings.port, url_path="telegram",
                        secret_token=settings.secret_token,
                        webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
                        allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    lock.close()
    return 0
