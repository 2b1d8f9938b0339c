"""A character n-gram naive Bayes model over the entries' question variants.

Word matching (``bot.understanding.matching``) is strong on the exact words staff wrote;
it is weak where a newcomer's words differ by inflection, compounding or spelling
("Wohnungsgeberbestätigung", "анмельдунгу", "lisansımı") and on long messages, where every
word counts the same. Character 3–5-grams inside word boundaries share evidence across
those forms, and a multinomial naive Bayes model learns which grams are typical of which
entry from all variants at once. It is trained by counting, so building it stays linear
in the size of the knowledge base; scoring is one sparse gather per message.

Weights follow the usual text-classification recipe: sublinear term frequency times
IDF per variant, each variant scaled to unit length (so long variants do not dominate),
then summed per entry with additive smoothing ``ALPHA``.

Memory: grams are stored once, as a sorted array of short strings; every known word keeps
its gram ids as a slice of one flat array; variants are counted in chunks of
``CHUNK_GRAMS`` so that a knowledge base 100× larger builds without gigabytes of
temporaries.
"""

from __future__ import annotations

import operator
from array import array
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from itertools import chain, count
from typing import Any

import numpy as np
import numpy.typing as npt

MIN_N, MAX_N = 3, 5
ALPHA = 0.1  # additive smoothing; 0.03–0.3 tested on the development sets, 0.1 best
CHUNK_GRAMS = 600_000  # about the (variant, gram) pairs counted at once
QUERY_CACHE = 50_000  # unknown words of messages whose gram ids are remembered

IntArray = npt.NDArray[np.signedinteger[Any]]
FloatArray = npt.NDArray[Any]  # numpy types bincount with weights as int


def grams(token: str) -> list[str]:
    """Character 3- to 5-grams of ``token`` (padded with spaces at the word edges)."""
    return list(_grams(token))


@cache
def _slicer(length: int) -> Callable[[str], tuple[str, ...]]:
    """One C call that cuts a padded word of ``length`` characters into its grams."""
    cuts = [slice(i, i + n) for n in range(MIN_N, MAX_N + 1) for i in range(length - n + 1)]
    if len(cuts) == 1:
        return lambda text: (text[cuts[0]],)
    if not cuts:
        return lambda text: ()
    return operator.itemgetter(*cuts)


def _grams(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    return _slicer(len(padded))(padded)


class _Grams:
    """Words and grams seen in training, with their ids (ids in order of first sight)."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        # The lasting word table first: allocated among the short-lived gram strings, its
        # objects would keep their memory pages from being returned.
        self.words = dict(zip(dict.fromkeys(chain.from_iterable(docs)), count()))
        ids: defaultdict[str, int] = defaultdict(count().__next__)  # a new gram: next id
        flat = array("q")
        offsets = array("q", [0])
        for word in self.words:
            flat.extend(map(ids.__getitem__, _grams(word)))
            offsets.append(len(flat))
        self.count = len(ids)
        self.flat = np.frombuffer(flat, dtype=np.int64)
        self.offsets = np.frombuffer(offsets, dtype=np.int64)
        # Unknown words of a message are looked up by binary search in the sorted grams.
        order = list(ids)
        self.sorted = np.array(order, dtype=f"<U{MAX_N}") if order else np.zeros(0, "<U1")
        rank = np.argsort(self.sorted, kind="stable")
        self.sorted = self.sorted[rank]
        self.sorted_ids = rank.astype(np.int32)
        self._cache: dict[str, IntArray] = {}

    def of_word(self, token: str) -> IntArray:
        """Gram ids of one word; -1 for a gram no variant contains."""
        known = self.words.get(token)
        if known is not None:
            return self.flat[self.offsets[known]:self.offsets[known + 1]]
        cached = self._cache.get(token)
        if cached is None:
            cached = self._lookup(list(_grams(token)))
            if len(self._cache) < QUERY_CACHE:
                self._cache[token] = cached
        return cached

    def _lookup(self, found: list[str]) -> IntArray:
        if not len(self.sorted):
            return np.full(len(found), -1, dtype=np.int64)
        wanted = np.array(found, dtype=self.sorted.dtype)
        pos = np.minimum(np.searchsorted(self.sorted, wanted), len(self.sorted) - 1)
        return np.where(self.sorted[pos] == wanted, self.sorted_ids[pos], -1)

    def of_words(self, tokens: Sequence[str]) -> IntArray:
        parts = [self.of_word(token) for token in tokens]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def of_docs(self, docs: Sequence[Sequence[str]]) -> tuple[IntArray, IntArray]:
        """(variant number, gram id) of every gram of ``docs``, in order; training words only."""
        word_ids = np.fromiter(map(self.words.__getitem__, chain.from_iterable(docs)),
                               dtype=np.int64)
        doc_lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        starts, lengths = self.offsets[word_ids], np.diff(self.offsets)[word_ids]
        gram_ids = self.flat[_ranges(starts, lengths)]
        doc_of = np.repeat(np.repeat(np.arange(len(docs), dtype=np.int64), doc_lengths),
                           lengths)
        return doc_of, gram_ids

    def sizes(self, docs: Sequence[Sequence[str]]) -> IntArray:
        """The number of grams of every doc."""
        per_word = np.diff(self.offsets)[np.fromiter(
            map(self.words.__getitem__, chain.from_iterable(docs)), dtype=np.int64)]
        ends = np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)))
        totals = np.concatenate([[0], np.cumsum(per_word)])
        return totals[ends] - totals[np.concatenate([[0], ends[:-1]])]


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenated ``range(s, s + n)`` for every start s and length n (vectorised)."""
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(int(lengths.sum()), dtype=np.int64)


def _chunks(sizes: IntArray, labels: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive variant ranges of about ``CHUNK_GRAMS`` grams each (``sizes``: grams
    per variant).

    A chunk ends only where the label changes, so every (gram, class) sum is made within
    one chunk, in the same order as in one pass: the model is the same however it is cut.
    """
    label = np.asarray(labels, dtype=np.int64)
    changes = np.flatnonzero(label[1:] != label[:-1]) + 1  # first doc of a new label
    before = np.concatenate([[0], np.cumsum(sizes)])  # grams before each doc
    bounds, start = [], 0
    while True:
        # the first label change after the chunk has CHUNK_GRAMS grams
        at = np.searchsorted(before[changes], before[start] + CHUNK_GRAMS)
        if at >= len(changes):
            break
        bounds.append((start, int(changes[at])))
        start = int(changes[at])
    bounds.append((start, len(sizes)))
    return bounds


class _Chunk:
    """Consecutive variants counted together (once for the document frequencies, once
    more for the weights: counting again is cheaper than keeping the counts)."""

    def __init__(self, docs: Sequence[Sequence[str]], start: int, end: int,
                 grams: _Grams) -> None:
        self.docs, self.first, self.grams = docs[start:end], start, grams

    def pairs(self) -> tuple[IntArray, IntArray, IntArray]:
        """Every (variant, gram) pair with its count; variants numbered from ``first``."""
        n_grams = max(self.grams.count, 1)
        doc_of, flat = self.grams.of_docs(self.docs)
        pair, counts = np.unique(doc_of * n_grams + flat, return_counts=True)
        return ((pair // n_grams + self.first).astype(np.int32),
                (pair % n_grams).astype(np.int32), counts.astype(np.int32))

    def class_weights(self, idf: npt.NDArray[np.float32], label_of: IntArray,
                      n_classes: int) -> tuple[IntArray, FloatArray, FloatArray]:
        """Summed unit-length TF-IDF weights per (gram, class) key, and per class."""
        doc, gram, counts = self.pairs()
        weight = (1 + np.log(counts)) * idf[gram]
        local = doc - self.first
        weight /= np.sqrt(np.bincount(local, weights=weight * weight,
                                      minlength=len(self.docs)))[local]
        label = label_of[doc]
        del doc, local
        totals = np.bincount(label, weights=weight, minlength=n_classes)
        key, inverse = np.unique(gram.astype(np.int64) * n_classes + label,
                                 return_inverse=True)
        return key, np.bincount(inverse, weights=weight), totals


class NgramModel:
    """Multinomial naive Bayes over character n-grams; immutable once built."""

    def __init__(self, docs: Sequence[Sequence[str]], labels: Sequence[int],
                 n_classes: int, alpha: float = ALPHA) -> None:
        self.n_classes = n_classes
        self._grams = _Grams(docs)
        n_grams = max(self._grams.count, 1)
        bounds = _chunks(self._grams.sizes(docs), labels)
        chunks = [_Chunk(docs, start, end, self._grams) for start, end in bounds]
        df = np.zeros(n_grams, dtype=np.int64)
        for chunk in chunks:
            df += np.bincount(chunk.pairs()[1], minlength=n_grams)
        self._idf = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
        label_of = np.asarray(labels, dtype=np.int64)
        keys, sums, totals = [], [], np.zeros(n_classes)
        for chunk in chunks:
            key, summed, total = chunk.class_weights(self._idf, label_of, n_classes)
            keys.append(key)
            sums.append(summed)
            totals += total
        key, summed = _merge(keys, sums)
        # CSR by gram: for gram g, classes[indptr[g]:indptr[g+1]] with log-weights
        gram_of = key // n_classes
        self._classes = (key % n_classes).astype(np.int32)
        self._weights = np.log1p(summed / alpha).astype(np.float32)
        self._indptr = np.searchsorted(gram_of, np.arange(self._grams.count + 1))
        self._lognorm = np.log(totals + alpha * n_grams).astype(np.float32)

    def loglik(self, tokens: Sequence[str]) -> FloatArray | None:
        """Log-likelihood of the message under each entry, up to a constant shared by all
        entries; None when no gram of the message is known."""
        uniq, counts = np.unique(self._grams.of_words(tokens), return_counts=True)
        known = uniq >= 0  # grams no variant contains carry no evidence
        uniq, counts = uniq[known], counts[known]
        if not len(uniq):
            return None
        weight = (1 + np.log(counts)) * self._idf[uniq]
        weight /= np.linalg.norm(weight)
        starts, ends = self._indptr[uniq], self._indptr[uniq + 1]
        lengths = ends - starts
        pos = _ranges(starts, lengths)
        loglik: FloatArray = np.bincount(
            self._classes[pos], weights=self._weights[pos] * np.repeat(weight, lengths),
            minlength=self.n_classes)
        loglik -= float(weight.sum()) * self._lognorm
        return loglik


def _merge(keys: list[IntArray], sums: list[FloatArray]) -> tuple[IntArray, FloatArray]:
    """The per-chunk (key, weight) partials as one sorted key array.

    Chunks hold whole classes, so no key is in two chunks: sorting is all there is to do.
    """
    if len(keys) == 1:
        return keys[0], sums[0]
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")
    return key[order], np.concatenate(sums)[order]


def posterior(loglik: FloatArray, temperature: float) -> FloatArray:
    """Softmax of the log-likelihoods at ``temperature`` (naive Bayes is over-confident)."""
    z = (loglik - loglik.max()) / temperature
    p = np.exp(z)
    result: FloatArray = p / p.sum()
    return result
