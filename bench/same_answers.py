"""Do two checkouts answer every check set alike? ``welcome-bot ask --jsonl`` of each.

    python bench/same_answers.py OTHER_CHECKOUT [--eval 'eval/*.jsonl']

Runs this checkout's code and OTHER_CHECKOUT's (e.g. ``git worktree add /tmp/main main``)
on the texts of every file, with the disk cache off, and compares line by line: decision,
entry, suggestions (the buttons), answer language, contacts, asked_in and kind identical;
confidence within 1e-6. Prints the differences and exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAME = ("decision", "entry", "suggestions", "lang", "contacts", "asked_in", "kind", "answer")
TOLERANCE = 1e-6


def answers(checkout: Path, feed: bytes) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "WELCOME_BOT_CACHE_DIR": "off"}
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl"], input=feed,
                          capture_output=True, check=True, cwd=checkout, env=env)
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line]


def differences(mine: list[dict[str, object]], theirs: list[dict[str, object]]) -> list[str]:
    found = []
    for number, (a, b) in enumerate(zip(mine, theirs, strict=True), 1):
        for key in SAME:
            if a.get(key) != b.get(key):
                found.append(f"line {number} {key}: {b.get(key)!r} → {a.get(key)!r}")
        if abs(float(a["confidence"]) - float(b["confidence"])) > TOLERANCE:  # type: ignore[arg-type]
            found.append(f"line {number} confidence: {b['confidence']} → {a['confidence']}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path)
    parser.add_argument("--eval", default="eval/*.jsonl")
    args = parser.parse_args()
    total = 0
    for path in sorted(glob.glob(str(ROOT / args.eval))):
        texts = [json.loads(line)["text"] for line in Path(path).read_text("utf-8").splitlines()
                 if line.strip()]
        feed = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
        mine, theirs = answers(ROOT, feed.encode()), answers(args.other, feed.encode())
        found = differences(mine, theirs)
        total += len(found)
        print(f"{Path(path).name:22} {len(texts):4} questions, {len(found)} differences")
        for line in found[:20]:
            print("   ", line)
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
