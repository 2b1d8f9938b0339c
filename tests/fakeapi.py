"""A local fake of the Telegram Bot API for end-to-end tests.

``FakeBotAPI`` is a small HTTP server (tornado, inside the test's asyncio loop, on
127.0.0.1) that a *real* python-telegram-bot ``Application`` talks to instead of
api.telegram.org::

    fake = FakeBotAPI()
    await fake.start()
    app = (ApplicationBuilder().token(fake.token)
           .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
    ...
    fake.push_message(42, "/start")           # a user writes to the bot
    sent = await fake.wait_for_sent(42, 1)     # what the bot answered
    await fake.stop()

What it simulates
-----------------
* The transport: ``/bot<token>/<method>`` with GET or POST, bodies as JSON,
  ``application/x-www-form-urlencoded`` or ``multipart/form-data`` (uploads). Form
  values are typed like Telegram does (numbers, ``true``/``false``, JSON-valued
  parameters such as ``reply_markup`` or ``commands``). Method names are
  case-insensitive. Answers are ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": N, "description": ...}`` with the same HTTP status.
  Wrong token → 401, unknown method → 404.
* Updates: a queue of pending updates delivered by ``getUpdates`` long polling
  (offset acknowledges, negative offsets, limit, timeout, wakes up as soon as an
  update is pushed, a newer ``getUpdates`` terminates an older one with 409 like
  Telegram) or — after ``setWebhook`` — POSTed one by one, in order, to the webhook
  URL with ``X-Telegram-Bot-Api-Secret-Token``; failed deliveries are retried and
  reported by ``getWebhookInfo``; a method call in the webhook's answer is executed.
  ``getUpdates`` while a webhook is set → 409. ``allowed_updates`` is honoured; by
  default ``chat_member``, ``message_reaction`` and ``message_reaction_count``
  updates are not delivered (as on Telegram).
* Chats and messages: users write to the bot (``push_*``), which makes their chats
  known; message ids increase per chat; messages are stored, so replies, edits,
  deletes and callback queries refer to real messages. Sending to a chat that never
  talked to the bot fails like Telegram (403 "bot can't initiate conversation" for
  users, 400 "chat not found" for groups), unless ``add_chat`` was called.
* Validation that catches real bugs: empty text, text > 4096 / caption > 1024 UTF-16
  code units *after* entity parsing (leading/trailing whitespace is trimmed), HTML
  parse mode (only Telegram's tags; malformed markup → "can't parse entities"),
  inline keyboards (callback_data 1-64 bytes, exactly one action per button, URL
  scheme), bot commands, chat actions, "message is not modified" on edits, unknown
  or already answered callback queries, unknown file ids.
* Failures on demand: ``fail_next`` (429 with retry_after, 5xx, 400, 403 …),
  ``drop_next`` (connection closed without an answer), ``block_user`` (403).

What it does not simulate
-------------------------
* Rate limits on its own (only injected 429s), TLS, webhook URL restrictions (http
  and any port are accepted), IP addresses, webhook ``max_connections`` (delivery is
  sequential), the 24-hour update retention, callback query expiry.
* MarkdownV2/Markdown parse modes (accepted, not parsed), URL/hashtag/e-mail entity
  detection in user messages (only ``bot_command`` at the start and ``@mentions``),
  group privacy mode (every group message is delivered), inline mode, payments,
  games, business connections, stories, chat administration beyond a stub
  ``getChat``/``getChatMember``.
* Deliberately *stricter* than Telegram: a bare ``&`` that does not start an HTML
  entity is an error in HTML mode (Telegram silently keeps it; the Bot API docs say
  it must be escaped).

Records for assertions: ``calls`` (every call with decoded parameters), ``sent()``
(every message the bot produced, including edits; ``text`` is the text the user sees,
i.e. after HTML parsing, ``raw_text`` is the parameter as sent), ``errors`` (every
error answer served: method, code, description) and ``rate_limit_hits``.

Note for PTB 22.x under ``filterwarnings = error``: PTB emits a PTBDeprecationWarning
whenever it builds ``RetryAfter`` (a 429) unless the environment variable
``PTB_TIMEDELTA=true`` is set; tests that serve 429s must set it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
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
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64

# Parameters whose form-encoded value is a JSON document.
JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "link_preview_options", "commands",
        "allowed_updates", "scope", "menu_button", "reply_parameters", "media", "results",
        "options", "explanation_entities", "reaction", "rights", "permissions",
        "input_message_content", "prices", "question_entities", "message_ids", "button",
        "text_entities", "description_entities",
    }
)
# Parameters that stay strings even when they look like numbers.
TEXT_PARAMS = frozenset(
    {
        "text", "caption", "title", "address", "description", "short_description", "name",
        "url", "secret_token", "callback_query_id", "inline_query_id", "parse_mode", "action",
        "phone_number", "first_name", "last_name", "vcard", "emoji", "question", "explanation",
        "foursquare_id", "foursquare_type", "google_place_id", "google_place_type",
        "language_code", "data", "file_id", "ip_address", "query", "custom_title",
        "message_effect_id", "business_connection_id", "inline_message_id", "photo",
        "document", "audio", "video", "voice", "sticker", "animation", "video_note",
        "thumbnail", "certificate", "next_offset",
    }
)
ALL_UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member", "message_reaction", "message_reaction_count",
}
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
MENU_BUTTON_TYPES = ("default", "commands", "web_app")
MEDIA_KINDS = (
    "photo", "sticker", "voice", "audio", "document", "video", "animation", "video_note",
    "location", "venue", "contact", "poll", "dice",
)
ERROR_PREFIX = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
}
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
JENA = {"latitude": 50.927054, "longitude": 11.589237}

_INT_RE = re.compile(r"-?\d{1,19}")
_FLOAT_RE = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


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

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "a": "text_link", "code": "code", "pre": "pre",
    "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")


class _HtmlParser:
    """Telegram's HTML subset → (plain text, entities with UTF-16 offsets).

    Error messages follow Telegram's ("Unsupported start tag "x" at byte offset N", …).
    """

    def __init__(self, src: str) -> None:
        self.src = src
        self.pieces: list[str] = []
        self.length = 0  # UTF-16 length of the plain text so far
        self.stack: list[tuple[str, JSON]] = []
        self.entities: list[JSON] = []

    def fail(self, message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def byte(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.pieces.append(text)
        self.length += utf16_len(text)

    def parse(self) -> tuple[str, list[JSON]]:
        src, i = self.src, 0
        while i < len(src):
            if src[i] == "&":
                i = self.entity(i)
            elif src[i] != "<":
                nxt = [p for p in (src.find("<", i), src.find("&", i)) if p >= 0]
                end = min(nxt) if nxt else len(src)
                self.emit(src[i:end])
                i = end
            elif src.startswith("</", i):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            tag = self.stack[-1][0]
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.pieces), self.entities

    def decode_entity(self, i: int) -> tuple[str, int] | None:
        match = _HTML_ENTITY_RE.match(self.src, i)
        if not match:
            return None
        named, dec, hexa = match.groups()
        if named:
            return _NAMED_ENTITIES[named], match.end()
        code = int(dec) if dec else int(hexa, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), match.end()

    def entity(self, i: int) -> int:
        decoded = self.decode_entity(i)
        if decoded is None:
            raise self.fail(
                f'Unescaped "&" at byte offset {self.byte(i)} (the fake API requires &amp;)'
            )
        self.emit(decoded[0])
        return decoded[1]

    def end_tag(self, begin: int) -> int:
        src, j = self.src, begin + 2
        while j < len(src) and not src[j].isspace() and src[j] != ">":
            j += 1
        name = src[begin + 2 : j].lower()
        while j < len(src) and src[j].isspace():
            j += 1
        if j >= len(src) or src[j] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte(begin)}")
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte(begin)}")
        open_name, entity = self.stack.pop()
        if name and name != open_name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte(begin)}, "
                f'expected "</{open_name}>", found "</{name}>"'
            )
        entity["length"] = self.length - entity["offset"]
        if entity["length"] > 0 and entity.get("type"):
            self.entities.append(entity)
        return j + 1

    def start_tag(self, begin: int) -> int:
        src, j = self.src, begin + 1
        while j < len(src) and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= len(src):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte(begin)}")
        name = src[begin + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {self.byte(begin)}')
        attrs, j = self.attributes(j, name, begin)
        self.stack.append((name, self.make_entity(name, attrs, begin)))
        return j

    def attributes(self, j: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
        src, attrs = self.src, {}
        unclosed = f"Unclosed start tag at byte offset {self.byte(begin)}"
        while True:
            while j < len(src) and src[j].isspace():
                j += 1
            if j >= len(src):
                raise self.fail(unclosed)
            if src[j] == ">":
                return attrs, j + 1
            k = j
            while k < len(src) and not src[k].isspace() and src[k] not in "=>":
                k += 1
            attr = src[j:k].lower()
            if not attr:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.byte(begin)}'
                )
            while k < len(src) and src[k].isspace():
                k += 1
            if k >= len(src):
                raise self.fail(unclosed)
            if src[k] != "=":  # a value-less attribute such as <blockquote expandable>
                attrs[attr], j = "", k
                continue
            k += 1
            while k < len(src) and src[k].isspace():
                k += 1
            if k >= len(src):
                raise self.fail(unclosed)
            if src[k] in "\"'":
                end = src.find(src[k], k + 1)
                if end < 0:
                    raise self.fail(unclosed)
                attrs[attr] = self.unescape(src[k + 1 : end])
                j = end + 1
            else:
                token = _NAME_TOKEN_RE.match(src, k)
                j = token.end() if token else k
                if j < len(src) and not src[j].isspace() and src[j] != ">":
                    raise self.fail(f"Unexpected end of name token at byte offset {self.byte(k)}")
                attrs[attr] = src[k:j].lower()

    def unescape(self, value: str) -> str:
        """Decode the HTML entities in an attribute value."""
        out, i, parser = [], 0, _HtmlParser(value)
        while i < len(value):
            decoded = parser.decode_entity(i) if value[i] == "&" else None
            if decoded:
                out.append(decoded[0])
                i = decoded[1]
            else:
                out.append(value[i])
                i += 1
        return "".join(out)

    def make_entity(self, name: str, attrs: dict[str, str], begin: int) -> JSON:
        entity: JSON = {"type": _HTML_TAGS[name], "offset": self.length}
        if name == "a":
            href = attrs.get("href", "")
            if href.startswith("tg://user?id=") and href[13:].isdigit():
                user_id = int(href[13:])
                entity = {
                    "type": "text_mention",
                    "offset": self.length,
                    "user": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
                }
            elif href:
                entity["url"] = href
            else:
                entity["type"] = None  # <a> without href is plain text
        elif name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte(begin)}'
            )
        elif name == "tg-emoji":
            if not attrs.get("emoji-id", "").isdigit():
                raise self.fail(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                    f"{self.byte(begin)}"
                )
            entity["custom_emoji_id"] = attrs["emoji-id"]
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif (
            name == "code"
            and attrs.get("class", "").startswith("language-")
            and self.stack
            and self.stack[-1][0] == "pre"
        ):
            self.stack[-1][1]["language"] = attrs["class"][len("language-") :]
            entity["type"] = None  # merged into the surrounding <pre>
        return entity


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML; raises ApiError(400, "Bad Request: can't parse entities: …")."""
    return _HtmlParser(text).parse()


def _strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace like Telegram does, keeping entities in place."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    out = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            out.append({**entity, "offset": start, "length": stop - start})
    return stripped, out


# --------------------------------------------------------------------------- bookkeeping types


@dataclass
class _Rule:
    method: str  # canonical name or "*"
    times: int
    error: ApiError | None  # None = drop the connection

    def matches(self, method: str) -> bool:
        if self.method == "*":
            return method != "getUpdates"
        return self.method == method


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    def ref(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Call:
    method: str
    params: JSON
    files: dict[str, Any] = field(default_factory=dict)  # part name → tornado HTTPFile
    gone: Callable[[], bool] = lambda: False  # the client closed the connection


@dataclass
class _WithDescription:
    result: Any
    description: str


class FakeBotAPI:
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        username: str = "jena_welcome_test_bot",
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.first_name = "Jena Welcome (test)"
        self.calls: list[tuple[str, JSON]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, error_code, description)
        self.rate_limit_hits = 0
        self.base_url = ""
        self.base_file_url = ""
        self.port = 0
        self._methods = {
            name[len("_api_") :].lower(): name[len("_api_") :]
            for name in dir(self)
            if name.startswith("_api_")
        }
        self._sent: list[JSON] = []
        self._pending: list[JSON] = []
        self._update_ids = itertools.count(100_000_001)
        self._ids = itertools.count(1)  # callback query ids, file ids, poll ids …
        self._chats: dict[int, JSON] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._last_message_id: dict[int, int] = {}
        self._last_bot_message: dict[int, int] = {}
        self._last_user_message: dict[tuple[int, int], int] = {}
        self._open_callbacks: set[str] = set()
        self._files: dict[str, _File] = {}
        self._blocked: set[int] = set()
        self._rules: list[_Rule] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._texts: dict[tuple[str, str], str] = {}  # (kind, language) → name/description
        self._menu_buttons: dict[int | None, JSON] = {}
        self._allowed_updates = DEFAULT_UPDATE_TYPES
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
            [
                (r"/bot(?P<token>[^/]+)/(?P<method>[^/]*)", _ApiHandler, {"fake": self}),
                (r"/file/bot(?P<token>[^/]+)/(?P<path>.+)", _FileHandler, {"fake": self}),
                (r".*", _NotFoundHandler),
            ],
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self._http = httpx.AsyncClient(timeout=10)
        self._stopping = False
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"

    async def stop(self) -> None:
        """Stop delivering, answer waiting long polls, close all connections."""
        self._stopping = True
        self._wake()
        await self._stop_webhook_worker()
        if self._server is not None:
            self._server.stop()
            for _ in range(200):  # let in-flight requests (long polls) finish
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

    # ------------------------------------------------------------------ simulate users

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        reply_to_bot: bool = False,
        message_thread_id: int | None = None,
    ) -> int:
        """A user writes ``text``; returns the update_id."""
        chat = self._user_chat(user_id, chat_id, chat_type, message_thread_id)
        msg = self._user_message(user_id, chat, language_code, message_thread_id)
        msg["text"] = text
        entities = self._detect_entities(text)
        if entities:
            msg["entities"] = entities
        if reply_to_bot:
            msg["reply_to_message"] = self._strip_reply(self._last_bot_msg(chat))
        self._store(msg)
        return self._enqueue({"message": msg})

    def push_callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> int:
        """A user presses an inline button with ``data`` under a message the bot sent."""
        chat_id = user_id if chat_id is None else chat_id
        chat = self._chats.get(chat_id) or self._user_chat(
            user_id, chat_id, "private" if chat_id > 0 else "supergroup", None
        )
        if message_id is None:
            message = self._last_bot_msg(chat)
        else:
            message = self._messages.get((chat_id, message_id)) or self._fake_bot_message(
                chat, message_id
            )
        query_id = str(8_000_000_000_000_000 + next(self._ids))
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": self._user(user_id, language_code),
            "message": self._strip_reply(message),
            "chat_instance": str(abs(chat_id) * 7919 + 13),
            "data": data,
        }
        return self._enqueue({"callback_query": query})

    def push_media(
        self,
        user_id: int,
        kind: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> int:
        """A user sends a non-text message: one of ``MEDIA_KINDS``."""
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; use one of {MEDIA_KINDS}")
        chat_type = "private" if chat_id is None or chat_id > 0 else "supergroup"
        chat = self._user_chat(user_id, chat_id, chat_type, None)
        msg = self._user_message(user_id, chat, language_code, None)
        msg.update(self._media_content(kind, user_id=user_id))
        self._store(msg)
        return self._enqueue({"message": msg})

    def push_edited_message(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        chat_id: int | None = None,
    ) -> int:
        """The user edits their last text message in the chat (default: private chat)."""
        chat_id = user_id if chat_id is None else chat_id
        mid = self._last_user_message.get((chat_id, user_id))
        if mid is None or (chat_id, mid) not in self._messages:
            raise ValueError(f"user {user_id} has no message in chat {chat_id} to edit")
        msg = self._messages[(chat_id, mid)]
        msg["from"] = self._user(user_id, language_code)
        msg["text"] = text
        msg["edit_date"] = int(time.time())
        msg.pop("entities", None)
        entities = self._detect_entities(text)
        if entities:
            msg["entities"] = entities
        return self._enqueue({"edited_message": copy.deepcopy(msg)})

    def push_raw(self, update: JSON) -> int:
        """Queue any update dict; an update_id is assigned unless present."""
        update = copy.deepcopy(update)
        if "update_id" in update:
            current = next(self._update_ids)
            self._update_ids = itertools.count(max(current, update["update_id"] + 1))
        for value in update.values():
            if isinstance(value, dict):
                for msg in (value, value.get("message")):
                    if isinstance(msg, dict) and "message_id" in msg and "chat" in msg:
                        self._store(copy.deepcopy(msg))
        return self._enqueue(update)

    def add_chat(self, chat_id: int, chat_type: str | None = None) -> None:
        """Make a chat known without a message (e.g. a user who started the bot earlier)."""
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = f"Group {chat_id}"
        self._chats[chat_id] = {**self._chats.get(chat_id, {}), **chat}

    # ------------------------------------------------------------------ observe the bot

    def sent(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot sent or edited successfully, in order (optionally for one chat)."""
        return [r for r in self._sent if chat_id is None or r["chat_id"] == chat_id]

    def called(self, method: str) -> list[JSON]:
        """Parameters of every call of ``method``, in order."""
        canonical = self._canonical(method)
        return [params for name, params in self.calls if name == canonical]

    async def wait_for_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[JSON]:
        """Wait until at least ``count`` messages went to ``chat_id``; return them all."""
        try:
            await self.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout)
        except AssertionError:
            got = [(r["method"], r.get("text")) for r in self.sent(chat_id)]
            calls = [name for name, _ in self.calls if name != "getUpdates"]
            raise AssertionError(
                f"expected {count} message(s) to chat {chat_id} within {timeout}s, "
                f"got {len(got)}: {got!r}; calls: {calls}; errors served: {self.errors}"
            ) from None
        return self.sent(chat_id)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` (sync or async) is true; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._wakeup
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout}s")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 0.05)):
                    await event.wait()

    def webhook_info(self) -> JSON:
        """The same as getWebhookInfo returns."""
        return self._api_getWebhookInfo(_Call("getWebhookInfo", {}))

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """The command list set for a scope and language (what getMyCommands returns)."""
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    # ------------------------------------------------------------------ inject failures

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" = any but getUpdates) fail."""
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            text = f"Too Many Requests: retry after {retry_after}"
        elif description is not None:
            prefix = ERROR_PREFIX.get(status)
            text = description
            if prefix and not description.startswith(prefix):
                text = f"{prefix}: {description}"
        elif status == 403:
            text = BLOCKED
        elif status in ERROR_PREFIX:
            text = f"{ERROR_PREFIX[status]}: injected failure"
        else:
            try:
                text = HTTPStatus(status).phrase
            except ValueError:
                text = f"Error {status}"
        params = {"retry_after": retry_after} if retry_after is not None else None
        self._rules.append(_Rule(self._canonical(method), times, ApiError(status, text, params)))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get their connection closed, no answer."""
        self._rules.append(_Rule(self._canonical(method), times, None))

    def block_user(self, chat_id: int) -> None:
        """From now on sending to ``chat_id`` answers 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ HTTP entry point

    def _canonical(self, method: str) -> str:
        return method if method == "*" else self._methods.get(method.lower(), method)

    async def _serve(self, token: str, method: str, call: _Call) -> tuple[int, JSON | None]:
        """Answer one API request: (HTTP status, JSON body or None to drop the connection)."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        canonical = self._methods.get(method.lower())
        call.method = canonical or method
        self.calls.append((call.method, call.params))
        self._active += 1
        try:
            rule = next((r for r in self._rules if r.times > 0 and r.matches(call.method)), None)
            if rule is not None:
                rule.times -= 1
                self._rules = [r for r in self._rules if r.times > 0]
                if rule.error is None:
                    return 0, None
                if rule.error.status == 429:
                    self.rate_limit_hits += 1
                raise ApiError(rule.error.status, rule.error.description, rule.error.parameters)
            if canonical is None:
                raise ApiError(404, "Not Found: method not found")
            result = getattr(self, f"_api_{canonical}")(call)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            self.errors.append((call.method, exc.status, exc.description))
            return exc.status, exc.payload()
        finally:
            self._active -= 1
            self._wake()
        if isinstance(result, _WithDescription):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}

    def _wake(self) -> None:
        """Wake everybody waiting for a change (long polls, webhook worker, wait_until)."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    @staticmethod
    def coerce(name: str, value: str) -> Any:
        """Type a form-encoded value the way the Bot API does."""
        if name in JSON_PARAMS:
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        if name in TEXT_PARAMS:
            return value
        if _INT_RE.fullmatch(value):
            return int(value)
        if _FLOAT_RE.fullmatch(value):
            return float(value)
        if value in ("true", "false"):
            return value == "true"
        return value

    # ------------------------------------------------------------------ updates

    def _enqueue(self, update: JSON) -> int:
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **update})
        self._wake()
        return update_id

    def _deliverable(self, limit: int) -> list[JSON]:
        """Pending updates the bot may receive; others are dropped like Telegram does."""
        allowed = self._allowed_updates
        self._pending = [u for u in self._pending if _update_type(u) in allowed]
        return [copy.deepcopy(u) for u in self._pending[:limit]]

    async def _api_getUpdates(self, call: _Call) -> list[JSON]:
        p = call.params
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._set_allowed_updates(p.get("allowed_updates"))
        self._deliverable(0)  # forget updates of types the bot did not ask for
        offset = int(p.get("offset") or 0)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = min(max(float(p.get("timeout") or 0), 0.0), 50.0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll learns that it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._wakeup
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping or call.gone():
                return batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()

    def _set_allowed_updates(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        self._allowed_updates = (
            frozenset(allowed) & ALL_UPDATE_TYPES if allowed else DEFAULT_UPDATE_TYPES
        )

    def _api_setWebhook(self, call: _Call) -> _WithDescription:
        p = call.params
        url = str(p.get("url") or "")
        if not url:
            return self._api_deleteWebhook(call)
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self._set_allowed_updates(p.get("allowed_updates"))
        self._webhook = _Webhook(
            url=url,
            secret_token=str(secret) if secret is not None else None,
            max_connections=int(p.get("max_connections") or 40),
            allowed_updates=p.get("allowed_updates"),
        )
        self._poll_generation += 1  # waiting long polls end with 409
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_worker())
        return _WithDescription(True, "Webhook was set")

    def _api_deleteWebhook(self, call: _Call) -> _WithDescription:
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        was_set, self._webhook = self._webhook is not None, None
        description = "Webhook was deleted" if was_set else "Webhook is already deleted"
        return _WithDescription(True, description)

    def _api_getWebhookInfo(self, call: _Call) -> JSON:
        hook = self._webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _webhook_worker(self) -> None:
        """Deliver pending updates to the webhook, one at a time, retrying failures."""
        delay = 0.05
        while self._webhook is not None and not self._stopping:
            event = self._wakeup
            batch = self._deliverable(1)
            if not batch or self._http is None:
                await event.wait()
                continue
            hook, update = self._webhook, batch[0]
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            try:
                response = await self._http.post(
                    hook.url, content=json.dumps(update).encode(), headers=headers
                )
            except httpx.HTTPError as exc:
                error = f"Connection failed: {exc.__class__.__name__}"
            else:
                if 200 <= response.status_code < 300:
                    self._pending = [
                        u for u in self._pending if u["update_id"] != update["update_id"]
                    ]
                    delay = 0.05
                    await self._webhook_reply(response)
                    self._wake()
                    continue
                error = (
                    f"Wrong response from the webhook: {response.status_code} "
                    f"{response.reason_phrase}"
                )
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _webhook_reply(self, response: httpx.Response) -> None:
        """Telegram executes a method call given in the webhook's answer."""
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            params = {k: v for k, v in body.items() if k != "method"}
            await self._serve(self.token, body["method"], _Call(body["method"], params))

    # ------------------------------------------------------------------ chats, users, messages

    def _user(self, user_id: int, language_code: str | None) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _user_chat(
        self, user_id: int, chat_id: int | None, chat_type: str, thread_id: int | None
    ) -> JSON:
        chat_id = user_id if chat_id is None else chat_id
        if chat_type == "private":
            if chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
        elif chat_type in ("group", "supergroup"):
            if chat_id >= 0:
                raise ValueError(f"{chat_type} chats need a negative chat_id, e.g. -100123")
        else:
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        self.add_chat(chat_id, chat_type)
        chat = self._chats[chat_id]
        if chat_type == "supergroup" and thread_id is not None:
            chat["is_forum"] = True
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _user_message(
        self, user_id: int, chat: JSON, language_code: str | None, thread_id: int | None
    ) -> JSON:
        msg: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self._user(user_id, language_code),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if thread_id is not None and chat.get("is_forum"):
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        return msg

    def _store(self, msg: JSON) -> None:
        chat_id, mid = msg["chat"]["id"], msg["message_id"]
        if chat_id not in self._chats:
            self._chats[chat_id] = dict(msg["chat"])
        self._messages[(chat_id, mid)] = msg
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), mid)
        sender = msg.get("from", {}).get("id")
        if sender == self.bot_id:
            self._last_bot_message[chat_id] = mid
        elif sender is not None:
            self._last_user_message[(chat_id, sender)] = mid

    def _fake_bot_message(self, chat: JSON, message_id: int | None = None) -> JSON:
        """A bot message the test did not produce (e.g. sent before the test started)."""
        msg = {
            "message_id": message_id or self._next_message_id(chat["id"]),
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()),
            "text": "(an earlier message of the bot)",
        }
        self._store(msg)
        return msg

    def _last_bot_msg(self, chat: JSON) -> JSON:
        mid = self._last_bot_message.get(chat["id"])
        msg = self._messages.get((chat["id"], mid)) if mid is not None else None
        return msg or self._fake_bot_message(chat)

    @staticmethod
    def _strip_reply(msg: JSON) -> JSON:
        out = copy.deepcopy(msg)
        out.pop("reply_to_message", None)
        return out

    def _detect_entities(self, text: str) -> list[JSON]:
        entities = []
        command_end = 0
        match = _COMMAND_RE.match(text)
        if match:
            command_end = match.end()
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match[0])})
        for mention in _MENTION_RE.finditer(text):
            if mention.start() >= command_end:
                entities.append(
                    {
                        "type": "mention",
                        "offset": utf16_len(text[: mention.start()]),
                        "length": utf16_len(mention[0]),
                    }
                )
        return entities

    def _new_file(
        self,
        kind: str,
        content: bytes | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> _File:
        n = next(self._ids)
        ext = {
            "photo": "jpg", "voice": "oga", "audio": "mp3", "video": "mp4",
            "animation": "mp4", "video_note": "mp4", "sticker": "webp",
        }.get(kind) or (file_name or "").rpartition(".")[2] or "bin"
        file = _File(
            file_id=f"FAKE-{kind}-{n:06d}-{self.bot_id}",
            file_unique_id=f"U{n:06d}",
            file_path=f"{kind}s/file_{n}.{ext}",
            content=content if content is not None else f"fake {kind} #{n}".encode(),
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[file.file_id] = file
        return file

    def _media_content(self, kind: str, file: _File | None = None, user_id: int = 0) -> JSON:
        """Message fields for a minimal but valid attachment of ``kind``."""
        if kind in ("location", "venue", "contact", "poll", "dice"):
            return self._static_content(kind, user_id)
        file = file or self._new_file(kind)
        ref = file.ref()
        if kind == "photo":
            return {"photo": [{**ref, "width": 640, "height": 480}]}
        if kind == "sticker":
            return {
                "sticker": {
                    **ref, "type": "regular", "width": 512, "height": 512,
                    "is_animated": False, "is_video": False, "emoji": "👍",
                }
            }
        if kind == "voice":
            return {"voice": {**ref, "duration": 3, "mime_type": file.mime_type or "audio/ogg"}}
        if kind == "audio":
            return {"audio": {**ref, "duration": 42, "mime_type": file.mime_type or "audio/mpeg"}}
        if kind == "video":
            return {"video": {**ref, "width": 640, "height": 360, "duration": 5}}
        if kind == "video_note":
            return {"video_note": {**ref, "length": 240, "duration": 4}}
        animated = kind == "animation"
        document = {
            **ref,
            "file_name": file.file_name or ("animation.mp4" if animated else "file.pdf"),
            "mime_type": file.mime_type or ("video/mp4" if animated else "application/pdf"),
        }
        if animated:
            return {
                "animation": {**document, "width": 320, "height": 240, "duration": 2},
                "document": document,
            }
        return {"document": document}

    def _static_content(self, kind: str, user_id: int) -> JSON:
        if kind == "location":
            return {"location": dict(JENA)}
        if kind == "venue":
            venue = {"location": dict(JENA), "title": "Ernst-Abbe-Platz", "address": "07743 Jena"}
            return {"venue": venue, "location": dict(JENA)}
        if kind == "contact":
            return {
                "contact": {
                    "phone_number": "+493641000000", "first_name": f"User{user_id}",
                    "user_id": user_id,
                }
            }
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 4}}
        return {"poll": self._poll("Which tram goes to Lobeda?", ["Line 1", "Line 2"])}

    def _poll(self, question: str, options: list[str], **extra: Any) -> JSON:
        poll_id = str(5_000_000_000_000_000 + next(self._ids))
        return {
            "id": poll_id,
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": f"{poll_id}-{i}"}
                for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
            **extra,
        }

    # ------------------------------------------------------------------ helpers for sending

    def _target_chat(self, p: JSON, *, check_blocked: bool = True, key: str = "chat_id") -> JSON:
        raw = p.get(key)
        if raw is None or raw == "":
            raise bad_request(f"{key} is empty")
        if isinstance(raw, str) and _INT_RE.fullmatch(raw):
            raw = int(raw)
        if isinstance(raw, str):
            found = [c for c in self._chats.values() if f"@{c.get('username')}" == raw]
            if not found:
                raise bad_request("chat not found")
            raw = found[0]["id"]
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise bad_request("chat not found")
        if check_blocked and raw in self._blocked:
            raise ApiError(403, BLOCKED)
        chat = self._chats.get(raw)
        if chat is None:
            if raw > 0:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat

    def _format(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        caption: bool = False,
    ) -> tuple[str, list[JSON]]:
        """Text as the user sees it plus entities, validated like Telegram does."""
        what = "message caption" if caption else "message text"
        text = "" if text is None else str(text)
        if parse_mode in (None, ""):
            plain, found = text, list(entities or [])
            if not isinstance(found, list):
                raise bad_request("can't parse entities JSON object")
        elif str(parse_mode).lower() == "html":
            plain, found = parse_html(text)
        elif str(parse_mode).lower() in ("markdown", "markdownv2"):
            plain, found = text, []  # not simulated
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        plain, found = _strip_text(plain, found)
        if not plain and not caption:
            raise bad_request(f"{what} is empty")
        limit = CAPTION_LIMIT if caption else MESSAGE_LIMIT
        if utf16_len(plain) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return plain, found

    def _check_markup(self, markup: Any) -> JSON | None:
        """Validate reply_markup; returns it if it is an inline keyboard (kept in Message)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array '
                    "of Arrays"
                )
            for button in itertools.chain.from_iterable(rows):
                self._check_button(button)
            return markup
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            return None
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return None
        raise bad_request("can't find field \"inline_keyboard\"")

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        actions = [a for a in BUTTON_ACTIONS if a in button]
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        if len(actions) > 1:
            raise bad_request("can't parse inline keyboard button: only one action is allowed")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8")) if isinstance(data, str) else 0
            if not 1 <= size <= CALLBACK_DATA_LIMIT:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            if not re.match(r"(https?|tg)://[^\s]+$", url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_target(self, chat: JSON, p: JSON) -> JSON | None:
        params = p.get("reply_parameters")
        if params is None and p.get("reply_to_message_id") is not None:
            params = {
                "message_id": p["reply_to_message_id"],
                "allow_sending_without_reply": p.get("allow_sending_without_reply", False),
            }
        if not isinstance(params, dict) or params.get("message_id") is None:
            return None
        chat_id = params.get("chat_id", chat["id"])
        target = self._messages.get((chat_id, params["message_id"]))
        if target is None:
            if params.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return self._strip_reply(target)

    def _bot_message(self, chat: JSON, p: JSON, content: JSON) -> JSON:
        """Create, store and return a message the bot sends to ``chat``."""
        markup = self._check_markup(p.get("reply_markup"))
        reply = self._reply_target(chat, p)
        msg: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if p.get("message_thread_id") is not None and chat.get("is_forum"):
            msg["message_thread_id"] = p["message_thread_id"]
            msg["is_topic_message"] = True
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update(content)
        if markup is not None:
            msg["reply_markup"] = markup
        self._store(msg)
        return msg

    def _record(self, method: str, msg: JSON, p: JSON) -> JSON:
        record = copy.deepcopy(msg)
        record.update(
            method=method,
            chat_id=msg["chat"]["id"],
            text=msg.get("text", msg.get("caption")),
            raw_text=p.get("text", p.get("caption")),
            reply_markup=copy.deepcopy(p.get("reply_markup", msg.get("reply_markup"))),
            parse_mode=p.get("parse_mode"),
            message_id=msg["message_id"],
        )
        location = msg.get("venue", {}).get("location") or msg.get("location")
        if location:
            record.update(latitude=location["latitude"], longitude=location["longitude"])
        if "venue" in msg:
            record.update(title=msg["venue"]["title"], address=msg["venue"]["address"])
        self._sent.append(record)
        return copy.deepcopy(msg)

    def _caption(self, p: JSON) -> JSON:
        if p.get("caption") in (None, ""):
            return {}
        caption, entities = self._format(
            p["caption"], p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        content: JSON = {"caption": caption} if caption else {}
        if entities:
            content["caption_entities"] = entities
        return content

    def _resolve_file(self, call: _Call, name: str, value: Any, kind: str) -> _File:
        """An uploaded part, attach://part, a URL or a known file_id → a file."""
        part = name
        if isinstance(value, str) and value.startswith("attach://"):
            part = value[len("attach://") :]
        if part in call.files:
            upload = call.files[part]
            return self._new_file(
                kind, upload.body, upload.filename or None, upload.content_type or None
            )
        if isinstance(value, str) and re.match(r"https?://", value):
            return self._new_file(kind, b"", value.rsplit("/", 1)[-1] or None)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if value in (None, ""):
            raise bad_request(f"there is no {name} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _coordinates(self, p: JSON) -> JSON:
        try:
            latitude, longitude = float(p["latitude"]), float(p["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude or longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude specified")
        return {"latitude": latitude, "longitude": longitude}

    # ------------------------------------------------------------------ bot info and setup

    def _api_getMe(self, call: _Call) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, call: _Call) -> bool:
        return True

    def _api_close(self, call: _Call) -> bool:
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _api_setMyCommands(self, call: _Call) -> bool:
        p = call.params
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            if not _BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(p.get("scope")), str(p.get("language_code") or ""))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_getMyCommands(self, call: _Call) -> list[JSON]:
        p = call.params
        return self.commands(str(p.get("language_code") or ""), p.get("scope"))

    def _api_deleteMyCommands(self, call: _Call) -> bool:
        p = call.params
        key = (self._scope_key(p.get("scope")), str(p.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    def _set_text(self, call: _Call, kind: str, limit: int) -> bool:
        value = str(call.params.get(kind) or "")
        if len(value) > limit:
            raise bad_request(f"{kind} is too long")
        self._texts[(kind, str(call.params.get("language_code") or ""))] = value
        return True

    def _get_text(self, call: _Call, kind: str) -> JSON:
        language = str(call.params.get("language_code") or "")
        value = self._texts.get((kind, language)) or self._texts.get((kind, ""), "")
        if kind == "name" and not value:
            value = self.first_name
        return {kind: value}

    def _api_setMyDescription(self, call: _Call) -> bool:
        return self._set_text(call, "description", 512)

    def _api_getMyDescription(self, call: _Call) -> JSON:
        return self._get_text(call, "description")

    def _api_setMyShortDescription(self, call: _Call) -> bool:
        return self._set_text(call, "short_description", 120)

    def _api_getMyShortDescription(self, call: _Call) -> JSON:
        return self._get_text(call, "short_description")

    def _api_setMyName(self, call: _Call) -> bool:
        return self._set_text(call, "name", 64)

    def _api_getMyName(self, call: _Call) -> JSON:
        return self._get_text(call, "name")

    def _api_setChatMenuButton(self, call: _Call) -> bool:
        p = call.params
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
            raise bad_request("can't parse menu button JSON object")
        chat_id = self._target_chat(p)["id"] if p.get("chat_id") is not None else None
        self._menu_buttons[chat_id] = button
        return True

    def _api_getChatMenuButton(self, call: _Call) -> JSON:
        chat_id = call.params.get("chat_id")
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        return button or {"type": "default"}

    # ------------------------------------------------------------------ sending

    def _api_sendMessage(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        text, entities = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"))
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(p.get("link_preview_options"), dict):
            content["link_preview_options"] = p["link_preview_options"]
        return self._record("sendMessage", self._bot_message(chat, p, content), p)

    def _api_sendLocation(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        location = self._coordinates(p)
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if p.get(key) is not None:
                location[key] = p[key]
        return self._record("sendLocation", self._bot_message(chat, p, {"location": location}), p)

    def _api_sendVenue(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        location = self._coordinates(p)
        for key in ("title", "address"):
            if not str(p.get(key) or "").strip():
                raise bad_request(f"{key} is empty")
        venue: JSON = {
            "location": location,
            "title": str(p["title"]),
            "address": str(p["address"]),
        }
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if p.get(key) is not None:
                venue[key] = p[key]
        content = {"venue": venue, "location": dict(location)}
        return self._record("sendVenue", self._bot_message(chat, p, content), p)

    def _api_sendContact(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        if not p.get("phone_number") or not p.get("first_name"):
            raise bad_request("phone number or first name is empty")
        contact = {"phone_number": p["phone_number"], "first_name": p["first_name"]}
        if p.get("last_name"):
            contact["last_name"] = p["last_name"]
        return self._record("sendContact", self._bot_message(chat, p, {"contact": contact}), p)

    def _api_sendDice(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        dice = {"emoji": p.get("emoji") or "🎲", "value": 3}
        return self._record("sendDice", self._bot_message(chat, p, {"dice": dice}), p)

    def _api_sendPoll(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        options = p.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 12:
            raise bad_request("poll must have at least 2 option")
        texts = [o.get("text", "") if isinstance(o, dict) else str(o) for o in options]
        if not str(p.get("question") or "").strip():
            raise bad_request("poll question must be non-empty")
        poll = self._poll(
            str(p["question"]),
            texts,
            is_anonymous=p.get("is_anonymous", True) is not False,
            type=p.get("type") or "regular",
            allows_multiple_answers=bool(p.get("allows_multiple_answers")),
        )
        return self._record("sendPoll", self._bot_message(chat, p, {"poll": poll}), p)

    def _send_file(self, call: _Call, kind: str) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        file = self._resolve_file(call, kind, p.get(kind), kind)
        content = {**self._media_content(kind, file), **self._caption(p)}
        method = "send" + "".join(w.capitalize() for w in kind.split("_"))
        return self._record(method, self._bot_message(chat, p, content), p)

    def _api_sendPhoto(self, call: _Call) -> JSON:
        return self._send_file(call, "photo")

    def _api_sendDocument(self, call: _Call) -> JSON:
        return self._send_file(call, "document")

    def _api_sendSticker(self, call: _Call) -> JSON:
        return self._send_file(call, "sticker")

    def _api_sendVoice(self, call: _Call) -> JSON:
        return self._send_file(call, "voice")

    def _api_sendAudio(self, call: _Call) -> JSON:
        return self._send_file(call, "audio")

    def _api_sendVideo(self, call: _Call) -> JSON:
        return self._send_file(call, "video")

    def _api_sendAnimation(self, call: _Call) -> JSON:
        return self._send_file(call, "animation")

    def _api_sendVideoNote(self, call: _Call) -> JSON:
        return self._send_file(call, "video_note")

    def _api_sendMediaGroup(self, call: _Call) -> list[JSON]:
        p = call.params
        chat = self._target_chat(p)
        media = p.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified; must be 2-10")
        group_id = str(13_000_000_000_000_000 + next(self._ids))
        prepared = []
        for item in media:  # validate everything before sending anything
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request("can't parse InputMedia JSON object")
            file = self._resolve_file(call, "media", item.get("media"), kind)
            content = {**self._media_content(kind, file), **self._caption(item)}
            prepared.append((item, {**content, "media_group_id": group_id}))
        return [
            self._record("sendMediaGroup", self._bot_message(chat, p, content), item)
            for item, content in prepared
        ]

    def _api_sendChatAction(self, call: _Call) -> bool:
        p = call.params
        self._target_chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _source_message(self, p: JSON) -> JSON:
        source_chat = self._target_chat(p, check_blocked=False, key="from_chat_id")
        msg = self._messages.get((source_chat["id"], p.get("message_id")))
        if msg is None:
            raise bad_request("message to copy not found")
        return msg

    def _api_copyMessage(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        source = self._source_message(p)
        content = {
            k: copy.deepcopy(v)
            for k, v in source.items()
            if k not in ("message_id", "from", "chat", "date", "reply_to_message", "edit_date")
        }
        msg = self._record("copyMessage", self._bot_message(chat, p, content), p)
        return {"message_id": msg["message_id"]}

    def _api_forwardMessage(self, call: _Call) -> JSON:
        p = call.params
        chat = self._target_chat(p)
        source = self._source_message(p)
        content = {
            k: copy.deepcopy(v)
            for k, v in source.items()
            if k not in ("message_id", "from", "chat", "date", "reply_to_message", "edit_date")
        }
        content["forward_origin"] = {
            "type": "user",
            "sender_user": copy.deepcopy(source.get("from", self._bot_user())),
            "date": source["date"],
        }
        return self._record("forwardMessage", self._bot_message(chat, p, content), p)

    # ------------------------------------------------------------------ editing, deleting

    def _editable(self, p: JSON) -> JSON:
        if p.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(p)
        if p.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        msg = self._messages.get((chat["id"], p["message_id"]))
        if msg is None:
            raise bad_request("message to edit not found")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return msg

    def _apply_edit(self, method: str, msg: JSON, p: JSON, changes: JSON) -> JSON:
        markup = self._check_markup(p.get("reply_markup"))
        before = {k: msg.get(k) for k in (*changes, "reply_markup")}
        after = {**changes, "reply_markup": markup}
        if before == after:
            raise bad_request(NOT_MODIFIED[len("Bad Request: ") :])
        for key, value in after.items():
            if value in (None, []):
                msg.pop(key, None)
            else:
                msg[key] = value
        msg["edit_date"] = int(time.time())
        return self._record(method, msg, p)

    def _api_editMessageText(self, call: _Call) -> JSON:
        p = call.params
        msg = self._editable(p)
        if "text" not in msg:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"))
        changes = {"text": text, "entities": entities or None}
        return self._apply_edit("editMessageText", msg, p, changes)

    def _api_editMessageCaption(self, call: _Call) -> JSON:
        p = call.params
        msg = self._editable(p)
        if "text" in msg:
            raise bad_request("there is no caption in the message to edit")
        content = self._caption(p)
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit("editMessageCaption", msg, p, changes)

    def _api_editMessageReplyMarkup(self, call: _Call) -> JSON:
        msg = self._editable(call.params)
        return self._apply_edit("editMessageReplyMarkup", msg, call.params, {})

    def _api_deleteMessage(self, call: _Call) -> bool:
        p = call.params
        chat = self._target_chat(p, check_blocked=False)
        if self._messages.pop((chat["id"], p.get("message_id")), None) is None:
            raise bad_request("message to delete not found")
        return True

    def _api_deleteMessages(self, call: _Call) -> bool:
        p = call.params
        chat = self._target_chat(p, check_blocked=False)
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty list")
        for mid in ids:
            self._messages.pop((chat["id"], mid), None)
        return True

    # ------------------------------------------------------------------ misc

    def _api_answerCallbackQuery(self, call: _Call) -> bool:
        p = call.params
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(p.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        return True

    def _api_getFile(self, call: _Call) -> JSON:
        file = self._files.get(str(call.params.get("file_id") or ""))
        if file is None:
            raise bad_request("invalid file_id")
        return {**file.ref(), "file_path": file.file_path}

    def _api_getChat(self, call: _Call) -> JSON:
        chat = self._target_chat(call.params, check_blocked=False)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }

    def _api_getChatMember(self, call: _Call) -> JSON:
        self._target_chat(call.params, check_blocked=False)
        user_id = call.params.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        user = self._bot_user() if user_id == self.bot_id else self._user(user_id, None)
        return {"status": "member", "user": user}

    def _api_setMessageReaction(self, call: _Call) -> bool:
        p = call.params
        chat = self._target_chat(p)
        if (chat["id"], p.get("message_id")) not in self._messages:
            raise bad_request("message to react not found")
        return True

    def _api_pinChatMessage(self, call: _Call) -> bool:
        p = call.params
        chat = self._target_chat(p)
        if (chat["id"], p.get("message_id")) not in self._messages:
            raise bad_request("message to pin not found")
        return True

    def _api_unpinChatMessage(self, call: _Call) -> bool:
        self._target_chat(call.params)
        return True

    def _api_leaveChat(self, call: _Call) -> bool:
        self._target_chat(call.params, check_blocked=False)
        return True

    def _api_answerInlineQuery(self, call: _Call) -> bool:
        return True


def _update_type(update: JSON) -> str:
    return next((k for k in update if k != "update_id"), "")


# --------------------------------------------------------------------------- tornado handlers


class _ApiHandler(tornado.web.RequestHandler):
    fake: FakeBotAPI

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

    def _params(self) -> tuple[JSON, dict[str, Any]]:
        request = self.request
        params: JSON = {
            k: FakeBotAPI.coerce(k, v[-1].decode("utf-8"))
            for k, v in request.query_arguments.items()
        }
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            for key, value in body.items():
                if key in JSON_PARAMS and isinstance(value, str):
                    value = FakeBotAPI.coerce(key, value)
                params[key] = value
        else:
            for key, values in request.body_arguments.items():
                params[key] = FakeBotAPI.coerce(key, values[-1].decode("utf-8"))
        files = {name: parts[0] for name, parts in request.files.items() if parts}
        for name, upload in files.items():
            params[name] = {
                "filename": upload.filename,
                "content_type": upload.content_type,
                "size": len(upload.body),
            }
        return params, files

    async def _answer(self, token: str, method: str) -> None:
        try:
            params, files = self._params()
        except ApiError as exc:
            status, body = exc.status, exc.payload()
        else:
            call = _Call(method, params, files, lambda: self.gone)
            status, body = await self.fake._serve(token, method, call)
        if body is None:  # simulate a network drop
            self.detach().close()
            return
        if self.gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class _FileHandler(tornado.web.RequestHandler):
    fake: FakeBotAPI

    def initialize(self, fake: FakeBotAPI) -> None:
        self.fake = fake

    def get(self, token: str, path: str) -> None:
        if token != self.fake.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        for file in self.fake._files.values():
            if file.file_path == path:
                self.set_header("Content-Type", file.mime_type or "application/octet-stream")
                self.finish(file.content)
                return
        self.set_status(404)
        self.finish({"ok": False, "error_code": 404, "description": "Not Found: file not found"})


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.finish({"ok": False, "error_code": 404, "description": "Not Found"})
