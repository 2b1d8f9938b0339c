"""``python -m bot`` runs the same command line as ``welcome-bot``."""

from bot.cli import entrypoint

entrypoint()
