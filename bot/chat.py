"""``welcome-bot chat``: the same conversation in a terminal, buttons as numbers."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from bot.conversation.core import Conversation, plain
from bot.conversation.messages import Button, Incoming, Reply, Text, UserState

USER = "terminal"
HELLO = ("Jena Welcome Bot — local chat. Write a question in any language, a command "
         "(/start /menu /language /events /help /privacy /forget), the number of a button, "
         "or /quit.\n")


def chat(conv: Conversation, stdin: TextIO, out: TextIO) -> int:
    """Run a terminal conversation until end of input or /quit."""
    out.write(HELLO)
    buttons, state = _show(conv.handle(_command("start"), UserState()), out)
    while True:
        out.write("\n> ")
        out.flush()
        line = stdin.readline()
        if not line:
            out.write("\n")
            return 0
        line = line.strip()
        if line in ("/quit", "/exit"):
            return 0
        buttons, state = _show(conv.handle(_incoming(line, buttons), state), out)


def _incoming(line: str, buttons: list[Button]) -> Incoming:
    """A typed line: a button's number, a command, or a question."""
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        return Incoming(USER, "button", data=buttons[int(line) - 1].action, chat=USER,
                        now=datetime.now())
    if line.startswith("/"):
        name, *args = line[1:].split() or [""]
        return Incoming(USER, "command", command=name, args=tuple(args), chat=USER,
                        now=datetime.now())
    return Incoming(USER, "text", text=line, chat=USER, now=datetime.now())


def _command(name: str) -> Incoming:
    return Incoming(USER, "command", command=name, chat=USER, now=datetime.now())


def _show(result: tuple[list[Reply], UserState], out: TextIO) -> tuple[list[Button], UserState]:
    replies, state = result
    numbered: list[Button] = []
    shown: list[Reply] = []
    for reply in replies:
        if isinstance(reply, Text) and reply.buttons:
            rows = []
            for row in reply.buttons:
                labels = []
                for button in row:
                    numbered.append(button)
                    labels.append(f"{len(numbered)}) {button.label}")
                rows.append("   ".join(labels))
            shown.append(Text(reply.text + "\n" + "\n".join(rows), reply.lang))
        else:
            shown.append(reply)
    out.write(plain(shown) + "\n")
    return numbered, state
