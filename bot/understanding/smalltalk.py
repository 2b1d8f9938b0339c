"""Small talk: greetings, thanks, "ok", "who are you", insults, asking for a person.

The kinds and their example messages come from the knowledge folder (``smalltalk.yaml``).
They are indexed apart from the entries and decided apart: a message is small talk only
when it is short and made of small-talk words ("hi! where do i register?" still gets
the registration answer), and never when it is about an emergency. When no topic fits,
looser signs count too: a sure small-talk clause beside a few words ("merci, hat
geholfen"), a word of cues.json that says the kind by itself ("ربات خنگ"), a typo of a
short example ("diakuyu"). A request for a person is read by person.json's grammar, also
inside a longer message ("I need a real person for my residence permit"): the
conversation hands it to staff or names a contact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from importlib import resources
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.knowledge.model import SmallTalk
from bot.understanding import places, wordsets
from bot.understanding.person import Asks, Lexicon
from bot.understanding.person import grammar as person_grammar
from bot.understanding.policy import Match
from bot.understanding.text import normalize

PERSON = "person"
GREETING = "greeting"
ABOUT = "about"
MAX_WORDS = 9  # longer messages are questions (or a request for a person inside one)
SHARE = 0.7  # share of a message's words that must be small-talk words
FEW_WORDS = 3  # up to this many words, typos ("hallooo") are compared whatever they are
SHARE_LOW, SIMILAR_HIGH = 0.6, 70  # fewer small-talk words need a closer example
SIMILAR = 62  # best example similarity (0..100) a small-talk message reaches
SURE = 90  # an example this close is small talk even beside a matched entry
CLOSE = 80  # made only of small-talk words and this close: small talk beside a weak answer
LOOSE = 55  # mostly small-talk words (LOOSE_SHARE) need only this similarity
LOOSE_SHARE = 0.8
LOOSE_ENTRY = 0.35  # Verdict.loose small talk beside "Did you mean" this unsure
ENTRY_CLEAR = 0.75  # an answer this confident is a question, whatever the small talk
TYPO_WORDS = 2  # a message this short and CLOSE to an example is small talk (no topic fits)
TYPO_LETTERS = 5  # words this long count as small-talk words one letter away from one
CUE_WORDS = 8  # a kind's own word (cues.json) decides a message this short no topic fits
CUES_FILE = "cues.json"
ADDRESSED_WORDS = 4  # a message this short is compared without its addressee too
CUE_ALONE = frozenset({"insult", "thanks", ABOUT})  # kinds whose cue words decide by themselves
TAIL_WORDS, TAIL_SHARE = 4, 0.5  # words beside a SURE small-talk clause ("merci, hat geholfen")
CUE_TAIL = 2  # ... and this many more when they hold a cue ("hallo, ich bin neu in jena")
_CLAUSE = re.compile(r"[,.!?;:…()\n]+")
_REPEATS = re.compile(r"([^\W\d])\1{2,}")  # three or more of one letter
_TWICE = re.compile(r"\b(\w+)(?: \1\b)+")  # one word again and again ("ok ok", "hi hi hi")
_FA_PREFIX = re.compile(r"(?<!\S)(ن?می) (?=\S)")  # Persian می/نمی written apart
PERSON_SIMILAR = 80  # a person example this close (partial token match) inside any message
PERSON_WORDS_MAX = 12  # a longer message that names a person tells a story: a question
REQUEST_WORDS_MAX = 14  # ... unless it clearly asks for one (person.json's grammar)


@dataclass(frozen=True)
class Verdict:
    """The closest small-talk kind of a message and how close it is."""

    kind: str | None
    score: float  # best example similarity, 0..100
    share: float  # share of the message's words that small-talk examples use
    words: int
    person: float  # best similarity to a request for a person, 0..100
    asks: Asks = Asks.NO  # what person.json's grammar says about a request for a person
    # The kind a message is when no topic fits: a short message close to an example
    # ("diakuyu", "окі"), "am I talking to a human?" (about); else ``later`` works it out
    # only then: a word of cues.json ("ربات خنگ"), a sure small-talk clause with a short
    # tail ("merci, hat geholfen").
    loose: str | None = None
    later: Callable[[], str | None] | None = field(default=None, repr=False, compare=False)

    def loose_kind(self) -> str | None:
        """``loose``, else what ``later`` finds."""
        if self.loose is not None or self.later is None:
            return self.loose
        return self.later()


class SmallTalkIndex:
    """The examples of every small-talk kind, normalised once per knowledge snapshot."""

    def __init__(self, kinds: Mapping[str, SmallTalk]) -> None:
        texts: list[str] = []
        owners: list[str] = []
        self.symbols: dict[str, str] = {}  # emoji-only examples ("👍"), as written
        for kind in kinds.values():
            for examples in kind.examples.values():
                for example in examples:
                    folded = fold(example)
                    if folded:
                        texts.append(folded)
                        owners.append(kind.kind)
                    else:
                        self.symbols[_symbols(example)] = kind.kind
        self.texts, self.owners = texts, owners
        self.vocab = frozenset(w for t in texts for w in t.split())
        self._words = sorted(self.vocab)
        self.person = [t for t, k in zip(texts, owners, strict=True) if k == PERSON]
        # the same as sorted word sets: token_set_ratio against them in one batch (wordsets)
        self._person_sets = [wordsets.word_set(t) for t in self.person]
        self._person_words = wordsets.WordSets(self._person_sets, {w: n for n, w in enumerate(
            sorted({w for t in self.person for w in t.split()}))})
        self.cues = {k: v for k, v in cue_words().items() if k in kinds}

    def greets(self, text: str) -> bool:
        """Whether ``text`` only greets ("hi", "guten morgen"): as sure as an example. The
        kind and score ``classify`` gives, without asking the person grammar (two topics
        ask this of every part of a long message)."""
        folded = fold(text)
        if not folded:
            return self._symbol_kind(text) == GREETING
        words = folded.split()
        if not self._comparable(words):
            return False
        kind, score = self._kind(folded, words)
        return kind == GREETING and score >= SURE

    def classify(self, text: str) -> Verdict:
        folded = fold(text)
        if not folded:
            kind = self._symbol_kind(text)
            return Verdict(kind, 100.0 if kind else 0.0, 1.0 if kind else 0.0, 0, 0.0)
        words = folded.split()
        grammar = person_grammar()  # greetings and polite formulas make no request longer
        spoken = len(words) - grammar.filler.words(f" {folded} ")
        asks = grammar.asks(folded) if spoken <= REQUEST_WORDS_MAX else Asks.NO
        if not self.texts or len(words) > PERSON_WORDS_MAX:  # a question, not small talk
            return Verdict(None, 0.0, 0.0, len(words), 0.0, asks)
        share = self._share(words)
        later = partial(self._loose, text, words) if asks <= Asks.NO else None
        loose = None
        if asks == Asks.BOT:  # up to PERSON_WORDS_MAX: "wait, am I talking to a person or a
            loose = ABOUT  # program?": about the bot (person.json), when no topic fits
        if not self._comparable(words):  # a question: nothing to compare
            return Verdict(None, 0.0, share, len(words), 0.0, asks, loose, later)
        person = 0.0
        if self.person and asks == Asks.NO:
            person = self._person_words.best(words, self._person_sets)
        kind, score = self._kind(folded, words)
        if asks == Asks.BOT and kind == PERSON:
            kind = ABOUT  # "are you a real person?" asks about the bot
        if loose is None and len(words) <= TYPO_WORDS and score >= CLOSE and kind != PERSON:
            loose = kind  # "diakuyu", "окі": a typo of a short example
        return Verdict(kind, score, share, len(words), person, asks, loose, later)

    def _share(self, words: list[str]) -> float:
        """The share of ``words`` that are words of the examples."""
        return sum(w in self.vocab for w in words) / len(words)

    def _comparable(self, words: list[str]) -> bool:
        """Short enough and made of enough small-talk words to be compared with examples."""
        if not self.texts or len(words) > PERSON_WORDS_MAX:
            return False
        return len(words) <= FEW_WORDS or self._share(words) >= SHARE_LOW

    def _kind(self, folded: str, words: list[str]) -> tuple[str, float]:
        """The closest example's kind and similarity, a short message also without its
        addressee ("guten abend zusammen": also without "zusammen")."""
        kind, score = self._closest(folded)
        if len(words) <= ADDRESSED_WORDS:
            kind, score = max((kind, score), self._unaddressed(folded), key=lambda ks: ks[1])
        return kind, score

    def _closest(self, folded: str) -> tuple[str, float]:
        scores = process.cdist([folded], self.texts, scorer=fuzz.ratio, dtype=np.uint8)[0]
        best = int(np.argmax(scores))
        return self.owners[best], float(scores[best])

    def _unaddressed(self, folded: str) -> tuple[str, float]:
        """The closest kind of the message without the words that say whom it is for."""
        pattern = addressee().pattern
        core = " ".join(pattern.sub(" ", f" {folded} ").split()) if pattern else folded
        if not core or core == folded:
            return "", 0.0
        return self._closest(core)

    def _known(self, word: str) -> bool:
        """A word of the examples, or one letter away from one (typos: "dnake", "tahnks")."""
        if word in self.vocab:
            return True
        if len(word) < TYPO_LETTERS:
            return False
        near = process.extractOne(word, self._words, scorer=Levenshtein.distance,
                                  score_cutoff=1)
        return near is not None

    def _loose(self, text: str, words: list[str]) -> str | None:
        """The kind of a message made of small talk around a few other words."""
        if len(words) <= CUE_WORDS:
            padded = " " + " ".join(words) + " "
            kinds = {kind for kind, cues in self.cues.items()
                     if kind in CUE_ALONE and cues.found(padded)}
            if len(kinds) == 1:
                return kinds.pop()  # "ربات خنگ", "ta gueule", "merci, hat geholfen"
        clauses = [c for c in (fold(part) for part in _CLAUSE.split(text)) if c]
        splits = [(clauses[0], clauses[1:]), (clauses[-1], clauses[:-1])]
        if len(clauses) < 2:  # "مرحبا كيفك": the first word or two, and a cue after them
            splits = [(" ".join(words[:n]), [" ".join(words[n:])]) for n in (1, 2)
                      if len(words) > n]
        for sure, rest in splits:
            tail = " ".join(rest).split()
            cue = self._cue_in(tail)  # "hallo, ich bin neu in jena": a longer tail
            if len(tail) > TAIL_WORDS + CUE_TAIL * cue or (len(clauses) < 2 and not cue):
                continue
            kind, score = self._closest(sure)
            if score >= SURE and kind != PERSON and self._talk_tail(tail):
                return kind  # "merci, hat geholfen", "ok cool, that's all i needed"
        return None

    def _talk_tail(self, tail: list[str]) -> bool:
        """Words beside a small-talk clause that are small talk too ("selam, nasılsın"), or
        a cue with such words ("hallo, ich bin neu in jena"; not "привет, я новенький. врач?")."""
        if sum(map(self._known, tail)) >= TAIL_SHARE * len(tail):
            return True
        rest = self._uncued(tail)  # beside the cue: small talk, Jena or "here", no topic
        talk = sum(self._known(w) or places.here(w) for w in rest)
        return len(rest) < len(tail) and talk >= TAIL_SHARE * len(rest)

    def _uncued(self, words: list[str]) -> list[str]:
        """The words without the cues they hold (a stem's whole word: "я здесь новенький")."""
        padded = " " + " ".join(words) + " "
        for cues in self.cues.values():
            if cues.pattern:
                padded = re.sub(rf"(?:{cues.pattern.pattern})\S*", " ", padded)
        return padded.split()

    def _cue_in(self, words: list[str]) -> bool:
        padded = " " + " ".join(words) + " "
        return any(cues.found(padded) for cues in self.cues.values())

    def _symbol_kind(self, text: str) -> str | None:
        """The kind of an emoji-only message: as a whole ("👍"), else by its symbols."""
        whole = self.symbols.get(_symbols(text))
        if whole is not None:
            return whole
        kinds = [self.symbols[ch] for ch in _symbols(text) if ch in self.symbols]
        return max(set(kinds), key=kinds.count) if kinds else None


def fold(text: str) -> str:
    """``normalize``, and runs of one letter or word squeezed ("hallooo", "ok ok"), Persian
    verb prefixes joined ("نمی‌خوام", "نمی خوام" and "نمیخوام" meet)."""
    folded = _TWICE.sub(r"\1", _REPEATS.sub(r"\1", normalize(text)))
    return _FA_PREFIX.sub(r"\1", folded) if "\u0645\u06cc " in folded else folded


@lru_cache(maxsize=1)
def _cues_file() -> dict[str, Any]:
    """bot/understanding/cues.json: ``kinds`` (kind → language → words), ``addressee``
    (language → words); read once for both."""
    text = resources.files("bot.understanding").joinpath(CUES_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def cue_words() -> dict[str, Lexicon]:
    """Per kind, the words that say it alone (bot/understanding/cues.json)."""
    kinds = _cues_file()["kinds"]
    return {kind: Lexicon.of([w for words in kinds[kind].values() for w in words])
            for kind in kinds}


@lru_cache(maxsize=1)
def addressee() -> Lexicon:
    """Words that only say whom a greeting is for ("zusammen", "à tous"; cues.json)."""
    return Lexicon.of([w for words in _cues_file()["addressee"].values() for w in words])


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


def _asks_person(found: Verdict, match: Match) -> bool:
    """A request for a person inside any message (beyond the small-talk examples)."""
    clear = match.decision == "answer" and match.confidence >= ENTRY_CLEAR
    if found.asks >= Asks.REQUEST:  # names a person and wants one (person.json's grammar)
        return True
    if found.asks == Asks.LOOSE:  # "who can I call?", "a number to call?": no topic came close
        return match.decision == "decline"
    # Only resembling a request for a person counts just when no entry came close: "wo kann
    # ich mich hier anmelden bitte" resembles "kann ich hier mit jemandem sprechen bitte".
    resembles = found.person >= PERSON_SIMILAR and match.decision == "decline"
    named = found.asks == Asks.NAMED  # a word that names a person (staff, a human)
    return (named or resembles) and (found.kind == PERSON or found.score < SIMILAR) and not clear


def decide(found: Verdict, match: Match, emergency_id: str | None = None) -> Match:
    """The matcher's verdict, or small talk / a request for a person when that wins.

    Emergencies always win; a request for a person keeps the entries that came close.
    ``emergency_id``: the emergency entry. Answered or offered for words alone ("who can
    I call?" is close to "whom do I call in an emergency?") with no emergency word in the
    message (``match.emergency`` is False), it is no reason to keep a request for a
    person from staff: the request is weighed as if nothing had fit, and handed off
    without it.
    """
    if match.emergency:
        return match
    talk = is_smalltalk(found, match)
    weak = match.decision == "decline" or (match.decision == "suggest"
                                           and match.confidence < LOOSE_ENTRY)
    kind = found.kind if talk else None
    loose = found.loose_kind() if weak and (not talk or found.score < CLOSE) else None
    if loose is not None:
        kind = loose  # "ربات خنگ" (an insult word) over a loose likeness to an example
    only_words = emergency_id is not None and _led_to(match, emergency_id)
    weighed = replace(match, decision="decline", entry=None) if only_words else match
    if _asks_person(found, weighed) or kind == PERSON:
        related = (((match.entry,) if match.entry else ()) + match.suggestions)[:2]
        if only_words:  # no emergency: its entry is no topic beside the request
            related = tuple(c for c in related if c != emergency_id)
        return replace(match, decision="handoff", entry=None, suggestions=related,
                       kind=PERSON)
    if kind is not None:
        return replace(match, decision="smalltalk", entry=None, suggestions=(), kind=kind)
    return match


def _led_to(match: Match, entry: str) -> bool:
    """The verdict answers with ``entry``, offers it among "Did you mean", or shows it
    among the nearest topics of a decline (a confidence just below the suggest threshold
    must not bring the emergency back beside a request for a person)."""
    if match.decision == "answer":
        return match.entry == entry
    return entry in match.suggestions
