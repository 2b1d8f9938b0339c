"""Console settings from options and the environment; log-in links and sessions stored."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

import pytest

from bot.config import ConsoleSettings
from bot.errors import ConfigError
from bot.storage.console import LINK_MINUTES, SESSION_IDLE, FileChange
from bot.storage.sqlite import SQLiteStorage


def args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"console_port": None, "console_host": None,
                                 "console_url": None, **kw})


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WELCOME_BOT_CONSOLE_PORT", "WELCOME_BOT_CONSOLE_HOST",
                 "WELCOME_BOT_CONSOLE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_off_without_a_port_and_defaults_with_one(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ConsoleSettings.from_env(args()) is None
    assert ConsoleSettings.from_env(args(), required=True) == ConsoleSettings(8080)
    monkeypatch.setenv("WELCOME_BOT_CONSOLE_PORT", "8090")
    got = ConsoleSettings.from_env(args())
    assert got == ConsoleSettings(8090, "127.0.0.1", "http://127.0.0.1:8090")
    every = ConsoleSettings.from_env(args(console_port="81", console_host="0.0.0.0"))
    assert every is not None and every.url == "http://127.0.0.1:81"
    public = ConsoleSettings.from_env(args(console_port="81",
                                           console_url="https://staff.example.org/"))
    assert public is not None and public.url == "https://staff.example.org"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("console_port", "eighty", "whole number"),
    ("console_port", "70000", "between 1 and 65535"),
    ("console_port", "²", "whole number"),
    ("console_url", "staff.example.org", "must start with http"),
])
def test_bad_values_say_what_is_wrong(option: str, value: str, message: str) -> None:
    given = {"console_port": "8080", option: value}
    with pytest.raises(ConfigError, match=message):
        ConsoleSettings.from_env(args(**given))


def test_links_work_once_and_for_ten_minutes_sessions_end_when_idle() -> None:
    store = SQLiteStorage().console
    now = datetime(2026, 12, 7, 9, 0)
    store.clock = lambda: now
    link = store.new_link("42")
    assert store.redeem("wrong") is None
    assert store.redeem(link) == "42"
    assert store.redeem(link) is None  # used
    late = store.new_link("42")
    store.clock = lambda: now + timedelta(minutes=LINK_MINUTES, seconds=1)
    assert store.redeem(late) is None  # expired
    cookie, session = store.new_session("42")
    assert cookie not in session.csrf and store.session(cookie) == session
    assert store.session("") is None and store.session("made-up") is None
    store.clock = lambda: now + timedelta(minutes=11) + SESSION_IDLE + timedelta(seconds=1)
    assert store.session(cookie) is None  # a working day without a request


def test_versions_keep_both_sides_of_each_file() -> None:
    store = SQLiteStorage().console
    number = store.add_version("42", "uk answer of registration",
                               [FileChange("entries/registration.yaml", "old\n", "new\n")])
    version = store.version(number)
    assert version is not None and version.files[0].before == "old\n"
    assert [v.number for v in store.versions()] == [number]
    assert store.version(number + 1) is None
