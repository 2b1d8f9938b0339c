"""Does a message ask about another place than Jena? (Bürgeramt Berlin, a flat in Munich.)

The names are data (``places.json``). A message that names a place other than Jena —
not as where the writer comes from or travels to ("aus Berlin", "bis Erfurt", Turkish
"Berlin'den") — and never names Jena or "here" is about that place: the not-covered kind
``other-places`` then decides over an entry it only shares vocabulary with (policy rule 3).
"""

from __future__ import annotations

import json
from importlib import resources

from bot.understanding.text import normalize

PLACES_FILE = "places.json"
OTHER_PLACES = "other-places"  # the not-covered kind for questions about other places
PREFIX_MIN = 6  # shorter names match only a whole word (Gera, not gerade)
SUFFIX_MAX = 4  # inflected forms: Leipziger, в Лейпциге, Berlin'de
PROCLITICS = frozenset("بلوف")  # Arabic one-letter prefixes: bi- (in), li- (to), wa-, fa-


def read_places() -> dict[str, tuple[str, ...]]:
    """The shipped name lists: ``jena``, ``here``, ``elsewhere``, ``from``, ``from_suffix``."""
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
        return isinstance(word, str) and self.ending(word) is not None

    def ending(self, word: str) -> str | None:
        """What follows the name in ``word`` ("" for the name itself), None: no name.
        An Arabic-script word may carry a one-letter proclitic (ببرلين: in Berlin)."""
        found = self.bare(word)
        if found is None and len(word) > 3 and word[0] in PROCLITICS:
            found = self.bare(word[1:])
        return found

    def bare(self, word: str) -> str | None:
        """``ending`` without a proclitic."""
        if word in self.exact:
            return ""
        return next((word[size:] for size in self.lengths
                     if size < len(word) <= size + SUFFIX_MAX and word[:size] in self.prefixes),
                    None)


_LISTS = read_places()
_JENA, _ELSEWHERE = _Names(_LISTS["jena"]), _Names(_LISTS["elsewhere"])
_FROM, _HERE = frozenset(_LISTS["from"]), frozenset(_LISTS["here"])
_FROM_SUFFIX = frozenset(_LISTS.get("from_suffix", ()))  # Berlin'den: from Berlin


def here(word: str) -> bool:
    """True for a folded word that names Jena or says "here" ("hier", "тут", "jena")."""
    return word in _HERE or word in _JENA


def elsewhere(text: str) -> bool:
    """True when the message names another place (not as where the writer comes from or
    travels to) and never Jena nor "here"."""
    words = normalize(text).split()
    other = False
    for pos, word in enumerate(words):
        if word in _HERE or (word in _JENA and _ELSEWHERE.bare(word) is None):
            return False  # فیینا (Vienna) is no ف + یینا (Jena)
        if not other:
            other = _names_elsewhere(word, words[pos - 1] if pos else "")
    return other


def _names_elsewhere(word: str, before: str) -> bool:
    """``word`` names another place, not as where the writer comes from or travels to."""
    ending = _ELSEWHERE.ending(word)
    return ending is not None and before not in _FROM and ending not in _FROM_SUFFIX
