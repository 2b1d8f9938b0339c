"""One version of the knowledge base with its index, replaced whole on reload."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.loader import KnowledgeBase
from bot.understanding.matching import Index


@dataclass(frozen=True)
class Snapshot:
    """A knowledge base with its index; replaced whole on reload, never mutated."""

    kb: KnowledgeBase
    index: Index

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Snapshot:
        """The matcher's index for ``kb`` (the costly part of loading; kept on disk)."""
        return cls(kb, Index.cached(kb))
