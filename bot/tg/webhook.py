"""Webhook mode on python-telegram-bot's own server (tornado), with every request checked
before anything reaches the application.

python-telegram-bot's ``run_webhook`` answers a malformed body that carries the right
secret with HTTP 500 and a traceback, and reads bodies up to tornado's 100 MB. Here the
same server class (``WebhookServer``) runs a request handler derived from its own
``TelegramHandler`` that streams the body with a 1 MB limit (413), and answers 400 for a
body that is not UTF-8, not JSON, nested too deeply, not an update, or has an update_id
that is no sane number. Updates go into ``application.update_queue`` as with
``run_webhook`` (the documented way to feed an application from a custom server, with
``updater`` unused).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

import tornado.web
from telegram import Bot, Update
from telegram.ext import Application, ExtBot
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass, WebhookServer

from bot.config import Settings
from bot.signals import until_stopped

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates are a few kB; a file is never inside one
MAX_UPDATE_ID = 2**53  # Telegram's ids fit in a double; anything bigger is not from it
PATH = "telegram"


class BadUpdateError(ValueError):
    """The body is not an update; the reason goes into the 400 answer and one log line."""


def parse_update(body: bytes, bot: Bot) -> Update:
    """The update in a webhook body, or ``BadUpdateError`` saying what is wrong with it."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadUpdateError("body is not UTF-8") from None
    except RecursionError:
        raise BadUpdateError("body is nested too deeply") from None
    except ValueError:  # not JSON, truncated, or a number with thousands of digits
        raise BadUpdateError("body is not JSON") from None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not (
            0 <= update_id < MAX_UPDATE_ID):
        raise BadUpdateError("not an update (no sane update_id)")
    try:
        return Update.de_json(data, bot)
    except RecursionError:
        raise BadUpdateError("update is nested too deeply") from None
    except Exception as exc:  # whatever the library fails on is a bad body
        raise BadUpdateError(f"update could not be read ({type(exc).__name__})") from None


async def accept(app: Application, body: bytes) -> tuple[int, str]:
    """Queue the update in ``body`` (for a webhook served by the console's server):
    (200, "") once it is queued, else (400, the reason)."""
    try:
        update = parse_update(body, app.bot)
    except BadUpdateError as exc:
        log.warning("webhook: refused a request (400: %s)", exc)
        return HTTPStatus.BAD_REQUEST, str(exc)
    if isinstance(app.bot, ExtBot):
        app.bot.insert_callback_data(update)
    await app.update_queue.put(update)
    return HTTPStatus.OK, ""


@tornado.web.stream_request_body
class CheckedTelegramHandler(TelegramHandler):
    """``TelegramHandler`` with a size limit and a 400 for every malformed body."""

    def prepare(self) -> None:
        """Check the secret and the declared size before reading the body."""
        self._chunks: list[bytes] = []
        self._size = 0
        self._validate_post()  # content type and secret token: 403 otherwise
        length = self.request.headers.get("Content-Length", "0")
        if not length.isascii() or not length.isdigit() or int(length) > MAX_BODY:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than 1 MB")

    def data_received(self, chunk: bytes) -> None:
        """Collect the body; stop at the limit (a chunked body has no Content-Length)."""
        if self._finished:
            return
        self._size += len(chunk)
        if self._size > MAX_BODY:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than 1 MB")
            return
        self._chunks.append(chunk)

    async def post(self) -> None:
        """Queue the update; 400 with the reason for a malformed body."""
        if self._finished:
            return
        try:
            update = parse_update(b"".join(self._chunks), self.bot)
        except BadUpdateError as exc:
            self._refuse(HTTPStatus.BAD_REQUEST, str(exc))
            return
        if isinstance(self.bot, ExtBot):  # arbitrary callback data, as run_webhook does
            self.bot.insert_callback_data(update)
        await self.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def _refuse(self, status: HTTPStatus, reason: str) -> None:
        log.warning("webhook: refused a request (%d: %s)", status, reason)
        self.set_status(status)
        self.finish(json.dumps({"ok": False, "description": reason}))


class CheckedWebhookApp(WebhookAppClass):
    """python-telegram-bot's webhook application with ``CheckedTelegramHandler``."""

    def __init__(self, bot: Bot, queue: asyncio.Queue, secret_token: str | None,
                 path: str = PATH) -> None:
        self.shared_objects = {"bot": bot, "update_queue": queue,
                               "secret_token": secret_token or None}
        tornado.web.Application.__init__(  # its parent's __init__ would add its own handler
            self, [(rf"/{path}/?", CheckedTelegramHandler, self.shared_objects)])


async def register(app: Application, settings: Settings) -> None:
    """Tell Telegram where to send updates (the webhook URL with PATH) and the secret."""
    assert settings.webhook_url
    await app.bot.set_webhook(settings.webhook_url.rstrip("/") + f"/{PATH}",
                              secret_token=settings.secret_token or None,
                              allowed_updates=Update.ALL_TYPES)


@asynccontextmanager
async def serving_webhook(app: Application, settings: Settings) -> AsyncIterator[None]:
    """Run ``app`` on the webhook as ``run_webhook`` does: initialize, post_init, serve,
    register the webhook with Telegram, start; stop in reverse order."""
    if not settings.webhook_url:
        raise ValueError("webhook mode needs a webhook URL")
    await app.initialize()
    server = None
    try:
        if app.post_init:
            await app.post_init(app)
        server = WebhookServer(settings.listen, settings.port,
                               CheckedWebhookApp(app.bot, app.update_queue,
                                                 settings.secret_token), None)
        await server.serve_forever()
        await register(app, settings)
        await app.start()
        try:
            yield
        finally:
            await server.shutdown()
            await app.stop()
    finally:
        if server is not None:
            await server.shutdown()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run(app: Application, settings: Settings) -> None:
    """Serve the webhook until SIGINT or SIGTERM."""
    async def main() -> None:
        async with serving_webhook(app, settings):
            await until_stopped()

    asyncio.run(main())
