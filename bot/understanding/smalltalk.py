"""Small talk: greetings, thanks, "ok", "who are you", insults, asking for a person.

The kinds and their example messages come from the knowledge folder (``smalltalk.yaml``).
They are indexed apart from the entries and decided apart: a message is small talk only
when it is short and made of small-talk words ("hi! where do i register?" still gets
the registration answer), and never when it is about an emergency. A request for a
person also counts inside a longer message ("I need a real person for my residence
permit"): the conversation hands it to staff or names a contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from bot.knowledge.model import SmallTalk
from bot.understanding.policy import Match
from bot.understanding.text import normalize

PERSON = "person"
MAX_WORDS = 9  # longer messages are questions (or a request for a person inside one)
SHARE = 0.7  # share of a message's words that must be small-talk words
FEW_WORDS = 3  # up to this many words, typos ("hallooo") are compared whatever they are
SHARE_LOW, SIMILAR_HIGH = 0.6, 70  # fewer small-talk words need a closer example
SIMILAR = 62  # best example similarity (0..100) a small-talk message reaches
SURE = 90  # an example this close is small talk even beside a matched entry
CLOSE = 80  # made only of small-talk words and this close: small talk beside a weak answer
LOOSE = 55  # mostly small-talk words (LOOSE_SHARE) need only this similarity
LOOSE_SHARE = 0.8
ENTRY_SURE = 0.97  # an answer this sure beside a person word: a question about that topic
ENTRY_CLEAR = 0.75  # an answer this confident is a question, whatever the small talk
PERSON_SIMILAR = 80  # a person example this close (partial token match) inside any message
# Beginnings of words that say the person is wanted (real, talk, call back …): with a
# person word, a request even beside a clearly matched topic.
PERSON_MARKERS = (
    "echt", "richtig", "sprechen", "reden", "zuruckruf", "real", "actual", "speak", "talk",
    "живий", "живою", "поговор", "живой", "живым", "vrai", "parler", "gercek", "konus",
    "واقعی", "صحبت", "حرف", "حقيقي", "اتحدث", "احکی", "احجی",
)
PERSON_WORDS_MAX = 12  # a longer message that names a person tells a story: a question
# Beginnings of words that name a person to talk to (normalised spelling), per language:
# one of them in a message that is not about the bot itself asks for a person.
PERSON_WORDS = (
    "mensch", "personlich", "mitarbeiter", "berater", "ansprechpartner", "jemand", "echte person",
    "human", "real person", "staff", "agent", "advisor", "adviser", "operator", "employee",
    "representative", "someone", "somebody", "actual person",
    "людин", "людьм", "працівником", "працівника", "працівнику", "консультант", "оператор",
    "співробітником", "співробітника", "кимось", "когось", "особисто", "живий",
    "человек", "сотрудником", "сотрудника", "сотруднику", "кем нибудь", "кемто", "лично",
    "живой", "живого",
    "موظف", "انسان", "مستشار", "بشخص", "لشخص", "احد",
    "ادم", "کارمند", "مشاور", "اپراتور", "کسی", "یکی",
    "insan", "yetkili", "gorevli", "danismanla", "danismana", "temsilci", "kisiyle", "kisiye",
    "calisan",
    "birisi", "biriyle", "birine",
    "humain", "vraie personne", "conseill", "employe", "operateur", "quelquun", "interlocut",
)


@dataclass(frozen=True)
class Verdict:
    """The closest small-talk kind of a message and how close it is."""

    kind: str | None
    score: float  # best example similarity, 0..100
    share: float  # share of the message's words that small-talk examples use
    words: int
    person: float  # best similarity to a request for a person, 0..100


class SmallTalkIndex:
    """The examples of every small-talk kind, normalised once per knowledge snapshot."""

    def __init__(self, kinds: Mapping[str, SmallTalk]) -> None:
        texts: list[str] = []
        owners: list[str] = []
        self.symbols: dict[str, str] = {}  # emoji-only examples ("👍"), as written
        for kind in kinds.values():
            for examples in kind.examples.values():
                for example in examples:
                    folded = normalize(example)
                    if folded:
                        texts.append(folded)
                        owners.append(kind.kind)
                    else:
                        self.symbols[_symbols(example)] = kind.kind
        self.texts, self.owners = texts, owners
        self.vocab = frozenset(w for t in texts for w in t.split())
        self.person = [t for t, k in zip(texts, owners, strict=True) if k == PERSON]

    def classify(self, text: str) -> Verdict:
        folded = normalize(text)
        if not folded:
            kind = self._symbol_kind(text)
            return Verdict(kind, 100.0 if kind else 0.0, 1.0 if kind else 0.0, 0, 0.0)
        words = folded.split()
        if not self.texts or len(words) > PERSON_WORDS_MAX:
            return Verdict(None, 0.0, 0.0, len(words), 0.0)  # a question, not small talk
        share = sum(w in self.vocab for w in words) / len(words)
        person = 100.0 if _names_person(folded) else 0.0
        if person and any(" " + m in " " + folded for m in PERSON_MARKERS):
            person = 101.0  # named and wanted: a request whatever topic comes with it
        if share < SHARE_LOW and len(words) > FEW_WORDS:  # a question: nothing to compare
            return Verdict(None, 0.0, share, len(words), person)
        if self.person and not person:
            found = process.extractOne(folded, self.person, scorer=fuzz.token_set_ratio)
            person = float(found[1]) if found else 0.0
        scores = process.cdist([folded], self.texts, scorer=fuzz.ratio, dtype=np.uint8)[0]
        best = int(np.argmax(scores))
        return Verdict(self.owners[best], float(scores[best]), share, len(words), person)


    def _symbol_kind(self, text: str) -> str | None:
        """The kind of an emoji-only message: as a whole ("👍"), else by its symbols."""
        whole = self.symbols.get(_symbols(text))
        if whole is not None:
            return whole
        kinds = [self.symbols[ch] for ch in _symbols(text) if ch in self.symbols]
        return max(set(kinds), key=kinds.count) if kinds else None


def _names_person(folded: str) -> bool:
    padded = " " + folded
    if any(" " + word in padded for word in PERSON_WORDS if word[0] < "\u0600"):
        return True
    # Arabic-script words carry clitics in front (لموظف, بمستشار)
    tokens = set(folded.split())
    return any(p + word in tokens for word in PERSON_WORDS if word[0] >= "\u0600"
               for p in ("", "ل", "ب", "ال", "بال", "و"))


def _symbols(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in "\ufe0f\u200d")


def is_smalltalk(found: Verdict, match: Match) -> bool:
    """Short, made of small-talk words, close to an example, and no entry clearly fits."""
    if found.kind is None or found.words > MAX_WORDS:
        return False
    if found.score >= SURE:
        return True
    # an entry came close: answered, or offered as "Did you mean" (the band is wide)
    answered = match.decision in ("answer", "suggest")
    if answered and (match.confidence >= ENTRY_CLEAR or found.share < 1.0
                     or found.score < CLOSE):
        return False
    if found.share >= LOOSE_SHARE:
        return found.score >= LOOSE
    if found.share >= SHARE:
        return found.score >= SIMILAR
    return found.share >= SHARE_LOW and found.score >= SIMILAR_HIGH


def decide(found: Verdict, match: Match) -> Match:
    """The matcher's verdict, or small talk / a request for a person when that wins.

    Emergencies always win; a request for a person keeps the entries that came close.
    """
    if match.emergency:
        return match
    named = found.person >= 100  # a word that names a person (100), and wants one (101)
    # Only resembling a request for a person counts just when no entry came close: "wo kann
    # ich mich hier anmelden bitte" resembles "kann ich hier mit jemandem sprechen bitte".
    resembles = PERSON_SIMILAR <= found.person < 100 and match.decision == "decline"
    inside = ((named or resembles) and (found.kind == PERSON or found.score < SIMILAR)
              and (found.person > 100 or not (match.decision == "answer"
                                               and match.confidence >= ENTRY_SURE)))
    if inside or (found.kind == PERSON and is_smalltalk(found, match)):
        related = tuple(c for c in ((match.entry,) if match.entry else ()) + match.suggestions)
        return replace(match, decision="handoff", entry=None, suggestions=related[:2],
                       kind=PERSON)
    if is_smalltalk(found, match):
        return replace(match, decision="smalltalk", entry=None, suggestions=(),
                       kind=found.kind)
    return match
