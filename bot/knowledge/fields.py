"""Reading staff-edited YAML safely, and typed field access that records problems.

Everything here turns a mistake into a ``Problem`` in plain words (file, id, field and
what to do) instead of raising, so that the loader can report all mistakes at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.model import Problem
from bot.understanding.language import SUPPORTED

STALE_DAYS = 365


def overdue(reviewed: date | None, today: date) -> bool:
    """Reviewed more than STALE_DAYS ago (no date at all is an open check, not overdue)."""
    return reviewed is not None and (today - reviewed).days > STALE_DAYS


LANG_LIKE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$")


def _construct_mapping(loader: yaml.SafeLoader | yaml.CSafeLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    """Build a mapping, refusing a key written twice (YAML would silently keep the last)."""
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


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key written twice in one mapping (a silent overwrite).

    Pure Python: slow, but its error messages are the ones staff read.
    """


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)

# libyaml's C parser reads the knowledge base about ten times faster. It words syntax
# errors differently, so a file it refuses is read again by the pure-Python loader, whose
# message (line, column, problem) is the one reported: staff see the same text either way.
_FastLoader: type[yaml.CSafeLoader] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CUniqueKeyLoader(yaml.CSafeLoader):
        """yaml.CSafeLoader with the same duplicate-key check."""

    _CUniqueKeyLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
    )
    _FastLoader = _CUniqueKeyLoader


def parse_yaml(text: str) -> Any:
    """Parse YAML text, raising yaml.YAMLError worded by the pure-Python loader."""
    if _FastLoader is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a CSafeLoader subclass
        except yaml.YAMLError:
            pass  # read again below for the message staff know
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    """The file's data, or None with a Problem recorded (unreadable, not UTF-8, bad YAML)."""
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
        data = parse_yaml(text)
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


class Checker:
    """Typed field access that records a Problem instead of raising."""

    def __init__(self, file: str, where: str, problems: list[Problem]) -> None:
        self.file, self.where, self.problems = file, where, problems

    def error(self, message: str) -> None:
        self.problems.append(Problem(self.file, message, self.where))

    def warn(self, message: str) -> None:
        self.problems.append(Problem(self.file, message, self.where, "warning"))

    def text(self, data: Mapping[str, Any], key: str, *, required: bool = False,
             pattern: re.Pattern[str] | None = None,
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
            self.error(f"'{key}' must be text, not {kind_of(value)}")
            return ""
        value = value.strip()
        if required and not value:
            self.error(f"'{key}' is empty")
        elif value and pattern is not None and not pattern.match(value):
            self.error(f"'{key}' value '{value}' is not valid{hint}")
            return ""
        return value

    def strings(self, data: Mapping[str, Any], key: str, *, required: bool = False,
                pattern: re.Pattern[str] | None = None,
                hint: str = "") -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            if required:
                self.error(f"'{key}' is missing")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(f"'{key}' must be a list, like [a, b], not {kind_of(value)}")
            return ()
        out = []
        for item in value:
            if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
                self.error(f"'{key}' contains {kind_of(item)}; every item must be non-empty text")
                continue
            item = str(item).strip()
            if pattern is not None and not pattern.match(item):
                self.error(f"'{key}' item '{item}' is not valid{hint}")
                continue
            out.append(item)
        if required and not out and not value:
            self.error(f"'{key}' is empty")
        return tuple(out)

    def day(self, data: Mapping[str, Any], key: str) -> date | None:
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

    def moment(self, data: Mapping[str, Any], key: str) -> datetime | None:
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

    def unknown(self, data: Mapping[Any, Any], allowed: set[str], languages: bool) -> None:
        for key in data:
            if key in allowed or (languages and key in SUPPORTED):
                continue
            if languages and isinstance(key, str) and LANG_LIKE.match(key):
                self.error(
                    f"'{key}' is not a supported language code; use one of "
                    f"{', '.join(SUPPORTED)}"
                )
            else:
                self.error(f"unknown field '{key}'; allowed: {', '.join(sorted(allowed))}")

    def stale(self, reviewed: date | None, today: date) -> None:
        # No date at all means nobody checked the facts yet: listed by `check --gaps` and
        # /gaps (rules.open_checks), not a warning on every load.
        if reviewed is None:
            return
        if overdue(reviewed, today):
            self.warn(f"was last reviewed on {reviewed}, more than a year ago; check the facts")
        elif reviewed > today:
            self.error(f"'reviewed' date {reviewed} is in the future")


def kind_of(value: Any) -> str:
    return {
        dict: "a block of fields", list: "a list", bool: "yes/no", int: "a number",
        float: "a number", type(None): "nothing",
    }.get(type(value), type(value).__name__)


def per_language(check: Checker, data: Mapping[str, Any], key: str) -> dict[str, str]:
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
