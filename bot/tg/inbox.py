"""Durable intake: updates are written to the inbox before Telegram learns they arrived,
and only a bounded number of them is held in memory.

python-telegram-bot's ``Updater`` (polling) and its webhook server both hand every update
to ``Application.update_queue.put``. ``InboxQueue`` is that queue:

* polling: ``put`` first waits while ``limit`` updates are in memory or ``ahead`` are
  stored and unanswered, then writes the update to the inbox, then queues it. The Updater
  awaits each ``put`` before it sends the next getUpdates — whose ``offset`` is what
  confirms updates to Telegram — so a confirmed update is always in the inbox (and on the
  disk: ``UpdatesRequest`` calls ``Inbox.sync`` before each getUpdates), and while
  the bot is busy it fetches nothing more: the backlog stays with Telegram.
* webhook: ``put`` writes the update and returns, so the 200 goes out only after it is
  stored and on the disk (Telegram pushes on regardless: what does not fit in memory
  waits in the inbox).
* fairness: at most ``per_sender`` updates of one user (or chat) are in memory; the rest
  wait in the inbox, in order, so a user who floods the bot does not fill the memory
  slots that everybody else's updates need.
* start-up: ``recover`` queues what is pending in the inbox, oldest first, before any new
  update; an update Telegram delivers again and the inbox knows is dropped.

``finished`` is called by ``PerUserProcessor`` once all handlers of an update have run:
the update's text is deleted and the next stored updates move into memory.

What is stored is the update as Telegram sent it: polling keeps the JSON of the last
getUpdates answer (``UpdatesRequest``), so nothing is serialised again; an update that
came another way (the webhook) is serialised with ``Update.to_dict``, which walks every
attribute of every object in it (~0.4 ms an update, a tenth of the bot's own time).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.request import HTTPXRequest

from bot.conversation.messages import Venue
from bot.conversation.record import failed
from bot.errors import StorageError
from bot.storage.inbox import Inbox
from bot.tg.ordering import order_key
from bot.tg.render import Outgoing

log = logging.getLogger(__name__)

IN_FLIGHT = 100  # updates in memory at most: ~8 s of replies at Telegram's 30 messages/s
AHEAD = 1000  # polling: stored, unanswered updates at most before fetching more
PER_SENDER = 2  # updates of one user in memory at most (they run one after another anyway)
PRUNE_EVERY = 1000  # answered updates between two prunings of old update ids


def sender_of(update: Update) -> str:
    """Whose updates run in order: the user, else the chat (``ordering.order_key``)."""
    return repr(order_key(update))  # e.g. "('user', 42)"


class UpdatesRequest(HTTPXRequest):
    """The connection getUpdates goes through (python-telegram-bot's default for it: one
    connection, default timeouts) that keeps the updates of its last answer as parsed JSON.

    The Updater puts every update of an answer into the queue before it asks for the next
    one, so the last answer is all that ``take`` is ever asked about.
    """

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self._raw: dict[int, dict[str, Any]] = {}
        self.before_request: Callable[[], None] | None = None  # InboxQueue.sync

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Before getUpdates confirms what it fetched last (its ``offset``), make what
        is stored durable."""
        if self.before_request is not None:
            self.before_request()
        return await super().do_request(*args, **kwargs)

    # python-telegram-bot declares it static and documents overriding it; it calls it on
    # the instance (self.parse_json_payload), so an instance method is what it gets.
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """Parse as python-telegram-bot does; keep the updates in it by update id."""
        data: dict[str, Any] = super().parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list):
            self._raw = {u["update_id"]: u for u in result
                         if isinstance(u, dict) and type(u.get("update_id")) is int}
        return data

    def take(self, update_id: int) -> dict[str, Any] | None:
        """The update as Telegram sent it (once), or None if the last answer had no such."""
        return self._raw.pop(update_id, None)


class InboxQueue(asyncio.Queue[object]):
    """``Application.update_queue`` backed by the durable inbox (see the module docstring)."""

    def __init__(self, inbox: Inbox, limit: int = IN_FLIGHT, ahead: int = AHEAD,
                 per_sender: int = PER_SENDER) -> None:
        super().__init__()
        self.inbox = inbox
        self.limit, self.ahead, self.per_sender = limit, ahead, per_sender
        self.bot: Bot | None = None  # set when the application is built
        self.updates: UpdatesRequest | None = None  # polling: the updates as sent
        self.wait_for_room = True  # polling; False for the webhook (answer 200 at once)
        self._in_flight: dict[int, str] = {}  # update id → sender, in memory
        self._senders: dict[str, int] = {}  # sender → updates in memory
        self._stored: dict[str, deque[int]] = {}  # sender → ids waiting in the inbox
        self._backlog = 0  # sum of the lengths in _stored
        self._room = asyncio.Condition()
        self._answered = 0

    @property
    def in_flight(self) -> int:
        """Updates in memory (queued or being handled)."""
        return len(self._in_flight)

    @property
    def backlog(self) -> int:
        """Updates stored in the inbox, not yet in memory."""
        return self._backlog

    async def put(self, item: object) -> None:
        """Store an update (see the module docstring); other objects pass straight on."""
        if not isinstance(item, Update):
            await super().put(item)
            return
        if self.wait_for_room:
            async with self._room:
                await self._room.wait_for(self._may_fetch)
        sender = sender_of(item)
        try:
            added = self.inbox.add(item.update_id, sender, self._payload(item))
        except StorageError as exc:
            # A full or read-only disk: answering matters more than surviving a crash, so
            # the update goes on in memory only (counted for /stats, logged once).
            failed(self.inbox.storage, "Inbox", exc)
            self._enqueue(item, sender)
            return
        if not added:
            log.info("update %d was delivered again; it is already stored", item.update_id)
            return
        if not self.wait_for_room:  # webhook: the 200 confirms it
            self.sync()
        if sender not in self._stored and self._fits(sender):
            self._enqueue(item, sender)
        else:
            self._store(item.update_id, sender)

    def sync(self) -> None:
        """``Inbox.sync``; a full or read-only disk is counted and logged, not raised."""
        try:
            self.inbox.sync()
        except StorageError as exc:
            failed(self.inbox.storage, "Inbox", exc)

    def _payload(self, update: Update) -> dict[str, Any]:
        """The update's JSON: as Telegram sent it when polling, else serialised again."""
        raw = self.updates.take(update.update_id) if self.updates is not None else None
        return raw if raw is not None else update.to_dict()

    def _may_fetch(self) -> bool:
        return len(self._in_flight) < self.limit and (
            len(self._in_flight) + self._backlog < self.ahead)

    def _fits(self, sender: str) -> bool:
        return (len(self._in_flight) < self.limit
                and self._senders.get(sender, 0) < self.per_sender)

    def _store(self, update_id: int, sender: str) -> None:
        self._stored.setdefault(sender, deque()).append(update_id)
        self._backlog += 1

    def _enqueue(self, update: Update, sender: str) -> None:
        self._in_flight[update.update_id] = sender
        self._senders[sender] = self._senders.get(sender, 0) + 1
        self.put_nowait(update)

    def recover(self) -> int:
        """At start-up: how many updates were pending; the oldest are queued now."""
        self.inbox.prune()
        pending = [(uid, sender) for uid, sender in self.inbox.pending()
                   if uid not in self._in_flight]
        for uid, sender in pending:
            self._store(uid, sender)
        self._refill()
        return len(pending)

    def _refill(self) -> None:
        """Move stored updates into memory, each sender's in order, while there is room."""
        for sender in list(self._stored):
            waiting = self._stored[sender]
            while waiting and self._fits(sender):
                uid = waiting.popleft()
                self._backlog -= 1
                raw = self.inbox.payload(uid)
                update = Update.de_json(raw, self.bot) if raw is not None else None
                if update is not None:
                    self._enqueue(update, sender)
            if not waiting:
                del self._stored[sender]
            if len(self._in_flight) >= self.limit:
                return

    async def finished(self, update: object) -> None:
        """All handlers of ``update`` ran: forget its text, let the next ones in."""
        if not isinstance(update, Update) or update.update_id not in self._in_flight:
            return
        try:
            self.inbox.finish(update.update_id)
            if (self._answered + 1) % PRUNE_EVERY == 0:
                self.inbox.prune()
        except StorageError as exc:
            failed(self.inbox.storage, "Inbox", exc)
        self._release(update.update_id)
        self._answered += 1
        self._refill()
        async with self._room:
            self._room.notify_all()

    def released(self, update: object) -> None:
        """Handling was cancelled (shutdown): the update stays pending for the next start."""
        if isinstance(update, Update) and update.update_id in self._in_flight:
            self._release(update.update_id)

    def _release(self, update_id: int) -> None:
        sender = self._in_flight.pop(update_id)
        self._senders[sender] -= 1
        if not self._senders[sender]:
            del self._senders[sender]


def dump(outgoing: list[Outgoing]) -> list[dict[str, Any]]:
    """Planned messages as JSON for the inbox."""
    out: list[dict[str, Any]] = []
    for o in outgoing:
        if o.venue is not None:
            v = o.venue
            out.append({"venue": [v.latitude, v.longitude, v.title, v.address]})
        else:
            out.append({"text": o.text,
                        "markup": _markup_json(o.markup) if o.markup is not None else None})
    return out


@lru_cache(maxsize=512)
def _markup_json(markup: InlineKeyboardMarkup) -> dict[str, Any]:
    """A keyboard as JSON (read only: it goes straight into ``json.dumps``). The renderer
    hands out the same keyboard objects again (``render.keyboard``), and to_dict walks
    every attribute of every button."""
    return markup.to_dict()


def load(plan: list[dict[str, Any]]) -> list[Outgoing]:
    """The planned messages back from the inbox."""
    out = []
    for item in plan:
        if "venue" in item:
            lat, lon, title, address = item["venue"]
            out.append(Outgoing(venue=Venue(lat, lon, title, address)))
        else:
            markup = item.get("markup")
            out.append(Outgoing(text=item["text"], markup=InlineKeyboardMarkup.de_json(
                markup, None) if markup else None))
    return out
