"""The few exception types the project raises; the CLI turns them into messages."""

from __future__ import annotations


class BotError(Exception):
    """Base class: something the user or operator can fix, with a plain message."""


class KnowledgeError(BotError):
    """The knowledge base could not be loaded; ``problems`` says every reason."""

    def __init__(self, problems: list) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(BotError):
    """A setting (token, directory, option) is missing or wrong."""


class StorageError(BotError):
    """The database could not be opened or written."""
