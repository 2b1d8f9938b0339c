"""Reading staff YAML: libyaml's speed, the pure-Python loader's words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge import fields
from bot.knowledge.fields import UniqueKeyLoader, parse_yaml, read_yaml
from bot.knowledge.loader import default_directory
from bot.knowledge.model import Problem

BROKEN = [
    "id: registration\ngroups: [all\nde:\n  title: x\n",  # unclosed flow sequence
    "a:\n\tb: 1\n",  # tab indentation
    "a: 'x\n",  # unclosed quote
    "- a\nb: 1\n",  # sequence then mapping
    "a: \x07\n",  # control character
    "a: !!python/object:os.system x\n",  # unsafe tag
    "&a [*b]\n",  # undefined alias
    "a: 1\nb: 2\na: 3\n",  # duplicate key
    "x:\n  y: 1\n  y: 2\n",  # duplicate key, nested
    "a: b: c\n",  # colon in a plain value
]


def python_error(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.load(text, Loader=UniqueKeyLoader)
    return str(caught.value)


def test_the_fast_loader_is_used_where_libyaml_is_installed() -> None:
    assert (fields._FastLoader is not None) == bool(getattr(yaml, "__with_libyaml__", False))


@pytest.mark.parametrize("text", BROKEN)
def test_errors_read_as_the_pure_python_loader_words_them(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        parse_yaml(text)
    assert str(caught.value) == python_error(text)


@pytest.mark.parametrize("text", BROKEN)
def test_staff_read_the_same_problem_as_before(tmp_path: Path, text: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "entry.yaml"
    path.write_text(text, encoding="utf-8")
    fast: list[Problem] = []
    assert read_yaml(path, tmp_path, fast) is None
    monkeypatch.setattr(fields, "_FastLoader", None)  # the pure-Python loader only
    slow: list[Problem] = []
    assert read_yaml(path, tmp_path, slow) is None
    assert fast == slow and len(fast) == 1 and "is not valid YAML" in fast[0].message


def test_duplicate_key_message_names_both_lines() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert "the key 'a' is written twice (first on line 1)" in str(caught.value)


SAMPLE = ("contacts.yaml", "fallback.yaml", "sources.yaml", "events.yaml",
          "entries/registration.yaml", "entries/emergency.yaml")


@pytest.mark.parametrize("every", [
    False, pytest.param(True, marks=pytest.mark.integration)])  # the pure loader: 1.6 s
def test_shipped_files_read_the_same_with_both_loaders(every: bool) -> None:
    """A sample of every kind of shipped file in the inner loop, all files in the suite."""
    folder = default_directory()
    files = sorted(folder.rglob("*.yaml")) if every else [folder / name for name in SAMPLE]
    assert files
    for path in files:
        text = path.read_text("utf-8")
        assert parse_yaml(text) == yaml.load(text, Loader=UniqueKeyLoader), path


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: [x, y]\nc: {d: 2020-01-02, e: yes, f: ~, g: 1.5}\n",
     "q: \"emoji 🎉 and ß and \\u00e9\"\n", "- 'quoted: colon'\n- plain\n",
     "t: |\n  two\n  lines\n", "n: 0x1A\no: 010\np: .inf\n"],
)
def test_values_are_the_same_with_both_loaders(text: str) -> None:
    assert parse_yaml(text) == yaml.load(text, Loader=UniqueKeyLoader)
