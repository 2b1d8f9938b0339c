"""Staff commands in Telegram: /reload /unanswered /handled /stats /gaps /announce /console.

Only user ids in WELCOME_BOT_ADMINS reach these, and only in a private chat with the bot or
in the staff chat (WELCOME_BOT_STAFF_CHAT, when set): the handler is registered with
``staff_filter`` (see ``app.build_application``), so a staff member writing /unanswered in a
group never posts staff data there. Anyone else, anywhere else, falls through to the
ordinary "unknown command" handling, so nothing hints that they exist. Edited messages
never run a command again (``filters.UpdateType.MESSAGE``). Every staff action is written
to the audit log (storage.audit).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes, filters

from bot.config import Settings
from bot.conversation.events import event_text
from bot.conversation.messages import Text
from bot.conversation.record import failed
from bot.conversation.snapshot import Snapshot
from bot.errors import StorageError
from bot.knowledge.loader import fingerprint
from bot.staff import reports as staff
from bot.tg.service import BotService, service_of

log = logging.getLogger(__name__)

WATCH_SECONDS = 30
BROADCAST_CONCURRENCY = 25  # the rate limiter keeps the overall pace at 30 messages/s
StaffCommand = Callable[[BotService, ContextTypes.DEFAULT_TYPE, tuple[str, ...]], Awaitable[str]]
MAX_DAYS = 3650
_NUMBER = re.compile(r"#?([0-9]{1,9})")  # ASCII digits only: "²" passes isdigit(), not int()


def staff_filter(settings: Settings) -> filters.BaseFilter:
    """Staff ids, new messages only (an edit never runs a command again), and only in a
    private chat or the staff chat: staff data never goes into another group."""
    where: filters.BaseFilter = filters.ChatType.PRIVATE
    staff_chat = getattr(settings, "staff_chat", None)  # set once handoff adds the setting
    if staff_chat:
        where = where | filters.Chat(chat_id=int(staff_chat))
    return filters.User(user_id=settings.admins) & filters.UpdateType.MESSAGE & where


def number(arg: str) -> int | None:
    """A staff argument such as 7 or #12; None for anything else (², 1e3, 99999999999)."""
    found = _NUMBER.fullmatch(arg)
    return int(found.group(1)) if found else None


def swap_in(service: BotService) -> tuple[staff.Diff | None, list[str]]:
    """Validate the knowledge folder; swap it in whole, or keep serving the old one."""
    kb, problems = staff.try_load(service.settings.knowledge_dir)
    service.watched = fingerprint(service.settings.knowledge_dir)
    if kb is None:
        return None, problems
    old = service.conv.snapshot.kb
    service.conv.snapshot = Snapshot.build(kb)  # one assignment: replies never mix versions
    return staff.diff(old, kb), []


async def on_staff_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run one staff command and answer in the chat it came from."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    name = message.text.split()[0][1:].partition("@")[0].lower()
    command = COMMANDS.get(name)
    if command is None:  # CommandHandler matched it, so this does not happen
        return
    args = tuple(context.args or ())
    service = service_of(context)
    try:
        service.storage.audit(str(user.id), name, " ".join(args))
    except StorageError as exc:
        failed(service.storage, "audit log", exc)
    if name == "console":  # a log-in link is personal: never into a group
        reply = console_link(service, user.id, message.chat.type == ChatType.PRIVATE)
    else:
        reply = await command(service, context, args)
    await service.deliver(context, message.chat_id,
                          [Text(part, "en") for part in reply.split("\n\n\n")])


async def reload(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
                 _args: tuple[str, ...]) -> str:
    """Load the knowledge folder again, all or nothing."""
    changes, problems = swap_in(service)
    if changes is None:
        return ("Reload refused — the bot keeps serving the previous version. Fix these "
                "and try again:\n" + "\n".join(problems[:25]))
    return f"Reloaded {len(service.conv.snapshot.kb.entries)} entries: {changes.describe()}"


async def unanswered(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
                     _args: tuple[str, ...]) -> str:
    """Declined questions, grouped, most frequent first."""
    groups = staff.group_declined(service.storage.declined(500))
    if not groups:
        return "No unanswered questions waiting."
    lines = ["Unanswered questions (most frequent first). Mark one as done with "
             "/handled NUMBER:"]
    for g in groups[:15]:
        langs = ", ".join(f"{k} {v}" for k, v in g.langs.most_common())
        closest = g.closest.most_common(1)[0][0]
        lines.append(f"#{g.key} ×{len(g.ids)} [{langs}] closest: {closest}\n  «{g.texts[0]}»")
    return "\n".join(lines)


async def handled(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
                  args: tuple[str, ...]) -> str:
    """Mark groups of declined questions as dealt with."""
    keys = {number(a) for a in args}
    if not keys or None in keys:
        return "Usage: /handled NUMBER … (the # numbers shown by /unanswered)"
    groups = [g for g in staff.group_declined(service.storage.declined(500)) if g.key in keys]
    done = service.storage.mark_handled([i for g in groups for i in g.ids])
    return f"Marked {done} question(s) in {len(groups)} group(s) as handled."


async def stats(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
                args: tuple[str, ...]) -> str:
    """Usage figures for the last N days (default 30)."""
    days = number(args[0]) if len(args) == 1 else 30 if not args else None
    if days is None or not 0 < days <= MAX_DAYS:
        return f"Usage: /stats [DAYS] (a number of days from 1 to {MAX_DAYS}; default 30)"
    return staff.stats(service.storage, days)


async def gaps(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
               _args: tuple[str, ...]) -> str:
    """Missing or outdated translations, most asked first."""
    return staff.gaps(service.conv.snapshot.kb, staff.demand_by_language(service.storage))


async def announce(service: BotService, context: ContextTypes.DEFAULT_TYPE,
                   args: tuple[str, ...]) -> str:
    """Send an event to its subscribers, each in their language."""
    names = [a for a in args if not a.startswith("--")]
    kb = service.conv.snapshot.kb
    if not names or names[0] not in kb.events:
        return ("Usage: /announce EVENT_ID [--again]. Events: "
                + ", ".join(kb.events) if kb.events else "There are no events.")
    event = kb.events[names[0]]
    if staff.recently_announced(service.storage, event.id) and "--again" not in args:
        return (f"{event.id} was announced less than an hour ago; nothing sent. Add --again "
                "to send it once more.")
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    gate = asyncio.Semaphore(BROADCAST_CONCURRENCY)

    async def one(user: str, chat: str, lang: str) -> None:
        async with gate:
            text = event_text(event, lang, service.conv.tr, "announcement")
            counts[await _send_announcement(service, context, chat, text)] += 1

    await asyncio.gather(*(one(*s) for s in service.storage.subscribers(event.id)))
    try:
        service.storage.record_announcement(event.id, **counts)
    except StorageError as exc:  # the messages went out; only the record of it is missing
        failed(service.storage, "announcements", exc)
    return (f"Announcement of {event.id}: sent {counts['sent']}, skipped {counts['skipped']} "
            f"(blocked the bot), failed {counts['failed']}.")


async def _send_announcement(service: BotService, context: ContextTypes.DEFAULT_TYPE,
                             chat: str, text: Text) -> str:
    """Which count a delivery goes to: sent, skipped (blocked the bot) or failed."""
    try:
        ok = await service.deliver(context, int(chat), [text], raise_errors=True)
    except Forbidden:
        return "skipped"
    except (TelegramError, ValueError):
        return "failed"
    return "sent" if ok else "skipped"


def console_link(service: BotService, staff: int, private: bool) -> str:
    """/console: a one-time link into the staff web console (valid 10 minutes)."""
    if service.console is None:
        return ("The staff console is not switched on. Start the bot with "
                "--console-port (or WELCOME_BOT_CONSOLE_PORT) to use it.")
    if not private:
        return "Send /console to me in a private chat: a log-in link is for you alone."
    try:
        link = service.console.login_link(str(staff))
    except StorageError as exc:
        failed(service.storage, "console link", exc)
        return "Could not make a log-in link (the database is not writable); try again later."
    return (f"Your log-in link for the staff console (works once, for 10 minutes):\n{link}")


async def _console(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
                   _args: tuple[str, ...]) -> str:
    return console_link(service, 0, private=False)  # on_staff_command calls console_link


COMMANDS: dict[str, StaffCommand] = {
    "reload": reload, "unanswered": unanswered, "handled": handled, "stats": stats,
    "gaps": gaps, "announce": announce, "console": _console,
}


async def watch_knowledge(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Notice edited knowledge files; same all-or-nothing rule as /reload; tell staff."""
    service = service_of(context)
    current = fingerprint(service.settings.knowledge_dir)
    if current == service.watched:
        return
    changes, problems = swap_in(service)
    if changes is None:
        text = ("The knowledge files changed but contain errors; the bot keeps serving the "
                "previous version:\n" + "\n".join(problems[:25]))
    elif not changes:
        return
    else:
        text = f"Knowledge updated automatically: {changes.describe()}"
    service.storage.audit("watcher", "reload", text[:200])
    for admin in service.settings.admins:
        try:
            await service.deliver(context, admin, [Text(text, "en")], raise_errors=True)
        except TelegramError:
            log.info("a staff member could not be notified (no chat with the bot yet?)")
