"""Supported languages, their names, and detection of the language of a short message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

# Order matters: it is the order of the language buttons and of fallbacks in reports.
SUPPORTED: tuple[str, ...] = ("de", "en", "uk", "ru", "ar", "fa", "tr", "fr")
RTL: frozenset[str] = frozenset({"ar", "fa"})
FALLBACK = "en"
DETECT_CONFIDENT = 0.5  # below this a detection is not trusted (a lone German term, emoji)

_LATIN_LANGS = ("de", "en", "tr", "fr")

# Letters only one language of a pair uses.
_UK_ONLY = set("іїєґ")
_RU_ONLY = set("ыэъё")
_FA_ONLY = set("پچژگیک")  # U+06CC and U+06A9: the Persian keyboard's yeh and kaf
_AR_ONLY = set("ةيكىؤ")  # U+064A and U+0643: the Arabic keyboard's yeh and kaf
_TR_ONLY = set("ışğ")
_FR_HINT = set("éèêàùâîôœç")
_DE_HINT = set("äöüß")

# Frequent words that tell a pair apart where the letters do not (normalised spelling).
_UK_WORDS = frozenset(
    [
        "що",
        "як",
        "чи",
        "це",
        "та",
        "або",
        "мені",
        "мене",
        "де",
        "треба",
        "потрібно",
        "можна",
        "коли",
        "скільки",
        "дитина",
        "дитини",
        "хочу",
        "маю",
        "я",
        "ми",
        "ви",
        "він",
        "вона",
        "вони",
        "є",
        "його",
        "її",
        "їх",
        "також",
        "дуже",
        "для",
        "від",
        "щоб",
        "тому",
        "бо",
        "ще",
        "вже",
        "зробити",
        "отримати",
        "куди",
        "який",
        "яка",
        "які",
        "де",
        "знайти",
        "допомога",
        "допоможіть",
        "будь",
        "ласка",
        "працювати",
        "житло",
        "квартиру",
        "мову",
        "вивчити",
        "податок",
    ]
)
_RU_WORDS = frozenset(
    [
        "что",
        "как",
        "или",
        "это",
        "мне",
        "меня",
        "где",
        "нужно",
        "надо",
        "можно",
        "когда",
        "сколько",
        "ребенок",
        "ребенка",
        "хочу",
        "есть",
        "его",
        "ее",
        "их",
        "тоже",
        "очень",
        "для",
        "от",
        "чтобы",
        "потому",
        "еще",
        "уже",
        "сделать",
        "получить",
        "куда",
        "какой",
        "какая",
        "какие",
        "найти",
        "помощь",
        "помогите",
        "пожалуйста",
        "работать",
        "жилье",
        "квартиру",
        "язык",
        "выучить",
        "налог",
    ]
)
_FA_WORDS = frozenset(
    [
        "است",
        "هست",
        "نیست",
        "می",
        "میخوام",
        "میخواهم",
        "را",
        "رو",
        "که",
        "برای",
        "چی",
        "چه",
        "کجا",
        "کجاست",
        "چطور",
        "چگونه",
        "من",
        "یه",
        "باید",
        "میشه",
        "میتونم",
        "کنم",
        "دارم",
        "ندارم",
        "هستم",
        "بود",
        "شد",
        "این",
        "اون",
        "آن",
        "با",
        "از",
        "به",
        "تو",
        "در",
        "خیلی",
    ]
)
_AR_WORDS = frozenset(
    [
        "في",
        "هل",
        "شو",
        "وين",
        "بدي",
        "عندي",
        "ما",
        "هو",
        "هي",
        "كيف",
        "كيفية",
        "اين",
        "أين",
        "لازم",
        "ممكن",
        "الى",
        "إلى",
        "على",
        "عن",
        "هذا",
        "هاي",
        "هلق",
        "كتير",
        "شي",
        "انا",
        "أنا",
        "اريد",
        "أريد",
        "ابغى",
        "عم",
        "بس",
        "يعني",
        "التي",
        "الذي",
        "مع",
        "كان",
    ]
)
# Arabic and Persian written in Latin letters ("Arabizi", "Finglish").
_ARABIZI_WORDS = frozenset(
    [
        "shu",
        "shou",
        "sho",
        "wein",
        "wen",
        "wain",
        "bidi",
        "baddi",
        "badi",
        "3andi",
        "andi",
        "mafi",
        "kif",
        "keef",
        "kifak",
        "ya3ni",
        "yaani",
        "inshallah",
        "mish",
        "msh",
        "kteer",
        "ktir",
        "ente",
        "enta",
        "inta",
        "bas",
        "halla",
        "hala",
        "shi",
        "lesh",
        "leish",
        "3am",
        "3ala",
        "3an",
        "ma3",
        "wa7ed",
        "7abibi",
        "mnih",
        "mni7",
        "la2",
        "ba3d",
    ]
)
_FINGLISH_WORDS = frozenset(
    [
        "man",
        "mikham",
        "mikhay",
        "mikhad",
        "chetor",
        "chetori",
        "koja",
        "kojast",
        "chi",
        "chera",
        "agar",
        "bayad",
        "mitunam",
        "mitoonam",
        "mishe",
        "konam",
        "bezanam",
        "bezan",
        "baraye",
        "nist",
        "khob",
        "khoobi",
        "salam",
        "mamnoon",
        "lotfan",
        "kheili",
        "kheyli",
        "chejuri",
        "daram",
        "nadaram",
        "hastam",
        "shod",
        "tasadof",
        "zang",
        "mikonam",
        "chikar",
        "chekar",
        "kojaye",
        "midoonam",
        "midunam",
    ]
)
# Russian and Ukrainian typed in Latin letters: frequent words that differ between them
# ("kak/yak", "gde/de", "mozhno/mozhna"). German/English look-alikes are left out.
_RU_LATIN_WORDS = frozenset(
    "kak gde mozhno nuzhno nuzhen nuzhna pomogite pozhaluysta pozhalujsta pozhalusta spasibo "
    "chto shto kogda skolko skoka menya mne eto kuda pochemu ochen tozhe rabotu rabota "
    "kvartiru vrach vracha nado khochu hochu zdravstvuyte zdravstvujte privet sdelat "
    "poluchit mogu nemetskiy nemeckij nemeckiy besplatno gde-to esli nuzhen nashel nashla "
    "kakie kakoy kakoj mozhet byt v-iene iene jene jena-e propisatsya zapisatsya "
    "ya-ne ne-znayu znayu sprosit rebenka detey rebenok yazyk yazyka uchit".split())
_UK_LATIN_WORDS = frozenset(
    "yak mozhna potribno treba potriben potribna dopomozhit dopomozhy bud laska budlaska "
    "dyakuyu diakuiu shcho shcho-to koly skilky skiky mene meni tse kudy chomu duzhe tezh "
    "robotu robota kvartyru likar likarya khochu vitayu pryvit zrobyty otrymaty mozhu "
    "nimetsku nimetskoyu nimetska bezkoshtovno yakshcho znayshov znayshla yaki yakyy yakyi "
    "mozhe buty yeni yena zareiestruvatysia zaresstruvatys zapysatysia ne-znayu znayu "
    "zapytaty dytyny ditey dytyna movu movy vchyty ukrainskoiu ukrayinskoyu".split())
_ARABIZI_DIGIT = re.compile(r"[a-z]+[2375][a-z]|[2375][a-z]{2,}|[a-z]{2,}[2375]\b")
_URL = re.compile(r"(https?://|www\.)\S+|\S+@\S+")
_WORD = re.compile(r"[^\W_]+")


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


@lru_cache(maxsize=1)
def _identifier(langs: tuple[str, ...] = SUPPORTED):
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=list(langs))


def _langid_rank(text: str, choices: tuple[str, ...]) -> list[tuple[str, float]]:
    ranked = _identifier().rank(text)
    probs = {lang: p for lang, p in ranked if lang in choices}
    total = sum(probs.values()) or 1.0
    return sorted(((lang, p / total) for lang, p in probs.items()), key=lambda x: -x[1])


def _script_counts(text: str) -> dict[str, int]:
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
) -> Detection:
    """Decide between two languages sharing a script: letters, then words, then statistics."""
    score = 0.0
    score += 2.0 * sum(ch in a_letters for ch in text) - 2.0 * sum(ch in b_letters for ch in text)
    score += 1.5 * sum(w in a_words for w in words) - 1.5 * sum(w in b_words for w in words)
    ranked = dict(_langid_rank(" ".join(words), (a, b)))
    score += 4.0 * (ranked.get(a, 0.5) - 0.5)
    if score == 0:
        return Detection(a, 0.5)
    lang = a if score > 0 else b
    return Detection(lang, min(0.99, 0.5 + abs(score) / 8))


def detect(text: str, ignore: frozenset[str] = frozenset()) -> Detection:
    """Detect which supported language a short message is written in.

    ``ignore`` holds normalised words that say nothing about the language, such as German
    official terms (Anmeldung, Ausländerbehörde) that appear inside questions in every
    language; they are left out before deciding. Confidence is low (< 0.5) when the
    message has too few words to tell, e.g. a lone "Anmeldung".
    """
    text = _URL.sub(" ", unicodedata.normalize("NFKC", text))
    lowered = text.casefold()
    words = [w for w in _WORD.findall(lowered) if not w.isdigit()]
    kept = [w for w in words if _fold(w) not in ignore]
    scripts = _script_counts(" ".join(kept))
    letters = sum(scripts.values())
    if letters == 0:
        return Detection("de" if words else FALLBACK, 0.2 if words else 0.0)
    joined = " ".join(kept)
    if scripts["cyrillic"] >= max(2, 0.25 * letters):
        cyr = [w for w in kept if _script_counts(w)["cyrillic"]]
        return _pair(" ".join(cyr), cyr, "uk", "ru", _UK_ONLY, _RU_ONLY, _UK_WORDS, _RU_WORDS)
    if scripts["arabic"] >= max(2, 0.25 * letters):
        arab = [w for w in kept if _script_counts(w)["arabic"]]
        return _pair(" ".join(arab), arab, "fa", "ar", _FA_ONLY, _AR_ONLY, _FA_WORDS, _AR_WORDS)
    latin = lowered if len(kept) == len(words) else joined
    tokens = set(re.findall(r"[a-z0-9]+", _fold(latin)))
    arabizi = len(tokens & _ARABIZI_WORDS) + 2 * len(_ARABIZI_DIGIT.findall(latin))
    finglish = len(tokens & _FINGLISH_WORDS)
    ranked = _langid_rank(latin, _LATIN_LANGS)
    best, prob = ranked[0]
    prior = {
        "tr": sum(ch in _TR_ONLY for ch in latin),
        "fr": sum(ch in _FR_HINT for ch in latin),
        "de": sum(ch in _DE_HINT for ch in latin),
    }
    if max(arabizi, finglish) >= 3 or (max(arabizi, finglish) == 2 and prob < 0.9):
        return Detection("ar" if arabizi > finglish else "fa", 0.6)
    russian, ukrainian = len(tokens & _RU_LATIN_WORDS), len(tokens & _UK_LATIN_WORDS)
    strong = max(russian, ukrainian) >= 3 or (max(russian, ukrainian) == 2 and prob < 0.9)
    if strong and russian != ukrainian:
        return Detection("ru" if russian > ukrainian else "uk", 0.6)
    if prior["tr"] and best != "tr":
        best, prob = "tr", 0.7
    confidence = prob if len(kept) >= 3 else prob * 0.6
    return Detection(best, round(min(confidence, 0.99), 3))


def _fold(word: str) -> str:
    from bot.understanding.text import normalize

    return normalize(word)
