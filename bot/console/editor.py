"""The entry editor: German on the left, the chosen language on the right, a live preview
of the bot's message, and Save — all or nothing, through ``saving.save``."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console import entries
from bot.console.auth import console_of, staff_only
from bot.console.context import Console
from bot.console.saving import save
from bot.console.templating import page, templates
from bot.knowledge.model import Entry
from bot.understanding.language import SUPPORTED, endonym

templates.env.filters["telegram_html"] = entries.telegram_html


def _entry(console: Console, request: Request) -> tuple[Entry, str]:
    entry = console.get().kb.entries.get(request.path_params["entry"])
    lang = request.path_params["lang"]
    if entry is None or lang not in SUPPORTED:
        raise HTTPException(404)
    return entry, lang


def _digest(console: Console, entry: Entry) -> str:
    """What the file looked like when the form was shown (to notice a save in between)."""
    try:
        raw = (console.knowledge_dir / entry.file).read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(raw).hexdigest()


@staff_only
async def listing(request: Request) -> Response:
    """Every entry with each language's state; each cell opens the editor."""
    kb = console_of(request).get().kb
    rows = [(e, e.localized("de")[1].title, [(lang, entries.status(e, lang))
                                             for lang in SUPPORTED])
            for e in sorted(kb.entries.values(), key=lambda e: e.id)]
    return page(request, "entries.html", rows=rows)


def _form(request: Request, entry: Entry, lang: str, draft: entries.Draft,
          status_code: int = 200, **extra: Any) -> Response:
    console = console_of(request)
    kb = console.get().kb
    reference = "en" if lang == "de" else "de"
    extra.setdefault("base", _digest(console, entry))
    return page(request, "entry.html", status_code=status_code, entry=entry, lang=lang,
                lang_name=endonym(lang), reference=reference,
                ref_name=endonym(reference), ref=entry.texts.get(reference),
                own=entry.texts.get(lang), state=entries.status(entry, lang),
                draft=draft, contacts=sorted(kb.contacts.values(), key=lambda c: c.id),
                preview=entries.preview(kb, console.tr, entry, lang, draft),
                problems=extra.pop("problems", {}), warnings=extra.pop("warnings", {}),
                **extra)


@staff_only
async def edit(request: Request) -> Response:
    entry, lang = _entry(console_of(request), request)
    saved = request.query_params.get("saved")
    return _form(request, entry, lang, entries.from_entry(entry, lang),
                 saved=saved if saved and saved.isdigit() else None)


async def _draft(request: Request) -> entries.Draft:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    chosen = [v for v in form.getlist("contacts") if isinstance(v, str) and v]
    return entries.from_form(values, chosen)


@staff_only
async def store(request: Request) -> Response:
    """Save the draft: on success back to the editor (PRG), else the form with errors."""
    console = console_of(request)
    entry, lang = _entry(console, request)
    draft = await _draft(request)
    base = (await request.form()).get("base")
    if base != _digest(console, entry):
        return _form(request, entry, lang, draft, 409, problems={"": [
            "Someone saved this entry after you opened it. Nothing was saved: copy your "
            "text, reload the page and apply your change again."]})
    path = console.knowledge_dir / entry.file
    try:
        text = path.read_bytes().decode("utf-8")
        changed = entries.apply(text, lang, draft, date.today())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return _form(request, entry, lang, draft, 422,
                     problems={"": [f"{entry.file} cannot be edited here: {exc}"]})
    result = await save(console, request.state.session.staff, {entry.file: changed},
                        f"entry {entry.id} ({lang})", locate=entries.locator(entry, lang),
                        based_on={entry.file: text})
    if not result.ok:
        return _form(request, entry, lang, draft, 422, problems=result.problems,
                     message=result.message)
    target = f"/entries/{entry.id}/{lang}"
    if result.version is None:
        return _form(request, entry, lang, draft, message=result.message)
    return RedirectResponse(f"{target}?saved={result.version}", status_code=303)


@staff_only
async def live_preview(request: Request) -> Response:
    """The preview box for the text being typed (the editor's script asks as staff type)."""
    console = console_of(request)
    entry, lang = _entry(console, request)
    kb = console.get().kb
    shown = entries.preview(kb, console.tr, entry, lang, await _draft(request))
    return templates.TemplateResponse(request, "preview.html", {"preview": shown, "lang": lang},
                                      headers={"Cache-Control": "no-store"})


routes = [
    Route("/entries", listing, methods=["GET"]),
    Route("/entries/{entry}/{lang}", edit, methods=["GET"]),
    Route("/entries/{entry}/{lang}", store, methods=["POST"]),
    Route("/entries/{entry}/{lang}/preview", live_preview, methods=["POST"]),
]
