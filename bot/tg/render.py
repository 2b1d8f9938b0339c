"""Replies → Telegram messages: keyboards and venues around the text that
``bot.conversation.formatting`` escapes, isolates and splits (the console previews the same).

Only this module knows that keyboards exist. Nothing here decides what to say.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.conversation.actions import LIMIT as CALLBACK_LIMIT
from bot.conversation.formatting import LIMIT, isolate, pack, plan, utf16_len
from bot.conversation.messages import Button, Reply, Venue

log = logging.getLogger(__name__)


KEYBOARDS = 512  # distinct keyboards kept built (menus, an answer's buttons per language)


@lru_cache(maxsize=KEYBOARDS)
def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Inline keyboard; a button whose data would exceed Telegram's 64 bytes is left out
    (``actions.encode`` already refuses such data: this is the last line of defence).

    Kept once built: python-telegram-bot's objects are immutable, the same keyboards come
    back all the time (menus, an answer's buttons), and building one costs about as much
    as sending it (each button's constructor checks and freezes its attributes)."""
    out = []
    for row in rows:
        buttons = []
        for b in row:
            if b.url:
                buttons.append(InlineKeyboardButton(b.label[:64], url=b.url))
            elif len(b.action.encode()) <= CALLBACK_LIMIT:
                buttons.append(InlineKeyboardButton(b.label[:64], callback_data=b.action))
            else:
                log.warning("button dropped: callback data over 64 bytes")
        if buttons:
            out.append(buttons)
    return InlineKeyboardMarkup(out) if out else None


@dataclass(frozen=True)
class Outgoing:
    """One Telegram call to make: a text message (with keyboard) or a venue."""

    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    venue: Venue | None = None


def render(replies: list[Reply]) -> list[Outgoing]:
    """Telegram calls for ``replies`` (see ``formatting.plan``): the keyboard goes under the
    last text message, the map pins follow."""
    found = plan(replies)
    messages = [Outgoing(text=m) for m in found.messages]
    if found.rows and messages:
        messages[-1] = Outgoing(text=messages[-1].text, markup=keyboard(tuple(found.rows)))
    return messages + [Outgoing(venue=v) for v in found.venues]


__all__ = ["LIMIT", "Outgoing", "isolate", "keyboard", "pack", "render", "utf16_len"]
