"""What a turn leaves behind, as values; written to storage in one place (``record``).

Reply builders return these instead of writing, so the flow reads: incoming → route →
match → build reply → record → render, and a test can see what a turn would store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage.privacy import scrub
from bot.storage.sqlite import Storage


@dataclass(frozen=True)
class Asked:
    """A question was asked (counts for /stats; no text, no user)."""

    lang: str
    group: str | None
    decision: str
    entry: str | None


@dataclass(frozen=True)
class Declined:
    """A question the bot could not answer, for staff; scrubbed before it is stored."""

    text: str
    lang: str
    closest: str | None


@dataclass(frozen=True)
class Voted:
    """Helpful / not helpful on an answer (no user)."""

    entry: str
    lang: str
    helpful: bool


@dataclass(frozen=True)
class Subscribed:
    user: str
    chat: str
    event: str
    lang: str


@dataclass(frozen=True)
class Unsubscribed:
    user: str
    event: str


@dataclass(frozen=True)
class Forgotten:
    """The user asked to delete everything stored about them."""

    user: str


Effect = Asked | Declined | Voted | Subscribed | Unsubscribed | Forgotten


def record(storage: Storage, effects: Iterable[Effect]) -> None:
    """Write a turn's effects, in order."""
    for effect in effects:
        match effect:
            case Asked(lang, group, decision, entry):
                storage.record_question(lang, group, decision, entry)
            case Declined(text, lang, closest):
                storage.record_declined(scrub(text), lang, closest)
            case Voted(entry, lang, helpful):
                storage.record_feedback(entry, lang, helpful)
            case Subscribed(user, chat, event, lang):
                storage.subscribe(user, chat, event, lang)
            case Unsubscribed(user, event):
                storage.unsubscribe(user, event)
            case Forgotten(user):
                storage.forget(user)
