"""Settings for ``welcome-bot run`` from options and the environment; the token never shows."""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

NO_TOKEN = """no Telegram bot token.
  1. In Telegram, talk to @BotFather, send /newbot and follow the steps; it gives you a token.
  2. export TELEGRAM_BOT_TOKEN='123456:ABC…'   (never commit it or paste it in a chat)
  3. welcome-bot run
To try the bot without Telegram, run:  welcome-bot chat"""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    knowledge_dir: Path
    data_dir: Path
    base_url: str | None = None
    admins: frozenset[int] = frozenset()
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return (f"Settings(token='***', knowledge_dir={str(self.knowledge_dir)!r}, "
                f"data_dir={str(self.data_dir)!r}, base_url={self.base_url!r}, "
                f"admins={len(self.admins)}, webhook_url={self.webhook_url!r})")

    @classmethod
    def from_env(cls, args: argparse.Namespace, knowledge_dir: Path) -> Settings:
        token = (args.token or os.environ.get("TELEGRAM_BOT_TOKEN", "")).strip()
        if not token:
            raise ConfigError(NO_TOKEN)
        admins = set()
        raw = [*args.admin, *os.environ.get("WELCOME_BOT_ADMINS", "").split(",")]
        for item in raw:
            item = item.strip()
            if not item:
                continue
            if not item.lstrip("-").isdigit():
                raise ConfigError(f"admin ids must be numeric Telegram user ids, not {item!r}")
            admins.add(int(item))
        webhook = args.webhook_url or None
        if webhook and not webhook.startswith("https://"):
            raise ConfigError("--webhook-url must be a public https:// address")
        secret = args.secret_token or os.environ.get("TELEGRAM_WEBHOOK_SECRET") or ""
        if webhook and not secret:
            secret = secrets.token_urlsafe(32)
        return cls(
            token=token, knowledge_dir=knowledge_dir,
            data_dir=Path(args.data_dir or os.environ.get("WELCOME_BOT_DATA_DIR") or "data"),
            base_url=args.base_url or os.environ.get("TELEGRAM_API_BASE_URL") or None,
            admins=frozenset(admins), webhook_url=webhook, listen=args.listen, port=args.port,
            secret_token=secret,
        )
