"""A synthetic knowledge base N times larger than the shipped one, for the benchmarks.

Each entry is copied N times with its variants' words shuffled and partly replaced, so the
index has realistic size and vocabulary. Used by bench/matching.py and bench/startup.py.
"""

from __future__ import annotations

import random
from dataclasses import replace
from types import MappingProxyType

from bot.knowledge.loader import Entry, EntryText, KnowledgeBase


def synthetic(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    """A knowledge base ``factor`` times larger with perturbed copies of every entry."""
    rng = random.Random(seed)
    vocab = sorted({w for e in kb.entries.values() for t in e.texts.values()
                    for q in t.questions for w in q.split()})
    entries: dict[str, Entry] = {}
    for entry in kb.entries.values():
        for copy in range(factor):
            eid = entry.id if copy == 0 else f"{entry.id}-{copy}"
            texts = {}
            for lang, text in entry.texts.items():
                questions = []
                for q in text.questions:
                    words = q.split()
                    if copy:
                        rng.shuffle(words)
                        words = [rng.choice(vocab) if rng.random() < 0.4 else w for w in words]
                    questions.append(" ".join(words))
                texts[lang] = EntryText(text.title, text.answer, tuple(questions))
            entries[eid] = replace(entry, id=eid, texts=MappingProxyType(texts),
                                   emergency=entry.emergency and copy == 0)
    return replace(kb, entries=MappingProxyType(entries))
