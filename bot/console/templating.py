"""Jinja2 pages: autoescaped (everything users wrote is shown escaped), with the session's
CSRF token and the navigation in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from bot.understanding.language import RTL, SUPPORTED

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(LANGS=SUPPORTED, RTL=RTL)

NAV = (("/", "Overview"), ("/entries", "Entries"), ("/translations", "Translations"),
       ("/unanswered", "Unanswered"), ("/contacts", "Contacts"), ("/events", "Events"),
       ("/history", "History"), ("/audit", "Audit log"))

HEADERS = {
    # nothing from elsewhere: scripts, styles and images come from this console only
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # a log-in link never leaks to another site in a Referer; same-origin keeps the Origin
    # header on our own forms (with no-referrer Chromium sends "Origin: null")
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def page(request: Request, name: str, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """Render ``templates/name`` for this request."""
    session = getattr(request.state, "session", None)
    context.update(csrf=session.csrf if session else "", staff=session.staff if session else None,
                   nav=NAV if session else (), path=request.url.path,
                   status_code=status_code)
    return templates.TemplateResponse(request, name, context, status_code=status_code,
                                      headers=HEADERS)
