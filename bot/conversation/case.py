"""Values of a handoff to a person: the policy, the questions kept for a case, the effects.

The conversation core decides (``handoff``); the channel's relay carries these effects out
(creates the staff topic, mirrors a message, ends the case) — the core does no I/O.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

KEEP_QUESTIONS = 3  # the questions that led to a request for a person
KEEP_MINUTES = 60  # … asked within this time; held in memory only, never written


@dataclass(frozen=True)
class Policy:
    """Whether a person can be reached in the chat (a staff chat is set up) and the timings
    users are told."""

    enabled: bool = False
    reply_hours: int | None = None  # None: "usually within one working day"
    idle_days: int = 14


@dataclass(frozen=True)
class Question:
    """A question the bot answered, offered topics for, or declined."""

    text: str
    lang: str
    decision: str  # "answer" | "suggest" | "decline"
    entry: str | None = None
    offered: tuple[str, ...] = ()
    closest: str | None = None


@dataclass(frozen=True)
class Said:
    """Keep a question in memory for a while, should the user ask for a person."""

    user: str
    question: Question


@dataclass(frozen=True)
class OpenCase:
    """The user agreed: open a case (a staff topic) with the questions that led here."""

    user: str
    chat: str
    lang: str
    group: str | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Mirror:
    """Show what the user wrote (or a note such as "[photo]") in their case's topic."""

    user: str
    text: str
    lang: str
    note: bool = False  # True: ``text`` is a note about media, not the user's words


@dataclass(frozen=True)
class EndByUser:
    """The user ended their case (button or /stop)."""

    user: str


CaseEffect = Said | OpenCase | Mirror | EndByUser


class Recent:
    """The last few questions per user, in memory, for a case they may open soon after."""

    def __init__(self, keep: int = KEEP_QUESTIONS, minutes: int = KEEP_MINUTES) -> None:
        self.keep = keep
        self.window = timedelta(minutes=minutes)
        self._by_user: dict[str, deque[tuple[datetime, Question]]] = {}

    def add(self, user: str, question: Question, now: datetime) -> None:
        if len(self._by_user) > 10_000:  # drop the stale ones now and then
            for key in [k for k, v in self._by_user.items() if v[-1][0] < now - self.window]:
                del self._by_user[key]
        self._by_user.setdefault(user, deque(maxlen=self.keep)).append((now, question))

    def get(self, user: str, now: datetime) -> tuple[Question, ...]:
        kept = self._by_user.get(user, ())
        return tuple(q for at, q in kept if at >= now - self.window)

    def drop(self, user: str) -> None:
        self._by_user.pop(user, None)
