"""Charts drawn on the server: this module computes the geometry, ``templates/charts.html``
turns it into inline SVG (autoescaped, no JavaScript, no chart library).

Privacy: a count from 1 to 4 is never drawn to scale. Its bar is drawn as the "< 5" band
(as tall as 5, hatched) and every label, tooltip and table cell shows "< 5"
(``reports.count``), so neither the picture nor the text gives the exact figure away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.staff.reports import SMALL, count

DAY_W, DAY_H = 640, 240  # viewBox of the per-day chart
BAR_W = 420  # viewBox width of the horizontal bar charts
ROW_H = 22
LEFT = 140  # room for an entry id on the left of a horizontal bar
PAD = 28  # room for the axis labels


@dataclass(frozen=True)
class Series:
    name: str
    cls: str  # CSS class giving the colour (console.css: .c0 … .c9, .ok, .warn, .bad)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    cls: str
    title: str
    small: bool  # drawn as the "< 5" band


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"
    cls: str = ""


@dataclass
class Chart:
    id: str
    title: str
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    legend: list[tuple[Series, str]] = field(default_factory=list)  # series, its total
    head: list[str] = field(default_factory=list)  # the text table for screen readers
    rows: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rects


def drawn(n: int) -> int:
    """The length a count is drawn with: small counts as the "< 5" band."""
    return SMALL if 0 < n < SMALL else n


def _top(biggest: int) -> int:
    """A round top for the value axis (at least 10, so the band never fills a chart)."""
    top = max(biggest, 2 * SMALL)
    step = 10 ** (len(str(top)) - 1)
    return -(-top // step) * step


def per_day(chart_id: str, title: str, days: Sequence[str], series: Sequence[Series],
            counts: Mapping[tuple[str, str], int]) -> Chart:
    """Stacked bars, one per day; ``counts`` maps (day, series name) to a count."""
    chart = Chart(chart_id, title, DAY_W, DAY_H)
    heights = [sum(drawn(counts.get((d, s.name), 0)) for s in series) for d in days]
    top = _top(max(heights, default=0))
    plot_h = DAY_H - 2 * PAD
    slot = (DAY_W - PAD) / max(len(days), 1)
    for tick in (0, top // 2, top):
        y = PAD + plot_h * (1 - tick / top)
        chart.lines.append((PAD, y, DAY_W, y))
        chart.labels.append(Label(PAD - 4, y + 4, str(tick), "end", "axis"))
    for i, day in enumerate(days):
        x, base = PAD + i * slot + slot * 0.15, float(PAD + plot_h)
        for s in series:
            n = counts.get((day, s.name), 0)
            if n:
                h = plot_h * drawn(n) / top
                base -= h
                chart.rects.append(Rect(x, base, slot * 0.7, h, s.cls,
                                        f"{day} {s.name}: {count(n)}", n < SMALL))
        if i % 5 == 0:
            chart.labels.append(Label(x + slot * 0.35, DAY_H - 8, day[5:], "middle", "axis"))
        elif i == len(days) - 1:
            chart.labels.append(Label(DAY_W, DAY_H - 8, day[5:], "end", "axis"))
    chart.legend = [(s, count(sum(counts.get((d, s.name), 0) for d in days))) for s in series]
    chart.head = ["day", *(s.name for s in series)]
    chart.rows = [[d, *(count(counts.get((d, s.name), 0)) for s in series)] for d in days
                  if any(counts.get((d, s.name), 0) for s in series)]  # days with questions
    return chart


def bars(chart_id: str, title: str, series: Sequence[Series],
         rows: Sequence[tuple[str, Sequence[int]]]) -> Chart:
    """Horizontal bars: per row (a label) one bar per series, its figure at its end."""
    per_row = len(series) * ROW_H + 8
    chart = Chart(chart_id, title, BAR_W, per_row * len(rows) + 8)
    top = _top(max((drawn(n) for _, values in rows for n in values), default=0))
    room = BAR_W - LEFT - 48
    for r, (name, values) in enumerate(rows):
        y = 4 + r * per_row
        chart.labels.append(Label(LEFT - 6, y + len(series) * ROW_H / 2 + 4, name, "end"))
        for k, (s, n) in enumerate(zip(series, values, strict=True)):
            w = room * drawn(n) / top
            yk = y + k * ROW_H
            if n:
                chart.rects.append(Rect(LEFT, yk + 2, w, ROW_H - 4, s.cls,
                                        f"{name} {s.name}: {count(n)}", n < SMALL))
            chart.labels.append(Label(LEFT + w + 4, yk + ROW_H / 2 + 4, count(n), "start",
                                      "value"))
    chart.legend = [(s, count(sum(values[k] for _, values in rows)))
                    for k, s in enumerate(series)]
    chart.head = ["", *(s.name for s in series)]
    chart.rows = [[name, *(count(n) for n in values)] for name, values in rows]
    return chart


def share(n: int, total: int) -> str:
    """A part of the whole in per cent, or "< 5" when the part itself is a small count."""
    if 0 < n < SMALL:
        return "< 5"
    return f"{100 * n / total:.0f} %" if total else "0 %"


def shares(chart_id: str, title: str, parts: Sequence[tuple[Series, int]]) -> Chart:
    """One bar split into the parts of a whole (answer / suggest / decline)."""
    chart = Chart(chart_id, title, BAR_W, 2 * ROW_H + 8)
    total = sum(n for _, n in parts)
    whole = sum(drawn(n) for _, n in parts)
    x = 0.0
    for s, n in parts:
        if not n:
            continue
        w = BAR_W * drawn(n) / whole
        label = share(n, total)
        chart.rects.append(Rect(x, 4, w, 2 * ROW_H - 4, s.cls, f"{s.name}: {label}", n < SMALL))
        text = f"{s.name} {label}"
        if w > 7 * len(text) + 8:  # the label fits inside its part (the legend has them all)
            chart.labels.append(Label(x + w / 2, 4 + ROW_H + 4, text, "middle", "inside"))
        x += w
    chart.legend = [(s, share(n, total)) for s, n in parts]
    chart.head = ["decision", "share", "questions"]
    chart.rows = [[s.name, share(n, total), count(n)] for s, n in parts]
    return chart
