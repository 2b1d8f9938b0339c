"""Is this checkout's matching faster than another's? Timed question by question, alternately.

    python bench/paired_latency.py OTHER_CHECKOUT [--passes 5] [--sets dev dev-long]

On a shared machine two runs of bench/matching.py minutes apart differ more than any change
does. Here both checkouts answer in two processes side by side, the same question one
after the other (which goes first alternates), so that both see the same load. Each pass
empties the caches first, as bench/matching.py does. Prints per set median and p99 of all
timings, the median of this checkout's time over the other's per question, and median and
p99 of each question's fastest pass (the least disturbed figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = """
import json, sys, time
from bot.knowledge.loader import default_directory, load
from bot.understanding.matching import Index
from bot.understanding.text import match_tokens, normalize
index = Index(load(default_directory()))
texts = json.loads(sys.stdin.readline())
for text in texts[:20]:
    index.match(text)
print("ready", flush=True)
for line in sys.stdin:
    if line.startswith("reset"):
        index._expand.cache_clear(); normalize.cache_clear(); match_tokens.cache_clear()
        print("ok", flush=True)
        continue
    start = time.perf_counter()
    index.match(texts[int(line)])
    print((time.perf_counter() - start) * 1000, flush=True)
"""


class Worker:
    def __init__(self, checkout: Path, texts: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(checkout), "WELCOME_BOT_CACHE_DIR": "off"}
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER], cwd=checkout, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.send(json.dumps(texts))
        if self.receive() != "ready":
            raise SystemExit(f"{checkout}: the worker did not start")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def receive(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, line: str) -> str:
        self.send(line)
        return self.receive()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--sets", nargs="+", default=["dev", "dev-long"])
    args = parser.parse_args()
    texts: list[str] = []
    spans: dict[str, range] = {}
    for name in args.sets:
        lines = (ROOT / "eval" / f"{name}.jsonl").read_text("utf-8").splitlines()
        found = [json.loads(line)["text"] for line in lines if line.strip()]
        spans[name] = range(len(texts), len(texts) + len(found))
        texts += found
    workers = {"this": Worker(ROOT, texts), "other": Worker(args.other, texts)}
    times: dict[str, list[list[float]]] = {k: [[] for _ in texts] for k in workers}
    for n in range(args.passes):
        for worker in workers.values():
            worker.ask("reset")
        for i in range(len(texts)):
            names = list(workers) if (i + n) % 2 == 0 else list(workers)[::-1]
            for name in names:
                times[name][i].append(float(workers[name].ask(str(i))))
    for worker in workers.values():
        worker.close()
    print(f"latency per question (ms), {args.passes} passes; this: {ROOT}, other: {args.other}")
    for name, span in spans.items():
        for who in workers:
            every = [t for i in span for t in times[who][i]]
            fastest = [min(times[who][i]) for i in span]
            print(f"  {name:9} {who:5} n={len(span):4}  all: median "
                  f"{statistics.median(every):5.2f} p99 {percentile(every, 0.99):5.2f}   "
                  f"fastest pass: median {statistics.median(fastest):5.2f} "
                  f"p99 {percentile(fastest, 0.99):5.2f}")
        ratio = [a / b for i in span for a, b in zip(times["this"][i], times["other"][i],
                                                       strict=True)]
        print(f"  {name:9} this/other per question: median {statistics.median(ratio):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
