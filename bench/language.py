"""Language-detection accuracy on short messages.

    python bench/language.py [FILE ...]   (default: eval/dev.jsonl eval/holdout.jsonl)

Per language: accuracy on all questions and on short ones (≤ 4 words), as the bot
detects them (German official terms from the knowledge base ignored), and the share
the bot would answer in the wrong language (confident but wrong; unsure detections
fall back to the user's chosen language in the bot, so they are counted apart).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge.loader import default_directory, load
from bot.understanding.language import DETECT_CONFIDENT, SUPPORTED, detect
from bot.understanding.matching import Index


def main() -> int:
    files = sys.argv[1:] or ["eval/dev.jsonl", "eval/holdout.jsonl"]
    ignore = Index(load(default_directory())).ignore
    stats = defaultdict(lambda: [0, 0, 0, 0, 0])  # n, right, short n, short right, unsure
    timings = []
    for name in files:
        for line in Path(name).read_text("utf-8").splitlines():
            case = json.loads(line)
            start = time.perf_counter()
            found = detect(case["text"], ignore)
            timings.append(time.perf_counter() - start)
            s = stats[case["lang"]]
            short = len(case["text"].split()) <= 4
            s[0] += 1
            s[1] += found.lang == case["lang"]
            s[2] += short
            s[3] += short and found.lang == case["lang"]
            s[4] += found.confidence < DETECT_CONFIDENT
    print("lang     n  accuracy  short n  short accuracy  unsure")
    total = [0] * 5
    for lang in SUPPORTED:
        n, right, sn, sright, unsure = stats[lang]
        total = [a + b for a, b in zip(total, stats[lang], strict=True)]
        print(f"{lang:4} {n:5} {100 * right / n:8.1f}% {sn:8} {100 * sright / max(sn, 1):14.1f}% "
              f"{unsure:7}")
    n, right, sn, sright, unsure = total
    print(f"all  {n:5} {100 * right / n:8.1f}% {sn:8} {100 * sright / max(sn, 1):14.1f}% "
          f"{unsure:7}")
    timings.sort()
    print(f"detection time: median {1e6 * timings[len(timings) // 2]:.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
