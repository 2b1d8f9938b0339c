"""The audit log: who on staff did what, when (staff as given; nothing about users)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.templating import page

LIMIT = 200


@staff_only
async def audit(request: Request) -> Response:
    """The newest LIMIT lines of storage's audit log."""
    rows = console_of(request).storage.audit_log(LIMIT)
    return page(request, "audit.html", rows=rows, limit=LIMIT)


routes = [Route("/audit", audit, methods=["GET"])]
