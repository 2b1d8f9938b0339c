"""Translation status: a matrix entry × language (missing, older than the German text, up to
date, not reviewed for a year), each cell a link to the editor there. The states come
from ``reports.status``, the rule ``check --gaps`` and /gaps use too."""

from __future__ import annotations

from collections import Counter
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.templating import page
from bot.staff import reports
from bot.understanding.language import SUPPORTED

# state → (short text in the cell, what it means)
STATES = {
    reports.MISSING: ("missing", "no text in this language yet"),
    reports.OLDER: ("older", "older than the German text: the German was changed later"),
    reports.STALE: ("review", "not reviewed for a year: check the facts"),
    reports.CURRENT: ("ok", "up to date"),
}


@staff_only
async def translations(request: Request) -> Response:
    """The matrix, entries by id, languages in the bot's order (German first)."""
    kb = console_of(request).get().kb
    today = date.today()
    rows = []
    totals: dict[str, Counter[str]] = {lang: Counter() for lang in SUPPORTED}
    for entry in sorted(kb.entries.values(), key=lambda e: e.id):
        cells = []
        for lang in SUPPORTED:
            state = reports.status(entry, lang, today)
            totals[lang][state] += 1
            cells.append((lang, state))
        title = entry.texts.get("de") or next(iter(entry.texts.values()))
        rows.append((entry.id, title.title, cells))
    return page(request, "translations.html", rows=rows, states=STATES, totals=totals,
                langs=SUPPORTED)


routes = [Route("/translations", translations, methods=["GET"])]
