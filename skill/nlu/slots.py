"""Slots: the value of a slot heard in the words, as Alexa's entity resolution fills it.

A custom slot type's value is heard by its name or one of its synonyms, its words in
order with a few others between ("take things slowly" for "take it slow"), or, failing
that, by a *telling word*: a word only that value's phrases use ("therapist"). An
``AMAZON.TIME`` slot is heard by :mod:`skill.nlu.times` and sent as Alexa sends it,
``HH:MM``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from skill.nlu.times import find_time
from skill.nlu.words import Language

TIME_SLOT_TYPE = "AMAZON.TIME"


@dataclass(frozen=True)
class SlotPhrase:
    """One way of saying a slot value: its value id and the words that must be heard."""

    value_id: str
    keys: tuple[str, ...]
    """The phrase's telling words (function words dropped), all to be heard in order."""


@dataclass(frozen=True)
class SlotPhrases:
    """How the values of one slot type are said."""

    phrases: tuple[SlotPhrase, ...]
    telling_words: dict[str, str] = field(default_factory=dict)
    """A word only one value's phrases use -> that value id."""


@dataclass(frozen=True)
class FoundSlot:
    """A slot value found in the words: its id and the positions of the words that said it."""

    value_id: str
    positions: tuple[int, ...]


def slot_phrases(
    slot_type: Mapping[str, Any], language: Language, sample_words: frozenset[str]
) -> SlotPhrases:
    """Index the values and synonyms of one slot type of the interaction model.

    ``sample_words`` are the keys the samples use: such a word is never telling, since
    "partner" in "understanding my partner" is heard in many a sample without a tip.
    """
    phrases: list[SlotPhrase] = []
    users: dict[str, set[str]] = defaultdict(set)
    for value in slot_type.get("values", []):
        name = value["name"]
        for text in [name["value"], *name.get("synonyms", [])]:
            keys = language.keys(text)
            telling = tuple(k for k in keys if k not in language.function_words) or keys
            if telling:
                phrases.append(SlotPhrase(value["id"], telling))
                for key in telling:
                    users[key].add(value["id"])
    # A word only one value uses tells that value alone ("boundaries", "therapist");
    # "more" or "past" would not.
    telling_words = {
        key: next(iter(ids))
        for key, ids in users.items()
        if len(ids) == 1 and key not in sample_words and key not in language.function_words
    }
    return SlotPhrases(tuple(phrases), telling_words)


def find_value(phrases: SlotPhrases, keys: Sequence[str]) -> FoundSlot | None:
    """Find the value heard in ``keys``: the longest whole phrase, else a telling word."""
    best: FoundSlot | None = None
    for phrase in phrases.phrases:
        positions = in_order(keys, phrase.keys, gap=len(phrase.keys) + 2)
        if positions is not None and (best is None or len(phrase.keys) > len(best.positions)):
            best = FoundSlot(phrase.value_id, positions)
    if best is not None:
        return best
    for position, key in enumerate(keys):
        if key in phrases.telling_words:
            return FoundSlot(phrases.telling_words[key], (position,))
    return None


def find_time_value(typed: Sequence[str]) -> FoundSlot | None:
    """Find a time of day in the words as typed; its value id is Alexa's ``HH:MM``."""
    heard = find_time(typed)
    return None if heard is None else FoundSlot(*heard)


def in_order(keys: Sequence[str], wanted: Sequence[str], *, gap: int) -> tuple[int, ...] | None:
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
