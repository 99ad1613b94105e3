"""Check samples.yaml: the intents, what people say to reach each, and the slot types.

These become the interaction model Alexa is given, so the checks are Amazon's rules
for sample utterances (which Amazon reports only at deploy time, and without a line)
and the ones that keep intents apart: no sample in two intents, no synonym under two
slot values. :func:`sample_problems` and :func:`normalise_sample` are also what
``closer lint`` holds the generated model to.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from intents.located import LocatedDict, line_of
from intents.model import Intent, SlotValue
from intents.report import Report

MIN_CUSTOM_SAMPLES = 25
"""Samples a custom intent needs, so that Alexa hears it said in many ways."""
MIN_SAFETY_SAMPLES = 40
"""Samples a safety intent needs: a person in danger must not fall through to fallback."""

# Letters, spaces, apostrophes, hyphens and periods (for abbreviations); {slot} markers.
_SAMPLE_CHARS = re.compile(r"^[A-Za-z' .\-{}]+$")
_SLOT_REF = re.compile(r"\{([A-Za-z_]+)\}")


def normalise_sample(sample: str) -> str:
    """Fold case and spacing so that near-identical samples count as duplicates."""
    return " ".join(sample.lower().split())


def check_samples(
    data: LocatedDict, path: Path, report: Report, safety_intents: Collection[str]
) -> tuple[dict[str, Intent], dict[str, tuple[SlotValue, ...]]]:
    """Check intents, their samples and slots, and the slot types.

    ``safety_intents`` (named by :mod:`intents.loader`) need more samples than the others.
    """
    slot_types = _check_slot_types(data.get("slot_types"), path, report, line_of(data))
    intents: dict[str, Intent] = {}
    raw_intents = data.get("intents")
    if not isinstance(raw_intents, LocatedDict) or not raw_intents:
        report.add(path, line_of(data), "intents must map intent names to their samples")
        return intents, slot_types
    seen: dict[str, tuple[str, int]] = {}
    for name, spec in raw_intents.items():
        where = raw_intents.key_lines[name]
        if not re.fullmatch(r"(AMAZON\.)?[A-Za-z_]+", name):
            report.add(path, where, f"{name} is not a valid intent name (letters and underscores)")
        if not isinstance(spec, dict):
            report.add(path, where, f"{name} must have `samples:` (a list, [] for built-ins)")
            continue
        slots = _check_slots(name, spec.get("slots"), slot_types, path, report, where)
        samples = spec.get("samples")
        if not isinstance(samples, list):
            report.add(path, where, f"{name} must have `samples:` (a list, [] for built-ins)")
            continue
        is_builtin = name.startswith("AMAZON.")
        least = MIN_SAFETY_SAMPLES if name in safety_intents else MIN_CUSTOM_SAMPLES
        if not is_builtin and len(samples) < least:
            report.add(
                path,
                line_of(samples, where),
                f"{name} has {len(samples)} samples; at least {least} are needed",
            )
        _check_each_sample(name, samples, slots, seen, path, report, where)
        intents[name] = Intent(name=name, samples=tuple(str(s) for s in samples), slots=slots)
    return intents, slot_types


def _check_each_sample(
    name: str,
    samples: list[Any],
    slots: dict[str, str],
    seen: dict[str, tuple[str, int]],
    path: Path,
    report: Report,
    where: int,
) -> None:
    """Check one intent's samples by Amazon's rules, and against every sample ``seen`` so far."""
    for sample in samples:
        line = line_of(sample, line_of(samples, where))
        if not isinstance(sample, str):
            report.add(path, line, f"{name} has a sample that is not text")
            continue
        for problem in sample_problems(sample, slots):
            report.add(path, line, f"{name} sample '{sample}': {problem}")
        key = normalise_sample(sample)
        if key in seen:
            other, other_line = seen[key]
            report.add(
                path,
                line,
                f"{name} sample '{sample}' is also a sample of {other} (line {other_line})",
            )
        else:
            seen[key] = (name, line)


def sample_problems(sample: str, slots: dict[str, str]) -> Iterator[str]:
    """Yield what breaks Amazon's sample utterance rules in ``sample``."""
    if not sample.strip():
        yield "is empty"
        return
    yield from _character_problems(sample)
    yield from _slot_reference_problems(sample, slots)
    if "  " in sample or sample != sample.strip():
        yield "has extra spaces"


def _character_problems(sample: str) -> Iterator[str]:
    """Check the characters: letters, spaces, apostrophes, hyphens; numbers spelt out."""
    if not _SAMPLE_CHARS.match(sample):
        bad = sorted({c for c in sample if not re.match(r"[A-Za-z' .\-{}]", c)})
        yield f"has characters Alexa does not allow in samples: {' '.join(bad)}"
    if any(c.isdigit() for c in sample):
        yield "has digits; spell numbers out"
    for match in re.finditer(r"\.", sample):
        before = sample[max(0, match.start() - 2) : match.start()]
        if not re.fullmatch(r"(^|[ .])?[A-Za-z]", before[-2:] if len(before) == 2 else before):
            yield "uses a period outside an abbreviation"
            break


def _slot_reference_problems(sample: str, slots: dict[str, str]) -> Iterator[str]:
    """Check each {slot}: declared, with a space either side, and no stray brace."""
    refs = _SLOT_REF.findall(sample)
    for ref in refs:
        if ref not in slots:
            yield f"uses {{{ref}}}, which the intent does not declare under slots"
    if refs and re.search(r"\S\{|\}\S", sample):
        yield "needs a space on each side of a {slot}"
    if re.sub(r"\{[A-Za-z_]+\}", "", sample).count("{") or "}" in re.sub(
        r"\{[A-Za-z_]+\}", "", sample
    ):
        yield "has an unmatched brace"


def _check_slots(
    intent: str,
    raw: Any,
    slot_types: dict[str, tuple[SlotValue, ...]],
    path: Path,
    report: Report,
    where: int,
) -> dict[str, str]:
    """Check an intent's ``slots:`` mapping of slot name to slot type."""
    if raw is None:
        return {}
    if not isinstance(raw, LocatedDict):
        report.add(path, line_of(raw, where), f"{intent} slots must map slot names to slot types")
        return {}
    slots: dict[str, str] = {}
    for slot, slot_type in raw.items():
        line = raw.key_lines.get(slot, where)
        if not isinstance(slot_type, str):
            report.add(path, line, f"{intent} slot {slot} needs a slot type")
        elif slot_type not in slot_types and not slot_type.startswith("AMAZON."):
            report.add(
                path, line, f"{intent} slot {slot} has type {slot_type}, which is not defined"
            )
        else:
            slots[str(slot)] = str(slot_type)
    return slots


def _check_slot_types(
    raw: Any, path: Path, report: Report, where: int
) -> dict[str, tuple[SlotValue, ...]]:
    """Check slot types: unique ids, sample-safe values, no synonym under two values."""
    result: dict[str, tuple[SlotValue, ...]] = {}
    if raw is None:
        return result
    if not isinstance(raw, LocatedDict):
        report.add(path, line_of(raw, where), "slot_types must map type names to lists of values")
        return result
    for type_name, values in raw.items():
        type_line = raw.key_lines[type_name]
        if not isinstance(values, list) or not values:
            report.add(path, type_line, f"slot type {type_name} needs a list of values")
            continue
        result[str(type_name)] = _slot_values(str(type_name), values, type_line, path, report)
    return result


def _slot_values(
    type_name: str, values: list[Any], type_line: int, path: Path, report: Report
) -> tuple[SlotValue, ...]:
    """Check one slot type's values: an id, a value and synonyms, each phrase sample-safe."""
    built: list[SlotValue] = []
    spoken: dict[str, str] = {}
    for entry in values:
        line = line_of(entry, type_line)
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("value"), str)
        ):
            report.add(path, line, f"slot type {type_name}: each value needs an id and a value")
            continue
        synonyms = entry.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            report.add(
                path, line, f"slot type {type_name} {entry['id']}: synonyms must be a list of texts"
            )
            synonyms = []
        if not synonyms:
            report.add(
                path, line, f"slot type {type_name} {entry['id']}: give at least one synonym"
            )
        for phrase in [entry["value"], *synonyms]:
            _check_slot_phrase(type_name, entry["id"], phrase, spoken, path, report, line)
        if any(v.id == entry["id"] for v in built):
            report.add(path, line, f"slot type {type_name} has id {entry['id']} twice")
        built.append(
            SlotValue(
                id=str(entry["id"]), value=str(entry["value"]), synonyms=tuple(map(str, synonyms))
            )
        )
    return tuple(built)


def _check_slot_phrase(
    type_name: str,
    value_id: str,
    phrase: str,
    spoken: dict[str, str],
    path: Path,
    report: Report,
    line: int,
) -> None:
    """Check a value or synonym: sample-safe, and not said for another value of the type."""
    phrase_line = line_of(phrase, line)
    for problem in sample_problems(phrase, {}):
        report.add(path, phrase_line, f"slot type {type_name} '{phrase}': {problem}")
    key = normalise_sample(phrase)
    if key in spoken and spoken[key] != value_id:
        report.add(
            path,
            phrase_line,
            f"slot type {type_name} '{phrase}' is under both {spoken[key]} and {value_id}",
        )
    spoken[key] = value_id
