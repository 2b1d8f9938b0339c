"""Answering a question: detect its language, match (pure), build the replies (pure).

Nothing here writes anywhere: what a question leaves for staff (counts, the declined
question) is worked out by the caller from the verdict and recorded in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

from bot.conversation import cards
from bot.conversation.actions import ShowMenu, ShowTopic, Vote, encode
from bot.conversation.messages import Button, Reply, Text, UserState
from bot.conversation.snapshot import Snapshot
from bot.i18n import Translator
from bot.knowledge.loader import Entry, KnowledgeBase
from bot.understanding.language import DETECT_CONFIDENT, detect, endonym, negotiate
from bot.understanding.matching import Match

WELCOME_CONTACT = "welcome-center"
MAX_QUESTION = 1000  # longer messages are matched on their beginning

ReplyKind = Literal["answer", "suggest", "decline"]


def answer(snap: Snapshot, tr: Translator, text: str, state: UserState,
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
    return lang, match, reply_for(snap.kb, tr, match, lang)


def reply_kind(kb: KnowledgeBase, match: Match) -> ReplyKind:
    """What the user gets for a verdict: an answer, suggestions, or the honest decline."""
    if match.decision == "answer" and match.entry in kb.entries:
        return "answer"
    if match.decision == "suggest" and match.suggestions:
        return "suggest"
    return "decline"


def reply_for(kb: KnowledgeBase, tr: Translator, match: Match, lang: str) -> list[Reply]:
    """The replies for a matcher verdict."""
    _ = partial(tr.gettext, lang)
    kind = reply_kind(kb, match)
    if kind == "answer" and match.entry is not None:
        return _answered(kb, tr, match, kb.entries[match.entry], lang)
    if kind == "suggest":
        return [suggestions(kb, lang, match.suggestions, _("Did you mean…"))]
    return _declined(kb, tr, match, lang)


def _answered(kb: KnowledgeBase, tr: Translator, match: Match, entry: Entry,
              lang: str) -> list[Reply]:
    _ = partial(tr.gettext, lang)
    replies = entry_answer(kb, tr, entry, lang)
    if match.emergency and not entry.emergency:
        replies.insert(0, Text(_("If someone is in danger right now: call 112 (ambulance, "
                                 "fire brigade) or 110 (police)."), lang))
    if match.suggestions:
        heading = (_("If your question was about something else:") if match.emergency
                   else _("Related topics:"))
        replies.append(suggestions(kb, lang, match.suggestions, heading))
    return replies


def _declined(kb: KnowledgeBase, tr: Translator, match: Match, lang: str) -> list[Reply]:
    _ = partial(tr.gettext, lang)
    kind = kb.not_covered.get(match.not_covered or "")
    hint = kind.hint(lang) if kind else ""
    replies: list[Reply]
    if hint:
        # A kind of question the welcome services do not cover: say so and where such
        # things are handled, rather than "I don't know yet".
        replies = [Text(hint, lang), Text(_("The Welcome Center can help you in person:"),
                                          lang)]
    else:
        replies = [Text(_("I don't know the answer to this yet, sorry. I have passed your "
                          "question on (without your name) so that the answers get "
                          "better. The Welcome Center can help you in person:"), lang)]
    replies.extend(welcome_center(kb, tr, lang))
    if match.suggestions:
        replies.append(suggestions(kb, lang, match.suggestions,
                                   _("Maybe one of these topics helps:")))
    replies.append(Text(_("You can also choose a topic:"), lang,
                        ((Button(_("Topics"), encode(ShowMenu())),),)))
    return replies


def entry_answer(kb: KnowledgeBase, tr: Translator, entry: Entry, lang: str) -> list[Reply]:
    """An entry's answer, its contacts with map pins, and the feedback question."""
    _ = partial(tr.gettext, lang)
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
        contact = kb.contacts.get(cid)
        if contact is not None:
            replies.append(cards.contact_card(contact, lang, labels(_)))
            pin = cards.venue(contact, lang)
            replies.extend([pin] if pin else [])
    if not entry.emergency:
        replies.append(Text(_("Did this answer help you?"), lang, ((
            Button("👍 " + _("Helpful"), encode(Vote(entry.id, True, lang))),
            Button("👎 " + _("Not helpful"), encode(Vote(entry.id, False, lang))),
        ),)))
    return replies


def suggestions(kb: KnowledgeBase, lang: str, ids: tuple[str, ...], heading: str) -> Text:
    """A heading with one button per suggested entry."""
    rows = tuple(
        (Button(kb.entries[i].localized(lang)[1].title, encode(ShowTopic(i, lang))),)
        for i in ids if i in kb.entries
    )
    return Text(heading, lang, rows)


def welcome_center(kb: KnowledgeBase, tr: Translator, lang: str) -> list[Reply]:
    """The Welcome Center's card, if the knowledge base has it."""
    contact = kb.contacts.get(WELCOME_CONTACT)
    if contact is None:
        return []
    return [cards.contact_card(contact, lang, labels(partial(tr.gettext, lang)))]


def labels(_: Callable[[str], str]) -> dict[str, str]:
    """The card labels in the reader's language."""
    return {"hours": _("Opening hours")}
