"""The contacts editor's YAML edit: a changed fact needs an allowed source page, which is
recorded with the review date; comments and order stay."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.console import contacts
from bot.console.contacts import RefusedError
from bot.knowledge.model import Problem

TODAY = date(2026, 12, 1)
DOMAINS = {"jena.de": "Stadt Jena"}
TEXT = """\
# Contacts (comment kept)
office:
  name:
    de: "Amt"
  address: "Am Anger 15, Jena"
  url: "https://office.jena.de"
  hours:
    mon: "08:00-12:00"
  source:
    - "https://office.jena.de/kontakt"
  unverified: [phone, email]  # not on an official page yet
  reviewed: 2025-01-01

other:
  name: {de: "Andere"}
"""


def form(**change: str) -> dict[str, str]:
    base = {"address": "Am Anger 15, Jena", "phone": "", "email": "",
            "url": "https://office.jena.de", "hours-mon": "08:00-12:00", "source": ""}
    return {**base, **change}


def test_unchanged_form_keeps_the_text() -> None:
    assert contacts.apply(TEXT, "office", form(), DOMAINS, TODAY) == TEXT


def test_a_new_phone_needs_a_source() -> None:
    with pytest.raises(RefusedError) as refused:
        contacts.apply(TEXT, "office", form(phone="+49 3641 49-0"), DOMAINS, TODAY)
    assert "source" in refused.value.problems


def test_a_source_off_the_allow_list_is_refused() -> None:
    with pytest.raises(RefusedError) as refused:
        contacts.apply(TEXT, "office", form(phone="+49 3641 49-0",
                                            source="https://example.com/x"), DOMAINS, TODAY)
    assert "sources.yaml" in refused.value.problems["source"][0]
    with pytest.raises(RefusedError):
        contacts.apply(TEXT, "office", form(email="a@jena.de", source="jena.de/kontakt"),
                       DOMAINS, TODAY)


def test_a_confirmed_phone_is_recorded_with_source_and_review() -> None:
    out = contacts.apply(TEXT, "office", form(phone="+49 3641 49-0",
                                              source="https://www.jena.de/amt"), DOMAINS, TODAY)
    assert out.startswith("# Contacts (comment kept)\n")
    assert '  address: "Am Anger 15, Jena"\n  phone: "+49 3641 49-0"\n  url:' in out
    assert '    - "https://www.jena.de/amt"\n' in out
    assert re.search(r"\n  unverified: \[email\] +# not on an official page yet\n", out)
    assert "  reviewed: 2026-12-01\n" in out
    assert "other:\n  name: {de: \"Andere\"}\n" in out


def test_hours_and_url_change_without_a_source() -> None:
    out = contacts.apply(TEXT, "office", form(**{"hours-mon": "", "hours-tue": "09:00-11:00"}),
                         DOMAINS, TODAY)
    assert '  hours:\n    tue: "09:00-11:00"\n' in out and "mon:" not in out
    assert "reviewed: 2025-01-01" in out  # nothing confirmed, so no new review date
    out = contacts.apply(TEXT, "office", form(**{"hours-mon": ""}), DOMAINS, TODAY)
    assert "hours" not in out


def test_removing_the_address_needs_a_source_too() -> None:
    with pytest.raises(RefusedError):
        contacts.apply(TEXT, "office", form(address=""), DOMAINS, TODAY)


def test_unknown_contact() -> None:
    with pytest.raises(RefusedError):
        contacts.apply(TEXT, "nobody", form(), DOMAINS, TODAY)


def test_problems_at_fields() -> None:
    locate = contacts.locator("office")
    assert locate(Problem("contacts.yaml", "'phone' value 'x' is not valid", "office")) == "phone"
    assert locate(Problem("contacts.yaml", "'hours.tue' must look like", "office")) == "hours-tue"
    assert locate(Problem("fallback.yaml", "'all' names 'office', which people cannot reach",
                          "all")) == ""
