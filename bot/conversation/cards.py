"""Contacts for a user's language (Babel): cards with hours and languages, map pins."""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale

from bot.conversation.messages import Card, Venue
from bot.knowledge.loader import DAYS, Contact
from bot.understanding.language import SUPPORTED


def locale_for(lang: str) -> Locale:
    """The Babel locale for a supported language; English for anything else."""
    return Locale.parse(lang if lang in SUPPORTED else "en")


def format_hours(hours: Mapping[str, str], lang: str) -> list[str]:
    """Opening hours as lines with the locale's weekday names; consecutive equal days merged."""
    names = locale_for(lang).days["format"]["abbreviated"]
    lines: list[str] = []
    run: list[int] = []
    for i, day in enumerate(DAYS):
        span = hours.get(day)
        if run and span != hours.get(DAYS[run[-1]]):
            lines.append(_hours_line(run, names, hours[DAYS[run[0]]]))
            run = []
        if span is not None:
            run.append(i)
    if run:
        lines.append(_hours_line(run, names, hours[DAYS[run[0]]]))
    return lines


def _hours_line(run: list[int], names: Mapping[int, str], span: str) -> str:
    days = names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}"
    return f"{days} {span.replace('-', '–')}"


def language_names(codes: tuple[str, ...], lang: str) -> str:
    """Languages spoken, named in the reader's language."""
    locale = locale_for(lang)
    return ", ".join(locale.languages.get(code, code) for code in codes)


def contact_card(contact: Contact, lang: str, labels: dict[str, str]) -> Card:
    """A card with what is known and confirmed: fields staff marked ``unverified`` are left
    out (the bot never relies on them); the website stands in for unknown details."""
    shown = confirmed(contact)
    lines: list[str] = []
    if "address" in shown:
        lines.append(f"📍 {contact.address}")
    hours = format_hours(contact.hours, lang) if "hours" in shown else []
    if hours:
        lines.append(f"🕒 {labels['hours']}: " + "; ".join(hours))
    note = contact.hours_note.get(lang) or contact.hours_note.get("en")
    if note:
        lines.append(f"ℹ️ {note}")
    for field, icon in (("phone", "☎️"), ("email", "✉️"), ("url", "🌐")):
        if field in shown:
            lines.append(f"{icon} {getattr(contact, field)}")
    if "languages" in shown:
        lines.append(f"🗣 {language_names(contact.languages, lang)}")
    return Card(contact.display_name(lang), tuple(lines), lang, contact.id)


def confirmed(contact: Contact) -> set[str]:
    """The contact's fields that are filled in and not marked unverified."""
    fields = ("address", "location", "phone", "email", "url", "hours", "languages")
    return {f for f in fields if getattr(contact, f) and f not in contact.unverified}


def venue(contact: Contact, lang: str) -> Venue | None:
    """A map pin for the contact, when its coordinates are known."""
    if contact.location is None or "location" not in confirmed(contact):
        return None
    lat, lon = contact.location
    address = contact.address if "address" in confirmed(contact) else contact.url
    return Venue(lat, lon, contact.display_name(lang)[:100], address)
