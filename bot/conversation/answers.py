"""Answering a question: detect its language, match (pure), build the replies (pure).

Nothing here writes anywhere: what a question leaves for staff (counts, the declined
question) is worked out by the caller from the verdict and recorded in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

from bot.conversation import cards
from bot.conversation.actions import AskPerson, MoreContacts, ShowMenu, ShowTopic, Vote, encode
from bot.conversation.menus import language_picker
from bot.conversation.messages import Button, Reply, Text, UserState
from bot.conversation.snapshot import Snapshot
from bot.i18n import Translator
from bot.knowledge.loader import Contact, Entry, KnowledgeBase
from bot.understanding import foreign_topics
from bot.understanding.foreign import identify, sure_lang
from bot.understanding.language import (
    DETECT_CONFIDENT,
    FALLBACK,
    SUPPORTED,
    Detection,
    detect,
    endonym,
    negotiate,
)
from bot.understanding.matching import Match

WELCOME_CONTACT = "welcome-center"  # the person named when fallback.yaml names nobody
MAX_QUESTION = 1000  # longer messages are matched on their beginning
SHOWN_CONTACTS = 2  # contact cards under an answer; the others behind "More contacts"
SHOWN_LINKS = 1  # links under an answer; the others behind "More contacts"

ReplyKind = Literal["answer", "suggest", "decline"]


def answer(snap: Snapshot, tr: Translator, text: str, state: UserState,
           client_lang: str | None = None, lang: str | None = None,
           person: bool = False, detected: Detection | None = None,
           ) -> tuple[str, Match, list[Reply]]:
    """Detect the language once, match, reply: (answer language, verdict, replies).

    The reply is in the message's own language when the detector is sure, else in the
    user's chosen one; ``lang`` forces it (``welcome-bot ask --lang``). ``person``: a
    declined question gets the "Ask a person" button (a staff chat is set up).
    ``detected``: ``foreign.identify`` of the first ``MAX_QUESTION`` characters, when
    the caller has it already (``welcome-bot ask`` reports it as ``asked_in``).
    """
    question = text[:MAX_QUESTION]
    found = detected if detected is not None else identify(question, snap.index.ignore,
                                                           snap.index.romanised)
    sure = found.confidence >= DETECT_CONFIDENT
    fallback = state.lang or negotiate(client_lang)
    if sure and found.lang not in SUPPORTED:  # a language the bot does not speak (yet)
        lang = lang or fallback or FALLBACK
        question = foreign_topics.set_apart(question)  # "办理Anmeldung": the German term apart
        found_topics = foreign_topics.topic_words().found(question, snap.kb.entries)
        match = foreign_topics.offer(snap.index.match(question, ""), found_topics)
        replies = reply_for(snap.kb, tr, match, lang, state.group, person)
        return lang, match, [unsupported_note(tr, lang), *replies]
    lang = lang or (found.lang if sure or not fallback else fallback)
    match = snap.index.match(question, found.lang if sure else "")
    return lang, match, reply_for(snap.kb, tr, match, lang, state.group, person)


def unsupported_note(tr: Translator, lang: str) -> Text:
    """One line naming the languages the bot reads (each in itself), with their buttons."""
    _ = partial(tr.gettext, lang)
    picker = language_picker(tr, lang)
    names = ", ".join(endonym(code) for code in SUPPORTED)
    # I18N: {languages} lists the supported languages, each named in itself
    return Text(_("I can read {languages}. Choose your language, or write in one of "
                  "them:").format(languages=names), lang, picker.buttons)


def written_in(snap: Snapshot, text: str) -> str | None:
    """The language a message is surely written in, else None (a lone German term)."""
    return sure_lang(detect(text[:MAX_QUESTION], snap.index.ignore, snap.index.romanised))


def reply_kind(kb: KnowledgeBase, match: Match) -> ReplyKind:
    """What the user gets for a verdict: an answer, suggestions, or the honest decline."""
    if match.decision == "answer" and match.entry in kb.entries:
        return "answer"
    if match.decision == "suggest" and match.suggestions:
        return "suggest"
    return "decline"


def reply_for(kb: KnowledgeBase, tr: Translator, match: Match, lang: str,
              group: str | None = None, person: bool = False) -> list[Reply]:
    """The replies for a matcher verdict; ``group`` picks the person named on a decline."""
    _ = partial(tr.gettext, lang)
    if match.decision == "handoff":  # asked for a person (with a staff chat: handoff.ask)
        return person_fallback(kb, tr, lang, group)
    if match.decision == "smalltalk":
        return smalltalk(kb, tr, match, lang)
    kind = reply_kind(kb, match)
    if kind == "answer" and match.entry is not None:
        return _answered(kb, tr, match, kb.entries[match.entry], lang, group)
    if kind == "suggest":
        return [suggestions(kb, lang, match.suggestions, _("Did you mean…"))]
    return _declined(kb, tr, match, lang, group, person)


def smalltalk(kb: KnowledgeBase, tr: Translator, match: Match, lang: str) -> list[Reply]:
    """The small-talk kind's short reply, leading on to the topics."""
    _ = partial(tr.gettext, lang)
    kind = kb.smalltalk.get(match.kind or "")
    text = kind.reply(lang) if kind else ""
    rows: tuple[tuple[Button, ...], ...] = ((Button(_("Topics"), encode(ShowMenu())),),)
    return [Text(text or _("You can also choose a topic:"), lang, rows)]


def _answered(kb: KnowledgeBase, tr: Translator, match: Match, entry: Entry,
              lang: str, group: str | None) -> list[Reply]:
    _ = partial(tr.gettext, lang)
    replies = entry_answer(kb, tr, entry, lang, group)
    if match.emergency and not entry.emergency:
        replies.insert(0, Text(_("If someone is in danger right now: call 112 (ambulance, "
                                 "fire brigade) or 110 (police)."), lang))
    if match.also:  # a second question in the message: its topic right under the answer
        # I18N: above a button for the second question of a message that asked two
        replies.insert(1, suggestions(kb, lang, match.suggestions, _("You also asked about:")))
    elif match.suggestions:
        heading = (_("If your question was about something else:") if match.emergency
                   else _("Related topics:"))
        replies.append(suggestions(kb, lang, match.suggestions, heading))
    return replies


def _declined(kb: KnowledgeBase, tr: Translator, match: Match, lang: str,
              group: str | None, person: bool = False) -> list[Reply]:
    _ = partial(tr.gettext, lang)
    kind = kb.not_covered.get(match.not_covered or "")
    hint = kind.hint(lang) if kind else ""
    # A kind of question the welcome services do not cover: say so and where such things
    # are handled, rather than "I don't know yet".
    replies: list[Reply] = [Text(hint or _(
        "I don't know the answer to this yet, sorry. I have passed your question on "
        "(without your name) so that the answers get better."), lang)]
    replies.extend(a_person(kb, tr, lang, group))
    if match.suggestions:
        replies.append(suggestions(kb, lang, match.suggestions,
                                   _("Maybe one of these topics helps:")))
    rows: tuple[tuple[Button, ...], ...] = ((Button(_("Topics"), encode(ShowMenu())),),)
    if person:
        rows += ((person_button(tr, lang),),)
    replies.append(Text(_("You can also choose a topic:"), lang, rows))
    return replies


def person_button(tr: Translator, lang: str) -> Button:
    """"💬 Ask a person": opens a conversation with staff (after consent)."""
    _ = partial(tr.gettext, lang)
    return Button("💬 " + _("Ask a person"), encode(AskPerson(lang)))


def person_fallback(kb: KnowledgeBase, tr: Translator, lang: str,
                    group: str | None) -> list[Reply]:
    """Someone asks for a person and no staff chat can take it: the contact that fits
    them — never an empty reply."""
    found = a_person(kb, tr, lang, group)
    kind = kb.smalltalk.get("person")
    if found and kind and kind.reply(lang):
        return [Text(kind.reply(lang), lang), *found[1:]]  # the kind's line, then the card
    if found:
        return found
    _ = partial(tr.gettext, lang)
    return [Text(_("Sorry, I cannot name a contact person right now. Please try again "
                   "later."), lang)]


def entry_answer(kb: KnowledgeBase, tr: Translator, entry: Entry, lang: str,
                 group: str | None = None) -> list[Reply]:
    """An entry's answer with its first link, up to two contacts a person can reach (with
    map pins), a "More contacts" button for the rest, and the feedback question."""
    _ = partial(tr.gettext, lang)
    used, text = entry.localized(lang)
    body = text.answer
    if used != lang:
        # I18N: shown above an answer that exists only in another language
        body = _("(This answer is not available in your language yet; here it is in "
                 "{language}.)").format(language=endonym(used)) + "\n\n" + body
    shown, links = _limits(entry)
    body += "".join(f"\n\n🔗 {link}" for link in entry.links[:links])
    replies: list[Reply] = [Text(body, used)]
    reachable = reachable_contacts(kb, entry)
    if reachable:
        replies.extend(contact_cards(tr, reachable[:shown], lang))
    else:  # nobody on this route can be reached: name the person for the user's group
        replies.extend(a_person(kb, tr, lang, group))
    if entry.emergency:
        return replies  # no vote, and nothing held back in an emergency
    rows: list[tuple[Button, ...]] = [(
        Button("👍 " + _("Helpful"), encode(Vote(entry.id, True, lang))),
        Button("👎 " + _("Not helpful"), encode(Vote(entry.id, False, lang))))]
    if reachable[shown:] or entry.links[links:]:
        rows.append((Button("➕ " + _("More contacts"), encode(MoreContacts(entry.id, lang))),))
    replies.append(Text(_("Did this answer help you?"), lang, tuple(rows)))
    return replies


def _limits(entry: Entry) -> tuple[int, int]:
    """How many contacts and links show under the answer; an emergency shows them all."""
    if entry.emergency:
        return len(entry.contacts), len(entry.links)
    return SHOWN_CONTACTS, SHOWN_LINKS


def more_contacts(kb: KnowledgeBase, tr: Translator, entry: Entry, lang: str) -> list[Reply]:
    """The contacts and links that ``entry_answer`` left behind the "More contacts" button."""
    shown, links = _limits(entry)
    replies: list[Reply] = []
    if entry.links[links:]:
        replies.append(Text("\n".join(f"🔗 {link}" for link in entry.links[links:]), lang))
    replies.extend(contact_cards(tr, reachable_contacts(kb, entry)[shown:], lang))
    return replies


def reachable_contacts(kb: KnowledgeBase, entry: Entry) -> list[Contact]:
    """The entry's contacts a person can reach (phone, e-mail or address), in its order."""
    found = (kb.contacts.get(cid) for cid in entry.contacts)
    return [c for c in found if c is not None and c.reachable]


def contact_cards(tr: Translator, contacts: list[Contact], lang: str) -> list[Reply]:
    """A card per contact, each followed by its map pin when there is one."""
    replies: list[Reply] = []
    for contact in contacts:
        replies.append(cards.contact_card(contact, lang, labels(partial(tr.gettext, lang))))
        pin = cards.venue(contact, lang)
        replies.extend([pin] if pin else [])
    return replies


def suggestions(kb: KnowledgeBase, lang: str, ids: tuple[str, ...], heading: str) -> Text:
    """A heading with one button per suggested entry."""
    rows = tuple(
        (Button(kb.entries[i].localized(lang)[1].title, encode(ShowTopic(i, lang))),)
        for i in ids if i in kb.entries
    )
    return Text(heading, lang, rows)


def fallback_contact(kb: KnowledgeBase, group: str | None) -> Contact | None:
    """The person for someone the bot cannot help: their group's (fallback.yaml), else the
    general one, else the Welcome Center when a person can reach it."""
    contact = kb.fallback_contact(group)
    if contact is None:
        contact = kb.contacts.get(WELCOME_CONTACT)
    return contact if contact is not None and contact.reachable else None


def a_person(kb: KnowledgeBase, tr: Translator, lang: str, group: str | None) -> list[Reply]:
    """"You can reach a person here:" and the card — or nothing when nobody is reachable
    (the bot then promises nothing)."""
    contact = fallback_contact(kb, group)
    if contact is None:
        return []
    _ = partial(tr.gettext, lang)
    return [Text(_("You can reach a person here:"), lang),
            *contact_cards(tr, [contact], lang)]


def labels(_: Callable[[str], str]) -> dict[str, str]:
    """The card labels in the reader's language."""
    return {"hours": _("Opening hours")}
