"""Rank knowledge entries for a message and decide: answer, suggest or decline.

Three stages, all built once per knowledge snapshot:

1. Retrieval: every entry is a bag of normalised words from its question variants, titles
   (all languages) and keywords. A message's words are looked up exactly, by shared stem
   and by rapidfuzz similarity (typos, inflections); each entry scores the share of the
   message's informative weight (IDF) it explains.
2. A character n-gram naive Bayes model (``bot.ngrams``) trained on all variants gives a
   posterior over entries; it catches inflected, compounded and misspelt words and weighs
   long messages by what is typical of each entry.
3. Rerank: the best few entries of both are compared with the message variant by variant
   in one ``rapidfuzz.process.cdist`` call.

Kinds of questions no entry covers (``not-covered.yaml``: home-country passports, other
cities, sports results …) are indexed like entries; when one of them ranks first, the
message is declined with its hint instead of being answered by the nearest entry.

The scores and their margin over the runner-up go through a logistic calibration
(coefficients fitted on the development set, see ``bench/calibrate.py``) into a
probability that the top entry is right. Thresholds live in ``Thresholds``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from bot.knowledge.loader import Entry, KnowledgeBase
from bot.knowledge.model import NotCovered
from bot.understanding.emergency import is_emergency
from bot.understanding.language import DETECT_CONFIDENT, detect
from bot.understanding.ngrams import NgramModel, posterior
from bot.understanding.text import match_tokens

KEYWORD_WEIGHT = 1.6  # a keyword staff chose is a stronger signal than a word in a variant
TITLE_WEIGHT = 1.2
RERANK_TOP = 8
MIN_FUZZY_LEN = 4
MAX_WORDS = 80  # a longer message is matched on its first 80 distinct words
PHRASE_BONUS = 0.3  # added to coverage when a multi-word keyword occurs whole
UNKNOWN_WEIGHT = 0.6  # share of the largest IDF an unknown word adds to a message's weight
NGRAM_TOP = 3  # entries the n-gram model adds to the rerank beside the word stage's best
NGRAM_WEIGHT = 0.3  # weight of the n-gram posterior in the ranking score
NGRAM_TEMPERATURE = 0.2  # softens naive Bayes' over-confident posterior


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the calibrated confidence.

    Fitted by ``bench/calibrate.py --max-in-scope-declined 0.03`` on eval/dev.jsonl,
    dev-long, tune and tune-oos (888 in-scope, 248 out-of-scope questions): 94.8 %
    answered right, 2.9 % of in-scope questions declined (DESIGN.md limit 5 %; unseen sets
    decline a little more), 91.5 % of out-of-scope ones declined (limit 80 %). A message
    whose best match is a not-covered kind is declined whatever its confidence.
    Between ``suggest`` and ``answer`` the bot asks "Did you mean…" with buttons.
    """

    answer: float = 0.22
    suggest: float = 0.22
    sure: float = 0.9  # below this, an answer also offers the close runners-up
    maybe: float = 0.02  # a declined message this close still shows its nearest topics
    max_suggestions: int = 3
    suggest_floor: float = 0.5  # a suggestion must reach this share of the top score


FEATURES = ("coverage", "rerank", "margin", "strength", "unknown", "gap")


@dataclass(frozen=True)
class Calibration:
    """Logistic regression over FEATURES → P(top entry is right); see bench/calibrate.py.

    Fitted on an index without the not-covered kinds, so it also declines on its own.
    """

    bias: float = -10.139
    weights: tuple[float, ...] = (1.747, 7.943, 1.233, 5.163, -1.528, 2.054)

    def probability(self, features: tuple[float, ...]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class Candidate:
    """One ranked entry with its raw scores.

    ``coverage``: share of the message's informative weight this entry explains;
    ``strength``: that weight in absolute terms (IDF units, capped); ``unknown``: share of
    the message's weight in words no entry knows; ``rerank``: best variant similarity;
    ``gap``: the n-gram model's log-likelihood lead of its best entry
    over its second (how sure it is at all). ``score`` ranks: coverage, rerank and the
    n-gram posterior combined.
    """

    entry: str
    score: float
    coverage: float
    rerank: float
    strength: float = 0.0
    unknown: float = 0.0
    gap: float = 0.0

    def features(self, runner_up: float) -> tuple[float, ...]:
        return (self.coverage, self.rerank, self.score - runner_up,
                min(self.strength, 12.0) / 12.0, self.unknown, min(self.gap, 2.0) / 2.0)


@dataclass(frozen=True)
class Match:
    """The matcher's verdict for one message."""

    decision: str  # "answer" | "suggest" | "decline"
    entry: str | None
    confidence: float
    suggestions: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)
    emergency: bool = False
    not_covered: str | None = None  # declined as this kind of not-covered question


class Index:
    """Search structures for one knowledge snapshot; immutable once built."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None,
                 calibration: Calibration | None = None) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        self.calibration = calibration or Calibration()
        # Entries first, then the not-covered kinds: both are ranked, only entries answer.
        self.ids: list[str] = [*kb.entries, *kb.not_covered]
        self.emergency_id = next((e.id for e in kb.entries.values() if e.emergency), None)
        bags: list[dict[str, float]] = []
        self._variants: list[dict[str, list[str]]] = []
        docs: list[list[str]] = []
        labels: list[int] = []
        for i, entry in enumerate([*kb.entries.values(), *kb.not_covered.values()]):
            bag, variants = _bag(_texts(entry))
            bags.append(bag)
            self._variants.append(variants)
            for texts in variants.values():
                docs.extend(text.split() for text in texts)
                labels.extend([i] * len(texts))
        self._ngrams = NgramModel(docs, labels, len(self.ids))
        df: dict[str, int] = defaultdict(int)
        for bag in bags:
            for token in bag:
                df[token] += 1
        n = len(bags)
        self.vocab: list[str] = sorted(df)
        self._vocab_index = {t: i for i, t in enumerate(self.vocab)}
        self.idf = {t: math.log((n + 1) / (df[t] + 0.5)) for t in self.vocab}
        self.max_idf = math.log((n + 1) / 0.5) if n else 1.0
        # postings: token → (entry indices, weights), as arrays for vectorised accumulation
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, bag in enumerate(bags):
            for token, weight in bag.items():
                postings[token][0].append(i)
                postings[token][1].append(weight)
        self._postings = {
            t: (np.array(ix, dtype=np.int32), np.array(w, dtype=np.float32))
            for t, (ix, w) in postings.items()
        }
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        for token in self.vocab:
            if len(token) >= MIN_FUZZY_LEN + 1:
                self._by_prefix[token[:MIN_FUZZY_LEN]].append(token)
        # Fuzzy look-up compares a word with vocabulary words of the same first letter only
        # (typos rarely hit the first letter; it keeps the look-up fast on a large base).
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for token in self.vocab:
            if len(token) >= MIN_FUZZY_LEN:
                self._by_initial[token[0]].append(token)
        self.ignore = frozenset(
            w for e in kb.entries.values() for k in e.keywords for w in match_tokens(k)
            if w.isascii())
        # Multi-word keywords ("مكتب الأجانب", "Agentur für Arbeit") found whole in a
        # message are strong evidence: indexed by their rarest word.
        self._phrases: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
        for i, entry in enumerate(kb.entries.values()):
            for keyword in entry.keywords:
                words = frozenset(match_tokens(keyword))
                if len(words) >= 2:
                    rarest = max(words, key=lambda w: self.idf.get(w, 0.0))
                    self._phrases[rarest].append((i, words))
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
            cutoff = 80 if len(token) >= 7 else 86
            for other, score, _ in process.extract(
                token, self._by_initial.get(token[0], ()), scorer=fuzz.ratio,
                score_cutoff=cutoff, limit=6
            ):
                if other != token:
                    found[other] = max(found.get(other, 0.0), score / 100 * 0.9)
        return tuple(sorted(found.items(), key=lambda kv: -kv[1]))

    def rank(self, text: str, lang: str | None = None) -> list[Candidate]:
        """Entries ranked by relevance to ``text``, best first (empty when nothing is known)."""
        words = list(dict.fromkeys(match_tokens(text)))[:MAX_WORDS]
        query = " ".join(words)
        if not words or not self.ids:
            return []
        total = np.zeros(len(self.ids), dtype=np.float32)
        weight_sum = unknown = 0.0
        for word in words:
            matches = self._expand(word)
            if not matches:
                # An unknown word counts as informative: the message is about something else.
                if len(word) > 2 and not word.isdigit():
                    weight_sum += UNKNOWN_WEIGHT * self.max_idf
                    unknown += UNKNOWN_WEIGHT * self.max_idf
                continue
            best_idf = max(self.idf[t] * s for t, s in matches)
            weight_sum += best_idf
            contrib = np.zeros(len(self.ids), dtype=np.float32)
            for token, sim in matches:
                idx, weights = self._postings[token]
                np.maximum.at(contrib, idx, weights * (self.idf[token] * sim))
            total += np.minimum(contrib, best_idf * KEYWORD_WEIGHT)
        if weight_sum <= 0:
            return []
        coverage = total / weight_sum
        present = set(words)
        for word in present:
            for i, phrase in self._phrases.get(word, ()):
                if phrase <= present:
                    coverage[i] += PHRASE_BONUS
        order = [int(i) for i in np.argsort(-coverage)[:RERANK_TOP] if coverage[i] > 0]
        if not order:
            return []
        loglik = self._ngrams.loglik(words)
        likely = np.zeros(len(self.ids))
        gap = 0.0
        if loglik is not None:
            likely = posterior(loglik, NGRAM_TEMPERATURE)
            best = np.sort(loglik)[-2:]
            gap = float(best[-1] - best[0]) if len(best) == 2 else 0.0
            order += [int(i) for i in np.argsort(-likely)[:NGRAM_TOP] if int(i) not in order]
        reranks = self._rerank(query, order, lang)
        ranked = [
            Candidate(self.ids[i],
                      float(0.7 * coverage[i] + 0.3 * r + NGRAM_WEIGHT * likely[i]),
                      float(coverage[i]), r, float(total[i]), unknown / weight_sum, gap)
            for i, r in zip(order, reranks, strict=True)
        ]
        ranked.sort(key=lambda c: -c.score)
        return ranked

    def _rerank(self, query: str, order: list[int], lang: str | None) -> list[float]:
        docs, owner = [], []
        for pos, i in enumerate(order):
            variants = self._variants[i]
            own = variants.get(lang, []) if lang else [v for vs in variants.values() for v in vs]
            chosen = own + variants.get("*", []) if lang else own
            docs.extend(chosen)
            owner.extend([pos] * len(chosen))
        if not docs:
            return [0.0] * len(order)
        scores = process.cdist([query], docs, scorer=fuzz.token_set_ratio, dtype=np.uint8)[0]
        ratio = process.cdist([query], docs, scorer=fuzz.ratio, dtype=np.uint8)[0]
        combined = (scores.astype(np.float32) * 0.5 + ratio.astype(np.float32) * 0.5) / 100
        best = np.zeros(len(order), dtype=np.float32)
        np.maximum.at(best, np.array(owner, dtype=np.int32), combined)
        return [float(x) for x in best]

    def match(self, text: str, lang: str | None = None) -> Match:
        """Rank and decide. Emergencies are never declined.

        ``lang`` is the message's language; the variants of that language are the ones
        compared in the rerank; "" means unknown (all variants). Without it, it is
        detected here (unknown when the detector is unsure, e.g. a lone German term).
        """
        if lang is None:
            found = detect(text, self.ignore)
            lang = found.lang if found.confidence >= DETECT_CONFIDENT else ""
        candidates = self.rank(text, lang)
        t = self.thresholds
        confidence = 0.0
        if candidates:
            top = candidates[0]
            runner = candidates[1].score if len(candidates) > 1 else 0.0
            confidence = self.calibration.probability(top.features(runner))
        entries = self.kb.entries
        if self.emergency_id and is_emergency(text):
            # Never declined. A message that clearly belongs to another entry (a child's
            # fever on a Sunday: doctors, 116117) gets that entry, and the conversation
            # puts 112/110 first; otherwise the emergency entry itself.
            top = candidates[0].entry if candidates else None
            if top in entries and top != self.emergency_id and confidence >= t.sure:
                return Match("answer", top, round(confidence, 3), (self.emergency_id,),
                             tuple(candidates), emergency=True)
            others = tuple(c.entry for c in candidates
                           if c.entry != self.emergency_id and c.entry in entries)[:2]
            return Match("answer", self.emergency_id, max(confidence, 0.9), others,
                         tuple(candidates), emergency=True)
        if not candidates:
            return Match("decline", None, round(confidence, 3), (), ())
        floor = candidates[0].score * t.suggest_floor
        close = tuple(c.entry for c in candidates[1:] if c.score >= floor and c.entry in entries)
        if candidates[0].entry not in entries:
            # A kind of question no entry covers: declined with its hint; entries that
            # came close are still offered, in case the question was about Jena after all.
            # The confidence is that of the best entry, which trails the kind it lost to.
            real = next((c for c in candidates if c.entry in entries), None)
            confidence = self.calibration.probability(
                real.features(candidates[0].score)) if real else 0.0
            return Match("decline", None, round(confidence, 3), close[:2], tuple(candidates),
                         not_covered=candidates[0].entry)
        if confidence < t.suggest:
            # Declined, but a faint match is still offered beside the human contact.
            maybe = (candidates[0].entry, *close)[:2] if confidence >= t.maybe else ()
            return Match("decline", None, round(confidence, 3), maybe, tuple(candidates))
        if confidence >= t.answer:
            related = close[: t.max_suggestions - 1] if confidence < t.sure else ()
            return Match("answer", candidates[0].entry, round(confidence, 3), related,
                         tuple(candidates))
        picks = (candidates[0].entry, *close)[: t.max_suggestions]
        return Match("suggest", None, round(confidence, 3), picks, tuple(candidates))


def _texts(item: Entry | NotCovered) -> Iterator[tuple[str, float, str]]:
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


def _bag(texts: Iterable[tuple[str, float, str]]) -> tuple[dict[str, float],
                                                           dict[str, list[str]]]:
    """Words with their weights, and the variants per language ("*": keywords)."""
    bag: dict[str, float] = {}
    variants: dict[str, list[str]] = defaultdict(list)
    for text, weight, lang in texts:
        words = match_tokens(text)
        for token in words:
            bag[token] = max(bag.get(token, 0.0), weight)
        if words:
            variants[lang].append(" ".join(words))
    return bag, dict(variants)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]
