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

Building: a variant is a run of word ids and every word its gram ids (one flat array),
so a variant's grams are a gather, never a Python loop over grams. Variants are counted in
chunks of about ``CHUNK_GRAMS`` grams that hold whole entries, twice: once for the
document frequencies and the number of entries each gram occurs in, once for the weights,
which go straight to their place in the model's by-gram arrays (the per-gram counts of the
first pass say where each gram's row starts). Nothing is sorted but each chunk's
(variant, gram) keys; the 100× synthetic base (101 M grams) builds without gigabytes of
temporaries.
"""

from __future__ import annotations

import operator
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import chain, count
from typing import Any

import numpy as np
import numpy.typing as npt

MIN_N, MAX_N = 3, 5
ALPHA = 0.1  # additive smoothing; 0.03–0.3 tested on the development sets, 0.1 best
CHUNK_GRAMS = 600_000  # about the (variant, gram) pairs counted at once
# and at most this many (entry, gram) cells in a chunk's scratch (8 bytes each): the
# shipped base is cut into several chunks, so its build peaks 45 MB lower (8 M cells: 85 MB
# of temporaries) and is no slower; the 100x base's chunks are cut by CHUNK_GRAMS anyway
CHUNK_CELLS = 1_000_000
KEEP_BYTES = 512 << 20  # counted pairs kept between the two passes; beyond, counted again
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

    def __init__(self, words: Sequence[str]) -> None:
        # The lasting word table first: allocated among the short-lived gram strings, its
        # objects would keep their memory pages from being returned.
        self.words = dict(zip(words, count()))
        ids: defaultdict[str, int] = defaultdict(count().__next__)  # a new gram: next id
        flat = array("i")
        offsets = array("q", [0])
        for word in self.words:
            flat.extend(map(ids.__getitem__, _grams(word)))
            offsets.append(len(flat))
        self.count = len(ids)
        self.flat = np.frombuffer(flat, dtype=np.int32)
        self.offsets = np.frombuffer(offsets, dtype=np.int64)
        self.lengths = np.diff(self.offsets)  # grams per word
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
            return np.full(len(found), -1, dtype=np.int32)
        wanted = np.array(found, dtype=self.sorted.dtype)
        pos = np.minimum(np.searchsorted(self.sorted, wanted), len(self.sorted) - 1)
        return np.where(self.sorted[pos] == wanted, self.sorted_ids[pos], -1)

    def of_words(self, tokens: Sequence[str]) -> IntArray:
        parts = [self.of_word(token) for token in tokens]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenated ``range(s, s + n)`` for every start s and length n (vectorised)."""
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(int(lengths.sum()), dtype=np.int64)


class Docs:
    """Training variants as word ids: ``ids[starts[d]:starts[d + 1]]`` are variant d's
    words (indices into ``words``); ``labels[d]`` its class. Variants of a class must be
    consecutive."""

    def __init__(self, words: Sequence[str], ids: IntArray, lengths: IntArray,
                 labels: IntArray) -> None:
        self.words, self.ids = words, np.asarray(ids, dtype=np.int64)
        self.starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.starts[1:])
        self.labels = np.asarray(labels, dtype=np.int64)

    @classmethod
    def of(cls, docs: Sequence[Sequence[str]], labels: Sequence[int]) -> Docs:
        """From variants given as sequences of words."""
        table = dict(zip(dict.fromkeys(chain.from_iterable(docs)), count()))
        ids = np.fromiter(map(table.__getitem__, chain.from_iterable(docs)), dtype=np.int64)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        return cls(list(table), ids, lengths, np.asarray(labels, dtype=np.int64))

    def in_first_sight_order(self) -> Docs:
        """The same variants with words numbered in order of first occurrence (and words no
        variant holds left out), so that gram ids do not depend on the word table."""
        first = np.full(len(self.words), len(self.ids), dtype=np.int64)
        np.minimum.at(first, self.ids, np.arange(len(self.ids)))
        used = np.flatnonzero(first < len(self.ids))
        order = used[np.argsort(first[used], kind="stable")]
        renumber = np.zeros(len(self.words), dtype=np.int64)
        renumber[order] = np.arange(len(order))
        words = [self.words[int(i)] for i in order]
        return Docs(words, renumber[self.ids], np.diff(self.starts), self.labels)


def _keys(high: IntArray, low: IntArray, size: int) -> IntArray:
    """``high * size + low``, as 32-bit keys when they fit (they sort about 3× faster)."""
    wide = len(high) and int(high.max()) * size + size > 1 << 32
    dtype: type[np.integer[Any]] = np.int64 if wide else np.uint32
    keys: IntArray = high.astype(dtype) * size + low.astype(dtype)
    return keys


def _unique(key: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct values of ``key``, sorted in place, and how often each occurs."""
    key.sort()
    if not len(key):
        return key, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    return key[first], np.diff(np.append(first, len(key)))


class _Pairs:
    """The distinct (variant, gram) pairs of consecutive variants with their counts, by
    variant then gram; compact, so that the second pass need not count again."""

    def __init__(self, docs: Docs, grams: _Grams, start: int, end: int) -> None:
        bits = max(grams.count - 1, 1).bit_length()  # a gram id fits in the low bits
        words = docs.ids[docs.starts[start]:docs.starts[end]]
        per_word = grams.lengths[words]
        found = grams.flat[_ranges(grams.offsets[words], per_word)]
        before = np.concatenate([[0], np.cumsum(per_word)])  # grams before each word
        per_doc = np.diff(before[docs.starts[start:end + 1] - docs.starts[start]])
        # (variant, gram) keys with the gram in the low bits: they sort as variant * grams
        # + gram does, and a mask takes the gram out again (no division)
        dtype: type[np.integer[Any]] = np.uint32 if (end - start) << bits < 1 << 32 \
            else np.int64  # 32-bit keys sort about 3x faster
        shift = dtype(bits)
        key, counts = _unique((np.repeat(np.arange(end - start, dtype=dtype), per_doc) << shift)
                              | found.astype(dtype))
        self.gram = key & dtype((1 << bits) - 1)
        variants = np.arange(end - start + 1, dtype=dtype) << shift  # where each one starts
        self.per_doc = np.diff(np.searchsorted(key, variants)).astype(np.int32)
        small = counts.max(initial=0) <= np.iinfo(np.uint8).max  # nearly always
        self.counts = counts.astype(np.uint8) if small else counts


class _Chunk:
    """Every (variant, gram) pair of a chunk with its count, variant and class, and every
    (gram, class) cell, by gram then class."""

    def __init__(self, pairs: _Pairs, labels: IntArray, first: int, span: int,
                 n_grams: int) -> None:
        self.first, self.span = first, span
        self.gram, self.counts = pairs.gram, pairs.counts
        self.per_doc = pairs.per_doc
        self.doc = np.repeat(np.arange(len(pairs.per_doc)), pairs.per_doc)
        self.local = np.repeat(labels - first, pairs.per_doc)  # each pair's class, from 0
        self.pair_cell = _keys(self.gram, self.local, span)  # gram-major
        # the distinct cells, in order: marked in a table of all of them (a chunk has at
        # most about CHUNK_CELLS), which is several times faster than sorting the pairs
        present = np.zeros(n_grams * span, dtype=bool)
        present[self.pair_cell] = True
        self.cells = np.flatnonzero(present).astype(self.pair_cell.dtype)

    def kept(self) -> int:
        """Bytes of what the second pass can reuse."""
        return sum(a.nbytes for a in (self.gram, self.counts, self.per_doc))


def _chunks(docs: Docs, grams: _Grams) -> Iterator[tuple[int, int, int, int]]:
    """(first variant, end, first class, number of classes) of consecutive variant ranges
    of about ``CHUNK_GRAMS`` grams, each holding whole classes.

    Every (gram, class) sum is made within one chunk, in the same order as in one pass:
    the model is the same however it is cut.
    """
    n = len(docs.labels)
    if not n:
        return
    per_word = grams.lengths[docs.ids]
    before = np.concatenate([[0], np.cumsum(per_word)])[docs.starts]  # grams before a doc
    changes = np.flatnonzero(docs.labels[1:] != docs.labels[:-1]) + 1
    bounds = [0, *changes.tolist(), n]  # every class's first variant, and the end
    cells_per_class = max(grams.count, 1)
    start = 0
    for i in range(1, len(bounds)):
        end = bounds[i]
        span = int(docs.labels[end - 1] - docs.labels[start]) + 1
        if i + 1 < len(bounds):  # would the next class still fit?
            wider = int(docs.labels[end] - docs.labels[start]) + 1
            if before[bounds[i + 1]] - before[start] <= CHUNK_GRAMS and \
                    wider * cells_per_class <= CHUNK_CELLS:
                continue
        yield start, end, int(docs.labels[start]), span
        start = end


class NgramModel:
    """Multinomial naive Bayes over character n-grams; immutable once built."""

    def __init__(self, docs: Docs, n_classes: int, alpha: float = ALPHA) -> None:
        found = _by_class(docs.in_first_sight_order())
        self.n_classes = n_classes
        self._grams = _Grams(found.words)
        n_grams = max(self._grams.count, 1)
        chunks = list(_chunks(found, self._grams))
        df = np.zeros(n_grams, dtype=np.int64)
        in_classes = np.zeros(n_grams, dtype=np.int64)  # classes whose variants hold a gram
        kept: list[_Pairs | None] = []  # counted pairs kept for the second pass
        budget = KEEP_BYTES
        for start, end, first, span in chunks:
            pairs = _Pairs(found, self._grams, start, end)
            chunk = _Chunk(pairs, found.labels[start:end], first, span, n_grams)
            df += np.bincount(chunk.gram, minlength=n_grams)
            in_classes += np.bincount(chunk.cells // span, minlength=n_grams)
            budget -= chunk.kept()
            kept.append(pairs if budget >= 0 else None)
        self._idf = (np.log((1 + len(found.labels)) / (1 + df)) + 1).astype(np.float32)
        # CSR by gram: for gram g, classes[indptr[g]:indptr[g+1]] with log-weights
        self._indptr = np.zeros(self._grams.count + 1, dtype=np.int64)
        np.cumsum(in_classes[:self._grams.count], out=self._indptr[1:])
        size = int(self._indptr[-1])
        self._classes = np.zeros(size, dtype=np.uint16 if n_classes <= 1 << 16 else np.int32)
        self._weights = np.zeros(size, dtype=np.float32)
        totals = np.zeros(n_classes)
        filled = self._indptr[:-1].copy()  # where each gram's next class goes
        for (start, end, first, span), counted in zip(chunks, kept, strict=True):
            chunk = _Chunk(counted or _Pairs(found, self._grams, start, end),
                           found.labels[start:end], first, span, n_grams)
            totals[first:first + span] = _place(chunk, self._idf, alpha,
                                                (filled, self._classes, self._weights))
        del kept
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


def _by_class(docs: Docs) -> Docs:
    """``docs`` with each class's variants consecutive (in their order)."""
    if not len(docs.labels) or np.all(docs.labels[1:] >= docs.labels[:-1]):
        return docs
    order = np.argsort(docs.labels, kind="stable")
    lengths = np.diff(docs.starts)
    ids = docs.ids[_ranges(docs.starts[order], lengths[order])]
    return Docs(docs.words, ids, lengths[order], docs.labels[order])


def _place(chunk: _Chunk, idf: npt.NDArray[np.float32], alpha: float,
           into: tuple[IntArray, npt.NDArray[Any], npt.NDArray[np.float32]]) -> FloatArray:
    """Write a chunk's (gram, class) log-weights into their rows; return its class totals.

    Sums are made in the order of the pairs (variant, then gram) whatever the chunk.
    """
    filled, classes, weights = into
    # 1 + log(count), looked up by count (position 0 is never used)
    most = int(chunk.counts.max(initial=1))
    weight = np.take(idf, chunk.gram).astype(np.float64)
    if most > 1:  # a count of 1 weighs 1 + log(1) = 1.0: the product would be the same
        weight *= np.append(0.0, 1 + np.log(np.arange(1, most + 1)))[chunk.counts]
    weight /= np.repeat(np.sqrt(np.bincount(chunk.doc, weights=weight * weight,
                                            minlength=len(chunk.per_doc))), chunk.per_doc)
    totals = np.bincount(chunk.local, weights=weight, minlength=chunk.span)
    summed = np.bincount(chunk.pair_cell, weights=weight,
                         minlength=len(filled) * chunk.span)[chunk.cells]
    gram, cls = np.divmod(chunk.cells, chunk.cells.dtype.type(chunk.span))
    per_gram = np.bincount(gram, minlength=len(filled))
    at = filled[gram] + np.arange(len(gram)) - (np.cumsum(per_gram) - per_gram)[gram]
    # cast before the scatter: a scatter that casts goes element by element (~5x slower)
    classes[at] = (cls + chunk.first).astype(classes.dtype)
    weights[at] = np.log1p(summed / alpha).astype(weights.dtype)
    filled += per_gram
    return totals


def posterior(loglik: FloatArray, temperature: float) -> FloatArray:
    """Softmax of the log-likelihoods at ``temperature`` (naive Bayes is over-confident)."""
    z = (loglik - loglik.max()) / temperature
    p = np.exp(z)
    result: FloatArray = p / p.sum()
    return result
