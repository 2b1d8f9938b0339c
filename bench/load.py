"""End-to-end load benchmark: the Welcome Bot against a minimal echo bot, same fake server.

    python -m bench.load [--users 200] [--messages 5] [--runs 1] [--rate-limit off|telegram]
    python -m bench.load --memory [--users 2000] [--messages 5] [--cache warm|empty|off]
                                  [--against DIR]

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
group), the replies sent per message, and the CPU time of this process per message over
the same span (fake, bot and harness share one event loop, so msgs/s is CPU-bound; CPU
time is less disturbed by other jobs on the machine, but misses time the loop spent
blocked, e.g. waiting for the disk). Every message must be finished and the fake must
have served no error, else the run fails.

``--rate-limit off`` (default) keeps the limiter but switches its overall rate off, so the
software is measured; ``telegram`` keeps the shipped 30 messages/s, which Telegram itself
enforces and which then bounds both bots (a Welcome Bot answer is 2-3 messages).
The fake server runs in the same process and event loop, so its cost is included.
Resident memory of this process (the fake, both bots, the harness) is printed at start,
peak (VmHWM) and end.

``--memory``: the bot alone, as an operator runs it: ``welcome-bot run`` in its own
process (the shipped knowledge base; the rate limit as ``--rate-limit`` says) polling the
fake in this process. The whole workload is queued at once; printed: the bot process's
resident memory (VmRSS from /proc/<pid>/status) once started, after one message of every
kind (the language model loads at the first question), the highest value sampled every
20 ms under load, at the end, and VmHWM (which includes the index build at start-up),
and the most updates Telegram had handed over and the bot had not yet answered (what a
kill at that moment would have to recover from the inbox). Resident memory is shown with
its anonymous and file-backed parts (the language model is memory-mapped from the disk
cache: its pages count as file-backed once messages touched them). The bot gets a disk
cache of its own (``--cache``): ``warm`` (default; filled by a ``welcome-bot ask`` first,
as after any earlier start), ``empty`` (a first start) or ``off``. ``--against DIR`` runs
the same measurement with the code of another checkout (e.g. a worktree of main) right
after, for a before/after on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import html
import logging
import os
import shutil
import statistics
import sys
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

ROOT = Path(__file__).resolve().parents[1]

WARMUP_USER_BASE = 800_000


@dataclass
class Result:
    name: str
    messages: int
    seconds: float
    latencies: list[float]
    replies: int
    cpu: float  # CPU seconds of this process (fake, bot, harness) over the same span

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds per message: less disturbed by other jobs than msgs/s."""
        return 1000 * self.cpu / self.messages

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
        begin, cpu_begin = time.perf_counter(), time.process_time()
        for user, lang, text in interleave(plan):
            pushed[fake.push_message(user, text, language_code=lang)] = time.perf_counter()
        await tracker.wait(pushed, timeout=600)
        end = max(tracker.finished[u].at for u in pushed)
        cpu = time.process_time() - cpu_begin
        replies = len(fake.sent()) - before
        if fake.errors:
            raise SystemExit(f"{name}: the fake served errors, e.g. {fake.errors[:3]}")
        unanswered = [u for u in plan if len(fake.sent(u)) < messages]
        if unanswered:
            raise SystemExit(f"{name}: {len(unanswered)} users got fewer replies than "
                             f"messages, e.g. user {unanswered[0]}")
    latencies = [tracker.finished[u].at - t for u, t in pushed.items()]
    return Result(name, len(pushed), end - begin, latencies, replies, cpu)


class Counter(logging.Handler):
    """Counts warnings and errors logged by the bots (shown, and reported at the end)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def table(results: list[Result]) -> None:
    print(f"  {'bot':12} {'msgs':>6} {'seconds':>8} {'msgs/s':>8} {'median ms':>10} "
          f"{'p95 ms':>8} {'replies/msg':>12} {'replies/s':>10} {'CPU ms/msg':>11}")
    for r in results:
        print(f"  {r.name:12} {r.messages:6} {r.seconds:8.2f} {r.rate:8.1f} "
              f"{1000 * r.median:10.0f} {1000 * r.p95:8.0f} {r.replies / r.messages:12.2f} "
              f"{r.replies / r.seconds:10.1f} {r.cpu_ms:11.2f}")


async def run(args: argparse.Namespace) -> int:
    counter = Counter()
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    logging.getLogger().addHandler(counter)
    print(f"{args.users} users × {args.messages} messages, all at once; "
          f"rate limit: {args.rate_limit}")
    at_start = status()
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
        print(f"  ratio bot/echo (msgs/s): {bot_result.rate / echo_result.rate:.2f}; "
              f"CPU per message: {bot_result.cpu_ms / echo_result.cpu_ms:.2f}×")
    if args.runs > 1:
        echo_rate = statistics.median(e.rate for e, _ in runs)
        bot_rate = statistics.median(b.rate for _, b in runs)
        ratio = statistics.median(b.rate / e.rate for e, b in runs)
        cpu = statistics.median(b.cpu_ms / e.cpu_ms for e, b in runs)
        print(f"\nmedian of {args.runs} runs: echo {echo_rate:.1f} msgs/s, "
              f"bot {bot_rate:.1f} msgs/s, ratio {ratio:.2f}; CPU per message {cpu:.2f}×")
    at_end = status()
    print(f"\nresident memory of this process (fake API, both bots, harness): start "
          f"{mb(at_start['VmRSS'])}, peak {mb(at_end['VmHWM'])}, end {mb(at_end['VmRSS'])}")
    if counter.count:
        print(f"\n{counter.count} warning(s)/error(s) were logged (see above)")
    return 1 if counter.count else 0


def status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon and RssFile of a process, in kB."""
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
    return out


def parts(found: dict[str, int]) -> str:
    anon, file = found["RssAnon"] // 1024, found["RssFile"] // 1024
    return f"{mb(found['VmRSS'])} ({anon} anon + {file} file)"


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


# The bot as ``welcome-bot run`` starts it; unthrottled (tests/workload.py) unless asked.
LAUNCH = """
import sys
from contextlib import nullcontext
from bot.cli import main
from tests.workload import unthrottled
with unthrottled() if sys.argv[1] == "off" else nullcontext():
    sys.exit(main(["run"]))
"""


async def memory_run(args: argparse.Namespace) -> int:
    """The bot in its own process under the whole workload at once (see the docstring)."""
    failed = 0
    for root in (ROOT, *([args.against.resolve()] if args.against else [])):
        print(f"memory: welcome-bot run (shipped knowledge base, code of {root}) in its own "
              f"process; {args.users} users × {args.messages} messages at once; "
              f"rate limit: {args.rate_limit}; disk cache: {args.cache}")
        failed |= await _memory_run_one(args, root)
    return failed


async def _memory_run_one(args: argparse.Namespace, root: Path) -> int:
    cache = "off" if args.cache == "off" else tempfile.mkdtemp(prefix="welcome-bot-cache-")
    async with FakeBotAPI() as fake:
        data = tempfile.mkdtemp(prefix="welcome-bot-bench-")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("WELCOME_BOT_")},
               "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
               "WELCOME_BOT_DATA_DIR": data, "WELCOME_BOT_CACHE_DIR": cache,
               "PYTHONPATH": str(root)}
        if args.cache == "warm":  # as after any earlier start: index and model stored
            filled = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "ask", "hallo", cwd=root, env=env,
                stdout=asyncio.subprocess.DEVNULL)
            await filled.wait()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LAUNCH, args.rate_limit, cwd=root, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            return await _memory_measure(fake, proc.pid, args.users, args.messages)
        finally:
            proc.terminate()
            await proc.wait()
            if cache != "off":
                shutil.rmtree(cache, ignore_errors=True)


async def _memory_measure(fake: FakeBotAPI, pid: int, users: int, messages: int) -> int:
    await fake.wait_until(lambda: fake.called("getUpdates"), timeout=120)
    before = status(pid)  # started, nothing answered yet
    for n, (lang, text) in enumerate(POOL):  # every kind once: lazy models load here
        fake.push_message(WARMUP_USER_BASE + n, text, language_code=lang)
    for n in range(len(POOL)):
        await fake.wait_for_sent(WARMUP_USER_BASE + n, 1, timeout=120)
    start = status(pid)
    print(f"  resident memory of the bot once started: {parts(before)}; after one "
          f"message of every kind: {parts(start)}")
    plan = workload(users, messages)
    pushed = [fake.push_message(u, text, language_code=lang) for u, lang, text in
              interleave(plan)]
    begin, peak, ahead, tick = time.perf_counter(), start["VmRSS"], 0, 0
    while True:
        peak = max(peak, status(pid)["VmRSS"])
        tick += 1
        if tick % 50 == 0:  # once a second: the per-user count costs the fake's time
            answered = sum(min(len(fake.sent(u)), messages) for u in plan)  # ≥ 1 reply each
            handed = len(pushed) - fake.webhook_info()["pending_update_count"]
            ahead = max(ahead, handed - answered)
            if answered == len(pushed):
                break
        if time.perf_counter() - begin > 1800:
            raise SystemExit("not all users were answered within 30 minutes")
        await asyncio.sleep(0.02)
    seconds = time.perf_counter() - begin
    await asyncio.sleep(1)
    end = status(pid)
    peak = max(peak, end["VmRSS"])
    print(f"  {len(pushed)} messages answered in {seconds:.1f} s "
          f"({len(pushed) / seconds:.0f} msgs/s)")
    print(f"  resident memory of the bot: before the load {mb(start['VmRSS'])}, peak under load "
          f"{mb(peak)}, end {parts(end)} (VmHWM {mb(end['VmHWM'])}: the highest ever, "
          f"start-up included)")
    print(f"  updates handed over by Telegram and not yet answered: at most {ahead}")
    return 1 if fake.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rate-limit", choices=("off", "telegram"), default="off")
    parser.add_argument("--memory", action="store_true",
                        help="the bot in its own process: resident memory under load")
    parser.add_argument("--cache", choices=("warm", "empty", "off"), default="warm",
                        help="--memory: the bot's disk cache (filled first, empty, off)")
    parser.add_argument("--against", type=Path,
                        help="--memory: measure the code of this checkout too, after")
    args = parser.parse_args()
    return asyncio.run(memory_run(args) if args.memory else run(args))


if __name__ == "__main__":
    raise SystemExit(main())
