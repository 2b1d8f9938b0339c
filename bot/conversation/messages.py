"""Channel-neutral values that flow between the adapters and the conversation core."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal["text", "command", "button", "media"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Text that can be stored and sent: lone surrogates (a JSON escape such as \\ud800, or
    undecodable bytes read with ``surrogateescape``) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: wrote text, sent a command, pressed a button, or sent media.

    ``kind``: "media" stands for stickers, photos, voice messages, files, locations …
    ``client_lang`` is the language tag of the user's app, if the channel knows it.
    ``chat`` is where replies go ("" when the channel does not know, e.g. a forged button);
    ``private``: a one-to-one chat with the user (False in groups).
    """

    user: str
    kind: Kind
    text: str = ""
    command: str = ""
    args: tuple[str, ...] = ()
    data: str = ""
    client_lang: str | None = None
    chat: str = ""
    now: datetime = field(default_factory=datetime.now)
    private: bool = True
    media: str = ""  # for "media": photo, voice, sticker, document … when known


@dataclass(frozen=True)
class UserState:
    """What the bot remembers about a user: their language and group; nothing else."""

    lang: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Button:
    """An inline button: ``label`` shown, ``action`` sent back (``actions.encode``, ≤ 64 bytes)."""

    label: str
    action: str = ""
    url: str = ""


@dataclass(frozen=True)
class Text:
    """A block of text in ``lang``, optionally with rows of buttons under it."""

    text: str
    lang: str = "en"
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Card:
    """A contact card: a title line and detail lines (address, hours, phone …)."""

    title: str
    lines: tuple[str, ...]
    lang: str = "en"
    contact: str = ""


@dataclass(frozen=True)
class Venue:
    """A map pin."""

    latitude: float
    longitude: float
    title: str
    address: str


Reply = Text | Card | Venue
