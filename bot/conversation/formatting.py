"""Replies → the text of Telegram messages: HTML escaping, bidi isolation, splitting.

Channel-neutral (no ``telegram`` import): the Telegram adapter (``bot/tg/render.py``)
turns a ``Plan`` into calls with keyboards and venues, and the staff console previews an
answer with the very same text, so what staff see is what the bot sends.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.conversation.messages import Button, Card, Reply, Text, Venue
from bot.understanding.language import RTL

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
    """Cut plain text so each piece, once isolated and escaped, fits in ``budget`` units;
    returns the pieces isolated and escaped (a paragraph that fits is escaped only once)."""
    pieces = []
    escaped = _escape(text, lang)
    while utf16_len(escaped) > budget:
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
        pieces.append(_escape(text[:cut], lang))
        text = text[cut:].lstrip()
        escaped = _escape(text, lang)
    return [*pieces, escaped] if text else pieces


def _pieces(plain: str, lang: str, bold_first_line: bool = False) -> list[str]:
    """Escaped HTML paragraphs, none longer than the limit (long ones cut at whitespace)."""
    out = []
    for number, paragraph in enumerate(plain.split("\n\n")):
        for part, escaped in enumerate(_cut(paragraph, lang, LIMIT - 100)):
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


@dataclass(frozen=True)
class Plan:
    """What to send for a list of replies: the messages' HTML text, the keyboard rows
    (under the last message) and the map pins (after the messages)."""

    messages: list[str] = field(default_factory=list)
    rows: list[tuple[Button, ...]] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)


def plan(replies: list[Reply]) -> Plan:
    """Plan as few messages as possible: all text and cards together, every keyboard row
    under the last of them, then the map pins (each message costs rate-limit budget)."""
    paragraphs: list[str] = []
    found = Plan()
    for reply in replies:
        if isinstance(reply, Venue):
            found.venues.append(reply)
        elif isinstance(reply, Card):
            paragraphs.extend(_pieces("\n".join([reply.title, *reply.lines]), reply.lang, True))
        elif isinstance(reply, Text) and (reply.text.strip() or reply.buttons):
            paragraphs.extend(_pieces(reply.text or "…", reply.lang))
            found.rows.extend(reply.buttons)
    found.messages.extend(pack(paragraphs))
    return found
