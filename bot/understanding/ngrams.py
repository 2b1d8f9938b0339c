"""A character n-gram naive Bayes model over the entries' question variants.

Word matching (``bot.matching``) is strong on the exact words staff wrote; it is weak
where a newcomer's words differ by inflection, compounding or spelling ("Wohnungsgeber-
bestätigung", "анмельдунгу", "lisansımı") and on long messages, where every word counts
the same. Character 3–5-grams inside word boundaries share evidence across those forms,
and a multinomial naive Bayes model learns which grams are typical of which entry from
all variants at once. It is trained by counting, so building it stays linear in the size
of the knowledge base; scoring is one sparse gather per message.

Weights follow the usual text-classification recipe: sublinear term frequency times
IDF per variant, each variant scaled to unit length (so long variants do not dominate),
then summed per entry with additive smoothing ``ALPHA``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MIN_N, MAX_N = 3, 5
ALPHA = 0.1  # additive smoothing; 0.03–0.3 tested on the development sets, 0.1 best


def grams(token: str) -> list[str]:
    """Character 3- to 5-grams of ``token`` (padded with spaces at the word edges)."""
    padded = f" {token} "
    return [padded[i:i + n] for n in range(MIN_N, MAX_N + 1)
            for i in range(len(padded) - n + 1)]


class NgramModel:
    """Multinomial naive Bayes over character n-grams; immutable once built."""

    def __init__(self, docs: Sequence[Sequence[str]], labels: Sequence[int],
                 n_classes: int, alpha: float = ALPHA) -> None:
        self.n_classes = n_classes
        self._ids: dict[str, int] = {}
        self._token_cache: dict[str, np.ndarray] = {}
        doc_grams = [self._ids_of(tokens, grow=True) for tokens in docs]
        n_grams = len(self._ids)
        # Every (variant, gram) pair with its count, in one vectorised pass.
        lengths = np.fromiter((len(g) for g in doc_grams), dtype=np.int64, count=len(docs))
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        flat = np.concatenate(doc_grams) if len(docs) else np.zeros(0, dtype=np.int64)
        pair, counts = np.unique(doc_of * max(n_grams, 1) + flat, return_counts=True)
        doc, gram = pair // max(n_grams, 1), pair % max(n_grams, 1)
        df = np.bincount(gram, minlength=n_grams)
        self._idf = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
        weight = (1 + np.log(counts)) * self._idf[gram]
        weight /= np.sqrt(np.bincount(doc, weights=weight * weight, minlength=len(docs)))[doc]
        label = np.asarray(labels, dtype=np.int64)[doc]
        totals = np.bincount(label, weights=weight, minlength=n_classes)
        key, inverse = np.unique(gram * n_classes + label, return_inverse=True)
        summed = np.bincount(inverse, weights=weight)
        # CSR by gram: for gram g, classes[indptr[g]:indptr[g+1]] with log-weights
        gram_of = key // n_classes
        self._classes = (key % n_classes).astype(np.int32)
        self._weights = np.log1p(summed / alpha).astype(np.float32)
        self._indptr = np.searchsorted(gram_of, np.arange(n_grams + 1)).astype(np.int64)
        self._lognorm = np.log(totals + alpha * max(n_grams, 1)).astype(np.float32)

    def _ids_of(self, tokens: Sequence[str], grow: bool = False) -> np.ndarray:
        parts = []
        for token in tokens:
            cached = self._token_cache.get(token)
            if cached is None:
                found = []
                for gram in grams(token):
                    gid = self._ids.get(gram)
                    if gid is None and grow:
                        gid = self._ids[gram] = len(self._ids)
                    found.append(-1 if gid is None else gid)
                cached = np.array(found, dtype=np.int64)
                if grow or len(self._token_cache) < 200_000:
                    self._token_cache[token] = cached
            parts.append(cached)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def loglik(self, tokens: Sequence[str]) -> np.ndarray | None:
        """Log-likelihood of the message under each entry, up to a constant shared by all
        entries; None when no gram of the message is known."""
        uniq, counts = np.unique(self._ids_of(tokens), return_counts=True)
        known = uniq >= 0  # grams no variant contains carry no evidence
        uniq, counts = uniq[known], counts[known]
        if not len(uniq):
            return None
        weight = (1 + np.log(counts)) * self._idf[uniq]
        weight /= np.linalg.norm(weight)
        starts, ends = self._indptr[uniq], self._indptr[uniq + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        pos = offsets + np.arange(int(lengths.sum()))
        loglik = np.bincount(self._classes[pos],
                             weights=self._weights[pos] * np.repeat(weight, lengths),
                             minlength=self.n_classes)
        loglik -= float(weight.sum()) * self._lognorm
        return loglik


def posterior(loglik: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of the log-likelihoods at ``temperature`` (naive Bayes is over-confident)."""
    z = (loglik - loglik.max()) / temperature
    p = np.exp(z)
    return p / p.sum()

