"""Menus: the language picker, the group picker and a group's topics list."""

from __future__ import annotations

from functools import partial

from bot.conversation.actions import ChooseGroup, ChooseLanguage, ShowMenu, ShowTopic, encode
from bot.conversation.messages import Button, Text
from bot.i18n import Translator
from bot.knowledge.loader import KnowledgeBase
from bot.understanding.language import SUPPORTED, endonym


def language_picker(tr: Translator, lang: str) -> Text:
    """Every supported language, each named in itself, two per row."""
    _ = partial(tr.gettext, lang)
    buttons = [Button(endonym(code), encode(ChooseLanguage(code))) for code in SUPPORTED]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    return Text(_("Choose your language:"), lang, rows)


def group_picker(tr: Translator, lang: str) -> Text:
    """Who the user is: refugee, student, skilled worker or visitor."""
    _ = partial(tr.gettext, lang)
    labels = {
        "refugee": _("Refugee / new citizen"), "student": _("Student"),
        "worker": _("Skilled worker"), "tourist": _("Tourist or business visitor"),
    }
    rows = tuple((Button(label, encode(ChooseGroup(group))),)
                 for group, label in labels.items())
    return Text(_("Who are you? Choose to see the topics for you — or just write your "
                  "question."), lang, rows)


def topics(kb: KnowledgeBase, tr: Translator, lang: str, group: str) -> Text:
    """The group's topics by title, then those for everyone; a way back to the groups."""
    _ = partial(tr.gettext, lang)
    entries = [e for e in kb.entries.values()
               if group in e.groups or "all" in e.groups or group == "all"]
    titled = sorted(((group not in e.groups, e.localized(lang)[1].title, e.id)
                     for e in entries), key=lambda t: (t[0], t[1].casefold()))
    rows = tuple((Button(title, encode(ShowTopic(eid, lang))),) for _o, title, eid in titled)
    rows += ((Button("↩ " + _("Other groups"), encode(ShowMenu())),),)
    return Text(_("Topics — tap one:"), lang, rows)
