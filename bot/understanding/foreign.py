"""The language of a message the bot does not speak (Spanish, Chinese, Tigrinya …).

``language.detect`` only ever names one of the eight supported languages. Here, first the
script decides (Han, Devanagari, Georgian, Ethiopic …; in Arabic script the letters only
Pashto or Sorani Kurdish use), then, for Latin letters, py3langid restricted to the
Latin-script languages of ``LATIN`` (a second, small model beside the supported one,
cached on disk like it) and a word list for Somali, which py3langid does not know.
"""

from __future__ import annotations

import re
import unicodedata

from bot.understanding import identifier
from bot.understanding.language import DETECT_CONFIDENT, SUPPORTED, Detection, detect

# Latin-script languages py3langid tells apart from de/en/tr/fr (it knows no Somali).
LATIN: tuple[str, ...] = ("de", "en", "tr", "fr", "es", "it", "pt", "pl", "ro", "vi", "sq",
                          "ku", "nl", "hr", "id")
FOREIGN_SURE = 0.8  # py3langid's share for a foreign language over the supported ones
FOREIGN_MAYBE = 0.5  # enough when the supported detection is unsure itself
MIN_LETTERS = 4

# Scripts that name a language by themselves (first letter's Unicode name prefix).
_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("CJK UNIFIED", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"),
    ("DEVANAGARI", "hi"), ("GEORGIAN", "ka"), ("ETHIOPIC", "ti"), ("ARMENIAN", "hy"),
    ("THAI", "th"), ("HEBREW", "he"), ("GREEK", "el"), ("BENGALI", "bn"), ("TAMIL", "ta"),
    ("GURMUKHI", "pa"), ("SINHALA", "si"), ("KHMER", "km"), ("MYANMAR", "my"),
)
_PASHTO = set("ټډړږښګڼېۍځڅ")
_SORANI = set("ڵێۆڕەڤ")
_URDU = set("ےٹڈڑںھ")
_PASHTO_WORDS = frozenset({"چیرته", "د", "ته", "کوم", "غواړم", "دی", "لرم", "زه", "څنګه",
                           "مننه", "اړتیا", "کړم", "په", "اړه", "کول", "دې", "شم", "غواړي"})
_SOMALI = frozenset({
    "waa", "iyo", "sidee", "xagee", "baan", "waxaan", "mahadsanid", "salaan", "shaqo",
    "guri", "dhakhtar", "luqadda", "jarmalka", "ayaan", "u", "ka", "loo", "raadinayaa",
    "baahanahay", "helaa", "caafimaadka", "caymiska", "warran", "saaxiib", "iska", "yaal",
    "inaan", "rabaa", "barto", "furaa", "sameeyaa", "maxaa", "waan", "miyaa", "aad",
})
_WORD = re.compile(r"[^\W\d_]+")


def preload() -> None:
    """Start loading the Latin-script model in the background."""
    identifier.preload(LATIN)


def identify(text: str, ignore: frozenset[str] = frozenset()) -> Detection:
    """The language of ``text``, any ISO 639-1 code; the supported detection unless the
    script, the letters or the Latin-script model clearly name another language."""
    by_script = _by_script(text)
    if by_script is not None:
        return by_script
    found = detect(text, ignore)
    if found.lang not in ("de", "en", "tr", "fr"):
        return found  # Cyrillic, Arabic script, or Arabic/Persian/Russian in Latin letters
    words = [w for w in _WORD.findall(text.casefold()) if _fold(w) not in ignore]
    if sum(w in _SOMALI for w in words) >= 2:
        return Detection("so", 0.8)
    if sum(len(w) for w in words) < MIN_LETTERS:
        return found
    ranked = identifier.identifier(LATIN).rank(" ".join(words))
    probs = {lang: p for lang, p in ranked if lang in LATIN}
    best = max(probs, key=lambda k: probs[k])
    share = probs[best] / (sum(probs.values()) or 1.0)
    unsure = found.confidence < DETECT_CONFIDENT and share >= FOREIGN_MAYBE
    if best not in SUPPORTED and (share >= FOREIGN_SURE or unsure):
        return Detection(best, round(min(max(share, DETECT_CONFIDENT), 0.99), 3))
    return found


def _by_script(text: str) -> Detection | None:
    letters = [ch for ch in text if ch.isalpha()]
    counts: dict[str, int] = {}
    for ch in letters:
        if ch.isascii():
            continue
        name = unicodedata.name(ch, "")
        for prefix, lang in _SCRIPTS:
            if name.startswith(prefix):
                counts[lang] = counts.get(lang, 0) + 1
                break
    if counts:
        lang = max(counts, key=lambda k: counts[k])
        if counts[lang] >= max(1, 0.3 * len(letters)):
            return Detection(lang, 0.9)
    words = set(text.split())
    marks = {"ps": sum(ch in _PASHTO for ch in letters) + 2 * len(words & _PASHTO_WORDS),
             "ku": sum(ch in _SORANI for ch in letters),
             "ur": sum(ch in _URDU for ch in letters) // 2}
    lang = max(marks, key=lambda k: marks[k])
    return Detection(lang, 0.8) if marks[lang] >= 1 else None


def _fold(word: str) -> str:
    from bot.understanding.text import normalize

    return normalize(word)


def asked_in(text: str, ignore: frozenset[str] = frozenset()) -> str | None:
    """The language a message is written in (any ISO 639-1 code), or None when unsure."""
    found = identify(text, ignore)
    return found.lang if found.confidence >= DETECT_CONFIDENT else None
