"""Russian, Ukrainian, Arabic and Persian as people type them in Latin letters, learnt from
the knowledge base's own ways of asking.

The shipped word lists (``words.json``: ``ru-latin``, ``uk-latin``, ``arabizi``,
``finglish``) hold the frequent words; a short message such as "pogoda na zavtra" or
"kak doehat ot vokzala" is mostly other words. Here every Cyrillic word of the Russian
and Ukrainian ways of asking is transliterated the ways people type it ("расписание" →
raspisanie; Ukrainian "г" → h: "погода" → pohoda), and every word of the ways of asking
already written in Latin letters ("kart eghamat", "3ayez afta7 7esab") is taken as it
is. A word counts only where it cannot be a word of the Latin-script languages: at least
``MIN_LEN`` letters, not a word of the German, English, French or Turkish ways of asking
or word lists, not a German name (``ignore``).
"""

from __future__ import annotations

import itertools
import re

from bot.knowledge.model import KnowledgeBase
from bot.understanding.language import LATIN_LANGS, LATIN_VOTES
from bot.understanding.text import normalize

LANGS: tuple[str, ...] = ("ru", "uk", "ar", "fa")
MIN_LEN = 5  # shorter transliterations are too often words of other languages (film, dare)
MAX_VARIANTS = 8  # spellings kept per Cyrillic word
MAX_TEXTS = 20_000  # a larger base learns from the entries of its first 20,000 ways of asking

# The ways people type each letter, the most frequent first.
_RU: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ё": ("e", "yo"), "ж": ("zh", "j"), "з": ("z",), "и": ("i",), "й": ("i", "y", "j"),
    "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",),
    "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",), "х": ("h", "kh"),
    "ц": ("ts", "c"), "ч": ("ch", "4"), "ш": ("sh",), "щ": ("sch", "shch"), "ъ": ("",),
    "ы": ("y", "i"), "ь": ("",), "э": ("e",), "ю": ("yu", "ju"), "я": ("ya", "ja"),
}
_UK: dict[str, tuple[str, ...]] = _RU | {
    "г": ("h",), "ґ": ("g",), "и": ("y", "i"), "і": ("i",), "ї": ("i", "yi", "ji"),
    "є": ("ye", "ie", "je"), "х": ("kh", "h"), "'": ("",), "’": ("",),
}
_TABLES = {"ru": _RU, "uk": _UK}
_CYRILLIC_WORD = re.compile(r"[а-яёіїєґ'’]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")


def transliterate(word: str, lang: str) -> list[str]:
    """The Latin spellings of a lower-case Cyrillic ``word`` (at most ``MAX_VARIANTS``)."""
    table = _TABLES[lang]
    if any(ch not in table for ch in word):
        return []
    spellings = ("".join(parts) for parts in itertools.product(*(table[ch] for ch in word)))
    return list(itertools.islice(spellings, MAX_VARIANTS))


def learn(kb: KnowledgeBase, ignore: frozenset[str]) -> dict[str, frozenset[str]]:
    """Per language of ``LANGS``, its words in Latin letters learnt from ``kb``: not the
    words of the shipped lists or of the ways of asking of ``LATIN_LANGS``, nor ``ignore``.
    """
    latin, typed, cyrillic = _words(kb)
    for lang in LATIN_LANGS:
        latin |= LATIN_VOTES[lang]
    learnt = typed
    for lang, words in cyrillic.items():
        for word in words:
            learnt[lang].update(transliterate(word, lang))
    return {lang: frozenset(w for w in words
                            if len(w) >= MIN_LEN and w not in latin and w not in ignore)
            for lang, words in learnt.items()}


def _words(kb: KnowledgeBase) -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]]:
    """The distinct words of the ways of asking: those of ``LATIN_LANGS``, those of
    ``LANGS`` typed in Latin letters (both normalised), and their Cyrillic words (of the
    entries of the first ``MAX_TEXTS`` ways of asking: a tenth of a second at most)."""
    latin: list[str] = []
    typed: dict[str, list[str]] = {lang: [] for lang in LANGS}
    cyrillic: dict[str, list[str]] = {lang: [] for lang in _TABLES}
    budget = MAX_TEXTS
    for entry in kb.entries.values():
        budget -= sum(len(text.questions) for text in entry.texts.values())
        if budget < 0:
            break
        for lang, text in entry.texts.items():
            if lang in LATIN_LANGS:
                latin.append(text.title)
                latin.extend(text.questions)
            elif lang in typed:
                typed[lang].extend(q for q in text.questions if q.isascii())
                if lang in cyrillic:
                    cyrillic[lang].extend(text.questions)
    return (_distinct(latin),
            {lang: _distinct(texts) for lang, texts in typed.items()},
            {lang: set(_CYRILLIC_WORD.findall("\n".join(texts).casefold()))
             for lang, texts in cyrillic.items()})


def _distinct(texts: list[str]) -> set[str]:
    words = set("\n".join(texts).casefold().split())  # normalise each distinct word once
    return set(_LATIN_WORD.findall(normalize(" ".join(words))))
