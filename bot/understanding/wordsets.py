"""``fuzz.token_set_ratio`` of one message against many variants: the same scores, faster.

The rerank (``bot.understanding.matching``) compares a message with about 400 variants.
rapidfuzz's token_set_ratio splits, sorts and intersects both word sets of every pair and
runs an uncached edit distance on what is left: about 2.5 µs a pair, most of a message's
matching time. Yet only about one variant in ten shares a word with the message. For all
the others the intersection is empty and the score is the normalised Indel distance of the
two sorted word sets joined by spaces — one batch of distances against a cached message
(``process.cdist`` with ``Indel.distance``), then rapidfuzz's own arithmetic:
``100 - 100 * dist / (len(a) + len(b))``, rounded half away from zero as ``cdist`` rounds
to ``uint8``. The variants that share a word (an inverted index by word says which) are
scored by rapidfuzz itself. bench/same_answers.py and tests/unit/test_wordsets.py hold the
scores equal to rapidfuzz's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

Ints = npt.NDArray[np.int32]
Scores = npt.NDArray[np.uint8]
Positions = npt.NDArray[np.intp]


def word_set(text: str) -> str:
    """``text``'s distinct words, sorted, joined by spaces: to ``token_set_ratio`` the same
    text as ``text``, and about half the work."""
    return " ".join(sorted(set(text.split())))


class WordSets:
    """Sorted word sets (``word_set``) numbered 0…n-1, with their lengths and, per word of
    ``vocab``, the sets that hold it; immutable once built."""

    def __init__(self, texts: Sequence[str], vocab: dict[str, int]) -> None:
        self.size = len(texts)
        self.lengths = np.fromiter(map(len, texts), dtype=np.int32, count=len(texts))
        rows: list[int] = []
        owners: list[int] = []
        for n, text in enumerate(texts):
            for word in text.split():
                row = vocab.get(word)
                if row is not None:
                    rows.append(row)
                    owners.append(n)
        row_of = np.asarray(rows, dtype=np.int64)
        order = np.argsort(row_of, kind="stable")
        self._sets = np.asarray(owners, dtype=np.int32)[order]
        self._indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(vocab)), out=self._indptr[1:])
        self._vocab = vocab

    def __getstate__(self) -> dict[str, object]:
        """Without the vocabulary: its owner keeps it (``relink`` after unpickling)."""
        return {k: v for k, v in self.__dict__.items() if k != "_vocab"}

    def relink(self, vocab: dict[str, int]) -> None:
        """Use ``vocab`` (the one built with, kept by the owner) again after unpickling."""
        self._vocab = vocab

    def sharing(self, words: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Per set, whether it holds one of ``words``."""
        found = np.zeros(self.size, dtype=np.bool_)
        for word in words:
            row = self._vocab.get(word)
            if row is not None:
                found[self._sets[self._indptr[row]:self._indptr[row + 1]]] = True
        return found

    def scores(self, words: Sequence[str], texts: Sequence[str], ids: Ints) -> Scores:
        """``fuzz.token_set_ratio(" ".join(words), text)`` for the sets ``texts`` (numbered
        ``ids``), as ``process.cdist`` gives it in ``uint8``; ``words``: distinct, not
        empty."""
        found = np.zeros(len(ids), dtype=np.uint8)
        both, apart = self._split(words, ids)
        if len(both):
            found[both] = process.cdist([" ".join(words)], [texts[k] for k in both.tolist()],
                                        scorer=fuzz.token_set_ratio, dtype=np.uint8)[0]
        if len(apart):
            found[apart] = _rounded(self._disjoint(words, texts, ids, apart))
        return found

    def best(self, words: Sequence[str], texts: Sequence[str]) -> float:
        """``max(fuzz.token_set_ratio(" ".join(words), text) for text in texts)`` over the
        sets ``texts`` (all of them, numbered 0…n-1), 0.0 when there are none."""
        if not texts:
            return 0.0
        words = list(dict.fromkeys(words))
        ids = np.arange(self.size, dtype=np.int32)
        both, apart = self._split(words, ids)
        best = 0.0
        if len(both):
            found = process.extractOne(" ".join(words), [texts[k] for k in both.tolist()],
                                       scorer=fuzz.token_set_ratio)
            best = float(found[1]) if found else 0.0
        if len(apart) and best < 100:
            best = max(best, float(self._disjoint(words, texts, ids, apart).max()))
        return best

    def _split(self, words: Sequence[str], ids: Ints) -> tuple[Positions, Positions]:
        """The positions in ``ids`` of the sets that share a word with ``words``, and of the
        others."""
        shared = self.sharing(words)[ids]
        return np.flatnonzero(shared), np.flatnonzero(~shared)

    def _disjoint(self, words: Sequence[str], texts: Sequence[str], ids: Ints,
                  apart: Positions) -> npt.NDArray[np.float64]:
        """token_set_ratio of sets with no word in common with ``words``: the normalised
        Indel distance of the joined sorted words, by rapidfuzz's ``norm_distance`` (in
        double precision, the same arithmetic)."""
        mine = " ".join(sorted(words))
        dist = process.cdist([mine], [texts[k] for k in apart.tolist()],
                             scorer=Indel.distance, dtype=np.int32)[0]
        lensum = len(mine) + self.lengths[ids[apart]]
        return 100.0 - 100.0 * dist.astype(np.float64) / lensum.astype(np.float64)


def _rounded(score: npt.NDArray[np.float64]) -> Scores:
    """Scores rounded half away from zero to ``uint8``, as ``process.cdist`` does."""
    whole = np.floor(score)
    return (whole + (score - whole >= 0.5)).astype(np.uint8)
