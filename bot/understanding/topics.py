"""Two questions in one message: "where do I register, and how do I open a bank account".

The message is split where a question ends (? ؟ ! ; line breaks), at a comma (, ،) or
where a conjunction joins two (``JOINERS`` per language: und/außerdem, and/also,
і/та/а також, и/а ещё, و/وكمان (also fused: وكيف), و/همچنین/یه سوال دیگه, ve/bir de/hem,
et/et puis; in Turkish also before "X da/de …"); a part loses the conjunction it starts
with. Each part is matched on its own (at most ``MAX_PARTS``). Only when two parts point
at different entries does the verdict change: the stronger one is answered (at least
PART_SURE sure) and the other comes first among the suggestions (``Match.also``), so that
both are one tap away. The weaker part counts with an answer (PART_MAYBE), or, in a
message joined by a word (a conjunction or "also": ``ALSO``), with its first "Did you
mean" (PART_SUGGEST, or PART_WEAK when the whole message ranks that entry close too).
A clear answer for the whole message that is neither of the two is kept as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace

from bot.understanding.policy import Match

MAX_PARTS = 3
MIN_WORDS = 4  # shorter messages hold one question
MAX_WORDS = 24  # longer ones tell a story: their "and"s do not join two questions
PART_SURE = 0.8  # the stronger part's answer must be at least this confident
PART_MAYBE = 0.5  # and the weaker one's answer this
PART_SUGGEST = 0.5  # or its first "Did you mean" this
PART_WEAK = 0.2  # ... or this, when the whole message has that entry as a runner-up too
RUNNER_UP = 0.3  # a second topic shows as a candidate of the whole message this close

# Words that join two questions, per language; a part that starts with one loses it
# ("…, bir de doktor", "…? and also …").
JOINERS: dict[str, tuple[str, ...]] = {
    "de": ("und auch", "und", "sowie", "außerdem", "ausserdem", "und dann", "noch dazu"),
    "en": ("and also", "and", "also", "plus", "as well as"),
    "uk": ("а також", "а потім", "та", "і", "й", "також", "і ще", "ще одне"),
    "ru": ("а еще", "а ещё", "а также", "и", "также", "и ещё", "и еще"),
    "ar": ("و", "وكمان", "كمان", "وكذلك", "كذلك", "وبعدين", "بعدين", "w", "wa", "kaman"),
    "fa": ("و", "همچنین", "یه سوال دیگه", "یک سوال دیگر", "سوال دیگه", "ضمنا", "بعدش"),
    "tr": ("ve", "ayrıca", "bir de", "hem", "bir sorum daha", "bide"),
    "fr": ("et aussi", "et puis", "et", "ainsi que", "puis", "aussi"),
}
_ALL_JOINERS = sorted({j for words in JOINERS.values() for j in words}, key=len, reverse=True)
_JOINER_RE = "|".join(re.escape(j) for j in _ALL_JOINERS)
_SPLIT = re.compile(
    # a question end or comma takes the joiners after it along ("…, а також …")
    r"(?:[?？؟!\n;؛+&]+|[,،])\s*(?:(?:" + _JOINER_RE + r")\s+)*"
    + r"|\s+(?:" + _JOINER_RE + r")\s+"
    # Arabic/Persian و fused to the next question word: وكيف, ووين, وکجا, وچطور, وليش
    + r"|(?<=\s)و(?=[كکچلوهشمأا]\S)",
    re.IGNORECASE,
)
# A message that joins its parts with a word ("und", "bir de", "وكمان") or says "also"
# ("auch", "هم", "тоже") asks two things; split only at "?" or "," it often goes on with
# the story of one ("…? my flatmates keep arguing about it").
ALSO: dict[str, tuple[str, ...]] = {
    "de": ("auch", "noch"), "en": ("too", "as well"), "uk": ("теж", "також"),
    "ru": ("тоже", "также"), "ar": ("كمان", "كذلك", "ايضا", "أيضا", "أيضاً"),
    "fa": ("هم", "همچنین", "دیگه"), "tr": ("da", "de", "ayrıca"), "fr": ("aussi", "également"),
}
_JOINED = re.compile(
    r"(?<!\S)(?:" + _JOINER_RE + "|" + "|".join(
        re.escape(w) for w in sorted({w for ws in ALSO.values() for w in ws}, key=len,
                                     reverse=True)) + r")(?!\S)"
    + r"|(?<=\s)و(?=[كکچلوهشمأا]\S)",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:(?:" + _JOINER_RE + r")(?:\s+|$))+", re.IGNORECASE)
# Split points of one language only, where the message is in it: Turkish "also" is a
# word after the noun ("kira ne kadar okul da nerede" splits before "okul"; "da/de", and
# "ta/te" after a voiceless consonant, would be French "de"); Russian, Ukrainian and
# Persian written in Latin letters join with "i", "ta", "va" (English "i" elsewhere).
OWN_SPLITS: dict[str, re.Pattern[str]] = {
    "tr": re.compile(r"\s+(?=\w+\s+(?:da|de|ta|te)\s+\w)", re.IGNORECASE),
    "ru": re.compile(r"\s+(?:i|a eshche|a esche|a eshe|i eshche|i esche)\s+", re.IGNORECASE),
    "uk": re.compile(r"\s+(?:i|ta|a takozh|i shche)\s+", re.IGNORECASE),
    "fa": re.compile(r"\s+(?:va|hamchenin)\s+", re.IGNORECASE),
}


def parts(text: str, lang: str = "") -> list[str]:
    """The pieces of a message between question ends and conjunctions (non-empty), each
    without a conjunction it starts with. ``lang`` adds that language's own split points."""
    pieces = [p.strip() for p in _SPLIT.split(text) if p and p.strip()]
    own = OWN_SPLITS.get(lang)
    if own is not None:
        pieces = [q for p in pieces for q in own.split(p)]
    bare = (_LEADING.sub("", p).strip() for p in pieces)
    return [p for p in bare if p][:MAX_PARTS + 2]


def two_topics(text: str, match: Match, match_part: Callable[[str], Match],
               lang: str = "", entries: Collection[str] = (),
               greets: Callable[[str], bool] = lambda part: False) -> Match:
    """``match`` with the second topic of a two-question message one tap away: the other
    part's entry first, then what else that part and the whole message came close to
    (among ``entries``, the knowledge base's, when given). A part that only ``greets``
    ("hi, …") takes no part's place."""
    if match.decision not in ("answer", "suggest", "decline") or match.emergency:
        return match
    if match.not_covered:  # a kind of question no entry covers came first
        return match
    if not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
        return match
    top = match.candidates[0].score if match.candidates else 0.0
    runners = {c.entry for c in match.candidates if c.score >= RUNNER_UP * top}
    if len(runners) < 2:
        return match  # the whole message touches one topic only: no parts to match
    pieces = [p for p in parts(text, lang) if not greets(p)]
    if len(pieces) < 2:
        return match
    # a part's "Did you mean" counts only in a message joined by words (see _JOINED)
    own = OWN_SPLITS.get(lang)
    joined = _JOINED.search(text) or (own is not None and own.search(text))
    weak = runners if joined else None
    best, nearby = _confident(pieces[:MAX_PARTS], match_part, weak)
    ranked = sorted(best, key=lambda e: -best[e])[:2]
    if len(ranked) < 2 or best[ranked[0]] < PART_SURE:
        return match
    if match.decision == "answer" and match.entry not in ranked:
        return match
    first = match.entry if match.decision == "answer" and match.entry else ranked[0]
    other = ranked[1] if first == ranked[0] else ranked[0]
    close = [c.entry for c in match.candidates
             if c.entry in runners and c.entry in entries and c.entry not in (first, other)][:1]
    # the whole message's "Did you mean" stays (it may hold what was asked), then the
    # other part's and the whole message's runners-up
    rest = tuple(dict.fromkeys(s for s in (*match.suggestions, *nearby[other][:1], *close)
                               if s not in (first, other)))
    return replace(match, decision="answer", entry=first,
                   confidence=max(match.confidence, best[first]),
                   suggestions=(other, *rest)[:max(3, 1 + len(match.suggestions))],
                   also=other)


def _part_topic(found: Match, runners: set[str] | None, words: int,
                ) -> tuple[str | None, tuple[str, ...]]:
    """The entry one part of a message asks about, and the others it came close to: its
    answer (PART_MAYBE sure), else, when ``runners`` is given, the first "Did you mean"
    of a part of several words ("hallo" is none) PART_SUGGEST sure, or PART_WEAK when
    the whole message has that entry among its ``runners`` too."""
    if found.decision == "answer" and found.entry:
        entry: str | None = found.entry
    elif found.decision == "suggest" and found.suggestions and words > 1 and runners is not None:
        entry = found.suggestions[0]
    else:
        return None, ()
    if found.decision == "answer":
        floor = PART_MAYBE
    else:
        floor = min(PART_SUGGEST, PART_WEAK if entry in (runners or ()) else 1.0)
    if found.confidence < floor:
        return None, ()
    return entry, tuple(s for s in found.suggestions if s != entry)


def _confident(pieces: list[str], match_part: Callable[[str], Match],
               runners: set[str] | None) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """The entries the parts ask about, with the best confidence and the suggestions
    beside it; empty as soon as the parts left cannot make two."""
    best: dict[str, float] = {}
    nearby: dict[str, tuple[str, ...]] = {}
    for n, piece in enumerate(pieces):
        if len(best) + len(pieces) - n < 2:
            return {}, {}  # each part adds one entry at most: no two topics
        found = match_part(piece)
        entry, close = _part_topic(found, runners, len(piece.split()))
        if entry and found.confidence >= best.get(entry, 0.0) + 1e-9:
            best[entry] = found.confidence
            nearby[entry] = close
    return best, nearby
