"""Recognise messages about an emergency, in every supported language.

A message that matches is never declined: the emergency numbers come first. Terms are
written in normalised form (see ``bot.text.normalize``); a trailing ``*`` matches any
ending (inflections), otherwise the whole word must match. Arabic-script terms match
anywhere, because prefixes such as و and ال attach to the word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.understanding.text import normalize

TERMS: dict[str, tuple[str, ...]] = {
    "de": ("notfall*", "notruf*", "unfall", "unfallstelle", "verletzt*", "blutet", "blutung*",
           "feuer*", "es brennt", "brennt", "gewalt", "hausliche gewalt", "schlagt mich",
           "vergewaltig*", "selbstmord*", "suizid*", "umbringen", "nicht mehr leben",
           "herzinfarkt", "schlaganfall", "bewusstlos", "ohnmachtig*", "atmet nicht",
           "krankenwagen",
           "rettungswagen", "notarzt", "vergiftet", "vergiftung", "giftnotruf", "bedroht mich",
           "keine luft", "erstickt", "ersticken", "atemnot", "blau angelaufen",
           "krampfanfall"),
    "en": ("emergency", "emergencies", "accident", "injured", "bleeding", "fire", "burning",
           "violence", "violent", "abuse*", "beaten", "beating me", "hits me", "rape*",
           "suicid*", "kill myself", "end my life", "want to die", "overdose", "poison*",
           "unconscious", "fainted", "passed out", "not breathing", "heart attack", "stroke",
           "ambulance",
           "cant breathe", "cannot breathe", "can not breathe", "unable to breathe", "choking",
           "seizure*"),
    "uk": ("надзвичайн*", "нещасний випадок", "аварі*", "поранен*", "кровотеч*", "пожеж*",
           "горить", "насильств*", "бє", "б є", "самогубств*", "суїцид*", "вбити себе",
           "непритомн*", "знепритомн*", "втратив свідомість", "втратила свідомість",
           "не дихає", "швидка допомога", "швидку допомогу", "інфаркт*",
           "інсульт*", "отруєн*", "отруї*", "ґвалт*", "не може дихати", "не можу дихати",
           "задиха*", "судом*"),
    "ru": ("экстренн*", "несчастный случай", "авари*", "ранен*", "кровотеч*", "пожар*",
           "горит", "насили*", "бьет меня", "самоубийств*", "суицид*", "покончить с собой",
           "без сознания", "потерял сознание", "потеряла сознание", "обморок*",
           "не дышит", "скорая", "скорую", "инфаркт*", "инсульт*",
           "отравлен*", "отравил*", "изнасил*", "не может дышать", "не могу дышать", "задыха*",
           "удушь*", "судорог*"),
    "ar": ("طواری", "اسعاف", "حادث", "حریق", "عنف", "یضربنی", "بیضربنی", "اعتداء", "انتحار",
           "اقتل نفسی", "نزیف", "مصاب", "مجروح", "تسمم", "سموم", "فاقد الوعی", "لا یتنفس",
           "اغتصاب", "نجده", "جلطه", "نوبه قلبیه", "یقدر یتنفس", "قادر یتنفس", "ما عم یتنفس",
           "اختناق", "یختنق"),
    "fa": ("اورژانس", "تصادف", "حادثه", "اتش سوزی", "اتش گرفته", "خشونت", "کتک", "خودکشی",
           "خودمو بکشم", "خودم را بکشم", "بمیرم", "خونریزی", "زخمی", "مسمومیت", "مسموم",
           "بیهوش", "نفس نمیکشه", "امبولانس", "تجاوز", "سکته", "نمی تونه نفس", "نمیتونه نفس",
           "نفس نمی کشه", "داره خفه میشه", "خفه شد"),
    "latin-translit": ("tasadof*", "tasadoff*", "orjans", "urjans", "khodkoshi", "esaaf",
                       "is3af", "7adeth", "ta3rradt"),
    # "acil" alone is "urgent" (acil paraya ihtiyacım var): only its emergency phrases count
    "tr": ("acil durum*", "acil servis*", "acil numara*", "acil yardim*", "acil cagri*",
           "acile", "acilde", "kaza", "kazasi", "kaza yaptim", "yarali*", "kanama*",
           "kaniyor", "yangin*",
           "siddet*", "dovuyor", "intihar*", "kendimi oldur*", "bilincsiz", "baygin",
           "nefes almiyor", "ambulans", "zehirlen*", "kalp krizi", "tecavuz*", "felc",
           "nefes alamiyor", "nefes alamiyorum", "bogul*"),
    "fr": ("urgence*", "accident", "blesse*", "saigne*", "saignement", "incendie", "au feu",
           "violence*", "violent*", "me frappe", "viol", "violee", "suicid*", "me tuer",
           "envie de mourir", "inconscient*", "respire plus", "respire pas", "ambulance",
           "samu", "pompiers", "crise cardiaque", "avc", "empoisonn*", "intoxication",
           "antipoison", "arrive pas a respirer", "peut pas respirer", "peux pas respirer",
           "s etouffe", "etouffe*", "convulsion*", "respire mal", "mal a respirer"),
}
NUMBERS = ("112", "110", "116016", "116 016", "116123", "116 123")


def _is_arabic(term: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in term)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    """Every term in one pattern, as a trie of its letters: Python's regular expressions
    try the branches of an alternation one by one, so ~250 terms side by side cost ~0.2 ms
    a message, the trie a few µs. A term with ``*`` needs no word end (its ``\\w*`` adds
    nothing to whether a message matches); Arabic-script terms need no word start."""
    bounded: dict[str, str] = {}  # term → what must follow it: a word end, or nothing
    anywhere: dict[str, str] = {}
    for terms in TERMS.values():
        for term in terms:
            body = normalize(term.rstrip("*"))
            if _is_arabic(term):
                anywhere[body] = ""
            elif bounded.get(body) != "":
                bounded[body] = "" if term.endswith("*") else r"\b"
    for number in NUMBERS:
        bounded.setdefault(number, r"\b")
    return re.compile(r"\b" + _trie(bounded) + "|" + _trie(anywhere))


def _trie(ends: dict[str, str]) -> str:
    """A pattern that matches each key of ``ends`` followed by its value (a pattern)."""
    root: dict[str, Any] = {}
    for body, end in ends.items():
        node = root
        for ch in body:
            node = node.setdefault(ch, {})
        node[""] = end
    return _branches(root)


def _branches(node: dict[str, Any]) -> str:
    alternatives = [re.escape(ch) + _branches(node[ch]) for ch in sorted(node) if ch]
    if "" in node:
        alternatives.append(node[""])
    if not alternatives:
        return "(?!)"  # no terms: nothing matches
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def is_emergency(text: str) -> bool:
    """True when the message speaks of an emergency (injury, violence, fire, suicide …)."""
    return bool(_pattern().search(normalize(text)))
