"""Interface strings of the Telegram adapter (command menu, profile texts, apology).

Marked here for extraction with ``_`` and translated per user at run time.
"""

from __future__ import annotations

COMMANDS = ("start", "menu", "events", "language", "help", "privacy", "forget")


def _(message: str) -> str:
    """Mark for extraction; translated per user at run time."""
    return message


# I18N: command menu entries and the bot's profile texts
DESCRIPTIONS = {
    "start": _("Start and choose your language"),
    "menu": _("Topics for refugees, students, workers, visitors"),
    "events": _("Upcoming events and the welcome day"),
    "language": _("Change the language"),
    "help": _("What I can do"),
    "privacy": _("What I store about you"),
    "forget": _("Delete everything I store about you"),
}
ABOUT = _("Welcome to Jena! Ask me about registering your address, the foreigners' "
          "authority, German courses, housing, jobs, studying and more — in your language. "
          "I tell you which office helps, with address, opening hours and phone where "
          "known. In an "
          "emergency call 112 or 110.")
SHORT_ABOUT = _("Questions about life in Jena? Ask in your language.")
APOLOGY = _("Sorry, something went wrong on my side. Please try again in a moment.")
