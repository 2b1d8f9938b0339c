"""Shared fixtures: the tiny test knowledge base, a translator, in-memory storage, the core.

Every test under tests/integration/ is marked ``integration`` (see
``pytest_collection_modifyitems``), so the inner loop is ``pytest -m "not integration"``.
The shipped knowledge base and its matching index are built once per session
(``project_kb``, ``project_snapshot``) and shared: a snapshot is never mutated, a reload
replaces it whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

from bot.conversation.core import Conversation, Snapshot
from bot.i18n import default_translator
from bot.knowledge.loader import KnowledgeBase, load
from bot.storage.sqlite import SQLiteStorage

# Built indexes and the language model are cached on disk (bot/understanding/diskcache.py);
# tests, and the bots they start as processes, use a folder of their own, never ~/.cache.
# Each pytest-xdist worker gets its own (workers inherit the first folder made here): a
# test that plants a stale file must not race another worker's use of the cache. The
# folders stay for the next run of this checkout's tests (entries are keyed by content and
# code, a stale one is rebuilt): the inner loop then reads the model and the index instead
# of building them in every worker (~2 s a worker).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_OURS = os.path.basename(os.environ.get("WELCOME_BOT_CACHE_DIR", "")).startswith(
    "welcome-bot-cache-tests-")
if "WELCOME_BOT_CACHE_DIR" not in os.environ or (_WORKER and _OURS):
    _CHECKOUT = hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:10]
    os.environ["WELCOME_BOT_CACHE_DIR"] = str(
        Path(tempfile.gettempdir()) / f"welcome-bot-cache-tests-{_CHECKOUT}-{_WORKER or 'main'}")

DATA = Path(__file__).parent / "data"
SMALL_KB = DATA / "kb"
PROJECT_KB = Path(__file__).parent.parent / "knowledge"
TODAY = date(2026, 11, 26)


INTEGRATION = Path(__file__).parent / "integration"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The inner loop (``-m "not integration"``) does not even import tests/integration/
    (Playwright, the fake Bot API, the console's helpers): ~1 s less per worker."""
    if collection_path == INTEGRATION and config.getoption("markexpr") == "not integration":
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in tests/integration/ as ``integration``, by its path."""
    for item in items:
        if item.path.is_relative_to(INTEGRATION):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def small_kb() -> KnowledgeBase:
    return load(SMALL_KB, today=TODAY)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny knowledge base, to break in tests."""
    target = tmp_path / "kb"
    shutil.copytree(SMALL_KB, target)
    return target


@pytest.fixture
def storage() -> SQLiteStorage:
    store = SQLiteStorage(":memory:")
    yield store
    store.close()


@pytest.fixture
def core(small_kb: KnowledgeBase, storage: SQLiteStorage) -> Conversation:
    return Conversation(Snapshot.build(small_kb), default_translator(), storage)


@pytest.fixture(scope="session")
def project_kb() -> KnowledgeBase:
    return load(PROJECT_KB)


@pytest.fixture(scope="session")
def project_snapshot(project_kb: KnowledgeBase) -> Snapshot:
    """The shipped knowledge base with its index, built once for all bots of the session."""
    return Snapshot.build(project_kb)


@pytest.fixture(scope="session")
def snap(project_snapshot: Snapshot) -> Snapshot:
    """``project_snapshot`` by its short name (the phone-message and language tests)."""
    return project_snapshot


@pytest.fixture(scope="session")
def project_core(project_snapshot: Snapshot) -> Conversation:
    return Conversation(project_snapshot, default_translator(), SQLiteStorage())
