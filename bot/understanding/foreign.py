"""The language of a message the bot does not speak (Spanish, Chinese, Tigrinya …).

``language.detect`` only ever names one of the eight supported languages. Here, first the
script decides (Han, Devanagari, Georgian, Ethiopic …; in Arabic script the letters only
Pashto or Sorani Kurdish use; German terms do not count against a script), then, for
Latin letters, a letter only one language writes (ř ů ě Czech, ñ Spanish, ă ș ț Romanian,
ã õ Portuguese, ë Albanian, Vietnamese's own), telling words per language (function
words, greetings; Somali also by its shape: doubled vowels beside x, q, dh), and
py3langid restricted to the Latin-script languages of ``LATIN`` (a second, small model
beside the supported one, cached on disk like it; it knows no Somali and reads short
German as Dutch, so Dutch and Czech are told by letters and words only).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from bot.understanding import identifier
from bot.understanding.language import DETECT_CONFIDENT, LATIN_LANGS, Detection, detect

# Latin-script languages py3langid tells apart from de/en/tr/fr (it knows no Somali).
LATIN: tuple[str, ...] = ("de", "en", "tr", "fr", "es", "it", "pt", "pl", "ro", "vi", "sq",
                          "ku", "nl", "hr", "id", "cs", "sk")
# Reported from py3langid alone; the others of LATIN only absorb look-alikes (Russian or
# Ukrainian typed in Latin letters reads like Croatian or Polish).
REPORTED: tuple[str, ...] = ("es", "it", "pt", "ro", "vi", "sq", "ku")
_POLISH = set("ąćęłńśźż")
FOREIGN_SURE = 0.8  # py3langid's share for a foreign language over the supported ones
FOREIGN_MAYBE = 0.5  # enough when the supported detection is unsure itself
MIN_LETTERS = 4
LONG_WORD = 8  # letters of a telling word that counts as two

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
    "so": frozenset("""
        waa iyo loo laga lagu ayaa ayaan baan buu waxaan waxay wuxuu maxaa
        maxaan sidee sideen xagee xaggee halkee meeqa imisa goorma karaa kartaa karo
        rabaa doonayaa baahanahay jiraa jira yahay tahay ahay leeyahay haystaa helaa heli
        sameeyaa sameeyo samayn iibsadaa iibsado barto baro furaa furo tagaa aado isku iska
        aniga adiga waan miyaa miyay laakiin haddii hadii markaan inaan inay shaqo
        shaqada guri guriga dhakhtar dhakhtarka isbitaal caafimaad caafimaadka caymis caymiska
        lacag lacagta bangiga luqad luqadda jarmal jarmalka carruur carruurta ilmaha dugsi
        dugsiga waxbarasho jaamacad jaamacadda magaalada xafiis xafiiska sharci sharciga
        deganaansho deganaanshaha tigid tigidh tigidhka baska mahadsanid mahadsan salaan
        salaam nabad galab subax wanaagsan fiican walaal saaxiib warran caawin caawimaad caawi
        cusub diiwaan diiwaangelin hadla soomaali soomaaliga raadinayaa fadlan oo leh kala
        ugu iga igu qof qofka waxa bilaash caawiya caawisa ilmaha ilmahayga""".split()),
    "pt": frozenset("""
        obrigado obrigada bom boa olá ola tudo bem você voce não nao preciso onde fazer
        tchau noite fica inscrevo num numa procuro emprego tenho quero posso consigo
        trabalho meu minha ônibus onibus alemão alemao aulas também conta
        ajuda autorização autorizacao moro morar custa bilhete autocarro quanto
        arrendar morada""".split()),
    "sq": frozenset({"faleminderit", "tungjatjeta", "përshëndetje", "pershendetje", "është",
                     "eshte", "duhet", "kërkoj", "kerkoj", "punë", "pune", "mirë", "mire",
                     "mirupafshim", "mirëdita", "miredita", "gjej", "qira", "banesë"}),
    "ro": frozenset({"mulțumesc", "multumesc", "mersi", "bună", "buna", "faci", "caut",
                     "găsesc", "gasesc", "trebuie", "să", "nevoie", "îmi", "unde", "ziua",
                     "medic", "muncă", "munca", "copilul", "plătesc", "cum",
                     "programare", "pentru", "sunt", "vreau", "în", "apartament",
                     "chirie", "locuință", "locuinta"}),
    "ku": frozenset({"spas", "silav", "ez", "derê", "dere", "dixwazim", "bikim", "hene",
                     "digerim", "çawa", "cawa", "xêr", "rojbaş", "rojbas", "heval", "min",
                     "divê", "dive", "biçim", "bicim", "kerem"}),
    "es": frozenset("""
        hola gracias dónde donde necesito buenas buenos días dias cómo adiós adios quiero
        tengo puedo qué hay estoy soy cuánto cuanto cuesta busco pedir
        cita cuenta ayuda trabajo piso pero muy usted alemán aleman puede hijo hija niño nino
        escuela renovar permiso voy tarjeta billete autobús clases alquilar alquiler
        habla hablar español espanol inglés ingles tardes noches este esta eso cuándo
        porque empadronamiento""".split()),
    "it": frozenset({"ciao", "grazie", "mille", "dove", "buongiorno", "buonasera", "devo",
                     "cerco", "vorrei", "arrivederci", "come", "orari", "posso", "bisogno",
                     "aiuto", "lavoro", "sono", "della", "voglio", "appartamento",
                     "registrarmi", "iscrivermi", "permesso", "soggiorno", "tedesco"}),
    "pl": frozenset({"cześć", "czesc", "dziękuję", "dziekuje", "dzień", "dzien", "dobry",
                     "gdzie", "jak", "mogę", "moge", "szukam", "proszę", "prosze", "ile",
                     "czy", "jest", "się", "chcę", "kosztuje", "mieszkanie", "pracy"}),
    "vi": frozenset({"xin", "chào", "chao", "cảm", "ơn", "cam", "không", "khong", "tôi",
                     "toi", "bạn", "ban", "ở", "đâu"}),
    "nl": frozenset("""
        ik een het van waar hoe moet mijn zijn heb hebben nodig zoek voor niet graag bedankt
        welke ook duitse engels betalen hoi verleng vind spreekt werkt jij uw wij zij
        huis lessen inschrijven verblijfsvergunning zorgverzekering studentenhuis zoeken
        waarom wanneer hoeveel kost goedemorgen goedemiddag doei alsjeblieft alstublieft
        heel veel krijg krijgen weet kunnen moeten afspraak gemeente huisarts verzekering
        ziektekosten werk baan kan wil wilt kunt naar gaat heeft wordt deze geen
        dokter huisarts kinderopvang wat dat betekent eigenlijk zie overal staan alleen
        openen mn bankrekening paspoort kinderen woning fiets nederlands""".split()),
    "cs": frozenset("""
        kde jsem jsi mám potřebuju potřebuji potrebuju potrebuji chci prosím děkuji dekuji
        díky diky ahoj práci hledám hledam kurzy pojištění pojisteni koupit najít najit
        udělám udelam kdy otevřeno jízdenku jizdenku lékaře lekare povolení povoleni pobytu
        zdravotní zdravotni němčiny nemciny tramvaj nebo jaké jake jaký jaky můžu muzu
        můžete muzete kolik stojí stoji jízdenka jizdenka který ktery která ktera které
        ktere tady taky měsíc mesic děkuju dekuju""".split()),
}
# Letters only one Latin-script language the bot does not speak writes (ã and õ are also
# Vietnamese, whose own letters are looked at first).
_LETTERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("cs", frozenset("ěřůýžčďťň")), ("sk", frozenset("ľĺŕ")), ("pl", frozenset("ąęłśźżćń")),
    ("ro", frozenset("ășțţ")), ("pt", frozenset("ãõ")), ("es", frozenset("ñ")),
    ("sq", frozenset("ë")),
)
_VIETNAMESE = frozenset("ơưđ")  # and the letters with two marks, U+1EA0..U+1EF9
# Somali words look alike: doubled vowels beside x, q or dh (caafimaadka, xafiiska).
_SOMALI_SHAPE = re.compile(r"(?=.*(?:aa|ee|ii|oo|uu))(?=.*(?:x|q|dh))")
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ARABIC = re.compile("[\u0600-\u06ff]")


def preload() -> None:
    """Start loading the Latin-script model in the background."""
    identifier.preload(LATIN)


def identify(text: str, ignore: frozenset[str] = frozenset(),
             romanised: Mapping[str, frozenset[str]] | None = None) -> Detection:
    """The language of ``text``, any ISO 639-1 code; the supported detection unless the
    script, the letters or the Latin-script model clearly name another language.
    (``ignore``, ``romanised``: see ``language.detect``.)"""
    by_script = _by_script(text, ignore)
    if by_script is not None:
        return by_script
    if "¿" in text or "¡" in text:  # only Spanish opens a question or an exclamation so
        return Detection("es", 0.9)
    found = detect(text, ignore, romanised)
    every = _WORD.findall(text.casefold())  # German terms write none of _LETTERS
    words = [w for w in every if _fold(w) not in ignore]
    if found.lang not in LATIN_LANGS:
        # Cyrillic, Arabic script, or Arabic/Persian/Russian in Latin letters; Polish,
        # Czech, Albanian or Somali read as Russian or Arabic in Latin letters show
        # themselves by their own letters or telling words ("ku blihet bileta")
        latin = not _CYRILLIC.search(text) and not _ARABIC.search(text)
        return (_by_letters(every) or _by_words(words, found) if latin else None) or found
    by_words = _by_letters(every) or _by_words(words, found)
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


def _by_letters(words: list[str]) -> Detection | None:
    """A letter only one language writes (ř, ñ, ă, ë …); Vietnamese by its own letters."""
    letters = [ch for w in words for ch in w]
    if any(ch in _VIETNAMESE or "\u1ea0" <= ch <= "\u1ef9" for ch in letters):
        return Detection("vi", 0.8)
    counts = {lang: sum(ch in own for ch in letters) for lang, own in _LETTERS}
    lang = max(counts, key=lambda k: counts[k])
    return Detection(lang, 0.8) if counts[lang] else None


def _by_words(words: list[str], found: Detection) -> Detection | None:
    """Two telling words of one language, or one in a short or unsure message."""
    # a long telling word ("tungjatjeta", "mahadsanid") counts twice
    hits: dict[str, float] = {lang: sum(1 + (len(w) >= LONG_WORD) for w in words if w in known)
                              for lang, known in _WORDS.items()}
    hits["so"] += 0.5 * sum(bool(_SOMALI_SHAPE.match(w)) for w in words
                            if w not in _WORDS["so"])
    lang = max(hits, key=lambda k: hits[k])
    short = len(words) <= 2 or found.confidence < DETECT_CONFIDENT
    if (hits[lang] >= 2 and hits[lang] > len(words) / 3) or (hits[lang] == 1 and short
                                                           and len(words) <= 3):
        return Detection(lang, 0.7)
    return None


def _by_script(text: str, ignore: frozenset[str] = frozenset()) -> Detection | None:
    # German terms ("Semesterticket 怎么用") do not count against the script
    kept = [w for w in text.split() if not (w.isascii() and _fold(w) in ignore)]
    letters = [ch for ch in " ".join(kept) if ch.isalpha()]
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


def asked_in(text: str, ignore: frozenset[str] = frozenset(),
             romanised: Mapping[str, frozenset[str]] | None = None) -> str | None:
    """The language a message is written in (any ISO 639-1 code), or None when unsure."""
    return sure_lang(identify(text, ignore, romanised))


def sure_lang(found: Detection) -> str | None:
    """The detected language when the detector is sure of it, else None."""
    return found.lang if found.confidence >= DETECT_CONFIDENT else None
