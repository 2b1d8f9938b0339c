"""Log-in without passwords, sessions and CSRF.

A staff member sends /console to the bot and gets a one-time link (``Console.login_link``).
Opening it shows a button; pressing it (a POST, so link previews and prefetching never use
the link up) starts a new session: a fresh random cookie every time (no session fixation),
HttpOnly, SameSite=Strict, Secure behind https. Every other POST must carry the session's
CSRF token (form field ``csrf`` or header ``X-CSRF-Token``) and, when the browser sends
one, an Origin equal to the console's own.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.context import Console
from bot.console.templating import page
from bot.storage.console import SESSION_IDLE, Session

log = logging.getLogger(__name__)

COOKIE = "welcome_console"
Endpoint = Callable[[Request], Awaitable[Response]]
SAFE = ("GET", "HEAD")


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def current(request: Request) -> Session | None:
    """The session of this request's cookie, if it is live."""
    return console_of(request).storage.console.session(request.cookies.get(COOKIE, ""))


def _same_origin(request: Request) -> bool:
    """A browser's Origin header, when sent, names this console (its URL or its host)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    own = urlsplit(console_of(request).url)
    return (parts.scheme, parts.netloc) in {(own.scheme, own.netloc),
                                            (request.url.scheme, request.url.netloc)}


async def _csrf_ok(request: Request, session: Session) -> bool:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else ""
    return _same_origin(request) and secrets.compare_digest(sent.encode(), session.csrf.encode())


def staff_only(endpoint: Endpoint) -> Endpoint:
    """Pages for logged-in staff: others get the log-in hint (401); a POST without the
    session's CSRF token or from another origin gets 403 and changes nothing."""
    async def guarded(request: Request) -> Response:
        session = current(request)
        if session is None:
            return page(request, "login_needed.html", status_code=401)
        if request.method not in SAFE and not await _csrf_ok(request, session):
            log.warning("console: refused a %s to %s without a valid CSRF token",
                        request.method, request.url.path)
            return page(request, "error.html", status_code=403,
                        message="This form has expired or did not come from the console. "
                                "Reload the page and try again.")
        request.state.session = session
        return await endpoint(request)

    guarded.__name__ = endpoint.__name__
    guarded.__doc__ = endpoint.__doc__
    return guarded


async def login_form(request: Request) -> Response:
    """The page behind a log-in link: one button, so nothing is used up by merely opening."""
    return page(request, "login.html", secret=request.path_params["secret"])


async def login(request: Request) -> Response:
    """Trade a one-time link for a new session."""
    form = await request.form()
    secret = form.get("secret")
    console = console_of(request)
    staff = console.storage.console.redeem(secret) if isinstance(secret, str) else None
    if staff is None or not _same_origin(request):
        return page(request, "login_needed.html", status_code=403, used=True)
    old = request.cookies.get(COOKIE)
    if old:
        console.storage.console.end_session(old)
    cookie, _session = console.storage.console.new_session(staff)
    console.storage.audit(staff, "console-login")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, cookie, max_age=int(SESSION_IDLE.total_seconds()),
                        httponly=True, samesite="strict", secure=console.secure, path="/")
    return response


@staff_only
async def logout(request: Request) -> Response:
    console_of(request).storage.console.end_session(request.cookies.get(COOKIE, ""))
    response = page(request, "login_needed.html", logged_out=True)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=console_of(request).secure)
    return response


routes = [
    Route("/login/{secret}", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
