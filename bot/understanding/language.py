"""Supported languages, their names, and detection of the language of a short message."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError

from bot.understanding import identifier

# Order matters: it is the order of the language buttons and of fallbacks in reports.
SUPPORTED: tuple[str, ...] = ("de", "en", "uk", "ru", "ar", "fa", "tr", "fr")
RTL: frozenset[str] = frozenset({"ar", "fa"})
FALLBACK = "en"
DETECT_CONFIDENT = 0.5  # below this a detection is not trusted (a lone German term, emoji)
UNSURE = 0.3  # the most a message of German names alone can be sure of its language
TIE_SURE = 0.6  # langid's share among tied languages that settles a tie of word votes

LATIN_LANGS = ("de", "en", "tr", "fr")  # the supported languages written in Latin letters
PAIR_GUESS_WORDS = 3  # uk/ru: below this many words the statistics alone only guess
PAIR_GUESS = 0.45  # ... and a guess is not sure (< DETECT_CONFIDENT)
SETTLED = 6.0  # letters and words this far apart decide a pair without the statistics

# Letters only one language of a pair uses.
_UK_ONLY = set("іїєґ")
_RU_ONLY = set("ыэъё")
_FA_ONLY = set("پچژگیک")  # U+06CC and U+06A9: the Persian keyboard's yeh and kaf
_AR_ONLY = set("ةيكىؤ")  # U+064A and U+0643: the Arabic keyboard's yeh and kaf
_TR_ONLY = set("ışğ")
_FR_HINT = set("éèêàùâîôœ")  # (ç and the umlauts are Turkish too, and German names)

# Frequent words that tell a pair apart where the letters do not (normalised spelling),
# and Arabic, Persian, Russian and Ukrainian typed in Latin letters: see words.json.
WORDS_FILE = "words.json"


def read_words() -> dict[str, frozenset[str]]:
    """The shipped word lists, by list name (``uk``, ``ru-latin`` …)."""
    text = resources.files(__package__).joinpath(WORDS_FILE).read_text("utf-8")
    return {name: frozenset(words) for name, words in json.loads(text).items()
            if isinstance(words, list)}


_LISTS = read_words()
_UK_WORDS, _RU_WORDS = _LISTS["uk"], _LISTS["ru"]
_FA_WORDS, _AR_WORDS = _LISTS["fa"], _LISTS["ar"]
_ARABIZI_WORDS, _FINGLISH_WORDS = _LISTS["arabizi"], _LISTS["finglish"]
_RU_LATIN_WORDS, _UK_LATIN_WORDS = _LISTS["ru-latin"], _LISTS["uk-latin"]
GERMAN_EVERYDAY = _LISTS["de"]  # never ignored as part of a German name (vocabulary.py)
# Everyday words of every language as typed in Latin letters: a short message is the
# language of its own words, not of the German names in it ("contrat électricité
# stadtwerke jena" is French).
LATIN_VOTES: dict[str, frozenset[str]] = {
    "de": _LISTS["de"], "en": _LISTS["en"], "fr": _LISTS["fr"], "tr": _LISTS["tr"],
    "ar": _ARABIZI_WORDS, "fa": _FINGLISH_WORDS, "ru": _RU_LATIN_WORDS, "uk": _UK_LATIN_WORDS,
}
_ARABIZI_ARTICLE = "el"  # counts for Arabizi only next to another Arabizi word
_ARABIZI_DIGIT = re.compile(r"[a-z]+[2375][a-z]|[2375][a-z]{2,}|[a-z]{2,}[2375]\b")
_URL = re.compile(r"(https?://|www\.)\S+|\S+@\S+")
_WORD = re.compile(r"[^\W_]+")
_ASCII_LETTER = re.compile("[A-Za-z]")


@dataclass(frozen=True)
class Detection:
    """The detected language of a message and how sure the detector is (0..1)."""

    lang: str
    confidence: float


def endonym(code: str) -> str:
    """The language's own name, capitalised as on a button ("Українська", "فارسی")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def negotiate(code: str | None) -> str | None:
    """Map a client language tag such as ``uk-UA`` or ``pt-BR`` to a supported language."""
    if not code:
        return None
    try:
        locale = Locale.parse(code.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError, TypeError):
        return None
    return locale.language if locale.language in SUPPORTED else None


def preload() -> None:
    """Start loading the statistical model in the background (it takes a while)."""
    identifier.preload(SUPPORTED)


def _identifier() -> Any:
    return identifier.identifier(SUPPORTED)


def _langid_rank(text: str, choices: tuple[str, ...]) -> list[tuple[str, float]]:
    ranked = _identifier().rank(text)
    probs = {lang: p for lang, p in ranked if lang in choices}
    total = sum(probs.values()) or 1.0
    return sorted(((lang, p / total) for lang, p in probs.items()), key=lambda x: -x[1])


def _script_counts(text: str) -> dict[str, int]:
    if text.isascii():  # most messages: the letters are a-z, A-Z
        return {"latin": len(_ASCII_LETTER.findall(text)), "cyrillic": 0, "arabic": 0,
                "other": 0}
    counts = {"latin": 0, "cyrillic": 0, "arabic": 0, "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff":
            counts["arabic"] += 1
        elif "\u0400" <= ch <= "\u04ff":
            counts["cyrillic"] += 1
        elif ch.isascii() or unicodedata.name(ch, "").startswith("LATIN"):
            counts["latin"] += 1
        else:
            counts["other"] += 1
    return counts


def _pair(
    text: str,
    words: list[str],
    a: str,
    b: str,
    a_letters: set[str],
    b_letters: set[str],
    a_words: frozenset[str],
    b_words: frozenset[str],
    guess_words: int = 0,
) -> Detection:
    """Decide between two languages sharing a script: letters, then words, then statistics
    (py3langid, asked only when letters and words are less than ``SETTLED`` apart).

    With ``guess_words``, a message of fewer words that neither letters nor words tell
    apart ("ок", "ясно", "рецепт") is a guess of the statistics: not sure, so the user's
    own language is kept.
    """
    score = 0.0
    score += 2.0 * sum(ch in a_letters for ch in text) - 2.0 * sum(ch in b_letters for ch in text)
    score += 1.5 * sum(w in a_words for w in words) - 1.5 * sum(w in b_words for w in words)
    told = score != 0
    if abs(score) >= SETTLED:  # the statistics' ±2 would leave the same language, 0.99 sure
        return Detection(a if score > 0 else b, 0.99)
    ranked = dict(_langid_rank(" ".join(words), (a, b)))
    score += 4.0 * (ranked.get(a, 0.5) - 0.5)
    if score == 0:
        return Detection(a, 0.5 if len(words) >= guess_words else PAIR_GUESS)
    lang = a if score > 0 else b
    confidence = min(0.99, 0.5 + abs(score) / 8)
    if not told and len(words) < guess_words:
        confidence = min(confidence, PAIR_GUESS)
    return Detection(lang, confidence)


def detect(text: str, ignore: frozenset[str] = frozenset(),
           romanised: Mapping[str, frozenset[str]] | None = None) -> Detection:
    """Detect which supported language a short message is written in.

    ``ignore`` holds normalised words that say nothing about the language, such as German
    official terms (Anmeldung, Ausländerbehörde) that appear inside questions in every
    language; they are left out before deciding. ``romanised``: Russian, Ukrainian,
    Arabic and Persian words in Latin letters learnt from the knowledge base
    (``romanised.learn``), counted like the shipped lists. Confidence is low (< 0.5) when
    the message has too few words to tell, e.g. a lone "Anmeldung".
    """
    learnt = romanised or {}
    text = _URL.sub(" ", unicodedata.normalize("NFKC", text))
    lowered = text.casefold()
    words = [w for w in _WORD.findall(lowered) if not w.isdigit()]
    kept = [w for w in words if _fold(w) not in ignore]
    scripts = _script_counts(" ".join(kept))
    letters = sum(scripts.values())
    if letters == 0:  # only German names (or nothing): their own words may still tell
        winner = _vote_winner(_latin_votes(lowered, frozenset(), learnt))
        if winner is not None:
            return Detection(winner, 0.6)
        if not words:
            return Detection(FALLBACK, 0.0)
        # the names' own script and letters (аусляндерамт, denkliği) still say more than
        # "German", but not enough to override the user's language (unsure)
        guess = _by_script_and_words(lowered, words, words, learnt)
        hinted = any(ch in _TR_ONLY or ch in _FR_HINT for ch in lowered)
        lang = guess.lang if guess.lang not in LATIN_LANGS or hinted else "de"
        return Detection(lang, min(guess.confidence, UNSURE))
    return _by_script_and_words(lowered, words, kept, learnt)


def _by_script_and_words(lowered: str, words: list[str], kept: list[str],
                         learnt: Mapping[str, frozenset[str]]) -> Detection:
    """Detect from the words ``kept`` (the message's words without German names)."""
    scripts = _script_counts(" ".join(kept))
    letters = sum(scripts.values())
    joined = " ".join(kept)
    if scripts["cyrillic"] >= max(2, 0.25 * letters):
        cyr = [w for w in kept if _script_counts(w)["cyrillic"]]
        return _pair(" ".join(cyr), cyr, "uk", "ru", _UK_ONLY, _RU_ONLY, _UK_WORDS, _RU_WORDS,
                     PAIR_GUESS_WORDS)
    if scripts["arabic"] >= max(2, 0.25 * letters):
        arab = [w for w in kept if _script_counts(w)["arabic"]]
        return _pair(" ".join(arab), arab, "fa", "ar", _FA_ONLY, _AR_ONLY, _FA_WORDS, _AR_WORDS)
    latin = lowered if len(kept) == len(words) else joined
    votes = _latin_votes(lowered, frozenset(re.findall(r"[a-z0-9]+", _fold(latin))), learnt)
    ranked, leaning = _latin_rank(lowered, latin, len(kept), votes)
    best, prob = ranked[0]
    if any(ch in _TR_ONLY for ch in latin):  # ı ş ğ: only Turkish writes them
        votes["tr"] += 2
        if best != "tr":
            best, prob = "tr", 0.7
    confidence = prob if len(kept) >= 3 else prob * 0.6
    if leaning:
        confidence = min(confidence, UNSURE)
    winner = _vote_winner(votes)
    if winner is None:
        return _tie_break(latin, votes) or Detection(best, round(min(confidence, 0.99), 3))
    hits = votes[winner]
    if winner == best:  # the statistics and the words agree: sure even when short
        return Detection(best, round(min(max(confidence, 0.5 + 0.1 * hits), 0.99), 3))
    if winner in LATIN_LANGS and prob >= 0.95 and hits < 2:
        return Detection(best, round(min(confidence, 0.99), 3))
    return Detection(winner, round(min(0.5 + 0.1 * hits, 0.9), 3))


def _latin_rank(lowered: str, latin: str, kept: int,
                votes: dict[str, int]) -> tuple[list[tuple[str, float]], bool]:
    """The statistics on the words besides the German names (``latin``), and whether they
    were too few and unsure, so that the whole message decided: one word around
    German names ("gez befreiung student") are German when the whole message reads German
    — a lean, never sure (the user's own language wins)."""
    ranked = _langid_rank(latin, LATIN_LANGS)
    if kept > 1 or ranked[0][1] >= 0.5 or _vote_winner(votes) is not None:
        return ranked, False
    whole = _langid_rank(lowered, LATIN_LANGS)
    return (whole, True) if whole[0][0] == "de" else (ranked, False)


def _latin_votes(lowered: str, kept: frozenset[str],
                 learnt: Mapping[str, frozenset[str]]) -> dict[str, int]:
    """Per language, how many of its everyday words the message has: all of its words
    count (a French "cours" may also be a keyword), except that German words count only
    outside the German names (``kept``: the folded words not ignored). A word of a
    shipped list and of the ``learnt`` words counts once."""
    tokens = frozenset(re.findall(r"[a-z0-9]+", _fold(lowered)))
    votes = {lang: _count(kept if lang == "de" else tokens, listed, learnt.get(lang))
             for lang, listed in LATIN_VOTES.items()}
    votes["ar"] += 2 * len(_ARABIZI_DIGIT.findall(lowered))
    if votes["ar"] and _ARABIZI_ARTICLE in tokens:  # "wein el ...", not Spanish "el"
        votes["ar"] += 1
    votes["fr"] += any(ch in _FR_HINT for ch in lowered)
    return votes


def _count(words: frozenset[str], listed: frozenset[str], learnt: frozenset[str] | None) -> int:
    found = len(words & listed)
    return found + len((words & learnt) - listed) if learnt else found


def _tie_break(latin: str, votes: dict[str, int]) -> Detection | None:
    """Two or more Latin-script languages have as many everyday words each ("job
    etudiant jena": English "job", French "etudiant"): the statistics decide among those
    alone, not among all four (where German, the language of the names, often wins)."""
    top = max(votes.values())
    tied = tuple(lang for lang in LATIN_LANGS if votes[lang] == top)
    if top == 0 or len(tied) < 2 or any(votes[lang] == top for lang in votes
                                         if lang not in LATIN_LANGS):
        return None  # romanised Arabic, Persian …: no statistics to ask
    lang, prob = _langid_rank(latin, tied)[0]
    return Detection(lang, 0.5 + 0.1 * top) if prob >= TIE_SURE else None


def _vote_winner(votes: dict[str, int]) -> str | None:
    """The language whose everyday words occur most often, when it leads alone."""
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    (first, top), (_, second) = ranked[0], ranked[1]
    return first if top > second else None


def _fold(word: str) -> str:
    from bot.understanding.text import normalize

    return normalize(word)

