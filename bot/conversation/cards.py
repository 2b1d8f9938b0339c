"""Format contacts, hours and events for a user's language (Babel), channel-neutral."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from babel import Locale
from babel.dates import format_date, format_time

from bot.conversation.messages import Card, Venue
from bot.knowledge.loader import DAYS, Contact, Event
from bot.understanding.language import SUPPORTED


def _locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in SUPPORTED else "en")


def format_hours(hours: Mapping[str, str], lang: str) -> list[str]:
    """Opening hours as lines with the locale's weekday names; consecutive equal days merged."""
    names = _locale(lang).days["format"]["abbreviated"]
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
    locale = _locale(lang)
    return ", ".join(locale.languages.get(code, code) for code in codes)


def contact_card(contact: Contact, lang: str, labels: dict[str, str]) -> Card:
    """A card with whatever is known; the website stands in for unknown details."""
    lines: list[str] = []
    if contact.address:
        lines.append(f"📍 {contact.address}")
    hours = format_hours(contact.hours, lang)
    if hours:
        lines.append(f"🕒 {labels['hours']}: " + "; ".join(hours))
    note = contact.hours_note.get(lang) or contact.hours_note.get("en")
    if note:
        lines.append(f"ℹ️ {note}")
    if contact.phone:
        lines.append(f"☎️ {contact.phone}")
    if contact.email:
        lines.append(f"✉️ {contact.email}")
    if contact.url:
        lines.append(f"🌐 {contact.url}")
    if contact.languages:
        lines.append(f"🗣 {language_names(contact.languages, lang)}")
    return Card(contact.display_name(lang), tuple(lines), lang, contact.id)


def venue(contact: Contact, lang: str) -> Venue | None:
    """A map pin for the contact, when its coordinates are known."""
    if contact.location is None:
        return None
    lat, lon = contact.location
    return Venue(lat, lon, contact.display_name(lang)[:100], contact.address or contact.url)


def event_when(event: Event, lang: str) -> str:
    """The event's date and time in the user's locale, or '' when not known yet."""
    if event.start is None:
        return ""
    locale = _locale(lang)
    if event.start.hour == 0 and event.start.minute == 0:
        text = format_date(event.start, format="full", locale=locale)
    else:
        text = format_date(event.start, format="full", locale=locale) + ", " + format_time(
            event.start, format="short", locale=locale)
    if event.end and event.end.date() == event.start.date() and event.end != event.start:
        text += "–" + format_time(event.end, format="short", locale=locale)
    elif event.end and event.end.date() != event.start.date():
        text += " – " + format_date(event.end, format="full", locale=locale)
    return text


def upcoming(events: list[Event], now: datetime) -> list[Event]:
    """Events not yet over, soonest first; events whose date is not known yet come last."""
    dated = sorted((e for e in events if e.is_upcoming(now)), key=lambda e: e.start)
    undated = [e for e in events if e.start is None]
    return dated + undated
