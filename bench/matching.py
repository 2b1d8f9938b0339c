"""Matching benchmark: latency (shipped and 100× knowledge base) and accuracy vs a baseline.

    python bench/matching.py [--dev eval/dev.jsonl] [--repeat 3] [--skip-big]

Latency: every dev question is matched ``--repeat`` times on one core; median and p99
per question, for the shipped knowledge base and for a synthetic one 100× larger (each
entry copied 100 times with its variants' words shuffled and partly replaced, so the
index has realistic size and vocabulary). The plain ``rapidfuzz.process.extractOne``
over all question variants is timed in the same run as the baseline.
Accuracy: per language, the engine's answer accuracy (decision "answer" and right) and
its top-1 ranking beside extractOne's top-1 over the same variants.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import process, utils

from bench.synthetic import synthetic
from bot.knowledge.loader import KnowledgeBase, default_directory, load
from bot.understanding.language import SUPPORTED
from bot.understanding.matching import Index
from bot.understanding.text import match_tokens, normalize


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_calls(fn, questions: list[str], repeat: int, reset=None) -> list[float]:
    """Milliseconds per call; ``reset`` empties the caches before each pass, so that every
    question is timed as a new message (its words may still be known from earlier ones)."""
    for q in questions[:20]:  # warm-up: imports, first allocations
        fn(q)
    times = []
    for _ in range(repeat):
        if reset:
            reset()
        for q in questions:
            start = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - start) * 1000)
    return times


def baseline(kb: KnowledgeBase):
    choices, owners = [], []
    for entry in kb.entries.values():
        for text in entry.texts.values():
            for q in text.questions:
                choices.append(q)
                owners.append(entry.id)

    def top(question: str) -> str | None:
        found = process.extractOne(question, choices, processor=utils.default_process)
        return owners[found[2]] if found else None

    return top


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", default="eval/dev.jsonl")
    parser.add_argument("--knowledge", default=str(default_directory()))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-big", action="store_true",
                        help="the shipped base only (the 100x one takes minutes)")
    args = parser.parse_args()
    cases = [json.loads(x) for x in Path(args.dev).read_text("utf-8").splitlines() if x]
    questions = [c["text"] for c in cases]
    kb = load(args.knowledge)

    print("latency per question (ms), median / p99")
    rows = []
    bases = [("shipped", lambda: kb)]
    if not args.skip_big:
        bases.append(("100x", lambda: synthetic(kb, 100)))
    for name, make in bases:
        base = make()
        start, cpu = time.perf_counter(), time.process_time()
        index = Index(base)
        build, cpu = time.perf_counter() - start, time.process_time() - cpu
        engine = time_calls(index.match, questions, args.repeat, reset=lambda i=index: (
            i._expand.cache_clear(), normalize.cache_clear(), match_tokens.cache_clear()))
        # extractOne over 100x the variants takes about a second a question: sample it
        sample = questions if name == "shipped" else questions[::8]
        extract = time_calls(baseline(base), sample, 1 if name != "shipped" else args.repeat)
        rows.append((name, len(base.entries), build, engine, extract))
        print(f"  {name:8} {len(base.entries):5} entries (index built in {build:5.2f} s, "
              f"CPU {cpu:5.2f} s): "
              f"engine {statistics.median(engine):6.2f} / {percentile(engine, 0.99):6.2f}   "
              f"extractOne {statistics.median(extract):6.2f} / "
              f"{percentile(extract, 0.99):6.2f}   ratio of medians "
              f"{statistics.median(engine) / statistics.median(extract):.2f}")

    index = Index(kb)
    top = baseline(kb)
    per = defaultdict(lambda: [0, 0, 0, 0])
    for case in cases:
        if not case["expect"]:
            continue
        stats = per[case["lang"]]
        match = index.match(case["text"])
        stats[0] += 1
        stats[1] += match.decision == "answer" and match.entry in case["expect"]
        stats[2] += bool(match.candidates) and match.candidates[0].entry in case["expect"]
        stats[3] += top(case["text"]) in case["expect"]
    print("\naccuracy on", args.dev, "(in-scope questions)")
    print("  lang  n    engine answer  engine top-1  extractOne top-1")
    total = [0, 0, 0, 0]
    for lang in [*SUPPORTED, *sorted(set(per) - set(SUPPORTED))]:
        if lang not in per:
            continue
        n, answer, top1, base_top1 = per[lang]
        total = [a + b for a, b in zip(total, per[lang], strict=True)]
        print(f"  {lang:4} {n:4} {100 * answer / n:12.1f}% {100 * top1 / n:12.1f}% "
              f"{100 * base_top1 / n:15.1f}%")
    n, answer, top1, base_top1 = total
    print(f"  all  {n:4} {100 * answer / n:12.1f}% {100 * top1 / n:12.1f}% "
          f"{100 * base_top1 / n:15.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
