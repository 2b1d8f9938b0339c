"""Wiring of the Telegram application, without a network: knowledge, handlers, order."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import CommandHandler, MessageHandler

from bot.config import Settings
from bot.conversation.core import Snapshot
from bot.errors import KnowledgeError
from bot.knowledge.loader import KnowledgeBase
from bot.tg import handlers, staffcmd
from bot.tg.app import create_application
from bot.tg.ordering import PerUserProcessor
from bot.tg.service import BotService


def settings(knowledge: Path, data: Path, admins: frozenset[int] = frozenset()) -> Settings:
    return Settings(token="123:test", knowledge_dir=knowledge, data_dir=data, admins=admins)


@pytest.fixture
def broken_kb(kb_copy: Path) -> Path:
    (kb_copy / "entries" / "bad.yaml").write_text("id: [\n", encoding="utf-8")
    return kb_copy


def test_a_prebuilt_snapshot_is_used_as_is(small_kb: KnowledgeBase, broken_kb: Path,
                                           tmp_path: Path) -> None:
    snapshot = Snapshot.build(small_kb)
    app = create_application(settings(broken_kb, tmp_path), snapshot)  # the folder is not read
    service = app.bot_data["service"]
    try:
        assert isinstance(service, BotService) and service.conv.snapshot is snapshot
    finally:
        service.storage.close()


def test_without_a_snapshot_the_folder_is_loaded_all_or_nothing(broken_kb: Path,
                                                                tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError):
        create_application(settings(broken_kb, tmp_path))


def test_staff_commands_come_first_and_only_for_staff(small_kb: KnowledgeBase, kb_copy: Path,
                                                      tmp_path: Path) -> None:
    app = create_application(settings(kb_copy, tmp_path, frozenset({42})),
                             Snapshot.build(small_kb))
    try:
        first, second = app.handlers[0][:2]
        assert isinstance(first, CommandHandler) and first.commands == set(staffcmd.COMMANDS)
        assert first.callback is staffcmd.on_staff_command
        assert "42" in repr(first.filters)
        assert isinstance(second, MessageHandler) and second.callback is handlers.on_command
        assert isinstance(app.update_processor, PerUserProcessor)
    finally:
        app.bot_data["service"].storage.close()
