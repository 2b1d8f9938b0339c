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


_LISTS = read_places()
_JENA, _ELSEWHERE, _FROM = _LISTS["jena"], _LISTS["elsewhere"], frozenset(_LISTS["from"])
_HERE = frozenset(_LISTS["here"])


def _names(word: str, names: tuple[str, ...]) -> bool:
    return any(word == name or (len(name) >= PREFIX_MIN and word.startswith(name)
                                and len(word) - len(name) <= SUFFIX_MAX) for name in names)


def elsewhere(text: str) -> bool:
    """True when the message names another place (not as where the writer comes from or
    travels to) and never Jena nor "here"."""
    words = normalize(text).split()
    other = False
    for pos, word in enumerate(words):
        if word in _HERE or _names(word, _JENA):
            return False
        if not other and _names(word, _ELSEWHERE):
            other = pos == 0 or words[pos - 1] not in _FROM
    return other
