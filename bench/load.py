"""End-to-end load benchmark: the Welcome Bot against a minimal echo bot, same fake server.

    python -m bench.load [--users 200] [--messages 5] [--runs 1] [--rate-limit off|telegram]

Run it from the repository root as a module (``python -m``): ``bench`` is a package and
the shared code is imported from the ``tests`` package — the workload and the update
tracker from tests/workload.py (the same as tests/integration/test_load.py uses), the
fake Bot API from tests/fakeapi.py, the bot's start-up from tests/integration/conftest.py.

Both bots are real python-telegram-bot applications polling the local fake Bot API
(127.0.0.1) with the same settings: base_url, ``PerUserProcessor`` for concurrent
updates, ``AIORateLimiter(max_retries=3)``, HTML defaults. The echo bot's only handler
sends the text back (the ceiling); the Welcome Bot is started as in the integration
tests (``running_bot``), its knowledge snapshot built once before the runs. Workload:
``--users`` users × ``--messages`` messages — questions in eight languages and commands —
all queued at once, each user's messages in order, users randomly interleaved.

Reported per bot: messages answered per second (messages / time from the first push to
the end of the last one), median and p95 latency from a message's push to the moment the
bot finished it (its last reply accepted by the fake; observed by a handler in a later
group), and the replies sent per message. Every message must be finished and the fake
must have served no error, else the run fails.

``--rate-limit off`` (default) keeps the limiter but switches its overall rate off, so the
software is measured; ``telegram`` keeps the shipped 30 messages/s, which Telegram itself
enforces and which then bounds both bots (a Welcome Bot answer is 2-3 messages).
The fake server runs in the same process and event loop, so its cost is included.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import html
import logging
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

import bot.tg.app as tg_app
from bot.conversation.core import Snapshot
from bot.knowledge.loader import load
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import running_bot, serving
from tests.workload import POOL, Tracker, interleave, workload

WARMUP_USER_BASE = 800_000


@dataclass
class Result:
    name: str
    messages: int
    seconds: float
    latencies: list[float]
    replies: int

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def limiter(rate_limit: str) -> AIORateLimiter:
    if rate_limit == "telegram":
        return AIORateLimiter(max_retries=3)
    return AIORateLimiter(max_retries=3, overall_max_rate=0)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id,
                                       html.escape(message.text or "?"))


@asynccontextmanager
async def running_echo(fake: FakeBotAPI, rate_limit: str) -> AsyncIterator[Application]:
    """The ceiling: the Welcome Bot's ApplicationBuilder settings, a handler that echoes."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(limiter(rate_limit))
        .concurrent_updates(tg_app.PerUserProcessor())
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))
    async with serving(app):
        yield app


@asynccontextmanager
async def running_welcome_bot(fake: FakeBotAPI, rate_limit: str,
                              snapshot: Snapshot) -> AsyncIterator[Application]:
    """The real bot as in the integration tests, with the limiter of ``--rate-limit``."""
    with tempfile.TemporaryDirectory() as data:
        async with running_bot(fake, Path(data), snapshot=snapshot,
                               unthrottled=rate_limit == "off") as app:
            yield app


async def measure(name: str, start: Callable[[FakeBotAPI], AbstractAsyncContextManager],
                  users: int, messages: int) -> Result:
    """One bot, one fresh fake server: warm up, then the whole workload at once."""
    async with FakeBotAPI() as fake, start(fake) as app:
        tracker = Tracker(fake, app, count_sent=False)
        # Warm-up: every kind of message once (lazy imports, language models, caches).
        warm = [fake.push_message(WARMUP_USER_BASE + n, text, language_code=lang)
                for n, (lang, text) in enumerate(POOL)]
        await tracker.wait(warm, timeout=60)
        before = len(fake.sent())

        plan = workload(users, messages)
        pushed: dict[int, float] = {}
        begin = time.perf_counter()
        for user, lang, text in interleave(plan):
            pushed[fake.push_message(user, text, language_code=lang)] = time.perf_counter()
        await tracker.wait(pushed, timeout=600)
        end = max(tracker.finished[u].at for u in pushed)
        replies = len(fake.sent()) - before
        if fake.errors:
            raise SystemExit(f"{name}: the fake served errors, e.g. {fake.errors[:3]}")
        unanswered = [u for u in plan if len(fake.sent(u)) < messages]
        if unanswered:
            raise SystemExit(f"{name}: {len(unanswered)} users got fewer replies than "
                             f"messages, e.g. user {unanswered[0]}")
    latencies = [tracker.finished[u].at - t for u, t in pushed.items()]
    return Result(name, len(pushed), end - begin, latencies, replies)


class Counter(logging.Handler):
    """Counts warnings and errors logged by the bots (shown, and reported at the end)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def table(results: list[Result]) -> None:
    print(f"  {'bot':12} {'msgs':>6} {'seconds':>8} {'msgs/s':>8} {'median ms':>10} "
          f"{'p95 ms':>8} {'replies/msg':>12} {'replies/s':>10}")
    for r in results:
        print(f"  {r.name:12} {r.messages:6} {r.seconds:8.2f} {r.rate:8.1f} "
              f"{1000 * r.median:10.0f} {1000 * r.p95:8.0f} {r.replies / r.messages:12.2f} "
              f"{r.replies / r.seconds:10.1f}")


async def run(args: argparse.Namespace) -> int:
    counter = Counter()
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    logging.getLogger().addHandler(counter)
    print(f"{args.users} users × {args.messages} messages, all at once; "
          f"rate limit: {args.rate_limit}")
    snapshot = Snapshot.build(load(PROJECT_KB))
    runs: list[tuple[Result, Result]] = []
    for n in range(args.runs):
        echo_result = await measure("echo (PTB)", functools.partial(
            running_echo, rate_limit=args.rate_limit), args.users, args.messages)
        bot_result = await measure("welcome bot", functools.partial(
            running_welcome_bot, rate_limit=args.rate_limit, snapshot=snapshot),
            args.users, args.messages)
        runs.append((echo_result, bot_result))
        print(f"\nrun {n + 1}")
        table([echo_result, bot_result])
        print(f"  ratio bot/echo (msgs/s): {bot_result.rate / echo_result.rate:.2f}")
    if args.runs > 1:
        echo_rate = statistics.median(e.rate for e, _ in runs)
        bot_rate = statistics.median(b.rate for _, b in runs)
        ratio = statistics.median(b.rate / e.rate for e, b in runs)
        print(f"\nmedian of {args.runs} runs: echo {echo_rate:.1f} msgs/s, "
              f"bot {bot_rate:.1f} msgs/s, ratio {ratio:.2f}")
    if counter.count:
        print(f"\n{counter.count} warning(s)/error(s) were logged (see above)")
    return 1 if counter.count else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rate-limit", choices=("off", "telegram"), default="off")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
