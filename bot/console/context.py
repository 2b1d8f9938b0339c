"""What every console page shares: the knowledge folder, the live snapshot, storage, and
the one lock under which the knowledge folder is written.

In ``welcome-bot run`` the snapshot is the bot's own (``get``/``put`` read and replace
``service.conv.snapshot``), so a save is live for the next message; in ``welcome-bot
console`` (no Telegram) the console holds its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.conversation.snapshot import Snapshot
from bot.i18n import Translator
from bot.storage.sqlite import SQLiteStorage


@dataclass
class Console:
    knowledge_dir: Path
    storage: SQLiteStorage
    tr: Translator
    url: str  # public address, for links (WELCOME_BOT_CONSOLE_URL)
    get: Callable[[], Snapshot]
    put: Callable[[Snapshot], None]
    # one writer at a time for the knowledge folder (console saves, /teach, undo)
    writing: asyncio.Lock = field(default_factory=asyncio.Lock)
    # send an event to its subscribers by /announce's rules: (event id, again) -> what
    # happened; set by the Telegram side (bot/tg/together.py), None without a bot
    announce: Callable[[str, bool], Awaitable[str]] | None = None

    @property
    def secure(self) -> bool:
        """Cookies get the Secure flag when the console is reached over https."""
        return self.url.startswith("https://")

    def login_link(self, staff: str) -> str:
        """A one-time log-in link for ``staff`` (valid 10 minutes, single use)."""
        return f"{self.url.rstrip('/')}/login/{self.storage.console.new_link(staff)}"


def standalone(knowledge_dir: Path, storage: SQLiteStorage, tr: Translator, url: str,
               snapshot: Snapshot) -> Console:
    """A console that holds its own snapshot (``welcome-bot console``)."""
    holder = [snapshot]

    def put(new: Snapshot) -> None:
        holder[0] = new

    return Console(knowledge_dir, storage, tr, url, lambda: holder[0], put)
