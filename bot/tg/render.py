"""Replies → Telegram messages: HTML escaping, bidi isolation, splitting, keyboards, venues.

Only this module knows that keyboards exist. Nothing here decides what to say.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.conversation.actions import LIMIT as CALLBACK_LIMIT
from bot.conversation.messages import Button, Card, Reply, Text, Venue
from bot.understanding.language import RTL

log = logging.getLogger(__name__)

LIMIT = 4096
_LRI, _PDI, _RLM = "\u2066", "\u2069", "\u200f"
# A left-to-right run inside right-to-left text: German names, addresses, phone numbers,
# e-mails and links. It starts and ends with a letter or digit.
_LTR_RUN = re.compile(
    r"[A-Za-z0-9\u00c0-\u024f+][A-Za-z0-9\u00c0-\u024f .,:;/@+()\-–&_#%?=~§]*"
    r"[A-Za-z0-9\u00c0-\u024f]|[A-Za-z0-9]"
)


def isolate(text: str, lang: str) -> str:
    """Keep Latin runs readable inside Arabic/Persian: wrap them in LRI…PDI, lines start RTL."""
    if lang not in RTL:
        return text
    lines = []
    for line in text.split("\n"):
        body = _LTR_RUN.sub(lambda m: _LRI + m.group(0) + _PDI, line)
        lines.append(_RLM + body if body else body)
    return "\n".join(lines)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _escape(text: str, lang: str) -> str:
    return html.escape(isolate(text, lang), quote=False)


def _cut(text: str, lang: str, budget: int) -> list[str]:
    """Cut plain text so each piece, once isolated and escaped, fits in ``budget`` units."""
    pieces = []
    while utf16_len(_escape(text, lang)) > budget:
        size, cut, space = 0, 0, -1
        for i, ch in enumerate(text):
            size += utf16_len(_escape(ch, lang)) + (2 if lang in RTL else 0)
            if size > budget:
                break
            cut = i + 1
            if ch in " \n":
                space = i
        if space > budget // 3:
            cut = space
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def _pieces(plain: str, lang: str, bold_first_line: bool = False) -> list[str]:
    """Escaped HTML paragraphs, none longer than the limit (long ones cut at whitespace)."""
    out = []
    for number, paragraph in enumerate(plain.split("\n\n")):
        for part, chunk in enumerate(_cut(paragraph, lang, LIMIT - 100)):
            escaped = _escape(chunk, lang)
            if bold_first_line and number == 0 and part == 0:
                head, sep, tail = escaped.partition("\n")
                escaped = f"<b>{head}</b>{sep}{tail}"
            out.append(escaped)
    return out


def pack(paragraphs: list[str], limit: int = LIMIT) -> list[str]:
    """Join paragraphs into as few messages as fit, splitting only between paragraphs."""
    messages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if utf16_len(candidate) <= limit:
            current = candidate
        else:
            if current:
                messages.append(current)
            current = paragraph
    if current:
        messages.append(current)
    return messages


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Inline keyboard; a button whose data would exceed Telegram's 64 bytes is left out
    (``actions.encode`` already refuses such data: this is the last line of defence)."""
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
    """Plan as few messages as possible: all text and cards together, every keyboard row
    under the last of them, then the map pins (each message costs rate-limit budget)."""
    paragraphs: list[str] = []
    rows: list[tuple[Button, ...]] = []
    venues: list[Outgoing] = []
    for reply in replies:
        if isinstance(reply, Venue):
            venues.append(Outgoing(venue=reply))
        elif isinstance(reply, Card):
            paragraphs.extend(_pieces("\n".join([reply.title, *reply.lines]), reply.lang, True))
        elif isinstance(reply, Text) and (reply.text.strip() or reply.buttons):
            paragraphs.extend(_pieces(reply.text or "…", reply.lang))
            rows.extend(reply.buttons)
    messages = [Outgoing(text=m) for m in pack(paragraphs)]
    if rows and messages:
        messages[-1] = Outgoing(text=messages[-1].text, markup=keyboard(tuple(rows)))
    return messages + venues
