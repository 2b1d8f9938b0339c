"""The user commands: /start /language /menu /help /events /privacy /forget (and unknown)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.conversation import events, menus
from bot.conversation.messages import Text, UserState
from bot.conversation.record import Forgotten
from bot.conversation.turn import Outcome, Turn
from bot.understanding.language import SUPPORTED, endonym
from bot.understanding.text import clip


def run(turn: Turn) -> Outcome:
    """Answer a command; unknown ones (staff commands included) get the same reply."""
    command = COMMANDS.get(turn.incoming.command.lower(), unknown)
    return command(turn)


def start(turn: Turn) -> Outcome:
    """Greet, remember the interface language, offer languages and groups."""
    lang = turn.lang
    _ = turn.gettext()
    return Outcome([Text(_("Welcome to Jena! 👋 I answer questions from newcomers — in your "
                           "language — and tell you which office can help."), lang),
                    menus.language_picker(turn.tr, lang), menus.group_picker(turn.tr, lang)],
                   replace(turn.state, lang=lang))


def language(turn: Turn) -> Outcome:
    """Offer the languages."""
    return Outcome([menus.language_picker(turn.tr, turn.lang)], turn.state)


def menu(turn: Turn) -> Outcome:
    """The topics of the user's group, or the groups when none is chosen yet."""
    if turn.state.group:
        return Outcome([menus.topics(turn.snap.kb, turn.tr, turn.lang, turn.state.group)],
                       turn.state)
    return Outcome([menus.group_picker(turn.tr, turn.lang)], turn.state)


def help_(turn: Turn) -> Outcome:
    """What the bot can do, and the emergency numbers."""
    _ = turn.gettext()
    return Outcome([Text(_("Just write your question in your own words, in any of these "
                           "languages: {languages}.\n\n/menu – topics for refugees, students, "
                           "skilled workers and visitors\n/events – upcoming events such as "
                           "the welcome day\n/language – change the language\n/privacy – what "
                           "I store\n/forget – delete everything I store about you\n\nIn an "
                           "emergency call 112 (fire, ambulance) or 110 (police).").format(
                               languages=", ".join(endonym(c) for c in SUPPORTED)),
                         turn.lang)], turn.state)


def events_(turn: Turn) -> Outcome:
    """Upcoming events with reminder buttons."""
    incoming = turn.incoming
    subscribed = set(turn.subscriptions(incoming.user))
    return Outcome(events.listing(turn.snap.kb.events.values(), turn.lang, turn.tr,
                                  incoming.now, subscribed), turn.state)


def privacy(turn: Turn) -> Outcome:
    """What is stored, for whom, for how long."""
    _ = turn.gettext()
    return Outcome([Text(_("What I store: your language, the group you chose and the "
                           "reminders you subscribed to, so that I remember them. Questions I "
                           "could not answer are kept for the Welcome Center staff to improve "
                           "the answers — without your name or Telegram id, with names, street "
                           "addresses, phone numbers and e-mail addresses removed as far as "
                           "possible. Your helpful / not helpful votes count once per answer "
                           "and are kept under a code that is not your Telegram id. Both are "
                           "deleted after 180 days. I do not store your other messages."
                           "\n\n/forget deletes everything stored about you."),
                         turn.lang), _handoff_privacy(turn)], turn.state)


def _handoff_privacy(turn: Turn) -> Text:
    """What a conversation with staff (handoff) keeps, and for how long."""
    days = turn.policy.idle_days
    return Text(turn.tr.plural(
        turn.lang,
        "If you ask to talk to a person: the Welcome Center staff see the questions of that "
        "conversation, what you write while it is open, and your language — never your "
        "name, username, phone number or Telegram id. While it is open I keep which chat "
        "it belongs to and your first question; both are deleted when it ends (/stop, staff "
        "end it, or after {days} day without messages).",
        "If you ask to talk to a person: the Welcome Center staff see the questions of that "
        "conversation, what you write while it is open, and your language — never your "
        "name, username, phone number or Telegram id. While it is open I keep which chat "
        "it belongs to and your first question; both are deleted when it ends (/stop, staff "
        "end it, or after {days} days without messages).", days).format(days=days), turn.lang)


def forget(turn: Turn) -> Outcome:
    """Delete everything stored about the user; start afresh."""
    _ = turn.gettext()
    return Outcome([Text(_("Done: I deleted your language, group and reminders. If you write "
                           "again, I start from the beginning."), turn.lang)], UserState(),
                   (Forgotten(turn.incoming.user),))


def unknown(turn: Turn) -> Outcome:
    """Say the command is unknown and point to /help."""
    _ = turn.gettext()
    # I18N: {command} is what the user typed, e.g. /foo
    return Outcome([Text(_("I don't know the command {command}. See /help for what I can do.")
                         .format(command="/" + clip(turn.incoming.command, 32)), turn.lang)],
                   turn.state)


COMMANDS: dict[str, Callable[[Turn], Outcome]] = {
    "start": start, "language": language, "menu": menu, "help": help_, "events": events_,
    "privacy": privacy, "forget": forget,
}
