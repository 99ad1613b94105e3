"""Matching: one utterance to an intent and its slots, safety first.

The steps are those of the package docstring (:mod:`skill.nlu`): normalise, find
slots, try an exact match, listen for safety cues, classify, and fall back when the
classifier is unsure; then fill the chosen intent's slots and build the
:class:`Resolution`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from intents.loader import FALLBACK_INTENT, SAFETY_INTENTS
from skill.nlu.index import Index
from skill.nlu.slots import TIME_SLOT_TYPE, find_time_value, find_value, in_order
from skill.nlu.words import Token, strip_invocation

LAUNCH_REQUEST = "LaunchRequest"
"""Not an intent: what "open closer together" alone asks for, as Alexa would send it."""

THRESHOLD = 0.3
"""Below this probability the classifier's best intent is not trusted: ``AMAZON.FallbackIntent``."""
KNOWN_SHARE = 0.5
"""Below this share of known words (see :meth:`Classifier.known_share`), it is fallback too."""
SAFETY_WORDED = 0.5
"""Without a cue, a safety intent needs this probability and one of its safety words heard..."""
SAFETY_STRONG = 0.8
"""...or this probability alone."""
CUE_CONFIDENCE = 0.9
"""The confidence of a safety intent chosen for one of its cues (at least)."""

_CUE_GAP = 2  # words allowed between the words of a safety cue
_ANSWERS = ("AMAZON.YesIntent", "AMAZON.NoIntent")
_ENDINGS = ("AMAZON.StopIntent", "AMAZON.CancelIntent")


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

    ``sample`` is the sample or phrase closest to what was said, for content authors.
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


class _Slotted(NamedTuple):
    """The words with one slot's value replaced by its placeholder ("how do I {tip}")."""

    name: str
    keys: tuple[str, ...]
    slot: HeardSlot
    positions: tuple[int, ...]
    """Where the value's words stand in the words said."""


def heard(
    index: Index, said: Sequence[str], phrases: Mapping[str, Sequence[Sequence[str]]]
) -> frozenset[str]:
    """Name the safety intents one of whose ``phrases`` is heard, outside the everyday phrases.

    ``phrases`` are the safety cues or the safety words of builtin_phrases.yaml. A
    phrase's words may stand up to :data:`_CUE_GAP` words apart ("hurting myself", "I
    don't really want to live"); one inside an exception ("hit me up", "kill time")
    does not count. Only the safety intents the model has can be heard.
    """
    language = index.language
    spans = [in_order(said, exception, gap=0) for exception in language.safety_cue_exceptions]
    found_in: set[str] = set()
    for intent, cues in phrases.items():
        for cue in cues:
            found = in_order(said, cue, gap=_CUE_GAP)
            if found is not None and not any(
                span is not None and span[0] <= found[0] and found[-1] <= span[-1] for span in spans
            ):
                found_in.add(intent)
                break
    return frozenset(found_in) & index.safety_intents


def resolve_with(index: Index, utterance: str) -> Resolution:
    """Resolve one utterance against a built index (see :mod:`skill.nlu` for how)."""
    text, launch_only = strip_invocation(utterance, index.invocation)
    if launch_only:
        return Resolution(LAUNCH_REQUEST, confidence=1.0)
    language = index.language
    all_tokens = language.tokens(text)
    said_tokens = language.content(all_tokens)
    typed = tuple(token.surface.lower() for token in said_tokens)  # before spelling correction
    tokens = [index.speller.correct(token, language) for token in said_tokens]
    keys = tuple(token.key for token in tokens)
    if not keys:
        return Resolution(FALLBACK_INTENT, confidence=1.0)
    # Safety cues are looked for in every word said, fillers included.
    said = tuple(token.key for token in all_tokens)
    cued = heard(index, said, index.language.safety_cues)

    exact = index.exact.get(keys)
    if exact is not None:
        return Resolution(exact.intent, confidence=1.0, sample=exact.text)
    answer = _leading_answer(index, keys)
    if answer is not None:
        return answer
    slotted = _slotted(index, tokens, keys, typed)
    for version in slotted:
        exact = index.exact.get(version.keys)
        if exact is not None and not cued:
            return Resolution(exact.intent, {version.name: version.slot}, 1.0, exact.text)

    classified = _classify(index, [keys, *(version.keys for version in slotted)])
    probability = classified.probability
    if cued:
        # A classifier can miss a person in danger: a cue heard chooses its intent.
        # max keeps the first of equal scores: CrisisIntent, the first of SAFETY_INTENTS.
        name = max((i for i in SAFETY_INTENTS if i in cued), key=lambda i: probability.get(i, 0.0))
        confidence = max(probability.get(name, 0.0), CUE_CONFIDENCE)
        return Resolution(name, confidence=confidence, sample=classified.sample(index, name))
    # The words that said a slot's value are the value's ("make a safe space").
    valued = {position for version in slotted for position in version.positions}
    unvalued = tuple(key for position, key in enumerate(keys) if position not in valued)
    worded = heard(index, unvalued, index.language.safety_words)
    top = _choose(probability, worded)
    if top is None or classified.known < KNOWN_SHARE:
        in_scope = [p for intent, p in probability.items() if intent != FALLBACK_INTENT]
        return Resolution(FALLBACK_INTENT, confidence=1.0 - max(in_scope, default=0.0))
    declared = index.intent_slots.get(top, {})
    slots = {version.name: version.slot for version in slotted if version.name in declared}
    return Resolution(top, slots, probability[top], classified.sample(index, top))


class _Classified(NamedTuple):
    """The classifier's view of the words, over their versions (as said, and slotted)."""

    probability: dict[str, float]
    """Each intent's best probability over the versions."""
    features: dict[str, tuple[list[int], list[float]]]
    """Each intent's best version, as features: where its nearest sample is looked for."""
    known: float
    """The largest share of known words of any version."""

    def sample(self, index: Index, intent: str) -> str | None:
        """Name the sample of ``intent`` nearest the words, for content authors."""
        if intent not in self.features:
            return None
        return index.samples[index.classifier.nearest(intent, *self.features[intent])].text


def _classify(index: Index, versions: Sequence[tuple[str, ...]]) -> _Classified:
    """Classify each version of the words (as said, and with each slot's placeholder)."""
    classifier = index.classifier
    result = _Classified(dict.fromkeys(classifier.intents, 0.0), {}, 0.0)
    known = 0.0
    for words in versions:
        text = " ".join(words)
        known = max(known, classifier.known_share(text))
        columns, values = classifier.features(text)
        probabilities = classifier.probabilities(columns, values)
        if probabilities is None:
            continue
        for number, intent in enumerate(classifier.intents):
            if probabilities[number] > result.probability[intent]:
                result.probability[intent] = float(probabilities[number])
                result.features[intent] = (columns, values)
    return result._replace(known=known)


def _choose(probability: Mapping[str, float], worded: frozenset[str]) -> str | None:
    """Pick the likeliest intent, or None when it is not likely enough: fallback.

    Without a cue, a safety intent competes only on a word of its own or a strong
    probability: its samples hold everyday words too ("wake up tomorrow", "my mom").
    """
    in_scope = {
        intent: p
        for intent, p in probability.items()
        if intent != FALLBACK_INTENT
        and (
            intent not in SAFETY_INTENTS
            or p >= SAFETY_STRONG
            or (intent in worded and p >= SAFETY_WORDED)
        )
    }
    top = max(in_scope, key=in_scope.__getitem__, default=None)
    if top is None or in_scope[top] < THRESHOLD:
        return None
    return None if probability.get(FALLBACK_INTENT, 0.0) > in_scope[top] else top


def _leading_answer(index: Index, keys: Sequence[str]) -> Resolution | None:
    """Hear "yeah go ahead" or "no thanks stop" as the answer its first word gives.

    A yes or no word followed by nothing but another built-in phrase is an answer with
    a courtesy after it, as Alexa takes it; a topic after it ("yes my partner is
    pulling away") is not, and "no, stop" still stops. The classifier, which sees
    "go ahead" as next, does not know that the first word decides.
    """
    if len(keys) < 2:
        return None
    first, rest = index.exact.get(tuple(keys[:1])), index.exact.get(tuple(keys[1:]))
    if first is None or rest is None or first.intent not in _ANSWERS:
        return None
    if rest.intent in _ENDINGS:
        return Resolution(rest.intent, confidence=0.9, sample=rest.text)
    if not rest.intent.startswith("AMAZON."):
        return None
    return Resolution(first.intent, confidence=0.9, sample=first.text)


def _slotted(
    index: Index, tokens: Sequence[Token], keys: tuple[str, ...], typed: Sequence[str]
) -> list[_Slotted]:
    """Make one placeholder version of the words per slot heard, as entity resolution would.

    ``typed`` are the words before spelling correction, where a time of day is heard
    (the model's words would hear "eight" as "might").
    """
    versions: list[_Slotted] = []
    for slot_name, slot_type in index.slots:
        if slot_type == TIME_SLOT_TYPE:
            found = find_time_value(typed)
        elif slot_type in index.slot_phrases:
            found = find_value(index.slot_phrases[slot_type], keys)
        else:
            found = None
        if found is None:
            continue
        first, last = found.positions[0], found.positions[-1]
        spoken = " ".join(tokens[i].surface for i in range(first, last + 1))
        slot = HeardSlot(spoken, found.value_id)
        if slot_type == TIME_SLOT_TYPE:  # Alexa sends the time itself, not the words
            slot = HeardSlot(found.value_id, "")
        rest = [k for i, k in enumerate(keys) if i not in found.positions]
        rest.insert(first, "{" + slot_name + "}")
        versions.append(_Slotted(slot_name, tuple(rest), slot, found.positions))
    return versions
