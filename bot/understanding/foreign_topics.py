"""Topics of a message in a language the bot does not speak (Spanish, Chinese, Tigrinya …).

The entries' ways of asking exist only in the eight supported languages, so a question in
Polish or Vietnamese reaches its topic only through a German term inside it ("Anmeldung").
``foreign-topics.json`` adds, per entry and language, the few words that name the topic
("empadronamiento", "居留", "ბინადრობ", "caymis"), and international ones ("bank", "blue
card"). Found words offer their entries as buttons beside the matcher's verdict: the
message is still matched as it was, and written in a script without spaces (Han) its
Latin-letter terms are set apart first ("怎么办理Anmeldung" → "怎么办理 Anmeldung").

Items are folded like messages here (``fold``: lower case, Latin letters without their
marks, everything but letters, marks and digits a space); an item matches at the start of
a word (a stem: "ubezpiecz" also matches "ubezpieczenie"), ending with "=" only as the
whole word; items in Han or Ethiopic script match anywhere (no spaces between words, or
prepositions written onto the word).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from bot.understanding.policy import Match

TOPICS_FILE = "foreign-topics.json"
MAX_OFFERED = 3  # buttons offered under the reply
_LATIN_MARKS = {"ł": "l", "đ": "d", "ı": "i", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"}
# Scripts written without spaces between words: Han, kana, Hangul, Thai, Khmer, Myanmar.
_UNSPACED = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f" \
            "\u1780-\u17ff\u1000-\u109f"
_BOUNDARY = re.compile(f"(?<=[A-Za-z\u00c0-\u024f])(?=[{_UNSPACED}])"
                       f"|(?<=[{_UNSPACED}])(?=[A-Za-z\u00c0-\u024f])")


def _anywhere(item: str) -> bool:
    """Han and Ethiopic words match inside a run of letters."""
    return any(unicodedata.name(ch, "").startswith(("CJK", "ETHIOPIC")) for ch in item)


def fold(text: str) -> str:
    """Lower case; Latin letters without marks; anything but letters, marks, digits: a
    space. Marks of other scripts stay (Devanagari vowel signs are part of the word)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold()):
        cat = unicodedata.category(ch)
        if cat == "Mn" and out and out[-1].isascii():
            continue  # a mark on a Latin letter (é, ş, ř)
        if cat[0] in "LMN":
            out.append(_LATIN_MARKS.get(ch, ch))
        else:
            out.append(" ")
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def set_apart(text: str) -> str:
    """Latin-letter runs set apart from the letters of a script without spaces."""
    return _BOUNDARY.sub(" ", text)


@dataclass(frozen=True)
class TopicWords:
    """Per entry, one pattern of its words in every language."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def of(cls, topics: dict[str, dict[str, list[str]]]) -> TopicWords:
        compiled = []
        for entry, per_lang in topics.items():
            parts = []
            for item in (i for items in per_lang.values() for i in items):
                whole = item.endswith("=")
                folded = fold(item.rstrip("="))
                if not folded:
                    continue
                start = "" if _anywhere(folded) else r"(?<!\S)"
                parts.append(start + re.escape(folded) + (r"(?!\S)" if whole else ""))
            if parts:
                compiled.append((entry, re.compile("|".join(parts))))
        return cls(tuple(compiled))

    def found(self, text: str, known: Collection[str]) -> tuple[str, ...]:
        """The entries of ``known`` whose words ``text`` holds, the most letters found first
        ("residencia de estudiantes" over "residencia")."""
        folded = fold(text)
        counts = {entry: sum(len(m.group()) for m in p.finditer(folded))
                  for entry, p in self.patterns if entry in known}
        hits = [e for e, n in counts.items() if n]
        return tuple(sorted(hits, key=lambda e: -counts[e]))


@lru_cache(maxsize=1)
def topic_words() -> TopicWords:
    """The words shipped with the bot (bot/understanding/foreign-topics.json)."""
    text = resources.files("bot.understanding").joinpath(TOPICS_FILE).read_text("utf-8")
    return TopicWords.of(json.loads(text)["topics"])


def offer(match: Match, found: tuple[str, ...]) -> Match:
    """The verdict with the entries named by topic words offered as buttons.

    Small talk, a request for a person and an emergency stay as they are; an answer that
    is among the found entries too stays alone; else the found entries come first among
    the suggestions (under an answer: "Related topics"; a decline becomes "Did you
    mean…").
    """
    if not found or match.emergency or match.decision in ("smalltalk", "handoff"):
        return match
    if match.decision == "answer":
        if match.entry in found:
            return match
        return replace(match, suggestions=_first(found, match.suggestions))
    return replace(match, decision="suggest", entry=None, not_covered=None,
                   suggestions=_first(found, match.suggestions))


def _first(found: tuple[str, ...], others: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*found, *others)))[:MAX_OFFERED]
