"""Does a message ask about another place than Jena? (Bürgeramt Berlin, a flat in Munich.)

The names are data (``places.json``). A message that names a place other than Jena —
not as where the writer comes from or travels to ("aus Berlin", "bis Erfurt") — and
never names Jena or "here" is about that place: the not-covered kind ``other-places``
then decides over an entry it only shares vocabulary with (policy rule 3).
"""

from __future__ import annotations

import json
from importlib import resources

from bot.understanding.text import normalize

PLACES_FILE = "places.json"
OTHER_PLACES = "other-places"  # the not-covered kind for questions about other places
PREFIX_MIN = 6  # shorter names match only a whole word (Gera, not gerade)
SUFFIX_MAX = 4  # inflected forms: Leipziger, в Лейпциге, Berlin'de


def read_places() -> dict[str, tuple[str, ...]]:
    """The shipped name lists: ``jena``, ``here``, ``elsewhere``, ``from``."""
    text = resources.files(__package__).joinpath(PLACES_FILE).read_text("utf-8")
    return {key: tuple(value) for key, value in json.loads(text).items()
            if isinstance(value, list)}


class _Names:
    """Names matched as a whole word, or as a prefix when at least PREFIX_MIN long."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.exact = frozenset(names)
        self.prefixes = frozenset(n for n in names if len(n) >= PREFIX_MIN)
        self.lengths = sorted({len(n) for n in self.prefixes})

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return word in self.exact or any(
            word[:size] in self.prefixes for size in self.lengths
            if size < len(word) <= size + SUFFIX_MAX)


_LISTS = read_places()
_JENA, _ELSEWHERE = _Names(_LISTS["jena"]), _Names(_LISTS["elsewhere"])
_FROM, _HERE = frozenset(_LISTS["from"]), frozenset(_LISTS["here"])


def here(word: str) -> bool:
    """True for a folded word that names Jena or says "here" ("hier", "тут", "jena")."""
    return word in _HERE or word in _JENA


def elsewhere(text: str) -> bool:
    """True when the message names another place (not as where the writer comes from or
    travels to) and never Jena nor "here"."""
    words = normalize(text).split()
    other = False
    for pos, word in enumerate(words):
        if word in _HERE or word in _JENA:
            return False
        if not other and word in _ELSEWHERE:
            other = pos == 0 or words[pos - 1] not in _FROM
    return other
