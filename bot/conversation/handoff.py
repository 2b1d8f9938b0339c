"""A person, in the same chat: the user's side of a handoff case. Pure; no I/O.

A request for a person (in words, or the "💬 Ask a person" button under declines and
after 👎) first gets consent: what staff will see (the questions of this conversation and
the language — never name, username, phone or Telegram id) and how soon they usually
answer, with "Yes, connect me" and "Cancel". On yes the relay (``bot.tg.relay``) opens
the case; while it is open the user's messages go to staff (``intercept``) until the user
ends it (button or /stop), staff close it, /forget, or days of silence. Without a staff
chat (or outside a private chat) a request gets the person from ``fallback.yaml``.

The replies the relay sends once it has acted are built here too (``opened``,
``from_staff`` …), so every word the user reads comes from one place and one catalog.
"""

from __future__ import annotations

from functools import partial

from bot.conversation import answers
from bot.conversation.actions import AskPerson, Consent, EndCase, encode
from bot.conversation.case import EndByUser, Mirror, OpenCase, Policy, Said
from bot.conversation.messages import Button, Incoming, Reply, Text
from bot.conversation.turn import Outcome, Turn
from bot.i18n import Translator
from bot.knowledge.loader import Entry, KnowledgeBase
from bot.understanding.emergency import is_emergency
from bot.understanding.language import endonym

MEDIA_NOTE = "[{kind}]"  # what staff see instead of a photo, voice message, file …
CASE_EFFECTS = (Said, OpenCase, Mirror, EndByUser)  # for the relay (Said: kept in memory)


def private(incoming: Incoming) -> bool:
    """A private chat: its id is the user's (cases are never opened from groups)."""
    kind, _colon, uid = incoming.user.partition(":")
    return kind == "tg" and incoming.chat == uid


def reachable(turn: Turn) -> bool:
    """Whether a request for a person can open a case here."""
    return turn.policy.enabled and private(turn.incoming)


def intercept(turn: Turn) -> Outcome | None:
    """While a case is open the user's words go to staff; /stop ends the case. None: the
    bot answers as usual (commands and buttons always reach the bot)."""
    incoming, case = turn.incoming, turn.case
    if incoming.kind == "command" and incoming.command.lower() == "stop" and reachable(turn):
        return end(turn, turn.lang)
    if case is None or not case.open or not private(incoming):
        return None
    if incoming.kind == "text" and incoming.text.strip():
        replies: list[Reply] = []
        if is_emergency(incoming.text):  # staff may be away: the numbers come first
            _ = turn.gettext(case.lang)
            replies.append(Text(_("If someone is in danger right now: call 112 (ambulance, "
                                  "fire brigade) or 110 (police)."), case.lang))
        return Outcome(replies, turn.state,
                       (Mirror(incoming.user, incoming.text, case.lang),))
    if incoming.kind == "media":
        note = MEDIA_NOTE.format(kind=incoming.media or "media")
        return Outcome([], turn.state, (Mirror(incoming.user, note, case.lang, note=True),))
    return None


def press(turn: Turn, action: AskPerson | Consent | EndCase) -> Outcome:
    """The handoff buttons: "Ask a person", the consent answer, "End the conversation"."""
    lang = action.lang or turn.lang
    if isinstance(action, Consent):
        return agree(turn, action.agreed, lang)
    return end(turn, lang) if isinstance(action, EndCase) else ask(turn, lang)


def ask(turn: Turn, lang: str) -> Outcome:
    """Someone asks for a person: consent first — or, without a staff chat, the person to
    contact; a second request while a case is open opens nothing new."""
    kb, state = turn.snap.kb, turn.state
    if not reachable(turn):
        return Outcome(answers.person_fallback(kb, turn.tr, lang, state.group), state)
    if turn.case is not None:
        return Outcome([already_open(turn.tr, lang, turn.case.number)], state)
    return Outcome([consent(turn, lang)], state)


def consent(turn: Turn, lang: str) -> Text:
    """What staff will see and how soon they usually answer; confirm first, cancel second."""
    _ = turn.gettext(lang)
    parts = [_("Shall I connect you with a person from the Welcome Center team? They answer "
               "here, in this chat."),
             _("They will see the questions you write in this conversation and your language "
               "({language}) — never your name, username, phone number or Telegram id.")
             .format(language=endonym(lang))]
    if turn.recent:
        parts.append("\n".join(f"«{q.text}»" for q in turn.recent))
    parts.append(reply_time(turn.tr, lang, turn.policy) + " " + _(
        "While the conversation is open, your messages here go to them; /stop ends it."))
    buttons = ((Button("✅ " + _("Yes, connect me"), encode(Consent(True, lang))),
                Button("✖ " + _("Cancel"), encode(Consent(False, lang)))),)
    return Text("\n\n".join(parts), lang, buttons)


def reply_time(tr: Translator, lang: str, policy: Policy) -> str:
    """How soon staff usually answer — "usually", nothing more is promised."""
    if policy.reply_hours is None:
        _ = partial(tr.gettext, lang)
        return _("They usually answer within one working day.")
    hours = policy.reply_hours
    return tr.plural(lang, "They usually answer within {hours} hour.",
                     "They usually answer within {hours} hours.", hours).format(hours=hours)


def agree(turn: Turn, agreed: bool, lang: str) -> Outcome:
    """The answer to the consent question."""
    _ = turn.gettext(lang)
    state = turn.state
    if not agreed:
        return Outcome([Text(_("OK, nothing was sent to the staff. You can go on asking me."),
                             lang)], state)
    if not reachable(turn) or turn.case is not None:
        return ask(turn, lang)
    incoming = turn.incoming
    # The relay answers once the staff topic exists (or says it could not reach staff).
    return Outcome([], state, (OpenCase(incoming.user, incoming.chat, lang, state.group,
                                        turn.recent),))


def end(turn: Turn, lang: str) -> Outcome:
    """The user ends their case (button or /stop)."""
    _ = turn.gettext(lang)
    if turn.case is None:
        return Outcome([Text(_("There is no open conversation with the staff."), lang)],
                       turn.state)
    return Outcome([Text(_("The conversation with the staff has ended. From now on I answer "
                           "your messages again."), lang)], turn.state,
                   (EndByUser(turn.incoming.user),))


# ---------------------------------------------------------------- replies the relay sends

def already_open(tr: Translator, lang: str, number: int) -> Text:
    _ = partial(tr.gettext, lang)
    return Text(_("You are already in touch with the staff (request #{number}). Just write "
                  "here; /stop ends the conversation.").format(number=number), lang,
                ((end_button(tr, lang),),))


def end_button(tr: Translator, lang: str) -> Button:
    _ = partial(tr.gettext, lang)
    return Button("✖ " + _("End the conversation"), encode(EndCase(lang)))


def opened(tr: Translator, lang: str, number: int, policy: Policy) -> list[Reply]:
    """The case is open: where to write and when to expect an answer."""
    _ = partial(tr.gettext, lang)
    return [Text(_("Done: your request #{number} went to the Welcome Center team. Write here "
                   "what you need; your messages go to them.").format(number=number) + " "
                 + reply_time(tr, lang, policy), lang, ((end_button(tr, lang),),))]


def unavailable(kb: KnowledgeBase, tr: Translator, lang: str,
                group: str | None) -> list[Reply]:
    """The staff chat could not be reached: the person to contact instead."""
    _ = partial(tr.gettext, lang)
    return [Text(_("Sorry, I could not reach the staff just now."), lang),
            *answers.person_fallback(kb, tr, lang, group)]


def from_staff(tr: Translator, lang: str, text: str) -> list[Reply]:
    """A message staff wrote, marked as theirs."""
    _ = partial(tr.gettext, lang)
    return [Text("💬 " + _("Welcome Center staff:") + "\n" + text, lang)]


def staff_answer(kb: KnowledgeBase, tr: Translator, entry: Entry, lang: str,
                 group: str | None) -> list[Reply]:
    """An entry's answer (with its contacts) that staff chose to send."""
    _ = partial(tr.gettext, lang)
    heading = Text("💬 " + _("The Welcome Center staff sent you this answer:"), lang)
    return [heading, *answers.entry_answer(kb, tr, entry, lang, group)]


def closed(tr: Translator, lang: str, policy: Policy, silent: bool = False) -> list[Reply]:
    """Staff closed the case, or it closed itself after days of silence."""
    text = ""
    if silent:
        days = policy.idle_days
        text = tr.plural(lang, "The conversation with the staff ended after {days} day "
                               "without messages.",
                         "The conversation with the staff ended after {days} days without "
                         "messages.", days).format(days=days)
    _ = partial(tr.gettext, lang)
    if not silent:
        text = _("The Welcome Center staff have ended the conversation.")
    again = _("From now on I answer your messages again; tap “Ask a person” to reach the "
              "staff once more.")
    return [Text(text + " " + again, lang)]
