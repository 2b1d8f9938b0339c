"""The entry editor's pure parts: writing a draft into the YAML file, problems at fields,
the preview made by the bot's own renderer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.console import entries
from bot.conversation.answers import entry_answer
from bot.conversation.formatting import plan
from bot.i18n import default_translator
from bot.knowledge.loader import KnowledgeBase, load
from bot.knowledge.model import Problem
from tests.conftest import SMALL_KB

TODAY = date(2026, 12, 1)
FILE = SMALL_KB / "entries" / "registration.yaml"
COMMENTED = """\
# Registration: checked against the city's page.
id: registration
groups: [all]
contacts: [buergerservice]  # the only office for this
keywords:
  - Anmeldung
  - anmelden
de:
  title: Wohnsitz anmelden
  answer: |
    Melden Sie sich an.
    Zweite Zeile.
  updated: 2026-01-01
  questions:
    - wo melde ich mich an
    - "anmeldung: termin"

en:
  title: Registering
  answer: Register within two weeks.
  questions: [where do i register, registration appointment]
"""


def draft_for(text: str, lang: str, **change: object) -> entries.Draft:
    kb_entry = load_text(text)
    base = entries.from_entry(kb_entry, lang)
    return entries.Draft(**{**base.__dict__, **change})


def load_text(text: str) -> object:
    from bot.knowledge.fields import parse_yaml
    from bot.knowledge.loader import _entry

    problems: list[Problem] = []
    entry = _entry(parse_yaml(text), "entries/registration.yaml", problems, TODAY)
    assert entry is not None, problems
    return entry


def test_unchanged_draft_gives_the_same_text() -> None:
    assert entries.apply(COMMENTED, "de", draft_for(COMMENTED, "de"), TODAY) == COMMENTED


def test_a_changed_answer_keeps_comments_order_and_sets_updated() -> None:
    out = entries.apply(COMMENTED, "en", draft_for(COMMENTED, "en", answer="New text."), TODAY)
    assert out.startswith("# Registration: checked against the city's page.\n")
    assert "contacts: [buergerservice]  # the only office for this\n" in out
    assert '    - "anmeldung: termin"\n' in out  # quotes kept
    assert "  answer: New text.\n  updated: 2026-12-01\n  questions: [where do i register" in out
    assert out.index("de:") < out.index("en:")


def test_multi_line_answer_is_a_literal_block_and_updated_is_replaced() -> None:
    out = entries.apply(COMMENTED, "de",
                        draft_for(COMMENTED, "de", answer="Eins.\nZwei.\n\nDrei."), TODAY)
    assert "  answer: |\n    Eins.\n    Zwei.\n\n    Drei.\n  updated: 2026-12-01\n" in out
    assert out.count("updated:") == 1
    assert "\n\nen:\n" in out  # the blank line between the blocks stays
    one = entries.apply(COMMENTED, "de", draft_for(COMMENTED, "de", answer="Eins."), TODAY)
    assert "  answer: |\n    Eins.\n  updated:" in one  # the block style stays


def test_questions_and_shared_fields_keep_their_list_style() -> None:
    draft = draft_for(COMMENTED, "en", questions=("where do i register", "new one"),
                      keywords=("Anmeldung", "Meldebescheinigung"))
    out = entries.apply(COMMENTED, "en", draft, TODAY)
    assert "  questions: [where do i register, new one]\n" in out
    assert "keywords:\n  - Anmeldung\n  - Meldebescheinigung\n" in out


def test_only_shared_fields_changed_does_not_touch_updated() -> None:
    out = entries.apply(COMMENTED, "en", draft_for(COMMENTED, "en", keywords=("Anmeldung",)),
                        TODAY)
    assert "2026-12-01" not in out and "keywords:\n  - Anmeldung\nde:" in out


def test_a_new_language_block_goes_in_language_order() -> None:
    draft = draft_for(COMMENTED, "uk", title="Реєстрація", answer="Зареєструйтеся.",
                      questions=("де зареєструватися",))
    out = entries.apply(COMMENTED, "uk", draft, TODAY)
    assert out.index("en:") < out.index("uk:")
    assert "uk:\n  title: Реєстрація\n  answer: Зареєструйтеся.\n  updated: 2026-12-01\n" in out
    empty = draft_for(COMMENTED, "uk")
    assert entries.apply(COMMENTED, "uk", empty, TODAY) == COMMENTED


def test_form_lines_are_trimmed_and_crlf_becomes_lf() -> None:
    draft = entries.from_form({"title": " T ", "answer": "a\r\nb\r\n", "questions": "x\r\n\r\n y ",
                               "keywords": ""}, ["c1", "c1", "c2"])
    assert draft == entries.Draft("T", "a\nb", ("x", "y"), (), ("c1", "c2"))


def test_problems_are_placed_at_their_fields() -> None:
    entry = load(SMALL_KB, today=TODAY).entries["registration"]
    locate = entries.locator(entry, "uk")
    file = entry.file
    assert locate(Problem(file, "'title' is empty", "registration uk")) == "title"
    assert locate(Problem(file, "'questions' is empty", "registration uk")) == "questions"
    assert locate(Problem(file, "has only 2 question variants; add at least 5",
                          "registration uk")) == "questions"
    assert locate(Problem(file, "refers to contact 'x', which contacts.yaml does not define",
                          "registration")) == "contacts"
    assert locate(Problem(file, "'title' is empty", "registration de")) == ""
    assert locate(Problem("contacts.yaml", "'title' is empty", "registration uk")) == ""


def test_status_follows_the_gaps_rule() -> None:
    entry = load_text(COMMENTED)
    assert entries.status(entry, "en") == "older"  # German has a date, English none
    assert entries.status(entry, "de") == "current"
    assert entries.status(entry, "uk") == "missing"


def test_preview_is_the_bots_own_rendering(small_kb: KnowledgeBase) -> None:
    tr = default_translator()
    entry = small_kb.entries["registration"]
    same = entries.preview(small_kb, tr, entry, "uk", entries.from_entry(entry, "uk"))
    assert same == plan(entry_answer(small_kb, tr, entry, "uk"))
    changed = entries.preview(small_kb, tr, entry, "ar",
                              entries.Draft("عنوان", "اتصل بـ Bürgerservice <b>", ("س",),
                                            entry.keywords, entry.contacts))
    first = changed.messages[0]
    assert "\u2066Bürgerservice\u2069" in first and "&lt;\u2066b\u2069&gt;" in first


def test_telegram_html_keeps_only_telegram_tags() -> None:
    shown = entries.telegram_html("<b>Title</b>\na &lt;script&gt; &amp; b")
    assert str(shown) == "<b>Title</b>\na &lt;script&gt; &amp; b"
    assert "<script>" not in str(entries.telegram_html("<script>x</script>"))


def test_the_shipped_entry_files_round_trip(tmp_path: Path) -> None:
    text = FILE.read_text(encoding="utf-8")
    entry = load_text(text)
    assert entries.apply(text, "en", entries.from_entry(entry, "en"), TODAY) == text
