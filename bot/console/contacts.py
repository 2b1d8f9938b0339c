"""The contacts editor: address, phone, e-mail, opening hours and web page of a contact.

A changed phone, e-mail or address is a fact people will act on, so it needs the web page
it comes from (a site on the sources allow-list): that page is added to the contact's
``source``, the field is no longer marked ``unverified``, and ``reviewed`` becomes today.
Saved through ``saving.save`` (whole folder validated, all or nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.auth import console_of, staff_only
from bot.console.saving import dump, save, yaml_roundtrip
from bot.console.templating import page
from bot.knowledge import rules
from bot.knowledge.model import DAYS, Contact, Problem

FILE = "contacts.yaml"
TEXTS = ("address", "phone", "email", "url")
FACTS = ("address", "phone", "email")  # changing one needs a source page
ORDER = ("name", "address", "location", "phone", "email", "url", "hours", "hours_note",
         "languages", "source", "unverified", "reviewed")
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                            "Saturday", "Sunday"), strict=True))


class RefusedError(Exception):
    """The form cannot be saved; ``problems`` per field key."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(problems)
        self.problems = problems


def values_of(contact: Contact) -> dict[str, str]:
    """The form's fields for a contact as it is now."""
    values = {f: getattr(contact, f) for f in TEXTS}
    values.update({f"hours-{d}": contact.hours.get(d, "") for d in DAYS})
    values["source"] = ""
    return values


def _styled(block: CommentedMap, value: str) -> Any:
    """``value`` quoted as the block's other texts are (the shipped file quotes them)."""
    quoted = any(isinstance(v, DoubleQuotedScalarString) for v in block.values())
    return DoubleQuotedScalarString(value) if quoted else value


def _put(block: CommentedMap, key: str, value: Any) -> None:
    """Set ``key``, a new key where ``ORDER`` puts it among the keys there are."""
    if key in block:
        block[key] = value
        return
    rank = ORDER.index(key) if key in ORDER else len(ORDER)
    position = sum(1 for k in block if k in ORDER and ORDER.index(k) < rank)
    block.insert(position, key, value)


def _set_texts(block: CommentedMap, form: Mapping[str, str]) -> list[str]:
    changed = []
    for key in TEXTS:
        new, old = form.get(key, "").strip(), block.get(key)
        if new == (str(old).strip() if old is not None else ""):
            continue
        changed.append(key)
        if not new:
            del block[key]
        else:
            _put(block, key, type(old)(new) if isinstance(old, ScalarString)
                 else _styled(block, new))
    return changed


def _set_hours(block: CommentedMap, form: Mapping[str, str]) -> bool:
    new = {d: form.get(f"hours-{d}", "").strip() for d in DAYS}
    new = {d: v for d, v in new.items() if v}
    old = block.get("hours")
    if isinstance(old, Mapping) and {d: str(v).strip() for d, v in old.items()} == new:
        return False
    if old is None and not new:
        return False
    if not new:
        del block["hours"]
        return True
    hours = old if isinstance(old, CommentedMap) else CommentedMap()
    for day in [d for d in hours if d not in new]:
        del hours[day]
    for day, span in new.items():
        if str(hours.get(day, "")).strip() != span:
            hours[day] = _styled(block, span)
    _put(block, "hours", hours)
    return True


def _confirm(block: CommentedMap, facts: list[str], source: str, today: date) -> None:
    """Record the page the facts come from; they are no longer unverified; reviewed today."""
    sources = block.get("source")
    if isinstance(sources, str):
        sources = CommentedSeq([sources])
    elif not isinstance(sources, list):
        sources = CommentedSeq()
    if source not in [str(s) for s in sources]:
        sources.append(_styled(block, source))
    _put(block, "source", sources)
    doubtful = block.get("unverified")
    if isinstance(doubtful, list):
        for fact in facts:
            while fact in doubtful:
                doubtful.remove(fact)
        if not doubtful:
            del block["unverified"]
    _put(block, "reviewed", today)


def apply(text: str, cid: str, form: Mapping[str, str], domains: Mapping[str, str],
          today: date) -> str:
    """contacts.yaml with the form written into contact ``cid``; RefusedError when a changed
    fact lacks an allowed source page. Unchanged form: the same text."""
    yaml = yaml_roundtrip(text)
    data = yaml.load(text)
    block = data.get(cid) if isinstance(data, CommentedMap) else None
    if not isinstance(block, CommentedMap):
        raise RefusedError({"": [f"{FILE} has no contact '{cid}' written as a block of fields"]})
    changed = _set_texts(block, form)
    hours = _set_hours(block, form)
    source = form.get("source", "").strip()
    facts = [f for f in changed if f in FACTS]
    if facts and not source:
        raise RefusedError({"source": [f"You changed the {', '.join(facts)}: give the official "
                                  "web page that shows it, so others can check it."]})
    if source:
        reason = ("is not a web address (https://…)" if not source.startswith(("https://",
                                                                               "http://"))
                  else rules.allowed(source, domains) if domains else "")
        if reason:
            raise RefusedError({"source": [f"{source} {reason}; use the organisation's own "
                                           "page or an official one."]})
    if not (changed or hours):
        return text
    if source:
        _confirm(block, [*facts, *(["hours"] if hours else [])], source, today)
    return dump(yaml, data)


def locator(cid: str) -> Any:
    def locate(problem: Problem) -> str:
        if problem.file != FILE or problem.where != cid:
            return ""
        for key in (*TEXTS, "source"):
            if problem.message.startswith(f"'{key}'"):
                return key
        for day in DAYS:
            if problem.message.startswith(f"'hours.{day}'"):
                return f"hours-{day}"
        return "hours-mon" if problem.message.startswith("'hours'") else ""
    return locate


# ------------------------------------------------------------------ pages

@staff_only
async def listing(request: Request) -> Response:
    kb = console_of(request).get().kb
    return page(request, "contacts.html",
                contacts=sorted(kb.contacts.values(), key=lambda c: c.id))


def _contact(request: Request) -> Contact:
    contact = console_of(request).get().kb.contacts.get(request.path_params["contact"])
    if contact is None:
        raise HTTPException(404)
    return contact


def _form(request: Request, contact: Contact, values: Mapping[str, str],
          status_code: int = 200, **extra: Any) -> Response:
    return page(request, "contact.html", status_code=status_code, contact=contact,
                values=values, days=DAY_NAMES, problems=extra.pop("problems", {}), **extra)


@staff_only
async def edit(request: Request) -> Response:
    contact = _contact(request)
    saved = request.query_params.get("saved")
    return _form(request, contact, values_of(contact),
                 saved=saved if saved and saved.isdigit() else None)


@staff_only
async def store(request: Request) -> Response:
    console = console_of(request)
    contact = _contact(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        text = (console.knowledge_dir / FILE).read_bytes().decode("utf-8")
        changed = apply(text, contact.id, form, console.get().kb.domains, date.today())
    except RefusedError as exc:
        return _form(request, contact, form, 422, problems=exc.problems)
    except (OSError, UnicodeDecodeError) as exc:
        return _form(request, contact, form, 422, problems={"": [f"cannot read {FILE}: {exc}"]})
    result = await save(console, request.state.session.staff, {FILE: changed},
                        f"contact {contact.id}", locate=locator(contact.id),
                        based_on={FILE: text})
    if not result.ok:
        return _form(request, contact, form, 422, problems=result.problems,
                     message=result.message)
    if result.version is None:
        return _form(request, contact, form, message=result.message)
    return RedirectResponse(f"/contacts/{contact.id}?saved={result.version}", status_code=303)


routes = [
    Route("/contacts", listing, methods=["GET"]),
    Route("/contacts/{contact}", edit, methods=["GET"]),
    Route("/contacts/{contact}", store, methods=["POST"]),
]
