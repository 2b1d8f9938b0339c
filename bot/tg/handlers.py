"""Handlers: each turns an Update into an ``Incoming`` for the core; jobs; the error handler.

Edited messages: an edited question is answered again (the user corrected it); an edited
command is ignored, so that editing "/announce … --again" or any other command never runs
it a second time. Button presses are never edits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Conflict, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.conversation.commands import COMMANDS as USER_COMMANDS
from bot.conversation.events import event_text, reminder_due
from bot.conversation.messages import Text
from bot.tg.service import service_of
from bot.tg.texts import APOLOGY

log = logging.getLogger(__name__)


def _addressed_to_bot(message: Message, username: str, bot_id: int) -> bool:
    """In groups, only messages that mention the bot or reply to it are for us."""
    if getattr(message, "chat", None) is None:  # a malformed update: nowhere to answer
        return False
    if message.chat.type == ChatType.PRIVATE:
        return True
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return True
    text = message.text or message.caption or ""
    return bool(username) and f"@{username.lower()}" in text.lower()


def edited_command(update: Update) -> bool:
    """An edited message that is (or now looks like) a command: never run it again."""
    edited = update.edited_message
    return edited is not None and (edited.text or "").lstrip().startswith("/")


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run a command (known or not) through the conversation core."""
    service = service_of(context)
    message = update.effective_message
    if (message is None or not message.text or update.edited_message is not None
            or getattr(message, "chat", None) is None):
        return
    head, *args = message.text.split()
    name, _at, target = head[1:].partition("@")
    if target and target.lower() != service.username.lower():
        return  # a command for another bot in a group
    if (name.lower() not in USER_COMMANDS and not target
            and not _addressed_to_bot(message, service.username, context.bot.id)):
        return  # in a group, an unknown command not meant for us: not even "unknown"
    await service.process(update, context, service.incoming(
        update, "command", command=name, args=tuple(args)))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a free-text question (new or edited)."""
    service = service_of(context)
    message = update.effective_message
    if message is None or edited_command(update):
        return
    if not _addressed_to_bot(message, service.username, context.bot.id):
        return
    text = message.text or ""
    if service.username:
        text = text.replace(f"@{service.username}", " ")
    await service.process(update, context, service.incoming(update, "text", text=text))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: answer the query first, then the action."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except (BadRequest, NetworkError):
        pass  # an expired query: the action still runs
    service = service_of(context)
    data = query.data if isinstance(query.data, str) else ""
    await service.process(update, context, service.incoming(update, "button", data=data))


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files, locations …: a friendly hint, never silence."""
    service = service_of(context)
    message = update.effective_message
    if message is None or edited_command(update):
        return
    if not _addressed_to_bot(message, service.username, context.bot.id):
        return
    await service.process(update, context, service.incoming(update, "media",
                                                            media=media_kind(message)))


def media_kind(message: Message) -> str:
    """What the user sent instead of text: "photo", "voice", "sticker" … ("" unknown)."""
    for kind in ("photo", "sticker", "voice", "video", "video_note", "audio", "animation",
                 "document", "location", "contact", "poll"):
        if getattr(message, kind, None):
            return kind
    return ""


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (no message text), then apologise in the user's language."""
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    service = service_of(context)
    user = update.effective_user
    lang = (service.user_state(f"tg:{user.id}").lang if user else None) or "en"
    text = service.conv.tr.gettext(lang, APOLOGY)
    try:
        await service.deliver(context, update.effective_chat.id, [Text(text, lang)])
    except Exception:
        log.warning("could not send the apology")


class QuietPollingErrors(logging.Filter):
    """For python-telegram-bot's Updater logger: a polling error is said once, in one line.

    A Conflict means another process polls with this token (a second data folder, or a
    webhook set elsewhere); python-telegram-bot retries every few seconds and would log a
    traceback at ERROR each time. ``run_polling`` takes no error callback, hence a filter.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, TelegramError):
            return True
        kind = type(exc).__name__
        first = kind not in self.seen
        self.seen.add(kind)
        record.exc_info, record.exc_text, record.args = None, None, ()
        if isinstance(exc, Conflict):
            record.msg = ("another process is getting updates with the same bot token (a "
                          "second 'welcome-bot run' with another data folder, or a webhook); "
                          "only one of them receives each update — stop the other one. "
                          "Retrying quietly.")
        else:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"getting updates failed ({kind}); retrying quietly"
        return first


async def check_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send due reminders (the day before an event); survives restarts via the database."""
    service = service_of(context)
    kb = service.conv.snapshot.kb
    now = datetime.now()
    for user, chat, event_id, lang in service.storage.all_subscriptions():
        event = kb.events.get(event_id)
        if event is None or not reminder_due(event, now):
            continue
        if not service.storage.mark_reminded(user, event_id):
            continue
        reminder = event_text(event, lang, service.conv.tr, "reminder")
        await service.deliver(context, int(chat), [reminder])


async def purge_old_data(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily: delete staff data older than the retention /privacy states (180 days)."""
    service_of(context).storage.purge()
