"""An entry's texts as the editor shows them, written back into its YAML file.

Pure functions, no web: what a form holds (``Draft``), the entry file with a draft
applied (ruamel.yaml round trip: comments, order and quoting of everything else are
kept; the language block's ``updated`` date is set when its texts change), which form
field a loader problem concerns, and the preview — the replies the bot builds for the
entry, planned by the same code the Telegram adapter sends them with.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from markupsafe import Markup, escape
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString

from bot.console.saving import dump, yaml_roundtrip
from bot.conversation.answers import entry_answer
from bot.conversation.formatting import Plan, plan
from bot.i18n import Translator
from bot.knowledge.model import Entry, EntryText, KnowledgeBase, Problem
from bot.understanding.language import SUPPORTED

BLOCK_FIELDS = ("title", "answer", "questions")
ENTRY_FIELDS = ("keywords", "contacts")


@dataclass(frozen=True)
class Draft:
    """What the editor's form holds for one entry in one language."""

    title: str = ""
    answer: str = ""
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.title or self.answer or self.questions)


def lines(text: str) -> tuple[str, ...]:
    """One item per non-empty line, trimmed."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def from_form(form: Mapping[str, str], contacts: list[str]) -> Draft:
    """A draft from the submitted form (browsers send CRLF line ends)."""
    answer = form.get("answer", "").replace("\r\n", "\n").replace("\r", "\n")
    return Draft(form.get("title", "").strip(), answer.strip(),
                 lines(form.get("questions", "")), lines(form.get("keywords", "")),
                 tuple(dict.fromkeys(contacts)))


def from_entry(entry: Entry, lang: str) -> Draft:
    text = entry.texts.get(lang)
    if text is None:
        return Draft(keywords=entry.keywords, contacts=entry.contacts)
    return Draft(text.title, text.answer, text.questions, entry.keywords, entry.contacts)


def status(entry: Entry, lang: str) -> str:
    """missing, older (than the German text, as /gaps decides) or current."""
    text, german = entry.texts.get(lang), entry.texts.get("de")
    if text is None:
        return "missing"
    if lang != "de" and german and german.updated and (text.updated is None
                                                       or text.updated < german.updated):
        return "older"
    return "current"


# ------------------------------------------------------------------ writing the file

def _scalar(old: Any, new: str) -> Any:
    """``new`` in the style of ``old``; a multi-line text as a literal block (``|``)."""
    if "\n" in new or isinstance(old, LiteralScalarString):
        return LiteralScalarString(new + "\n")
    if isinstance(old, ScalarString):
        return type(old)(new)
    return new


def _set_text(block: CommentedMap, key: str, new: str) -> bool:
    old = block.get(key)
    if isinstance(old, str) and old.strip() == new:
        return False
    if key in block:
        block[key] = _scalar(old, new)
    else:
        block.insert(len(block), key, _scalar(None, new))
    return True


def _set_list(data: CommentedMap, key: str, new: tuple[str, ...]) -> bool:
    """Replace the list's items in place (its flow or block style and comments stay)."""
    old = data.get(key)
    if isinstance(old, list) and tuple(str(x).strip() for x in old) == new:
        return False
    if old is None and not new:
        return False
    if isinstance(old, CommentedSeq):
        keep = {str(x).strip(): x for x in old}
        del old[:]
        old.extend(keep.get(item, item) for item in new)
    else:
        data[key] = CommentedSeq(new)
    return True


def _block(data: CommentedMap, lang: str) -> CommentedMap:
    """The language block, created after the blocks of the languages before it."""
    block = data.get(lang)
    if isinstance(block, CommentedMap):
        return block
    block = CommentedMap()
    keys = list(data)
    earlier = [i for i, k in enumerate(keys) if k in SUPPORTED
               and SUPPORTED.index(k) < SUPPORTED.index(lang)]
    later = [i for i, k in enumerate(keys) if k in SUPPORTED]
    position = earlier[-1] + 1 if earlier else (later[0] if later else len(keys))
    data.insert(position, lang, block)
    return block


def _stamp(block: CommentedMap, today: date) -> None:
    """``updated: today``, where the shipped files keep it: after the answer."""
    if "updated" in block:
        block["updated"] = today
        return
    keys = list(block)
    position = keys.index("answer") + 1 if "answer" in keys else len(keys)
    block.insert(position, "updated", today)


def apply(text: str, lang: str, draft: Draft, today: date) -> str:
    """The entry file ``text`` with ``draft`` written into it (unchanged text if nothing
    differs). The ``updated`` date of the block is set when its title, answer or
    questions change, so translations of a changed German text show as older."""
    yaml = yaml_roundtrip(text)
    data = yaml.load(text)
    if not isinstance(data, CommentedMap):
        raise ValueError("the entry file is not a block of fields")
    changed = _set_list(data, "keywords", draft.keywords)
    changed |= _set_list(data, "contacts", draft.contacts)
    block_changed = False
    if not (draft.empty and lang not in data):
        block = _block(data, lang)
        block_changed |= _set_text(block, "title", draft.title)
        block_changed |= _set_text(block, "answer", draft.answer)
        block_changed |= _set_list(block, "questions", draft.questions)
        if block_changed:
            _stamp(block, today)
    return dump(yaml, data) if changed or block_changed else text


# ------------------------------------------------------------------ problems at fields

def locator(entry: Entry, lang: str) -> Any:
    """A function placing a loader problem at the editor's field it concerns ("" = top)."""
    def locate(problem: Problem) -> str:
        if problem.file != entry.file:
            return ""
        if problem.where == f"{entry.id} {lang}":
            found = [k for k in BLOCK_FIELDS if f"'{k}'" in problem.message]
            return found[0] if found else ("questions" if "question" in problem.message
                                           else "")
        if problem.where == entry.id:
            if "'contacts'" in problem.message or "refers to contact" in problem.message:
                return "contacts"
            if "'keywords'" in problem.message:
                return "keywords"
        return ""
    return locate


# ------------------------------------------------------------------ preview

def draft_entry(entry: Entry, lang: str, draft: Draft) -> Entry:
    """The entry as it would be with the draft (incomplete fields shown as "…")."""
    texts = dict(entry.texts)
    if not draft.empty:
        old = entry.texts.get(lang)
        texts[lang] = EntryText(draft.title or "…", draft.answer or "…",
                                draft.questions or ("…",), old.updated if old else None)
    return dataclasses.replace(entry, texts=MappingProxyType(texts),
                               keywords=draft.keywords, contacts=draft.contacts)


def preview(kb: KnowledgeBase, tr: Translator, entry: Entry, lang: str, draft: Draft) -> Plan:
    """What the bot sends when this entry answers someone writing in ``lang``."""
    shown = draft_entry(entry, lang, draft)
    known = dataclasses.replace(shown, contacts=tuple(c for c in shown.contacts
                                                      if c in kb.contacts))
    return plan(entry_answer(kb, tr, known, lang))


_TAGS = {f"<{slash}{name}>": Markup(f"<{slash}{name}>")  # noqa: S704 - fixed strings
         for slash in ("", "/") for name in ("b", "i", "u", "s", "code", "pre")}
_TAG = re.compile("|".join(re.escape(tag) for tag in _TAGS))


def telegram_html(text: str) -> Markup:
    """A message of ``plan`` for the page: the renderer's escaped text is unescaped and
    escaped again (never trusted as HTML); only Telegram's few tags stay tags."""
    out, last = [], 0
    for found in _TAG.finditer(text):
        out.append(escape(html.unescape(text[last:found.start()])))
        out.append(_TAGS[found.group(0)])
        last = found.end()
    out.append(escape(html.unescape(text[last:])))
    return Markup("").join(out)
