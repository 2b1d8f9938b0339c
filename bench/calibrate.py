"""Fit the matcher's confidence calibration and thresholds on the calibration sets.

    python bench/calibrate.py --write   # defaults: the five calibration sets, limits below

Fits a logistic regression P(top entry is right | FEATURES) on an index without the
not-covered kinds (out-of-scope questions count as "not right"), then scans the answer /
suggest thresholds on the full index — where a not-covered kind ranked first (over a
clearly weaker entry, policy rule 3) always declines — and prints the best pair under the
limits: in-scope questions answered with a wrong entry <= 1 %, out-of-scope questions
answered with any entry <= 2 % pooled and <= 4 % in every set on its own, and declined
>= 90 %, in-scope declined <= 8 %. Between
the two thresholds the bot asks back ("Did you mean…" with the closest topics); the best
pair answers the most questions right, then reaches the right topic (answer or buttons)
most often. With ``--write`` the fitted values go
into ``bot/understanding/calibration.json``, which the bot reads at start-up (the hand-set
thresholds there — sure, maybe, max_suggestions, suggest_floor — are kept). Never run this
on a check set (eval/holdout*.jsonl, ../shared/eval/sample.jsonl).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge.loader import default_directory, load
from bot.understanding import places
from bot.understanding.matching import FEATURES, Calibration, Index
from bot.understanding.policy import CALIBRATION_FILE, NOT_COVERED_LEAD, read_calibration

CALIBRATION_PATH = Path(__file__).resolve().parent.parent / "bot" / "understanding" / \
    CALIBRATION_FILE


def write(cal: Calibration, answer: float, suggest: float, summary: str) -> None:
    """Store the fitted values in the shipped calibration file."""
    data = read_calibration()
    data["features"] = list(FEATURES)
    data["calibration"] = {"bias": cal.bias, "weights": list(cal.weights)}
    data["thresholds"] = {**data["thresholds"], "answer": round(answer, 2),
                          "suggest": round(suggest, 2)}
    data["fitted_on"] = summary
    CALIBRATION_PATH.write_text(dump(data), "utf-8")
    print(f"written to {CALIBRATION_PATH}")


def dump(data: dict) -> str:
    """JSON with every list of numbers or names on one line."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return re.sub(r"\[\s+([^\[\]{}]*?)\s+\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                  text) + "\n"


def features(index: Index, text: str) -> tuple[list[float], str | None, list[str]]:
    """The top candidate's features and id (a not-covered kind's id when one ranks first
    over a clearly weaker entry), and the entries a "Did you mean…" would offer."""
    cands = index.rank(text)
    if not cands:
        return [0.0] * len(FEATURES), None, []
    entries = index.kb.entries
    real = next((c for c in cands if c.entry in entries), None)
    if cands[0].entry not in entries and real and real.score >= NOT_COVERED_LEAD * cands[0].score:
        cands = [c for c in cands if c.entry in entries]
    runner = cands[1].score if len(cands) > 1 else 0.0
    floor = cands[0].score * index.thresholds.suggest_floor
    offered = [c.entry for c in cands if c.score >= floor and c.entry in entries]
    top = cands[0].entry
    if places.OTHER_PLACES in index.kb.not_covered and places.elsewhere(text):
        top = places.OTHER_PLACES  # about another place: declined (policy rule 3)
    return list(cands[0].features(runner)), top, offered[: index.thresholds.max_suggestions]


def worst(hits: np.ndarray, among: np.ndarray, sets: np.ndarray) -> float:
    """The largest share of ``hits`` among the cases ``among`` of any one set."""
    shares = [float(np.mean(hits[among & (sets == n)])) for n in np.unique(sets)
              if (among & (sets == n)).any()]
    return max(shares, default=0.0)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Newton's method (IRLS) with a small ridge; returns [bias, w1, w2, …]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) + l2 * w
        hess = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", nargs="+", default=[
        "eval/dev.jsonl", "eval/dev-long.jsonl", "eval/tune.jsonl", "eval/tune-oos.jsonl",
        "eval/phone-tune.jsonl", "eval/phone-tune-2.jsonl", "eval/phone-tune-3.jsonl"])
    parser.add_argument("--knowledge", default=str(default_directory()))
    parser.add_argument("--max-in-scope-declined", type=float, default=0.08)
    parser.add_argument("--max-wrong-answer", type=float, default=0.01)
    parser.add_argument("--max-out-of-scope-answered", type=float, default=0.02)
    parser.add_argument("--min-out-of-scope-declined", type=float, default=0.90)
    # The scan fits the pooled share of out-of-scope questions answered to its limit, and a
    # fresh set does worse: phone-tune-3, written blind, had 7-9 % answered at a pooled 2.7-
    # 2.9 %. Hence a margin (2 % pooled for the 3 %), every set on its own under a
    # limit too (a pool hides one set's kind of question), and >= 90 % declined.
    parser.add_argument("--max-out-of-scope-answered-per-set", type=float, default=0.04)
    parser.add_argument("--write", action="store_true",
                        help="store the fitted values in bot/understanding/calibration.json")
    args = parser.parse_args()
    kb = load(args.knowledge)
    index = Index(kb)
    # The calibration is fitted without the not-covered kinds, so that it separates right
    # from wrong (and out-of-scope) answers on its own — also for a knowledge base whose
    # not-covered.yaml is thin; the kinds then decline on top of it.
    plain = Index(replace(kb, not_covered=MappingProxyType({})))
    cases = [{**json.loads(line), "_set": n} for n, name in enumerate(args.dev)
             for line in Path(name).read_text("utf-8").splitlines() if line]
    sets = np.array([case["_set"] for case in cases])
    fit_rows, fit_labels, rows, labels, scoped, outside, offered = [], [], [], [], [], [], []
    for case in cases:
        feats, top, _ = features(plain, case["text"])
        fit_rows.append(feats)
        fit_labels.append(1.0 if top is not None and top in case["expect"] else 0.0)
        feats, top, picks = features(index, case["text"])
        offered.append(any(p in case["expect"] for p in picks))
        rows.append(feats)
        labels.append(1.0 if top is not None and top in case["expect"] else 0.0)
        scoped.append(bool(case["expect"]))
        # a not-covered kind ranked first: declined whatever the confidence
        outside.append(top is not None and top not in kb.entries)
    y, scoped = np.array(labels), np.array(scoped)
    outside, offered = np.array(outside), np.array(offered)
    w = fit_logistic(np.array(fit_rows), np.array(fit_labels))
    cal = Calibration(round(float(w[0]), 3), tuple(round(float(v), 3) for v in w[1:]))
    print(f"Calibration(bias={cal.bias}, weights={cal.weights})  # {', '.join(FEATURES)}")
    probs = np.array([cal.probability(tuple(r)) for r in rows])
    probs[outside] = 0.0
    print(f"not covered ranked first: {100 * np.mean(outside[~scoped]):.0f}% of out-of-scope "
          f"questions, {100 * np.mean(outside[scoped]):.1f}% of in-scope ones")
    print("frontier (in-scope declined ≤ x): best out-of-scope declined, accuracy")
    for limit in (0.03, 0.05, 0.08, 0.12):
        cut = np.quantile(probs[scoped], limit)
        print(f"  ≤{100 * limit:.0f}%: oos declined {100 * np.mean(probs[~scoped] < cut):.0f}%")
    print("answer threshold: answered right, wrong answers (in scope), out of scope answered")
    for answer in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        answered = probs >= answer
        print(f"  {answer:.2f}: {100 * np.mean((answered & (y == 1))[scoped]):.1f}%, "
              f"{100 * np.mean((answered & (y == 0))[scoped]):.1f}%, "
              f"{100 * np.mean(answered[~scoped]):.1f}%")
    best = None
    for answer in np.arange(0.2, 0.99, 0.01):
        for suggest in np.arange(0.02, answer + 0.001, 0.01):
            answered, declined = probs >= answer, probs < suggest
            asked_back = ~answered & ~declined
            right = answered & (y == 1)
            acc = float(np.mean(right[scoped]))
            reach = float(np.mean((right | (asked_back & offered))[scoped]))
            wrong = float(np.mean((answered & (y == 0))[scoped]))
            in_declined = float(np.mean(declined[scoped]))
            oos_answered = float(np.mean(answered[~scoped])) if (~scoped).any() else 0.0
            worst_set = worst(answered & ~scoped, ~scoped, sets)
            oos_declined = float(np.mean(declined[~scoped])) if (~scoped).any() else 1.0
            if (in_declined > args.max_in_scope_declined or wrong > args.max_wrong_answer
                    or oos_answered > args.max_out_of_scope_answered
                    or worst_set > args.max_out_of_scope_answered_per_set
                    or oos_declined < args.min_out_of_scope_declined):
                continue
            key = (round(acc, 3), reach, oos_declined)
            if best is None or key > best[0]:
                best = (key, answer, suggest, wrong, in_declined, oos_answered)
    top1 = float(np.mean(y[scoped]))
    print(f"dev: {int(scoped.sum())} in scope, {int((~scoped).sum())} out of scope; "
          f"top-1 right {100 * top1:.1f}%")
    if best is None:
        print("no thresholds meet the constraints; improve the knowledge base first")
        return 1
    (acc, reach, oos), answer, suggest, wrong, in_declined, oos_answered = best
    figures = (f"{100 * acc:.1f} % answered right, {100 * reach:.1f} % right topic in the "
               f"answer or buttons, {100 * wrong:.1f} % answered with a wrong entry, "
               f"{100 * in_declined:.1f} % of in-scope questions declined; out of scope "
               f"{100 * oos_answered:.1f} % answered, {100 * oos:.1f} % declined")
    print(f"Thresholds(answer={answer:.2f}, suggest={suggest:.2f}): {figures}")
    if args.write:
        write(cal, float(answer), float(suggest),
              f"{' '.join(args.dev)}, limits: wrong answers ≤ {args.max_wrong_answer}, "
              f"out of scope answered ≤ {args.max_out_of_scope_answered} (in every set ≤ "
              f"{args.max_out_of_scope_answered_per_set}), in scope declined ≤ "
              f"{args.max_in_scope_declined}: {int(scoped.sum())} in-scope and "
              f"{int((~scoped).sum())} out-of-scope questions; {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
