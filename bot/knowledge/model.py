"""The knowledge model: typed, immutable entries, contacts and events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.understanding.language import FALLBACK, SUPPORTED

GROUPS: tuple[str, ...] = ("refugee", "student", "worker", "tourist", "all")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIN_QUESTIONS = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located as precisely as possible."""

    file: str
    message: str
    where: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        place = f"{self.file}" + (f" [{self.where}]" if self.where else "")
        return f"{self.severity}: {place}: {self.message}"


@dataclass(frozen=True)
class EntryText:
    """An entry's text in one language."""

    title: str
    answer: str
    questions: tuple[str, ...]
    updated: date | None = None


@dataclass(frozen=True)
class Entry:
    """One topic of the knowledge base."""

    id: str
    groups: tuple[str, ...]
    texts: Mapping[str, EntryText]
    contacts: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    source: str = ""
    reviewed: date | None = None
    emergency: bool = False
    file: str = ""
    legal: bool = False  # states law: reviewed every six months (see rules.py)
    review_note: str = ""  # what is still pending or uncertain, for staff

    def localized(self, lang: str) -> tuple[str, EntryText]:
        """The text in ``lang``, else English, else German, else any: (language used, text)."""
        for code in (lang, FALLBACK, "de", *self.texts):
            if code in self.texts:
                return code, self.texts[code]
        raise LookupError(self.id)  # unreachable: validation requires one language


@dataclass(frozen=True)
class NotCovered:
    """A kind of question no entry covers (not-covered.yaml): examples and a decline hint."""

    id: str
    hints: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]

    def hint(self, lang: str) -> str:
        """The hint in ``lang``, else English, else German, else "" (no hint)."""
        for code in (lang, FALLBACK, "de"):
            if code in self.hints:
                return self.hints[code]
        return ""


SMALLTALK_KINDS: tuple[str, ...] = ("greeting", "thanks", "bye", "ok", "about", "insult",
                                    "person")


@dataclass(frozen=True)
class SmallTalk:
    """A kind of small talk (smalltalk.yaml): a short reply and example messages."""

    kind: str
    replies: Mapping[str, str]
    examples: Mapping[str, tuple[str, ...]]

    def reply(self, lang: str) -> str:
        """The reply in ``lang``, else English, else German, else "" (no reply)."""
        for code in (lang, FALLBACK, "de"):
            if code in self.replies:
                return self.replies[code]
        return ""


@dataclass(frozen=True)
class Contact:
    """An office or offer people are routed to."""

    id: str
    name: Mapping[str, str]
    address: str = ""
    location: tuple[float, float] | None = None
    phone: str = ""
    email: str = ""
    url: str = ""
    hours: Mapping[str, str] = field(default_factory=dict)
    hours_note: Mapping[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    reviewed: date | None = None
    unverified: tuple[str, ...] = ()  # fields staff still have to confirm

    @property
    def reachable(self) -> bool:
        """A person can get to them: a phone, an e-mail or an address (a website is not)."""
        doubtful = set(self.unverified)
        return any(getattr(self, f) and f not in doubtful for f in ("phone", "email", "address"))

    def display_name(self, lang: str) -> str:
        """The German name, with the translation in ``lang`` beside it when there is one."""
        german = self.name.get("de") or next(iter(self.name.values()))
        local = self.name.get(lang)
        if not local or lang == "de" or german.casefold() in local.casefold():
            return local or german  # a translation that already names the office in German
        return f"{local} ({german})"


@dataclass(frozen=True)
class EventText:
    title: str
    description: str


@dataclass(frozen=True)
class Event:
    """A dated (or not yet dated) event such as the students' welcome day."""

    id: str
    entry: str
    texts: Mapping[str, EventText]
    start: datetime | None = None
    end: datetime | None = None
    place: str = ""
    contact: str = ""
    url: str = ""
    source: str = ""
    reviewed: date | None = None

    def localized(self, lang: str) -> tuple[str, EventText]:
        for code in (lang, FALLBACK, "de", *self.texts):
            if code in self.texts:
                return code, self.texts[code]
        raise LookupError(self.id)

    def is_upcoming(self, now: datetime) -> bool:
        """True when the event has a date that has not passed yet."""
        finish = self.end or self.start
        return finish is not None and finish >= now


@dataclass(frozen=True)
class KnowledgeBase:
    """An immutable, validated snapshot of ``knowledge/``."""

    entries: Mapping[str, Entry]
    contacts: Mapping[str, Contact]
    events: Mapping[str, Event]
    not_covered: Mapping[str, NotCovered] = field(default_factory=dict)
    smalltalk: Mapping[str, SmallTalk] = field(default_factory=dict)
    directory: str = ""
    warnings: tuple[Problem, ...] = ()
    fallback: Mapping[str, str] = field(default_factory=dict)  # group → contact id
    domains: Mapping[str, str] = field(default_factory=dict)  # allowed site → owner

    def fallback_contact(self, group: str | None) -> Contact | None:
        """The person to send someone to when the bot cannot help: their group's, else the
        general one."""
        cid = self.fallback.get(group or "") or self.fallback.get("all")
        return self.contacts.get(cid) if cid else None

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per language: (entries with an answer, entries with enough question variants)."""
        result = {}
        for lang in SUPPORTED:
            answered = sum(lang in e.texts for e in self.entries.values())
            asked = sum(
                lang in e.texts and len(e.texts[lang].questions) >= MIN_QUESTIONS
                for e in self.entries.values()
            )
            result[lang] = (answered, asked)
        return result
