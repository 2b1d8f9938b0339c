"""A local fake of the Telegram Bot API: the methods this bot uses, for end-to-end tests.

``FakeBotAPI`` is a small HTTP server (tornado, in the test's event loop, on 127.0.0.1)
that a *real* python-telegram-bot ``Application`` talks to instead of api.telegram.org::

    async with FakeBotAPI() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        ...
        fake.push_message(42, "/start")            # a user writes to the bot
        sent = await fake.wait_for_sent(42, 1)      # what the bot answered

Methods: those python-telegram-bot calls to run a bot (getMe, deleteWebhook, getUpdates,
setWebhook) and those the bot calls (sendMessage, sendVenue, answerCallbackQuery,
setMyCommands, setMyDescription, setMyShortDescription, createForumTopic,
closeForumTopic) — see ``METHODS`` at the end.
Any other method is answered like Telegram answers an unknown one: HTTP 404,
``{"ok": false, "error_code": 404, "description": "Not Found: method not found"}``.
To add a method: write ``def _send_x(self, call: Call) -> Any`` (its parameters are
``call.params``; raise ``ApiError`` to refuse) and add it to ``METHODS``.

What it simulates
* Transport: ``/bot<token>/<method>``, GET or POST, parameters form-encoded (as
  python-telegram-bot sends them: JSON values for numbers, lists, objects) or as a JSON
  body. Answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
  "description": ...}`` with HTTP status N. Wrong token → 401.
* Updates: ``getUpdates`` long polling (offset acknowledges, limit, timeout; returns as
  soon as a user writes; a newer call ends an older one with 409, as Telegram does) or,
  after ``setWebhook``, POSTed one at a time, in order, with the secret token header,
  retried until accepted (``webhook_info()`` shows the last error). ``getUpdates`` while
  a webhook is set → 409.
* Chats (``Chat``: id, type, title, every message in order): users write (``push_*``),
  which makes their chat known; private chat ids are user ids, groups are negative.
  Sending to a chat that never wrote fails like Telegram (403 for users, 400 "chat not
  found" for groups) unless ``add_chat`` was called.
* Checks that catch real bugs in what the bot sends: HTML parse mode (Telegram's tags
  only; every ``<`` and ``&`` that is not markup escaped — stricter than Telegram, which
  keeps a stray ``&``), text of 1-4096 UTF-16 code units after parsing and trimming,
  inline keyboards (one action per button, callback_data of 1-64 bytes, http(s)/tg
  URLs), venue coordinates, title and address, command names and descriptions, a
  callback query answered at most once.
* Failures on demand: ``fail_next`` (429 with retry_after, 5xx, 400 …), ``drop_next``
  (the connection is closed without an answer), ``block_user`` (403); ``clear_failures``.

Records for assertions: ``calls`` (method, parameters), ``sent()`` (every message the bot
sent, in order, optionally for one chat; ``text`` is what the user reads, i.e. after HTML
parsing, ``raw_text`` the parameter as sent), ``errors`` (method, code, description of
every error answer), ``rate_limit_hits``, ``commands(lang)``, ``profile``.

Forum topics (the staff chat of a handoff): ``add_forum`` makes a supergroup with topics
in which the bot is an administrator (``can_manage_topics`` or not); the bot calls
``createForumTopic`` (answers ``message_thread_id``), ``closeForumTopic`` and
``sendMessage`` with ``message_thread_id`` (refused for a topic that does not exist);
staff write with ``push_topic_message`` / ``push_topic_media``; ``topics(chat_id)`` shows
the topics (name, closed, messages).

Not simulated: rate limits of its own, files, editing or deleting messages, inline mode,
MarkdownV2, chat administration beyond the forum's rights.

python-telegram-bot 22 warns (PTBDeprecationWarning) whenever it builds ``RetryAfter``
for a 429 unless ``PTB_TIMEDELTA=true`` is set; under ``filterwarnings = error`` tests
that serve 429s must set it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

JSON = dict[str, Any]

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
DESCRIPTION_LIMITS = {"description": 512, "short_description": 120}
# Form-encoded parameters that stay strings even when they look like JSON (numbers …).
TEXT_PARAMS = frozenset({
    "text", "title", "address", "description", "short_description", "language_code",
    "parse_mode", "callback_query_id", "url", "secret_token", "name",
})
ERROR_PREFIX = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                409: "Conflict", 429: "Too Many Requests"}
BLOCKED = "Forbidden: bot was blocked by the user"
METHOD_NOT_FOUND = "Not Found: method not found"
MEDIA: dict[str, JSON] = {  # minimal valid content of what users send besides text
    "photo": {"photo": [{"file_id": "PHOTO", "file_unique_id": "P1", "width": 640,
                         "height": 480}]},
    "sticker": {"sticker": {"file_id": "STICKER", "file_unique_id": "S1", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False,
                            "is_video": False, "emoji": "👍"}},
    "voice": {"voice": {"file_id": "VOICE", "file_unique_id": "V1", "duration": 3}},
    "video": {"video": {"file_id": "VIDEO", "file_unique_id": "VI1", "width": 640,
                        "height": 360, "duration": 5}},
    "document": {"document": {"file_id": "DOC", "file_unique_id": "D1",
                              "file_name": "file.pdf", "mime_type": "application/pdf"}},
    "location": {"location": {"latitude": 50.927054, "longitude": 11.589237}},
    "contact": {"contact": {"phone_number": "+493641000000", "first_name": "Max"}},
}
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status = error_code."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- HTML parse mode

HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "a": "text_link", "code": "code", "pre": "pre",
    "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
}
_CHARREFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHARREF = r"&(?:(?P<named>lt|gt|amp|quot)|#(?P<dec>[0-9]{1,7})|#[xX](?P<hex>[0-9a-fA-F]{1,6}));"
_CHARREF_RE = re.compile(_CHARREF)
_HTML_TOKEN_RE = re.compile(
    rf"<(?P<close>/?)(?P<name>[^\s>/]*)(?P<attrs>[^>]*)>|{_CHARREF}|(?P<stray>[<&])")
_HREF_RE = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def _charref(match: re.Match[str]) -> str:
    if match["named"]:
        return _CHARREFS[match["named"]]
    code = int(match["dec"]) if match["dec"] else int(match["hex"], 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise bad_request(f"can't parse entities: invalid character reference {match[0]}")
    return chr(code)


def _unescape(value: str) -> str:
    return _CHARREF_RE.sub(_charref, value)


def parse_html(src: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML → (plain text, entities with UTF-16 offsets).

    Raises ApiError(400, "Bad Request: can't parse entities: …") with Telegram's wording.
    """
    parser = _HtmlParser(src)
    position = 0
    for token in _HTML_TOKEN_RE.finditer(src):
        parser.text(src[position:token.start()])
        position = token.end()
        parser.token(token, len(src[:token.start()].encode("utf-8")))
    parser.text(src[position:])
    return parser.result()


def _fail(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}")


class _HtmlParser:
    """The state of parse_html: plain text so far, open tags, finished entities."""

    def __init__(self, src: str) -> None:
        self.pieces: list[str] = []
        self.length = 0  # UTF-16 length of the plain text so far
        self.stack: list[tuple[str, JSON]] = []
        self.entities: list[JSON] = []

    def text(self, piece: str) -> None:
        self.pieces.append(piece)
        self.length += utf16_len(piece)

    def token(self, token: re.Match[str], at: int) -> None:
        if token["stray"] == "&":
            raise _fail(f'Unescaped "&" at byte offset {at} (the fake API requires &amp;)')
        if token["stray"] == "<":
            raise _fail(f'Unsupported start tag "" at byte offset {at}')
        if token["name"] is None:  # a character reference
            self.text(_charref(token))
        elif token["close"]:
            self.close(token["name"].lower(), at)
        else:
            self.open(token["name"].lower(), token["attrs"], at)

    def close(self, name: str, at: int) -> None:
        if not self.stack:
            raise _fail(f"Unexpected end tag at byte offset {at}")
        open_name, entity = self.stack.pop()
        if name and name != open_name:
            raise _fail(f'Unmatched end tag at byte offset {at}, expected "</{open_name}>", '
                        f'found "</{name}>"')
        entity["length"] = self.length - entity["offset"]
        if entity["length"] and entity["type"]:
            self.entities.append(entity)

    def open(self, name: str, attrs: str, at: int) -> None:
        if name not in HTML_TAGS:
            raise _fail(f'Unsupported start tag "{name}" at byte offset {at}')
        entity: JSON = {"type": HTML_TAGS[name], "offset": self.length}
        if name == "span" and not re.search(r"""class\s*=\s*["']?tg-spoiler""", attrs):
            raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if name == "a":
            href = _HREF_RE.search(attrs)
            url = _unescape(next(g for g in href.groups() if g is not None)) if href else ""
            if url:
                entity["url"] = url
            else:
                entity["type"] = None  # <a> without href is plain text
        self.stack.append((name, entity))

    def result(self) -> tuple[str, list[JSON]]:
        if self.stack:
            raise _fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.pieces), self.entities


def _strip(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace like Telegram does, keeping entities in place."""
    stripped = text.strip()
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    out = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            out.append({**entity, "offset": start, "length": stop - start})
    return stripped, out


# --------------------------------------------------------------------------- state


@dataclass
class Chat:
    """A chat the bot knows: its messages (users' and the bot's) in order, ids from 1."""

    id: int
    type: str  # "private", "group" or "supergroup"
    title: str = ""
    messages: list[JSON] = field(default_factory=list)
    sent: list[JSON] = field(default_factory=list)  # records of what the bot sent here
    forum: bool = False  # a supergroup with topics
    can_manage_topics: bool = False  # the bot is an administrator with this right
    topics: dict[int, JSON] = field(default_factory=dict)  # thread id → name, closed …

    def as_json(self) -> JSON:
        if self.type == "private":
            return {"id": self.id, "type": self.type, "first_name": f"User{self.id}"}
        chat = {"id": self.id, "type": self.type, "title": self.title or f"Group {self.id}"}
        return {**chat, "is_forum": True} if self.forum else chat

    def add(self, message: JSON) -> JSON:
        message["message_id"] = len(self.messages) + 1
        self.messages.append(message)
        return message


@dataclass
class _Rule:
    method: str  # a method name or "*" (any but getUpdates)
    times: int
    error: ApiError | None  # None: drop the connection

    def matches(self, method: str) -> bool:
        return self.method == method or (self.method == "*" and method != "getUpdates")


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Call:
    """One request: its method, decoded parameters, and whether the client went away."""

    method: str
    params: JSON
    gone: Callable[[], bool] = lambda: False


class FakeBotAPI:
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_id: int = 123456,
                 username: str = "jena_welcome_test_bot") -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.calls: list[tuple[str, JSON]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, error_code, description)
        self.rate_limit_hits = 0
        self.profile: dict[tuple[str, str], str] = {}  # (description kind, language) → text
        self.base_url = ""
        self.port = 0
        self._chats: dict[int, Chat] = {}
        self._sent: list[JSON] = []
        self._pending: list[JSON] = []
        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(8_000_000_000_000_001)
        self._open_callbacks: set[str] = set()
        self._blocked: set[int] = set()
        self._rules: list[_Rule] = []
        self._commands: dict[str, list[JSON]] = {}  # language → commands
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._poll_generation = 0
        self._wakeup = asyncio.Event()
        self._server: tornado.httpserver.HTTPServer | None = None
        self._http: httpx.AsyncClient | None = None
        self._active = 0
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = tornado.web.Application(
            [(r"/bot(?P<token>[^/]+)/(?P<method>[^/]*)", _ApiHandler, {"fake": self}),
             (r".*", _NotFoundHandler)],
            log_function=lambda handler: None)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self._http = httpx.AsyncClient(timeout=10)
        self._stopping = False
        self.base_url = f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        """Stop delivering, answer waiting long polls, close all connections."""
        self._stopping = True
        self._wake()
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            self._server.stop()
            for _ in range(200):  # let requests in flight (long polls) finish
                if not self._active:
                    break
                await asyncio.sleep(0.01)
            await self._server.close_all_connections()
            self._server = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ users write

    def push_message(self, user_id: int, text: str, *, chat_id: int | None = None,
                     chat_type: str = "private", language_code: str | None = "en",
                     reply_to_bot: bool = False) -> int:
        """A user writes ``text`` (a command gets its entity); returns the update_id."""
        chat = self._user_chat(user_id, chat_id, chat_type)
        message = self._user_message(user_id, chat, language_code)
        message["text"] = text
        command = _COMMAND_RE.match(text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_len(command[0])}]
        if reply_to_bot:
            message["reply_to_message"] = self._last_bot_message(chat)
        return self._enqueue({"message": chat.add(message)})

    def push_media(self, user_id: int, kind: str, *, language_code: str | None = "en") -> int:
        """A user sends something else than text in their private chat: one of ``MEDIA``."""
        if kind not in MEDIA:
            raise ValueError(f"unknown media kind {kind!r}; use one of {sorted(MEDIA)}")
        chat = self._user_chat(user_id, None, "private")
        message = {**self._user_message(user_id, chat, language_code), **MEDIA[kind]}
        return self._enqueue({"message": chat.add(message)})

    def push_edited_message(self, user_id: int, text: str, *,
                            language_code: str | None = "en") -> int:
        """The user edits their last message in their private chat."""
        chat = self._chats.get(user_id) or Chat(user_id, "private")
        mine = [m for m in chat.messages if m["from"]["id"] == user_id]
        if not mine:
            raise ValueError(f"user {user_id} has no message to edit")
        edited = {**mine[-1], "text": text, "edit_date": int(time.time()),
                  "from": self._user(user_id, language_code)}
        edited.pop("entities", None)
        chat.messages[edited["message_id"] - 1] = edited
        return self._enqueue({"edited_message": edited})

    def push_callback(self, user_id: int, data: str, *,
                      language_code: str | None = "en") -> int:
        """The user presses a button with ``data`` under the bot's last message to them."""
        chat = self._user_chat(user_id, None, "private")
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        return self._enqueue({"callback_query": {
            "id": query_id, "from": self._user(user_id, language_code),
            "message": self._last_bot_message(chat), "chat_instance": str(user_id * 7919),
            "data": data}})

    def add_chat(self, chat_id: int, chat_type: str | None = None) -> Chat:
        """Make a chat known without a message (e.g. a user who wrote to the bot earlier)."""
        if chat_id not in self._chats:
            kind = chat_type or ("private" if chat_id > 0 else "supergroup")
            self._chats[chat_id] = Chat(chat_id, kind)
        return self._chats[chat_id]

    def add_forum(self, chat_id: int, title: str = "Staff",
                  can_manage_topics: bool = True) -> Chat:
        """A supergroup with topics where the bot is an administrator (allowed to manage
        topics unless told otherwise)."""
        if chat_id >= 0:
            raise ValueError("a supergroup needs a negative chat_id, e.g. -100123")
        chat = self.add_chat(chat_id, "supergroup")
        chat.title, chat.forum, chat.can_manage_topics = title, True, can_manage_topics
        return chat

    def push_topic_message(self, user_id: int, chat_id: int, thread: int | None,
                           text: str) -> int:
        """A member writes ``text`` in a topic of a forum (``thread`` None: outside topics,
        in "General")."""
        chat, message = self._forum_message(user_id, chat_id, thread)
        message["text"] = text
        command = _COMMAND_RE.match(text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_len(command[0])}]
        return self._enqueue({"message": chat.add(message)})

    def push_topic_media(self, user_id: int, chat_id: int, thread: int, kind: str) -> int:
        """A member sends one of ``MEDIA`` in a topic."""
        chat, message = self._forum_message(user_id, chat_id, thread)
        return self._enqueue({"message": chat.add({**message, **MEDIA[kind]})})

    def topics(self, chat_id: int) -> dict[int, JSON]:
        """The forum's topics: thread id → {"name", "closed", "texts"} (what the bot posted)."""
        chat = self._chats[chat_id]
        return {thread: {**topic, "texts": [r["text"] for r in chat.sent
                                            if r.get("message_thread_id") == thread]}
                for thread, topic in chat.topics.items()}

    def _forum_message(self, user_id: int, chat_id: int, thread: int | None
                       ) -> tuple[Chat, JSON]:
        chat = self._chats.get(chat_id)
        if chat is None or not chat.forum:
            raise ValueError(f"chat {chat_id} is not a forum; call add_forum first")
        message = self._user_message(user_id, chat, "en")
        if thread is not None:
            if thread not in chat.topics:
                raise ValueError(f"no topic {thread} in chat {chat_id}")
            message.update(message_thread_id=thread, is_topic_message=True,
                           reply_to_message=chat.topics[thread]["created"])
        return chat, message

    def block_user(self, chat_id: int) -> None:
        """From now on sending to ``chat_id`` answers 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    # ------------------------------------------------------------------ observe the bot

    def sent(self, chat_id: int | None = None) -> list[JSON]:
        """What the bot sent, in order (optionally to one chat)."""
        if chat_id is None:
            return list(self._sent)
        chat = self._chats.get(chat_id)
        return list(chat.sent) if chat else []

    def called(self, method: str) -> list[JSON]:
        """Parameters of every call of ``method``, in order."""
        return [params for name, params in self.calls if name == method]

    def commands(self, language_code: str = "") -> list[JSON]:
        """The command menu set for a language (default scope)."""
        return list(self._commands.get(language_code, []))

    def webhook_info(self) -> JSON:
        """What getWebhookInfo would answer."""
        hook = self._webhook
        info: JSON = {"url": hook.url if hook else "", "pending_update_count": len(self._pending)}
        if hook and hook.last_error_date is not None:
            info.update(last_error_date=hook.last_error_date,
                        last_error_message=hook.last_error_message)
        return info

    async def wait_for_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[JSON]:
        """Wait until at least ``count`` messages went to ``chat_id``; return them all."""
        try:
            await self.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout)
        except AssertionError:
            got = [(r["method"], r.get("text")) for r in self.sent(chat_id)]
            calls = [name for name, _ in self.calls if name != "getUpdates"]
            raise AssertionError(
                f"expected {count} message(s) to chat {chat_id} within {timeout}s, got "
                f"{len(got)}: {got!r}; calls: {calls}; errors served: {self.errors}") from None
        return self.sent(chat_id)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` is true (checked on every change); AssertionError on
        timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._wakeup
            if predicate():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout}s")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 0.05)):
                    await event.wait()

    # ------------------------------------------------------------------ inject failures

    def fail_next(self, method: str, *, status: int = 500, retry_after: int | None = None,
                  times: int = 1, description: str | None = None) -> None:
        """The next ``times`` calls of ``method`` ("*" = any but getUpdates) fail."""
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = f"Too Many Requests: retry after {retry_after}"
        elif description is None:
            description = BLOCKED if status == 403 else "injected failure"
        prefix = ERROR_PREFIX.get(status) or HTTPStatus(status).phrase
        if not description.startswith(prefix):
            description = f"{prefix}: {description}"
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._rules.append(_Rule(method, times, ApiError(status, description, parameters)))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get their connection closed, no answer."""
        self._rules.append(_Rule(method, times, None))

    def clear_failures(self) -> None:
        """Forget every failure still planned by ``fail_next`` / ``drop_next``."""
        self._rules.clear()

    # ------------------------------------------------------------------ serving a call

    async def serve(self, token: str, call: Call) -> tuple[int, JSON | None]:
        """Answer one API request: (HTTP status, JSON body, or None to drop the connection)."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        call.method = _CANONICAL.get(call.method.lower(), call.method)
        self.calls.append((call.method, call.params))
        self._active += 1
        try:
            result = await self._dispatch(call)
        except ApiError as exc:
            self.errors.append((call.method, exc.status, exc.description))
            return exc.status, exc.payload()
        except _DropError:
            return 0, None
        finally:
            self._active -= 1
            self._wake()
        return 200, {"ok": True, "result": result}

    async def _dispatch(self, call: Call) -> Any:
        rule = next((r for r in self._rules if r.times > 0 and r.matches(call.method)), None)
        if rule is not None:
            rule.times -= 1
            self._rules = [r for r in self._rules if r.times > 0]
            if rule.error is None:
                raise _DropError
            if rule.error.status == 429:
                self.rate_limit_hits += 1
            raise ApiError(rule.error.status, rule.error.description, rule.error.parameters)
        handler = METHODS.get(call.method)
        if handler is None:
            raise ApiError(404, METHOD_NOT_FOUND)
        result = handler(self, call)
        return await result if inspect.isawaitable(result) else result

    def _wake(self) -> None:
        """Wake everybody waiting for a change (long polls, webhook worker, wait_until)."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    # ------------------------------------------------------------------ updates

    def _enqueue(self, update: JSON) -> int:
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **update})
        self._wake()
        return update_id

    async def _get_updates(self, call: Call) -> list[JSON]:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        p = call.params
        offset = _number(p, "offset", 0)
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(min(max(_number(p, "limit", 100), 1), 100))
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll learns that it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(_number(p, "timeout", 0), 0), 50)
        while True:
            event = self._wakeup
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                    "sure that only one bot instance is running")
            remaining = deadline - loop.time()
            if self._pending or remaining <= 0 or self._stopping or call.gone():
                return self._pending[:limit]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()

    def _set_webhook(self, call: Call) -> bool:
        p = call.params
        url = str(p.get("url") or "")
        if not url:
            return self._delete_webhook(call)
        if not re.match(r"https?://[^/\s]+", url):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook = _Webhook(url, None if secret is None else str(secret))
        self._poll_generation += 1  # a waiting long poll ends with 409
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver())
        return True

    def _delete_webhook(self, call: Call) -> bool:
        p = call.params
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook = None
        return True

    async def _deliver(self) -> None:
        """POST pending updates to the webhook one at a time; retry until accepted."""
        delay = 0.05
        while self._webhook is not None and not self._stopping and self._http is not None:
            event = self._wakeup
            if not self._pending:
                await event.wait()
                continue
            hook, update = self._webhook, self._pending[0]
            headers = ({"X-Telegram-Bot-Api-Secret-Token": hook.secret_token}
                       if hook.secret_token is not None else {})
            try:
                response = await self._http.post(hook.url, json=update, headers=headers)
                error = "" if response.is_success else (
                    f"Wrong response from the webhook: {response.status_code} "
                    f"{response.reason_phrase}")
            except httpx.HTTPError as exc:
                error = f"Connection failed: {type(exc).__name__}"
            if not error:
                if update in self._pending:  # unless dropped meanwhile
                    self._pending.remove(update)
                delay = 0.05
                self._wake()
                continue
            hook.last_error_date, hook.last_error_message = int(time.time()), error
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    # ------------------------------------------------------------------ the bot's profile

    def _get_me(self, call: Call) -> JSON:
        return {**self._bot_user(), "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _set_my_commands(self, call: Call) -> bool:
        p = call.params
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not _BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[str(p.get("language_code") or "")] = [
            {"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _set_profile_text(self, p: JSON, kind: str) -> bool:
        text = str(p.get(kind) or "")
        if len(text) > DESCRIPTION_LIMITS[kind]:
            raise bad_request(f"{kind} is too long")
        self.profile[(kind, str(p.get("language_code") or ""))] = text
        return True

    def _set_my_description(self, call: Call) -> bool:
        return self._set_profile_text(call.params, "description")

    def _set_my_short_description(self, call: Call) -> bool:
        return self._set_profile_text(call.params, "short_description")

    # ------------------------------------------------------------------ sending

    def _send_message(self, call: Call) -> JSON:
        p = call.params
        chat = self._target(p)
        text, entities = self._format(p.get("text"), p.get("parse_mode"))
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        thread = p.get("message_thread_id")
        if thread is not None:
            if not chat.forum or thread not in chat.topics:
                raise bad_request("message thread not found")
            content.update(message_thread_id=thread, is_topic_message=True)
        return self._record("sendMessage", chat, p, content)

    # ------------------------------------------------------------------ forum topics

    def _forum(self, p: JSON) -> Chat:
        chat = self._target(p)
        if not chat.forum:
            raise bad_request("the chat is not a forum")
        if not chat.can_manage_topics:
            raise bad_request("not enough rights to manage topics")
        return chat

    def _create_forum_topic(self, call: Call) -> JSON:
        chat = self._forum(call.params)
        name = str(call.params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
        created = chat.add({"from": self._bot_user(), "chat": chat.as_json(),
                            "date": int(time.time()),
                            "forum_topic_created": {"name": name, "icon_color": 7322096}})
        thread = created["message_id"]
        created.update(message_thread_id=thread, is_topic_message=True)
        chat.topics[thread] = {"name": name, "closed": False, "created": created}
        return {"message_thread_id": thread, "name": name, "icon_color": 7322096}

    def _close_forum_topic(self, call: Call) -> bool:
        chat = self._forum(call.params)
        topic = chat.topics.get(call.params.get("message_thread_id"))
        if topic is None:
            raise bad_request("message thread not found")
        if topic["closed"]:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic["closed"] = True
        return True

    def _send_venue(self, call: Call) -> JSON:
        p = call.params
        chat = self._target(p)
        try:
            latitude, longitude = float(p["latitude"]), float(p["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude or longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude specified")
        for key in ("title", "address"):
            if not str(p.get(key) or "").strip():
                raise bad_request(f"{key} is empty")
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": str(p["title"]), "address": str(p["address"])}
        return self._record("sendVenue", chat, p, {"venue": venue, "location": location})

    def _answer_callback_query(self, call: Call) -> bool:
        p = call.params
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        if len(str(p.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        return True

    def _target(self, p: JSON) -> Chat:
        """The chat to send to, refused like Telegram refuses it."""
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        if chat_id not in self._chats:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return self._chats[chat_id]

    @staticmethod
    def _format(text: Any, parse_mode: Any) -> tuple[str, list[JSON]]:
        """The text as the user sees it and its entities, checked like Telegram does."""
        raw = "" if text is None else str(text)
        if str(parse_mode or "").lower() == "html":
            plain, entities = parse_html(raw)
        elif parse_mode:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        else:
            plain, entities = raw, []
        plain, entities = _strip(plain, entities)
        if not plain:
            raise bad_request("message text is empty")
        if utf16_len(plain) > MESSAGE_LIMIT:
            raise bad_request("message is too long")
        return plain, entities

    def _record(self, method: str, chat: Chat, p: JSON, content: JSON) -> JSON:
        """Store the bot's message in the chat and in the records; return it to the bot."""
        markup = _check_markup(p.get("reply_markup"))
        message = chat.add({"from": self._bot_user(), "chat": chat.as_json(),
                            "date": int(time.time()), **content,
                            **({"reply_markup": markup} if markup else {})})
        record = {**message, "method": method, "chat_id": chat.id,
                  "text": message.get("text"), "raw_text": p.get("text"),
                  "parse_mode": p.get("parse_mode"), "reply_markup": markup}
        if "venue" in message:
            venue = message["venue"]
            record.update(venue["location"], title=venue["title"], address=venue["address"])
        chat.sent.append(record)
        self._sent.append(record)
        return message

    # ------------------------------------------------------------------ users and chats

    def _user(self, user_id: int, language_code: str | None) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Jena Welcome (test)",
                "username": self.username}

    def _user_chat(self, user_id: int, chat_id: int | None, chat_type: str) -> Chat:
        chat_id = user_id if chat_id is None else chat_id
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("a private chat's id is the user's id")
        if chat_type in ("group", "supergroup") and chat_id >= 0:
            raise ValueError(f"{chat_type} chats need a negative chat_id, e.g. -100123")
        if chat_type not in ("private", "group", "supergroup"):
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        return self.add_chat(chat_id, chat_type)

    def _user_message(self, user_id: int, chat: Chat, language_code: str | None) -> JSON:
        return {"from": self._user(user_id, language_code), "chat": chat.as_json(),
                "date": int(time.time())}

    def _last_bot_message(self, chat: Chat) -> JSON:
        """The bot's last message in the chat (one the test did not see if there is none)."""
        mine = [m for m in chat.messages if m["from"]["id"] == self.bot_id]
        if mine:
            return {k: v for k, v in mine[-1].items() if k != "reply_to_message"}
        return chat.add({"from": self._bot_user(), "chat": chat.as_json(),
                         "date": int(time.time()), "text": "(an earlier message of the bot)"})


class _DropError(Exception):
    """Close the connection without an answer."""


def _number(p: JSON, name: str, default: float) -> float:
    value = p.get(name)
    if value is None:
        return default
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise bad_request(f"wrong parameter {name}")
    return value


def _check_markup(markup: Any) -> JSON | None:
    """An inline keyboard as Telegram checks it (the bot sends no other keyboards)."""
    if markup is None:
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for button in itertools.chain.from_iterable(rows):
        _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type '
                          "String")
    actions = [a for a in ("url", "callback_data") if a in button]
    if len(actions) != 1 or len(button) != 2:
        raise bad_request("can't parse inline keyboard button: exactly one of url and "
                          "callback_data is allowed (the fake knows no other actions)")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    elif not re.match(r"(https?|tg)://\S+$", str(button["url"])):
        raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid")


# The methods the fake answers: Bot API name → handler(fake, call).
METHODS: dict[str, Callable[..., Any]] = {
    "getMe": FakeBotAPI._get_me,
    "getUpdates": FakeBotAPI._get_updates,
    "setWebhook": FakeBotAPI._set_webhook,
    "deleteWebhook": FakeBotAPI._delete_webhook,
    "setMyCommands": FakeBotAPI._set_my_commands,
    "setMyDescription": FakeBotAPI._set_my_description,
    "setMyShortDescription": FakeBotAPI._set_my_short_description,
    "sendMessage": FakeBotAPI._send_message,
    "sendVenue": FakeBotAPI._send_venue,
    "answerCallbackQuery": FakeBotAPI._answer_callback_query,
    "createForumTopic": FakeBotAPI._create_forum_topic,
    "closeForumTopic": FakeBotAPI._close_forum_topic,
}
_CANONICAL = {name.lower(): name for name in METHODS}  # method names are case-insensitive


# --------------------------------------------------------------------------- HTTP


def decode(name: str, value: str) -> Any:
    """A form-encoded value as python-telegram-bot encodes it: JSON unless it is text."""
    if name in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class _ApiHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotAPI) -> None:
        self.fake = fake
        self.gone = False

    def on_connection_close(self) -> None:
        self.gone = True
        self.fake._wake()

    def check_xsrf_cookie(self) -> None:  # an API, not a web form
        return None

    async def get(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._answer(token, method)

    def _params(self) -> JSON:
        request = self.request
        arguments = {**request.query_arguments, **request.body_arguments}
        params = {k: decode(k, v[-1].decode("utf-8")) for k, v in arguments.items()}
        if request.headers.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            params.update(body)
        return params

    async def _answer(self, token: str, method: str) -> None:
        body: JSON | None
        try:
            call = Call(method, self._params(), lambda: self.gone)
        except ApiError as exc:
            status, body = exc.status, exc.payload()
        else:
            status, body = await self.fake.serve(token, call)
        if body is None:  # a network drop
            self.detach().close()
            return
        if self.gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.finish({"ok": False, "error_code": 404, "description": "Not Found"})
