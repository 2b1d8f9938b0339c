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
    type: str = ""  # conversation cases: smalltalk, person, unsupported, two-topics
    smalltalk: str = ""  # the expected small-talk kind


@dataclass
class Outcome:
    case: Case
    decision: str
    entry: str | None
    suggestions: tuple[str, ...]
    lang: str
    confidence: float
    kind: str | None = None
    asked_in: str | None = None

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


CONVERSATION_TYPES = ("smalltalk", "person", "unsupported", "two-topics")
# the small-talk kinds as evaluation sets name them → as knowledge/smalltalk.yaml does
KIND_NAMES = {"goodbye": "bye", "who": "about"}


def conversation(report: Report, emergency: str = "emergency",
                 reply_langs: tuple[str, ...] = ("en",)) -> dict:
    """Per type and language, the conversation figures of issue 9 (cases with a ``type``).

    smalltalk: recognised as small talk (and of the expected kind), never answered with an
    entry; person: recognised (handoff), never answered as an emergency; unsupported: the
    language recognised (``asked_in``), the reply in ``reply_langs`` (never a third
    language), the topic reachable when there is one; two-topics: every expected topic
    answered or one tap away.
    """
    checks: dict[str, Callable[[Outcome], dict[str, bool]]] = {
        "smalltalk": lambda o: {"recognised": o.decision == "smalltalk",
                                "kind": o.kind == o.case.smalltalk,
                                "no_entry": o.decision != "answer"},
        "person": lambda o: {"recognised": o.decision == "handoff",
                             "not_emergency": o.entry != emergency},
        "unsupported": lambda o: {"recognised": o.asked_in == o.case.lang,
                                  "reply_language": o.lang in reply_langs,
                                  **({"reachable": o.reachable} if o.case.expect else {})},
        "two-topics": lambda o: {"reachable": all(
            (e == o.entry and o.decision == "answer") or e in o.suggestions
            for e in o.case.expect)},
    }
    result: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for kind, check in checks.items():
        per: dict[str, list[dict[str, bool]]] = defaultdict(list)
        for o in report.outcomes:
            if o.case.type == kind:
                flags = check(o)
                per[o.case.lang].append(flags)
                per["overall"].append(flags)
        result[kind] = {lang: {"cases": len(rows), **{
            name: _ratio(sum(r[name] for r in rows if name in r),
                         sum(name in r for r in rows))
            for name in dict.fromkeys(k for r in rows for k in r)}}
            for lang, rows in per.items()}
    return result


def conversation_misses(report: Report, emergency: str = "emergency") -> list[Outcome]:
    """Conversation cases that missed their main figure."""
    def missed(o: Outcome) -> bool:
        if o.case.type == "smalltalk":
            return o.decision != "smalltalk"
        if o.case.type == "person":
            return o.decision != "handoff" or o.entry == emergency
        if o.case.type == "unsupported":
            return o.asked_in != o.case.lang or o.lang != "en"
        if o.case.type == "two-topics":
            return not all(e == o.entry or e in o.suggestions for e in o.case.expect)
        return False
    return [o for o in report.outcomes if missed(o)]


def format_conversation(report: Report) -> str:
    """The conversation figures as a table per type: language, cases, each figure."""
    out: list[str] = []
    for kind, per in conversation(report).items():
        if not per:
            continue
        names = [n for n in per["overall"] if n != "cases"]
        rows = [(kind, "cases", *names)]
        for lang, st in sorted(per.items(), key=lambda kv: kv[0] == "overall"):
            rows.append((lang, str(st["cases"]), *(
                "–" if st.get(n) is None else f"{100 * float(st[n] or 0):.1f}%"
                for n in names)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        out.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
        out.append("")
    misses = conversation_misses(report)
    if misses:
        out.append(f"conversation misses ({len(misses)}):")
        out.extend(f"  [{o.case.type} {o.case.lang}→{o.lang}] {o.case.text[:60]!r}: "
                   f"{o.decision} {o.kind or o.entry or ''} asked_in={o.asked_in}"
                   for o in misses[:40])
    return "\n".join(out)


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
        kind, talk = data.get("type") or "", data.get("smalltalk") or ""
        if kind and kind not in CONVERSATION_TYPES:
            raise BotError(f"{path}:{number}: unknown type '{kind}'; use "
                           f"{', '.join(CONVERSATION_TYPES)}")
        talk = KIND_NAMES.get(str(talk), str(talk))
        cases.append(Case(text, expect, lang, tuple(data.get("tags") or ()), kind, talk))
    return cases


def evaluate(cases: Iterable[Case], answer: Callable[[str], dict[str, Any]]) -> Report:
    """Run every case through ``answer`` (text → answer JSON dict)."""
    report = Report()
    for case in cases:
        result = answer(case.text)
        report.outcomes.append(Outcome(case, result["decision"], result["entry"],
                                       tuple(result["suggestions"]), result["lang"],
                                       result["confidence"], result.get("kind"),
                                       result.get("asked_in")))
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
