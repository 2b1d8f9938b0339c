"""What staff using the console cost the bot's replies.

    python -m bench.console [--probes 200] [--runs 2] [--pause 0.02]

The bot and its console run as ``welcome-bot run`` runs them: one process, one event loop,
the bot polling the local fake Bot API (127.0.0.1), the console served by uvicorn on a
free port, on a temporary copy of the shipped knowledge. Probes: users ask questions in
eight languages one after another (``--pause`` between them); a probe's latency is from
the push to the fake until the bot's first reply reached it.

Each run measures the probes twice, in the same process: with nobody on the console
("idle"), then while a staff member works in it ("busy"): a client in ANOTHER process
(as a browser would be) logs in with a one-time link and loops: the entries list, the
editor page, a live-preview request, and a save — alternately changing the Ukrainian
answer (the index is reused) and adding or removing a question (the index is rebuilt);
``--think`` seconds between requests (0: back to back, far busier than a person).
The busy phase goes on until ``--saves`` saves are done.

Printed per phase: probes, median and p95 latency, the longest gap between two replies;
then the difference busy − idle (target: ≤ 50 ms added), the saves made, and how many
probes were answered while a save was being validated (the bot keeps answering), with
the slowest of them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")

import bot.console.editor as editor
from bot.config import ConsoleSettings, Settings
from bot.console import saving
from bot.console.app import create_app
from bot.console.saving import SaveResult
from bot.console.server import listen
from bot.console.server import serving as serving_console
from bot.tg.app import create_application
from bot.tg.together import console_for
from tests.conftest import PROJECT_KB
from tests.fakeapi import FakeBotAPI
from tests.integration.conftest import serving
from tests.integration.console_support import free_port

QUESTIONS = [
    ("як зробити анмельдунг в Єні", "uk"), ("wo melde ich meine wohnung an", "de"),
    ("how do I open a bank account", "en"), ("где найти врача в йене", "ru"),
    ("كيف أجد طبيب في يينا", "ar"), ("کلاس زبان آلمانی کجاست", "fa"),
    ("Jena'da dil kursu nerede", "tr"), ("où trouver un logement à Iéna", "fr"),
]
USERS = 24
ENTRY = "registration"


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)  # monotonic time of each reply

    def gap(self) -> float:
        return max((b - a for a, b in zip(self.done, self.done[1:], strict=False)),
                   default=0.0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


# ---------------------------------------------------------------- the staff member

def staff_loop(url: str, secret: str, ready: Any, think: float) -> None:
    """In its own process: log in, then browse, preview and save until ended."""
    import httpx

    with httpx.Client(base_url=url, timeout=60, follow_redirects=False) as client:
        client.post("/login", data={"secret": secret})
        editor_url = f"/entries/{ENTRY}/uk"
        ready.set()
        turn = 0
        while True:
            client.get("/entries")
            time.sleep(think)
            form = _form(client.get(editor_url).text)
            time.sleep(think)
            turn += 1
            if turn % 2:
                form["answer"] = form["answer"] + f"\nBench {turn}."
            else:
                extra = "bench question number " + str(turn)
                form["questions"] = form["questions"] + "\n" + extra
            client.post(editor_url + "/preview", data=form)
            time.sleep(think)
            client.post(editor_url, data=form)
            time.sleep(think)


def _form(page: str) -> dict[str, Any]:
    import html

    def field(name: str) -> str:
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        return html.unescape(found.group(1)) if found else ""

    def area(name: str) -> str:
        found = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        return html.unescape(found.group(1)) if found else ""

    return {"csrf": field("csrf"), "base": field("base"), "title": field("title"),
            "answer": area("answer").split("\nBench")[0],
            "questions": "\n".join(q for q in area("questions").splitlines()
                                   if not q.startswith("bench question")),
            "keywords": area("keywords"),
            "contacts": re.findall(r'name="contacts" value="([^"]+)" id="[^"]+" checked', page)}


# ---------------------------------------------------------------- the probes

async def probe(fake: FakeBotAPI, phase: Phase, probes: int, pause: float,
                first_user: int, more: Callable[[], bool] = lambda: False) -> None:
    """``probes`` questions one after another, and on while ``more()`` (at most 10 min)."""
    deadline = time.monotonic() + 600
    i = 0
    while (i < probes or more()) and time.monotonic() < deadline:
        i += 1
        user = first_user + i % USERS
        text, lang = QUESTIONS[i % len(QUESTIONS)]
        before = len(fake.sent(user))
        start = time.monotonic()
        fake.push_message(user, text, language_code=lang)
        await fake.wait_for_sent(user, before + 1, timeout=60)
        end = time.monotonic()
        phase.latencies.append(end - start)
        phase.done.append(end)
        await asyncio.sleep(pause)


def timed_saves(intervals: list[tuple[float, float]]) -> Callable[..., Awaitable[SaveResult]]:
    real = editor.save

    async def save(*args: object, **kwargs: object) -> SaveResult:
        start = time.monotonic()
        result = await real(*args, **kwargs)  # type: ignore[arg-type]
        intervals.append((start, time.monotonic()))
        if result.version is None:
            print(f"  a save made no version: {result.message} {result.problems}")
        return result

    return save


async def run(args: argparse.Namespace) -> tuple[Phase, Phase, list[tuple[float, float]]]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-console-"))
    knowledge = tmp / "knowledge"
    shutil.copytree(PROJECT_KB, knowledge)
    port = free_port()
    async with FakeBotAPI() as fake:
        settings = Settings(token=fake.token, base_url=fake.base_url, knowledge_dir=knowledge,
                            data_dir=tmp / "data", console=ConsoleSettings(port=port))
        app = create_application(settings)
        service = app.bot_data["service"]
        assert settings.console is not None
        console = service.console = console_for(service, settings.console)
        intervals: list[tuple[float, float]] = []
        editor.save = timed_saves(intervals)  # type: ignore[assignment]
        web = serving_console(create_app(console), listen("127.0.0.1", port))
        async with serving(app), web:
            await probe(fake, Phase("warm-up"), 16, 0, 700_000)
            idle = Phase("idle")
            await probe(fake, idle, args.probes, args.pause, 710_000)
            busy = Phase("busy")
            spawn = multiprocessing.get_context("spawn")
            ready = spawn.Event()
            staff = spawn.Process(target=staff_loop, args=(
                settings.console.url, console.storage.console.new_link("bench"), ready,
                args.think))
            staff.start()
            while not ready.is_set():
                await asyncio.sleep(0.05)
            await probe(fake, busy, args.probes, args.pause, 720_000,
                        lambda: len(intervals) < args.saves)
            staff.terminate()  # our own child, ended by its handle
            staff.join()
            versions = len(console.storage.console.versions(10_000))
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"  staff saves while probing: {len(intervals)} ({versions} versions recorded)")
    return idle, busy, intervals


def during(phase: Phase, intervals: list[tuple[float, float]]) -> list[float]:
    """Latencies of the probes answered while a save was under way."""
    return [lat for lat, end in zip(phase.latencies, phase.done, strict=True)
            if any(a <= end <= b for a, b in intervals)]


def report(idle: Phase, busy: Phase, intervals: list[tuple[float, float]]) -> float:
    for phase in (idle, busy):
        print(f"  {phase.name:5} probes {len(phase.latencies):4}  median "
              f"{ms(statistics.median(phase.latencies))}  p95 "
              f"{ms(percentile(phase.latencies, 0.95))}  longest gap between replies "
              f"{ms(phase.gap())}")
    added = statistics.median(busy.latencies) - statistics.median(idle.latencies)
    added95 = percentile(busy.latencies, 0.95) - percentile(idle.latencies, 0.95)
    print(f"  added by the console: median {ms(added)}, p95 {ms(added95)}")
    saves = [b - a for a, b in intervals]
    if saves:
        print(f"  saves {len(saves)}: median {ms(statistics.median(saves))}, longest "
              f"{ms(max(saves))}")
    inside = during(busy, intervals)
    if inside:
        print(f"  probes answered while a save was validated/written: {len(inside)}, "
              f"median {ms(statistics.median(inside))}, slowest {ms(max(inside))}")
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--pause", type=float, default=0.02)
    parser.add_argument("--saves", type=int, default=4,
                        help="probe on until the staff member has saved this often")
    parser.add_argument("--in-thread", action="store_true",
                        help="check saves in a thread of the bot's process, not in the worker "
                             "process (for comparison)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds the staff member pauses between requests (0: none)")
    args = parser.parse_args()
    os.environ.setdefault("WELCOME_BOT_CACHE_DIR", tempfile.mkdtemp(prefix="bench-cache-"))
    if args.in_thread:
        async def no_child(*_args: object) -> Any:
            raise OSError("bench --in-thread")
        saving._in_worker = no_child  # type: ignore[assignment]
        logging.getLogger("bot.console.saving").setLevel(logging.ERROR)
    print(f"bench.console: {args.probes} probes per phase (busy: until {args.saves} saves), "
          f"{args.runs} run(s), staff think time {args.think} s, saves checked in "
          f"{'a thread' if args.in_thread else 'the worker process'}, {os.cpu_count()} CPUs")
    added = []
    for number in range(1, args.runs + 1):
        print(f"run {number}:")
        idle, busy, intervals = asyncio.run(run(args))
        added.append(report(idle, busy, intervals))
    print(f"median latency added per run: {', '.join(ms(a).strip() for a in added)} "
          "(target ≤ 50 ms)")


if __name__ == "__main__":
    main()
