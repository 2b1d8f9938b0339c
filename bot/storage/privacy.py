"""Remove personal details from text that is kept for staff.

Phones, e-mails, IBANs, links and @handles follow fixed patterns. Street addresses and
names do not, so they are found by careful heuristics (word lists in ``names``):

- addresses: a street word with a house number — German "…straße/str./weg/gasse/platz/
  graben/ring/allee/damm/markt/ufer 7", "Am Anger 26"; "вул./улица X 5", Cyrillic German
  street names ("Лобдерграбен 7"), "شارع/خیابان X 5", Turkish "… Sokak/Caddesi No 5",
  French "5 rue …", English "12 Baker Street";
- names: one or two capitalised words after a title or a phrase that introduces a person
  ("Frau", "Mr", "my neighbour", "меня зовут"); in Arabic script, where nothing is
  capitalised, the word after "اسمي", "السيد", "اسم من", "آقای"; a known given name with
  the capitalised word after it; a capitalised pair one of whose words ends like a family
  name ("…enko", "…ski", "…oğlu", "…zadeh").
Words of the knowledge base's offices and places ("Carl Zeiss", "Welcome Center") are never
taken for names, and the offices' public addresses stay. A capitalised pair alone is not
enough (German capitalises every noun: "Kaltmiete Kaution"); a name no rule catches is still
stored without any user id, capped at 500 characters and deleted after 180 days.
"""

from __future__ import annotations

import re

from bot.storage.names import (
    ARABIC_INTRODUCERS,
    GIVEN_NAMES,
    INTRODUCERS,
    KNOWN,
    KNOWN_ADDRESSES,
    SURNAME_ENDINGS,
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# phone numbers, IBANs, document and case numbers: any run of 5+ digits with separators
_NUMBER = re.compile(r"\+?\d[\d\s()./-]{3,}\d")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w{3,}")
_SURROGATE = re.compile("[\ud800-\udfff]")

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁІЇЄҐ"
_CAP = rf"[{_UPPER}][\w'’-]*"  # a capitalised word (Latin or Cyrillic)
_HOUSE = r"\d{1,4}(?:\s?[a-zA-Z](?!\w))?(?:\s?[-/]\s?\d{1,4})?"  # 7, 8a, 24-26, 3/1
_NO = r"(?:(?i:no|nr|№|n°)\.?\s*)?"
_STREET_END = (r"(?i:stra(?:ß|ss)e|str\.|weg|gasse|platz|graben|ring|allee|damm|markt|ufer"
               r"|steig|pfad|promenade|chaussee|штрасе|штрассе|штр\.|вег|гассе|плац|грабен"
               r"|ринг|аллее|алее|дамм|штрас)")
_ADDRESSES = [
    # Löbdergraben 7, Ernst-Abbe-Platz 5, Stadtrodaer Straße 1, Лобдерграбен 7
    re.compile(rf"(?:\b{_CAP}\s+)?\b[\w'’-]*{_STREET_END}\s*{_NO}{_HOUSE}(?!\d)"),
    # Am Anger 26, An der Saale 4, Unterm Markt 13
    re.compile(rf"\b(?:Am|An der|An den|Im|In der|Auf der|Zum|Zur|Unterm|Hinter der)\s+"
               rf"{_CAP}\s+{_NO}{_HOUSE}(?!\d)"),
    # вул. Шевченка 5, улица Ленина 5, пр. Миру 12
    re.compile(rf"(?i:вул\.|вулиця|вулиці|ул\.|улица|улице|просп\.|проспект|пров\.|провулок"
               rf"|пер\.|переулок)\s*[\w'’.-]+(?:\s+[\w'’.-]+)?,?\s*(?:(?i:буд\.|д\.|дом|"
               rf"будинок)\s*)?{_HOUSE}(?!\d)"),
    # شارع الحرية 5, خیابان آزادی ۱۲
    re.compile(r"(?:شارع|طريق|خیابان|کوچه|كوچه|بلوار)\s+\S+(?:\s+\S+)?\s*(?:رقم|پلاک)?\s*"
               r"[\d٠-٩۰-۹]{1,4}"),
    # Atatürk Caddesi No 5, Gül Sokak 3
    re.compile(rf"\b{_CAP}\s+(?i:sokak|sokağı|sok\.|cadde|caddesi|cad\.|mahallesi|mah\.|"
               rf"bulvarı)\s*,?\s*{_NO}{_HOUSE}(?!\d)"),
    # 5 rue de la Paix, 12 bis avenue Foch
    re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|"
               r"chemin|allée|impasse|quai)\s+(?:(?:de|du|des|la|le|l'|l’|d'|d’)\s*)*"
               rf"{_CAP}(?:[\s-]+{_CAP})?"),
    # 12 Baker Street, 4 Main Rd
    re.compile(rf"\b\d{{1,4}}\s+{_CAP}(?:\s+{_CAP})?\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\."
               r"|Lane|Drive|Square)"),
]



def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_AFTER_INTRO = re.compile(rf"(?<![\w.])(?i:{_alternatives(INTRODUCERS)})(?![\w])[\s,:]*"
                          rf"(?P<name>{_CAP}(?:\s+{_CAP})?)")
_AFTER_ARABIC_INTRO = re.compile(rf"(?<![\w])(?:{_alternatives(ARABIC_INTRODUCERS)})\s+"
                                 r"(?P<name>[\u0600-\u06ff]+)(?:\s+(?P<second>[\u0600-\u06ff]+))?")
_WORD = re.compile(r"[^\W\d_][\w'’‌-]*")
_ENDINGS = tuple(sorted(SURNAME_ENDINGS, key=len, reverse=True))
_PAIR = re.compile(rf"\b({_CAP})\s+({_CAP})")
_REPEATED = re.compile(r"\[(name|address)\](?:[\s,]+\[\1\])+")


def scrub(text: str, limit: int = 500) -> str:
    """Replace e-mails, links, IBANs, @handles, street addresses, names and long numbers."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _IBAN.sub("[iban]", text)
    text = _HANDLE.sub("[user]", text)
    text = scrub_addresses(text)
    text = scrub_names(text)
    text = _NUMBER.sub(lambda m: "[number]" if sum(c.isdigit() for c in m.group()) >= 5
                       else m.group(), text)
    text = " ".join(text.split())
    return text[:limit]


def scrub_addresses(text: str) -> str:
    """Street and house number → [address] (the offices' public addresses stay)."""
    for pattern in _ADDRESSES:
        text = pattern.sub(_address, text)
    return _REPEATED.sub(r"[\1]", text)


def _address(match: re.Match[str]) -> str:
    found = " ".join(match.group().split()).casefold()
    known = any(found == k or found.endswith(" " + k) for k in KNOWN_ADDRESSES)
    return match.group() if known else "[address]"


def scrub_names(text: str) -> str:
    """Personal names → [name] (see the module's docstring for the rules)."""
    text = _AFTER_INTRO.sub(_introduced, text)
    text = _AFTER_ARABIC_INTRO.sub(_introduced_arabic, text)
    text = _given_names(text)
    text = _PAIR.sub(_surname_pair, text)
    return _REPEATED.sub(r"[\1]", text)


def _known(words: str) -> bool:
    return any(w.casefold() in KNOWN for w in words.split())


def _introduced(match: re.Match[str]) -> str:
    """'my neighbour Ivan Petrenko' → 'my neighbour [name]'; offices and places stay."""
    head = match.group()[: match.start("name") - match.start()]
    words = match.group("name").split()
    if words[0].casefold() in KNOWN:
        return match.group()
    if len(words) > 1 and words[1].casefold() in KNOWN:
        return f"{head}[name] {words[1]}"
    return f"{head}[name]"


def _introduced_arabic(match: re.Match[str]) -> str:
    """'اسمي محمد أحمد' → 'اسمي [name]'; a second word only when it is a given name."""
    head = match.group()[: match.start("name") - match.start()]
    second = match.group("second")
    if second and second not in GIVEN_NAMES:
        return f"{head}[name] {second}"
    return f"{head}[name]"


def _given_names(text: str) -> str:
    """A known given name (capitalised in Latin and Cyrillic), and a capitalised word after."""
    out: list[str] = []
    last = 0
    words = list(_WORD.finditer(text))
    skip = -1
    for i, word in enumerate(words):
        if i <= skip or not _given(word.group()):
            continue
        end = word.end()
        if i + 1 < len(words):
            nxt = words[i + 1]
            between = text[end:nxt.start()]
            if between.strip() == "" and _capital(nxt.group()) and not _known(nxt.group()):
                end, skip = nxt.end(), i + 1
        out.append(text[last:word.start()] + "[name]")
        last = end
    return "".join(out) + text[last:]


def _given(word: str) -> bool:
    folded = word.casefold()
    if folded not in GIVEN_NAMES or folded in KNOWN:
        return False
    return _capital(word) or word[:1].upper() == word[:1]  # capitalised, or a script without


def _capital(word: str) -> bool:
    return word[:1].isupper()


def _surname_pair(match: re.Match[str]) -> str:
    """'Olena Kovalenko', 'Kovalenko Olena', 'Ahmet Yılmazoğlu': a family-name ending."""
    first, second = match.group(1), match.group(2)
    if _known(first) or _known(second) or first.casefold() in INTRODUCERS:
        return match.group()
    if _surname(second) or _surname(first):
        return "[name]"
    return match.group()


def _surname(word: str) -> bool:
    folded = word.casefold()
    return len(folded) > 4 and folded.endswith(_ENDINGS)
