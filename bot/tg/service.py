"""The bot's services as the Telegram handlers see them (``bot_data["service"]``), and
sending with retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.conversation.core import Conversation
from bot.conversation.messages import Incoming, Kind, Reply, Text, UserState, clean
from bot.conversation.record import NOT_SAVED, Effect, counted, failed, promised, record
from bot.conversation.turn import Outcome
from bot.errors import StorageError
from bot.knowledge.loader import fingerprint
from bot.storage.inbox import Inbox
from bot.storage.sqlite import SQLiteStorage
from bot.tg.inbox import dump, load
from bot.tg.render import Outgoing, render

if TYPE_CHECKING:
    from bot.console.context import Console
    from bot.tg.relay import Relay

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 4
T = TypeVar("T")


async def send_with_retry(call: Callable[[], Awaitable[T]]) -> T | None:
    """Retry one API call on network errors and 5xx; 429 is retried by the rate limiter."""
    delay = 0.5
    for attempt in range(SEND_ATTEMPTS):
        try:
            return await call()
        except RetryAfter as exc:  # the rate limiter gave up; wait as told once more
            if attempt == SEND_ATTEMPTS - 1:
                raise
            await asyncio.sleep(_seconds(exc.retry_after))
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest | Forbidden) or attempt == SEND_ATTEMPTS - 1:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    return None


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BotService:
    """What the handlers share: the conversation core, storage and settings."""

    def __init__(self, conv: Conversation, storage: SQLiteStorage, settings: Settings) -> None:
        self.conv = conv
        self.storage = storage
        self.settings = settings
        self.username = ""  # learnt in post_init
        self.watched = fingerprint(settings.knowledge_dir)  # for the knowledge watcher
        self.inbox = Inbox(storage)  # durable intake: bot/storage/inbox.py, bot/tg/inbox.py
        self.relay: Relay | None = None  # the staff chat, when one is set up (handoff)
        self.console: Console | None = None  # the staff web console, when switched on
        self.writing = asyncio.Lock()  # one writer of the knowledge folder: /teach, console

    async def deliver(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                      replies: list[Reply], raise_errors: bool = False) -> bool:
        """Send the planned messages in order; False (or Forbidden) if the user blocked us."""
        return await self._send(context, chat_id, render(replies), raise_errors=raise_errors)

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                    outgoing: list[Outgoing], update_id: int | None = None, start: int = 0,
                    raise_errors: bool = False) -> bool:
        """Send ``outgoing[start:]``; for an update, count each accepted one in the inbox."""
        for number in range(start, len(outgoing)):
            try:
                await send_with_retry(_call(context, chat_id, outgoing[number]))
            except Forbidden:
                log.info("a user blocked the bot or left the chat; their reminders are removed")
                try:
                    self.storage.forget_chat(str(chat_id))
                except StorageError as exc:
                    failed(self.storage, "Unsubscribed", exc)
                if raise_errors:
                    raise
                return False
            if update_id is not None:
                try:
                    self.inbox.mark_sent(update_id, number + 1)
                except StorageError as exc:
                    failed(self.storage, "Inbox", exc)
        return True

    def incoming(self, update: Update, kind: Kind, **fields: Any) -> Incoming:
        """The channel-neutral event for an update; text that cannot be stored is cleaned."""
        user = update.effective_user
        chat = update.effective_chat
        for name in ("text", "command", "data"):
            if name in fields:
                fields[name] = clean(fields[name])
        if "args" in fields:
            fields["args"] = tuple(clean(a) for a in fields["args"])
        return Incoming(
            user=f"tg:{user.id}" if user else f"chat:{chat.id if chat else 0}",
            kind=kind, client_lang=user.language_code if user else None,
            chat=str(chat.id) if chat else "", now=datetime.now(),
            private=chat is not None and chat.type == ChatType.PRIVATE, **fields)

    async def process(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                      incoming: Incoming) -> None:
        """Run one incoming event through the core and send the replies — durably and
        answer first.

        What the reply confirms (a reminder, /forget, a language) and the new state are
        stored before it is sent, and the reply says so if that failed; then the planned
        messages are kept in the inbox's row of the update and sent one by one, each
        counted there, so that after a crash only the rest of the plan is sent and the
        turn is not run again (bot/storage/inbox.py); statistics are written after
        sending. A failing write is counted for /stats, never an error for the user.
        """
        chat = update.effective_chat
        planned = self._plan_of(update.update_id)
        counts: list[Effect] = []
        if planned is None:
            state = self.user_state(incoming.user)
            outcome = self.conv.outcome(incoming, state)
            replies = (outcome.replies if self._save(incoming, state, outcome)
                       else self._not_saved(outcome, state))
            if self.relay is not None:  # open a case, mirror a message, end a case …
                replies = [*replies, *await self.relay.perform(context, outcome.effects)]
            outgoing = render(replies) if chat else []
            self._keep_plan(update.update_id, outgoing)
            sent, counts = 0, counted(outcome.effects)
        else:
            outgoing, sent = load(planned[0]), planned[1]
        try:
            if chat:
                await self._send(context, chat.id, outgoing, update.update_id, sent)
        finally:
            record(self.storage, counts)

    def _plan_of(self, update_id: int) -> tuple[list[dict[str, Any]], int] | None:
        """The stored plan of an update handled before a restart (None: run the turn)."""
        try:
            return self.inbox.plan(update_id)
        except StorageError as exc:
            failed(self.storage, "Inbox", exc)
            return None

    def _keep_plan(self, update_id: int, outgoing: list[Outgoing]) -> None:
        try:
            self.inbox.set_plan(update_id, dump(outgoing))
        except StorageError as exc:  # the answer still goes out; a crash now repeats the turn
            failed(self.storage, "Inbox", exc)

    def user_state(self, user: str) -> UserState:
        """The user's settings; defaults when the database cannot be read."""
        try:
            return self.storage.get_user(user)
        except StorageError as exc:
            failed(self.storage, "UserState", exc)
            return UserState()

    def _save(self, incoming: Incoming, state: UserState, outcome: Outcome) -> bool:
        """Store what the reply confirms; False when the reply would not be true."""
        ok = record(self.storage, promised(outcome.effects))
        if outcome.state != state:
            try:
                self.storage.set_user(incoming.user, outcome.state)
            except StorageError as exc:
                failed(self.storage, "UserState", exc)
                # only an explicit language choice says "I will answer in …" from now on
                ok = ok and not (incoming.kind == "button" and outcome.state.lang != state.lang)
        return ok

    def _not_saved(self, outcome: Outcome, state: UserState) -> list[Reply]:
        """The honest reply when a promised write failed."""
        lang = next((r.lang for r in outcome.replies if isinstance(r, Text)),
                    state.lang or "en")
        return [Text(self.conv.tr.gettext(lang, NOT_SAVED), lang)]


def _call(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
          out: Outgoing) -> Callable[[], Awaitable[object]]:
    if out.venue is None:
        return partial(context.bot.send_message, chat_id, out.text, reply_markup=out.markup)
    v = out.venue
    return partial(context.bot.send_venue, chat_id, latitude=v.latitude, longitude=v.longitude,
                   title=v.title, address=v.address or " ")


def service_of(context: ContextTypes.DEFAULT_TYPE) -> BotService:
    """The service the application was built with."""
    service: BotService = context.application.bot_data["service"]
    return service
