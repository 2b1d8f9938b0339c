"""The console's Starlette application: the pages of each module under ``bot/console`` plus
the static files shipped with the package (no CDN, no JavaScript framework)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console import auth
from bot.console.context import Console
from bot.console.templating import HERE, page

MAX_FORM = 512 * 1024  # one entry's form; larger bodies are refused


async def not_found(request: Request, exc: Exception) -> Response:
    return page(request, "error.html", status_code=404, message="There is no such page.")


async def server_error(request: Request, exc: Exception) -> Response:
    return page(request, "error.html", status_code=500,
                message="Something went wrong; nothing was changed. The log has the details.")


def page_routes() -> list[BaseRoute]:
    """Every page module's routes (each module lists its own in ``routes``)."""
    # pages import auth and templating: import them late
    from bot.console import (
        audit,
        contacts,
        editor,
        events,
        history,
        overview,
        translations,
        unanswered,
    )

    return [*auth.routes, *overview.routes, *editor.routes, *translations.routes,
            *unanswered.routes, *contacts.routes, *events.routes, *history.routes,
            *audit.routes]


def create_app(console: Console, extra: Sequence[BaseRoute] = ()) -> Starlette:
    """The console for ``console``; ``extra`` routes (the Telegram webhook) share the port."""
    routes: list[BaseRoute] = [*extra, *page_routes(),
                               Mount("/static", StaticFiles(directory=HERE / "static"),
                                     name="static")]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 500: server_error})
    app.state.console = console
    return app


__all__ = ["MAX_FORM", "Route", "create_app"]
