"""Rank knowledge entries for a message and decide: answer, suggest or decline.

Three stages, all built once per knowledge snapshot:

1. Retrieval: every entry is a bag of normalised words from its question variants, titles
   (all languages) and keywords. A message's words are looked up exactly, by shared stem
   and by rapidfuzz similarity (typos, inflections); each entry scores the share of the
   message's informative weight (IDF) it explains.
2. A character n-gram naive Bayes model (``bot.understanding.ngrams``) trained on all
   variants gives a posterior over entries; it catches inflected, compounded and misspelt
   words and weighs long messages by what is typical of each entry.
3. Rerank: the best few entries of both are compared with the message variant by variant
   in one ``rapidfuzz.process.cdist`` call.

Kinds of questions no entry covers (``not-covered.yaml``: home-country passports, other
cities, sports results …) are indexed like entries; when one of them ranks first, the
message is declined with its hint instead of being answered by the nearest entry.

The scores and their margin over the runner-up go through a logistic calibration
(coefficients fitted on the development set by ``bench/calibrate.py``, shipped in
``calibration.json``) into a probability that the top entry is right; the decision policy
is ``bot.understanding.policy``. The build steps are in ``bot.understanding.vocabulary``.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.knowledge.model import KnowledgeBase
from bot.understanding import (
    diskcache,
    heap,
    language,
    places,
    romanised,
    smalltalk,
    topics,
    vocabulary,
    wordsets,
)
from bot.understanding.emergency import is_emergency
from bot.understanding.ngrams import FloatArray, NgramModel, posterior
from bot.understanding.policy import (
    FEATURES,
    Calibration,
    Candidate,
    Decision,
    Match,
    Thresholds,
    decide,
    evidence,
)
from bot.understanding.text import match_tokens
from bot.understanding.vocabulary import KEYWORD_WEIGHT, MIN_FUZZY_LEN

__all__ = ["FEATURES", "Calibration", "Candidate", "Decision", "Index", "Match", "Thresholds"]

T = TypeVar("T")
RERANK_TOP = 8
MAX_WORDS = 80  # a longer message is matched on its first 80 distinct words
PHRASE_BONUS = 0.3  # added to coverage when a multi-word keyword occurs whole
UNKNOWN_WEIGHT = 0.6  # share of the largest IDF an unknown word adds to a message's weight
NGRAM_TOP = 3  # entries the n-gram model adds to the rerank beside the word stage's best
NGRAM_WEIGHT = 0.3  # weight of the n-gram posterior in the ranking score
NGRAM_TEMPERATURE = 0.2  # softens naive Bayes' over-confident posterior
EXACT_NEIGHBOUR = 0.8  # a known word's neighbours need this similarity to count

WordScore = tuple[FloatArray | None, float, float]  # see Index._word_score
# the variants the rerank compares, and the same as word sets with their numbers (or None)
Compared = tuple[list[str], tuple[list[str], "npt.NDArray[np.int32]"] | None]


class Index:
    """Search structures for one knowledge snapshot; immutable once built."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None,
                 calibration: Calibration | None = None) -> None:
        self.kb = kb
        self.smalltalk = smalltalk.SmallTalkIndex(kb.smalltalk)
        self.thresholds = thresholds or Thresholds()
        self.calibration = calibration or Calibration()
        self.emergency_id = next((e.id for e in kb.entries.values() if e.emergency), None)
        found = vocabulary.corpus(kb)
        self.ids: list[str] = found.ids  # entries first, then the not-covered kinds
        self._variants = found.variants
        # each variant's words as a sorted set, for token_set_ratio (the same text to it,
        # and about half the work); a large base goes without (a second of build time)
        self._sets: list[vocabulary.Variants | None] = [None] * len(self.ids)
        self._compare: dict[tuple[int, str], Compared] = {}
        if len(found.docs.labels) <= vocabulary.MANY_TEXTS:
            self._sets = [{lang: [wordsets.word_set(v) for v in variants]
                           for lang, variants in item.items()} for item in self._variants]
        # The detector's model loads while the rest is built and the first message waits;
        # not before the n-gram model, whose temporaries and the model would add up —
        # unless the base is large: then the model is small beside the build, which is
        # long enough to hide its loading entirely.
        if len(found.docs.labels) > vocabulary.MANY_TEXTS:
            language.preload()
        self._ngrams = NgramModel(found.docs, len(self.ids))
        language.preload()  # (once only: a second call finds it loading or loaded)
        idf = vocabulary.idf(found.bags)
        self.vocab, self.idf, self.max_idf = idf.vocab, idf.weight, idf.max
        self._vocab_index = {t: i for i, t in enumerate(self.vocab)}
        # the sets numbered item by item, language by language (see _compared)
        self._wordsets = wordsets.WordSets(
            [t for item in self._sets for texts in (item or {}).values() for t in texts],
            self._vocab_index)
        self._set_starts = np.cumsum(
            [0] + [sum(map(len, (item or {}).values())) for item in self._sets]).tolist()
        self._postings = vocabulary.postings(found.bags, self._vocab_index)
        self._by_prefix = vocabulary.by_prefix(self.vocab)
        self._by_initial = vocabulary.by_initial(self.vocab)
        self.ignore = vocabulary.ignored_words(kb)
        self.romanised = romanised.learn(kb, self.ignore)
        self._phrases = vocabulary.phrases(kb, self.idf)
        self._expand = lru_cache(maxsize=50_000)(self._expand_uncached)
        del found
        heap.trim()

    @classmethod
    def cached(cls, kb: KnowledgeBase) -> Index:
        """The index for ``kb`` with the shipped calibration: read from the disk cache when
        nothing it is built from has changed, else built (and cached)."""
        index = diskcache.cached("index", lambda: diskcache.key_of(vocabulary.fingerprint(kb)),
                                 lambda: cls(kb), cls)
        index.kb = kb  # the texts the index was built from are identical (the key)
        index.smalltalk = smalltalk.SmallTalkIndex(kb.smalltalk)
        language.preload()  # a build started it already, at the moment that keeps the peak low
        return index

    def __getstate__(self) -> dict[str, object]:
        """What the disk cache keeps: the built structures, not the knowledge base — each
        pickled on its own, so that reading them back gives other threads a turn between
        the parts (a console save reads a new index while the bot answers: no single step
        holds the interpreter for more than ~15 ms instead of ~70 ms for the whole)."""
        state = dict(self.__dict__)
        del state["kb"], state["_expand"], state["smalltalk"]
        return {"parts": {name: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                          for name, value in state.items()}}

    def __setstate__(self, state: dict[str, dict[str, bytes]]) -> None:
        for name, raw in state["parts"].items():  # a turn for other threads between parts
            setattr(self, name, pickle.loads(raw))  # noqa: S301 - our own disk cache
        self._wordsets.relink(self._vocab_index)  # one vocabulary, not a copy of it
        self._expand = lru_cache(maxsize=50_000)(self._expand_uncached)

    def _expand_uncached(self, token: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary words that ``token`` may stand for, with a similarity in 0..1."""
        found: dict[str, float] = {}
        if token in self._vocab_index:
            found[token] = 1.0
        if len(token) >= MIN_FUZZY_LEN:
            for other in self._by_prefix.get(token[:MIN_FUZZY_LEN], ()):
                if other == token:
                    continue
                common = len(_common_prefix(token, other))
                sim = common / max(len(token), len(other))
                # inflections share a long prefix: реєстрації / реєстрація, wohnung / wohnungen
                if common >= 5 or sim >= 0.75:
                    found[other] = max(found.get(other, 0.0), 0.55 + 0.4 * sim)
            for other, score in self._similar(token):
                if other != token:
                    found[other] = max(found.get(other, 0.0), score / 100 * 0.9)
        if token in self._vocab_index:
            # a word the base knows as it is: a loose neighbour (a compound sharing its
            # first part: kindergeld / kinderreisepass) is another word, not a typo of it
            found = {t: s for t, s in found.items() if s >= EXACT_NEIGHBOUR}
        return tuple(sorted(found.items(), key=lambda kv: -kv[1]))

    def _similar(self, token: str) -> list[tuple[str, float]]:
        """The (at most) 6 words of ``token``'s initial closest to it by ``fuzz.ratio``,
        at least ``cutoff`` close, best first (ties in vocabulary order): as
        ``process.extract(..., limit=6)`` over all of them gives them, but compared only
        with the words of a length that can come that close."""
        initial = self._by_initial.get(token[0])
        if initial is None:
            return []
        cutoff = 80 if len(token) >= 7 else 86
        # fuzz.ratio ≤ 200·min(m, n) / (m + n); half a point of slack for rounding
        bound = cutoff - 0.5
        shortest = math.ceil(bound * len(token) / (200 - bound))
        longest = math.floor(len(token) * (200 - bound) / bound)
        start, words = initial.of_lengths(shortest, longest)
        hits = process.extract(token, words, scorer=fuzz.ratio, score_cutoff=cutoff,
                               limit=None)
        order = initial.order
        hits.sort(key=lambda hit: (-hit[1], order[start + hit[2]]))
        return [(other, score) for other, score, _ in hits[:6]]

    def rank(self, text: str, lang: str | None = None,
             seen: dict[str, WordScore] | None = None) -> list[Candidate]:
        """Entries ranked by relevance to ``text``, best first (empty when nothing is known).
        ``seen``: the word scores of another part of the same message, reused."""
        words = list(dict.fromkeys(match_tokens(text)))[:MAX_WORDS]
        if not words or not self.ids:
            return []
        total, weight_sum, unknown = self._word_scores(words, seen)
        if weight_sum <= 0:
            return []
        coverage = self._with_phrases(total / weight_sum, words)
        order = [int(i) for i in np.argsort(-coverage)[:RERANK_TOP] if coverage[i] > 0]
        if not order:
            return []
        likely, gap = self._ngram_scores(words, order)
        reranks = self._rerank(words, order, lang)
        ranked = [
            Candidate(self.ids[i],
                      float(0.7 * coverage[i] + 0.3 * r + NGRAM_WEIGHT * likely[i]),
                      float(coverage[i]), r, float(total[i]), unknown / weight_sum, gap)
            for i, r in zip(order, reranks, strict=True)
        ]
        ranked.sort(key=lambda c: -c.score)
        return ranked

    def _word_scores(self, words: list[str],
                     seen: dict[str, WordScore] | None = None,
                     ) -> tuple[FloatArray, float, float]:
        """Per entry, the IDF weight of the message's words it explains; the message's
        total weight; and the part of it in words no entry knows. ``seen`` keeps each
        word's share for the parts of the same message."""
        total = np.zeros(len(self.ids), dtype=np.float32)
        weight_sum = unknown = 0.0
        for word in words:
            found = seen.get(word) if seen is not None else None
            if found is None:
                found = self._word_score(word)
                if seen is not None:
                    seen[word] = found
            vector, weight, unknown_weight = found
            weight_sum += weight
            unknown += unknown_weight
            if vector is not None:
                total += vector
        return total, weight_sum, unknown

    def _word_score(self, word: str) -> WordScore:
        """One word's explained weight per entry (None: no entry knows it), its weight in
        the message, and the part of that weight unknown to every entry."""
        matches = self._expand(word)
        if not matches:
            # An unknown word counts as informative: the message is about something else.
            if len(word) > 2 and not word.isdigit():
                return None, UNKNOWN_WEIGHT * self.max_idf, UNKNOWN_WEIGHT * self.max_idf
            return None, 0.0, 0.0
        best_idf = max(self.idf[t] * s for t, s in matches)
        found = [self._postings.of(self._vocab_index[token]) for token, _ in matches]
        # each word's weights times its IDF and similarity, in float32 as numpy multiplies
        # an array by a number; one product for all words (most words have one: no copy)
        factor = np.array([self.idf[token] * sim for token, sim in matches], dtype=np.float32)
        if len(found) == 1:
            where, weights = found[0][0], found[0][1] * factor[0]
        else:
            where = np.concatenate([idx for idx, _ in found])
            weights = np.concatenate([w for _, w in found]) * np.repeat(
                factor, [len(idx) for idx, _ in found])
        # one maximum over all the words ``word`` may stand for (a maximum is exact)
        contrib = np.zeros(len(self.ids), dtype=np.float32)
        np.maximum.at(contrib, where, weights)
        # A word only not-covered kinds know (voiture, käsespätzle) is, for the entries,
        # as unknown as a word nobody knows: the calibration was fitted on an index
        # without the kinds, where it is unknown (bench/calibrate.py).
        foreign = best_idf if int(where.min()) >= len(self.kb.entries) else 0.0
        return np.minimum(contrib, best_idf * KEYWORD_WEIGHT), best_idf, foreign

    def _with_phrases(self, coverage: FloatArray, words: list[str]) -> FloatArray:
        """``coverage`` raised for entries whose multi-word keyword occurs whole."""
        present = set(words)
        for word in present:
            for i, phrase in self._phrases.get(word, ()):
                if phrase <= present:
                    coverage[i] += PHRASE_BONUS
        return coverage

    def _ngram_scores(self, words: list[str], order: list[int]) -> tuple[FloatArray, float]:
        """The n-gram posterior per entry and its log-likelihood gap; the model's best
        entries are appended to ``order``."""
        loglik = self._ngrams.loglik(words)
        if loglik is None:
            return np.zeros(len(self.ids)), 0.0
        likely = posterior(loglik, NGRAM_TEMPERATURE)
        best = np.sort(loglik)[-2:]
        gap = float(best[-1] - best[0]) if len(best) == 2 else 0.0
        order += [int(i) for i in np.argsort(-likely)[:NGRAM_TOP] if int(i) not in order]
        return likely, gap

    def _compared(self, i: int, lang: str | None) -> Compared:
        """The variants of entry ``i`` the rerank compares a message in ``lang`` with, and
        the same as sorted sets of words with their numbers in ``_wordsets`` where they were
        made (at build time, in a base of up to ``MANY_TEXTS`` variants; else None)."""
        key = (i, lang or "")
        found = self._compare.get(key)
        if found is None:
            sets = self._sets[i]
            chosen = _chosen(self._variants[i], lang)
            if sets is None:
                found = self._compare[key] = (chosen, None)
            else:
                numbers = _numbered(sets, self._set_starts[i])
                found = self._compare[key] = (chosen, (
                    _chosen(sets, lang), np.asarray(_chosen(numbers, lang), dtype=np.int32)))
        return found

    def _rerank(self, words: list[str], order: list[int], lang: str | None) -> list[float]:
        docs: list[str] = []
        sets: list[str] = []
        numbers: list[npt.NDArray[np.int32]] = []
        sizes = []
        for i in order:
            chosen, chosen_sets = self._compared(i, lang)
            docs += chosen
            if chosen_sets is not None:
                sets += chosen_sets[0]
                numbers.append(chosen_sets[1])
            sizes.append(len(chosen))
        if not docs:
            return [0.0] * len(order)
        query = " ".join(words)
        if len(sets) == len(docs):  # token_set_ratio of the sets (bot.understanding.wordsets)
            scores = self._wordsets.scores(words, sets, np.concatenate(numbers))
        else:  # a large base: the variants, read as sets by token_set_ratio itself
            scores = process.cdist([query], docs, scorer=fuzz.token_set_ratio,
                                   dtype=np.uint8)[0]
        ratio = process.cdist([query], docs, scorer=fuzz.ratio, dtype=np.uint8)[0]
        combined = (scores.astype(np.float32) * 0.5 + ratio.astype(np.float32) * 0.5) / 100
        best = np.zeros(len(order), dtype=np.float32)
        np.maximum.at(best, np.repeat(np.arange(len(order)), sizes), combined)
        return [float(x) for x in best]

    def match(self, text: str, lang: str | None = None) -> Match:
        """Rank and decide (``bot.understanding.policy``). Emergencies are never declined.

        ``lang`` is the message's language; the variants of that language are the ones
        compared in the rerank; "" means unknown (all variants). Without it, it is
        detected here (unknown when the detector is unsure, e.g. a lone German term).
        """
        if lang is None:
            found = language.detect(text, self.ignore, self.romanised)
            lang = found.lang if found.confidence >= language.DETECT_CONFIDENT else ""
        seen: dict[str, WordScore] = {}  # the parts of the message share its words' scores
        verdict = self._verdict(text, lang, seen)
        verdict = smalltalk.decide(self.smalltalk.classify(text), verdict, self.emergency_id)
        return topics.two_topics(text, verdict, lambda part: self._verdict(part, lang, seen),
                                 lang, self.kb.entries, self.smalltalk.greets)

    def _verdict(self, text: str, lang: str, seen: dict[str, WordScore]) -> Match:
        """Rank and decide on the entries alone."""
        candidates = self.rank(text, lang, seen)
        emergency = bool(self.emergency_id) and is_emergency(text)
        facts = evidence(candidates, self.kb.entries, self.calibration, emergency,
                         self.thresholds.not_covered_lead, self._elsewhere(text))
        return decide(facts, self.kb.entries, self.emergency_id, self.thresholds)

    def _elsewhere(self, text: str) -> str | None:
        """The kind ``other-places`` when the message is about another place (policy
        rule 3), if the knowledge base has that kind."""
        kind = places.OTHER_PLACES
        return kind if kind in self.kb.not_covered and places.elsewhere(text) else None


def _chosen(variants: Mapping[str, list[T]], lang: str | None) -> list[T]:
    """The variants the rerank compares: the message's language and the keywords, or all
    when the language is unknown."""
    if not lang:
        return [v for found in variants.values() for v in found]
    return variants.get(lang, []) + variants.get("*", [])


def _numbered(sets: vocabulary.Variants, start: int) -> dict[str, list[int]]:
    """The numbers of ``sets`` in ``WordSets``, language by language from ``start``."""
    found: dict[str, list[int]] = {}
    for lang, texts in sets.items():
        found[lang] = list(range(start, start + len(texts)))
        start += len(texts)
    return found


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]
