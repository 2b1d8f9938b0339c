"""Button actions: typed values, and the short strings a channel carries back (≤ 64 bytes).

The wire format is fixed: buttons in users' old messages must keep working.

    lang:uk          ChooseLanguage("uk")
    grp:student      ChooseGroup("student")
    menu             ShowMenu()
    topic:housing|uk ShowTopic("housing", "uk")   (the tag: language of the answer shown)
    fb:housing:1|uk  Vote("housing", True, "uk")  (1 helpful, 0 not helpful)
    more:housing|uk  MoreContacts("housing", "uk") (the contacts and links not shown)
    sub:EVENT        Subscribe("EVENT")
    unsub:EVENT      Unsubscribe("EVENT")
    person|uk        AskPerson("uk")           ("💬 Ask a person")
    consent:1|uk     Consent(True, "uk")       (1 connect me, 0 cancel)
    endcase|uk       EndCase("uk")             (end the conversation with staff)

``decode`` returns None for anything else (forged or garbled data); whether an entry or
event still exists is for the caller to check against the current knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge.loader import GROUPS
from bot.understanding.language import SUPPORTED

LIMIT = 64  # bytes of callback data Telegram carries back


@dataclass(frozen=True)
class ChooseLanguage:
    lang: str


@dataclass(frozen=True)
class ChooseGroup:
    group: str


@dataclass(frozen=True)
class ShowMenu:
    pass


@dataclass(frozen=True)
class ShowTopic:
    entry: str
    lang: str | None = None  # the language to answer in; None: the user's


@dataclass(frozen=True)
class Vote:
    entry: str
    helpful: bool
    lang: str | None = None


@dataclass(frozen=True)
class MoreContacts:
    entry: str
    lang: str | None = None


@dataclass(frozen=True)
class Subscribe:
    event: str


@dataclass(frozen=True)
class Unsubscribe:
    event: str


@dataclass(frozen=True)
class AskPerson:
    lang: str | None = None


@dataclass(frozen=True)
class Consent:
    agreed: bool
    lang: str | None = None


@dataclass(frozen=True)
class EndCase:
    lang: str | None = None


Action = (ChooseLanguage | ChooseGroup | ShowMenu | ShowTopic | Vote | MoreContacts | Subscribe
          | Unsubscribe | AskPerson | Consent | EndCase)
TAGGED = (ShowTopic, Vote, MoreContacts, AskPerson, Consent, EndCase)  # carry a language


class UnfitActionError(ValueError):
    """The action cannot be carried by a button: over 64 bytes, or it would not decode."""


def encode(action: Action) -> str:
    """The button data for ``action``; UnfitActionError if it would not come back intact."""
    data = _wire(action)
    if len(data.encode()) > LIMIT:
        raise UnfitActionError(f"{len(data.encode())} bytes (at most {LIMIT}): {data[:80]!r}")
    if decode(data) != action:  # e.g. an event id with ':' or '|' in it
        raise UnfitActionError(f"would not decode to the same action: {data!r}")
    return data


def fits(action: Action) -> bool:
    """True when ``action`` can be put on a button."""
    try:
        encode(action)
    except UnfitActionError:
        return False
    return True


def _wire(action: Action) -> str:
    match action:
        case ChooseLanguage(lang):
            return f"lang:{lang}"
        case ChooseGroup(group):
            return f"grp:{group}"
        case ShowMenu():
            return "menu"
        case ShowTopic(entry, lang):
            return f"topic:{entry}" + (f"|{lang}" if lang else "")
        case Vote(entry, helpful, lang):
            return f"fb:{entry}:{int(helpful)}" + (f"|{lang}" if lang else "")
        case MoreContacts(entry, lang):
            return f"more:{entry}" + (f"|{lang}" if lang else "")
        case Subscribe(event):
            return f"sub:{event}"
        case Unsubscribe(event):
            return f"unsub:{event}"
        case AskPerson() | Consent() | EndCase():
            return _handoff_wire(action)


def _handoff_wire(action: AskPerson | Consent | EndCase) -> str:
    tag = f"|{action.lang}" if action.lang else ""
    if isinstance(action, Consent):
        return f"consent:{int(action.agreed)}{tag}"
    return ("person" if isinstance(action, AskPerson) else "endcase") + tag


def decode(data: str) -> Action | None:
    """The action a button carried back, or None for data no button of ours produced."""
    if len(data.encode()) > LIMIT:
        return None
    if data == "menu":
        return ShowMenu()
    body, bar, tag = data.partition("|")
    kind, _colon, value = body.partition(":")
    if kind in _TAGGED:
        # A language no longer supported is dropped: the button still works.
        return _TAGGED[kind](value, tag if tag in SUPPORTED else None)
    parse = _PLAIN.get(kind)
    return parse(value) if parse and not bar else None


def _topic(entry: str, lang: str | None) -> Action | None:
    return ShowTopic(entry, lang) if entry else None


def _more(entry: str, lang: str | None) -> Action | None:
    return MoreContacts(entry, lang) if entry else None


def _vote(value: str, lang: str | None) -> Action | None:
    entry, _colon, vote = value.rpartition(":")
    return Vote(entry, vote == "1", lang) if entry and vote in ("0", "1") else None


def _person(value: str, lang: str | None) -> Action | None:
    return None if value else AskPerson(lang)


def _consent(value: str, lang: str | None) -> Action | None:
    return Consent(value == "1", lang) if value in ("0", "1") else None


def _end(value: str, lang: str | None) -> Action | None:
    return None if value else EndCase(lang)


def _language(value: str) -> Action | None:
    return ChooseLanguage(value) if value in SUPPORTED else None


def _group(value: str) -> Action | None:
    return ChooseGroup(value) if value in GROUPS else None


def _subscribe(value: str) -> Action | None:
    return Subscribe(value) if value else None


def _unsubscribe(value: str) -> Action | None:
    return Unsubscribe(value) if value else None


_TAGGED: dict[str, Callable[[str, str | None], Action | None]] = {
    "topic": _topic, "fb": _vote, "more": _more, "person": _person, "consent": _consent,
    "endcase": _end}
_PLAIN: dict[str, Callable[[str], Action | None]] = {
    "lang": _language, "grp": _group, "sub": _subscribe, "unsub": _unsubscribe}
