"""Scores: how closely the words said come to an intent's samples, and what tells intents apart.

Pure arithmetic over a built :class:`~skill.nlu.index.Index`; :mod:`skill.nlu.match`
decides what the scores mean. Three measures:

- :func:`score_samples`: each sample against the words, an F1 of IDF-weighted word
  overlap blended with shared word pairs, and :func:`intent_score`, an intent's best
  sample crediting words its next best samples share;
- :func:`unknown_weight_among`: what a word no sample uses counts, less among the
  skill's topic words ("is intimacy just about sex") than without them ("play some jazz");
- :func:`intent_posterior`: a Naive-Bayes belief over intents from the words of all of
  each intent's samples, which settles close calls between the skill's own topics.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from skill.nlu.index import Index, word_pairs

_PAIR_SHARE = 0.15  # how much word order (shared word pairs) counts in a sample score
_UNION_SHARE = 0.7  # how much words matched by an intent's other samples add to its recall
_UNION_SAMPLES = 3  # how many of an intent's best samples may pool their words
_OOV_SHARE = 0.5  # what an unknown word counts among topic words, as a share of the unknown weight


@dataclass(frozen=True)
class Match:
    """How one sample compares with the words: its score and what it shares."""

    number: int
    """The sample's position in :attr:`Index.samples`."""
    score: float
    precision: float
    shared: frozenset[str]


def score_samples(
    index: Index, keys: Sequence[str], slotted: frozenset[str] | None, unknown: float
) -> list[Match]:
    """Compare the words with every sample that shares one: F1 of IDF-weighted overlap.

    ``slotted`` None scores every sample (a placeholder then counts as a word not
    heard); otherwise only samples whose placeholders are exactly those in ``slotted``.
    Shared word pairs add a little, so that word order counts without being required.
    ``unknown`` is what a word no sample uses counts (see :func:`unknown_weight_among`).
    """
    unique = set(keys)
    total = sum(index.weight(k, unknown) for k in unique)
    if total <= 0:
        return []
    overlap: dict[int, float] = defaultdict(float)
    for key in unique:
        weight = index.weight(key)
        for number in index.postings.get(key, ()):
            overlap[number] += weight
    pairs = word_pairs(keys)
    matches = []
    for number, shared in overlap.items():
        sample = index.samples[number]
        if slotted is not None and sample.slots != slotted:
            continue
        recall, precision = shared / total, shared / index.sample_weight[number]
        score = 2 * recall * precision / (recall + precision)
        sample_pairs = index.sample_pairs[number]
        if pairs and sample_pairs:
            dice = 2 * len(pairs & sample_pairs) / (len(pairs) + len(sample_pairs))
            score = (1 - _PAIR_SHARE) * score + _PAIR_SHARE * dice
        matches.append(Match(number, score, precision, frozenset(unique & set(sample.keys))))
    return matches


def intent_score(
    index: Index, keys: Sequence[str], matches: Sequence[Match], unknown: float
) -> float:
    """Score an intent by its best sample, crediting words its next best samples share.

    People mix the phrasings of several samples ("is my childhood the reason I fear
    intimacy"); words found in the intent's other close samples raise its recall,
    at a discount, while precision stays that of the best sample. ``matches`` are the
    intent's own, from :func:`score_samples`, and must not be empty.
    """
    ranked = sorted(matches, key=lambda m: m.score, reverse=True)[:_UNION_SAMPLES]
    best = ranked[0]
    total = sum(index.weight(k, unknown) for k in set(keys))
    pooled = frozenset().union(*(m.shared for m in ranked))
    best_recall = sum(index.weight(k) for k in best.shared) / total
    pooled_recall = sum(index.weight(k) for k in pooled) / total
    recall = best_recall + _UNION_SHARE * (pooled_recall - best_recall)
    if recall <= best_recall:
        return best.score
    pooled_score = 2 * recall * best.precision / (recall + best.precision)
    return max(best.score, pooled_score)


def unknown_weight_among(index: Index, keys: Sequence[str]) -> float:
    """Weigh an unknown word in these words: fully, unless topic words surround it.

    "play some jazz" has no topic word, so its unknown words keep it out of scope; in
    "is intimacy just about sex" the topic word says what it is about, and the unknown
    word counts less, by the share of the known telling words that are topic words.
    The full weight is :attr:`Index.unknown_weight`.
    """
    telling = [k for k in set(keys) if k in index.idf and k not in index.language.function_words]
    if not telling:
        return index.unknown_weight
    topic = sum(index.idf[k] for k in telling if k in index.topic_words)
    share = topic / sum(index.idf[k] for k in telling)
    return index.unknown_weight * (1 - (1 - _OOV_SHARE) * share)


def intent_posterior(index: Index, keys: Sequence[str], intents: Iterable[str]) -> dict[str, float]:
    """Share out belief among ``intents`` by the intent-level evidence of the known words.

    The shares sum to 1 over the intents the index knows; words no sample uses say
    nothing and are left out, and with no known word at all the result is empty.
    """
    known = [key for key in set(keys) if key in index.idf]
    if not known:
        return {}
    logs = {
        intent: sum(index.evidence[intent].get(key, index.evidence_unseen[intent]) for key in known)
        for intent in intents
        if intent in index.evidence
    }
    if not logs:
        return {}
    top = max(logs.values())
    odds = {intent: math.exp(value - top) for intent, value in logs.items()}
    total = sum(odds.values())
    return {intent: value / total for intent, value in odds.items()}
