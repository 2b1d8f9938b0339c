"""``welcome-bot chat``: typed lines become commands, button presses or questions."""

from __future__ import annotations

import io

from bot.chat import chat
from bot.conversation.core import Conversation


def run(core: Conversation, lines: str) -> str:
    out = io.StringIO()
    assert chat(core, io.StringIO(lines), out) == 0
    return out.getvalue()


def test_a_bare_slash_is_an_unknown_command_not_a_crash(core: Conversation) -> None:
    assert "I don't know the command /." in run(core, "/\n/quit\n")


def test_numbers_press_buttons_and_out_of_range_numbers_are_text(core: Conversation) -> None:
    text = run(core, "2\n99\n")  # 2: English in the language picker after /start
    assert "OK, I will answer in English." in text
    assert text.count("> ") == 3  # two lines answered, then end of input
