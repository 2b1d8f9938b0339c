"""Charts of the console overview: small counts never show, in the picture or the text."""

from __future__ import annotations

from bot.console import charts
from bot.console.charts import Series

LANGS = [Series("de", "c0"), Series("en", "c1")]


def _texts(chart: charts.Chart) -> list[str]:
    return ([label.text for label in chart.labels] + [r.title for r in chart.rects]
            + [cell for row in chart.rows for cell in row[1:]]
            + [total for _s, total in chart.legend])


def test_small_counts_are_drawn_as_the_band_and_labelled_below_5() -> None:
    days = ["2026-12-01", "2026-12-02"]
    chart = charts.per_day("d", "per day", days, LANGS,
                           {(days[0], "de"): 1, (days[1], "de"): 4, (days[1], "en"): 12})
    small = [r for r in chart.rects if r.small]
    assert len(small) == 2 and small[0].h == small[1].h  # 1 and 4 look the same
    assert {r.title.split(": ")[1] for r in small} == {"< 5"}
    shown = _texts(chart)
    assert "1" not in shown and "4" not in shown and "< 5" in shown and "12" in shown


def test_bars_and_shares_hide_small_figures() -> None:
    chart = charts.bars("f", "feedback", [Series("helpful", "ok"), Series("not", "bad")],
                        [("registration", [9, 2]), ("jobs", [3, 0])])
    texts = _texts(chart)
    assert "2" not in texts and "3" not in texts and "< 5" in texts and "9" in texts
    parts = charts.shares("s", "shares", [(Series("answer", "ok"), 40),
                                          (Series("decline", "bad"), 2)])
    assert "decline: < 5" in _texts(parts) and "2" not in _texts(parts)
    assert not any(t.endswith((" 5 %", ": 5 %")) or t == "5 %" for t in _texts(parts))


def test_no_data_is_an_empty_chart() -> None:
    assert charts.bars("a", "asked", LANGS[:1], []).empty
    assert charts.per_day("d", "per day", ["2026-12-01"], LANGS, {}).empty
