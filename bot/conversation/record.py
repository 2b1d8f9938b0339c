"""What a turn leaves behind, as values; written to storage in one place (``record``).

Reply builders return these instead of writing, so the flow reads: incoming → route →
match → build reply → record → render, and a test can see what a turn would store.

Two kinds of effects: what the reply promises (a reminder set or cancelled, data deleted —
``PROMISED``, written before the reply is sent, which says so when it failed) and what only
counts for staff (questions, unanswered questions, votes — written after the reply is sent).
A failing write never stops a reply: ``record`` logs it once per kind, counts it for /stats
(``storage.failures``) and goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import StorageError
from bot.storage.privacy import scrub
from bot.storage.sqlite import Storage

log = logging.getLogger(__name__)


def _(message: str) -> str:
    """Mark for extraction; translated per user by the channel."""
    return message


# I18N: sent instead of a confirmation (language chosen, reminder set, data deleted) when the
# bot's storage failed, so that the confirmation would not be true
NOT_SAVED = _("Sorry, I could not save this just now. Please try again later — you can still "
              "ask me anything.")


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
    """Helpful / not helpful on an answer; stored under a hash of ``user``, one per answer."""

    entry: str
    lang: str
    helpful: bool
    user: str


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


PROMISED = (Subscribed, Unsubscribed, Forgotten)

# what staff read in /stats when writes of a kind failed
KINDS = {"Asked": "question counts", "Declined": "unanswered questions", "Voted": "votes",
         "Subscribed": "reminders", "Unsubscribed": "reminders", "Forgotten": "deletions",
         "UserState": "user settings", "Inbox": "the crash-safe inbox"}
_reported: set[str] = set()


def promised(effects: Iterable[object]) -> list[Effect]:
    """The effects a reply confirms: write them before sending it."""
    return [e for e in effects if isinstance(e, PROMISED)]


STORED = (Asked, Declined, Voted, Subscribed, Unsubscribed, Forgotten)


def counted(effects: Iterable[object]) -> list[Effect]:
    """The effects that only count for staff: write them after the reply went out (a
    case's effects are the relay's, not storage's)."""
    return [e for e in effects if isinstance(e, STORED) and not isinstance(e, PROMISED)]


def failed(storage: Storage, kind: str, exc: Exception) -> None:
    """Count a failed write for /stats; log the first of each kind as an error."""
    storage.note_failure(KINDS.get(kind, kind))
    if kind in _reported:
        log.debug("%s write failed again: %s", kind, exc)
        return
    _reported.add(kind)
    log.error("could not store %s (%s); the bot keeps answering, /stats counts the failures",
              KINDS.get(kind, kind), exc)


def record(storage: Storage, effects: Iterable[Effect]) -> bool:
    """Write a turn's effects, in order; False if one failed (logged, counted, not raised)."""
    ok = True
    for effect in effects:
        try:
            _write(storage, effect)
        except StorageError as exc:
            failed(storage, type(effect).__name__, exc)
            ok = False
    return ok


def _write(storage: Storage, effect: Effect) -> None:
    match effect:
        case Asked(lang, group, decision, entry):
            storage.record_question(lang, group, decision, entry)
        case Declined(text, lang, closest):
            storage.record_declined(scrub(text), lang, closest)
        case Voted(entry, lang, helpful, user):
            storage.record_vote(user, entry, lang, helpful)
        case Subscribed(user, chat, event, lang):
            storage.subscribe(user, chat, event, lang)
        case Unsubscribed(user, event):
            storage.unsubscribe(user, event)
        case Forgotten(user):
            storage.forget(user)
