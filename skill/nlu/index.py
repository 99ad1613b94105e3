"""The index of one interaction model: the trained classifier, and what slots and rules look up.

Built from the model's samples (and the built-in intents' phrases of
``builtin_phrases.yaml``), the first time a process needs it, and cached by the
model's content: locales whose models are identical share one index, and an edited
sample is heard as soon as a new process reads the content, with no files to rebuild.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intents import load_catalogue
from intents.loader import FALLBACK_INTENT, SAFETY_INTENTS, load_phrases
from intents.model import DEFAULT_LOCALE, Catalogue
from skill.authoring.interaction_model import interaction_model
from skill.nlu.classifier import Classifier, train
from skill.nlu.slots import SlotPhrases, slot_phrases
from skill.nlu.spelling import Speller, speller
from skill.nlu.words import PHRASES_PATH, Language, fold_text, load_language

_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Sample:
    """One sample utterance (or built-in phrase) of an intent, and its keys."""

    intent: str
    text: str
    keys: tuple[str, ...]
    """The normalised words, a slot written as its placeholder ("{tip}")."""


@dataclass(frozen=True)
class Index:
    """Everything needed to resolve utterances of one model, built once."""

    language: Language
    invocation: str
    samples: tuple[Sample, ...]
    exact: dict[tuple[str, ...], Sample]
    """Keys -> the first sample with exactly those keys."""
    classifier: Classifier
    intent_slots: dict[str, dict[str, str]]
    """Intent -> slot name -> slot type."""
    slots: tuple[tuple[str, str], ...]
    """Every distinct (slot name, slot type) of the model."""
    slot_phrases: dict[str, SlotPhrases]
    """Slot type -> how its values are said."""
    safety_intents: frozenset[str]
    """The safety intents the model has (their cues only count if it does)."""
    speller: Speller


def _samples(lm: Mapping[str, Any], language: Language) -> list[Sample]:
    """Read every intent's samples, and the built-in intents' phrases, as keys.

    A ``{slot}`` stays one placeholder word: the classifier learns where a slot
    stands, and the words around it, whatever the value.
    """
    samples: list[Sample] = []
    for intent in lm.get("intents", []):
        name = intent["name"]
        texts = list(intent.get("samples", []))
        if name.startswith("AMAZON."):
            texts += language.phrases.get(name, ())
        declared = [slot["name"] for slot in intent.get("slots", [])]
        for text in texts:
            keys = _keys_with_placeholders(text, declared, language)
            if keys:
                samples.append(Sample(name, text, keys))
    return samples


def _keys_with_placeholders(text: str, declared: list[str], language: Language) -> tuple[str, ...]:
    """Normalise a sample, keeping each declared ``{slot}`` as its placeholder word."""
    markers = {f"qq{i}slot": "{" + name + "}" for i, name in enumerate(declared)}

    def marker(match: re.Match[str]) -> str:  # digits are never stemmed
        name = match.group(1)
        return f" qq{declared.index(name)}slot " if name in declared else " "

    return tuple(markers.get(key, key) for key in language.keys(_SLOT.sub(marker, text)))


def _build_index(model: Mapping[str, Any], language: Language) -> Index:
    """Train the classifier on a model's samples and index its slot values."""
    lm = model["interactionModel"]["languageModel"]
    samples = _samples(lm, language)
    intent_slots = {
        intent["name"]: {s["name"]: s["type"] for s in intent.get("slots", [])}
        for intent in lm.get("intents", [])
    }
    sample_words = frozenset(key for sample in samples for key in sample.keys)
    values = [
        text
        for slot_type in lm.get("types", [])
        for value in slot_type.get("values", [])
        for text in [value["name"]["value"], *value["name"].get("synonyms", [])]
    ]
    exact: dict[tuple[str, ...], Sample] = {}
    for sample in samples:
        if sample.intent != FALLBACK_INTENT:
            exact.setdefault(sample.keys, sample)
    for sample in samples:  # a slot left unsaid: "give me the tip on"
        unfilled = tuple(key for key in sample.keys if not key.startswith("{"))
        if unfilled != sample.keys and unfilled:
            exact.setdefault(unfilled, sample)
    return Index(
        language=language,
        invocation=fold_text(lm.get("invocationName", "")),
        samples=tuple(samples),
        exact=exact,
        classifier=train([" ".join(s.keys) for s in samples], [s.intent for s in samples]),
        intent_slots=intent_slots,
        slots=tuple(sorted({item for slots in intent_slots.values() for item in slots.items()})),
        slot_phrases={
            slot_type["name"]: slot_phrases(slot_type, language, sample_words)
            for slot_type in lm.get("types", [])
        },
        safety_intents=frozenset(SAFETY_INTENTS) & frozenset(intent_slots),
        speller=speller(
            [sample.text for sample in samples] + values,
            sample_words | frozenset(language.keys(" ".join(values))),
        ),
    )


# --- loading and caching --------------------------------------------------------------


@functools.cache
def _phrases(path: Path) -> dict[str, Any]:
    """Read builtin_phrases.yaml once, checked like all content (``file:line`` errors)."""
    return dict(load_phrases(path))


def language_for(locale: str, phrases_path: Path = PHRASES_PATH) -> Language:
    """Load the word lists for a locale's language ("en" for en-GB), or English's."""
    data = _phrases(phrases_path)
    block = data.get(locale.split("-")[0]) or data.get("en") or {}
    return load_language(block)


_trained: dict[tuple[str, str], Index] = {}
"""Indexes by (language, digest of the model's content): identical models share one."""


def cached_index(model: Mapping[str, Any], locale: str) -> Index:
    """Return the index of ``model``, trained the first time this content is seen.

    Kept for the life of the process, like the content it comes from.
    """
    digest = hashlib.sha256(json.dumps(model, sort_keys=True).encode("utf-8")).hexdigest()
    key = (locale.split("-")[0], digest)
    if key not in _trained:
        _trained[key] = _build_index(model, language_for(locale))
    return _trained[key]


@functools.cache
def _shipped_catalogue() -> Catalogue:
    """Load the shipped content once: every locale's model is generated from it."""
    return load_catalogue()


@functools.cache
def index_for(locale: str = DEFAULT_LOCALE) -> Index:
    """Build (once per locale, then cached) the index of the locale's model, from the content.

    The model is generated in memory by the same code ``closer build-model`` uses, so
    the content as it is now is what is heard; a locale the content does not serve
    is heard as en-US.
    """
    catalogue = _shipped_catalogue()
    served = locale if locale in catalogue.locales else DEFAULT_LOCALE
    index = cached_index(interaction_model(catalogue.for_locale(served)), served)
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
