"""Serving the console with uvicorn on the running event loop: beside the bot in
``welcome-bot run`` (python-telegram-bot's custom-webhook example does the same with its
own Starlette app), or alone in ``welcome-bot console``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TextIO

import uvicorn
from starlette.applications import Starlette

from bot.config import ConsoleSettings
from bot.console.app import create_app
from bot.console.context import standalone
from bot.conversation.snapshot import Snapshot
from bot.errors import ConfigError
from bot.i18n import default_translator
from bot.knowledge.loader import load
from bot.signals import until_stopped
from bot.storage.sqlite import DB_NAME, SQLiteStorage

log = logging.getLogger(__name__)


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: whoever owns the loop decides when to stop."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, or a ConfigError that says why not (port in use, bad host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _name, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise ConfigError(f"the console cannot listen on {host}:{port}: {exc.strerror or exc}"
                          ) from None
    sock.set_inheritable(True)
    return sock


@asynccontextmanager
async def serving(app: Starlette, sock: socket.socket) -> AsyncIterator[EmbeddedServer]:
    """Serve ``app`` on ``sock`` in the background until the block ends."""
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                            server_header=False, date_header=False)
    server = EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise ConfigError("the console could not start")
        await asyncio.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        await task
        sock.close()


LOCAL_STAFF = "terminal"  # who saves, in history and the audit log, for 'welcome-bot console'


def run_alone(knowledge_dir: Path, data_dir: Path, args: argparse.Namespace,
              out: TextIO) -> int:
    """``welcome-bot console``: the console without Telegram, until Ctrl-C."""
    settings = ConsoleSettings.from_env(args, required=True)
    assert settings is not None  # required=True always gives settings
    sock = listen(settings.host, settings.port)
    snapshot = Snapshot.build(load(knowledge_dir))
    storage = SQLiteStorage(data_dir / DB_NAME)
    console = standalone(knowledge_dir, storage, default_translator(), settings.url, snapshot)
    out.write(f"Staff console for {knowledge_dir} on {settings.url}\n"
              f"Log in (once, within 10 minutes): {console.login_link(LOCAL_STAFF)}\n"
              "Stop with Ctrl-C.\n")
    out.flush()

    async def main() -> None:
        async with serving(create_app(console), sock):
            await until_stopped()

    try:
        asyncio.run(main())
    finally:
        storage.close()
    return 0
