"""Staff commands in Telegram: /reload /unanswered /handled /stats /gaps /announce.

Only user ids in WELCOME_BOT_ADMINS reach these: the handler is registered with a
``filters.User`` filter (see ``app.build_application``). Anyone else falls through to the
ordinary "unknown command" reply from the core, so nothing hints that they exist. Every
staff action is written to the audit log (storage.audit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.conversation.events import event_text
from bot.conversation.messages import Text
from bot.conversation.snapshot import Snapshot
from bot.knowledge.loader import fingerprint
from bot.staff import reports as staff
from bot.tg.service import BotService, service_of

log = logging.getLogger(__name__)

WATCH_SECONDS = 30
BROADCAST_CONCURRENCY = 25  # the rate limiter keeps the overall pace at 30 messages/s
StaffCommand = Callable[[BotService, ContextTypes.DEFAULT_TYPE, tuple[str, ...]], Awaitable[str]]


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
    service.storage.audit(str(user.id), name, " ".join(args))
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
    keys = {int(a.lstrip("#")) for a in args if a.lstrip("#").isdigit()}
    if not keys:
        return "Usage: /handled NUMBER (the # number shown by /unanswered)"
    groups = [g for g in staff.group_declined(service.storage.declined(500)) if g.key in keys]
    done = service.storage.mark_handled([i for g in groups for i in g.ids])
    return f"Marked {done} question(s) in {len(groups)} group(s) as handled."


async def stats(service: BotService, _context: ContextTypes.DEFAULT_TYPE,
                args: tuple[str, ...]) -> str:
    """Usage figures for the last N days (default 30)."""
    days = int(args[0]) if args and args[0].isdigit() and 0 < int(args[0]) <= 3650 else 30
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
    service.storage.record_announcement(event.id, **counts)
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


COMMANDS: dict[str, StaffCommand] = {
    "reload": reload, "unanswered": unanswered, "handled": handled, "stats": stats,
    "gaps": gaps, "announce": announce,
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
