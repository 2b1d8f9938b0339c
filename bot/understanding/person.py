"""Does a message ask for a person? A small grammar over words, per language (person.json).

A request names a person (staff, a human, "jemand") and says it wants one: a verb of
getting in touch (talk, call, write, connect), a wish (want, need, can, is there, please),
"real" (echt, живий, واقعی) or "not the bot". Stems and every language's words at once
keep it tolerant of endings, typos in the tail of a word and mixed languages, where a list
of whole example phrases only knows the phrasings someone wrote down. A question about
the bot itself ("are you a real person?") is not a request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from importlib import resources

from bot.understanding.text import normalize

GRAMMAR_FILE = "person.json"
PARTS = ("persons", "someone", "who", "speak", "actions", "tongue", "wants", "real", "not_bot",
         "you", "me", "number", "filler")
VERBS = ("speak", "actions")  # Arabic-script verbs match inside a word (verb prefixes)
SHORT = 3  # "anybody there?", "jemand da?": someone alone in a message this short asks
SHORT_WISH = 4  # "il y a quelqu'un ?": someone and a wish in a message this short
LOOSE_WORDS = 7  # "who can I call?" asks for a person in a message this short (no topic)
# Longer messages ask for a person only with "real" or "not the bot". The words of greetings
# and polite formulas (person.json's filler) do not count: "bonjour, est-ce que je pourrais
# parler à un conseiller, s'il vous plaît ?" asks, it tells no story.
LONG = 12
NAMED_WORDS = 6  # a person named in a longer message, without a wish, is part of a question


class Asks(IntEnum):
    """How clearly a message asks for a person."""

    BOT = -1  # asks about the bot itself ("are you a real person?")
    NO = 0
    LOOSE = 1  # "who can I call?", "a number to call?": a request when no topic fits
    NAMED = 2  # names a person (staff, a human), nothing more
    REQUEST = 3  # names a person and wants one: a request whatever topic comes with it
    INSIST = 4  # ... a real one, not the bot


def _arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


@dataclass(frozen=True)
class Lexicon:
    """One part of the grammar as one pattern: whole words, stems (the beginning of a word)
    and phrases, Arabic-script words also behind a clitic, Arabic-script verbs anywhere
    inside a word (اتكلم، بحكي)."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, items: list[str], inside: bool = False) -> Lexicon:
        words, stems, within = set(), set(), set()
        for item in items:
            whole = item.endswith("=")
            folded = normalize(item.rstrip("="))
            if not folded:
                continue
            if whole:
                words.add(folded)
            elif inside and _arabic(folded) and " " not in folded:
                within.add(folded)
            else:
                stems.add(folded)  # a phrase is the beginning of a word too
        parts = []
        if words:
            parts.append(_START + _any(words) + r"(?!\S)")
        if stems:
            parts.append(_START + _any(stems))
        if within:
            parts.append(_any(within))
        return cls(re.compile("|".join(parts)) if parts else None)

    def found(self, padded: str) -> bool:
        """Whether ``padded`` (" " + folded message + " ") holds one of the items."""
        return bool(self.pattern and self.pattern.search(padded))

    def count(self, padded: str) -> int:
        """How many times items occur in ``padded``."""
        return len(self.pattern.findall(padded)) if self.pattern else 0

    def words(self, padded: str) -> int:
        """How many words of ``padded`` the items found in it span."""
        if not self.pattern:
            return 0
        return sum(len(m.group().split()) for m in self.pattern.finditer(padded))


# A word start, and for Arabic-script words a clitic in front (لموظف, بالموظف, وحدا).
_START = r"(?<!\S)(?:" + "|".join(("وال", "بال", "فال", "لل", "ال", "و", "ب", "ل", "ف")) + ")?"


def _any(items: set[str]) -> str:
    return "(?:" + "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class Grammar:
    """The parts of person.json, every language's words together."""

    persons: Lexicon
    someone: Lexicon
    who: Lexicon
    speak: Lexicon
    actions: Lexicon
    tongue: Lexicon
    wants: Lexicon
    real: Lexicon
    not_bot: Lexicon
    you: Lexicon
    me: Lexicon
    number: Lexicon
    filler: Lexicon

    def asks(self, text: str) -> Asks:
        """How clearly ``text`` asks for a person (the message as written or folded)."""
        folded = normalize(text)
        tokens = tuple(folded.split())
        if not tokens:
            return Asks.NO
        padded = " " + folded + " "

        def has(part: Lexicon) -> bool:
            return part.found(padded)

        named, someone, who = has(self.persons), has(self.someone), has(self.who)
        # "a doctor who speaks French" is about a language, not a wish to talk
        speaking = self.speak.count(padded) > (1 if has(self.tongue) else 0)
        action, number = speaking or has(self.actions), has(self.number)
        if not (named or someone or (action and (who or number))):
            return Asks.NO
        wish = has(self.wants)
        if not wish and (has(self.me) or (has(self.you) and not action)):
            return Asks.BOT  # "am I talking to a human?", "are you a real person?"
        real = has(self.real) or has(self.not_bot)
        if len(tokens) - self.filler.words(padded) > LONG and not real:
            return Asks.NO  # a longer message tells a story: only "a real person" asks
        if real and (named or someone or (who and action)):
            return Asks.INSIST
        if named and (action or wish):
            return Asks.REQUEST
        short = len(tokens) <= SHORT
        if someone and (action or short or (wish and len(tokens) <= SHORT_WISH)):
            return Asks.REQUEST
        if named and len(tokens) <= NAMED_WORDS:
            return Asks.NAMED
        loose = action and (who or number) and len(tokens) <= LOOSE_WORDS
        return Asks.LOOSE if loose else Asks.NO


def load(data: dict[str, dict[str, list[str]]]) -> Grammar:
    """A grammar from person.json's mapping: part → language → items."""
    parts = {name: Lexicon.of([item for items in data[name].values() for item in items],
                              inside=name in VERBS)
             for name in PARTS}
    return Grammar(**parts)


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The grammar shipped with the bot (bot/understanding/person.json)."""
    text = resources.files("bot.understanding").joinpath(GRAMMAR_FILE).read_text("utf-8")
    return load(json.loads(text))
