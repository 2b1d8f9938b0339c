"""Recognise messages about an emergency, in every supported language.

A message that matches is never declined: the emergency numbers come first. Terms are
written in normalised form (see ``bot.text.normalize``); a trailing ``*`` matches any
ending (inflections), otherwise the whole word must match. Arabic-script terms match
anywhere, because prefixes such as و and ال attach to the word.
"""

from __future__ import annotations

import re
from functools import lru_cache

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
           "s etouffe", "etouffe*", "convulsion*"),
}
NUMBERS = ("112", "110", "116016", "116 016", "116123", "116 123")


def _is_arabic(term: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in term)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    parts = []
    for terms in TERMS.values():
        for term in terms:
            prefix = term.endswith("*")
            body = re.escape(normalize(term.rstrip("*")))
            if _is_arabic(term):
                parts.append(body)
            else:
                parts.append(r"\b" + body + (r"\w*" if prefix else r"\b"))
    parts.extend(r"\b" + re.escape(n) + r"\b" for n in NUMBERS)
    return re.compile("|".join(parts))


def is_emergency(text: str) -> bool:
    """True when the message speaks of an emergency (injury, violence, fire, suicide …)."""
    return bool(_pattern().search(normalize(text)))
