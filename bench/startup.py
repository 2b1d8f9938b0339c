"""Start-up, throughput and memory of the command line, each in a fresh process.

    python bench/startup.py [--runs 5] [--questions 500] [--skip-big] [--against DIR]

Prints, as medians of ``--runs`` runs (wall clock, and the CPU time of the child):
- ``welcome-bot ask "hallo"`` as a subprocess: the first start (an empty disk cache: it
  builds the index and the language model and stores them) and later starts (read from
  the cache, bot/understanding/diskcache.py), and with the cache switched off;
- ``welcome-bot ask --jsonl`` over the first ``--questions`` texts of eval/*.jsonl;
- reading the knowledge base with the pure-Python YAML loader (the baseline) and with
  libyaml's C loader, as the bot now does;
- resident memory (``/proc/self/status`` VmRSS, and its anonymous and file-backed parts)
  after the knowledge base is loaded, the index built and the language detector loaded,
  and the peak (VmHWM) while doing so: at a first start (empty disk cache), a later start
  and with the cache off; then the same after ``--use`` eval questions went through the
  language detection of both models (supported and foreign languages): the language
  model's automaton is memory-mapped from the cache, so its pages become resident as
  messages walk through them;
- the same for the 100× synthetic knowledge base (bench/synthetic.py), with its build time.

``--against DIR``: also measure the memory of the code in DIR (e.g. a worktree of main)
in the same run, child by child, for a before/after on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The work a child process does, then prints its measurements as one JSON line.
_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
from bot.knowledge.loader import default_directory, load
kb = load(default_directory())
{extra}
from bot.conversation.core import Snapshot
from bot.i18n import default_translator
from bot.understanding.language import detect
built = time.perf_counter()
snapshot = Snapshot.build(kb)
default_translator()
detect("hallo, wie geht es")
done = time.perf_counter()

def memory():
    found = {{}}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            found[key] = int(value.split()[0]) / 1024
    return found

ready = memory()
from bot.understanding.foreign import identify
for text in json.loads(sys.stdin.read() or "[]"):
    identify(text)
used = memory()
print(json.dumps({{"entries": len(kb.entries), "load": built - start, "build": done - built,
                  "ready": ready, "used": used}}))
"""
_BIG = """
sys.path.insert(0, {bench!r})
from synthetic import synthetic
kb = synthetic(kb, 100)
"""


def command() -> list[str]:
    found = shutil.which("welcome-bot")
    return [found] if found else [sys.executable, "-m", "bot"]


def timed(args: list[str], stdin: bytes | None = None) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (user + system) of the child, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, input=stdin, capture_output=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def median_of(runs: int, args: list[str], stdin: bytes | None = None) -> tuple[float, float]:
    results = [timed(args, stdin)[:2] for _ in range(runs)]
    return (statistics.median(r[0] for r in results),
            statistics.median(r[1] for r in results))


def questions(limit: int) -> bytes:
    texts = [json.loads(line)["text"] for path in sorted((ROOT / "eval").glob("*.jsonl"))
             for line in path.read_text("utf-8").splitlines() if line.strip()]
    return "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                   for t in texts[:limit]).encode()


def child(extra: str = "", root: Path = ROOT, texts: list[str] | None = None) -> dict[str, Any]:
    code = _CHILD.format(root=str(root), extra=extra)
    _, _, out = timed([sys.executable, "-c", code], json.dumps(texts or []).encode())
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def memory_rows(root: Path, label: str, texts: list[str]) -> None:
    """First start, later start, cache off: resident after start-up and after use."""
    folder = tempfile.mkdtemp(prefix="welcome-bot-bench-cache-")
    for start, cache in (("first start", folder), ("later start", folder), ("cache off", "off")):
        os.environ["WELCOME_BOT_CACHE_DIR"] = cache
        found = child(root=root, texts=texts)
        ready, used = found["ready"], found["used"]
        print(f"  {label:6} {start:11}: ready in {found['build']:5.2f} s, resident "
              f"{ready['VmRSS']:4.0f} MB ({ready['RssAnon']:3.0f} anon + {ready['RssFile']:3.0f}"
              f" file), peak {ready['VmHWM']:4.0f} MB; after {len(texts)} questions "
              f"{used['VmRSS']:4.0f} MB ({used['RssAnon']:3.0f} + {used['RssFile']:3.0f}), "
              f"peak {used['VmHWM']:4.0f} MB")
    shutil.rmtree(folder, ignore_errors=True)


def yaml_times(runs: int) -> tuple[float, float]:
    """Seconds to read the shipped knowledge base: pure-Python loader, then libyaml."""
    from bot.knowledge import fields
    from bot.knowledge.loader import default_directory, load

    fast = fields._FastLoader
    times = []
    for loader in (None, fast):
        fields._FastLoader = loader
        runs_taken = []
        for _ in range(runs):
            start = time.perf_counter()
            load(default_directory())
            runs_taken.append(time.perf_counter() - start)
        times.append(statistics.median(runs_taken))
    fields._FastLoader = fast
    return times[0], times[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--skip-big", action="store_true", help="leave out the 100x base")
    parser.add_argument("--use", type=int, default=1000,
                        help="questions put through language detection after start-up")
    parser.add_argument("--against", type=Path, help="also measure the memory of this checkout")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; medians of "
          f"{args.runs} runs, wall / CPU of the child in seconds")
    cache = tempfile.mkdtemp(prefix="welcome-bot-bench-cache-")
    os.environ["WELCOME_BOT_CACHE_DIR"] = cache
    wall, cpu, _ = timed([*command(), "ask", "hallo"])
    print(f"  welcome-bot ask \"hallo\", first start    {wall:6.2f} / {cpu:5.2f}   (stores)")
    wall, cpu = median_of(args.runs, [*command(), "ask", "hallo"])
    print(f"  welcome-bot ask \"hallo\", later starts   {wall:6.2f} / {cpu:5.2f}   (target ≤ 1 s)")
    feed = questions(args.questions)
    wall, cpu = median_of(args.runs, [*command(), "ask", "--jsonl"], feed)
    print(f"  welcome-bot ask --jsonl, {args.questions} questions   {wall:6.2f} / {cpu:5.2f}"
          "   (target ≤ 2.5 s)")
    os.environ["WELCOME_BOT_CACHE_DIR"] = "off"
    wall, cpu = median_of(args.runs, [*command(), "ask", "hallo"])
    print(f"  welcome-bot ask \"hallo\", cache off      {wall:6.2f} / {cpu:5.2f}   (the baseline)")
    python_yaml, c_yaml = yaml_times(args.runs)
    print(f"  load knowledge/, pure-Python YAML (was) {python_yaml:6.2f}")
    print(f"  load knowledge/, libyaml (now)          {c_yaml:6.2f}   "
          f"({python_yaml / c_yaml:.1f}x faster)")
    print("memory of a fresh process (shipped knowledge base: load, index, translator, "
          "language detector), targets ≤ 120 MB resident / ≤ 150 MB peak")
    texts = [json.loads(line)["text"] for line in questions(args.use).decode().splitlines()]
    for _ in range(args.runs):
        memory_rows(ROOT, "this", texts)
        if args.against:
            memory_rows(args.against.resolve(), "other", texts)
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["WELCOME_BOT_CACHE_DIR"] = "off"
    if not args.skip_big:
        big = child(_BIG.format(bench=str(ROOT / "bench")))
        print(f"  100x    {int(big['entries']):5} entries: built in {big['build']:5.2f} s, "
              f"resident {big['ready']['VmRSS']:5.0f} MB, peak {big['ready']['VmHWM']:5.0f} MB"
              "   (target ≤ 20 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
