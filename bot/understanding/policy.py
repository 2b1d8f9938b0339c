"""The decision policy: ranked candidates and a calibrated confidence → answer, suggest or
decline. Pure functions; the coefficients and thresholds are data (``calibration.json``,
written by ``bench/calibrate.py --write``).

Rules, in order:

1. An emergency is never declined. A message that clearly belongs to another entry (a
   child's fever on a Sunday: doctors, 116117) gets that entry with the emergency entry
   beside it, and the conversation puts 112/110 first; otherwise the emergency entry.
2. Nothing ranked: decline.
3. A kind of question no entry covers ranked first: decline with its hint; entries that
   came close are still offered, in case the question was about Jena after all. The kind
   wins only over a clearly weaker entry (score below ``not_covered_lead`` times the
   kind's): words both share — an office name such as Bürgeramt, said of Jena's or
   another city's — must not make the kind swallow the question; otherwise the kinds are
   set aside and the entries decide. A message about another place than Jena
   (``elsewhere``: Bürgeramt Berlin, a flat in Munich; bot.understanding.places) is
   declined with the kind ``other-places`` whatever the entries score, its closest
   entries offered as buttons.
4. Below ``suggest``: decline, still showing a faint match above ``maybe``.
5. From ``answer`` up: answer; below ``sure`` the close runners-up come along.
6. In between: suggest ("Did you mean…" with buttons).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

Decision = Literal["answer", "suggest", "decline", "smalltalk", "handoff"]
CALIBRATION_FILE = "calibration.json"


def read_calibration() -> dict[str, Any]:
    """The shipped calibration data (features, coefficients, thresholds)."""
    text = resources.files(__package__).joinpath(CALIBRATION_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_DATA = read_calibration()
_THRESHOLDS = _DATA["thresholds"]
NOT_COVERED_LEAD = float(_THRESHOLDS.get("not_covered_lead", 0.9))
FEATURES: tuple[str, ...] = tuple(_DATA["features"])


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the calibrated confidence (defaults: ``calibration.json``)."""

    answer: float = float(_THRESHOLDS["answer"])
    suggest: float = float(_THRESHOLDS["suggest"])
    sure: float = float(_THRESHOLDS["sure"])  # below this, an answer offers the runners-up
    maybe: float = float(_THRESHOLDS["maybe"])  # a declined message this close shows topics
    max_suggestions: int = int(_THRESHOLDS["max_suggestions"])
    suggest_floor: float = float(_THRESHOLDS["suggest_floor"])  # share of the top score
    not_covered_lead: float = NOT_COVERED_LEAD  # rule 3


@dataclass(frozen=True)
class Calibration:
    """Logistic regression over FEATURES → P(top entry is right); see bench/calibrate.py.

    Fitted on an index without the not-covered kinds, so it also declines on its own.
    """

    bias: float = float(_DATA["calibration"]["bias"])
    weights: tuple[float, ...] = tuple(float(w) for w in _DATA["calibration"]["weights"])

    def probability(self, features: tuple[float, ...]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class Candidate:
    """One ranked entry with its raw scores.

    ``coverage``: share of the message's informative weight this entry explains;
    ``strength``: that weight in absolute terms (IDF units, capped); ``unknown``: share of
    the message's weight in words no entry knows; ``rerank``: best variant similarity;
    ``gap``: the n-gram model's log-likelihood lead of its best entry
    over its second (how sure it is at all). ``score`` ranks: coverage, rerank and the
    n-gram posterior combined.
    """

    entry: str
    score: float
    coverage: float
    rerank: float
    strength: float = 0.0
    unknown: float = 0.0
    gap: float = 0.0

    def features(self, runner_up: float) -> tuple[float, ...]:
        return (self.coverage, self.rerank, self.score - runner_up,
                min(self.strength, 12.0) / 12.0, self.unknown, min(self.gap, 2.0) / 2.0)


@dataclass(frozen=True)
class Match:
    """The matcher's verdict for one message."""

    decision: Decision
    entry: str | None
    confidence: float
    suggestions: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)
    emergency: bool = False
    not_covered: str | None = None  # declined as this kind of not-covered question
    kind: str | None = None  # the small-talk kind that decided (bot.understanding.smalltalk)
    also: str | None = None  # a second question's entry, first among the suggestions


@dataclass(frozen=True)
class Evidence:
    """What the policy decides on.

    ``confidence``: calibrated probability that the top candidate is right;
    ``entry_confidence``: when a not-covered kind ranks first, that of the best entry
    measured against it (it trails the kind it lost to), else 0.
    """

    candidates: tuple[Candidate, ...]
    confidence: float
    emergency: bool = False
    entry_confidence: float = 0.0
    elsewhere: str | None = None  # the not-covered kind of a message about another place


def evidence(candidates: Sequence[Candidate], entries: Collection[str],
             calibration: Calibration, emergency: bool = False,
             lead: float = NOT_COVERED_LEAD, elsewhere: str | None = None) -> Evidence:
    """Calibrate the ranked candidates of one message (a not-covered kind ranked first
    only over a clearly weaker entry, or ``elsewhere``: the kind for another place: rule 3).
    """
    if not candidates:
        return Evidence((), 0.0, emergency, elsewhere=elsewhere)
    top = candidates[0]
    if top.entry not in entries:
        real = next((c for c in candidates if c.entry in entries), None)
        if real is not None and real.score >= lead * top.score:
            candidates = [c for c in candidates if c.entry in entries]
            top = candidates[0]
    runner = candidates[1].score if len(candidates) > 1 else 0.0
    confidence = calibration.probability(top.features(runner))
    trailing = 0.0
    if top.entry not in entries:
        real = next((c for c in candidates if c.entry in entries), None)
        trailing = calibration.probability(real.features(top.score)) if real else 0.0
    return Evidence(tuple(candidates), confidence, emergency, trailing, elsewhere)


def decide(found: Evidence, entries: Collection[str], emergency_id: str | None,
           thresholds: Thresholds) -> Match:
    """Answer, suggest or decline (rules in the module docstring)."""
    if emergency_id and found.emergency:
        return _emergency(found, entries, emergency_id, thresholds)
    candidates, confidence, t = found.candidates, found.confidence, thresholds
    if not candidates:
        return Match("decline", None, round(confidence, 3), (), ())
    floor = candidates[0].score * t.suggest_floor
    close = tuple(c.entry for c in candidates[1:] if c.score >= floor and c.entry in entries)
    if found.elsewhere:
        nearest = tuple(c.entry for c in candidates if c.entry in entries)[:2]
        return Match("decline", None, round(confidence, 3), nearest, candidates,
                     not_covered=found.elsewhere)
    if candidates[0].entry not in entries:
        return Match("decline", None, round(found.entry_confidence, 3), close[:2], candidates,
                     not_covered=candidates[0].entry)
    if confidence < t.suggest:
        maybe = (candidates[0].entry, *close)[: t.max_suggestions] if confidence >= t.maybe else ()
        return Match("decline", None, round(confidence, 3), maybe, candidates)
    if confidence >= t.answer:
        related = close[: t.max_suggestions - 1] if confidence < t.sure else ()
        return Match("answer", candidates[0].entry, round(confidence, 3), related, candidates)
    picks = (candidates[0].entry, *close)[: t.max_suggestions]
    return Match("suggest", None, round(confidence, 3), picks, candidates)


def _emergency(found: Evidence, entries: Collection[str], emergency_id: str,
               thresholds: Thresholds) -> Match:
    candidates, confidence = found.candidates, found.confidence
    top = candidates[0].entry if candidates else None
    if top in entries and top != emergency_id and confidence >= thresholds.sure:
        return Match("answer", top, round(confidence, 3), (emergency_id,), candidates,
                     emergency=True)
    others = tuple(c.entry for c in candidates
                   if c.entry != emergency_id and c.entry in entries)[:2]
    return Match("answer", emergency_id, max(confidence, 0.9), others, candidates,
                 emergency=True)
