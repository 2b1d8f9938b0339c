"""The build steps of the matching index, one structure each; pure functions of a snapshot.

``corpus`` turns entries and not-covered kinds into bags of words and variants; the other
steps derive the look-up structures ``bot.understanding.matching.Index`` searches.

Everything is computed on arrays of word ids: the texts are cut at their spaces in one
call, each distinct piece is tokenized once (no step of the normalisation acts across a
plain space, see ``bot.understanding.text.WordTokens``), and bags, variants and the n-gram
model's training docs are gathers and sorts of the pieces' word ids — no Python loop over
the words of every text, which a knowledge base 100× larger (7 M words) could not afford.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import count, repeat

import numpy as np
import numpy.typing as npt

from bot.knowledge.model import Entry, KnowledgeBase, NotCovered
from bot.understanding.language import GERMAN_EVERYDAY
from bot.understanding.ngrams import Docs, _ranges
from bot.understanding.text import WordTokens, index_tokens, match_tokens

FUNCTION_WORD_LEN = 4  # "auf", "der", "fur", "ohne": parts of names, not a sign of German
KEYWORD_WEIGHT = 1.6  # a keyword staff chose is a stronger signal than a word in a variant
TITLE_WEIGHT = 1.2
MIN_FUZZY_LEN = 4
MANY_TEXTS = 50_000  # beyond, texts are tokenized by their space-separated pieces
BATCH_TEXTS = 50_000  # texts cut into pieces at once

Variants = dict[str, list[str]]  # language ("*": keywords) → normalised variants
Phrases = dict[str, list[tuple[int, frozenset[str]]]]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Bags:
    """Every (item, word) pair of the bags of words, sorted, with the word's weight there
    (the largest weight of the texts of the item that hold it)."""

    words: list[str]  # word ids → words
    item: Ints
    word: Ints
    level: Ints  # the weight, as its position in ``levels``
    levels: list[float]  # the distinct weights, ascending
    n_items: int


@dataclass(frozen=True)
class Corpus:
    """Everything the index is built from: entries first, then the not-covered kinds."""

    ids: list[str]
    bags: Bags
    variants: list[Variants]
    docs: Docs  # every variant's words, for the n-gram model (labels: positions in ids)


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


@dataclass(frozen=True)
class _Texts:
    """Every text of every item, tokenized: ``ids[starts[t]:starts[t + 1]]`` are text t's
    word ids."""

    words: list[str]
    ids: Ints
    starts: Ints
    owner: Ints  # the item of each text
    weight: list[float]
    lang: list[str]


def corpus(kb: KnowledgeBase) -> Corpus:
    """Bags of words, variants and n-gram training docs of every entry and kind."""
    items: list[Entry | NotCovered] = [*kb.entries.values(), *kb.not_covered.values()]
    texts = _tokenized(items)
    order, groups = _variant_order(texts)
    lengths = np.diff(texts.starts)[order]
    ids = texts.ids[_ranges(texts.starts[order], lengths)]
    docs = Docs(texts.words, ids, lengths, texts.owner[order])
    return Corpus([*kb.entries, *kb.not_covered], _bags(texts, len(items)),
                  _variants(texts, docs, (order, groups), len(items)), docs)


def texts_of(item: Entry | NotCovered) -> tuple[list[str], list[float], list[str]]:
    """The texts an entry or a not-covered kind is asked by, with their weights and
    languages ("*": keywords): per language the questions, then the title; keywords last."""
    texts: list[str] = []
    weights: list[float] = []
    langs: list[str] = []

    def add(found: Iterable[str], weight: float, lang: str) -> None:
        before = len(texts)
        texts.extend(found)
        weights.extend(repeat(weight, len(texts) - before))
        langs.extend(repeat(lang, len(texts) - before))

    if isinstance(item, NotCovered):
        for lang, questions in item.questions.items():
            add(questions, 1.0, lang)
        return texts, weights, langs
    for lang, text in item.texts.items():
        add(text.questions, 1.0, lang)
        add((text.title,), TITLE_WEIGHT, lang)
    add(item.keywords, KEYWORD_WEIGHT, "*")
    return texts, weights, langs


def _tokenized(items: list[Entry | NotCovered]) -> _Texts:
    """The texts of ``items`` as word ids. Every distinct text is tokenized once; in a
    large knowledge base every distinct space-separated piece (the words recur, the texts
    hardly)."""
    texts: list[str] = []
    weights: list[float] = []
    langs: list[str] = []
    per_item = np.zeros(len(items), dtype=np.int64)
    for i, item in enumerate(items):
        found = texts_of(item)
        texts.extend(found[0])
        weights.extend(found[1])
        langs.extend(found[2])
        per_item[i] = len(found[0])
    owner = np.repeat(np.arange(len(items)), per_item)
    piece_id: defaultdict[str, int] = defaultdict(count().__next__)  # new piece: next id
    if len(texts) <= MANY_TEXTS:  # each text is one piece, tokenized whole
        of_piece = np.fromiter(map(piece_id.__getitem__, texts), dtype=np.int64,
                               count=len(texts))
        per_text = np.ones(len(texts), dtype=np.int64)
        return _words_of(piece_id, index_tokens, (of_piece, per_text),
                         (owner, weights, langs))
    parts = [np.zeros(0, dtype=np.int64)]
    for at in range(0, len(texts), BATCH_TEXTS):  # batches: the pieces' strings add up
        pieces = " ".join(texts[at:at + BATCH_TEXTS]).split(" ")  # every text's split(" ")
        parts.append(np.fromiter(map(piece_id.__getitem__, pieces), dtype=np.int64,
                                 count=len(pieces)))
    per_text = np.fromiter(map(str.count, texts, repeat(" ")), dtype=np.int64,
                           count=len(texts)) + 1
    return _words_of(piece_id, WordTokens(), (np.concatenate(parts), per_text),
                     (owner, weights, langs))


def _words_of(piece_id: dict[str, int], tokens: Callable[[str], tuple[str, ...]],
              pieces: tuple[Ints, Ints], about: tuple[Ints, list[float], list[str]],
              ) -> _Texts:
    """Word ids of every text from its pieces' (``pieces``: the id of every piece in
    order, and how many pieces each text has)."""
    of_piece, per_text = pieces
    word_id: dict[str, int] = {}
    flat: list[int] = []
    sizes = np.zeros(len(piece_id), dtype=np.int64)
    for n, piece in enumerate(piece_id):
        words = tokens(piece)
        flat.extend(word_id.setdefault(w, len(word_id)) for w in words)
        sizes[n] = len(words)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    per_piece = sizes[of_piece]
    ids = np.asarray(flat, dtype=np.int64)[_ranges(starts[of_piece], per_piece)]
    before = np.concatenate([[0], np.cumsum(per_piece)])  # words before each piece
    text_starts = before[np.concatenate([[0], np.cumsum(per_text)])]
    return _Texts(list(word_id), ids, text_starts, *about)


def _variant_order(texts: _Texts) -> tuple[Ints, Ints]:
    """The texts that have words, as the n-gram docs and the variants list them: by item,
    within an item by language in order of first appearance, then in order; and where each
    (item, language) group starts in that order."""
    has_words = np.flatnonzero(np.diff(texts.starts) > 0)
    codes = {lang: n for n, lang in enumerate(dict.fromkeys(texts.lang))}
    lang = np.fromiter((codes[texts.lang[t]] for t in has_words.tolist()), dtype=np.int64,
                       count=len(has_words))
    group = texts.owner[has_words] * max(len(codes), 1) + lang
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    # a group's first text stands for it: items in order, languages by first appearance
    order = has_words[np.argsort(first[inverse], kind="stable")]
    sizes = np.bincount(inverse, minlength=len(first))[np.argsort(first, kind="stable")]
    return order, np.concatenate([[0], np.cumsum(sizes)])


def _bags(texts: _Texts, n_items: int) -> Bags:
    """Each item's words with the largest weight of its texts that hold them."""
    levels = sorted(set(texts.weight))
    level = {w: n for n, w in enumerate(levels)}
    per_text = np.diff(texts.starts)
    of_text = np.fromiter(map(level.__getitem__, texts.weight), dtype=np.int64,
                          count=len(texts.weight))
    n_words, n_levels = max(len(texts.words), 1), max(len(levels), 1)
    # 32-bit keys when they fit (they sort about 3x faster); the same order either way
    dtype = np.uint32 if n_items * n_words * n_levels < 1 << 32 else np.int64
    key = (np.repeat(texts.owner.astype(dtype), per_text) * dtype(n_words)
           + texts.ids.astype(dtype)) * dtype(n_levels) \
        + np.repeat(of_text.astype(dtype), per_text)
    key.sort()
    pair = key // dtype(n_levels)
    last = np.flatnonzero(np.append(pair[1:] != pair[:-1], True)) if len(key) else pair
    item, word = np.divmod(pair[last].astype(np.int64), n_words)
    return Bags(texts.words, item, word, (key[last] % dtype(n_levels)).astype(np.int64),
                levels, n_items)


def _variants(texts: _Texts, docs: Docs, grouped: tuple[Ints, Ints],
              n_items: int) -> list[Variants]:
    """Every item's variants per language: its docs' words joined by spaces (``grouped``:
    the text of every doc, and where each (item, language) group of docs starts)."""
    # One join and one split make all the strings; words never hold a space or a newline.
    words = np.asarray([*texts.words, "\n"], dtype=object)
    marks = np.full(len(docs.ids) + len(docs.labels), len(texts.words), dtype=np.int64)
    marks[np.arange(len(docs.ids)) + np.repeat(np.arange(len(docs.labels)),
                                                np.diff(docs.starts))] = docs.ids
    joined = " ".join(words[marks[:-1]].tolist()).split(" \n ") if len(docs.labels) else []
    unique: dict[str, str] = {}
    joined = [unique.setdefault(v, v) for v in joined]  # the same text is stored once
    found: list[Variants] = [{} for _ in range(n_items)]
    order, groups = grouped
    for start, end in zip(groups[:-1].tolist(), groups[1:].tolist(), strict=True):
        found[int(docs.labels[start])][texts.lang[order[start]]] = joined[start:end]
    return found


def idf(bags: Bags) -> Idf:
    """Every word's IDF over the bags, and the IDF of a word no bag has."""
    df = np.bincount(bags.word, minlength=len(bags.words)).tolist()
    n = bags.n_items
    vocab = sorted(w for w, d in zip(bags.words, df, strict=True) if d)
    count = dict(zip(bags.words, df, strict=True))
    weight = {t: math.log((n + 1) / (count[t] + 0.5)) for t in vocab}
    return Idf(vocab, weight, math.log((n + 1) / 0.5) if n else 1.0)


def postings(bags: Bags, row_of: dict[str, int]) -> Postings:
    """Which bags hold each word, with the word's weight there (bags in order)."""
    row = np.fromiter((row_of.get(w, -1) for w in bags.words), dtype=np.int64,
                      count=len(bags.words))[bags.word]
    n_levels = max(len(bags.levels), 1)
    key = (row * max(bags.n_items, 1) + bags.item) * n_levels + bags.level
    key.sort()  # by row, then bag (the weight rides along in the lowest digit)
    row_item, level = np.divmod(key, n_levels)
    counts = np.bincount(row, minlength=len(row_of))
    indptr = np.zeros(len(row_of) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    weights = np.asarray(bags.levels, dtype=np.float32)[level]
    return Postings(indptr, (row_item % max(bags.n_items, 1)).astype(np.int32), weights)


def by_prefix(vocab: Iterable[str]) -> dict[str, list[str]]:
    """Words longer than MIN_FUZZY_LEN by their first MIN_FUZZY_LEN letters (inflections)."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for token in vocab:
        if len(token) >= MIN_FUZZY_LEN + 1:
            found[token[:MIN_FUZZY_LEN]].append(token)
    return dict(found)


@dataclass(frozen=True)
class Initial:
    """The words of one first letter sorted by length (within a length in vocabulary
    order), with each word's place in vocabulary order among them."""

    words: list[str]
    lengths: npt.NDArray[np.int32]
    order: list[int]

    def of_lengths(self, shortest: int, longest: int) -> tuple[int, list[str]]:
        """Where the words of ``shortest`` to ``longest`` letters start, and those words."""
        start = int(np.searchsorted(self.lengths, shortest, side="left"))
        end = int(np.searchsorted(self.lengths, longest, side="right"))
        return start, self.words[start:end]


def by_initial(vocab: Iterable[str]) -> dict[str, Initial]:
    """Words for the fuzzy look-up by first letter, by length.

    Typos rarely hit the first letter; comparing with words of the same initial only keeps
    the look-up fast on a large base, and a word can only be that similar to words of
    about its length.
    """
    found: defaultdict[str, list[str]] = defaultdict(list)
    for token in vocab:
        if len(token) >= MIN_FUZZY_LEN:
            found[token[0]].append(token)
    initials = {}
    for initial, words in found.items():
        lengths = [len(w) for w in words]
        order = sorted(range(len(words)), key=lengths.__getitem__)  # stable: vocabulary order
        initials[initial] = Initial([words[n] for n in order], np.fromiter(
            (len(words[n]) for n in order), dtype=np.int32, count=len(order)), order)
    return initials


def ignored_words(kb: KnowledgeBase) -> frozenset[str]:
    """Keyword words in Latin letters (German official terms) that say nothing about the
    language of a message. German everyday words ("anmelden", "gesucht", "lernen") are not
    ignored: written, they say the writer writes German; short function words stay ignored,
    as parts of names ("Haus auf der Mauer", "Agentur für Arbeit")."""
    words = frozenset(w for e in kb.entries.values() for k in e.keywords
                      for w in match_tokens(k) if w.isascii())
    return words - frozenset(w for w in GERMAN_EVERYDAY if len(w) > FUNCTION_WORD_LEN)


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
