"""The bot and the staff console in one process, on one event loop.

As python-telegram-bot's custom-webhook example does: the Application is initialised and
started by hand and uvicorn serves the console next to it. Updates come by polling, by
python-telegram-bot's own webhook server on another port, or — when ``--port`` and
``--console-port`` are the same — by a webhook route on the console's own server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.config import ConsoleSettings, Settings
from bot.console import webhook as console_webhook
from bot.console.app import create_app
from bot.console.context import Console
from bot.console.server import listen, serving
from bot.knowledge.loader import fingerprint
from bot.signals import until_stopped
from bot.tg import staffcmd, webhook
from bot.tg.service import BotService

log = logging.getLogger(__name__)


def announcer(service: BotService, app: Application) -> Callable[[str, bool],
                                                                  Awaitable[str]]:
    """The console's "send this event to subscribers": /announce EVENT [--again]."""
    async def send(event: str, again: bool) -> str:
        context = CallbackContext(app)  # /announce only uses context.bot
        return await staffcmd.announce(service, context, (event, *(["--again"] * again)))

    return send


def console_for(service: BotService, settings: ConsoleSettings,
                app: Application | None = None) -> Console:
    """The console on the bot's live snapshot: a save is used by the next message; with
    ``app`` it can also announce events."""
    conv = service.conv

    def put(snapshot: object) -> None:
        conv.snapshot = snapshot  # type: ignore[assignment]  # one assignment, as /reload
        # the console wrote these files itself: the watcher must not load them again
        service.watched = fingerprint(service.settings.knowledge_dir)

    return Console(service.settings.knowledge_dir, service.storage, conv.tr, settings.url,
                   lambda: conv.snapshot, put, writing=service.writing,
                   announce=announcer(service, app) if app is not None else None)


@asynccontextmanager
async def lifecycle(app: Application, polling: bool) -> AsyncIterator[None]:
    """initialize → post_init → (polling) → start; the reverse on the way out."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if polling and app.updater is not None:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run(app: Application, settings: Settings) -> None:
    """Serve the bot and the console until SIGINT or SIGTERM."""
    assert settings.console is not None
    service: BotService = app.bot_data["service"]
    console = service.console = console_for(service, settings.console, app)
    shared = bool(settings.webhook_url) and settings.console.port == settings.port
    extra = []
    if shared:
        extra.append(console_webhook.route(webhook.PATH, settings.secret_token,
                                           partial(webhook.accept, app)))
    web = create_app(console, extra)
    sock = listen(settings.console.host, settings.console.port)
    log.info("staff console on %s", settings.console.url)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            if settings.webhook_url and not shared:
                await stack.enter_async_context(webhook.serving_webhook(app, settings))
            else:
                await stack.enter_async_context(lifecycle(app, polling=not shared))
            await stack.enter_async_context(serving(web, sock))
            if shared:
                await webhook.register(app, settings)
            await until_stopped()

    asyncio.run(main())
