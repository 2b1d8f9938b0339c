"""The build steps of the matching index, one structure each; pure functions of a snapshot.

``corpus`` turns entries and not-covered kinds into bags of words and variants; the other
steps derive the look-up structures ``bot.understanding.matching.Index`` searches.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.knowledge.model import Entry, KnowledgeBase, NotCovered
from bot.understanding.text import WordTokens, index_tokens, match_tokens

KEYWORD_WEIGHT = 1.6  # a keyword staff chose is a stronger signal than a word in a variant
TITLE_WEIGHT = 1.2
MIN_FUZZY_LEN = 4
MANY_TEXTS = 50_000  # beyond, the texts' shared words are tokenized once each

Bag = dict[str, float]
Variants = dict[str, list[str]]  # language ("*": keywords) → normalised variants
Phrases = dict[str, list[tuple[int, frozenset[str]]]]


@dataclass(frozen=True)
class Corpus:
    """Everything the index is built from: entries first, then the not-covered kinds."""

    ids: list[str]
    bags: list[Bag]
    variants: list[Variants]
    docs: list[tuple[str, ...]]  # every variant's words, for the n-gram model
    labels: list[int]  # the position in ``ids`` each doc belongs to


@dataclass(frozen=True)
class Idf:
    """Inverse document frequency of every known word (documents: entries and kinds)."""

    vocab: list[str]
    weight: dict[str, float]
    max: float


@dataclass(frozen=True)
class Postings:
    """Word → (entry positions, weights) in compressed rows, in the order of ``vocab``."""

    indptr: npt.NDArray[np.int64]
    entries: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]

    def of(self, row: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        start, end = self.indptr[row], self.indptr[row + 1]
        return self.entries[start:end], self.weights[start:end]


def corpus(kb: KnowledgeBase) -> Corpus:
    """Bags of words, variants and n-gram training docs of every entry and kind."""
    items: list[Entry | NotCovered] = [*kb.entries.values(), *kb.not_covered.values()]
    bags: list[Bag] = []
    variants: list[Variants] = []
    docs: list[tuple[str, ...]] = []
    labels: list[int] = []
    texts = sum(1 for item in items for _ in texts_of(item))
    tokens = WordTokens() if texts > MANY_TEXTS else index_tokens
    for i, item in enumerate(items):
        bag, found, words = bag_of(texts_of(item), tokens)
        bags.append(bag)
        variants.append(found)
        docs.extend(words)
        labels.extend([i] * len(words))
    return Corpus([*kb.entries, *kb.not_covered], bags, variants, docs, labels)


def texts_of(item: Entry | NotCovered) -> Iterator[tuple[str, float, str]]:
    """(text, weight, language) of everything an entry or a not-covered kind is asked by."""
    if isinstance(item, NotCovered):
        for lang, questions in item.questions.items():
            for question in questions:
                yield question, 1.0, lang
        return
    for lang, text in item.texts.items():
        for question in text.questions:
            yield question, 1.0, lang
        yield text.title, TITLE_WEIGHT, lang
    for keyword in item.keywords:
        yield keyword, KEYWORD_WEIGHT, "*"


def bag_of(texts: Iterable[tuple[str, float, str]],
           tokens: Callable[[str], tuple[str, ...]] = index_tokens,
           ) -> tuple[Bag, Variants, list[tuple[str, ...]]]:
    """Words with their weights, the variants per language ("*": keywords), and every
    variant's words in the same order (variants are grouped by language)."""
    bag: Bag = {}
    words_of: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
    for text, weight, lang in texts:
        words = tokens(text)
        for token in words:
            bag[token] = max(bag.get(token, 0.0), weight)
        if words:
            words_of[lang].append(words)
    variants = {lang: [" ".join(w) for w in found] for lang, found in words_of.items()}
    return bag, variants, [w for found in words_of.values() for w in found]


def idf(bags: Sequence[Bag]) -> Idf:
    """Every word's IDF over the bags, and the IDF of a word no bag has."""
    df: defaultdict[str, int] = defaultdict(int)
    for bag in bags:
        for token in bag:
            df[token] += 1
    n = len(bags)
    vocab = sorted(df)
    weight = {t: math.log((n + 1) / (df[t] + 0.5)) for t in vocab}
    return Idf(vocab, weight, math.log((n + 1) / 0.5) if n else 1.0)


def postings(bags: Sequence[Bag], row_of: dict[str, int]) -> Postings:
    """Which bags hold each word, with the word's weight there (bags in order)."""
    rows, entries, weights = array("q"), array("i"), array("f")
    for i, bag in enumerate(bags):
        rows.extend(map(row_of.__getitem__, bag))
        entries.extend([i] * len(bag))
        weights.extend(bag.values())
    order = np.argsort(np.frombuffer(rows, dtype=np.int64), kind="stable")
    counts = np.bincount(np.frombuffer(rows, dtype=np.int64), minlength=len(row_of))
    indptr = np.zeros(len(row_of) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Postings(indptr, np.frombuffer(entries, dtype=np.int32)[order],
                    np.frombuffer(weights, dtype=np.float32)[order])


def by_prefix(vocab: Iterable[str]) -> dict[str, list[str]]:
    """Words longer than MIN_FUZZY_LEN by their first MIN_FUZZY_LEN letters (inflections)."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for token in vocab:
        if len(token) >= MIN_FUZZY_LEN + 1:
            found[token[:MIN_FUZZY_LEN]].append(token)
    return dict(found)


def by_initial(vocab: Iterable[str]) -> dict[str, list[str]]:
    """Words for the fuzzy look-up by first letter.

    Typos rarely hit the first letter; comparing with words of the same initial only keeps
    the look-up fast on a large base.
    """
    found: defaultdict[str, list[str]] = defaultdict(list)
    for token in vocab:
        if len(token) >= MIN_FUZZY_LEN:
            found[token[0]].append(token)
    return dict(found)


def ignored_words(kb: KnowledgeBase) -> frozenset[str]:
    """Keyword words in Latin letters (German official terms) that say nothing about the
    language of a message."""
    return frozenset(w for e in kb.entries.values() for k in e.keywords
                     for w in match_tokens(k) if w.isascii())


def phrases(kb: KnowledgeBase, weight: dict[str, float]) -> Phrases:
    """Multi-word keywords ("مكتب الأجانب", "Agentur für Arbeit"), indexed by their rarest
    word: found whole in a message, they are strong evidence."""
    found: defaultdict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
    for i, entry in enumerate(kb.entries.values()):
        for keyword in entry.keywords:
            words = frozenset(match_tokens(keyword))
            if len(words) >= 2:
                rarest = max(words, key=lambda w: weight.get(w, 0.0))
                found[rarest].append((i, words))
    return dict(found)



def fingerprint(kb: KnowledgeBase) -> Iterator[str]:
    """Everything of ``kb`` the index is built from, as strings, in a stable order."""
    for entry in kb.entries.values():
        yield f"entry {entry.id} {entry.emergency}"
        yield from entry.keywords
        for lang, text in entry.texts.items():
            yield f"{lang} {text.title}"
            yield from text.questions
    for kind in kb.not_covered.values():
        yield f"not-covered {kind.id}"
        for lang, questions in kind.questions.items():
            yield lang
            yield from questions
