"""The decision policy as a pure function: tables of (evidence → decision)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bot.understanding.policy import (
    FEATURES,
    Calibration,
    Candidate,
    Evidence,
    Thresholds,
    decide,
    evidence,
)

ENTRIES = frozenset({"registration", "housing", "doctor", "emergency"})
T = Thresholds(answer=0.5, suggest=0.2, sure=0.9, maybe=0.05, max_suggestions=3,
               suggest_floor=0.5)


def ranked(*pairs: tuple[str, float]) -> tuple[Candidate, ...]:
    return tuple(Candidate(entry, score, score, score) for entry, score in pairs)


CLOSE = ranked(("registration", 1.0), ("housing", 0.6), ("doctor", 0.55), ("passport", 0.5))
FAR = ranked(("registration", 1.0), ("housing", 0.3))
KIND_FIRST = ranked(("passport", 1.0), ("registration", 0.7), ("housing", 0.2))


@pytest.mark.parametrize(
    ("candidates", "confidence", "decision", "entry", "suggestions"),
    [
        # nothing ranked
        ((), 0.0, "decline", None, ()),
        # sure answer: no runners-up
        (CLOSE, 0.95, "answer", "registration", ()),
        # answer below "sure": close runners-up (entries only, ≥ half the top score)
        (CLOSE, 0.7, "answer", "registration", ("housing", "doctor")),
        (FAR, 0.7, "answer", "registration", ()),
        # exactly on the thresholds
        (CLOSE, 0.5, "answer", "registration", ("housing", "doctor")),
        (CLOSE, 0.9, "answer", "registration", ()),
        # suggest: the top and the close ones, at most max_suggestions
        (CLOSE, 0.3, "suggest", None, ("registration", "housing", "doctor")),
        (CLOSE, 0.2, "suggest", None, ("registration", "housing", "doctor")),
        (FAR, 0.3, "suggest", None, ("registration",)),
        # declined, a faint match still shown (up to max_suggestions: the right topic
        # stays reachable)
        (CLOSE, 0.1, "decline", None, ("registration", "housing", "doctor")),
        (CLOSE, 0.05, "decline", None, ("registration", "housing", "doctor")),
        # declined with nothing shown
        (CLOSE, 0.01, "decline", None, ()),
    ],
)
def test_thresholds(candidates: tuple[Candidate, ...], confidence: float, decision: str,
                    entry: str | None, suggestions: tuple[str, ...]) -> None:
    match = decide(Evidence(candidates, confidence), ENTRIES, "emergency", T)
    assert (match.decision, match.entry, match.suggestions) == (decision, entry, suggestions)
    assert match.confidence == round(confidence, 3)
    assert match.candidates == candidates and not match.emergency


@pytest.mark.parametrize("confidence", [0.0, 0.3, 0.99])
def test_not_covered_kind_first_is_declined_with_its_name(confidence: float) -> None:
    match = decide(Evidence(KIND_FIRST, confidence, entry_confidence=0.1234), ENTRIES,
                   "emergency", T)
    assert (match.decision, match.entry, match.not_covered) == ("decline", None, "passport")
    assert match.suggestions == ("registration",)  # close entries still offered
    assert match.confidence == 0.123  # the best entry's, not the kind's


@pytest.mark.parametrize(
    ("candidates", "confidence", "entry", "suggestions", "shown_confidence"),
    [
        # clearly another entry: that one, with the emergency entry beside it
        (ranked(("doctor", 1.0), ("emergency", 0.5)), 0.95, "doctor", ("emergency",), 0.95),
        # not sure enough: the emergency entry, the others after it
        (ranked(("doctor", 1.0), ("emergency", 0.5), ("housing", 0.4), ("registration", 0.3)),
         0.5, "emergency", ("doctor", "housing"), 0.9),
        # the emergency entry itself ranked first
        (ranked(("emergency", 1.0), ("doctor", 0.2)), 0.97, "emergency", ("doctor",), 0.97),
        # a not-covered kind first is never the answer in an emergency
        (ranked(("passport", 1.0), ("doctor", 0.5)), 0.95, "emergency", ("doctor",), 0.95),
        # nothing ranked at all
        ((), 0.0, "emergency", (), 0.9),
    ],
)
def test_emergencies_are_never_declined(candidates: tuple[Candidate, ...], confidence: float,
                                        entry: str, suggestions: tuple[str, ...],
                                        shown_confidence: float) -> None:
    match = decide(Evidence(candidates, confidence, emergency=True), ENTRIES, "emergency", T)
    assert (match.decision, match.entry, match.suggestions) == ("answer", entry, suggestions)
    assert match.emergency and match.confidence == shown_confidence


def test_emergency_flag_without_an_emergency_entry_is_ordinary() -> None:
    match = decide(Evidence(CLOSE, 0.1, emergency=True), ENTRIES, None, T)
    assert (match.decision, match.emergency) == ("decline", False)


def test_evidence_calibrates_the_top_against_the_runner_up() -> None:
    cal = Calibration()
    found = evidence(CLOSE, ENTRIES, cal)
    assert found.confidence == cal.probability(CLOSE[0].features(CLOSE[1].score))
    assert found.entry_confidence == 0.0
    trailing = evidence(KIND_FIRST, ENTRIES, cal)
    assert trailing.entry_confidence == cal.probability(KIND_FIRST[1].features(1.0))
    assert evidence((), ENTRIES, cal, emergency=True) == Evidence((), 0.0, True)
    only_kinds = ranked(("passport", 1.0))
    assert evidence(only_kinds, ENTRIES, cal).entry_confidence == 0.0


def test_probability_is_bounded_for_extreme_features() -> None:
    cal = Calibration()
    assert cal.probability((1e9,) * len(FEATURES)) <= 1.0
    assert cal.probability((-1e9,) * len(FEATURES)) >= 0.0


def test_defaults_come_from_the_shipped_calibration_file() -> None:
    data = json.loads(resources.files("bot.understanding").joinpath("calibration.json")
                      .read_text("utf-8"))
    assert Calibration() == Calibration(data["calibration"]["bias"],
                                        tuple(data["calibration"]["weights"]))
    assert Thresholds() == Thresholds(**data["thresholds"])
    assert tuple(data["features"]) == FEATURES
    assert len(Calibration().weights) == len(FEATURES)
    assert 0 < Thresholds().suggest <= Thresholds().answer <= Thresholds().sure <= 1


@pytest.mark.parametrize(
    ("candidates", "wins"),
    [
        # the kind leads clearly: it declines
        (ranked(("passport", 1.0), ("registration", 0.7)), "passport"),
        (ranked(("passport", 1.0), ("registration", 0.89)), "passport"),
        # shared vocabulary (an office name): the entry is about as strong — it is not swallowed
        (ranked(("passport", 1.0), ("registration", 0.9)), "registration"),
        (ranked(("passport", 1.0), ("registration", 0.95), ("housing", 0.5)), "registration"),
        # no entry at all: the kind
        (ranked(("passport", 1.0)), "passport"),
    ],
)
def test_a_kind_wins_only_over_a_clearly_weaker_entry(candidates: tuple[Candidate, ...],
                                                      wins: str) -> None:
    found = evidence(candidates, ENTRIES, Calibration(), lead=0.9)
    assert found.candidates[0].entry == wins
    assert all(c.entry in ENTRIES for c in found.candidates) == (wins in ENTRIES)
    match = decide(found, ENTRIES, "emergency", T)
    assert (match.not_covered == "passport") == (wins == "passport")


def test_an_emergency_is_never_declined_by_a_kind() -> None:
    found = evidence(KIND_FIRST, ENTRIES, Calibration(), emergency=True, lead=0.9)
    match = decide(found, ENTRIES, "emergency", T)
    assert match.decision == "answer" and match.emergency and match.not_covered is None
