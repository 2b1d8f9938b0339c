"""Load and validate ``knowledge/``: entries, contacts, events, not-covered kinds; all or none."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.errors import KnowledgeError
from bot.knowledge import rules
from bot.knowledge.fields import LANG_LIKE, Checker, kind_of, per_language, read_yaml
from bot.knowledge.model import (
    DAYS,
    GROUPS,
    MIN_QUESTIONS,
    SMALLTALK_KINDS,
    Contact,
    Entry,
    EntryText,
    Event,
    EventText,
    KnowledgeBase,
    NotCovered,
    Problem,
    SmallTalk,
)
from bot.understanding.language import SUPPORTED
from bot.understanding.text import normalize

__all__ = [
    "DAYS",
    "GROUPS",
    "Contact",
    "Entry",
    "EntryText",
    "Event",
    "KnowledgeBase",
    "Problem",
    "default_directory",
    "fingerprint",
    "load",
]

NOT_COVERED_FILE = "not-covered.yaml"
SMALLTALK_FILE = "smalltalk.yaml"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
_URL = re.compile(r"^https?://\S+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/-]{1,24}$")
_HOURS = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}(, ?\d{1,2}:\d{2}-\d{1,2}:\d{2})*$")

_ENTRY_FIELDS = {"id", "groups", "contacts", "keywords", "links", "source", "reviewed",
                 "emergency", "legal", "review_note"}
_BLOCK_FIELDS = {"title", "answer", "questions", "updated"}
_CONTACT_FIELDS = {"name", "address", "location", "phone", "email", "url", "hours",
                   "hours_note", "languages", "source", "reviewed", "unverified"}
_CHECKABLE = ("name", "address", "location", "phone", "email", "url", "hours", "languages")
_EVENT_FIELDS = {"entry", "start", "end", "place", "contact", "url", "source", "reviewed"}


def _entry(data: Any, file: str, problems: list[Problem], today: date) -> Entry | None:
    if not isinstance(data, dict):
        problems.append(Problem(file, f"must be a block of fields (id: …), not {kind_of(data)}"))
        return None
    where = str(data.get("id", "?"))
    check = Checker(file, where, problems)
    before = len([p for p in problems if p.severity == "error"])
    entry_id = check.text(data, "id", required=True, pattern=_ID,
                          hint="; use lowercase letters, digits and '-'")
    check.unknown(data, _ENTRY_FIELDS, languages=True)
    groups = check.strings(data, "groups", required=True)
    for group in groups:
        if group not in GROUPS:
            check.error(f"'groups' has unknown group '{group}'; use {', '.join(GROUPS)}")
    emergency, legal = (_flag(check, data, name) for name in ("emergency", "legal"))
    texts = _entry_texts(data, file, where, problems)
    if not any(lang in data for lang in SUPPORTED):
        check.error("has no language block; add at least 'de:' or 'en:' with title, "
                    "answer and questions")
    for lang in SUPPORTED:
        if lang not in data:
            check.warn(f"has no '{lang}' translation; the bot will answer in English or German")
    reviewed = check.day(data, "reviewed")
    check.stale(reviewed, today)
    entry = Entry(
        id=entry_id, groups=groups, texts=MappingProxyType(texts),
        contacts=check.strings(data, "contacts"), keywords=check.strings(data, "keywords"),
        links=check.strings(data, "links", pattern=_URL, hint="; links start with https://"),
        source=check.text(data, "source", pattern=_URL, hint="; use the page's https:// address"),
        reviewed=reviewed, emergency=emergency, file=file, legal=legal,
        review_note=check.text(data, "review_note"),
    )
    if not entry.source:
        check.warn("has no 'source'; add the web page the facts come from")
    errors = len([p for p in problems if p.severity == "error"])
    return entry if errors == before else None


def _entry_texts(data: dict, file: str, where: str,
                 problems: list[Problem]) -> dict[str, EntryText]:
    """The entry's language blocks that are complete (the others are reported)."""
    texts = {}
    for lang in SUPPORTED:
        block = data.get(lang)
        if lang not in data:
            continue
        sub = Checker(file, f"{where} {lang}", problems)
        if not isinstance(block, dict):
            Checker(file, where, problems).error(
                f"'{lang}' must be a block with title, answer and questions")
            continue
        sub.unknown(block, _BLOCK_FIELDS, languages=False)
        title = sub.text(block, "title", required=True)
        answer = sub.text(block, "answer", required=True)
        questions = sub.strings(block, "questions", required=True)
        if questions and len(questions) < MIN_QUESTIONS:
            sub.warn(f"has only {len(questions)} question variants; add at least {MIN_QUESTIONS}")
        if title and answer and questions:
            texts[lang] = EntryText(title, answer, questions, sub.day(block, "updated"))
    return texts


def _flag(check: Checker, data: dict, name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        check.error(f"'{name}' must be true or false")
        return False
    return value


def _contact(cid: str, data: Any, file: str, problems: list[Problem], today: date) -> Contact:
    check = Checker(file, cid, problems)
    if not _ID.match(str(cid)):
        check.error("contact id must use lowercase letters, digits and '-'")
    if not isinstance(data, dict):
        check.error(f"must be a block of fields (name, address, …), not {kind_of(data)}")
        return Contact(str(cid), {"de": str(cid)})
    check.unknown(data, _CONTACT_FIELDS, languages=False)
    name = per_language(check, data, "name")
    if not name:
        check.error("'name' is missing; give at least the German name (name: {de: …})")
    location = _location(check, data.get("location"))
    hours = _hours(check, data.get("hours"))
    languages = check.strings(data, "languages")
    for lang in languages:
        if not LANG_LIKE.match(lang):
            check.error(f"'languages' item '{lang}' is not a language code like de or en")
    source = check.strings(data, "source", pattern=_URL, hint="; use https:// addresses")
    contact = Contact(
        id=str(cid), name=MappingProxyType(name),
        address=check.text(data, "address"), location=location,
        phone=check.text(data, "phone", pattern=_PHONE, hint=" (digits, spaces, + - / only)"),
        email=check.text(data, "email", pattern=_EMAIL, hint=" (name@example.de)"),
        url=check.text(data, "url", pattern=_URL, hint="; it must start with https://"),
        hours=MappingProxyType(hours), hours_note=MappingProxyType(per_language(
            check, data, "hours_note")),
        languages=languages, source=source, reviewed=check.day(data, "reviewed"),
        unverified=check.strings(data, "unverified"),
    )
    for field_name in contact.unverified:
        if field_name not in _CHECKABLE:
            check.error(f"'unverified' item '{field_name}' is not a field; use "
                        f"{', '.join(_CHECKABLE)}")
    facts = [f for f in ("phone", "email", "address", "hours", "location") if data.get(f)]
    if facts and not source:
        check.warn(f"has {', '.join(facts)} but no 'source'; record the page they come from")
    check.stale(contact.reviewed, today)
    return contact


def _location(check: Checker, raw: Any) -> tuple[float, float] | None:
    if raw is None:
        return None
    if (isinstance(raw, list) and len(raw) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw)
            and -90 <= raw[0] <= 90 and -180 <= raw[1] <= 180):
        return float(raw[0]), float(raw[1])
    check.error("'location' must be [latitude, longitude], e.g. [50.927, 11.589]")
    return None


def _hours(check: Checker, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.error("'hours' must list weekdays, like mon: \"08:30-13:00\"")
        return {}
    hours = {}
    for day, span in raw.items():
        if day not in DAYS:
            check.error(f"'hours' has unknown day '{day}'; use {', '.join(DAYS)}")
        elif not isinstance(span, str) or not _HOURS.match(span.strip()):
            check.error(f"'hours.{day}' must look like \"08:30-13:00\" or "
                        f"\"08:00-12:00, 13:30-18:00\" (in quotes), not '{span}'")
        else:
            hours[day] = span.strip().replace(", ", ",").replace(",", ", ")
    return hours


def _event(eid: str, data: Any, file: str, problems: list[Problem], today: date) -> Event | None:
    check = Checker(file, eid, problems)
    if not isinstance(data, dict):
        check.error(f"must be a block of fields (entry, start, …), not {kind_of(data)}")
        return None
    check.unknown(data, _EVENT_FIELDS, languages=True)
    texts = {}
    for lang in SUPPORTED:
        block = data.get(lang)
        if block is None:
            continue
        sub = Checker(file, f"{eid} {lang}", problems)
        if not isinstance(block, dict):
            sub.error("must be a block with title and description")
            continue
        sub.unknown(block, {"title", "description"}, languages=False)
        title = sub.text(block, "title", required=True)
        description = sub.text(block, "description", required=True)
        if title and description:
            texts[lang] = EventText(title, description)
    if not texts:
        check.error("has no language block with title and description")
    start, end = check.moment(data, "start"), check.moment(data, "end")
    if start and end and end < start:
        check.error("'end' is before 'start'")
    check.stale(check.day(data, "reviewed"), today)
    return Event(
        id=str(eid), entry=check.text(data, "entry", required=True), texts=MappingProxyType(texts),
        start=start, end=end, place=check.text(data, "place"),
        contact=check.text(data, "contact"),
        url=check.text(data, "url", pattern=_URL, hint="; it must start with https://"),
        source=check.text(data, "source", pattern=_URL, hint="; use the page's https:// address"),
        reviewed=check.day(data, "reviewed"),
    )


def _lists_per_language(check: Checker, data: dict, key: str,
                        what: str) -> dict[str, tuple[str, ...]]:
    """``key: {de: [...], en: [...]}`` — a list of texts per supported language."""
    raw = data.get(key)
    found: dict[str, tuple[str, ...]] = {}
    if not isinstance(raw, dict) or not raw:
        check.error(f"'{key}' must list {what} per language (de: [...], en: ...)")
        return found
    for lang in raw:
        if lang not in SUPPORTED:
            check.error(f"'{key}' has unknown language code '{lang}'; use "
                        f"{', '.join(SUPPORTED)}")
        elif texts := check.strings(raw, lang, required=True):
            found[lang] = texts
    return found


def _not_covered(oid: str, data: Any, file: str, problems: list[Problem]) -> NotCovered | None:
    check = Checker(file, oid, problems)
    if not isinstance(data, dict):
        check.error("must hold a 'hint' block and a 'questions' block")
        return None
    check.unknown(data, {"hint", "questions"}, languages=False)
    hints = per_language(check, data, "hint")
    questions = _lists_per_language(check, data, "questions", "example questions")
    missing = [lang for lang in SUPPORTED if lang not in hints or lang not in questions]
    if missing:
        check.warn(f"has no hint or no example questions in {', '.join(missing)}")
    return NotCovered(str(oid), MappingProxyType(hints), MappingProxyType(questions))


def _load_not_covered(root: Path, entries: Mapping[str, Entry],
                  problems: list[Problem]) -> dict[str, NotCovered]:
    found: dict[str, NotCovered] = {}
    for oid, fields in _load_mapping(root, NOT_COVERED_FILE, problems).items():
        if str(oid) in entries:
            problems.append(Problem(NOT_COVERED_FILE, f"uses the id '{oid}' of an entry; give the "
                                                  "kind of question its own name", str(oid)))
            continue
        item = _not_covered(str(oid), fields, NOT_COVERED_FILE, problems)
        if item is not None:
            found[item.id] = item
    return found


def _overlap(entries: Mapping[str, Entry], not_covered: Mapping[str, NotCovered],
             problems: list[Problem]) -> None:
    """Warn where a not-covered example is also an entry's question: one of them is wrong."""
    asked = {normalize(q): e.id for e in entries.values() for t in e.texts.values()
             for q in t.questions}
    for kind in not_covered.values():
        for questions in kind.questions.values():
            for question in questions:
                if (entry := asked.get(normalize(question))) is not None:
                    problems.append(Problem(
                        NOT_COVERED_FILE, f"example '{question}' is also a question of entry "
                        f"'{entry}'; keep it in one place only", kind.id, "warning"))


def _smalltalk(kind: str, data: Any, problems: list[Problem]) -> SmallTalk | None:
    check = Checker(SMALLTALK_FILE, kind, problems)
    if kind not in SMALLTALK_KINDS:
        check.error(f"'{kind}' is not a kind of small talk the bot knows; use "
                    f"{', '.join(SMALLTALK_KINDS)}")
        return None
    if not isinstance(data, dict):
        check.error("must hold a 'reply' block and an 'examples' block")
        return None
    check.unknown(data, {"reply", "examples"}, languages=False)
    replies = per_language(check, data, "reply")
    if not replies:
        check.error("'reply' is missing: write the reply per language (de: ..., en: ...)")
    elif missing := [lang for lang in SUPPORTED if lang not in data["reply"]]:
        check.error(f"'reply' is missing in {', '.join(missing)}")
    examples = _lists_per_language(check, data, "examples", "example messages")
    return SmallTalk(kind, MappingProxyType(replies), MappingProxyType(examples))


def _load_smalltalk(root: Path, entries: Mapping[str, Entry],
                    problems: list[Problem]) -> dict[str, SmallTalk]:
    """smalltalk.yaml's kinds; an example that is also an entry's question is a warning."""
    found: dict[str, SmallTalk] = {}
    for kind, fields in _load_mapping(root, SMALLTALK_FILE, problems).items():
        item = _smalltalk(str(kind), fields, problems)
        if item is not None:
            found[item.kind] = item
    asked = {normalize(q): e.id for e in entries.values() for t in e.texts.values()
             for q in t.questions}
    for item in found.values():
        for example in (x for xs in item.examples.values() for x in xs):
            if (entry := asked.get(normalize(example))) is not None:
                problems.append(Problem(
                    SMALLTALK_FILE, f"example '{example}' is also a question of entry "
                    f"'{entry}'; keep it in one place only", item.kind, "warning"))
    return found


def _load_entries(root: Path, problems: list[Problem], today: date) -> dict[str, Entry]:
    entry_dir = root / "entries"
    files = sorted(entry_dir.glob("*.yaml")) + sorted(entry_dir.glob("*.yml"))
    if not files:
        problems.append(Problem("entries/", "has no .yaml files; add at least one entry"))
    entries: dict[str, Entry] = {}
    for path in files:
        name = str(path.relative_to(root))
        data = read_yaml(path, root, problems)
        entry = None if data is None else _entry(data, name, problems, today)
        if entry is None:
            continue
        if entry.id in entries:
            problems.append(Problem(
                name, f"uses the id '{entry.id}' that {entries[entry.id].file} already uses; "
                "ids must be unique", entry.id))
            continue
        if path.stem != entry.id:
            problems.append(Problem(
                name, f"holds entry '{entry.id}'; name the file {entry.id}.yaml so it is easy "
                "to find", entry.id, "warning"))
        entries[entry.id] = entry
    return entries


def _load_mapping(root: Path, filename: str, problems: list[Problem]) -> dict:
    path = root / filename
    if not path.exists():
        return {}
    data = read_yaml(path, root, problems)
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(filename, "must map ids to their fields (id: then the fields)"))
        return {}
    return data or {}


def _cross_check(entries: Mapping[str, Entry], contacts: Mapping[str, Contact],
                 events: Mapping[str, Event], problems: list[Problem]) -> None:
    for entry in entries.values():
        for cid in entry.contacts:
            if cid not in contacts:
                problems.append(Problem(entry.file, f"refers to contact '{cid}', which "
                                                    "contacts.yaml does not define", entry.id))
    for event in events.values():
        if event.entry and event.entry not in entries:
            problems.append(Problem("events.yaml", f"refers to entry '{event.entry}', which "
                                                   "does not exist", event.id))
        if event.contact and event.contact not in contacts:
            problems.append(Problem("events.yaml", f"refers to contact '{event.contact}', "
                                                   "which contacts.yaml does not define",
                                    event.id))


def load(directory: str | Path, today: date | None = None) -> KnowledgeBase:
    """Load and validate a knowledge directory.

    Returns the whole snapshot with its warnings, or raises KnowledgeError listing every
    error: a knowledge base is never half-loaded.
    """
    root = Path(directory)
    today = today or date.today()
    problems: list[Problem] = []
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), "is not a folder; give the knowledge folder")])
    entries = _load_entries(root, problems, today)
    contacts = {
        str(cid): _contact(str(cid), fields, "contacts.yaml", problems, today)
        for cid, fields in _load_mapping(root, "contacts.yaml", problems).items()
    }
    events: dict[str, Event] = {}
    for eid, fields in _load_mapping(root, "events.yaml", problems).items():
        event = _event(str(eid), fields, "events.yaml", problems, today)
        if event is not None:
            events[event.id] = event
    not_covered = _load_not_covered(root, entries, problems)
    _overlap(entries, not_covered, problems)
    smalltalk = _load_smalltalk(root, entries, problems)
    _cross_check(entries, contacts, events, problems)
    domains = rules.read_domains(root, problems)
    rules.check_sources(domains, entries, contacts, events, problems)
    fallback = rules.read_fallback(root, contacts, problems)
    rules.check_legal(entries, today, problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeError(errors)
    return KnowledgeBase(
        entries=MappingProxyType(entries), contacts=MappingProxyType(contacts),
        events=MappingProxyType(events), not_covered=MappingProxyType(not_covered),
        smalltalk=MappingProxyType(smalltalk),
        directory=str(root), warnings=tuple(problems),
        fallback=MappingProxyType(fallback), domains=MappingProxyType(domains),
    )


def fingerprint(directory: str | Path) -> str:
    """A cheap signature of the knowledge files (names, sizes, modification times)."""
    root = Path(directory)
    parts = []
    for path in sorted(root.rglob("*.y*ml")):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def default_directory() -> Path:
    """The knowledge base shipped with the package (see ``bot.shipped``)."""
    from bot.shipped import knowledge_dir

    return knowledge_dir()
