"""Events: edit an event (the welcome day's date and the other fields staff need) in
events.yaml through ``saving.save``; a changed date needs the official page it comes from
(``source``) and sets ``reviewed`` to today. "Send to subscribers" uses /announce's rules
(``Console.announce``, set by the Telegram side), after a confirmation step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.context import Console
from bot.console.saving import dump, save, yaml_roundtrip
from bot.console.templating import page
from bot.knowledge.model import Event, Problem
from bot.staff import reports
from bot.understanding.language import SUPPORTED

FILE = "events.yaml"
ORDER = ("entry", "start", "end", "place", "contact", "url", "source", "reviewed")
MOMENTS = ("start", "end")
TEXTS = ("place", "url", "source")
HTTPS = "https://"


@dataclass
class Form:
    """The form's values (as typed) and the problems per field."""

    values: dict[str, str]
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, key: str, message: str) -> None:
        self.problems.setdefault(key, []).append(message)


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def values_of(event: Event) -> dict[str, str]:
    """The event as the form shows it (datetime-local inputs: YYYY-MM-DDTHH:MM)."""
    values = {"start": _moment(event.start), "end": _moment(event.end), "place": event.place,
              "contact": event.contact, "url": event.url, "source": event.source,
              "reviewed": event.reviewed.isoformat() if event.reviewed else ""}
    for lang, text in event.texts.items():
        values[f"title.{lang}"], values[f"description.{lang}"] = text.title, text.description
    return values


def read_form(data: FormData, event: Event) -> Form:
    """The submitted values, checked: dates readable, a changed date with its source."""
    keys = [*MOMENTS, *TEXTS, "contact", "reviewed",
            *(f"{k}.{lang}" for lang in SUPPORTED for k in ("title", "description"))]
    form = Form({k: str(data.get(k, "")).strip() for k in keys})
    for key in MOMENTS:
        if form.values[key]:
            try:
                datetime.fromisoformat(form.values[key])
            except ValueError:
                form.problem(key, "write the date and time as YYYY-MM-DD HH:MM")
    for key in ("url", "source"):
        if form.values[key] and not form.values[key].startswith(HTTPS):
            form.problem(key, "a link starts with https://")
    before = values_of(event)
    if any(form.values[k] != before[k] for k in MOMENTS):
        if not form.values["source"].startswith(HTTPS):
            form.problem("source", "a changed date needs the official page that announces it: "
                                   "give its https:// address here")
        form.values["reviewed"] = date.today().isoformat()
    for lang in SUPPORTED:
        title, text = form.values[f"title.{lang}"], form.values[f"description.{lang}"]
        if bool(title) != bool(text):
            form.problem(f"title.{lang}" if not title else f"description.{lang}",
                         "give both the title and the description, or neither")
    return form


def _styled(old: Any, new: str) -> Any:
    """``new`` written the way the file wrote the old value (block text stays a block)."""
    if isinstance(old, LiteralScalarString) or "\n" in new:
        return LiteralScalarString(new.rstrip("\n") + "\n")
    return DoubleQuotedScalarString(new)


def _put(block: CommentedMap, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Set ``key`` (where ``order`` says it belongs when it is new) or drop it when empty."""
    if value in ("", None):
        block.pop(key, None)
        return
    if key in block:
        block[key] = value
        return
    earlier = [k for k in order[:order.index(key)] if k in block] if key in order else []
    position = list(block).index(earlier[-1]) + 1 if earlier else 0
    block.insert(position, key, value)


def new_text(text: str, event_id: str, values: dict[str, str]) -> str:
    """events.yaml with the event's fields replaced (comments, order and quotes kept)."""
    yaml = yaml_roundtrip(like=text)
    data = yaml.load(text)
    block = data[event_id]
    for key in MOMENTS:
        _put(block, key, values[key] or None, ORDER)
    for key in (*TEXTS, "contact"):
        _put(block, key, values[key] and _styled(block.get(key), values[key]), ORDER)
    _put(block, "reviewed", values["reviewed"] and date.fromisoformat(values["reviewed"]),
         ORDER)
    for lang in SUPPORTED:
        title, description = values[f"title.{lang}"], values[f"description.{lang}"]
        if not title:
            block.pop(lang, None)
            continue
        sub = block.get(lang)
        if sub is None:
            sub = block[lang] = CommentedMap()
        sub["title"] = _styled(sub.get("title"), title)
        sub["description"] = _styled(sub.get("description"), description)
    return dump(yaml, data)


def locate(problem: Problem) -> str:
    """The form field a loader problem is about ("" when it is about none)."""
    where = problem.where.split()
    lang = where[1] if len(where) > 1 else ""
    for key in (*ORDER, "title", "description"):
        if f"'{key}'" in problem.message:
            return f"{key}.{lang}" if lang and key in ("title", "description") else key
    return ""


def _event(request: Request) -> tuple[Console, Event | None]:
    console = console_of(request)
    return console, console.get().kb.events.get(request.path_params["event"])


def _editor(request: Request, event: Event, form: Form, status: int = 200,
            message: str = "") -> Response:
    kb = console_of(request).get().kb
    contacts = sorted((c.id, c.display_name("de")) for c in kb.contacts.values())
    return page(request, "event.html", status_code=status, event=event, v=form.values,
                problems=form.problems, contacts=contacts, message=message, langs=SUPPORTED)


@staff_only
async def events(request: Request) -> Response:
    """Every event, with its date and the way to edit or announce it."""
    console = console_of(request)
    kb = console.get().kb
    rows = [(e, e.localized("de")[1].title,
             reports.count(len(console.storage.subscribers(e.id))))
            for e in kb.events.values()]
    return page(request, "events.html", rows=rows, can_announce=console.announce is not None,
                saved=request.query_params.get("saved"))


@staff_only
async def edit(request: Request) -> Response:
    """The event's form."""
    _console, event = _event(request)
    if event is None:
        return _missing(request)
    return _editor(request, event, Form(values_of(event)))


@staff_only
async def store(request: Request) -> Response:
    """Check the form, write events.yaml through save(): all or nothing."""
    console, event = _event(request)
    if event is None:
        return _missing(request)
    form = read_form(await request.form(), event)
    if form.problems:
        return _editor(request, event, form, 400, "Not saved: see the fields marked below.")
    path = console.knowledge_dir / FILE
    text = path.read_bytes().decode("utf-8")
    result = await save(console, request.state.session.staff,
                        {FILE: new_text(text, event.id, form.values)},
                        f"event {event.id} edited", locate=locate, based_on={FILE: text})
    if not result.ok:
        form.problems = result.problems
        return _editor(request, event, form, 400, result.message)
    return RedirectResponse(f"/events?saved={event.id}", status_code=303)


def _missing(request: Request) -> Response:
    return page(request, "error.html", status_code=404, message="There is no such event.")


@staff_only
async def confirm(request: Request) -> Response:
    """The confirmation step before anything is sent."""
    console, event = _event(request)
    if event is None or console.announce is None:
        return _missing(request)
    return page(request, "announce.html", event=event, title=event.localized("de")[1].title,
                subscribers=reports.count(len(console.storage.subscribers(event.id))),
                recent=reports.recently_announced(console.storage, event.id))


@staff_only
async def announce(request: Request) -> Response:
    """Send the event to its subscribers, each in their language (/announce's rules)."""
    console, event = _event(request)
    if event is None or console.announce is None:
        return _missing(request)
    again = (await request.form()).get("again") == "yes"
    staff = request.state.session.staff
    console.storage.audit(staff, "console-announce", event.id + (" --again" if again else ""))
    result = await console.announce(event.id, again)
    return page(request, "announce.html", event=event, title=event.localized("de")[1].title,
                result=result)


routes = [
    Route("/events", events, methods=["GET"]),
    Route("/events/{event}", edit, methods=["GET"]),
    Route("/events/{event}", store, methods=["POST"]),
    Route("/events/{event}/announce", confirm, methods=["GET"]),
    Route("/events/{event}/announce", announce, methods=["POST"]),
]
