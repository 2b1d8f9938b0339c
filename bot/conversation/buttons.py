"""Button presses: decode the action, check it against the current knowledge, answer."""

from __future__ import annotations

from dataclasses import replace

from bot.conversation import answers, handoff, menus
from bot.conversation.actions import (
    TAGGED,
    AskPerson,
    ChooseGroup,
    ChooseLanguage,
    Consent,
    EndCase,
    MoreContacts,
    ShowMenu,
    ShowTopic,
    Subscribe,
    Unsubscribe,
    Vote,
    decode,
)
from bot.conversation.messages import Reply, Text
from bot.conversation.record import Subscribed, Unsubscribed, Voted
from bot.conversation.turn import Outcome, Turn
from bot.understanding.language import endonym


def press(turn: Turn) -> Outcome:
    """Run the button's action; forged data or a stale button gets the current menu."""
    kb, tr, state = turn.snap.kb, turn.tr, turn.state
    action = decode(turn.incoming.data)
    match action:
        case ChooseLanguage(lang):
            return _language(turn, lang)
        case ChooseGroup(group):
            return Outcome([menus.topics(kb, tr, turn.lang, group)], replace(state, group=group))
        case ShowMenu():
            return Outcome([menus.group_picker(tr, turn.lang)], state)
        case ShowTopic(entry, lang) if entry in kb.entries:
            return Outcome(answers.entry_answer(kb, tr, kb.entries[entry], lang or turn.lang,
                                                state.group), state)
        case MoreContacts(entry, lang) if entry in kb.entries:
            return Outcome(answers.more_contacts(kb, tr, kb.entries[entry], lang or turn.lang),
                           state)
        case Vote(entry, helpful, lang) if entry in kb.entries:
            return _vote(turn, Vote(entry, helpful, lang or turn.lang))
        case Subscribe(event) | Unsubscribe(event) if event in kb.events:
            return _reminder(turn, action)
        case AskPerson() | Consent() | EndCase():
            return handoff.press(turn, action)
    # An entry or event that is gone: answer in the language the button was made for.
    tagged = action.lang if isinstance(action, TAGGED) else None
    return out_of_date(turn, tagged or turn.lang)


def out_of_date(turn: Turn, lang: str) -> Outcome:
    """Forged data, or a button from an old message after the knowledge base changed."""
    _ = turn.gettext(lang)
    return Outcome([Text(_("This button is out of date. Here is the current menu:"), lang),
                    menus.group_picker(turn.tr, lang)], turn.state)


def _language(turn: Turn, lang: str) -> Outcome:
    _ = turn.gettext(lang)
    return Outcome([Text(_("OK, I will answer in {language}.").format(language=endonym(lang)),
                         lang), menus.group_picker(turn.tr, lang)],
                   replace(turn.state, lang=lang))


def _vote(turn: Turn, vote: Vote) -> Outcome:
    lang = vote.lang or turn.lang
    _ = turn.gettext(lang)
    recorded = (Voted(vote.entry, lang, vote.helpful, turn.incoming.user),)
    if vote.helpful:
        return Outcome([Text(_("Thank you for your feedback!"), lang)], turn.state, recorded)
    replies: list[Reply] = [Text(_("Thank you — I will pass this on."), lang)]
    replies += answers.a_person(turn.snap.kb, turn.tr, lang, turn.state.group)
    if handoff.reachable(turn):
        replies.append(Text(_("Or ask a person from the Welcome Center team here:"), lang,
                            ((answers.person_button(turn.tr, lang),),)))
    return Outcome(replies, turn.state, recorded)


def _reminder(turn: Turn, action: Subscribe | Unsubscribe) -> Outcome:
    lang, incoming = turn.lang, turn.incoming
    _ = turn.gettext()
    _used, text = turn.snap.kb.events[action.event].localized(lang)
    if isinstance(action, Subscribe):
        if not incoming.chat or not incoming.private:
            # a group would get one member's reminders; a forged press has no chat at all
            return Outcome([Text(_("Reminders work only in a private chat with me: open a "
                                   "chat with me and choose /events there."), lang)],
                           turn.state)
        return Outcome([Text(_("I will remind you the day before “{event}”. /forget removes "
                               "all reminders.").format(event=text.title), lang)], turn.state,
                       (Subscribed(incoming.user, incoming.chat, action.event, lang),))
    return Outcome([Text(_("Reminder for “{event}” cancelled.").format(event=text.title), lang)],
                   turn.state, (Unsubscribed(incoming.user, action.event),))
