"""The Telegram adapter's application: wiring, lifecycle, polling or webhook.

Handlers (``handlers``) turn an Update into an ``Incoming``, the core answers, ``render``
plans the messages and ``BotService.deliver`` sends them. Updates of one user run in
order; different users run concurrently (``ordering``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os

# python-telegram-bot 22 gives durations such as retry_after as timedelta only with this
# switch; without it every 429 also raises a deprecation warning. Set before importing it.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from functools import partial

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.conversation.case import Policy
from bot.conversation.core import Conversation, Snapshot
from bot.i18n import Translator, default_translator
from bot.knowledge.loader import load
from bot.storage.backup import take_run_lock
from bot.storage.sqlite import DB_NAME, SQLiteStorage
from bot.tg import handlers, relay, staffcmd, together, webhook
from bot.tg.inbox import InboxQueue, UpdatesRequest
from bot.tg.ordering import PerUserProcessor
from bot.tg.service import BotService, send_with_retry
from bot.tg.texts import ABOUT, COMMANDS, DESCRIPTIONS, SHORT_ABOUT
from bot.understanding.language import SUPPORTED

__all__ = ["AIORateLimiter", "PerUserProcessor", "build_application", "create_application",
           "run"]

log = logging.getLogger(__name__)

REMINDER_CHECK_SECONDS = 300
TRIM_SECONDS = 10


async def post_init(app: Application) -> None:
    """Learn our username; publish localized command menus and descriptions; start jobs."""
    service: BotService = app.bot_data["service"]
    queue = app.update_queue
    if isinstance(queue, InboxQueue):
        pending = queue.recover()  # before any new update: answered first, oldest first
        if pending:
            log.info("%d update(s) from before the restart are answered first", pending)
    me = await app.bot.get_me()
    service.username = me.username or ""
    tr = service.conv.tr
    for lang in (None, *SUPPORTED):
        try:
            await _publish_profile(app, tr, lang)
        except (NetworkError, RetryAfter) as exc:
            log.warning("could not publish the command menu (%s); continuing",
                        type(exc).__name__)
    if app.job_queue is not None:
        app.job_queue.run_repeating(handlers.check_reminders, interval=REMINDER_CHECK_SECONDS,
                                    first=1)
        app.job_queue.run_repeating(handlers.purge_old_data, interval=24 * 3600, first=3600)
        app.job_queue.run_repeating(staffcmd.watch_knowledge, interval=staffcmd.WATCH_SECONDS,
                                    first=staffcmd.WATCH_SECONDS)
        app.job_queue.run_repeating(_trim, interval=TRIM_SECONDS, first=TRIM_SECONDS)
        if service.relay is not None:
            app.job_queue.run_repeating(relay.expire_job, interval=relay.EXPIRE_SECONDS,
                                        first=60)


async def _trim(context: object) -> None:
    """Periodically give freed heap pages back (see ``release_memory``)."""
    release_memory(collect=False)


async def _publish_profile(app: Application, tr: Translator, lang: str | None) -> None:
    """The command menu and descriptions for one language (None: the default)."""
    code = lang or "en"
    commands = [BotCommand(c, tr.gettext(code, DESCRIPTIONS[c])[:256]) for c in COMMANDS]
    bot = app.bot
    await send_with_retry(partial(bot.set_my_commands, commands, language_code=lang))
    await send_with_retry(partial(bot.set_my_description, tr.gettext(code, ABOUT)[:512],
                                  language_code=lang))
    await send_with_retry(partial(bot.set_my_short_description,
                                  tr.gettext(code, SHORT_ABOUT)[:120], language_code=lang))


async def post_shutdown(app: Application) -> None:
    """Close the database cleanly."""
    app.bot_data["service"].storage.close()


def build_application(settings: Settings, conv: Conversation,
                      storage: SQLiteStorage) -> Application:
    """Wire handlers, rate limiting, per-user ordering and lifecycle into one Application."""
    service = BotService(conv, storage, settings)
    queue = InboxQueue(service.inbox)
    queue.wait_for_room = not settings.webhook_url  # the webhook answers 200 once stored
    processor = PerUserProcessor()
    processor.finished, processor.released = queue.finished, queue.released
    queue.updates = UpdatesRequest()  # the inbox stores getUpdates' JSON as it came
    queue.updates.before_request = queue.sync  # … on the disk before the next offset
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(processor)
        .update_queue(queue)  # durable: bot/tg/inbox.py
        .get_updates_request(queue.updates)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.base_url:
        base = settings.base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(
            base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file")
    app = builder.build()
    queue.bot = app.bot
    app.bot_data["service"] = service
    commands = filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
    # Order matters: the first matching handler wins. Staff commands come first, filtered
    # to staff ids in private chats or the staff chat (anyone else, anywhere else, falls
    # through to the core's "unknown command"); then all commands, then text, then the
    # catch-all for media.
    app.add_handler(CommandHandler(list(staffcmd.COMMANDS), staffcmd.on_staff_command,
                                   filters=staffcmd.staff_filter(settings)))
    if settings.staff_chat is not None:
        # Next, everything else in the staff chat: case topics are relayed, the rest is
        # ignored — it must never reach the user-facing handlers below.
        service = app.bot_data["service"]
        service.relay = relay.Relay(service, settings.staff_chat)
        app.add_handler(MessageHandler(filters.Chat(chat_id=settings.staff_chat),
                                       service.relay.on_staff_update))
    app.add_handler(MessageHandler(commands, handlers.on_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_handler(MessageHandler(filters.ALL, handlers.on_other))
    app.add_error_handler(handlers.on_error)
    return app


def release_memory(collect: bool = True) -> None:
    """Hand memory freed after a build (the index's temporaries) back to the system.

    glibc keeps freed heap pages; after building the matching index of the shipped
    knowledge base that is ~50 MB (resident 190 → 143 MB). Elsewhere this does nothing.
    """
    if collect:
        gc.collect()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
    except OSError:
        trim = None
    if trim is not None:
        trim(0)


def create_application(settings: Settings, snapshot: Snapshot | None = None) -> Application:
    """Open the database and wire the application; the knowledge comes from ``snapshot``
    when given (tests build it once), else it is loaded from ``settings.knowledge_dir``."""
    if snapshot is None:
        snapshot = Snapshot.build(load(settings.knowledge_dir))
    storage = SQLiteStorage(settings.data_dir / DB_NAME)
    storage.purge()
    policy = Policy(settings.staff_chat is not None, settings.staff_reply_hours,
                    settings.case_idle_days)
    conv = Conversation(snapshot, default_translator(), storage, policy)
    log.info("knowledge: %d entries; data: %s", len(snapshot.kb.entries), settings.data_dir)
    return build_application(settings, conv, storage)


def run(settings: Settings) -> int:
    """Load everything, then poll (default) or serve the webhook until SIGINT/SIGTERM."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the token
    logging.getLogger("telegram.ext.Updater").addFilter(handlers.QuietPollingErrors())
    lock = take_run_lock(settings.data_dir)  # until exit: 'welcome-bot restore' refuses
    app = create_application(settings)
    release_memory()
    if settings.console is not None:
        together.run(app, settings)  # the staff console beside the bot, on one loop
    elif settings.webhook_url:
        webhook.run(app, settings)  # run_webhook's server, with malformed bodies refused
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    lock.close()
    return 0
