"""The index of one locale's interaction model: everything a resolution looks up.

Built once per locale from the generated model (the file Alexa gets) and the word
lists of ``builtin_phrases.yaml``, then cached for the life of the process, so that
resolving an utterance is only look-ups and a little arithmetic: samples as keys,
inverse document frequencies, postings, word pairs, slot phrases and their telling
words, the intent-level word evidence, the skill's topic words, and the one-letter
deletions that spelling slips are corrected with.
"""

from __future__ import annotations

import functools
import gc
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intents import load_catalogue
from intents.loader import SAFETY_INTENTS, load_phrases
from intents.model import DEFAULT_LOCALE
from skill.authoring.interaction_model import DEPLOY_DIR, MODEL_PATH, interaction_model
from skill.nlu.words import (
    PHRASES_PATH,
    Language,
    Token,
    expand_contractions,
    fold_text,
    load_language,
    stem,
)

_FUNCTION_WEIGHT = 0.25  # what a function word ("the", "my") counts, at most
_EVIDENCE_SMOOTHING = 0.5  # additive smoothing of the intent-level word counts
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Sample:
    """One sample utterance (or built-in phrase) of an intent, as keys."""

    intent: str
    text: str
    keys: tuple[str, ...]
    slots: frozenset[str]
    """Placeholder keys ("{tip}") this sample holds."""


@dataclass(frozen=True)
class SlotPhrase:
    """One way of saying a slot value: its value id and the words that must be heard."""

    value_id: str
    keys: tuple[str, ...]
    """The phrase's telling words (function words dropped) that must all be heard."""
    weight: float


@dataclass
class Index:
    """Everything needed to resolve utterances of one locale, built once."""

    language: Language
    invocation: str
    samples: list[Sample]
    exact: dict[tuple[str, ...], int]
    idf: dict[str, float]
    unknown_weight: float
    """What a word no sample uses counts: more than any known word."""
    postings: dict[str, list[int]]
    sample_weight: list[float]
    sample_pairs: list[frozenset[tuple[str, str]]]
    intent_slots: dict[str, dict[str, str]]
    """Intent -> slot name -> slot type."""
    slots: tuple[tuple[str, str], ...]
    """Every distinct (slot name, slot type) of the model."""
    slot_phrases: dict[str, list[SlotPhrase]]
    telling_words: dict[str, dict[str, str]]
    """Slot type -> a word only one value's phrases use -> that value id."""
    known_words: frozenset[str]
    """Every key of the samples and slot values."""
    known_surfaces: frozenset[str]
    """Every word of the samples and slot values as written: what slips are corrected to."""
    deletions: dict[str, str]
    """One-letter deletions of the known longer words, for spelling slips."""
    safety_intents: frozenset[str]
    """The safety intents the model has (their cues and words only count if it does)."""
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)
    """Intent -> key -> log P(key | intent), over all the intent's samples."""
    evidence_unseen: dict[str, float] = field(default_factory=dict)
    """Intent -> log P(a known key the intent's samples never use | intent)."""
    topic_words: frozenset[str] = frozenset()
    """Keys that recur in the skill's own samples and in no built-in phrase: its topic."""

    def weight(self, key: str, unknown: float | None = None) -> float:
        """How much a word counts: its IDF, little for function words, fully if unknown.

        ``unknown`` overrides what an unknown word counts (see
        :func:`skill.nlu.score.unknown_weight_among`).
        """
        if key.startswith("{"):
            return self.unknown_weight
        value = self.idf.get(key, self.unknown_weight if unknown is None else unknown)
        return min(value, _FUNCTION_WEIGHT) if key in self.language.function_words else value

    def correct_spelling(self, token: Token) -> Token:
        """Replace an unknown longer word by a known word a single letter away, if there is one.

        Works on the word as typed ("evning" -> "evening"), then folds it like any other.
        """
        word = token.surface
        if token.key in self.known_words or len(word) < 5 or not word.isalpha():
            return token
        candidates = [self.deletions.get(word)]  # a letter left out
        for i in range(len(word)):  # a letter too many, or one wrong
            shorter = word[:i] + word[i + 1 :]
            candidates += [shorter if shorter in self.known_surfaces else None]
            candidates += [self.deletions.get(shorter)]
        for candidate in candidates:
            if candidate is not None:
                key = stem(candidate)
                return Token(candidate, self.language.equivalents.get((key,), key))
        return token


def word_pairs(keys: Sequence[str]) -> frozenset[tuple[str, str]]:
    """Return the neighbouring word pairs of ``keys``: how word order is compared."""
    return frozenset(itertools.pairwise(keys))


def _samples(
    lm: Mapping[str, Any], language: Language
) -> tuple[list[Sample], dict[str, dict[str, str]]]:
    """Read every intent's samples (and the built-ins' phrases) as keys; and its slots."""
    samples: list[Sample] = []
    intent_slots: dict[str, dict[str, str]] = {}
    for intent in lm.get("intents", []):
        name = intent["name"]
        intent_slots[name] = {s["name"]: s["type"] for s in intent.get("slots", [])}
        texts = list(intent.get("samples", []))
        if name.startswith("AMAZON."):
            texts += language.phrases.get(name, ())
        markers = {f"qq{i}slot": "{" + slot + "}" for i, slot in enumerate(intent_slots[name])}
        for text in texts:
            marked = _mark_slots(text, list(intent_slots[name]))
            keys = tuple(markers.get(k, k) for k in language.keys(marked))
            if keys:
                samples.append(
                    Sample(name, text, keys, frozenset(k for k in keys if k.startswith("{")))
                )
    return samples, intent_slots


def _build_index(model: Mapping[str, Any], language: Language) -> Index:
    """Index a model's samples, slot values and the built-in phrases for fast matching."""
    lm = model["interactionModel"]["languageModel"]
    samples, intent_slots = _samples(lm, language)
    documents = len(samples)
    frequency: dict[str, int] = defaultdict(int)
    postings: dict[str, list[int]] = defaultdict(list)
    exact: dict[tuple[str, ...], int] = {}
    for number, sample in enumerate(samples):
        exact.setdefault(sample.keys, number)
        for key in set(sample.keys):
            frequency[key] += 1
            postings[key].append(number)
    idf = {key: math.log((documents + 1) / (count + 0.5)) for key, count in frequency.items()}
    unknown_weight = math.log((documents + 1) / 0.5)

    index = Index(
        language=language,
        invocation=fold_text(lm.get("invocationName", "")),
        samples=samples,
        exact=exact,
        idf=idf,
        unknown_weight=unknown_weight,
        postings=dict(postings),
        sample_weight=[],
        sample_pairs=[],
        intent_slots=intent_slots,
        slots=tuple(sorted({item for slots in intent_slots.values() for item in slots.items()})),
        slot_phrases={},
        telling_words={},
        known_words=frozenset(idf),
        known_surfaces=frozenset(),
        deletions={},
        safety_intents=frozenset(SAFETY_INTENTS) & frozenset(intent_slots),
    )
    index.sample_weight = [sum(index.weight(k) for k in set(s.keys)) for s in samples]
    index.evidence, index.evidence_unseen = _evidence(samples)
    index.topic_words = _topic_words(samples, language)
    index.sample_pairs = [word_pairs(s.keys) for s in samples]
    surfaces = {
        word
        for sample in samples
        for word in expand_contractions(fold_text(_SLOT.sub(" ", sample.text)).split())
    }
    for slot_type in lm.get("types", []):
        phrases: list[SlotPhrase] = []
        users: dict[str, set[str]] = defaultdict(set)
        for value in slot_type.get("values", []):
            name = value["name"]
            for text in [name["value"], *name.get("synonyms", [])]:
                keys = language.keys(text)
                telling = tuple(k for k in keys if k not in language.function_words) or keys
                if not telling:
                    continue
                weight = sum(index.weight(k) for k in telling)
                phrases.append(SlotPhrase(value["id"], telling, weight))
                for key in telling:
                    users[key].add(value["id"])
        index.slot_phrases[slot_type["name"]] = phrases
        # A word only one value uses, and no sample uses for anything else, tells that
        # value alone ("boundaries", "therapist"); "more" or "past" would not.
        index.telling_words[slot_type["name"]] = {
            key: next(iter(ids))
            for key, ids in users.items()
            if len(ids) == 1 and key not in idf and key not in language.function_words
        }
        index.known_words |= frozenset(users)
        surfaces |= {
            word
            for value in slot_type.get("values", [])
            for text in [value["name"]["value"], *value["name"].get("synonyms", [])]
            for word in expand_contractions(fold_text(text).split())
        }
    index.known_surfaces = frozenset(surfaces)
    index.deletions = {
        word[:i] + word[i + 1 :]: word
        for word in sorted(surfaces, reverse=True)
        if len(word) >= 5 and word.isalpha()
        for i in range(len(word))
    }
    return index


def _evidence(samples: Sequence[Sample]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Learn which words tell each intent, from all its samples at once (Naive Bayes).

    Each sample counts a word once; function words count too, since "why", "am I",
    "he" or "my partner" tell causes from signs, and me from my partner.
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sample in samples:
        for key in set(sample.keys):
            counts[sample.intent][key] += 1
    vocabulary = {key for words in counts.values() for key in words}
    evidence: dict[str, dict[str, float]] = {}
    unseen: dict[str, float] = {}
    for intent, words in counts.items():
        total = sum(words.values()) + _EVIDENCE_SMOOTHING * len(vocabulary)
        evidence[intent] = {
            key: math.log((count + _EVIDENCE_SMOOTHING) / total) for key, count in words.items()
        }
        unseen[intent] = math.log(_EVIDENCE_SMOOTHING / total)
    return evidence, unseen


def _topic_words(samples: Sequence[Sample], language: Language) -> frozenset[str]:
    """Find the skill's topic words ("intimacy", "partner", "reflect").

    A topic word is used by two samples of the skill's topics or more (not the
    built-in or the safety intents), by no built-in phrase, and is not a function word.
    The safety intents' words ("hit", "kill", "dead") are everyday words too: as topic
    words they would let "hit the lights" or "kill the music" into scope.
    """
    everyday = {key for s in samples if s.intent.startswith("AMAZON.") for key in s.keys}
    uses: dict[str, int] = defaultdict(int)
    for sample in samples:
        if not sample.intent.startswith("AMAZON.") and sample.intent not in SAFETY_INTENTS:
            for key in set(sample.keys):
                uses[key] += 1
    return frozenset(
        key
        for key, count in uses.items()
        if count >= 2
        and key not in everyday
        and key not in language.function_words
        and not key.startswith("{")
    )


def _mark_slots(sample: str, slot_names: list[str]) -> str:
    """Turn ``{tip}`` into a marker word the pipeline leaves alone (digits are never stemmed)."""

    def marker(match: re.Match[str]) -> str:
        name = match.group(1)
        return f" qq{slot_names.index(name)}slot " if name in slot_names else " "

    return _SLOT.sub(marker, sample)


# --- loading and caching --------------------------------------------------------------


def model_path(locale: str, deploy_dir: Path = DEPLOY_DIR) -> Path:
    """Locate the generated interaction model for ``locale``, or en-US's when it has none."""
    path = deploy_dir / MODEL_PATH.format(locale=locale)
    if re.fullmatch(r"[a-z]{2}-[A-Z]{2}", locale) and path.is_file():
        return path
    return deploy_dir / MODEL_PATH.format(locale=DEFAULT_LOCALE)


@functools.cache
def _phrases(path: Path) -> dict[str, Any]:
    """Read builtin_phrases.yaml once, checked like all content (``file:line`` errors).

    Every locale's language block comes from it.
    """
    return dict(load_phrases(path))


def language_for(locale: str, phrases_path: Path = PHRASES_PATH) -> Language:
    """Load the word lists for a locale's language ("en" for en-GB), or English's."""
    data = _phrases(phrases_path)
    block = data.get(locale.split("-")[0]) or data.get("en") or {}
    return load_language(block)


@functools.cache
def index_for(locale: str = DEFAULT_LOCALE) -> Index:
    """Build (once per locale, then cached) the index of the locale's generated model.

    From a checkout this is the committed file Alexa gets. An installed package has
    no deploy/ folder, so there the model is generated in memory by the same code
    that writes those files (``closer build-model --check`` keeps the two equal).
    """
    path = model_path(locale)
    if path.is_file():
        with path.open(encoding="utf-8") as stream:
            model = json.load(stream)
    else:
        catalogue = load_catalogue()
        served = locale if locale in catalogue.locales else DEFAULT_LOCALE
        model = interaction_model(catalogue.for_locale(served))
    index = _build_index(model, language_for(locale))
    # Everything alive now (the modules, the content, this index) stays alive as long as
    # the process. Left in the collector's generations, it is all walked again by every
    # full collection, and that pause (16 to 40 ms) lands on whichever utterance happens
    # to trigger it. gc.freeze() moves it into the permanent generation, which
    # collections skip. Reference counting still frees whatever is dropped later (a
    # cleared cache, say); only a reference cycle among frozen objects would stay.
    gc.freeze()
    return index


def build_index(model: Mapping[str, Any], locale: str = DEFAULT_LOCALE) -> Index:
    """Index an interaction model given as data (tests, or a model not yet written out).

    Not cached and not frozen: such an index is short-lived, and the collector should
    be free to reclaim it.
    """
    return _build_index(model, language_for(locale))
