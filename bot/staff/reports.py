"""Staff tools, channel-neutral: reload, unanswered questions, statistics, gaps, audit.

Staff are identified by the adapter (Telegram user ids in WELCOME_BOT_ADMINS); this
module never decides who is staff and never sends anything itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.errors import KnowledgeError
from bot.knowledge import rules
from bot.knowledge.fields import overdue
from bot.knowledge.loader import load
from bot.knowledge.model import Entry, KnowledgeBase
from bot.storage.privacy import scrub
from bot.storage.sqlite import SQLiteStorage
from bot.understanding.language import SUPPORTED
from bot.understanding.text import normalize

SMALL = 5  # counts below this are shown as "< 5" so that no single person shows up
SIMILAR = 72  # token-set similarity (0..100) that puts two declined questions in one group


@dataclass(frozen=True)
class Diff:
    """What a reload changed, by entry id (contacts, events, not-covered kinds counted)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    other: int = 0

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.other)

    def describe(self) -> str:
        parts = []
        for label, ids in (("added", self.added), ("changed", self.changed),
                           ("removed", self.removed)):
            if ids:
                parts.append(f"{label}: {', '.join(ids)}")
        if self.other:
            parts.append(f"contacts/events/not-covered/small talk changed: {self.other}")
        return "; ".join(parts) or "no changes"


def diff(old: KnowledgeBase, new: KnowledgeBase) -> Diff:
    """Entries added, changed and removed between two snapshots."""
    added = tuple(i for i in new.entries if i not in old.entries)
    removed = tuple(i for i in old.entries if i not in new.entries)
    changed = tuple(i for i in new.entries
                    if i in old.entries and new.entries[i] != old.entries[i])
    other = sum(old.contacts.get(c) != v for c, v in new.contacts.items())
    other += sum(c not in new.contacts for c in old.contacts)
    other += sum(old.events.get(e) != v for e, v in new.events.items())
    other += sum(e not in new.events for e in old.events)
    other += sum(old.not_covered.get(k) != v for k, v in new.not_covered.items())
    other += sum(k not in new.not_covered for k in old.not_covered)
    other += sum(old.smalltalk.get(k) != v for k, v in new.smalltalk.items())
    other += sum(k not in new.smalltalk for k in old.smalltalk)
    return Diff(added, changed, removed, other)


def try_load(directory: str | Path) -> tuple[KnowledgeBase | None, list[str]]:
    """Load a knowledge folder; on failure, the validator's messages instead."""
    try:
        return load(directory), []
    except KnowledgeError as exc:
        return None, [str(p) for p in exc.problems]


@dataclass
class Group:
    """Declined questions that say the same thing."""

    ids: list[int]
    texts: list[str]
    langs: Counter = field(default_factory=Counter)
    closest: Counter = field(default_factory=Counter)

    @property
    def key(self) -> int:
        return min(self.ids)


def group_declined(rows: list[tuple[int, str, str, str, str | None]]) -> list[Group]:
    """Group similar declined questions (rapidfuzz over all pairs at once), biggest first.

    The texts are scrubbed again as they are shown: rows stored by an older version, before
    names and street addresses were removed, never reach staff with them."""
    if not rows:
        return []
    rows = [(qid, day, lang, scrub(text), closest) for qid, day, lang, text, closest in rows]
    texts = [normalize(r[3]) for r in rows]
    scores = process.cdist(texts, texts, scorer=fuzz.token_set_ratio, dtype=np.uint8)
    groups: list[Group] = []
    owner = [-1] * len(rows)
    for i, row in enumerate(rows):
        if owner[i] >= 0:
            continue
        owner[i] = len(groups)
        group = Group([row[0]], [row[3]], Counter([row[2]]), Counter([row[4] or "–"]))
        for j in range(i + 1, len(rows)):
            if owner[j] < 0 and scores[i, j] >= SIMILAR and texts[i] and texts[j]:
                owner[j] = owner[i]
                group.ids.append(rows[j][0])
                group.texts.append(rows[j][3])
                group.langs[rows[j][2]] += 1
                group.closest[rows[j][4] or "–"] += 1
        groups.append(group)
    groups.sort(key=lambda g: (-len(g.ids), -max(g.ids)))
    return groups


def count(n: int) -> str:
    """A figure as staff may see it: small counts are hidden."""
    return "< 5" if 0 < n < SMALL else str(n)


def stats(storage: SQLiteStorage, days: int, today: date | None = None) -> str:
    """Usage over the last ``days`` days: counts only, small figures hidden."""
    since = ((today or date.today()) - timedelta(days=days - 1)).isoformat()
    rows = storage.question_counts(since)
    by_lang: Counter = Counter()
    by_group: Counter = Counter()
    by_decision: Counter = Counter()
    by_entry: Counter = Counter()
    chat: Counter = Counter()  # small talk and requests for a person, counted apart
    for lang, grp, decision, entry, n in rows:
        if decision in ("smalltalk", "handoff"):
            chat[decision] += n
            continue
        by_lang[lang] += n
        by_group[grp or "–"] += n
        by_decision[decision] += n
        if entry:
            by_entry[entry] += n
    total = sum(by_decision.values())
    lines = [f"Questions in the last {days} days: {count(total)}"]
    if total >= SMALL:
        lines.append("Decisions: " + ", ".join(
            f"{d} {100 * by_decision[d] / total:.0f}%" for d in ("answer", "suggest", "decline")))
    if chat:
        lines.append(f"Small talk: {count(chat['smalltalk'])}, asked for a person: "
                     f"{count(chat['handoff'])}")
    lines.append("By language: " + ", ".join(f"{k} {count(v)}" for k, v in by_lang.most_common()))
    lines.append("By group: " + ", ".join(f"{k} {count(v)}" for k, v in by_group.most_common()))
    lines.append("Most asked: " + ", ".join(
        f"{k} {count(v)}" for k, v in by_entry.most_common(10)))
    feedback = storage.feedback_counts(since)
    if feedback:
        lines.append("Feedback (helpful / not helpful): " + ", ".join(
            f"{e} {count(h)}/{count(n)}" for e, h, n in sorted(feedback, key=lambda r: -r[1])))
        worst = sorted((r for r in feedback if r[2] >= SMALL), key=lambda r: -r[2])[:5]
        if worst:
            lines.append("Most often not helpful: " + ", ".join(f"{e} {n}" for e, _h, n in worst))
    failures = getattr(storage, "failures", None)
    if failures:
        lines.append("Writes that failed since the bot started (the answers still went out; "
                     "check the data folder's disk space and permissions): " + ", ".join(
                         f"{kind} {n}" for kind, n in failures.most_common()))
    return "\n".join(lines)


MISSING, OLDER, CURRENT, STALE = "missing", "older", "current", "stale"


def translation(entry: Entry, lang: str) -> str:
    """MISSING (no block in ``lang``), OLDER (its ``updated`` date is before the German
    block's, or it has none while German has one) or CURRENT."""
    german = entry.texts.get("de")
    text = entry.texts.get(lang)
    if text is None:
        return MISSING
    if lang != "de" and german and german.updated and (text.updated is None
                                                       or text.updated < german.updated):
        return OLDER
    return CURRENT


def status(entry: Entry, lang: str, today: date) -> str:
    """One cell of the translation matrix: the translation's state, else STALE when the
    entry was last reviewed more than a year ago (the rule of ``check``), else CURRENT."""
    state = translation(entry, lang)
    if state == CURRENT and overdue(entry.reviewed, today):
        return STALE
    return state


def gaps(kb: KnowledgeBase, asked: dict[str, Counter] | None = None,
         today: date | None = None) -> str:
    """Per language: missing or outdated translations, most asked first; stale reviews."""
    asked = asked or {}
    today = today or date.today()
    lines = []
    for lang in SUPPORTED:
        if lang == "de":
            continue
        missing, outdated = [], []
        for entry in kb.entries.values():
            state = translation(entry, lang)
            if state == MISSING:
                missing.append(entry.id)
            elif state == OLDER:
                outdated.append(entry.id)
        demand = asked.get(lang, Counter())
        missing.sort(key=lambda i: -demand[i])
        outdated.sort(key=lambda i: -demand[i])
        if missing or outdated:
            lines.append(f"{lang}: missing {', '.join(missing) or '–'}; older than German "
                         f"{', '.join(outdated) or '–'}")
    stale = [e.id for e in kb.entries.values() if overdue(e.reviewed, today)]
    stale += [f"contact {c.id}" for c in kb.contacts.values() if overdue(c.reviewed, today)]
    if stale:
        lines.append("reviewed more than a year ago: " + ", ".join(stale))
    checks = rules.open_checks(kb.entries, kb.contacts, today)
    if checks:
        lines.append("still to check against the official page:\n"
                     + "\n".join(f"• {line}" for line in checks))
    return "\n".join(lines) or "No gaps: every entry is translated and reviewed this year."


def demand_by_language(storage: SQLiteStorage, days: int = 90) -> dict[str, Counter]:
    """How often each entry was asked for, per language, recently."""
    since = (date.today() - timedelta(days=days)).isoformat()
    out: dict[str, Counter] = defaultdict(Counter)
    for lang, _grp, _decision, entry, n in storage.question_counts(since):
        if entry:
            out[lang][entry] += n
    return out


def recently_announced(storage: SQLiteStorage, event: str, now: datetime | None = None) -> bool:
    """True when the event was announced less than an hour ago."""
    last = storage.last_announcement(event)
    return last is not None and (now or datetime.now()) - last < timedelta(hours=1)
