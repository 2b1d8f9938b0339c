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
from bot.understanding.language import DETECT_CONFIDENT, Detection, detect

# Latin-script languages py3langid tells apart from de/en/tr/fr (it knows no Somali).
LATIN: tuple[str, ...] = ("de", "en", "tr", "fr", "es", "it", "pt", "pl", "ro", "vi", "sq",
                          "ku", "nl", "hr", "id")
# Reported from py3langid alone; the others of LATIN only absorb look-alikes (Russian or
# Ukrainian typed in Latin letters reads like Croatian or Polish).
REPORTED: tuple[str, ...] = ("es", "it", "pt", "ro", "vi", "sq", "ku")
_POLISH = set("ąćęłńśźż")
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
# Frequent, telling words (greetings, thanks, question words) of Latin-script languages
# py3langid confuses on a few words or does not know (Somali, Kurmanji, Albanian).
_WORDS: dict[str, frozenset[str]] = {
    "so": frozenset({
        "waa", "iyo", "sidee", "xagee", "baan", "waxaan", "mahadsanid", "salaan", "shaqo",
        "guri", "dhakhtar", "luqadda", "jarmalka", "ayaan", "loo", "raadinayaa", "baahanahay",
        "helaa", "caafimaadka", "caymiska", "warran", "saaxiib", "iska", "yaal", "inaan",
        "rabaa", "barto", "furaa", "sameeyaa", "maxaa", "waan", "miyaa", "nabad", "galab",
        "subax", "wanaagsan"}),
    "pt": frozenset({"obrigado", "obrigada", "bom", "boa", "olá", "ola", "tudo", "bem",
                     "você", "voce", "não", "nao", "preciso", "onde", "fazer", "tchau",
                     "noite", "tarde"}),
    "sq": frozenset({"faleminderit", "tungjatjeta", "përshëndetje", "pershendetje", "është",
                     "eshte", "duhet", "kërkoj", "kerkoj", "punë", "pune", "mirë", "mire",
                     "mirupafshim", "mirëdita", "miredita", "gjej", "qira", "banesë"}),
    "ro": frozenset({"mulțumesc", "multumesc", "mersi", "bună", "buna", "faci", "caut",
                     "găsesc", "gasesc", "trebuie", "să", "nevoie", "îmi", "unde", "ziua",
                     "medic", "familie", "muncă", "munca", "copilul", "plătesc"}),
    "ku": frozenset({"spas", "silav", "ez", "derê", "dere", "dixwazim", "bikim", "hene",
                     "digerim", "çawa", "cawa", "xêr", "rojbaş", "rojbas", "heval", "min",
                     "divê", "dive", "biçim", "bicim", "kerem"}),
    "es": frozenset({"hola", "gracias", "dónde", "donde", "necesito", "buenas", "buenos",
                     "días", "dias", "cómo", "adiós", "adios", "quiero"}),
    "it": frozenset({"ciao", "grazie", "mille", "dove", "buongiorno", "buonasera", "devo",
                     "cerco", "vorrei", "arrivederci", "come", "orari"}),
    "pl": frozenset({"cześć", "czesc", "dziękuję", "dziekuje", "dzień", "dzien", "dobry",
                     "gdzie", "jak", "mogę", "moge", "szukam", "proszę", "prosze", "ile",
                     "czy", "jest", "się", "chcę", "kosztuje", "mieszkanie", "pracy"}),
    "vi": frozenset({"xin", "chào", "chao", "cảm", "ơn", "cam", "không", "khong", "tôi",
                     "toi", "bạn", "ban", "ở", "đâu"}),
}
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
    if "¿" in text or "¡" in text:  # only Spanish opens a question or an exclamation so
        return Detection("es", 0.9)
    found = detect(text, ignore)
    if found.lang not in ("de", "en", "tr", "fr"):
        return found  # Cyrillic, Arabic script, or Arabic/Persian/Russian in Latin letters
    words = [w for w in _WORD.findall(text.casefold()) if _fold(w) not in ignore]
    by_words = _by_words(words, found)
    if by_words is not None:
        return by_words
    if sum(len(w) for w in words) < MIN_LETTERS:
        return found
    ranked = identifier.identifier(LATIN).rank(" ".join(words))
    probs = {lang: p for lang, p in ranked if lang in LATIN}
    best = max(probs, key=lambda k: probs[k])
    share = probs[best] / (sum(probs.values()) or 1.0)
    unsure = found.confidence < DETECT_CONFIDENT and share >= FOREIGN_MAYBE
    polish = any(ch in _POLISH for w in words for ch in w) or any(w in _WORDS["pl"]
                                                                  for w in words)
    if best == "pl" and polish:
        best = "pl" if share >= FOREIGN_MAYBE else ""
    elif best not in REPORTED:
        best = ""
    if best and (share >= FOREIGN_SURE or unsure):
        return Detection(best, round(min(max(share, DETECT_CONFIDENT), 0.99), 3))
    return found


def _by_words(words: list[str], found: Detection) -> Detection | None:
    """Two telling words of one language, or one in a short or unsure message."""
    hits = {lang: sum(w in known for w in words) for lang, known in _WORDS.items()}
    lang = max(hits, key=lambda k: hits[k])
    short = len(words) <= 2 or found.confidence < DETECT_CONFIDENT
    if (hits[lang] >= 2 and hits[lang] > len(words) / 3) or (hits[lang] == 1 and short
                                                           and len(words) <= 3):
        return Detection(lang, 0.7)
    return None


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
