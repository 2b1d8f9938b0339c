"""Saving from the console: all or nothing, exactly like /reload.

``save`` takes the full new text of one or more files of the knowledge folder. Under the
console's one writing lock it loads the whole folder with the change on a temporary copy
and builds its matching index — in a child process (``python -m bot.console.saving``), so
that these seconds of Python work do not hold the bot's interpreter lock (the bot keeps
answering at its usual speed; if the child cannot run, the same happens in a thread) —
then takes the checked knowledge back (a pickle) and the index from the disk cache the
child filled, writes
every file atomically (a temporary file renamed over the old one), swaps the snapshot in
with one assignment and records a version and an audit line. When anything is wrong —
a path outside the folder, a file that would not load, a disk that refuses the write —
nothing changes: not the files, not the live snapshot, not the versions.
"""

from __future__ import annotations

import asyncio
import copyreg
import dataclasses
import io
import logging
import pickle
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from ruamel.yaml import YAML

from bot.console.context import Console
from bot.conversation.snapshot import Snapshot
from bot.errors import KnowledgeError, StorageError
from bot.knowledge.files import replace_text
from bot.knowledge.loader import KnowledgeBase, load
from bot.knowledge.model import Problem
from bot.storage.console import FileChange

log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml")
Locate = Callable[[Problem], str]  # a loader problem → the form field it concerns ("" = none)


@dataclass
class SaveResult:
    """What a save did: ``ok`` and the version's number, or the problems per field key
    (``""``: not tied to a field) and nothing changed. ``warnings`` (same keys) are the
    loader's warnings about the changed files; they never block a save."""

    ok: bool
    problems: dict[str, list[str]]
    version: int | None
    message: str
    warnings: dict[str, list[str]] = field(default_factory=dict)


def yaml_roundtrip(like: str | None = None) -> YAML:
    """ruamel.yaml set up to write a knowledge file back as it was: comments, key order,
    quotes, long lines unwrapped; block lists indented like the shipped files (``like``: a
    file's text whose list style, ``- `` under its key or indented, is kept instead)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long answer onto new lines
    yaml.allow_unicode = True
    if like is not None and re.search(r"^( *)[^\s#-][^\n]*:[ \t]*\n\1- ", like, re.MULTILINE):
        yaml.indent(mapping=2, sequence=2, offset=0)
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def dump(yaml: YAML, data: object) -> str:
    """``data`` as YAML text (ruamel.yaml writes to streams only)."""
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _relative(path: str) -> str | None:
    """``path`` as a clean relative path inside the folder, or None when it is not one."""
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or pure.name.startswith("."):
        return None
    return str(pure) if pure.suffix in SUFFIXES else None


def _grouped(problems: list[Problem], locate: Locate | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in problems:
        key = locate(problem) if locate else ""
        out.setdefault(key, []).append(problem.message if key else str(problem))
    return out


def _read(root: Path, names: list[str]) -> dict[str, str | None]:
    before: dict[str, str | None] = {}
    for name in names:
        path = root / name
        before[name] = path.read_bytes().decode("utf-8") if path.exists() else None
    return before


def _validate(root: Path, changes: dict[str, str | None]) -> tuple[KnowledgeBase | None,
                                                                     list[Problem]]:
    """Load the whole folder with ``changes`` applied, on a temporary copy."""
    with tempfile.TemporaryDirectory(prefix="welcome-bot-console-") as tmp:
        copy = Path(tmp) / "knowledge"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".*"))
        for name, text in changes.items():
            target = copy / name
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(text.encode("utf-8"))
        try:
            kb = load(copy)
        except KnowledgeError as exc:
            return None, list(exc.problems)
    return dataclasses.replace(kb, directory=str(root)), list(kb.warnings)


def _proxy(items: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(proxy: Mapping[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _proxy, (dict(proxy),)


def _check_in_worker(root: str, changes: dict[str, str | None]) -> tuple[bytes | None,
                                                                         list[Problem]]:
    """In the worker process: validate, build the index (into the disk cache), and send
    the knowledge back pickled (the model's read-only mappings as plain dicts)."""
    kb, problems = _validate(Path(root), changes)
    if kb is None:
        return None, problems
    Snapshot.build(kb)
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
    pickler.dump(kb)
    return out.getvalue(), problems


async def _in_worker(root: Path, changes: dict[str, str | None]) -> tuple[bytes | None,
                                                                           list[Problem]]:
    """``_check_in_worker`` in a child process (``python -m bot.console.saving``: nothing
    of the running bot is started again there); OSError when it fails."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.console.saving", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await child.communicate(pickle.dumps((str(root), changes)))
    finally:
        if child.returncode is None:  # the save was cancelled: stop our child
            child.kill()
            await child.wait()
    if child.returncode != 0:
        raise OSError(f"the checking process ended with {child.returncode}: "
                      f"{err.decode(errors='replace')[-300:]}")
    data, problems = pickle.loads(out)  # noqa: S301 - from our own child process
    return data, problems


# False: check in a thread of this process (the unit tests, which spare a Python start
# per save); the bot and the console check in a child process.
CHECK_IN_CHILD = True


async def _checked(root: Path, changes: dict[str, str | None]) -> tuple[Snapshot | None,
                                                                         list[Problem]]:
    """The snapshot of the folder with ``changes``, or the problems that prevent it."""
    if not CHECK_IN_CHILD:
        kb, problems = await asyncio.to_thread(_validate, root, changes)
    else:
        try:
            data, problems = await _in_worker(root, changes)
        except (OSError, pickle.PickleError, EOFError, ValueError) as exc:
            log.warning("console: the checking process failed (%s); checking in a thread", exc)
            kb, problems = await asyncio.to_thread(_validate, root, changes)
        else:
            # a pickle made by our own child process from the checked knowledge
            kb = None if data is None else await asyncio.to_thread(pickle.loads, data)
    if kb is None:
        return None, problems
    return await asyncio.to_thread(Snapshot.build, kb), problems


def _replace(path: Path, text: str | None) -> None:
    """The new text atomically (``files.replace_text``); None deletes the file."""
    if text is None:
        path.unlink(missing_ok=True)
    else:
        replace_text(path, text)


def _write_all(root: Path, changes: dict[str, str | None],
               before: dict[str, str | None]) -> None:
    """Write every file; when one fails, put back the ones already written, then raise."""
    done: list[str] = []
    try:
        for name, text in changes.items():
            _replace(root / name, text)
            done.append(name)
    except OSError:
        for name in done:
            try:
                _replace(root / name, before[name])
            except OSError:
                log.exception("console: could not restore %s after a failed save", name)
        raise


def _failed(problems: dict[str, list[str]], message: str) -> SaveResult:
    return SaveResult(False, problems, None, message)


def _own_warnings(warnings: list[Problem], names: set[str],
                  locate: Locate | None) -> dict[str, list[str]]:
    return _grouped([w for w in warnings if w.file in names], locate)


async def save(console: Console, staff: str, changes: dict[str, str | None], summary: str,
               locate: Locate | None = None,
               based_on: dict[str, str | None] | None = None) -> SaveResult:
    """Validate the whole folder with ``changes`` (path inside the folder → full new text;
    None deletes the file), then write, put live and record a version — or change nothing.

    ``locate`` maps a loader problem to the form field it concerns (default: none).
    ``based_on``: the texts the changes were made from; when a file no longer reads so
    (another save came first), nothing is saved — never overwrite someone's change."""
    cleaned: dict[str, str | None] = {}
    for path, text in changes.items():
        name = _relative(path)
        if name is None:
            return _failed({"": [f"{path} is not a .yaml file inside the knowledge folder"]},
                           "Nothing was saved.")
        cleaned[name] = text
    root = Path(console.knowledge_dir)
    async with console.writing:
        try:
            before = await asyncio.to_thread(_read, root, list(cleaned))
        except (OSError, UnicodeDecodeError) as exc:
            return _failed({"": [f"cannot read the file to change: {exc}"]}, "Nothing was saved.")
        stale = sorted(n for n, t in (based_on or {}).items()
                       if before.get(_relative(n) or "", t) != t)
        if stale:
            return _failed({"": [f"{', '.join(stale)} was saved by someone else meanwhile"]},
                           "Nothing was saved: reload the page and make your change again.")
        changed = {n: t for n, t in cleaned.items() if t != before[n]}
        if not changed:
            return SaveResult(True, {}, None, "Nothing to save: the text is unchanged.")
        snapshot, problems = await _checked(root, changed)
        if snapshot is None:
            return _failed(_grouped(problems, locate),
                           "Not saved: the knowledge would not load with this change. Nothing "
                           "was changed; the bot keeps the current version.")
        try:
            await asyncio.to_thread(_write_all, root, changed, before)
        except OSError as exc:
            log.exception("console: save failed while writing")
            return _failed({"": [f"the files could not be written ({exc.strerror or exc}); "
                                 "nothing was changed"]}, "Not saved.")
        console.put(snapshot)
        number = _record(console, staff, summary,
                         [FileChange(n, before[n], t) for n, t in changed.items()])
    warnings = _own_warnings(problems, set(changed), locate)
    if number is None:
        return SaveResult(True, {}, None, "Saved, and the bot uses it now, but the history "
                          "could not record it (see the log).", warnings)
    return SaveResult(True, {}, number, f"Saved as version {number}; the bot uses it now.",
                      warnings)


def _record(console: Console, staff: str, summary: str, files: list[FileChange]) -> int | None:
    """The version's number; the files are live already, so a database error is logged."""
    try:
        number = console.storage.console.add_version(staff, summary, files)
        console.storage.audit(staff, "console-save", f"version {number}: {summary}")
    except StorageError:
        log.exception("console: the save is live but its version was not recorded")
        return None
    return number


def _serve_check() -> None:
    """The child process: (folder, changes) pickled on stdin → (knowledge pickle or None,
    problems) pickled on stdout."""
    root, changes = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our parent
    sys.stdout.buffer.write(pickle.dumps(_check_in_worker(root, changes)))


if __name__ == "__main__":
    # run the module under its own name, so the pickle names bot.console.saving._proxy
    from bot.console import saving

    saving._serve_check()
