"""History: every console save is a version (who, when, which files, a readable diff), and
any version can be undone — as a new version, through ``saving.save``.

Undoing takes the version's change back out of the files as they are now: when later
versions changed other lines of the same files, those changes stay; when they changed the
same lines, or the result would not load, the undo is refused and nothing changes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.saving import save
from bot.console.templating import page
from bot.storage.console import FileChange, Version


@dataclass(frozen=True)
class Line:
    kind: str  # "add", "del", "hunk", "ctx"
    text: str


def diff(change: FileChange, context: int = 2) -> list[Line]:
    """A unified diff of one file, line by line, for the page (escaped by the template)."""
    before = (change.before or "").splitlines()
    after = (change.after or "").splitlines()
    out = []
    for line in difflib.unified_diff(before, after, n=context, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        out.append(Line(kind, line))
    return out


def _positions(old: list[str], new: list[str]) -> dict[int, int]:
    """Line number in ``old`` → the same line's number in ``new`` (lines both share)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return {a + k: b + k for a, b, size in matcher.get_matching_blocks() for k in range(size)}


def _place(where: dict[int, int], i1: int, i2: int, length: int) -> tuple[int, int]:
    """Where lines ``i1:i2`` of the version's text are in the current text (ValueError if
    they were changed since)."""
    if i2 > i1:
        start = where.get(i1)
        if start is None or any(where.get(i) != start + i - i1 for i in range(i1, i2)):
            raise ValueError
        return start, start + i2 - i1
    before, after = where.get(i1 - 1), where.get(i1)
    if i1 == 0:
        return 0, 0
    if i1 == length:
        if before is None:
            raise ValueError
        return before + 1, before + 1
    if before is None or after is None or after != before + 1:
        raise ValueError
    return after, after


def reverse(change: FileChange, current: str | None) -> str | None:
    """``current`` with ``change`` taken back out; ValueError when that cannot be done
    without touching a later change."""
    if current == change.after:
        return change.before
    if change.before is None or change.after is None or current is None:
        raise ValueError
    after = change.after.splitlines(keepends=True)
    before = change.before.splitlines(keepends=True)
    now = current.splitlines(keepends=True)
    where = _positions(after, now)
    ops = difflib.SequenceMatcher(None, after, before, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(ops):
        if tag == "equal":
            continue
        start, end = _place(where, i1, i2, len(after))
        now[start:end] = before[j1:j2]
    return "".join(now)


def later_same_files(console_versions: list[Version], version: Version) -> list[int]:
    paths = {f.path for f in version.files}
    return sorted(v.number for v in console_versions
                  if v.number > version.number and paths & {f.path for f in v.files})


# ------------------------------------------------------------------ pages

@staff_only
async def listing(request: Request) -> Response:
    versions = console_of(request).storage.console.versions(200)
    return page(request, "history.html", versions=versions)


def _version(request: Request) -> Version:
    number = request.path_params["number"]
    version = console_of(request).storage.console.version(number)
    if version is None:
        raise HTTPException(404)
    return version


def _show(request: Request, version: Version, status_code: int = 200,
          **extra: object) -> Response:
    console = console_of(request)
    later = later_same_files(console.storage.console.versions(500), version)
    files = [(f, diff(f)) for f in version.files]
    return page(request, "version.html", status_code=status_code, version=version,
                files=files, later=later, **extra)


@staff_only
async def show(request: Request) -> Response:
    undone = request.query_params.get("undone")
    return _show(request, _version(request),
                 undone=undone if undone and undone.isdigit() else None)


def _current(request: Request, path: str) -> str | None:
    file = console_of(request).knowledge_dir / path
    return file.read_bytes().decode("utf-8") if file.exists() else None


@staff_only
async def undo(request: Request) -> Response:
    """Take a version's change back out, as a new version; refused when it cannot be."""
    console = console_of(request)
    version = _version(request)
    try:
        changes = {f.path: reverse(f, _current(request, f.path)) for f in version.files}
    except ValueError:
        later = later_same_files(console.storage.console.versions(500), version)
        return _show(request, version, 409, problems=[
            f"Not undone: version {', '.join(map(str, later)) or 'a later edit'} changed the "
            "same lines afterwards. Undo the later versions first (newest first), or edit "
            "the text in the editor. Nothing was changed."])
    except (OSError, UnicodeDecodeError) as exc:
        return _show(request, version, 500, problems=[f"cannot read the files: {exc}"])
    result = await save(console, request.state.session.staff, changes,
                        f"undo version {version.number} ({version.summary})")
    if not result.ok:
        return _show(request, version, 409, problems=[
            "Not undone: with this change taken out the knowledge would not load (later "
            "versions depend on it). Nothing was changed.",
            *[m for messages in result.problems.values() for m in messages]])
    if result.version is None:
        return _show(request, version, problems=["Nothing to undo: the files are already "
                                                 "as they were before this version."])
    return RedirectResponse(f"/history/{result.version}?undone={version.number}",
                            status_code=303)


routes = [
    Route("/history", listing, methods=["GET"]),
    Route("/history/{number:int}", show, methods=["GET"]),
    Route("/history/{number:int}/undo", undo, methods=["POST"]),
]
