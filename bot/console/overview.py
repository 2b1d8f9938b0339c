"""Overview: how the bot is used, as charts drawn on the server (counts only; figures
below 5 show as "< 5", as in /stats)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console import charts
from bot.console.auth import console_of, staff_only
from bot.console.charts import Chart, Series
from bot.console.templating import page
from bot.staff import reports
from bot.storage.sqlite import SQLiteStorage
from bot.understanding.language import SUPPORTED

DAYS = 30
TOP = 10  # entries in "most asked" and in the feedback chart
DECISIONS = (Series("answer", "ok"), Series("suggest", "warn"), Series("decline", "bad"))
CHAT = ("smalltalk", "handoff")  # counted apart, as /stats does


def day_charts(storage: SQLiteStorage, today: date) -> list[Chart]:
    """Questions per day, stacked by language and by decision."""
    days = [(today - timedelta(days=DAYS - 1 - i)).isoformat() for i in range(DAYS)]
    by_lang: Counter[tuple[str, str]] = Counter()
    by_decision: Counter[tuple[str, str]] = Counter()
    langs: Counter[str] = Counter()
    for day, lang, decision, n in storage.daily_counts(days[0]):
        if decision in CHAT:
            continue
        by_lang[day, lang] += n
        by_decision[day, decision] += n
        langs[lang] += n
    order = [lang for lang in SUPPORTED if lang in langs] + sorted(set(langs) - set(SUPPORTED))
    lang_series = [Series(lang, f"c{i % 10}") for i, lang in enumerate(order)]
    return [charts.per_day("by-language", "Questions per day, by language", days,
                           lang_series, by_lang),
            charts.per_day("by-decision", "Questions per day, by decision", days,
                           DECISIONS, by_decision)]


Row = tuple[str, str | None, str, str | None, int]


def entry_charts(storage: SQLiteStorage, rows: list[Row], since: str) -> tuple[Chart, ...]:
    """Decision shares, most asked entries, helpful / not helpful per entry."""
    decisions: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    for _lang, _grp, decision, entry, n in rows:
        if decision in CHAT:
            continue
        decisions[decision] += n
        if entry:
            entries[entry] += n
    shares = charts.shares("shares", "Answered, suggested, declined",
                           [(s, decisions[s.name]) for s in DECISIONS])
    asked = charts.bars("asked", "Most asked entries", [Series("questions", "c0")],
                        [(e, [n]) for e, n in entries.most_common(TOP)])
    votes = sorted(storage.feedback_counts(since), key=lambda r: (-(r[1] + r[2]), r[0]))[:TOP]
    feedback = charts.bars("feedback", "Helpful / not helpful, per entry",
                           [Series("helpful", "ok"), Series("not helpful", "bad")],
                           [(e, [h, n]) for e, h, n in votes])
    return shares, asked, feedback


@staff_only
async def overview(request: Request) -> Response:
    """Charts of the last DAYS days."""
    storage = console_of(request).storage
    today = date.today()
    since = (today - timedelta(days=DAYS - 1)).isoformat()
    rows = storage.question_counts(since)
    shares, asked, feedback = entry_charts(storage, rows, since)
    by_kind: Counter[str] = Counter()
    for _lang, _grp, decision, _entry, n in rows:
        by_kind[decision if decision in CHAT else "question"] += n
    return page(request, "overview.html", days=DAYS, per_day=day_charts(storage, today),
                shares=shares, asked=asked, feedback=feedback,
                total=reports.count(by_kind["question"]),
                enough=by_kind["question"] >= reports.SMALL,
                smalltalk=reports.count(by_kind["smalltalk"]),
                handoff=reports.count(by_kind["handoff"]))


routes = [Route("/", overview, methods=["GET"])]
