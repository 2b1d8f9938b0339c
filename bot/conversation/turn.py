"""One turn of a conversation: what answering an incoming event needs, and what it gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from bot.conversation.case import CaseEffect, Policy, Question
from bot.conversation.messages import Incoming, Reply, UserState
from bot.conversation.record import Effect
from bot.conversation.snapshot import Snapshot
from bot.i18n import Translator
from bot.storage.cases import Case
from bot.understanding.language import negotiate


@dataclass(frozen=True)
class Turn:
    """An incoming event with the user's state and the knowledge snapshot to answer from.

    ``subscriptions`` reads the user's reminder subscriptions (a read; nothing in a turn
    writes — see ``record``). ``case``: the user's open handoff case; ``recent``: their
    last questions (kept in memory for a case); ``policy``: whether a person can be reached.
    """

    snap: Snapshot
    tr: Translator
    incoming: Incoming
    state: UserState
    subscriptions: Callable[[str], list[str]]
    case: Case | None = None
    recent: tuple[Question, ...] = ()
    policy: Policy = field(default_factory=Policy)

    @property
    def lang(self) -> str:
        """The interface language: the user's choice, else their app's, else English."""
        return self.state.lang or negotiate(self.incoming.client_lang) or "en"

    def gettext(self, lang: str | None = None) -> Callable[[str], str]:
        """``_`` for ``lang`` (default: the interface language)."""
        return partial(self.tr.gettext, lang or self.lang)


@dataclass(frozen=True)
class Outcome:
    """The replies, the user's new state, and what to record."""

    replies: list[Reply]
    state: UserState
    effects: tuple[Effect | CaseEffect, ...] = ()
