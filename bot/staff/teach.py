"""/teach: add a user's question as a question variant of an entry, in the entry's file.

The edit is one inserted line (or one item added to a ``[…]`` list), so comments, order
and formatting of the file survive. The whole folder is validated with the loader on a
temporary copy first; only then is the file replaced atomically. All or nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from bot.errors import BotError
from bot.knowledge.files import replace_text
from bot.knowledge.loader import KnowledgeBase
from bot.staff.reports import try_load
from bot.storage.privacy import scrub
from bot.understanding.text import normalize

MAX_VARIANT = 200  # characters of a taught question


class TeachError(BotError):
    """The variant cannot be added; the message says why, for staff."""


def clean(question: str) -> str:
    """The variant as it will be written: personal details removed, one line, capped."""
    return " ".join(scrub(question, MAX_VARIANT).split())


def insert_question(text: str, lang: str, question: str) -> str:
    """``text`` (an entry file) with ``question`` added to the ``questions`` of its
    ``lang:`` block; TeachError when the file is not in a shape this can edit safely."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if re.fullmatch(rf"{re.escape(lang)}:\s*(#.*)?", line.rstrip())), None)
    if start is None:
        raise TeachError(f"the entry has no '{lang}:' block; add the translation first")
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].strip() and not lines[i][0].isspace() and lines[i][0] != "#"),
               len(lines))
    quoted = json.dumps(question, ensure_ascii=False)  # a valid YAML double-quoted scalar
    for i in range(start + 1, end):
        found = re.fullmatch(r"(\s+)questions:[ \t]*(.*?)\s*", lines[i])
        if found is None:
            continue
        indent, rest = found.groups()
        if rest.startswith("[") and rest.endswith("]"):
            inner = rest[1:-1].strip()
            items = f"{inner}, {quoted}" if inner else quoted
            lines[i] = f"{indent}questions: [{items}]{newline}"
            return "".join(lines)
        if rest and not rest.startswith("#"):
            break
        return _append_item(lines, i, end, len(indent), quoted, newline)
    raise TeachError(f"cannot find a plain 'questions:' list in the '{lang}:' block; add the "
                     "question by hand")


def _append_item(lines: list[str], key: int, end: int, key_indent: int, quoted: str,
                 newline: str) -> str:
    """Add ``- quoted`` after the last item of the block list that follows line ``key``."""
    last, item_indent = None, None
    for i in range(key + 1, end):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if item_indent is None:
            if not line.lstrip().startswith("- ") or indent < key_indent:
                break
            item_indent = indent
        if indent < item_indent or (indent == item_indent
                                    and not line.lstrip().startswith("- ")):
            break
        last = i
    if last is None or item_indent is None:
        raise TeachError("the 'questions:' list is empty or not a list; add the question by "
                         "hand")
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    lines.insert(last + 1, f"{' ' * item_indent}- {quoted}{newline}")
    return "".join(lines)


def add_variant(directory: Path, kb: KnowledgeBase, entry_id: str, lang: str,
                question: str) -> tuple[str, str]:
    """Write the variant into the entry's file: (the variant as written, the file).

    Validates the whole folder with the change on a temporary copy, then replaces the
    file atomically; nothing changes when anything is wrong (TeachError says what)."""
    entry = kb.entries.get(entry_id)
    if entry is None:
        raise TeachError(f"there is no entry '{entry_id}'")
    variant = clean(question)
    if not variant:
        raise TeachError("the question is empty once personal details are removed")
    known = entry.texts.get(lang)
    if known and normalize(variant) in {normalize(q) for q in known.questions}:
        raise TeachError(f"«{variant}» is already a question of {entry_id} ({lang})")
    path = Path(directory) / entry.file
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TeachError(f"cannot read {entry.file}: {exc}") from exc
    changed = insert_question(text, lang, variant)
    _validate(Path(directory), entry.file, changed, entry_id, lang, variant)
    _replace(path, changed)
    return variant, entry.file


def _validate(directory: Path, name: str, changed: str, entry_id: str, lang: str,
              variant: str) -> None:
    """Load the whole folder with the change, on a temporary copy."""
    with tempfile.TemporaryDirectory(prefix="welcome-bot-teach-") as tmp:
        copy = Path(tmp) / "knowledge"
        shutil.copytree(directory, copy)
        (copy / name).write_bytes(changed.encode("utf-8"))
        new, problems = try_load(copy)
    if new is None:
        raise TeachError("the knowledge folder would not load with this change; nothing was "
                         "changed:\n" + "\n".join(problems[:10]))
    text = new.entries[entry_id].texts.get(lang) if entry_id in new.entries else None
    if text is None or variant not in text.questions:
        raise TeachError("the edited file does not hold the question as expected; nothing "
                         "was changed — add it by hand")


def _replace(path: Path, text: str) -> None:
    """Write the file atomically: readers see the old or the new file."""
    try:
        replace_text(path, text)
    except OSError as exc:
        raise TeachError(f"cannot write {path.name}: {exc}") from exc
