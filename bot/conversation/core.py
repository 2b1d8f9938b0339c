"""The conversation core: (Incoming, UserState) → replies and the new state. No channel I/O.

One turn: incoming → route (command / button / text / media) → match (pure) → build the
replies (pure) → record what the turn leaves behind (the one side effect) → the channel
renders the replies. Flows live in their own modules: ``commands``, ``buttons`` (with
``actions``), ``answers``, ``menus``, ``events``.
"""

from __future__ import annotations

from dataclasses import replace

from bot.conversation import answers, buttons, commands, handoff
from bot.conversation.case import Policy, Question, Recent, Said
from bot.conversation.messages import Card, Incoming, Reply, Text, UserState, Venue
from bot.conversation.record import Asked, Declined, Effect, Forgotten, counted, promised, record
from bot.conversation.snapshot import Snapshot
from bot.conversation.turn import Outcome, Turn
from bot.i18n import Translator
from bot.storage.sqlite import Storage
from bot.understanding.language import Detection
from bot.understanding.matching import Match

__all__ = ["Conversation", "Snapshot", "plain", "route"]


class Conversation:
    """Turns each incoming event into replies; a reload swaps the snapshot whole."""

    def __init__(self, snapshot: Snapshot, translator: Translator, storage: Storage,
                 policy: Policy | None = None) -> None:
        self.snapshot = snapshot
        self.tr = translator
        self.storage = storage
        self.policy = policy or Policy()  # can a person be reached (handoff)?
        self.recent = Recent()  # the last questions per user, in memory, for a case

    def handle(self, incoming: Incoming, state: UserState) -> tuple[list[Reply], UserState]:
        """Answer one incoming event and record it. Never raises for any user input."""
        outcome = self.outcome(incoming, state)
        record(self.storage, promised(outcome.effects))
        record(self.storage, counted(outcome.effects))
        return outcome.replies, outcome.state

    def outcome(self, incoming: Incoming, state: UserState) -> Outcome:
        """Replies, new state and effects of one event. Nothing is written here: the channel
        stores what the reply promises before sending it and counts the rest afterwards
        (``record.promised`` / ``record.counted``); a case's effects (open a case, mirror
        a message …) are for the channel's relay. Recent questions stay in memory."""
        user = incoming.user
        case = self.storage.cases.for_user(user) if self.policy.enabled else None
        # One snapshot for the whole turn, even if a reload happens meanwhile.
        turn = Turn(self.snapshot, self.tr, incoming, state, self.storage.subscriptions,
                    case, self.recent.get(user, incoming.now), self.policy)
        outcome = route(turn)
        for effect in outcome.effects:
            if isinstance(effect, Said):
                self.recent.add(effect.user, effect.question, incoming.now)
            elif isinstance(effect, Forgotten):
                self.recent.drop(effect.user)
        return outcome

    def answer(self, snap: Snapshot, text: str, state: UserState,
               client_lang: str | None = None,
               lang: str | None = None, detected: Detection | None = None,
               ) -> tuple[str, Match, list[Reply]]:
        """Answer a question without recording anything (``welcome-bot ask`` and ``eval``)."""
        return answers.answer(snap, self.tr, text, state, client_lang, lang,
                              detected=detected)


def route(turn: Turn) -> Outcome:
    """Send the incoming event to its flow; pure: what to record comes back as effects."""
    incoming = turn.incoming
    diverted = handoff.intercept(turn)  # an open case: the user's words go to staff
    if diverted is not None:
        return diverted
    if incoming.kind == "command":
        return commands.run(turn)
    if incoming.kind == "button":
        return buttons.press(turn)
    if incoming.kind == "text" and incoming.text.strip():
        return question(turn)
    return media(turn)


def question(turn: Turn) -> Outcome:
    """Answer free text in its own language; count it, and keep it for staff if declined."""
    incoming, state = turn.incoming, turn.state
    lang, match, replies = answers.answer(turn.snap, turn.tr, incoming.text, state,
                                          incoming.client_lang,
                                          person=handoff.reachable(turn))
    asked = Asked(lang, state.group, match.decision, match.entry)
    if state.lang is None and answers.written_in(turn.snap, incoming.text) == lang:
        # never chose a language: the one they (surely) wrote in is kept for short,
        # unclear messages; a chosen one is not changed by one message
        state = replace(state, lang=lang)
    if match.decision == "handoff":
        found = handoff.ask(turn, lang)
        return Outcome(found.replies, found.state, (asked,))
    if match.decision == "smalltalk":  # counted apart, never kept as unanswered
        return Outcome(replies, state, (asked,))
    effects: list[Effect | Said] = []
    kind = answers.reply_kind(turn.snap.kb, match)
    closest = match.candidates[0].entry if match.candidates else None
    if kind == "decline":
        effects.append(Declined(incoming.text[:answers.MAX_QUESTION], lang, closest))
    effects.append(asked)
    if handoff.reachable(turn) and match.decision in ("answer", "suggest", "decline"):
        effects.append(Said(incoming.user, Question(
            incoming.text[:answers.MAX_QUESTION], lang, kind,
            match.entry if kind == "answer" else None,
            match.suggestions if kind == "suggest" else (), closest)))
    return Outcome(replies, state, tuple(effects))


def media(turn: Turn) -> Outcome:
    """Stickers, photos, voice messages, files, locations, empty messages: a hint."""
    _ = turn.gettext()
    # I18N: reply to stickers, photos, voice messages, files, locations, empty messages
    return Outcome([Text(_("I can only read text messages. Please write your question in a "
                           "few words, or choose a topic with /menu."), turn.lang)], turn.state)


def plain(replies: list[Reply]) -> str:
    """Render replies as plain text, as a user of ``welcome-bot chat`` or ``ask`` reads them."""
    parts: list[str] = []
    for reply in replies:
        if isinstance(reply, Text):
            block = reply.text
            for row in reply.buttons:
                block += "\n" + "  ".join(f"[{b.label}]" for b in row)
            parts.append(block)
        elif isinstance(reply, Card):
            parts.append("\n".join([f"▶ {reply.title}", *(f"   {line}" for line in reply.lines)]))
        elif isinstance(reply, Venue):
            parts.append(f"🗺 {reply.title}: {reply.latitude:.5f}, {reply.longitude:.5f}")
    return "\n\n".join(parts)
