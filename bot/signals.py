"""Running until the operator stops the process (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress


async def until_stopped() -> None:
    """Return once SIGINT or SIGTERM arrives (on the running loop, as
    python-telegram-bot's own ``run_*`` do; where the loop cannot, never)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
