"""Load and validate ``knowledge/``: entries, contacts and events, all or nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.knowledge import (
    DAYS,
    GROUPS,
    MIN_QUESTIONS,
    Contact,
    Entry,
    Event,
    EventText,
    KnowledgeBase,
    Outside,
    Problem,
    Text,
)
from bot.language import SUPPORTED
from bot.text import normalize

__all__ = ["DAYS", "GROUPS", "Contact", "Entry", "Event", "KnowledgeBase", "Problem", "Text",
           "default_directory", "fingerprint", "load"]

STALE_DAYS = 365
OUTSIDE_FILE = "not-covered.yaml"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
_URL = re.compile(r"^https?://\S+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/-]{1,24}$")
_HOURS = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}(, ?\d{1,2}:\d{2}-\d{1,2}:\d{2})*$")
_LANG_LIKE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$")

_ENTRY_FIELDS = {"id", "groups", "contacts", "keywords", "links", "source", "reviewed",
                 "emergency"}
_BLOCK_FIELDS = {"title", "answer", "questions", "updated"}
_CONTACT_FIELDS = {"name", "address", "location", "phone", "email", "url", "hours",
                   "hours_note", "languages", "source", "reviewed"}
_EVENT_FIELDS = {"entry", "start", "end", "place", "contact", "url", "source", "reviewed"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key written twice in one mapping (a silent overwrite)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"the key '{key}' is written twice (first on line {seen[key] + 1}); "
                "keep one of them",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    name = str(path.relative_to(root))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, f"cannot be read ({exc.strerror})"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(
            name, f"is not UTF-8 text (byte {exc.start}); save the file as UTF-8 in your editor"
        ))
        return None
    if not text.strip():
        problems.append(Problem(name, "is empty; add the content or delete the file"))
        return None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(
            name,
            f"is not valid YAML ({where}{reason}); check indentation and put text that "
            "contains ': ' in quotes",
        ))
        return None
    if data is None:
        problems.append(Problem(name, "contains only comments; add the content"))
    return data


class _Checker:
    """Typed field access that records a Problem instead of raising."""

    def __init__(self, file: str, where: str, problems: list[Problem]) -> None:
        self.file, self.where, self.problems = file, where, problems

    def error(self, message: str) -> None:
        self.problems.append(Problem(self.file, message, self.where))

    def warn(self, message: str) -> None:
        self.problems.append(Problem(self.file, message, self.where, "warning"))

    def text(self, data: Mapping, key: str, *, required: bool = False, pattern=None,
             hint: str = "") -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(f"'{key}' is missing")
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool) and key == "phone":
            self.error(f"'{key}' must be written in quotes, like \"+49 3641 49-3800\"")
            return ""
        if not isinstance(value, str):
            self.error(f"'{key}' must be text, not {_kind(value)}")
            return ""
        value = value.strip()
        if required and not value:
            self.error(f"'{key}' is empty")
        elif value and pattern is not None and not pattern.match(value):
            self.error(f"'{key}' value '{value}' is not valid{hint}")
            return ""
        return value

    def strings(self, data: Mapping, key: str, *, required: bool = False,
                pattern=None, hint: str = "") -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            if required:
                self.error(f"'{key}' is missing")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(f"'{key}' must be a list, like [a, b], not {_kind(value)}")
            return ()
        out = []
        for item in value:
            if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
                self.error(f"'{key}' contains {_kind(item)}; every item must be non-empty text")
                continue
            item = str(item).strip()
            if pattern is not None and not pattern.match(item):
                self.error(f"'{key}' item '{item}' is not valid{hint}")
                continue
            out.append(item)
        if required and not out and not value:
            self.error(f"'{key}' is empty")
        return tuple(out)

    def day(self, data: Mapping, key: str) -> date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.error(f"'{key}' must be a date written YYYY-MM-DD, not '{value}'")
            return None

    def moment(self, data: Mapping, key: str) -> datetime | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        try:
            return datetime.fromisoformat(str(value).strip()).replace(tzinfo=None)
        except ValueError:
            self.error(f"'{key}' must be a date and time written YYYY-MM-DDTHH:MM, not '{value}'")
            return None

    def unknown(self, data: Mapping, allowed: set[str], languages: bool) -> None:
        for key in data:
            if key in allowed or (languages and key in SUPPORTED):
                continue
            if languages and isinstance(key, str) and _LANG_LIKE.match(key):
                self.error(
                    f"'{key}' is not a supported language code; use one of "
                    f"{', '.join(SUPPORTED)}"
                )
            else:
                self.error(f"unknown field '{key}'; allowed: {', '.join(sorted(allowed))}")

    def stale(self, reviewed: date | None, today: date) -> None:
        if reviewed is None:
            self.warn("has no 'reviewed' date; add the day a person last checked the facts")
        elif (today - reviewed).days > STALE_DAYS:
            self.warn(f"was last reviewed on {reviewed}, more than a year ago; check the facts")
        elif reviewed > today:
            self.error(f"'reviewed' date {reviewed} is in the future")


def _kind(value: Any) -> str:
    return {
        dict: "a block of fields", list: "a list", bool: "yes/no", int: "a number",
        float: "a number", type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _per_language(check: _Checker, data: Mapping, key: str) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        return {"de": value.strip()}
    if not isinstance(value, dict):
        check.error(f"'{key}' must list one text per language (de: …, en: …)")
        return {}
    out = {}
    for lang, text in value.items():
        if lang not in SUPPORTED:
            check.error(f"'{key}' has unknown language code '{lang}'; use {', '.join(SUPPORTED)}")
        elif not isinstance(text, str) or not text.strip():
            check.error(f"'{key}.{lang}' must be non-empty text")
        else:
            out[lang] = text.strip()
    return out


def _entry(data: Any, file: str, problems: list[Problem], today: date) -> Entry | None:
    if not isinstance(data, dict):
        problems.append(Problem(file, f"must be a block of fields (id: …), not {_kind(data)}"))
        return None
    where = str(data.get("id", "?"))
    check = _Checker(file, where, problems)
    before = len([p for p in problems if p.severity == "error"])
    entry_id = check.text(data, "id", required=True, pattern=_ID,
                          hint="; use lowercase letters, digits and '-'")
    check.unknown(data, _ENTRY_FIELDS, languages=True)
    groups = check.strings(data, "groups", required=True)
    for group in groups:
        if group not in GROUPS:
            check.error(f"'groups' has unknown group '{group}'; use {', '.join(GROUPS)}")
    emergency = data.get("emergency", False)
    if not isinstance(emergency, bool):
        check.error("'emergency' must be true or false")
        emergency = False
    texts = {}
    for lang in SUPPORTED:
        if lang not in data:
            continue
        block = data[lang]
        if not isinstance(block, dict):
            check.error(f"'{lang}' must be a block with title, answer and questions")
            continue
        sub = _Checker(file, f"{where} {lang}", problems)
        sub.unknown(block, _BLOCK_FIELDS, languages=False)
        title = sub.text(block, "title", required=True)
        answer = sub.text(block, "answer", required=True)
        questions = sub.strings(block, "questions", required=True)
        if questions and len(questions) < MIN_QUESTIONS:
            sub.warn(f"has only {len(questions)} question variants; add at least {MIN_QUESTIONS}")
        if title and answer and questions:
            texts[lang] = Text(title, answer, questions, sub.day(block, "updated"))
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
        reviewed=reviewed, emergency=emergency, file=file,
    )
    if not entry.source:
        check.warn("has no 'source'; add the web page the facts come from")
    errors = len([p for p in problems if p.severity == "error"])
    return entry if errors == before else None


def _contact(cid: str, data: Any, file: str, problems: list[Problem], today: date) -> Contact:
    check = _Checker(file, cid, problems)
    if not _ID.match(str(cid)):
        check.error("contact id must use lowercase letters, digits and '-'")
    if not isinstance(data, dict):
        check.error(f"must be a block of fields (name, address, …), not {_kind(data)}")
        return Contact(str(cid), {"de": str(cid)})
    check.unknown(data, _CONTACT_FIELDS, languages=False)
    name = _per_language(check, data, "name")
    if not name:
        check.error("'name' is missing; give at least the German name (name: {de: …})")
    location = None
    raw = data.get("location")
    if raw is not None:
        if (isinstance(raw, list) and len(raw) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw)
                and -90 <= raw[0] <= 90 and -180 <= raw[1] <= 180):
            location = (float(raw[0]), float(raw[1]))
        else:
            check.error("'location' must be [latitude, longitude], e.g. [50.927, 11.589]")
    hours = {}
    raw_hours = data.get("hours")
    if raw_hours is not None:
        if not isinstance(raw_hours, dict):
            check.error("'hours' must list weekdays, like mon: \"08:30-13:00\"")
        else:
            for day, span in raw_hours.items():
                if day not in DAYS:
                    check.error(f"'hours' has unknown day '{day}'; use {', '.join(DAYS)}")
                elif not isinstance(span, str) or not _HOURS.match(span.strip()):
                    check.error(f"'hours.{day}' must look like \"08:30-13:00\" or "
                                f"\"08:00-12:00, 13:30-18:00\" (in quotes), not '{span}'")
                else:
                    hours[day] = span.strip().replace(", ", ",").replace(",", ", ")
    languages = check.strings(data, "languages")
    for lang in languages:
        if not _LANG_LIKE.match(lang):
            check.error(f"'languages' item '{lang}' is not a language code like de or en")
    source = check.strings(data, "source", pattern=_URL, hint="; use https:// addresses")
    contact = Contact(
        id=str(cid), name=MappingProxyType(name),
        address=check.text(data, "address"), location=location,
        phone=check.text(data, "phone", pattern=_PHONE, hint=" (digits, spaces, + - / only)"),
        email=check.text(data, "email", pattern=_EMAIL, hint=" (name@example.de)"),
        url=check.text(data, "url", pattern=_URL, hint="; it must start with https://"),
        hours=MappingProxyType(hours), hours_note=MappingProxyType(_per_language(
            check, data, "hours_note")),
        languages=languages, source=source, reviewed=check.day(data, "reviewed"),
    )
    facts = [f for f in ("phone", "email", "address", "hours", "location") if data.get(f)]
    if facts and not source:
        check.warn(f"has {', '.join(facts)} but no 'source'; record the page they come from")
    check.stale(contact.reviewed, today)
    return contact


def _event(eid: str, data: Any, file: str, problems: list[Problem], today: date) -> Event | None:
    check = _Checker(file, eid, problems)
    if not isinstance(data, dict):
        check.error(f"must be a block of fields (entry, start, …), not {_kind(data)}")
        return None
    check.unknown(data, _EVENT_FIELDS, languages=True)
    texts = {}
    for lang in SUPPORTED:
        block = data.get(lang)
        if block is None:
            continue
        sub = _Checker(file, f"{eid} {lang}", problems)
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


def _outside(oid: str, data: Any, file: str, problems: list[Problem]) -> Outside | None:
    check = _Checker(file, oid, problems)
    if not isinstance(data, dict):
        check.error("must hold a 'hint' block and a 'questions' block")
        return None
    check.unknown(data, {"hint", "questions"}, languages=False)
    hints = _per_language(check, data, "hint")
    raw = data.get("questions")
    questions: dict[str, tuple[str, ...]] = {}
    if not isinstance(raw, dict) or not raw:
        check.error("'questions' must list example questions per language (de: [...], en: ...)")
        raw = {}
    for lang in raw:
        if lang not in SUPPORTED:
            check.error(f"'questions' has unknown language code '{lang}'; use "
                        f"{', '.join(SUPPORTED)}")
        elif found := check.strings(raw, lang, required=True):
            questions[lang] = found
    missing = [lang for lang in SUPPORTED if lang not in hints or lang not in questions]
    if missing:
        check.warn(f"has no hint or no example questions in {', '.join(missing)}")
    return Outside(str(oid), MappingProxyType(hints), MappingProxyType(questions))


def _load_outside(root: Path, entries: Mapping[str, Entry],
                  problems: list[Problem]) -> dict[str, Outside]:
    found: dict[str, Outside] = {}
    for oid, fields in _load_mapping(root, OUTSIDE_FILE, problems).items():
        if str(oid) in entries:
            problems.append(Problem(OUTSIDE_FILE, f"uses the id '{oid}' of an entry; give the "
                                                  "kind of question its own name", str(oid)))
            continue
        item = _outside(str(oid), fields, OUTSIDE_FILE, problems)
        if item is not None:
            found[item.id] = item
    return found


def _overlap(entries: Mapping[str, Entry], outside: Mapping[str, Outside],
             problems: list[Problem]) -> None:
    """Warn where a not-covered example is also an entry's question: one of them is wrong."""
    asked = {normalize(q): e.id for e in entries.values() for t in e.texts.values()
             for q in t.questions}
    for kind in outside.values():
        for questions in kind.questions.values():
            for question in questions:
                if (entry := asked.get(normalize(question))) is not None:
                    problems.append(Problem(
                        OUTSIDE_FILE, f"example '{question}' is also a question of entry "
                        f"'{entry}'; keep it in one place only", kind.id, "warning"))


def _load_entries(root: Path, problems: list[Problem], today: date) -> dict[str, Entry]:
    entry_dir = root / "entries"
    files = sorted(entry_dir.glob("*.yaml")) + sorted(entry_dir.glob("*.yml"))
    if not files:
        problems.append(Problem("entries/", "has no .yaml files; add at least one entry"))
    entries: dict[str, Entry] = {}
    for path in files:
        name = str(path.relative_to(root))
        data = _read_yaml(path, root, problems)
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
    data = _read_yaml(path, root, problems)
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
    outside = _load_outside(root, entries, problems)
    _overlap(entries, outside, problems)
    _cross_check(entries, contacts, events, problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeError(errors)
    return KnowledgeBase(
        entries=MappingProxyType(entries), contacts=MappingProxyType(contacts),
        events=MappingProxyType(events), outside=MappingProxyType(outside),
        directory=str(root),
        warnings=tuple(problems),
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
    """The project's own ``knowledge/`` folder (beside the package; else ./knowledge)."""
    beside = Path(__file__).resolve().parent.parent / "knowledge"
    return beside if beside.is_dir() else Path.cwd() / "knowledge"
