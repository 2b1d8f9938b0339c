"""The Telegram webhook on the console's port (``welcome-bot run`` with the same
``--port`` and ``--console-port``): the same checks as bot/tg/webhook.py's tornado handler
— secret (403), size (413 above 1 MB, also for a chunked body), and a 400 with the reason
for a malformed body — with the update handed to ``accept`` (which knows Telegram)."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
Accept = Callable[[bytes], Awaitable[tuple[int, str]]]
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def _answer(status: int, reason: str = "") -> Response:
    if status != HTTPStatus.OK:
        log.warning("webhook: refused a request (%d: %s)", status, reason)
        return Response(json.dumps({"ok": False, "description": reason}), status_code=status,
                        media_type="application/json")
    return Response(status_code=status)


async def _body(request: Request) -> bytes | None:
    """The body, or None once it passes MAX_BODY (declared or streamed)."""
    length = request.headers.get("content-length", "0")
    if not length.isascii() or not length.isdigit() or int(length) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def route(path: str, secret: str, accept: Accept) -> Route:
    """POST ``/path`` for Telegram's updates."""
    async def telegram(request: Request) -> Response:
        sent = request.headers.get(SECRET_HEADER, "")
        if secret and not secrets.compare_digest(sent.encode(), secret.encode()):
            return _answer(HTTPStatus.FORBIDDEN, "wrong secret token")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _answer(HTTPStatus.FORBIDDEN, "not application/json")
        body = await _body(request)
        if body is None:
            return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than 1 MB")
        return _answer(*await accept(body))

    return Route(f"/{path}", telegram, methods=["POST"])
