"""Two questions in one message: "where do I register, and how do I open a bank account".

The message is split where a question ends or a conjunction joins two (per language:
and / und / і / и / و / ve / et, "also", "+" …, and line breaks); each part is matched on
its own. Only when two parts are each answered confidently, by different entries, does
the verdict change: the stronger one is answered and the other comes first among the
suggestions (``Match.also``), so that both are one tap away. A clear answer for the whole
message that is neither of the two is kept as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from bot.understanding.policy import Match

MAX_PARTS = 3
MIN_WORDS = 4  # shorter messages hold one question
MAX_WORDS = 24  # longer ones tell a story: their "and"s do not join two questions
PART_SURE = 0.8  # the stronger part's answer must be at least this confident
PART_MAYBE = 0.5  # and the weaker one's this
RUNNER_UP = 0.3  # a second topic shows as a candidate of the whole message this close

_JOINERS = (
    # de, en
    r"und auch", r"und", r"sowie", r"außerdem", r"ausserdem", r"and also", r"and", r"also",
    r"plus",
    # uk, ru
    r"а також", r"а потім", r"та", r"і", r"й", r"а еще", r"а ещё", r"а также", r"и", r"также",
    # fa, ar (as separate words)
    r"و", r"همچنین", r"کمان", r"وكمان", r"وكذلك", r"وبعدين", r"بعدين",
    # tr, fr
    r"ve", r"ayrıca", r"bir de", r"et aussi", r"et", r"ainsi que", r"puis",
)
_SPLIT = re.compile(
    r"[?？؟!\n;+&]+|,\s*|\s+(?:" + "|".join(sorted(_JOINERS, key=len, reverse=True))
    + r")\s+|(?<=\s)و(?=[كوهشمأا]\S)",  # Arabic و fused to the next question word: وكيف, ووين
    re.IGNORECASE,
)


def parts(text: str) -> list[str]:
    """The pieces of a message between question ends and conjunctions (non-empty)."""
    return [p.strip() for p in _SPLIT.split(text) if p and p.strip()][:MAX_PARTS + 2]


def two_topics(text: str, match: Match, match_part: Callable[[str], Match]) -> Match:
    """``match`` with the second topic of a two-question message one tap away."""
    if match.decision not in ("answer", "suggest", "decline") or match.emergency:
        return match
    if match.not_covered:  # a kind of question no entry covers came first
        return match
    if not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
        return match
    top = match.candidates[0].score if match.candidates else 0.0
    if sum(c.score >= RUNNER_UP * top for c in match.candidates) < 2:
        return match  # the whole message touches one topic only: no parts to match
    pieces = parts(text)
    if len(pieces) < 2:
        return match
    best, nearby = _confident(pieces[:MAX_PARTS], match_part)
    ranked = sorted(best, key=lambda e: -best[e])[:2]
    if len(ranked) < 2 or best[ranked[0]] < PART_SURE:
        return match
    if match.decision == "answer" and match.entry not in ranked:
        return match
    first = match.entry if match.decision == "answer" and match.entry else ranked[0]
    other = ranked[1] if first == ranked[0] else ranked[0]
    rest = tuple(dict.fromkeys(s for s in (*nearby[other][:1], *match.suggestions)
                               if s not in (first, other)))
    return replace(match, decision="answer", entry=first,
                   confidence=max(match.confidence, best[first]),
                   suggestions=(other, *rest)[:3], also=other)


def _confident(pieces: list[str], match_part: Callable[[str], Match],
               ) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """The entries the parts answer confidently, with the best confidence and the
    suggestions beside it; empty as soon as the parts left cannot make two."""
    best: dict[str, float] = {}
    nearby: dict[str, tuple[str, ...]] = {}
    for n, piece in enumerate(pieces):
        if len(best) + len(pieces) - n < 2:
            return {}, {}  # each part adds one entry at most: no two topics
        found = match_part(piece)
        entry = found.entry if found.decision == "answer" else None
        if entry and found.confidence >= max(PART_MAYBE, best.get(entry, 0.0) + 1e-9):
            best[entry] = found.confidence
            nearby[entry] = found.suggestions
    return best, nearby
