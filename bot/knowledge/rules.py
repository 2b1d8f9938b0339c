"""Rules a city needs before it can publish the knowledge base.

- Sources: every link shown to users and every ``source`` comes from a site on the
  allow-list ``sources.yaml`` (each domain with its owner); no search-engine caches.
- A person on every route: ``fallback.yaml`` names, per newcomer group, the contact the
  bot sends people to when it cannot help. Each must be reachable: a phone or an e-mail,
  and an address or opening hours, none of them marked unverified, with a source.
- Law ages: an entry marked ``legal: true`` that was last reviewed more than six months
  ago needs a ``review_note`` saying what is pending; without one ``welcome-bot check``
  fails (the running bot keeps serving it, and /gaps lists it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.knowledge.fields import kind_of, read_yaml
from bot.knowledge.model import GROUPS, Contact, Entry, Event, Problem

SOURCES_FILE = "sources.yaml"
FALLBACK_FILE = "fallback.yaml"
LEGAL_REVIEW_DAYS = 183  # six months
GENERAL = "all"  # the fallback for a user who chose no group
CACHE_PATHS = ("/cache/", "/cache?", "/amp")  # copies of a page, not the page itself


def _optional_mapping(root: Path, name: str, problems: list[Problem], absent: str,
                      shape: str) -> dict[Any, Any]:
    """A YAML mapping file that may be missing (a warning) — ``{}`` when unusable."""
    path = root / name
    if not path.exists():
        problems.append(Problem(name, absent, severity="warning"))
        return {}
    data = read_yaml(path, root, problems)  # it reports an unreadable or empty file
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(name, shape))
    return data if isinstance(data, dict) else {}


def read_domains(root: Path, problems: list[Problem]) -> dict[str, str]:
    """The allow-list: domain → owner. Missing file: a warning, and links are not checked."""
    data = _optional_mapping(root, SOURCES_FILE, problems, "is missing, so links and sources "
                             "are not checked; list the allowed web sites with their owners",
                             "must map each domain to its owner (jena.de: Stadt Jena)")
    domains: dict[str, str] = {}
    for domain, owner in data.items():
        name = str(domain).strip().lower()
        if "/" in name or "." not in name or name.startswith("www."):
            problems.append(Problem(SOURCES_FILE, f"'{domain}' is not a bare domain like "
                                    "jena.de (no https://, no www., no path)", str(domain)))
        elif not isinstance(owner, str) or not owner.strip():
            problems.append(Problem(SOURCES_FILE, f"'{domain}' needs its owner, e.g. "
                                    f"{domain}: Stadt Jena — not {kind_of(owner)}", name))
        else:
            domains[name] = owner.strip()
    return domains


def allowed(url: str, domains: Mapping[str, str]) -> str:
    """Why ``url`` may not be shown or cited (empty when it may)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if not any(host == d or host.endswith("." + d) for d in domains):
        return f"is on {host or 'no site'}, which is not in {SOURCES_FILE}"
    tail = parts.path + ("?" + parts.query if parts.query else "")
    if any(marker in tail for marker in CACHE_PATHS):
        return "is a cached copy of a page, not the page itself"
    return ""


def _urls(entries: Mapping[str, Entry], contacts: Mapping[str, Contact],
          events: Mapping[str, Event]) -> Iterator[tuple[str, str, str, str]]:
    """(file, id, field, url) of every link shown to users and every source."""
    for entry in entries.values():
        for link in entry.links:
            yield entry.file, entry.id, "links", link
        if entry.source:
            yield entry.file, entry.id, "source", entry.source
    for contact in contacts.values():
        if contact.url:
            yield "contacts.yaml", contact.id, "url", contact.url
        for source in contact.source:
            yield "contacts.yaml", contact.id, "source", source
    for event in events.values():
        for name, url in (("url", event.url), ("source", event.source)):
            if url:
                yield "events.yaml", event.id, name, url


def check_sources(domains: Mapping[str, str], entries: Mapping[str, Entry],
                  contacts: Mapping[str, Contact], events: Mapping[str, Event],
                  problems: list[Problem]) -> None:
    """Every URL must come from an allow-listed site (only when the allow-list exists)."""
    if not domains:
        return
    for file, where, name, url in _urls(entries, contacts, events):
        if reason := allowed(url, domains):
            problems.append(Problem(file, f"'{name}' {url} {reason}; use the organisation's "
                                    "own page or an official one (or add its site to "
                                    f"{SOURCES_FILE} with its owner)", where))


def unreachable(contact: Contact) -> list[str]:
    """What ``contact`` lacks to be a fallback (empty when a person can reach it)."""
    doubtful = set(contact.unverified)
    missing = []
    if not [f for f in ("phone", "email") if getattr(contact, f) and f not in doubtful]:
        missing.append("a phone number or an e-mail")
    if not [f for f in ("address", "hours") if getattr(contact, f) and f not in doubtful]:
        missing.append("an address or opening hours")
    if not contact.source:
        missing.append("a 'source' page where they were checked")
    return missing


def read_fallback(root: Path, contacts: Mapping[str, Contact],
                  problems: list[Problem]) -> dict[str, str]:
    """``fallback.yaml``: group → contact id, every contact reachable, 'all' required."""
    data = _optional_mapping(root, FALLBACK_FILE, problems, "is missing: when the bot cannot "
                             "help, nobody is named; add one reachable contact per group",
                             "must map groups to contact ids (refugee: auslaenderbehoerde)")
    found: dict[str, str] = {}
    for group, cid in data.items():
        found.update(_fallback_item(str(group), cid, contacts, problems))
    if GENERAL not in found and not any(p.file == FALLBACK_FILE for p in problems):
        problems.append(Problem(FALLBACK_FILE, f"has no '{GENERAL}:' contact for people who "
                                "chose no group; add one"))
    return found


def _fallback_item(group: str, cid: Any, contacts: Mapping[str, Contact],
                   problems: list[Problem]) -> dict[str, str]:
    if group not in GROUPS:
        problems.append(Problem(FALLBACK_FILE, f"unknown group '{group}'; use "
                                f"{', '.join(GROUPS)}", group))
        return {}
    if not isinstance(cid, str) or cid not in contacts:
        problems.append(Problem(FALLBACK_FILE, f"'{group}' names '{cid}', which contacts.yaml "
                                "does not define", group))
        return {}
    if missing := unreachable(contacts[cid]):
        problems.append(Problem(FALLBACK_FILE, f"'{group}' names '{cid}', which people cannot "
                                f"reach: it lacks {' and '.join(missing)} (confirmed, from an "
                                "official page); choose another contact or complete it", group))
        return {}
    return {group: cid}


def check_legal(entries: Mapping[str, Entry], today: date, problems: list[Problem]) -> None:
    """A legal entry older than six months: 'overdue' without a note, a warning with one."""
    for entry in entries.values():
        if not entry.legal:
            continue
        age = (today - entry.reviewed).days if entry.reviewed else None
        if age is not None and age <= LEGAL_REVIEW_DAYS:
            continue
        since = f"last reviewed {entry.reviewed}" if entry.reviewed else "never reviewed"
        if entry.review_note:
            problems.append(Problem(entry.file, f"states law and was {since} (more than six "
                                    f"months); pending: {entry.review_note}", entry.id,
                                    "warning"))
        else:
            problems.append(Problem(entry.file, f"states law and was {since}; check it against "
                                    "the official page and set 'reviewed', or say what is "
                                    "pending in 'review_note'", entry.id, "overdue"))


def open_checks(entries: Mapping[str, Entry], contacts: Mapping[str, Contact],
                today: date) -> list[str]:
    """Facts staff still have to check, one line each, for /gaps and ``check --gaps``."""
    lines = [f"contact {c.id}: not verified: {', '.join(c.unverified)}"
             for c in contacts.values() if c.unverified]
    lines += [f"contact {c.id}: never checked against its official page"
              for c in contacts.values() if c.reviewed is None]
    for entry in entries.values():
        if entry.reviewed is None:
            lines.append(f"entry {entry.id}: never checked against its official page")
        elif entry.legal and (today - entry.reviewed).days > LEGAL_REVIEW_DAYS:
            lines.append(f"entry {entry.id}: states law, last reviewed {entry.reviewed}"
                         + (f" — pending: {entry.review_note}" if entry.review_note else ""))
        elif entry.review_note:
            lines.append(f"entry {entry.id}: pending: {entry.review_note}")
    return lines
