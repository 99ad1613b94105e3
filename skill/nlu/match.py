"""Matching: one utterance to an intent and its slots, safety first.

The steps are those of the package docstring (:mod:`skill.nlu`): normalise, find
slots, try an exact match, listen for safety cues, score, then let the intent-level
evidence settle a close call. The scores come from :mod:`skill.nlu.score`; this
module decides what they mean (:func:`choose`) and builds the :class:`Resolution`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from intents.loader import FALLBACK_INTENT, SAFETY_INTENTS
from skill.nlu.index import Index
from skill.nlu.score import (
    Match,
    intent_posterior,
    intent_score,
    score_samples,
    unknown_weight_among,
)
from skill.nlu.times import find_time
from skill.nlu.words import Token, strip_invocation

LAUNCH_REQUEST = "LaunchRequest"
"""Not an intent: what "open closer together" alone asks for, as Alexa would send it."""

THRESHOLD = 0.5
"""Below this score an utterance is out of scope: ``AMAZON.FallbackIntent``."""
SAFETY_THRESHOLD = 0.4
"""A safety intent's score this high is plausible enough to win (see :func:`choose`)..."""
SAFETY_SHARE = 0.85
"""...provided it is at least this share of the best intent's score..."""
SAFETY_STRONG = 0.8
"""...and one of the intent's safety words is heard, or the score is at least this."""
CUE_CONFIDENCE = 0.9
"""The confidence of a safety intent chosen for one of its cues (at least)."""

TIME_SLOT_TYPE = "AMAZON.TIME"
_PARTIAL_SLOT = 0.85  # a slot heard only by one telling word is less certain
_CUE_GAP = 2  # words allowed between the words of a safety cue
_EVIDENCE_SHARE = 0.2  # how much the intent-level word evidence counts in an intent score
_EVIDENCE_FLOOR = 0.8  # an intent chosen by evidence needs this share of THRESHOLD
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


class Candidate(NamedTuple):
    """An intent's best showing: its score, the sample that gave it, the slots heard."""

    score: float
    sample: str | None
    slots: dict[str, HeardSlot]


@dataclass(frozen=True)
class _SlotMatch:
    value_id: str
    positions: tuple[int, ...]
    score: float
    partial: bool


def _find_slot(index: Index, slot_type: str, keys: Sequence[str]) -> _SlotMatch | None:
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


def _time_slot(typed: Sequence[str]) -> _SlotMatch | None:
    heard = find_time(typed)
    if heard is None:
        return None
    value, positions = heard
    return _SlotMatch(value, positions, 1.0, partial=False)


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


def resolve_with(index: Index, utterance: str) -> Resolution:
    """Resolve one utterance against a built index (see :mod:`skill.nlu` for how)."""
    text, launch_only = strip_invocation(utterance, index.invocation)
    if launch_only:
        return Resolution(LAUNCH_REQUEST, confidence=1.0)
    language = index.language
    all_tokens = language.tokens(text)
    tokens = language.content(all_tokens)
    typed = tuple(token.surface.lower() for token in tokens)  # before spelling correction
    tokens = [index.correct_spelling(token) for token in tokens]
    keys = tuple(t.key for t in tokens)
    if not keys:
        return Resolution(FALLBACK_INTENT, confidence=1.0)
    # Safety cues and words are looked for in every word said, fillers included.
    said = tuple(t.key for t in all_tokens)
    exceptions = language.safety_cue_exceptions
    cued = _heard(said, language.safety_cues, exceptions) & index.safety_intents
    worded = _heard(said, language.safety_words, exceptions) & index.safety_intents

    slotted = _slotted(index, tokens, keys, typed)

    # Exact: a sample or phrase, word for word.
    exact = index.exact.get(keys)
    if exact is not None:
        sample = index.samples[exact]
        return Resolution(sample.intent, confidence=1.0, sample=sample.text)
    answer = _leading_answer(index, keys)
    if answer is not None:
        return answer
    for version in slotted:
        exact = index.exact.get(version.keys)
        if exact is not None and index.samples[exact].slots == version.placeholders:
            sample = index.samples[exact]
            return Resolution(sample.intent, version.slots, version.factor, sample.text)

    best = _score_intents(index, keys, slotted)
    posterior = intent_posterior(index, keys, best)
    return choose(best, cued=cued, worded=worded, posterior=posterior)


class _Slotted(NamedTuple):
    """The words with a slot's value replaced by its placeholder ("how do I {tip}")."""

    placeholders: frozenset[str] | None
    """The placeholders the words hold; None for the words as said."""
    keys: tuple[str, ...]
    slots: dict[str, HeardSlot]
    factor: float
    """What a match counts: less when the slot was heard only by one telling word."""


def _slotted(
    index: Index, tokens: Sequence[Token], keys: tuple[str, ...], typed: Sequence[str]
) -> list[_Slotted]:
    """Make one placeholder version of the words per slot heard, as entity resolution would.

    ``typed`` are the words before spelling correction, where a time of day is heard.
    """
    versions: list[_Slotted] = []
    for slot_name, slot_type in index.slots:
        if slot_type == TIME_SLOT_TYPE:
            found = _time_slot(typed)
        else:
            found = _find_slot(index, slot_type, keys)
        if found is None:
            continue
        first, last = found.positions[0], found.positions[-1]
        spoken = " ".join(tokens[i].surface for i in range(first, last + 1))
        if slot_type == TIME_SLOT_TYPE:  # Alexa sends the time itself, not the words
            spoken, found = found.value_id, replace(found, value_id="")
        placeholder = "{" + slot_name + "}"
        rest = [k for i, k in enumerate(keys) if i not in found.positions]
        rest.insert(first, placeholder)
        versions.append(
            _Slotted(
                frozenset({placeholder}),
                tuple(rest),
                {slot_name: HeardSlot(spoken, found.value_id)},
                _PARTIAL_SLOT if found.partial else 1.0,
            )
        )
    return versions


def _score_intents(
    index: Index, keys: tuple[str, ...], slotted: Sequence[_Slotted]
) -> dict[str, Candidate]:
    """Score each intent by its best samples, over the words as said and each slotted version.

    An intent keeps its best showing of all versions, with the slots of that version.
    """
    best: dict[str, Candidate] = {}
    unknown = unknown_weight_among(index, keys)
    for version in [_Slotted(None, keys, {}, 1.0), *slotted]:
        by_intent: dict[str, list[Match]] = defaultdict(list)
        for match in score_samples(index, version.keys, version.placeholders, unknown):
            by_intent[index.samples[match.number].intent].append(match)
        for intent, matches in by_intent.items():
            score = version.factor * intent_score(index, version.keys, matches, unknown)
            if score > best.get(intent, Candidate(-1.0, None, {})).score:
                top = max(matches, key=lambda m: m.score)
                best[intent] = Candidate(score, index.samples[top.number].text, version.slots)
    return best


def _leading_answer(index: Index, keys: Sequence[str]) -> Resolution | None:
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


def choose(
    best: Mapping[str, Candidate],
    *,
    cued: Collection[str] = frozenset(),
    worded: Collection[str] = frozenset(),
    posterior: Mapping[str, float] | None = None,
) -> Resolution:
    """Pick the intent: safety first when cued or plausible, then the best score, else fallback.

    ``best`` holds each scored intent's :class:`Candidate`. ``cued`` names the safety
    intents one of whose cues was heard, ``worded`` those one of whose safety words
    was; ``posterior`` is :func:`~skill.nlu.score.intent_posterior` of the words.
    ``max`` keeps the first of equal scores, so ties go to the first of
    :data:`SAFETY_INTENTS`, CrisisIntent.
    """
    if cued:
        name = max(
            (intent for intent in SAFETY_INTENTS if intent in cued),
            key=lambda intent: best[intent].score if intent in best else 0.0,
        )
        score, sample = (best[name].score, best[name].sample) if name in best else (0.0, None)
        return Resolution(name, confidence=max(score, CUE_CONFIDENCE), sample=sample)
    # Without a cue, a safety intent competes only on a word of its own or a strong
    # score: its samples hold everyday words too ("wake up tomorrow", "right now").
    scored = {
        intent: item
        for intent, item in best.items()
        if intent not in SAFETY_INTENTS or intent in worded or item.score >= SAFETY_STRONG
    }
    top = max(scored.items(), key=lambda item: item[1].score, default=None)
    top_score = top[1].score if top else 0.0
    safety = [(intent, scored[intent]) for intent in SAFETY_INTENTS if intent in scored]
    if safety:
        name, (score, sample, _) = max(safety, key=lambda item: item[1].score)
        if score >= max(SAFETY_THRESHOLD, SAFETY_SHARE * top_score):
            return Resolution(name, confidence=score, sample=sample)
    if top is None or top_score < THRESHOLD:
        return Resolution(FALLBACK_INTENT, confidence=1.0 - top_score)
    if posterior and not top[0].startswith("AMAZON."):
        # Among the skill's own topics, which share many words, the words of all of an
        # intent's samples at once ("why", "am I", "my partner") settle a close call.
        floor = _EVIDENCE_FLOOR * THRESHOLD
        blended = {
            intent: (1 - _EVIDENCE_SHARE) * item.score
            + _EVIDENCE_SHARE * posterior.get(intent, 0.0)
            for intent, item in scored.items()
            if item.score >= floor and not intent.startswith("AMAZON.")
        }
        chosen = max(blended, key=blended.__getitem__)
        top = (chosen, scored[chosen])
    intent, (score, text, slots) = top
    return Resolution(intent, dict(slots), min(score, 1.0), text)
