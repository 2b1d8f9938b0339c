"""Unanswered questions: the grouped list of /unanswered. Per group, "add as a way of asking"
an entry (the group's newest question, in its language, one click, live at once through
``saving.save``) and "mark handled". Texts are scrubbed (``group_declined``) and escaped."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.context import Console
from bot.console.saving import save
from bot.console.templating import page
from bot.staff import reports, teach
from bot.staff.reports import Group
from bot.understanding.language import SUPPORTED
from bot.understanding.text import normalize

LIMIT = 500  # declined questions read, as /unanswered does
SHOWN = 50  # groups on the page
EXAMPLES = 3  # questions shown per group


def groups(console: Console) -> list[Group]:
    return reports.group_declined(console.storage.declined(LIMIT))


def language(group: Group) -> str:
    """The language of the group's newest question (the one that is added)."""
    return next(iter(group.langs))


def closest(console: Console, group: Group) -> str:
    """The entry the bot found closest most often, when it still exists."""
    entries = console.get().kb.entries
    return next((e for e, _n in group.closest.most_common() if e in entries), "")


def _view(request: Request, notice: str = "", problem: str = "", status: int = 200,
          failed_key: int | None = None) -> Response:
    console = console_of(request)
    kb = console.get().kb
    shown = []
    for g in groups(console)[:SHOWN]:
        shown.append({"key": g.key, "size": reports.count(len(g.ids)),
                      "langs": [(lang, reports.count(n)) for lang, n in g.langs.most_common()],
                      "texts": g.texts[:EXAMPLES], "lang": language(g),
                      "closest": closest(console, g)})
    entries = sorted((e.id, e.localized("de")[1].title) for e in kb.entries.values())
    return page(request, "unanswered.html", status_code=status, groups=shown, entries=entries,
                notice=notice, problem=problem, failed_key=failed_key, langs=SUPPORTED)


@staff_only
async def unanswered(request: Request) -> Response:
    """The list, with the result of the last action (after a redirect)."""
    added, handled = request.query_params.get("added"), request.query_params.get("handled")
    notice = ""
    if added:
        notice = f"Added as a way of asking {added}; the bot answers it now."
    elif handled:
        notice = "Marked as handled."
    return _view(request, notice)


def _find(console: Console, request: Request) -> Group | None:
    key = request.path_params["key"]
    return next((g for g in groups(console) if g.key == key), None)


async def _variant_file(console: Console, entry_id: str, lang: str,
                        question: str) -> tuple[str, str, str, str]:
    """(file, its text now, its new text, the variant as written); TeachError says what
    is wrong."""
    entry = console.get().kb.entries.get(entry_id)
    if entry is None:
        raise teach.TeachError("choose an entry")
    variant = teach.clean(question)
    if not variant:
        raise teach.TeachError("the question is empty once personal details are removed")
    known = entry.texts.get(lang)
    if known and normalize(variant) in {normalize(q) for q in known.questions}:
        raise teach.TeachError(f"«{variant}» is already a way of asking {entry_id} ({lang})")
    try:
        text = (console.knowledge_dir / entry.file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise teach.TeachError(f"cannot read {entry.file}: {exc}") from exc
    return entry.file, text, teach.insert_question(text, lang, variant), variant


@staff_only
async def add(request: Request) -> Response:
    """Add the group's newest question to an entry, in its language, and put it live."""
    console = console_of(request)
    group = _find(console, request)
    if group is None:
        return _view(request, problem="That group is gone (handled already?).", status=404)
    form = await request.form()
    entry_id, lang = str(form.get("entry", "")), str(form.get("lang", ""))
    if lang not in SUPPORTED:
        lang = language(group)
    try:
        name, old, text, variant = await _variant_file(console, entry_id, lang,
                                                       group.texts[0])
    except teach.TeachError as exc:
        return _view(request, problem=f"Not added: {exc}.", status=400, failed_key=group.key)
    result = await save(console, request.state.session.staff, {name: text},
                        f"unanswered: «{variant}» added to {entry_id} ({lang})",
                        based_on={name: old})
    if not result.ok:
        problems = "; ".join(m for ms in result.problems.values() for m in ms)
        return _view(request, problem=f"{result.message} {problems}", status=400,
                     failed_key=group.key)
    console.storage.mark_handled(group.ids)
    return RedirectResponse(f"/unanswered?added={entry_id}", status_code=303)


@staff_only
async def handled(request: Request) -> Response:
    """Mark the whole group as handled (it leaves the list; nothing else changes)."""
    console = console_of(request)
    group = _find(console, request)
    if group is None:
        return _view(request, problem="That group is gone (handled already?).", status=404)
    done = console.storage.mark_handled(group.ids)
    console.storage.audit(request.state.session.staff, "console-handled",
                          f"{done} question(s) of group #{group.key}")
    return RedirectResponse("/unanswered?handled=1", status_code=303)


routes = [
    Route("/unanswered", unanswered, methods=["GET"]),
    Route("/unanswered/{key:int}/add", add, methods=["POST"]),
    Route("/unanswered/{key:int}/handled", handled, methods=["POST"]),
]
