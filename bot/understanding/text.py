"""Text normalisation and tokenising for matching; pure functions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic harakat, Quranic marks, superscript alef and tatweel carry no meaning for search.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Arabic and Persian spellings of the same letters are unified so either keyboard matches.
_ARABIC_LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ؤ": "و", "ۀ": "ه",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
    "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
    "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
})
_LATIN_EXTRA = str.maketrans({"ß": "ss", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ё": "е"})
# Apostrophes inside words (Ukrainian м'ясо, French l'Anmeldung) are dropped or split.
_APOSTROPHES = "'’ʼ`´‘"
_APOSTROPHE = re.compile("[" + _APOSTROPHES + "]")
_ELISION = re.compile(r"\b([ldjmnstcq]|qu)[" + _APOSTROPHES + r"](?=\w)")
_LATIN_EXTRA_CHARS = re.compile("[ßıøæœё]")
_ARABIC_BLOCK = re.compile("[\u0600-\u06ff]")  # every character the Arabic steps change
_NON_WORD = re.compile(r"[^\w§]+")
_SECTION = re.compile(r"§\s*(\d)")
_ZW = re.compile("[\u200b-\u200f\u2066-\u2069\u202a-\u202e\ufeff]")


# A run of non-ASCII characters right after a Latin letter: only there can a mark go.
_AFTER_LATIN = re.compile(r"(?<=[a-z])[^\x00-\x7f]+")


def _drop_leading_marks(found: re.Match[str]) -> str:
    run = found.group()
    n = 0
    while n < len(run) and unicodedata.combining(run[n]):
        n += 1
    return run[n:]


def _strip_latin_marks(text: str) -> str:
    """Drop accents from Latin letters only; Cyrillic й/ї and Arabic letters stay intact.

    The combining marks directly after a letter a–z go; marks after any other letter stay.
    """
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _AFTER_LATIN.sub(_drop_leading_marks, decomposed))


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Fold a message to the comparable form used by the index.

    NFKC, case folding, Latin accents and ß folded (Ausländerbehörde → auslanderbehorde),
    Arabic/Persian letter variants and diacritics unified, apostrophes, punctuation,
    emoji and control characters removed, whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ZW.sub(" ", text).replace("\u200c", " ")
    # Each step below runs only where it can change something (a quick scan decides).
    if _LATIN_EXTRA_CHARS.search(text):
        text = text.translate(_LATIN_EXTRA)
    if _ARABIC_BLOCK.search(text):
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    if not text.isascii():
        text = _strip_latin_marks(text)
    if _APOSTROPHE.search(text):
        # French/Italian elision (l'anmeldung, d'un) splits; Ukrainian apostrophe (м'ясо)
        # joins.
        text = _APOSTROPHE.sub("", _ELISION.sub(r"\1 ", text))
    if "§" in text:
        text = _SECTION.sub(r"§ \1", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Normalised word tokens of ``text``."""
    return normalize(text).split()


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


# Arabic clitics fused to the front of a word (normalised spelling: ك → ک) and Persian
# plural endings; stripped so that "بالسکن", "والسکن" and "سکن" meet in the index.
_AR_PREFIXES = ("وبال", "وال", "بال", "فال", "کال", "لل", "ال")
_FA_SUFFIXES = ("هایی", "های", "ها")


def stem(token: str) -> str:
    """Light stemming for Arabic-script tokens; other scripts are returned unchanged."""
    if not token or not "\u0600" <= token[0] <= "\u06ff":
        return token
    for prefix in _AR_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            token = token[len(prefix):]
            break
    for suffix in _FA_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def index_tokens(text: str) -> tuple[str, ...]:
    """``match_tokens`` without its own cache, for the knowledge base's texts: each is read
    once per build (the loader has already normalised most of them)."""
    return tuple(stem(t) for t in normalize(text).split())


class WordTokens:
    """``index_tokens`` for many texts that share words, each space-separated part once
    (for a knowledge base too large for the normalisation cache).

    Exact: no step of ``normalize`` acts across a plain space (it is never composed, cased,
    elided or stripped), so a text's tokens are its parts' tokens in order.
    """

    def __init__(self) -> None:
        self._parts: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> tuple[str, ...]:
        parts = self._parts
        found: list[str] = []
        for part in text.split(" "):
            known = parts.get(part)
            if known is None:
                known = parts[part] = tuple(stem(t) for t in normalize.__wrapped__(part).split())
            found.extend(known)
        return tuple(found)


@lru_cache(maxsize=65536)
def match_tokens(text: str) -> tuple[str, ...]:
    """Normalised, lightly stemmed tokens: the vocabulary of the matching index."""
    return tuple(stem(t) for t in normalize(text).split())
