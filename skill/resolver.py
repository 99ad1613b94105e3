"""The local resolver: typed words to an intent and slots, the way Alexa would hear them.

Rehearsal has no Amazon behind it, so this module stands in for Alexa's language
understanding. It reads the *generated* interaction model of a locale
(``deploy/skill-package/interactionModels/custom/<locale>.json``, the very file Alexa
gets, falling back to en-US), plus ``intents/content/builtin_phrases.yaml`` for what
Amazon knows and the model does not list (phrases of the built-in intents, filler
words, words that mean the same, and the cues and words of the two safety intents).

How an utterance is matched, in order:

1. *Normalise* (a pipeline of small functions): fold case and accents, strip the
   invocation ("ask closer together ..."), expand contractions (I'm -> I am), fold
   plurals and verb endings with a light stemmer, map equivalent words to one
   (husband, wife, ... -> partner), drop fillers ("um", "please").
2. *Slots*: find slot values and synonyms in the words, as Alexa's entity resolution
   does, and replace them with a ``{slot}`` placeholder, so "how do I set healthy
   boundaries" meets the sample "how do I {tip}" with tip=BOUNDARIES.
3. *Exact*: a sample or built-in phrase equal to the normalised words wins outright.
4. *Safety* (:data:`~intents.loader.SAFETY_INTENTS`): a safety cue anywhere chooses
   its intent, CrisisIntent or AbuseIntent (unless the words are exactly a sample of
   another intent); when cues of both are heard, the one whose samples score higher
   wins, CrisisIntent on a tie. Without a cue, a safety intent wins on a merely
   plausible score, but only when one of its *safety words* is heard ("worthless",
   "slap") or its score is strong: its samples share everyday words ("wake up
   tomorrow", "right now") that must not raise an alarm on their own. A false alarm
   costs a kind word; a miss could cost far more, so the cues lean wide.
5. *Scored*: each sample is compared with the words by an F1 of IDF-weighted word
   overlap (rare words count more; unknown words count fully against a match, which is
   what sends "play some jazz" to fallback), blended with word-pair overlap for word
   order. An intent scores its best sample, or the share of the words that are
   specific to it, whichever is higher. An unknown word counts less when the known
   words around it are the skill's *topic words* (recurring in its own samples, in no
   built-in phrase): "is intimacy just about sex" stays in scope, "play some jazz"
   does not. Below :data:`THRESHOLD` the answer is ``AMAZON.FallbackIntent``.
6. *Evidence*: among the skill's own intents that score near the threshold or above,
   a Naive-Bayes posterior over the words of *all* of each intent's samples (function
   words included, so "why", "am I" and "my partner" tell causes, signs and a
   partner's distance apart) is blended into the score to settle close calls.

A yes or no word followed only by another built-in phrase ("yeah go ahead") is that
answer, unless the phrase stops or cancels.

The index for a locale is built once and cached; a resolution then takes a fraction of
a millisecond. Known limits: no spelling correction beyond one edit on longer words, no
negation ("I don't want help" is still help), one value per slot type.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from intents import CONTENT_DIR, load_catalogue
from intents.loader import SAFETY_INTENTS
from intents.model import DEFAULT_LOCALE
from skill.model_build import DEPLOY_DIR, MODEL_PATH, interaction_model

FALLBACK_INTENT = "AMAZON.FallbackIntent"
LAUNCH_REQUEST = "LaunchRequest"
"""Not an intent: what "open closer together" alone asks for, as Alexa would send it."""

THRESHOLD = 0.5
"""Below this score an utterance is out of scope: ``AMAZON.FallbackIntent``."""
SAFETY_THRESHOLD = 0.4
"""A safety intent's score this high is plausible enough to win (see :func:`_choose`)..."""
SAFETY_SHARE = 0.85
"""...provided it is at least this share of the best intent's score..."""
SAFETY_STRONG = 0.8
"""...and one of the intent's safety words is heard, or the score is at least this."""
CUE_CONFIDENCE = 0.9
"""The confidence of a safety intent chosen for one of its cues (at least)."""

PHRASES_PATH = CONTENT_DIR / "builtin_phrases.yaml"

_FUNCTION_WEIGHT = 0.25  # what a function word ("the", "my") counts, at most
_PAIR_SHARE = 0.15  # how much word order (shared word pairs) counts in a sample score
_PARTIAL_SLOT = 0.85  # a slot heard only by one telling word is less certain
_UNION_SHARE = 0.7  # how much words matched by an intent's other samples add to its recall
_UNION_SAMPLES = 3  # how many of an intent's best samples may pool their words
_CUE_GAP = 2  # words allowed between the words of a safety cue
_OOV_SHARE = 0.5  # what an unknown word counts among topic words, as a share of the unknown weight
_EVIDENCE_SHARE = 0.2  # how much the intent-level word evidence counts in an intent score
_EVIDENCE_SMOOTHING = 0.5  # additive smoothing of the intent-level word counts
_EVIDENCE_FLOOR = 0.8  # an intent chosen by evidence needs this share of THRESHOLD


@dataclass(frozen=True)
class HeardSlot:
    """A slot as Alexa fills it: the words heard, and the value id they resolved to.

    Not :class:`intents.model.SlotValue`, which is a value a slot type *declares*.
    """

    spoken: str
    id: str


@dataclass(frozen=True)
class Resolution:
    """What the resolver understood: an intent, its slots, and how sure it is (0 to 1).

    ``sample`` is the sample or phrase that matched best, for content authors.
    For ``AMAZON.FallbackIntent``, ``confidence`` is how sure it is that nothing matched.
    """

    intent: str
    slots: dict[str, HeardSlot] = field(default_factory=dict)
    confidence: float = 0.0
    sample: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a plain JSON-ready form (the ``closer resolve --json`` output)."""
        return {
            "intent": self.intent,
            "slots": {name: {"spoken": s.spoken, "id": s.id} for name, s in self.slots.items()},
            "confidence": round(self.confidence, 3),
            "sample": self.sample,
        }


# --- the normalisation pipeline -------------------------------------------------------

_KEEP = re.compile(r"[^a-z0-9' ]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_IRREGULAR = {
    "can't": ["can", "not"],
    "cannot": ["can", "not"],
    "won't": ["will", "not"],
    "shan't": ["shall", "not"],
    "ain't": ["is", "not"],
    "let's": ["let", "us"],
    "y'all": ["you", "all"],
    "gonna": ["going", "to"],
    "wanna": ["want", "to"],
    "gotta": ["got", "to"],
    "dunno": ["do", "not", "know"],
}
_IS_BEFORE_S = frozenset(
    {"it", "that", "what", "there", "here", "he", "she", "who", "how", "where", "when", "why"}
)
_SUFFIXES = {"n't": "not", "'m": "am", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would"}


def fold_text(text: str) -> str:
    """Lower-case, drop accents, keep letters, digits and apostrophes; hyphens become spaces.

    "Self-reflection, please!" -> "self reflection please". Limit: numbers stay digits.
    """
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _KEEP.sub(" ", text.replace("-", " ").replace("/", " "))
    return " ".join(word.strip("'") for word in text.split() if word.strip("'"))


def expand_contractions(words: Iterable[str]) -> list[str]:
    """Spell contractions out: I'm -> I am, don't -> do not, what's -> what is.

    A final 's after a noun is taken as a possessive and dropped ("partner's" ->
    "partner"), which is right far more often than "partner is".
    """
    expanded: list[str] = []
    for word in words:
        if word in _IRREGULAR:
            expanded.extend(_IRREGULAR[word])
            continue
        for suffix, full in _SUFFIXES.items():
            if word.endswith(suffix) and len(word) > len(suffix):
                expanded.extend([word[: -len(suffix)], full])
                break
        else:
            if word.endswith("'s"):
                base = word[:-2]
                expanded.extend([base, "is"] if base in _IS_BEFORE_S else [base])
            else:
                expanded.append(word.replace("'", ""))
    return expanded


def stem(word: str) -> str:
    """Fold plurals and verb endings with a light, predictable suffix stripper.

    Only needs to be consistent (samples and utterances go through the same rules):
    "scared", "scares" and "scary" all become "scar"; "feelings" becomes "feel".
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix, minimum in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= minimum:
            word = word[: -len(suffix)]
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("ly") and len(word) >= 6:
        return word[:-2]  # "definitely" -> "definite", kept apart from "definition"
    for suffix, minimum in (("ness", 7), ("ment", 8), ("ion", 7)):
        if word.endswith(suffix) and len(word) >= minimum:
            word = word[: -len(suffix)]
    if (word.endswith("e") and len(word) > 3) or (word.endswith("y") and len(word) > 4):
        word = word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    """One word of an utterance: as typed (for slot values) and as matched."""

    surface: str
    key: str


@dataclass(frozen=True)
class Language:
    """The word lists of builtin_phrases.yaml for one language, ready to apply."""

    fillers: frozenset[tuple[str, ...]]
    equivalents: dict[tuple[str, ...], str]
    function_words: frozenset[str]
    phrases: dict[str, tuple[str, ...]]
    safety_cues: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Safety intent -> the key sequences of the cues that choose it outright."""
    safety_words: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Safety intent -> the keys of the words that let its score alone choose it."""
    safety_cue_exceptions: tuple[tuple[str, ...], ...] = ()

    def tokens(self, text: str) -> list[Token]:
        """Run the pipeline: fold, expand contractions, stem, merge equivalents."""
        words = expand_contractions(fold_text(text).split())
        tokens = [Token(word, stem(word)) for word in words]
        return _merge(tokens, self.equivalents)

    def content(self, tokens: Sequence[Token]) -> list[Token]:
        """Drop filler words, unless nothing else was said ("okay" alone stays)."""
        kept = _merge(list(tokens), dict.fromkeys(self.fillers, ""))
        kept = [token for token in kept if token.key]
        return kept or list(tokens)

    def keys(self, text: str) -> tuple[str, ...]:
        """Return the matching keys of a phrase, fillers dropped (for samples and cues)."""
        return tuple(token.key for token in self.content(self.tokens(text)))


def _merge(tokens: list[Token], phrases: Mapping[tuple[str, ...], str]) -> list[Token]:
    """Replace each listed phrase (longest first) by one token with the phrase's new key."""
    if not phrases:
        return tokens
    longest = max(len(phrase) for phrase in phrases)
    merged: list[Token] = []
    index = 0
    while index < len(tokens):
        for size in range(min(longest, len(tokens) - index), 0, -1):
            window = tuple(token.key for token in tokens[index : index + size])
            if window in phrases:
                surface = " ".join(token.surface for token in tokens[index : index + size])
                merged.append(Token(surface, phrases[window]))
                index += size
                break
        else:
            merged.append(tokens[index])
            index += 1
    return merged


def _plain_keys(words: Iterable[str]) -> tuple[str, ...]:
    """Keys of a word list before equivalents exist (used to build the Language)."""
    return tuple(stem(word) for word in expand_contractions(fold_text(" ".join(words)).split()))


def load_language(data: Mapping[str, Any]) -> Language:
    """Build a :class:`Language` from one language block of builtin_phrases.yaml."""
    equivalents: dict[tuple[str, ...], str] = {}
    for canonical, words in (data.get("equivalents") or {}).items():
        target = stem(str(canonical))
        for word in [canonical, *words]:
            equivalents[_plain_keys([str(word)])] = target
    base = Language(
        fillers=frozenset(_plain_keys([str(w)]) for w in data.get("fillers") or ()),
        equivalents=equivalents,
        function_words=frozenset(stem(str(w)) for w in data.get("function_words") or ()),
        phrases={},
    )
    return Language(
        fillers=base.fillers,
        equivalents=equivalents,
        function_words=base.function_words,
        phrases={
            str(intent): tuple(str(p) for p in phrases or ())
            for intent, phrases in (data.get("intents") or {}).items()
        },
        safety_cues=_phrases_by_intent(base, data, "safety_cues"),
        safety_words=_phrases_by_intent(base, data, "safety_words"),
        safety_cue_exceptions=_phrase_keys(base, data.get("safety_cue_exceptions")),
    )


def _phrases_by_intent(
    language: Language, data: Mapping[str, Any], section: str
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Read a section that maps each safety intent to its phrases, as key sequences.

    Only the intents of :data:`SAFETY_INTENTS` may be named: a cue filed under a
    misspelt or retired intent name would otherwise be silently ignored.
    """
    raw = data.get(section) or {}
    if not isinstance(raw, Mapping) or not set(raw) <= set(SAFETY_INTENTS):
        raise ValueError(
            f"{PHRASES_PATH.name}: {section} must map {' and '.join(SAFETY_INTENTS)} "
            "to their lists of phrases"
        )
    return {str(intent): _phrase_keys(language, phrases) for intent, phrases in raw.items()}


def _phrase_keys(language: Language, phrases: Iterable[Any] | None) -> tuple[tuple[str, ...], ...]:
    """Turn phrases into key sequences (fillers kept: "not" or "me" can matter in a cue)."""
    keys = (tuple(t.key for t in language.tokens(str(p))) for p in phrases or ())
    return tuple(key for key in keys if key)


# --- the index of one locale ----------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class _Sample:
    intent: str
    text: str
    keys: tuple[str, ...]
    slots: frozenset[str]
    """Placeholder keys ("{tip}") this sample holds."""


@dataclass(frozen=True)
class _SlotPhrase:
    value_id: str
    keys: tuple[str, ...]
    """The phrase's telling words (function words dropped) that must all be heard."""
    weight: float


@dataclass
class _Index:
    """Everything needed to resolve utterances of one locale, built once."""

    language: Language
    invocation: str
    samples: list[_Sample]
    exact: dict[tuple[str, ...], int]
    idf: dict[str, float]
    unknown_weight: float
    postings: dict[str, list[int]]
    sample_weight: list[float]
    sample_pairs: list[frozenset[tuple[str, str]]]
    intent_slots: dict[str, dict[str, str]]
    """Intent -> slot name -> slot type."""
    slots: tuple[tuple[str, str], ...]
    """Every distinct (slot name, slot type) of the model."""
    slot_phrases: dict[str, list[_SlotPhrase]]
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

        ``unknown`` overrides what an unknown word counts (see :func:`_unknown_weight`).
        """
        if key.startswith("{"):
            return self.unknown_weight
        value = self.idf.get(key, self.unknown_weight if unknown is None else unknown)
        return min(value, _FUNCTION_WEIGHT) if key in self.language.function_words else value


def _build_index(model: Mapping[str, Any], language: Language) -> _Index:
    """Index a model's samples, slot values and the built-in phrases for fast matching."""
    lm = model["interactionModel"]["languageModel"]
    samples: list[_Sample] = []
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
                    _Sample(name, text, keys, frozenset(k for k in keys if k.startswith("{")))
                )

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

    index = _Index(
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
    index.sample_pairs = [_pairs(s.keys) for s in samples]
    surfaces = {
        word
        for sample in samples
        for word in expand_contractions(fold_text(_SLOT.sub(" ", sample.text)).split())
    }
    for slot_type in lm.get("types", []):
        phrases: list[_SlotPhrase] = []
        users: dict[str, set[str]] = defaultdict(set)
        for value in slot_type.get("values", []):
            name = value["name"]
            for text in [name["value"], *name.get("synonyms", [])]:
                keys = language.keys(text)
                telling = tuple(k for k in keys if k not in language.function_words) or keys
                if not telling:
                    continue
                weight = sum(index.weight(k) for k in telling)
                phrases.append(_SlotPhrase(value["id"], telling, weight))
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


def _evidence(samples: Sequence[_Sample]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
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


def _topic_words(samples: Sequence[_Sample], language: Language) -> frozenset[str]:
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


def _unknown_weight(index: _Index, keys: Sequence[str]) -> float:
    """Weigh an unknown word in these words: fully, unless topic words surround it.

    "play some jazz" has no topic word, so its unknown words keep it out of scope; in
    "is intimacy just about sex" the topic word says what it is about, and the unknown
    word counts less, by the share of the known telling words that are topic words.
    """
    telling = [k for k in set(keys) if k in index.idf and k not in index.language.function_words]
    if not telling:
        return index.unknown_weight
    topic = sum(index.idf[k] for k in telling if k in index.topic_words)
    share = topic / sum(index.idf[k] for k in telling)
    return index.unknown_weight * (1 - (1 - _OOV_SHARE) * share)


def _posterior(index: _Index, keys: Sequence[str], intents: Iterable[str]) -> dict[str, float]:
    """Share out belief among ``intents`` by the intent-level evidence of the known words."""
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


def _mark_slots(sample: str, slot_names: list[str]) -> str:
    """Turn ``{tip}`` into a marker word the pipeline leaves alone (digits are never stemmed)."""

    def marker(match: re.Match[str]) -> str:
        name = match.group(1)
        return f" qq{slot_names.index(name)}slot " if name in slot_names else " "

    return _SLOT.sub(marker, sample)


def _pairs(keys: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(itertools.pairwise(keys))


# --- resolving ------------------------------------------------------------------------


@dataclass(frozen=True)
class _SlotMatch:
    value_id: str
    positions: tuple[int, ...]
    score: float
    partial: bool


def _find_slot(index: _Index, slot_type: str, keys: Sequence[str]) -> _SlotMatch | None:
    """Find the value of ``slot_type`` heard in ``keys``: a whole phrase, else a telling word."""
    best: _SlotMatch | None = None
    for phrase in index.slot_phrases.get(slot_type, ()):
        positions = _in_order(keys, phrase.keys, gap=len(phrase.keys) + 2)
        if positions is not None and (best is None or phrase.weight > best.score):
            best = _SlotMatch(phrase.value_id, positions, phrase.weight, partial=False)
    if best is not None:
        return best
    for position, key in enumerate(keys):
        value_id = index.telling_words.get(slot_type, {}).get(key)
        if value_id is not None:
            score = index.weight(key)
            if best is None or score > best.score:
                best = _SlotMatch(value_id, (position,), score, partial=True)
    return best


def _in_order(keys: Sequence[str], wanted: Sequence[str], *, gap: int) -> tuple[int, ...] | None:
    """Find ``wanted`` in order within ``keys``, spanning at most len(wanted) + gap words."""
    for start, key in enumerate(keys):
        if key != wanted[0]:
            continue
        positions = [start]
        for word in wanted[1:]:
            following = [i for i in range(positions[-1] + 1, len(keys)) if keys[i] == word]
            if not following:
                break
            positions.append(following[0])
        if len(positions) == len(wanted) and positions[-1] - start < len(wanted) + gap:
            return tuple(positions)
    return None


def _correct_spelling(index: _Index, token: Token) -> Token:
    """Replace an unknown longer word by a known word a single letter away, if there is one.

    Works on the word as typed ("evning" -> "evening"), then folds it like any other.
    """
    word = token.surface
    if token.key in index.known_words or len(word) < 5 or not word.isalpha():
        return token
    candidates = [index.deletions.get(word)]  # a letter left out
    for i in range(len(word)):  # a letter too many, or one wrong
        shorter = word[:i] + word[i + 1 :]
        candidates += [shorter if shorter in index.known_surfaces else None]
        candidates += [index.deletions.get(shorter)]
    for candidate in candidates:
        if candidate is not None:
            key = stem(candidate)
            return Token(candidate, index.language.equivalents.get((key,), key))
    return token


def _strip_invocation(text: str, invocation: str) -> tuple[str, bool]:
    """Remove "alexa, ask closer together (to|about|...)"; say whether only a launch is left."""
    folded = fold_text(text)
    if not invocation:
        return folded, False
    pattern = re.compile(
        rf"^(?:alexa\s+)?(?:(ask|tell|open|launch|start|run|use|talk to|load)\s+)?"
        rf"{re.escape(invocation)}\b(?:\s+(?:to|about|for|that|if|whether|and))?\s*"
    )
    match = pattern.match(folded)
    if not match or not (match.group(1) or folded == invocation):
        return folded, False
    rest = folded[match.end() :].strip()
    return rest, not rest


@dataclass(frozen=True)
class _Match:
    """How one sample compares with the words: its score and what it shares."""

    number: int
    score: float
    precision: float
    shared: frozenset[str]


def _score_samples(
    index: _Index, keys: Sequence[str], slotted: frozenset[str] | None, unknown: float
) -> list[_Match]:
    """Compare the words with every sample that shares one: F1 of IDF-weighted overlap.

    ``slotted`` None scores every sample (a placeholder then counts as a word not
    heard); otherwise only samples whose placeholders are exactly those in ``slotted``.
    Shared word pairs add a little, so that word order counts without being required.
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
    pairs = _pairs(keys)
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
        matches.append(_Match(number, score, precision, frozenset(unique & set(sample.keys))))
    return matches


def _intent_score(
    index: _Index, keys: Sequence[str], matches: Sequence[_Match], unknown: float
) -> float:
    """Score an intent by its best sample, crediting words its next best samples share.

    People mix the phrasings of several samples ("is my childhood the reason I fear
    intimacy"); words found in the intent's other close samples raise its recall,
    at a discount, while precision stays that of the best sample.
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


def _heard(
    keys: Sequence[str],
    phrases: Mapping[str, Sequence[Sequence[str]]],
    exceptions: Sequence[Sequence[str]],
) -> frozenset[str]:
    """Name the intents one of whose phrases is heard, outside the everyday phrases that hold one.

    A phrase's words may stand up to :data:`_CUE_GAP` words apart ("hurting myself",
    "I don't really want to live"); a phrase inside an exception ("hit me up",
    "kill time") does not count.
    """
    heard: set[str] = set()
    for intent, candidates in phrases.items():
        for phrase in candidates:
            found = _in_order(keys, phrase, gap=_CUE_GAP)
            if found is not None and not any(
                around is not None and around[0] <= found[0] and found[-1] <= around[-1]
                for around in (_in_order(keys, exception, gap=0) for exception in exceptions)
            ):
                heard.add(intent)
                break
    return frozenset(heard)


def resolve_with(index: _Index, utterance: str) -> Resolution:
    """Resolve one utterance against a built index (see the module docstring for how)."""
    text, launch_only = _strip_invocation(utterance, index.invocation)
    if launch_only:
        return Resolution(LAUNCH_REQUEST, confidence=1.0)
    language = index.language
    all_tokens = language.tokens(text)
    tokens = language.content(all_tokens)
    tokens = [_correct_spelling(index, token) for token in tokens]
    keys = tuple(t.key for t in tokens)
    if not keys:
        return Resolution(FALLBACK_INTENT, confidence=1.0)
    # Safety cues and words are looked for in every word said, fillers included.
    said = tuple(t.key for t in all_tokens)
    exceptions = language.safety_cue_exceptions
    cued = _heard(said, language.safety_cues, exceptions) & index.safety_intents
    worded = _heard(said, language.safety_words, exceptions) & index.safety_intents

    # Slots: one placeholder version of the words per slot heard.
    slotted: list[tuple[frozenset[str], tuple[str, ...], dict[str, HeardSlot], bool]] = []
    for slot_name, slot_type in index.slots:
        match = _find_slot(index, slot_type, keys)
        if match is None:
            continue
        spoken = " ".join(
            tokens[i].surface for i in range(match.positions[0], match.positions[-1] + 1)
        )
        placeholder = "{" + slot_name + "}"
        replaced = [k for i, k in enumerate(keys) if i not in match.positions]
        replaced.insert(match.positions[0], placeholder)
        slotted.append(
            (
                frozenset({placeholder}),
                tuple(replaced),
                {slot_name: HeardSlot(spoken, match.value_id)},
                match.partial,
            )
        )

    # Exact: a sample or phrase, word for word.
    exact = index.exact.get(keys)
    if exact is not None:
        sample = index.samples[exact]
        return Resolution(sample.intent, confidence=1.0, sample=sample.text)
    answer = _leading_answer(index, keys)
    if answer is not None:
        return answer
    for placeholders, replaced, slot_values, partial in slotted:
        exact = index.exact.get(replaced)
        if exact is not None and index.samples[exact].slots == placeholders:
            sample = index.samples[exact]
            confidence = _PARTIAL_SLOT if partial else 1.0
            return Resolution(sample.intent, slot_values, confidence, sample.text)

    # Scored: each intent by its best samples.
    best: dict[str, tuple[float, str | None, dict[str, HeardSlot]]] = {}
    unknown = _unknown_weight(index, keys)
    versions = [(keys, None, {}, 1.0)] + [
        (replaced, placeholders, slot_values, _PARTIAL_SLOT if partial else 1.0)
        for placeholders, replaced, slot_values, partial in slotted
    ]
    for words, placeholders, slot_values, factor in versions:
        by_intent: dict[str, list[_Match]] = defaultdict(list)
        for match in _score_samples(index, words, placeholders, unknown):
            by_intent[index.samples[match.number].intent].append(match)
        for intent, matches in by_intent.items():
            score = factor * _intent_score(index, words, matches, unknown)
            if score > best.get(intent, (-1.0, None, {}))[0]:
                top = max(matches, key=lambda m: m.score)
                best[intent] = (score, index.samples[top.number].text, slot_values)
    return _choose(best, cued=cued, worded=worded, posterior=_posterior(index, keys, best))


_ANSWERS = ("AMAZON.YesIntent", "AMAZON.NoIntent")
_ENDINGS = ("AMAZON.StopIntent", "AMAZON.CancelIntent")


def _leading_answer(index: _Index, keys: Sequence[str]) -> Resolution | None:
    """Hear "yeah go ahead" or "no thanks stop" as the answer its first word gives.

    A yes or no word followed by nothing but another built-in phrase is an answer with
    a courtesy after it, as Alexa takes it; a topic after it ("yes my partner is
    pulling away") is not, and "no, stop" still stops.
    """
    first, rest = index.exact.get(tuple(keys[:1])), index.exact.get(tuple(keys[1:]))
    if first is None or rest is None or len(keys) < 2:
        return None
    sample = index.samples[first]
    after = index.samples[rest].intent
    if sample.intent not in _ANSWERS or not after.startswith("AMAZON.") or after in _ENDINGS:
        return None
    return Resolution(sample.intent, confidence=0.9, sample=sample.text)


def _choose(
    best: Mapping[str, tuple[float, str | None, dict[str, HeardSlot]]],
    *,
    cued: Collection[str] = frozenset(),
    worded: Collection[str] = frozenset(),
    posterior: Mapping[str, float] | None = None,
) -> Resolution:
    """Pick the intent: safety first when cued or plausible, then the best score, else fallback.

    ``cued`` names the safety intents one of whose cues was heard, ``worded`` those one
    of whose safety words was. ``max`` keeps the first of equal scores, so ties go to
    the first of :data:`SAFETY_INTENTS`, CrisisIntent.
    """
    if cued:
        name = max(
            (intent for intent in SAFETY_INTENTS if intent in cued),
            key=lambda intent: best[intent][0] if intent in best else 0.0,
        )
        score, sample = best[name][:2] if name in best else (0.0, None)
        return Resolution(name, confidence=max(score, CUE_CONFIDENCE), sample=sample)
    # Without a cue, a safety intent competes only on a word of its own or a strong
    # score: its samples hold everyday words too ("wake up tomorrow", "right now").
    scored = {
        intent: item
        for intent, item in best.items()
        if intent not in SAFETY_INTENTS or intent in worded or item[0] >= SAFETY_STRONG
    }
    top = max(scored.items(), key=lambda item: item[1][0], default=None)
    top_score = top[1][0] if top else 0.0
    safety = [(intent, scored[intent]) for intent in SAFETY_INTENTS if intent in scored]
    if safety:
        name, (score, sample, _) = max(safety, key=lambda item: item[1][0])
        if score >= max(SAFETY_THRESHOLD, SAFETY_SHARE * top_score):
            return Resolution(name, confidence=score, sample=sample)
    if top is None or top_score < THRESHOLD:
        return Resolution(FALLBACK_INTENT, confidence=1.0 - top_score)
    if posterior and not top[0].startswith("AMAZON."):
        # Among the skill's own topics, which share many words, the words of all of an
        # intent's samples at once ("why", "am I", "my partner") settle a close call.
        floor = _EVIDENCE_FLOOR * THRESHOLD
        blended = {
            intent: (1 - _EVIDENCE_SHARE) * item[0] + _EVIDENCE_SHARE * posterior.get(intent, 0.0)
            for intent, item in scored.items()
            if item[0] >= floor and not intent.startswith("AMAZON.")
        }
        chosen = max(blended, key=blended.__getitem__)
        top = (chosen, scored[chosen])
    intent, (score, text, slots) = top
    return Resolution(intent, dict(slots), min(score, 1.0), text)


# --- loading, caching, the public entry point -----------------------------------------


def model_path(locale: str, deploy_dir: Path = DEPLOY_DIR) -> Path:
    """Locate the generated interaction model for ``locale``, or en-US's when it has none."""
    path = deploy_dir / MODEL_PATH.format(locale=locale)
    if re.fullmatch(r"[a-z]{2}-[A-Z]{2}", locale) and path.is_file():
        return path
    return deploy_dir / MODEL_PATH.format(locale=DEFAULT_LOCALE)


@functools.cache
def _phrases(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of languages")
    return data


def language_for(locale: str, phrases_path: Path = PHRASES_PATH) -> Language:
    """Load the word lists for a locale's language ("en" for en-GB), or English's."""
    data = _phrases(phrases_path)
    block = data.get(locale.split("-")[0]) or data.get("en") or {}
    return load_language(block)


@functools.cache
def index_for(locale: str = DEFAULT_LOCALE) -> _Index:
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
    return _build_index(model, language_for(locale))


def build_index(model: Mapping[str, Any], locale: str = DEFAULT_LOCALE) -> _Index:
    """Index an interaction model given as data (tests, or a model not yet written out)."""
    return _build_index(model, language_for(locale))


def resolve(utterance: str, locale: str = DEFAULT_LOCALE) -> Resolution:
    """Understand ``utterance`` as Alexa would with the locale's interaction model."""
    return resolve_with(index_for(locale), utterance)


def declared_slots(intent: str, locale: str = DEFAULT_LOCALE) -> tuple[str, ...]:
    """Name the slots the model declares for ``intent``: Alexa sends each, filled or not."""
    return tuple(index_for(locale).intent_slots.get(intent, {}))
