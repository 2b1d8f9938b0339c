"""The conversation core: (Incoming, UserState) → replies and the new state. No channel I/O.

Flows: language choice, menu by group, topic browsing, answering, suggestions, the
honest decline with a human contact, feedback, events and reminders, emergencies first,
privacy and forget. Button actions are short strings (≤ 64 bytes) parsed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.conversation import cards
from bot.conversation.messages import Button, Card, Incoming, Reply, Text, UserState, Venue
from bot.i18n import Translator
from bot.knowledge.loader import GROUPS, Entry, KnowledgeBase
from bot.storage.privacy import scrub
from bot.storage.sqlite import Storage
from bot.understanding.language import DETECT_CONFIDENT, SUPPORTED, detect, endonym, negotiate
from bot.understanding.matching import Index, Match
from bot.understanding.text import clip

WELCOME_CONTACT = "welcome-center"
MAX_QUESTION = 1000  # longer messages are matched on their beginning


@dataclass(frozen=True)
class Snapshot:
    """A knowledge base with its index; replaced whole on reload, never mutated."""

    kb: KnowledgeBase
    index: Index

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Snapshot:
        return cls(kb, Index(kb))


class Conversation:
    """Turns each incoming event into replies; a reload swaps the snapshot whole."""

    def __init__(self, snapshot: Snapshot, translator: Translator, storage: Storage) -> None:
        self.snapshot = snapshot
        self.tr = translator
        self.storage = storage

    # -- helpers --------------------------------------------------------------------------
    def _gettext(self, lang: str) -> Callable[[str], str]:
        return lambda message: self.tr.gettext(lang, message)

    def ui_lang(self, state: UserState, incoming: Incoming) -> str:
        return state.lang or negotiate(incoming.client_lang) or "en"

    # -- entry point ----------------------------------------------------------------------
    def handle(self, incoming: Incoming, state: UserState) -> tuple[list[Reply], UserState]:
        """Answer one incoming event. Never raises for any user input."""
        snap = self.snapshot  # one snapshot for the whole reply, even if a reload happens
        if incoming.kind == "command":
            return self._command(snap, incoming, state)
        if incoming.kind == "button":
            return self._button(snap, incoming, state)
        if incoming.kind == "text" and incoming.text.strip():
            return self.ask(snap, incoming.text, state, incoming.client_lang)
        lang = self.ui_lang(state, incoming)
        _ = self._gettext(lang)
        # I18N: reply to stickers, photos, voice messages, files, locations, empty messages
        return [Text(_("I can only read text messages. Please write your question in a few "
                       "words, or choose a topic with /menu."), lang)], state

    def _command(self, snap: Snapshot, incoming: Incoming, state: UserState):
        lang = self.ui_lang(state, incoming)
        _ = self._gettext(lang)
        command = incoming.command.lower()
        if command == "start":
            state = replace(state, lang=lang)
            return [Text(_("Welcome to Jena! 👋 I answer questions from newcomers — in your "
                           "language — and tell you which office can help."), lang),
                    self._language_picker(lang), self._group_picker(lang)], state
        if command == "language":
            return [self._language_picker(lang)], state
        if command == "menu":
            if state.group:
                return [self._topics(snap, lang, state.group)], state
            return [self._group_picker(lang)], state
        if command == "help":
            return [Text(_("Just write your question in your own words, in any of these "
                           "languages: {languages}.\n\n/menu – topics for refugees, students, "
                           "skilled workers and visitors\n/events – upcoming events such as "
                           "the welcome day\n/language – change the language\n/privacy – what "
                           "I store\n/forget – delete everything I store about you\n\nIn an "
                           "emergency call 112 (fire, ambulance) or 110 (police).").format(
                               languages=", ".join(endonym(c) for c in SUPPORTED)), lang)], state
        if command == "events":
            return self._events(snap, incoming, lang), state
        if command == "privacy":
            return [Text(_("What I store: your language, the group you chose and the "
                           "reminders you subscribed to, so that I remember them. Questions I "
                           "could not answer and your helpful / not helpful votes are kept "
                           "for the Welcome Center staff to improve the answers — without your "
                           "name or Telegram id, with phone numbers and e-mail addresses "
                           "removed, and deleted after 180 days. I do not store your other "
                           "messages.\n\n/forget deletes everything stored about you."),
                         lang)], state
        if command == "forget":
            self.storage.forget(incoming.user)
            return [Text(_("Done: I deleted your language, group and reminders. If you write "
                           "again, I start from the beginning."), lang)], UserState()
        # I18N: {command} is what the user typed, e.g. /foo
        return [Text(_("I don't know the command {command}. See /help for what I can do.")
                     .format(command="/" + clip(incoming.command, 32)), lang)], state

    def _button(self, snap: Snapshot, incoming: Incoming, state: UserState):
        lang = self.ui_lang(state, incoming)
        # Buttons under an answer carry the answer's language: "topic:housing|uk".
        data, _bar, tag = incoming.data.partition("|")
        if tag in SUPPORTED:
            lang = tag
        _ = self._gettext(lang)
        kind, _sep, value = data.partition(":")
        if kind == "lang" and value in SUPPORTED:
            state = replace(state, lang=value)
            _ = self._gettext(value)
            return [Text(_("OK, I will answer in {language}.").format(language=endonym(value)),
                         value), self._group_picker(value)], state
        if kind == "grp" and value in GROUPS:
            state = replace(state, group=value)
            return [self._topics(snap, lang, value)], state
        if kind == "menu":
            return [self._group_picker(lang)], state
        if kind == "topic" and value in snap.kb.entries:
            return self._answer(snap, snap.kb.entries[value], lang, None), state
        if kind == "fb":
            entry_id, _sep, vote = value.rpartition(":")
            if entry_id in snap.kb.entries and vote in ("1", "0"):
                self.storage.record_feedback(entry_id, lang, vote == "1")
                if vote == "1":
                    return [Text(_("Thank you for your feedback!"), lang)], state
                contact = snap.kb.contacts.get(WELCOME_CONTACT)
                replies: list[Reply] = [Text(_("Thank you — I will pass this on. For personal "
                                               "help, the Welcome Center is there for you:"),
                                             lang)]
                if contact:
                    replies.append(cards.contact_card(contact, lang, self._labels(lang)))
                return replies, state
        if kind in ("sub", "unsub") and value in snap.kb.events:
            event = snap.kb.events[value]
            _l, text = event.localized(lang)
            if kind == "sub":
                self.storage.subscribe(incoming.user, incoming.chat, value, lang)
                return [Text(_("I will remind you the day before “{event}”. /forget removes "
                               "all reminders.").format(event=text.title), lang)], state
            self.storage.unsubscribe(incoming.user, value)
            return [Text(_("Reminder for “{event}” cancelled.").format(event=text.title),
                         lang)], state
        # Forged data, or a button from an old message after the knowledge base changed.
        return [Text(_("This button is out of date. Here is the current menu:"), lang),
                self._group_picker(lang)], state

    # -- answering ------------------------------------------------------------------------
    def ask(self, snap: Snapshot, text: str, state: UserState, client_lang: str | None = None,
            lang: str | None = None) -> tuple[list[Reply], UserState]:
        """Answer a free-text question; the reply language is the question's own."""
        lang, match, replies = self.answer(snap, text, state, client_lang, lang)
        self.storage.record_question(lang, state.group, match.decision, match.entry)
        return replies, state

    def answer(self, snap: Snapshot, text: str, state: UserState,
               client_lang: str | None = None,
               lang: str | None = None) -> tuple[str, Match, list[Reply]]:
        """Detect the language once, match, reply: (answer language, verdict, replies).

        The reply is in the message's own language when the detector is sure, else in the
        user's chosen one; ``lang`` forces it (``welcome-bot ask --lang``).
        """
        question = text[:MAX_QUESTION]
        found = detect(question, snap.index.ignore)
        sure = found.confidence >= DETECT_CONFIDENT
        fallback = state.lang or negotiate(client_lang)
        lang = lang or (found.lang if sure or not fallback else fallback)
        match = snap.index.match(question, found.lang if sure else "")
        return lang, match, self.reply_for(snap, match, lang, question)

    def reply_for(self, snap: Snapshot, match: Match, lang: str, question: str) -> list[Reply]:
        """The replies for a matcher verdict (also used by ``welcome-bot ask``)."""
        _ = self._gettext(lang)
        if match.decision == "answer" and match.entry in snap.kb.entries:
            replies = self._answer(snap, snap.kb.entries[match.entry], lang, match)
            if match.emergency and not snap.kb.entries[match.entry].emergency:
                replies.insert(0, Text(_("If someone is in danger right now: call 112 "
                                         "(ambulance, fire brigade) or 110 (police)."), lang))
            if match.suggestions:
                heading = (_("If your question was about something else:") if match.emergency
                           else _("Related topics:"))
                replies.append(self._suggest_buttons(snap, lang, match.suggestions, heading))
            return replies
        if match.decision == "suggest" and match.suggestions:
            return [self._suggest_buttons(snap, lang, match.suggestions, _("Did you mean…"))]
        closest = match.candidates[0].entry if match.candidates else None
        self.storage.record_declined(scrub(question), lang, closest)
        kind = snap.kb.not_covered.get(match.not_covered or "")
        hint = kind.hint(lang) if kind else ""
        if hint:
            # A kind of question the welcome services do not cover: say so and where such
            # things are handled, rather than "I don't know yet".
            replies: list[Reply] = [Text(hint, lang), Text(_("The Welcome Center can help "
                                                             "you in person:"), lang)]
        else:
            replies = [Text(_("I don't know the answer to this yet, sorry. I have passed your "
                              "question on (without your name) so that the answers get "
                              "better. The Welcome Center can help you in person:"), lang)]
        contact = snap.kb.contacts.get(WELCOME_CONTACT)
        if contact:
            replies.append(cards.contact_card(contact, lang, self._labels(lang)))
        if match.suggestions:
            replies.append(self._suggest_buttons(snap, lang, match.suggestions,
                                                 _("Maybe one of these topics helps:")))
        replies.append(Text(_("You can also choose a topic:"), lang,
                            ((Button(_("Topics"), "menu"),),)))
        return replies

    def _answer(self, snap: Snapshot, entry: Entry, lang: str, match: Match | None) -> list[Reply]:
        _ = self._gettext(lang)
        used, text = entry.localized(lang)
        body = text.answer
        if used != lang:
            # I18N: shown above an answer that exists only in another language
            body = _("(This answer is not available in your language yet; here it is in "
                     "{language}.)").format(language=endonym(used)) + "\n\n" + body
        if entry.links:
            body += "\n\n" + "\n".join(f"🔗 {link}" for link in entry.links)
        replies: list[Reply] = [Text(body, used)]
        for cid in entry.contacts:
            contact = snap.kb.contacts.get(cid)
            if contact is None:
                continue
            replies.append(cards.contact_card(contact, lang, self._labels(lang)))
            pin = cards.venue(contact, lang)
            if pin:
                replies.append(pin)
        if not entry.emergency:
            replies.append(Text(_("Did this answer help you?"), lang, ((
                Button("👍 " + _("Helpful"), f"fb:{entry.id}:1|{lang}"),
                Button("👎 " + _("Not helpful"), f"fb:{entry.id}:0|{lang}"),
            ),)))
        return replies

    def _suggest_buttons(self, snap: Snapshot, lang: str, ids: tuple[str, ...],
                         heading: str) -> Text:
        rows = tuple(
            (Button(snap.kb.entries[i].localized(lang)[1].title, f"topic:{i}|{lang}"),)
            for i in ids if i in snap.kb.entries
        )
        return Text(heading, lang, rows)

    # -- menus ----------------------------------------------------------------------------
    def _language_picker(self, lang: str) -> Text:
        _ = self._gettext(lang)
        buttons = [Button(endonym(code), f"lang:{code}") for code in SUPPORTED]
        rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
        return Text(_("Choose your language:"), lang, rows)

    def _group_picker(self, lang: str) -> Text:
        _ = self._gettext(lang)
        labels = {
            "refugee": _("Refugee / new citizen"), "student": _("Student"),
            "worker": _("Skilled worker"), "tourist": _("Tourist or business visitor"),
        }
        rows = tuple((Button(label, f"grp:{group}"),) for group, label in labels.items())
        return Text(_("Who are you? Choose to see the topics for you — or just write your "
                      "question."), lang, rows)

    def _topics(self, snap: Snapshot, lang: str, group: str) -> Text:
        _ = self._gettext(lang)
        entries = [e for e in snap.kb.entries.values()
                   if group in e.groups or "all" in e.groups or group == "all"]
        titled = sorted(((group not in e.groups, e.localized(lang)[1].title, e.id)
                         for e in entries), key=lambda t: (t[0], t[1].casefold()))
        rows = tuple((Button(title, f"topic:{eid}|{lang}"),) for _o, title, eid in titled)
        rows += ((Button("↩ " + _("Other groups"), "menu"),),)
        return Text(_("Topics — tap one:"), lang, rows)

    def _events(self, snap: Snapshot, incoming: Incoming, lang: str) -> list[Reply]:
        _ = self._gettext(lang)
        events = cards.upcoming(list(snap.kb.events.values()), incoming.now)
        # Students look for the welcome day first.
        events.sort(key=lambda e: e.entry != "welcome-day")
        if not events:
            return [Text(_("There are no upcoming events in my calendar right now."), lang)]
        replies: list[Reply] = [Text(self.tr.plural(
            lang, "{n} event:", "{n} events:", len(events)).format(n=len(events)), lang)]
        subscribed = set(self.storage.subscriptions(incoming.user))
        for event in events:
            used, text = event.localized(lang)
            when = cards.event_when(event, lang) or _("Date not announced yet")
            lines = [f"📅 {when}"]
            if event.place:
                lines.append(f"📍 {event.place}")
            body = f"{text.title}\n" + "\n".join(lines) + f"\n\n{text.description}"
            if event.url:
                body += f"\n🔗 {event.url}"
            buttons: tuple[tuple[Button, ...], ...] = ()
            if event.start is not None:
                if event.id in subscribed:
                    buttons = ((Button(_("Cancel reminder"), f"unsub:{event.id}"),),)
                else:
                    buttons = ((Button("🔔 " + _("Remind me the day before"),
                                       f"sub:{event.id}"),),)
            replies.append(Text(body, used, buttons))
        return replies

    def announcement(self, snap: Snapshot, event_id: str, lang: str) -> list[Reply]:
        """The announcement of an event for one subscriber, in their language."""
        event = snap.kb.events[event_id]
        used, text = event.localized(lang)
        lines = [f"📣 {text.title}"]
        when = cards.event_when(event, lang)
        if when:
            lines.append(f"📅 {when}")
        if event.place:
            lines.append(f"📍 {event.place}")
        body = "\n".join(lines) + f"\n\n{text.description}"
        if event.url:
            body += f"\n🔗 {event.url}"
        return [Text(body, used)]

    def _labels(self, lang: str) -> dict[str, str]:
        _ = self._gettext(lang)
        return {"hours": _("Opening hours")}


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
