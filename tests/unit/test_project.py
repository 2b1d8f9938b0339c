"""Project-wide guarantees: the shipped knowledge base, catalogs, lint and layering."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.understanding.language import SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
TOPICS = (
    "welcome-center registration citizens-office foreigners-office ukraine-protection "
    "refugee-counselling skilled-workers recognition jobs startup education-counselling "
    "german-courses student-housing housing utilities welcome-day international-office "
    "jenaer-salon international-club culture-events anti-discrimination migration-network "
    "public-transport tourist-info planetarium optical-museum lichtstadt eating-out "
    "health-insurance doctors emergency bank-account childcare-school business-visitors "
    "waste broadcast-fee volunteering"
).split()
PHONE = re.compile(r"(?<![\w.])(?:\+|0|116)[\d ()/-]{3,}\d(?![\w.])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)


def digits(text: str) -> str:
    value = re.sub(r"\D", "", text)
    return "0" + value[2:] if value.startswith("49") else value


def test_every_topic_has_an_entry_in_every_language(project_kb) -> None:
    assert set(TOPICS) <= set(project_kb.entries)
    for topic in TOPICS:
        entry = project_kb.entries[topic]
        for lang in SUPPORTED:
            assert lang in entry.texts, f"{topic} lacks {lang}"
            assert len(entry.texts[lang].questions) >= 5, f"{topic} {lang}: < 5 questions"


def test_shipped_knowledge_has_no_warnings(project_kb) -> None:
    assert [str(w) for w in project_kb.warnings] == []


def sourced_contacts(kb) -> tuple[set[str], set[str]]:
    """Phones and e-mails of contacts that cite a source and are not marked unverified."""
    phones, emails = set(), set()
    for contact in kb.contacts.values():
        if contact.phone or contact.email:
            assert contact.source, f"contact {contact.id} has a phone or e-mail but no source"
        if contact.phone and "phone" not in contact.unverified:
            phones.add(digits(contact.phone))
        if contact.email and "email" not in contact.unverified:
            emails.add(contact.email.lower())
        for note in contact.hours_note.values():
            for number in PHONE.findall(note):
                if len(digits(number)) >= 5:
                    assert contact.source, f"{contact.id}: number {number} unsourced"
                    phones.add(digits(number))
    return phones, emails


def test_every_phone_and_email_in_an_answer_has_a_confirmed_source(project_kb) -> None:
    phones, emails = sourced_contacts(project_kb)
    for entry in project_kb.entries.values():
        for lang, text in entry.texts.items():
            numbers = [n for n in PHONE.findall(text.answer)  # not years, §§ or prices
                       if len(digits(n)) >= 5 and not re.fullmatch(r"\d{4}", n.strip())]
            for number in numbers:
                assert digits(number) in phones, (
                    f"{entry.id} {lang}: phone {number} is in no sourced contact")
            for email in EMAIL.findall(text.answer):
                assert email.lower() in emails, (
                    f"{entry.id} {lang}: e-mail {email} is in no sourced contact")


def test_not_covered_hints_carry_no_contact_details(project_kb) -> None:
    for kind in project_kb.not_covered.values():
        for lang, hint in kind.hints.items():
            assert not EMAIL.search(hint) and not re.search(r"https?://", hint), kind.id
            numbers = [n for n in PHONE.findall(hint) if len(digits(n)) >= 5]
            assert not numbers, f"not-covered {kind.id} {lang}: hints carry no numbers"


def test_persian_and_ukrainian_use_their_own_letters(project_kb) -> None:
    for entry in project_kb.entries.values():
        fa = entry.texts["fa"]
        assert not re.search("[يك]", fa.answer + fa.title + " ".join(fa.questions)), entry.id
        uk = entry.texts["uk"]
        assert not re.search("[ыэъё]", uk.answer + uk.title + " ".join(uk.questions)), entry.id
    for kind in project_kb.not_covered.values():
        fa = kind.hints["fa"] + " ".join(kind.questions["fa"])
        assert not re.search("[يك]", fa), kind.id
        uk = kind.hints["uk"] + " ".join(kind.questions["uk"])
        assert not re.search("[ыэъё]", uk), kind.id


@pytest.mark.parametrize("lang", SUPPORTED)
def test_interface_catalog_is_complete(lang: str) -> None:
    path = ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    names = re.compile(r"\{(\w+)\}")
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{lang}: fuzzy {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        wanted = set(names.findall(ids[0]))
        for text in strings:
            assert set(names.findall(text)) == wanted, f"{lang}: placeholders in {ids[0]!r}"
            assert "<" not in text and "&" not in text, f"{lang}: HTML in {ids[0]!r}"
        if isinstance(message.string, tuple):
            assert len(strings) == catalog.num_plurals, f"{lang}: plural forms of {ids[0]!r}"


def test_template_is_current() -> None:
    keywords = {"_": None, "plural": (2, 3)}
    found = {m[2] if isinstance(m[2], str) else m[2][0]
             for m in extract_from_dir(str(ROOT / "bot"), keywords=keywords,
                                       method_map=[("**.py", "python")])}
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert found == template, "run the pybabel extract/update commands in the README"


def test_core_never_imports_telegram() -> None:
    for path in (ROOT / "bot").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) telegram\b", text, re.M), path.name


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent
                                                          / "ruff").exists(),
                    reason="ruff is installed with the test extras")
def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_is_clean() -> None:
    """Types are checked like lint (pyproject: disallow_untyped_defs); cached after a first run."""
    mypy = shutil.which("mypy") or str(Path(sys.executable).parent / "mypy")
    result = subprocess.run([mypy], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
