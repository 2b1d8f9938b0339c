"""Run evaluation cases through the engine and summarise accuracy per language."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import BotError
from bot.understanding.language import SUPPORTED

SHORT_WORDS = 4  # a message of at most this many words counts as short (reply language)


@dataclass(frozen=True)
class Case:
    text: str
    expect: tuple[str, ...]
    lang: str
    tags: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    decision: str
    entry: str | None
    suggestions: tuple[str, ...]
    lang: str
    confidence: float

    @property
    def in_scope(self) -> bool:
        return bool(self.case.expect)

    @property
    def correct(self) -> bool:
        return self.decision == "answer" and self.entry in self.case.expect

    @property
    def first(self) -> bool:
        """The answer, or else the first "Did you mean…" button, is right."""
        picked = self.entry if self.decision == "answer" else next(iter(self.suggestions), None)
        return self.decision in ("answer", "suggest") and picked in self.case.expect

    @property
    def wrong(self) -> bool:
        """Answered with an entry that is not among the expected ones (in scope)."""
        return self.in_scope and self.decision == "answer" and self.entry not in self.case.expect

    @property
    def reachable(self) -> bool:
        return self.correct or any(s in self.case.expect for s in self.suggestions)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict:
        """Accuracy overall and per language, decline rates, answer-language accuracy."""
        per: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            per[o.case.lang].append(o)

        def stats(items: list[Outcome]) -> dict:
            scoped = [o for o in items if o.in_scope]
            oos = [o for o in items if not o.in_scope]
            short = [o for o in items if len(o.case.text.split()) <= SHORT_WORDS]
            return {
                "cases": len(items),
                "in_scope": len(scoped),
                "accuracy": _ratio(sum(o.correct for o in scoped), len(scoped)),
                "reachable": _ratio(sum(o.reachable for o in scoped), len(scoped)),
                "in_scope_declined": _ratio(sum(o.decision == "decline" for o in scoped),
                                            len(scoped)),
                "out_of_scope": len(oos),
                "oos_declined": _ratio(sum(o.decision == "decline" for o in oos), len(oos)),
                "language": _ratio(sum(o.lang == o.case.lang for o in items), len(items)),
                "first": _ratio(sum(o.first for o in scoped), len(scoped)),
                "wrong_answer": _ratio(sum(o.wrong for o in scoped), len(scoped)),
                "oos_answered": _ratio(sum(o.decision == "answer" for o in oos), len(oos)),
                "short": len(short),
                "short_language": _ratio(sum(o.lang == o.case.lang for o in short), len(short)),
            }

        return {
            "overall": stats(self.outcomes),
            "languages": {lang: stats(per[lang]) for lang in [*SUPPORTED, *sorted(per)]
                          if lang in per},
        }

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes
                if (o.in_scope and not o.correct) or (not o.in_scope and o.decision != "decline")
                or o.lang != o.case.lang]


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def read_cases(path: str | Path) -> list[Case]:
    """Read JSONL cases ``{"text", "expect": [ids], "lang"}``; errors name the line."""
    cases = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BotError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            text, lang = data["text"], data.get("lang", "")
            expect = tuple(data.get("expect") or ())
            if not isinstance(text, str) or not all(isinstance(x, str) for x in expect):
                raise TypeError("text must be a string and expect a list of ids")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BotError(f"{path}:{number}: not a valid case ({exc}); expected "
                           '{"text": ..., "expect": [...], "lang": ...}') from exc
        cases.append(Case(text, expect, lang, tuple(data.get("tags") or ())))
    return cases


def evaluate(cases: Iterable[Case], answer: Callable[[str], dict[str, Any]]) -> Report:
    """Run every case through ``answer`` (text → answer JSON dict)."""
    report = Report()
    for case in cases:
        result = answer(case.text)
        report.outcomes.append(Outcome(case, result["decision"], result["entry"],
                                       tuple(result["suggestions"]), result["lang"],
                                       result["confidence"]))
    return report


def format_report(report: Report, show_misses: int = 40) -> str:
    s = report.summary()
    rows = [("language", "cases", "accuracy", "answer or 1st button", "in answer/suggest",
             "in-scope declined",
             "oos declined", "wrong answer", "oos answered", "reply language",
             "short: reply language")]

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}%"

    for name, st in [*s["languages"].items(), ("overall", s["overall"])]:
        rows.append((name, str(st["cases"]), pct(st["accuracy"]), pct(st["first"]),
                     pct(st["reachable"]),
                     pct(st["in_scope_declined"]), pct(st["oos_declined"]),
                     pct(st["wrong_answer"]), pct(st["oos_answered"]), pct(st["language"]),
                     f'{pct(st["short_language"])} of {st["short"]}'))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    misses = report.misses()
    if misses:
        out.append(f"\nmisses ({len(misses)}; first {min(len(misses), show_misses)}):")
        for o in misses[:show_misses]:
            got = o.entry if o.decision == "answer" else f"{o.decision} {list(o.suggestions)}"
            expect = ",".join(o.case.expect) or "(decline)"
            out.append(f"  [{o.case.lang}→{o.lang}] {o.case.text[:70]!r}: expected {expect}, "
                       f"got {got} ({o.confidence:.2f})")
    return "\n".join(out)
