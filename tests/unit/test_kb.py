"""The validator: every kind of broken knowledge base is reported, never half-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge.loader import load
from tests.conftest import TODAY


def errors_of(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as caught:
        load(directory, today=TODAY)
    return "\n".join(str(p) for p in caught.value.problems)


def test_small_kb_loads(small_kb) -> None:
    assert list(small_kb.entries) == ["emergency", "registration", "welcome-day"]
    contact = small_kb.contacts["buergerservice"]
    assert contact.phone == "+49 3641 49-3800"
    assert contact.location == (50.9263, 11.5866)
    assert small_kb.entries["emergency"].emergency
    assert small_kb.coverage()["de"] == (3, 3)
    assert small_kb.coverage()["uk"] == (1, 1)


def test_missing_translation_is_only_a_warning(small_kb) -> None:
    warnings = "\n".join(str(w) for w in small_kb.warnings)
    assert "entries/welcome-day.yaml [welcome-day]: has no 'fa' translation" in warnings


def test_text_falls_back_to_english_then_german(small_kb) -> None:
    used, text = small_kb.entries["welcome-day"].localized("fa")
    assert used == "en" and text.title == "Welcome Day"


def test_yaml_syntax_error(kb_copy: Path) -> None:
    (kb_copy / "entries" / "registration.yaml").write_text(
        "id: registration\ngroups: [all\nde:\n  title: x\n", encoding="utf-8")
    message = errors_of(kb_copy)
    assert "entries/registration.yaml" in message
    assert "not valid YAML" in message and "line" in message


def test_duplicate_id(kb_copy: Path) -> None:
    text = (kb_copy / "entries" / "registration.yaml").read_text(encoding="utf-8")
    (kb_copy / "entries" / "copy.yaml").write_text(text, encoding="utf-8")
    message = errors_of(kb_copy)
    assert "entries/registration.yaml" in message and "ids must be unique" in message


def test_duplicate_key_in_one_file(kb_copy: Path) -> None:
    path = kb_copy / "entries" / "welcome-day.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "groups: [all]\n", encoding="utf-8")
    assert "'groups' is written twice" in errors_of(kb_copy)


def test_unknown_contact(kb_copy: Path) -> None:
    path = kb_copy / "entries" / "welcome-day.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "contacts: [welcome-center]", "contacts: [welcome-centre]"), encoding="utf-8")
    message = errors_of(kb_copy)
    assert "entries/welcome-day.yaml [welcome-day]" in message
    assert "contact 'welcome-centre'" in message


def test_missing_answer(kb_copy: Path) -> None:
    path = kb_copy / "entries" / "welcome-day.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  answer: The welcome day greets new students.\n", ""), encoding="utf-8")
    assert "[welcome-day en]: 'answer' is missing" in errors_of(kb_copy)


def test_unknown_language_code(kb_copy: Path) -> None:
    path = kb_copy / "entries" / "welcome-day.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "es:\n  title: Día\n", encoding="utf-8")
    assert "'es' is not a supported language code" in errors_of(kb_copy)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("groups: [student]", "groups: student-ish", "unknown group 'student-ish'"),
        ("groups: [student]", "groups: {a: 1}", "'groups' must be a list"),
        ("reviewed: 2026-11-01", "reviewed: yesterday", "'reviewed' must be a date"),
        ("id: welcome-day", "id: 42", "'id' must be text"),
        ("id: welcome-day", "id: Welcome Day!", "is not valid"),
        ("  title: Welcome Day\n  answer: The", "  title: [a, b]\n  answer: The",
         "'title' must be text"),
        ("source: https://uni", "source: uni", "'source' value 'uni-jena"),
    ],
)
def test_wrong_types(kb_copy: Path, old: str, new: str, expected: str) -> None:
    path = kb_copy / "entries" / "welcome-day.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert expected in errors_of(kb_copy)


def test_phone_as_number_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "contacts.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('phone: "112"', "phone: 112"),
                    encoding="utf-8")
    message = errors_of(kb_copy)
    assert "contacts.yaml [emergency-112]" in message and "in quotes" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("location", "[500, 11]", "'location' must be [latitude, longitude]"),
        ("hours", "{monday: \"9:00-12:00\"}", "unknown day 'monday'"),
        ("hours", "{mon: 9-12}", "'hours.mon' must look like"),
        ("email", "not-an-email", "'email' value 'not-an-email' is not valid"),
    ],
)
def test_bad_contact_fields(kb_copy: Path, field: str, value: str, expected: str) -> None:
    path = kb_copy / "contacts.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"broken:\n  name: {{de: X}}\n"
                    f"  {field}: {value}\n", encoding="utf-8")
    assert expected in errors_of(kb_copy)


def test_empty_file(kb_copy: Path) -> None:
    (kb_copy / "entries" / "empty.yaml").write_text("  \n", encoding="utf-8")
    assert "entries/empty.yaml: is empty" in errors_of(kb_copy)


def test_comments_only_file(kb_copy: Path) -> None:
    (kb_copy / "entries" / "todo.yaml").write_text("# to do\n", encoding="utf-8")
    assert "entries/todo.yaml: contains only comments" in errors_of(kb_copy)


def test_not_utf8(kb_copy: Path) -> None:
    (kb_copy / "entries" / "latin1.yaml").write_bytes("id: x\nde:\n  title: Gebühr\n"
                                                     .encode("latin-1"))
    assert "entries/latin1.yaml: is not UTF-8" in errors_of(kb_copy)


def test_top_level_list(kb_copy: Path) -> None:
    (kb_copy / "entries" / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    assert "entries/list.yaml: must be a block of fields" in errors_of(kb_copy)


def test_no_entries(tmp_path: Path) -> None:
    (tmp_path / "entries").mkdir()
    assert "has no .yaml files" in errors_of(tmp_path)


def test_not_a_folder(tmp_path: Path) -> None:
    assert "is not a folder" in errors_of(tmp_path / "nowhere")


def test_event_refers_to_unknown_entry(kb_copy: Path) -> None:
    path = kb_copy / "events.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  entry: welcome-day\n  start: 2030", "  entry: welcome-week\n  start: 2030"),
        encoding="utf-8")
    assert "refers to entry 'welcome-week'" in errors_of(kb_copy)


def test_every_error_is_reported_at_once(kb_copy: Path) -> None:
    (kb_copy / "entries" / "empty.yaml").write_text("", encoding="utf-8")
    (kb_copy / "entries" / "list.yaml").write_text("- a\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load(kb_copy, today=TODAY)
    assert len(caught.value.problems) == 2


def test_stale_review_warns(kb_copy: Path) -> None:
    path = kb_copy / "contacts.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  phone: \"112\"\n  source: [https://feuerwehr.jena.de/]\n  reviewed: 2026-11-01",
        "  phone: \"112\"\n  reviewed: 2024-01-01"), encoding="utf-8")
    kb = load(kb_copy, today=TODAY)
    warnings = "\n".join(str(w) for w in kb.warnings)
    assert "[emergency-112]: has phone but no 'source'" in warnings
    assert "more than a year ago" in warnings


def test_not_covered_kinds_load(small_kb) -> None:
    kind = small_kb.not_covered["weather"]
    assert kind.questions["de"][0] == "wetter morgen"
    assert kind.hint("uk") == kind.hints["en"]  # no Ukrainian hint: English
    assert "weather" not in small_kb.entries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n", "not-covered.yaml: must map ids to their fields"),
        ("registration:\n  questions: {en: [x]}\n",
         "not-covered.yaml [registration]: uses the id 'registration' of an entry"),
        ("weather:\n  hint: {en: hi}\n",
         "not-covered.yaml [weather]: 'questions' must list example questions per language"),
        ("weather:\n  questions: {xx: [hi]}\n",
         "not-covered.yaml [weather]: 'questions' has unknown language code 'xx'"),
        ("weather:\n  questions: {en: 5}\n", "not-covered.yaml [weather]: 'en' must be a list"),
        ("weather:\n  questions: {en: [rain]}\n  answer: {en: no}\n",
         "not-covered.yaml [weather]: unknown field 'answer'"),
        ("weather: [rain]\n", "not-covered.yaml [weather]: must hold a 'hint' block"),
    ],
)
def test_broken_not_covered_file(kb_copy: Path, text: str, expected: str) -> None:
    (kb_copy / "not-covered.yaml").write_text(text, encoding="utf-8")
    assert expected in errors_of(kb_copy)


def test_not_covered_example_that_is_an_entry_question_warns(kb_copy: Path) -> None:
    (kb_copy / "not-covered.yaml").write_text(
        "weather:\n  questions: {de: [Wohnung anmelden, wetter morgen]}\n", encoding="utf-8")
    kb = load(kb_copy, today=TODAY)
    warnings = "\n".join(str(w) for w in kb.warnings)
    assert "example 'Wohnung anmelden' is also a question of entry 'registration'" in warnings
    assert "no hint or no example questions in" in warnings


def test_reload_diff_counts_not_covered_changes(kb_copy: Path) -> None:
    from bot.staff.reports import diff

    old = load(kb_copy, today=TODAY)
    path = kb_copy / "not-covered.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "wetter morgen,", "wetter morgen, schneit es,"), encoding="utf-8")
    change = diff(old, load(kb_copy, today=TODAY))
    assert change and change.describe() == "contacts/events/not-covered/small talk changed: 1"
