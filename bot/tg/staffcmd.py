"""Staff commands in Telegram: /reload /unanswered /handled /stats /gaps /announce.

Only user ids in WELCOME_BOT_ADMINS reach these; anyone else gets the ordinary
"unknown command" reply from the core, so nothing hints that they exist. Every staff
action is written to the audit log (storage.audit).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from telegram.error import Forbidden, TelegramError

from bot.conversation.core import Snapshot
from bot.conversation.messages import Text
from bot.knowledge.loader import fingerprint
from bot.staff import reports as staff

if TYPE_CHECKING:
    from telegram.ext import ContextTypes

    from bot.tg.app import TelegramBot

log = logging.getLogger(__name__)

COMMANDS = frozenset({"reload", "unanswered", "handled", "stats", "gaps", "announce"})
WATCH_SECONDS = 30
BROADCAST_CONCURRENCY = 25  # the rate limiter keeps the overall pace at 30 messages/s


def is_staff(service: TelegramBot, user_id: int | None) -> bool:
    return user_id is not None and user_id in service.settings.admins


def swap_in(service: TelegramBot) -> tuple[staff.Diff | None, list[str]]:
    """Validate the knowledge folder; swap it in whole, or keep serving the old one."""
    kb, problems = staff.try_load(service.settings.knowledge_dir)
    service.watched = fingerprint(service.settings.knowledge_dir)
    if kb is None:
        return None, problems
    old = service.conv.snapshot.kb
    service.conv.snapshot = Snapshot.build(kb)  # one assignment: replies never mix versions
    return staff.diff(old, kb), []


async def run(service: TelegramBot, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
              user_id: int, command: str, args: tuple[str, ...]) -> None:
    """Run one staff command and answer in the staff chat."""
    service.storage.audit(str(user_id), command, " ".join(args))
    reply = await _dispatch(service, context, command, args)
    await service.deliver(context, chat_id, [Text(part, "en") for part in reply.split("\n\n\n")])


async def _dispatch(service: TelegramBot, context: ContextTypes.DEFAULT_TYPE, command: str,
                    args: tuple[str, ...]) -> str:
    storage = service.storage
    if command == "reload":
        changes, problems = swap_in(service)
        if changes is None:
            return ("Reload refused — the bot keeps serving the previous version. Fix these "
                    "and try again:\n" + "\n".join(problems[:25]))
        return f"Reloaded {len(service.conv.snapshot.kb.entries)} entries: {changes.describe()}"
    if command == "unanswered":
        groups = staff.group_declined(storage.declined(500))
        if not groups:
            return "No unanswered questions waiting."
        lines = ["Unanswered questions (most frequent first). Mark one as done with "
                 "/handled NUMBER:"]
        for g in groups[:15]:
            langs = ", ".join(f"{k} {v}" for k, v in g.langs.most_common())
            closest = g.closest.most_common(1)[0][0]
            lines.append(f"#{g.key} ×{len(g.ids)} [{langs}] closest: {closest}\n  «{g.texts[0]}»")
        return "\n".join(lines)
    if command == "handled":
        keys = {int(a.lstrip("#")) for a in args if a.lstrip("#").isdigit()}
        if not keys:
            return "Usage: /handled NUMBER (the # number shown by /unanswered)"
        groups = [g for g in staff.group_declined(storage.declined(500)) if g.key in keys]
        done = storage.mark_handled([i for g in groups for i in g.ids])
        return f"Marked {done} question(s) in {len(groups)} group(s) as handled."
    if command == "stats":
        days = int(args[0]) if args and args[0].isdigit() and 0 < int(args[0]) <= 3650 else 30
        return staff.stats(storage, days)
    if command == "gaps":
        return staff.gaps(service.conv.snapshot.kb, staff.demand_by_language(storage))
    return await _announce(service, context, args)


async def _announce(service: TelegramBot, context: ContextTypes.DEFAULT_TYPE,
                    args: tuple[str, ...]) -> str:
    names = [a for a in args if not a.startswith("--")]
    snap = service.conv.snapshot
    if not names or names[0] not in snap.kb.events:
        return ("Usage: /announce EVENT_ID [--again]. Events: "
                + ", ".join(snap.kb.events) if snap.kb.events else "There are no events.")
    event_id = names[0]
    if staff.recently_announced(service.storage, event_id) and "--again" not in args:
        return (f"{event_id} was announced less than an hour ago; nothing sent. Add --again "
                "to send it once more.")
    subscribers = service.storage.subscribers(event_id)
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    gate = asyncio.Semaphore(BROADCAST_CONCURRENCY)

    async def one(user: str, chat: str, lang: str) -> None:
        async with gate:
            try:
                ok = await service.deliver(context, int(chat),
                                           service.conv.announcement(snap, event_id, lang),
                                           raise_errors=True)
                counts["sent" if ok else "skipped"] += 1
            except Forbidden:
                counts["skipped"] += 1
            except (TelegramError, ValueError):
                counts["failed"] += 1

    await asyncio.gather(*(one(*s) for s in subscribers))
    service.storage.record_announcement(event_id, **counts)
    return (f"Announcement of {event_id}: sent {counts['sent']}, skipped {counts['skipped']} "
            f"(blocked the bot), failed {counts['failed']}.")


async def watch_knowledge(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Notice edited knowledge files; same all-or-nothing rule as /reload; tell staff."""
    service: TelegramBot = context.application.bot_data["service"]
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
