"""Publishing rules: allow-listed sources, a reachable person per group, law reviewed in time."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.errors import KnowledgeError
from bot.knowledge.loader import load
from bot.knowledge.model import Contact
from bot.knowledge.rules import LEGAL_REVIEW_DAYS, allowed, open_checks, unreachable
from tests.conftest import TODAY


def errors_of(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as caught:
        load(directory, today=TODAY)
    return "\n".join(str(p) for p in caught.value.problems)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_small_kb_has_its_fallback_and_allow_list(small_kb) -> None:
    assert dict(small_kb.fallback) == {"all": "buergerservice"}
    assert small_kb.fallback_contact("refugee").id == "buergerservice"  # general one
    assert small_kb.fallback_contact(None).id == "buergerservice"
    assert "jena.de" in small_kb.domains


@pytest.mark.parametrize(("url", "reason"), [
    ("https://service.jena.de/en/registration-apartment", ""),
    ("https://jena.de/", ""),
    ("https://www.uni-jena.de/start", ""),
    ("https://rathaus.jena.de./node/1", ""),  # a trailing dot is the same host
    ("https://www.otz.de/regionen/jena/x.html", "not in sources.yaml"),
    ("https://notjena.de/x", "not in sources.yaml"),  # a suffix is not a subdomain
    ("https://suche-jena.jena.de/cache/?docId=4f20&hq=termin", "cached copy"),
    ("https://example.org/page/amp", "not in sources.yaml"),
    ("https://de.paperblog.com/planetarium-jena/amp", "not in sources.yaml"),
])
def test_allowed(url: str, reason: str) -> None:
    found = allowed(url, {"jena.de": "Stadt Jena", "uni-jena.de": "FSU"})
    assert (reason in found) if reason else found == ""


def test_a_link_outside_the_allow_list_is_refused(kb_copy: Path) -> None:
    edit(kb_copy / "entries" / "registration.yaml",
         "source: https://service.jena.de/en/registration-apartment",
         "source: https://www.otz.de/regionen/jena/anmeldung.html\n"
         "links: [\"https://fess.jena.de/cache/?docId=1\"]")
    message = errors_of(kb_copy)
    assert ("entries/registration.yaml [registration]: 'source' "
            "https://www.otz.de/regionen/jena/anmeldung.html is on www.otz.de") in message
    assert "'links' https://fess.jena.de/cache/?docId=1 is a cached copy" in message


def test_contact_and_event_urls_are_checked_too(kb_copy: Path) -> None:
    edit(kb_copy / "contacts.yaml", "url: https://www.work-in-jena.de/ein-ort-des-willkommens/",
         "url: https://www.facebook.com/welcomecenterjena")
    assert "contacts.yaml [welcome-center]: 'url' https://www.facebook.com" in errors_of(kb_copy)


@pytest.mark.parametrize(("content", "message"), [
    ("https://jena.de: Stadt Jena\n", "is not a bare domain"),
    ("www.jena.de: Stadt Jena\n", "is not a bare domain"),
    ("jena.de:\n", "needs its owner"),
    ("- jena.de\n", "must map each domain to its owner"),
])
def test_a_broken_allow_list_is_explained(kb_copy: Path, content: str, message: str) -> None:
    (kb_copy / "sources.yaml").write_text(content, encoding="utf-8")
    assert message in errors_of(kb_copy)


def test_without_an_allow_list_links_are_not_checked_but_staff_are_warned(
        kb_copy: Path) -> None:
    (kb_copy / "sources.yaml").unlink()
    kb = load(kb_copy, today=TODAY)
    assert any("sources.yaml: is missing" in str(w) for w in kb.warnings)


def test_fallback_must_be_reachable(kb_copy: Path) -> None:
    (kb_copy / "fallback.yaml").write_text("all: buergerservice\nstudent: welcome-center\n",
                                           encoding="utf-8")
    message = errors_of(kb_copy)
    assert ("fallback.yaml [student]: 'student' names 'welcome-center', which people cannot "
            "reach: it lacks a phone number or an e-mail and an address or opening hours"
            ) in message


def test_an_unverified_phone_does_not_count(kb_copy: Path) -> None:
    edit(kb_copy / "contacts.yaml", "  languages: [de, en]\n",
         "  languages: [de, en]\n  unverified: [phone, email]\n")
    message = errors_of(kb_copy)
    assert "'all' names 'buergerservice', which people cannot reach" in message
    assert "a phone number or an e-mail" in message


@pytest.mark.parametrize(("content", "message"), [
    ("refugee: buergerservice\n", "has no 'all:' contact"),
    ("all: buergerservice\nfamily: buergerservice\n", "unknown group 'family'"),
    ("all: nobody\n", "'all' names 'nobody', which contacts.yaml does not define"),
    ("- buergerservice\n", "must map groups to contact ids"),
])
def test_broken_fallback_files(kb_copy: Path, content: str, message: str) -> None:
    (kb_copy / "fallback.yaml").write_text(content, encoding="utf-8")
    assert message in errors_of(kb_copy)


def test_unverified_names_fields(kb_copy: Path) -> None:
    edit(kb_copy / "contacts.yaml", "  languages: [de, en]\n",
         "  languages: [de, en]\n  unverified: [fax]\n")
    assert "'unverified' item 'fax' is not a field" in errors_of(kb_copy)


def test_reachable_ignores_unverified_fields() -> None:
    contact = Contact("x", {"de": "X"}, phone="+49 3641 1", unverified=("phone",))
    assert not contact.reachable
    assert Contact("y", {"de": "Y"}, address="Markt 16, Jena").reachable
    assert not Contact("z", {"de": "Z"}, url="https://jena.de").reachable
    assert unreachable(Contact("w", {"de": "W"}, email="a@jena.de", hours={"mon": "08:00-12:00"},
                               source=("https://jena.de",))) == []


def legal_entry(kb_copy: Path, reviewed: date, note: str = "") -> None:
    extra = f"\nreview_note: {note}" if note else ""
    edit(kb_copy / "entries" / "registration.yaml", "reviewed: 2026-11-01",
         f"reviewed: {reviewed.isoformat()}\nlegal: true{extra}")


def run_check(directory: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["check", str(directory)], out=out)
    return code, out.getvalue()


def test_an_overdue_legal_entry_fails_check_but_still_loads(kb_copy: Path) -> None:
    legal_entry(kb_copy, date.today() - timedelta(days=LEGAL_REVIEW_DAYS + 10))
    code, output = run_check(kb_copy)
    assert code == 1
    assert "overdue: entries/registration.yaml [registration]: states law" in output
    assert "FAILED: 1 legal entry overdue for review" in output
    assert "registration" in load(kb_copy).entries  # the bot keeps serving it


def test_an_overdue_legal_entry_with_a_note_is_a_warning(kb_copy: Path) -> None:
    legal_entry(kb_copy, date.today() - timedelta(days=LEGAL_REVIEW_DAYS + 10),
                "new fee rules announced for 2027, not yet in force")
    code, output = run_check(kb_copy)
    assert code == 0
    assert "warning: entries/registration.yaml [registration]: states law" in output
    assert "pending: new fee rules announced for 2027" in output


def test_a_recent_legal_entry_passes(kb_copy: Path) -> None:
    legal_entry(kb_copy, date.today() - timedelta(days=30))
    assert run_check(kb_copy)[0] == 0


def test_legal_must_be_yes_or_no(kb_copy: Path) -> None:
    edit(kb_copy / "entries" / "registration.yaml", "reviewed: 2026-11-01",
         "reviewed: 2026-11-01\nlegal: sometimes")
    assert "'legal' must be true or false" in errors_of(kb_copy)


def test_open_checks_list_what_staff_still_have_to_check(kb_copy: Path) -> None:
    edit(kb_copy / "contacts.yaml", "  languages: [de, en]\n",
         "  languages: [de, en]\n  unverified: [hours]\n")
    edit(kb_copy / "entries" / "registration.yaml", "reviewed: 2026-11-01\n",
         "review_note: the online form is announced\n")
    kb = load(kb_copy, today=TODAY)
    lines = open_checks(kb.entries, kb.contacts, TODAY)
    assert "contact buergerservice: not verified: hours" in lines
    assert "entry registration: never checked against its official page" in lines


def test_gaps_lists_what_staff_still_have_to_check(kb_copy: Path) -> None:
    from bot.staff.reports import gaps

    edit(kb_copy / "contacts.yaml", "  languages: [de, en]\n",
         "  languages: [de, en]\n  unverified: [hours]\n")
    text = gaps(load(kb_copy, today=TODAY), today=TODAY)
    assert "still to check against the official page:" in text
    assert "• contact buergerservice: not verified: hours" in text
    assert "reviewed more than a year ago" not in text  # no date is not "a year ago"
