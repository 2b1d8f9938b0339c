"""The staff chat: one forum topic per handoff case, messages relayed both ways.

The staff chat (WELCOME_BOT_STAFF_CHAT) is a supergroup with topics in which the bot is an
administrator allowed to manage topics (so it receives every message there). A case opens
a topic named "#number · language · closest entry"; its first post shows the questions
that led here and what the bot answered or offered. The user's later messages appear in
the topic (media as a note such as "[photo]"); what staff write there goes to the user,
marked in the user's language as coming from the Welcome Center staff. In a topic:
/send ENTRY_ID, /teach ENTRY_ID (WELCOME_BOT_ADMINS only), /close. Everything else in the
staff chat is ignored (the admins' staff commands are handled before this, in staffcmd).
Staff see the questions and the language — never the user's name, username or id.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.conversation import handoff
from bot.conversation.case import EndByUser, Mirror, OpenCase, Question
from bot.conversation.messages import Reply, Text
from bot.conversation.record import Forgotten
from bot.staff import teach
from bot.storage.cases import Case, Cases
from bot.tg.render import render
from bot.tg.service import BotService, send_with_retry
from bot.tg.staffcmd import swap_in
from bot.understanding.language import endonym

log = logging.getLogger(__name__)

EXPIRE_SECONDS = 3600
TOPIC_NAME_LIMIT = 128
HELP = ("Write here to answer the user: your messages reach them marked as from the "
        "Welcome Center staff, in their chat with the bot. In this topic: /send ENTRY_ID "
        "sends an entry's answer in the user's language; /teach ENTRY_ID (admins) adds the "
        "user's question to that entry; /close ends the case.")


def topic_name(number: int, lang: str, closest: str | None) -> str:
    """"#12 · fa · registration": the case number, the language and the closest entry."""
    return " · ".join(p for p in (f"#{number}", lang, closest) if p)[:TOPIC_NAME_LIMIT]


def first_post(number: int, lang: str, questions: Sequence[Question]) -> str:
    """The questions that led here and what the bot did with each; no name, no id."""
    lines = [f"Case #{number} — language: {endonym(lang)} ({lang})"]
    if not questions:
        lines.append("The user asked for a person straight away; what they write next "
                     "follows here.")
    for i, q in enumerate(questions, 1):
        lines.append(f"{i}. «{q.text}» ({q.lang})\n   → {_verdict(q)}")
    return "\n".join(lines) + "\n\n" + HELP


def _verdict(q: Question) -> str:
    if q.decision == "answer" and q.entry:
        return f"the bot answered with {q.entry}"
    if q.decision == "suggest" and q.offered:
        return "the bot offered " + ", ".join(q.offered)
    return "the bot declined" + (f" (closest entry: {q.closest})" if q.closest else "")


class Relay:
    """Cases between users and the staff chat; ``clock`` can be replaced in tests."""

    def __init__(self, service: BotService, staff_chat: int,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.service = service
        self.chat = staff_chat
        self.clock = clock

    @property
    def cases(self) -> Cases:
        return self.service.storage.cases

    # ------------------------------------------------------------ the user's side

    async def perform(self, context: ContextTypes.DEFAULT_TYPE,
                      effects: Sequence[object]) -> list[Reply]:
        """Carry out a turn's handoff effects; returns replies for the user, if any."""
        replies: list[Reply] = []
        for effect in effects:
            match effect:
                case OpenCase():
                    replies += await self.open(context, effect)
                case Mirror():
                    replies += await self.mirror(context, effect)
                case EndByUser(user):
                    await self.end_for(context, user, "closed",
                                       "The user ended the conversation. The case is closed.")
                case Forgotten(user):
                    await self.end_for(context, user, "forgotten",
                                       "The user used /forget: the case is closed and the "
                                       "link to the user deleted. Messages here reach nobody.")
        return replies

    async def open(self, context: ContextTypes.DEFAULT_TYPE, case: OpenCase) -> list[Reply]:
        """Create the topic, post the questions, tell the user; or say staff are away."""
        tr, kb = self.service.conv.tr, self.service.conv.snapshot.kb
        policy = self.service.conv.policy
        last = case.questions[-1] if case.questions else None
        number = self.cases.reserve(str(self.chat), case.user, case.chat, case.lang,
                                    case.group, last.text if last else None,
                                    last.lang if last else None, self.clock())
        if number is None:
            existing = self.cases.for_user(case.user)
            return [handoff.already_open(tr, case.lang, existing.number if existing else 0)]
        closest = None
        if last is not None:
            closest = last.entry or (last.offered[0] if last.offered else None) or last.closest
        try:
            topic = await send_with_retry(partial(
                context.bot.create_forum_topic, self.chat,
                topic_name(number, case.lang, closest)))
            if topic is None:
                raise BadRequest("no topic")
            self.cases.activate(number, topic.message_thread_id)
            await self.post(context, topic.message_thread_id,
                            first_post(number, case.lang, case.questions))
        except TelegramError as exc:
            log.warning("could not open a case in the staff chat: %s", exc)
            self.cases.abandon(number)  # no topic: no case
            self.cases.end(number, "closed", self.clock())  # a topic but no first post
            return handoff.unavailable(kb, tr, case.lang, case.group)
        self.service.storage.audit("relay", "case-open", f"#{number} {case.lang}")
        return handoff.opened(tr, case.lang, number, policy)

    async def mirror(self, context: ContextTypes.DEFAULT_TYPE, mirror: Mirror) -> list[Reply]:
        """Show the user's message in their topic (media as a note)."""
        case = self.cases.for_user(mirror.user)
        if case is None or not case.open or case.thread is None:
            return []
        text = mirror.text if mirror.note else "👤 " + mirror.text
        try:
            await self.post(context, case.thread, text, mirror.lang)
        except TelegramError as exc:  # e.g. staff deleted the topic
            log.warning("could not mirror into case #%d: %s", case.number, exc)
            self.cases.end(case.number, "closed", self.clock())
            conv = self.service.conv
            return handoff.unavailable(conv.snapshot.kb, conv.tr, case.lang, case.group)
        self.cases.touch(case.number, self.clock())
        if not mirror.note and case.question is None:  # the case started without one
            self.cases.set_question(case.number, mirror.text[:teach.MAX_VARIANT], case.lang)
        return []

    async def end_for(self, context: ContextTypes.DEFAULT_TYPE, user: str, how: str,
                      note: str) -> None:
        """End the user's case and tell staff in its topic."""
        case = self.cases.for_user(user)
        if case is not None:
            await self._end(context, case, how, note)

    async def _end(self, context: ContextTypes.DEFAULT_TYPE, case: Case, how: str,
                   note: str) -> None:
        self.cases.end(case.number, how, self.clock())
        self.service.storage.audit("relay", f"case-{how}", f"#{case.number}")
        if case.thread is None:
            return
        try:
            await self.post(context, case.thread, note)
            await send_with_retry(partial(context.bot.close_forum_topic, self.chat,
                                          case.thread))
        except TelegramError as exc:
            log.warning("could not close the topic of case #%d: %s", case.number, exc)

    async def post(self, context: ContextTypes.DEFAULT_TYPE, thread: int, text: str,
                   lang: str = "en") -> None:
        """A message in a case's topic (escaped and split like every message)."""
        for out in render([Text(text, lang)]):
            await send_with_retry(partial(context.bot.send_message, self.chat, out.text,
                                          message_thread_id=thread))

    # ------------------------------------------------------------ the staff chat

    async def on_staff_update(self, update: Update,
                              context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in the staff chat: relay it, run a topic command, or ignore it."""
        message = update.effective_message
        author = update.effective_user
        if (message is None or author is None or author.is_bot
                or not message.is_topic_message or message.message_thread_id is None):
            return  # outside a topic: not ours (staff commands were handled before)
        case = self.cases.for_topic(str(self.chat), message.message_thread_id)
        if case is None:
            return  # a topic staff made themselves
        thread = message.message_thread_id
        if update.edited_message is not None:
            await self.post(context, thread, "Edits are not passed on; send a new message.")
            return
        text = message.text or ""
        if text.startswith("/"):
            await self.post(context, thread, await self.command(context, case, message,
                                                                author.id))
        elif not case.open:
            await self.post(context, thread, _ended(case))
        elif text.strip():
            await self.post(context, thread, await self.to_user(
                context, case, handoff.from_staff(self.service.conv.tr, case.lang, text)))
        elif message.effective_attachment is not None:
            await self.post(context, thread, "Only text is passed on; nothing was sent.")

    async def to_user(self, context: ContextTypes.DEFAULT_TYPE, case: Case,
                      replies: list[Reply], done: str = "") -> str:
        """Send to the case's user; what staff should know about it ("" when it went)."""
        try:
            await self.service.deliver(context, int(case.chat or 0), replies,
                                       raise_errors=True)
        except Forbidden:
            await self._end(context, case, "closed", "The user has blocked the bot; the case "
                                                     "is closed.")
            return "Not delivered: the user has blocked the bot."
        except TelegramError as exc:
            return f"Not delivered ({exc}); try again."
        self.cases.touch(case.number, self.clock())
        return done

    async def command(self, context: ContextTypes.DEFAULT_TYPE, case: Case,
                      message: Message, staff: int) -> str:
        """/send, /teach or /close inside a case topic; the answer for staff."""
        head, *args = (message.text or "").split()
        name = head[1:].partition("@")[0].lower()
        if name not in ("send", "teach", "close"):
            return "Unknown command here. " + HELP
        self.service.storage.audit(str(staff), name, f"#{case.number} " + " ".join(args))
        if not case.open:
            return _ended(case)
        if name == "close":
            return await self.close(context, case)
        if len(args) != 1:
            return f"Usage: /{name} ENTRY_ID"
        kb = self.service.conv.snapshot.kb
        if args[0] not in kb.entries:
            near = difflib.get_close_matches(args[0], list(kb.entries), n=3)
            return f"There is no entry '{args[0]}'." + (
                f" Did you mean: {', '.join(near)}?" if near else "")
        if name == "send":
            return await self.send_entry(context, case, args[0])
        if staff not in self.service.settings.admins:
            return "Only admins (WELCOME_BOT_ADMINS) may use /teach."
        return await self.teach(case, args[0], staff)

    async def send_entry(self, context: ContextTypes.DEFAULT_TYPE, case: Case,
                         entry_id: str) -> str:
        conv = self.service.conv
        entry = conv.snapshot.kb.entries[entry_id]
        used, text = entry.localized(case.lang)
        done = f"Sent “{text.title}” ({entry_id}) to the user in {endonym(used)}."
        if used != case.lang:
            done += f" It has no {endonym(case.lang)} translation yet."
        replies = handoff.staff_answer(conv.snapshot.kb, conv.tr, entry, case.lang, case.group)
        return await self.to_user(context, case, replies, done) or done

    async def teach(self, case: Case, entry_id: str, staff: int) -> str:
        """Add the case's question to ``entry_id``, validate, write, reload."""
        if not case.question:
            return "This case has no question to teach yet (the user has not written one)."
        lang = case.question_lang or case.lang
        service = self.service
        async with service.writing:  # one writer: /teach, the console
            try:
                variant, file = await asyncio.to_thread(
                    teach.add_variant, service.settings.knowledge_dir,
                    service.conv.snapshot.kb, entry_id, lang, case.question)
            except teach.TeachError as exc:
                return f"Not taught: {exc}"
            changes, problems = swap_in(service)
        service.storage.audit(str(staff), "teach", f"{entry_id} {lang}: {variant}"[:500])
        if changes is None:
            return (f"Added «{variant}» to {file}, but the reload failed:\n"
                    + "\n".join(problems[:10]))
        return f"Added «{variant}» to {entry_id} ({lang}) in {file}; the bot uses it now."

    async def close(self, context: ContextTypes.DEFAULT_TYPE, case: Case) -> str:
        conv = self.service.conv
        told = await self.to_user(context, case, handoff.closed(conv.tr, case.lang,
                                                                conv.policy))
        if told:  # blocked: already ended
            return told
        await self._end(context, case, "closed", "Case closed; the user was told.")
        return ""

    # ------------------------------------------------------------ silence

    async def expire(self, context: ContextTypes.DEFAULT_TYPE) -> int:
        """Close cases after the configured days of silence; returns how many."""
        conv = self.service.conv
        now = self.clock()
        silent = self.cases.silent_since(now - timedelta(days=conv.policy.idle_days))
        for case in silent:
            try:
                await self.service.deliver(context, int(case.chat or 0),
                                           handoff.closed(conv.tr, case.lang, conv.policy,
                                                          silent=True))
            except TelegramError:
                log.info("could not tell a user that their case closed")
            await self._end(context, case, "closed",
                            f"No messages for {conv.policy.idle_days} days: the case is "
                            "closed and the user was told.")
        self.cases.purge(now)
        return len(silent)


def _ended(case: Case) -> str:
    if case.status == "forgotten":
        return ("This case has ended: the user used /forget and the link to them is deleted. "
                "Your message reached nobody.")
    return "This case is closed; your message reached nobody."


async def expire_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hourly: close silent cases."""
    service: BotService = context.application.bot_data["service"]
    if service.relay is not None:
        await service.relay.expire(context)
