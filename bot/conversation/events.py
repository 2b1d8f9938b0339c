"""Events in a user's language: the one formatter for listings, announcements and reminders."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import partial
from typing import Literal

from babel.dates import format_date, format_time

from bot.conversation.actions import Action, Subscribe, Unsubscribe, encode, fits
from bot.conversation.cards import locale_for
from bot.conversation.messages import Button, Reply, Text
from bot.i18n import Translator
from bot.knowledge.loader import Event

# listing: /events; announcement: staff's /announce; reminder: the day before
Style = Literal["listing", "announcement", "reminder"]
REMIND_BEFORE = timedelta(days=1)


def event_when(event: Event, lang: str) -> str:
    """The event's date and time in the user's locale, or '' when not known yet."""
    if event.start is None:
        return ""
    locale = locale_for(lang)
    text = format_date(event.start, format="full", locale=locale)
    if event.start.hour or event.start.minute:
        text += ", " + format_time(event.start, format="short", locale=locale)
    if event.end and event.end.date() == event.start.date() and event.end != event.start:
        text += "–" + format_time(event.end, format="short", locale=locale)
    elif event.end and event.end.date() != event.start.date():
        text += " – " + format_date(event.end, format="full", locale=locale)
    return text


def upcoming(events: Collection[Event], now: datetime) -> list[Event]:
    """Events not yet over, soonest first; events whose date is not known yet come last."""
    dated = sorted((e for e in events if e.start is not None and e.is_upcoming(now)),
                   key=lambda e: e.start or now)
    undated = [e for e in events if e.start is None]
    return dated + undated


def reminder_due(event: Event, now: datetime) -> bool:
    """True during the day before the event starts."""
    return event.start is not None and event.start - REMIND_BEFORE <= now < event.start


def event_text(event: Event, lang: str, tr: Translator, style: Style = "listing",
               buttons: tuple[tuple[Button, ...], ...] = ()) -> Text:
    """An event in ``lang``: headline, date, place; then description and link (not in a
    reminder). Tagged with the language of the event's text, a reminder with ``lang``."""
    _ = partial(tr.gettext, lang)
    used, text = event.localized(lang)
    lines = [_headline(text.title, style, _)]
    when = event_when(event, lang)
    if not when and style == "listing":
        when = _("Date not announced yet")
    if when:
        lines.append(f"📅 {when}")
    if event.place:
        lines.append(f"📍 {event.place}")
    body = "\n".join(lines)
    if style == "reminder":
        return Text(body, lang, buttons)
    body += f"\n\n{text.description}"
    if event.url:
        body += f"\n🔗 {event.url}"
    return Text(body, used, buttons)


def _headline(title: str, style: Style, _: Callable[[str], str]) -> str:
    if style == "reminder":
        return _("Reminder: tomorrow is “{event}”.").format(event=title)
    return f"📣 {title}" if style == "announcement" else title


def listing(events: Collection[Event], lang: str, tr: Translator, now: datetime,
            subscribed: Collection[str]) -> list[Reply]:
    """The /events reply: upcoming events (the welcome day first), each with a reminder
    button when its date is known."""
    _ = partial(tr.gettext, lang)
    shown = upcoming(events, now)
    shown.sort(key=lambda e: e.entry != "welcome-day")  # students look for it first
    if not shown:
        return [Text(_("There are no upcoming events in my calendar right now."), lang)]
    replies: list[Reply] = [Text(tr.plural(
        lang, "{n} event:", "{n} events:", len(shown)).format(n=len(shown)), lang)]
    for event in shown:
        rows = _reminder_button(event, event.id in subscribed, _)
        replies.append(event_text(event, lang, tr, "listing", rows))
    return replies


def _reminder_button(event: Event, subscribed: bool,
                     _: Callable[[str], str]) -> tuple[tuple[Button, ...], ...]:
    """Subscribe or cancel; none for an undated event or an id no button can carry."""
    action: Action = Unsubscribe(event.id) if subscribed else Subscribe(event.id)
    if event.start is None or not fits(action):
        return ()
    label = _("Cancel reminder") if subscribed else "🔔 " + _("Remind me the day before")
    return ((Button(label, encode(action)),),)
