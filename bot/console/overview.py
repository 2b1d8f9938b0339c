"""Overview: how the bot is used (counts only; figures below 5 show as "< 5")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.templating import page
from bot.staff import reports

DAYS = 30


@staff_only
async def overview(request: Request) -> Response:
    console = console_of(request)
    lines = reports.stats(console.storage, DAYS).splitlines()
    return page(request, "overview.html", days=DAYS, lines=lines)


routes = [Route("/", overview, methods=["GET"])]
