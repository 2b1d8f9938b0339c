"""Settings for ``welcome-bot run`` from options and the environment; the token never shows."""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

DEFAULT_CONSOLE_PORT = 8080  # 'welcome-bot console' without a port

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
    staff_chat: int | None = None  # the staff supergroup with topics, for handoff
    staff_reply_hours: int | None = None  # None: "usually within one working day"
    case_idle_days: int = 14  # a handoff case closes after this many silent days
    console: ConsoleSettings | None = None  # the staff web console, when a port is given

    def __repr__(self) -> str:
        return (f"Settings(token='***', knowledge_dir={str(self.knowledge_dir)!r}, "
                f"data_dir={str(self.data_dir)!r}, base_url={self.base_url!r}, "
                f"admins={len(self.admins)}, webhook_url={self.webhook_url!r}, "
                f"staff_chat={self.staff_chat!r})")

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
            secret_token=secret, console=ConsoleSettings.from_env(args), **_handoff(args),
        )


@dataclass(frozen=True)
class ConsoleSettings:
    """Where the staff console listens and the address its links use."""

    port: int
    host: str = "127.0.0.1"
    url: str = ""  # default: http://HOST:PORT (127.0.0.1 when listening everywhere)

    def __post_init__(self) -> None:
        if not self.url:
            anywhere = self.host in ("0.0.0.0", "::")  # noqa: S104 - compared, not bound
            shown = f"[{self.host}]" if ":" in self.host else self.host
            object.__setattr__(self, "url",
                               f"http://{'127.0.0.1' if anywhere else shown}:{self.port}")

    @classmethod
    def from_env(cls, args: argparse.Namespace, required: bool = False) -> ConsoleSettings | None:
        """From --console-port/-host/-url, else WELCOME_BOT_CONSOLE_*; None when no port
        is given (the console is off) unless ``required`` (then the default port 8080)."""
        port = _number(args, "console_port", "WELCOME_BOT_CONSOLE_PORT", 1, 65535)
        if port is None:
            if not required:
                return None
            port = DEFAULT_CONSOLE_PORT
        host = (getattr(args, "console_host", None)
                or os.environ.get("WELCOME_BOT_CONSOLE_HOST") or "127.0.0.1").strip()
        url = (getattr(args, "console_url", None)
               or os.environ.get("WELCOME_BOT_CONSOLE_URL") or "").strip().rstrip("/")
        if url and not url.startswith(("http://", "https://")):
            raise ConfigError("--console-url / WELCOME_BOT_CONSOLE_URL must start with "
                              f"http:// or https://, not {url!r}")
        return cls(port=port, host=host, url=url)


def _number(args: argparse.Namespace, option: str, env: str, low: int,
            high: int) -> int | None:
    """An integer option (else its environment variable) within [low, high], or None."""
    raw = getattr(args, option, None)
    raw = str(raw) if raw is not None else os.environ.get(env, "")
    if not raw.strip():
        return None
    flag = "--" + option.replace("_", "-")
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{flag} / {env} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{flag} / {env} must be between {low} and {high}, not {value}")
    return value


def _handoff(args: argparse.Namespace) -> dict:
    """The staff chat and its timings (WELCOME_BOT_STAFF_CHAT …)."""
    chat = _number(args, "staff_chat", "WELCOME_BOT_STAFF_CHAT", -(10**15), -1)
    hours = _number(args, "staff_reply_hours", "WELCOME_BOT_STAFF_REPLY_HOURS", 1, 24 * 14)
    days = _number(args, "case_idle_days", "WELCOME_BOT_CASE_IDLE_DAYS", 1, 365)
    return {"staff_chat": chat, "staff_reply_hours": hours,
            "case_idle_days": 14 if days is None else days}
