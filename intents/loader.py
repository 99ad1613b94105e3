"""Read the content YAML, check it, and build :class:`intents.model.Content`.

All problems are collected, not just the first, and each reads
``intents/content/topics.yaml:42: TipIntent step 3 is 61 words; the limit is 45``
so that whoever edits the wording can fix it without reading Python.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from intents.located import DuplicateKeyError, LocatedDict, line_of, load_located
from intents.model import (
    DEFAULT_LOCALE,
    Catalogue,
    Content,
    Helpline,
    Helplines,
    Intent,
    Offer,
    Part,
    SlotValue,
    Tip,
    Topic,
)

CONTENT_DIR = Path(__file__).parent / "content"
WORD_LIMIT = 45
MAX_PAUSE_SECONDS = 10.0
MIN_CUSTOM_SAMPLES = 25
TIP_INTENT = "TipIntent"
CRISIS_INTENT = "CrisisIntent"
"""Thoughts of suicide or self-harm, hopelessness: the emergency number, then the crisis line."""
ABUSE_INTENT = "AbuseIntent"
"""Someone hurting, threatening or controlling them; unsafe at home: then the abuse line."""
SAFETY_INTENTS = (CRISIS_INTENT, ABUSE_INTENT)
"""Answered before anything else, in any state."""
MIN_SAFETY_SAMPLES = 40
TIP_SLOT = "tip"

# Letters, spaces, apostrophes, hyphens and periods (for abbreviations); {slot} markers.
_SAMPLE_CHARS = re.compile(r"^[A-Za-z' .\-{}]+$")
_SLOT_REF = re.compile(r"\{([A-Za-z_]+)\}")
_WORD = re.compile(r"[A-Za-z0-9']+")

# Texts of skill.yaml the skill speaks, with the placeholders each may use.
SKILL_TEXTS: dict[tuple[str, ...], frozenset[str]] = {
    ("invocation_name",): frozenset(),
    ("name",): frozenset(),
    ("endpoint",): frozenset(),
    ("voice", "step_label"): frozenset({"step", "total"}),
    ("manifest", "summary"): frozenset(),
    ("manifest", "description"): frozenset(),
    ("manifest", "category"): frozenset(),
    ("manifest", "testing_instructions"): frozenset(),
    ("manifest", "privacy_policy_url"): frozenset(),
    ("manifest", "terms_of_use_url"): frozenset(),
    ("launch", "say"): frozenset(),
    ("launch", "ask"): frozenset(),
    ("launch", "reprompt"): frozenset(),
    ("help", "general"): frozenset(),
    ("help", "in_topic"): frozenset({"title"}),
    ("help", "ask"): frozenset(),
    ("help", "reprompt"): frozenset(),
    ("fallback", "say"): frozenset(),
    ("fallback", "in_topic"): frozenset({"title"}),
    ("fallback", "ask"): frozenset(),
    ("fallback", "reprompt"): frozenset(),
    ("tips", "unknown"): frozenset(),
    ("tips", "ask"): frozenset(),
    ("tips", "reprompt"): frozenset(),
    ("navigation", "nothing_yet"): frozenset(),
    ("navigation", "nothing_yet_ask"): frozenset(),
    ("navigation", "first_part"): frozenset(),
    ("navigation", "declined"): frozenset(),
    ("navigation", "declined_ask"): frozenset(),
    ("navigation", "home"): frozenset(),
    ("prompts", "go_on"): frozenset(),
    ("prompts", "hear_more"): frozenset(),
    ("prompts", "reflection_next"): frozenset(),
    ("reprompts", "step"): frozenset(),
    ("reprompts", "more"): frozenset(),
    ("reprompts", "offer"): frozenset(),
    ("reprompts", "reflection"): frozenset(),
    ("safety", "say"): frozenset(),
    ("safety", "crisis"): frozenset({"how", "name", "number"}),
    ("safety", "abuse"): frozenset({"how", "name", "number"}),
    ("safety", "abuse_instead"): frozenset({"instead"}),
    ("safety", "emergency"): frozenset({"number"}),
    ("safety", "card_note"): frozenset(),
    ("safety", "ask"): frozenset(),
    ("safety", "reprompt"): frozenset(),
    ("safety", "declined"): frozenset(),
    ("safety", "declined_ask"): frozenset(),
    ("safety", "card_title"): frozenset(),
    ("safety", "card_crisis"): frozenset({"card_name", "number"}),
    ("safety", "card_abuse"): frozenset({"card_name", "number"}),
    ("safety", "card_emergency"): frozenset({"number"}),
    ("safety", "card_footer"): frozenset(),
    ("goodbye",): frozenset(),
    ("error", "say"): frozenset(),
    ("error", "ask"): frozenset(),
}


class ContentError(Exception):
    """The content cannot be used; ``errors`` lists every ``file:line: message``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def word_count(text: str) -> int:
    """Count spoken words, the measure the 45-word limit is written in."""
    return len(_WORD.findall(text))


def normalise_sample(sample: str) -> str:
    """Fold case and spacing so that near-identical samples count as duplicates."""
    return " ".join(sample.lower().split())


@dataclass
class _Report:
    """Collects ``file:line: message`` errors for one load."""

    root: Path
    errors: list[str]

    def add(self, path: Path, line: int, message: str) -> None:
        try:
            shown = path.relative_to(self.root)
        except ValueError:
            shown = path
        self.errors.append(f"{shown}:{line}: {message}")


def load_catalogue(content_dir: Path | None = None) -> Catalogue:
    """Load and check the content for every locale; raise :class:`ContentError` if bad.

    The shared files are read and checked once; each locale is the shared content
    with its spelling and helplines applied.
    """
    directory = Path(content_dir) if content_dir is not None else CONTENT_DIR
    report = _Report(root=_display_root(directory), errors=[])
    names = ("skill", "samples", "topics", "locales", "helplines")
    documents = {name: _read(directory / f"{name}.yaml", report) for name in names}
    if report.errors:
        raise ContentError(report.errors)
    paths = {name: directory / f"{name}.yaml" for name in names}

    skill = _check_skill(documents["skill"], paths["skill"], report)
    intents, slot_types = _check_samples(documents["samples"], paths["samples"], report)
    tips = _check_tips(documents["topics"], paths["topics"], slot_types, report)
    topics = _check_topics(documents["topics"], paths["topics"], skill, intents, tips, report)
    locales = _check_locales(documents["locales"], paths["locales"], report)
    helplines = _check_helplines(documents["helplines"], paths["helplines"], locales, report)
    if report.errors:
        raise ContentError(report.errors)
    shared = Content(
        skill=skill,
        intents=intents,
        slot_types=slot_types,
        topics=topics,
        tips=tips,
        helplines=helplines[DEFAULT_LOCALE],
    )
    return Catalogue(
        by_locale={
            locale: _localise(shared, locale, country, spelling, helplines[locale])
            for locale, (country, spelling) in locales.items()
        }
    )


def load_content(content_dir: Path | None = None, locale: str = DEFAULT_LOCALE) -> Content:
    """Load and check all content; return one locale's (en-US by default)."""
    return load_catalogue(content_dir).for_locale(locale)


def _check_locales(
    data: LocatedDict, path: Path, report: _Report
) -> dict[str, tuple[str, dict[str, str]]]:
    """Check locales.yaml: each locale's country and spelling differences."""
    locales: dict[str, tuple[str, dict[str, str]]] = {}
    for locale, spec in data.items():
        line = data.key_lines[locale]
        if not re.fullmatch(r"en-[A-Z]{2}", locale):
            report.add(path, line, f"{locale} is not an English Alexa locale like en-GB")
        if not isinstance(spec, dict) or not isinstance(spec.get("country"), str):
            report.add(path, line, f"{locale} needs `country:` (like GB)")
            continue
        spelling = spec.get("spelling") or {}
        if not isinstance(spelling, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in spelling.items()
        ):
            report.add(path, line, f"{locale} spelling must map words to words")
            spelling = {}
        locales[locale] = (str(spec["country"]), {str(k): str(v) for k, v in spelling.items()})
    if DEFAULT_LOCALE not in locales:
        report.add(
            path, line_of(data), f"{DEFAULT_LOCALE} must be listed: it answers every other locale"
        )
    return locales


def _check_helplines(
    data: LocatedDict, path: Path, locales: dict[str, Any], report: _Report
) -> dict[str, Helplines]:
    """Check every locale has a crisis line, an abuse line (or advice), an emergency number."""
    result: dict[str, Helplines] = {}
    for locale in locales:
        spec = data.get(locale)
        if not isinstance(spec, dict):
            report.add(path, line_of(data), f"{locale} has no helplines")
            continue
        line = data.key_lines[locale]
        crisis = _helpline(
            locale, "crisis", spec.get("crisis"), path, line, report, need_number=True
        )
        abuse = _helpline(locale, "abuse", spec.get("abuse"), path, line, report, need_number=False)
        emergency = spec.get("emergency")
        if not isinstance(emergency, str) or not re.fullmatch(r"\d{3}", emergency):
            report.add(path, line, f"{locale} emergency must be a three-digit number in quotes")
            continue
        if crisis and abuse:
            result[locale] = Helplines(crisis=crisis, abuse=abuse, emergency=emergency)
    for locale in data:
        if locale not in locales:
            report.add(path, data.key_lines[locale], f"{locale} is not in locales.yaml")
    return result


def _helpline(
    locale: str, kind: str, spec: Any, path: Path, where: int, report: _Report, *, need_number: bool
) -> Helpline | None:
    """Check one helpline: a name and a dialable number, or (abuse only) what to do instead."""
    line = line_of(spec, where)
    if not isinstance(spec, dict):
        report.add(path, line, f"{locale} needs a {kind} line")
        return None
    fields = {k: " ".join(str(v).split()) for k, v in spec.items() if isinstance(v, str)}
    unknown = set(spec) - {"name", "card_name", "how", "number", "instead", "card"}
    if unknown:
        report.add(path, line, f"{locale} {kind} has unknown fields: {', '.join(sorted(unknown))}")
    if "number" in fields:
        if not re.fullmatch(r"[0-9][0-9 -]*[0-9]", fields["number"]):
            report.add(path, line, f"{locale} {kind} number must be digits, spaces and hyphens")
        for key in ("name", "card_name", "how"):
            if not fields.get(key):
                report.add(path, line, f"{locale} {kind} needs `{key}:`")
    elif need_number or not (fields.get("instead") and fields.get("card")):
        report.add(
            path, line, f"{locale} {kind} needs a number (or, for abuse, `instead` and `card`)"
        )
    return Helpline(**{k: v for k, v in fields.items() if k not in unknown})


def _localise(
    shared: Content, locale: str, country: str, spelling: dict[str, str], helplines: Helplines
) -> Content:
    """Make one locale's content: the shared content respelt, with its own helplines."""
    respell = _speller(spelling)
    topics = {
        name: replace(
            topic,
            title=respell(topic.title),
            parts=tuple(
                replace(
                    part,
                    say=respell(part.say),
                    more=respell(part.more) if part.more else None,
                    ask=respell(part.ask) if part.ask else None,
                    label=respell(part.label),
                )
                for part in topic.parts
            ),
            offer=replace(topic.offer, ask=respell(topic.offer.ask)) if topic.offer else None,
            closing=respell(topic.closing) if topic.closing else None,
        )
        for name, topic in shared.topics.items()
    }
    tips = {
        tip_id: replace(tip, title=respell(tip.title), say=respell(tip.say), more=respell(tip.more))
        for tip_id, tip in shared.tips.items()
    }
    return replace(
        shared,
        skill=_respell_tree(shared.skill, respell),
        topics=topics,
        tips=tips,
        helplines=helplines,
        locale=locale,
        country=country,
    )


def _speller(spelling: dict[str, str]) -> Callable[[str], str]:
    """Return a function that respells whole words, keeping a leading capital."""
    if not spelling:
        return lambda text: text
    lookup = {word.lower(): replacement for word, replacement in spelling.items()}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, lookup)) + r")\b", re.IGNORECASE)

    def respell(text: str) -> str:
        def swap(match: re.Match[str]) -> str:
            word = lookup[match.group(0).lower()]
            return word[0].upper() + word[1:] if match.group(0)[0].isupper() else word

        return pattern.sub(swap, text)

    return respell


def _respell_tree(node: Any, respell: Callable[[str], str]) -> Any:
    """Respell every text in skill.yaml's data, leaving names and addresses alone."""
    if isinstance(node, dict):
        return {
            key: value if key in _NOT_RESPELT else _respell_tree(value, respell)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_respell_tree(item, respell) for item in node]
    return respell(node) if isinstance(node, str) else node


_NOT_RESPELT = frozenset(
    {
        "invocation_name",
        "endpoint",
        "category",
        "privacy_policy_url",
        "terms_of_use_url",
        "example_phrases",
        "keywords",
    }
)


def _display_root(directory: Path) -> Path:
    """Show paths relative to the project (``intents/content/x.yaml``) where possible."""
    resolved = directory.resolve()
    for parent in resolved.parents:
        if (parent / "pyproject.toml").exists():
            return parent
    return resolved.parent


def _read(path: Path, report: _Report) -> LocatedDict:
    """Parse one file, turning YAML errors into located messages."""
    empty = LocatedDict()
    empty.line, empty.key_lines = 1, {}
    try:
        data = load_located(path)
    except FileNotFoundError:
        report.add(path, 1, "file is missing")
        return empty
    except DuplicateKeyError as error:
        report.add(path, error.line, str(error))
        return empty
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        context = ""
        if error.context_mark is not None and error.context_mark.line + 1 != line:
            context = f" ({error.context} on line {error.context_mark.line + 1})"
        report.add(path, line, f"not valid YAML: {error.problem}{context}")
        return empty
    if not isinstance(data, LocatedDict):
        report.add(path, 1, "the file must be a mapping of names to values")
        return empty
    return data


def _check_skill(data: LocatedDict, path: Path, report: _Report) -> dict[str, Any]:
    """Check that every text the skill speaks exists and uses only known placeholders."""
    for keys, allowed in SKILL_TEXTS.items():
        node: Any = data
        parent: Any = data
        for key in keys:
            parent = node
            node = node.get(key) if isinstance(node, dict) else None
        where = line_of(node, line_of(parent))
        name = ".".join(keys)
        if not isinstance(node, str) or not node.strip():
            report.add(path, where, f"{name} must be a non-empty text")
            continue
        for placeholder in _placeholders(node):
            if placeholder not in allowed:
                known = ", ".join(f"{{{p}}}" for p in sorted(allowed)) or "none"
                report.add(
                    path, where, f"{name} uses {{{placeholder}}}; the placeholders here are {known}"
                )
    invocation = data.get("invocation_name")
    if isinstance(invocation, str) and not re.fullmatch(r"[a-z]+( [a-z]+)+", invocation):
        report.add(
            path,
            line_of(invocation),
            "invocation_name must be two or more words of lowercase letters and spaces",
        )
    phrases = (
        data.get("manifest", {}).get("example_phrases")
        if isinstance(data.get("manifest"), dict)
        else None
    )
    if not isinstance(phrases, list) or not phrases or len(phrases) > 2:
        report.add(
            path,
            line_of(phrases, line_of(data)),
            "manifest.example_phrases must list 1 or 2 samples",
        )
    return data


def _placeholders(text: str) -> Iterator[str]:
    """Yield the ``{names}`` a text uses."""
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            yield name


def _check_samples(
    data: LocatedDict, path: Path, report: _Report
) -> tuple[dict[str, Intent], dict[str, tuple[SlotValue, ...]]]:
    """Check intents, their samples and slots, and the slot types."""
    slot_types = _check_slot_types(data.get("slot_types"), path, report, line_of(data))
    intents: dict[str, Intent] = {}
    raw_intents = data.get("intents")
    if not isinstance(raw_intents, dict) or not raw_intents:
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
        if not is_builtin and len(samples) < MIN_CUSTOM_SAMPLES:
            report.add(
                path,
                line_of(samples, where),
                f"{name} has {len(samples)} samples; at least {MIN_CUSTOM_SAMPLES} are needed",
            )
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
        intents[name] = Intent(name=name, samples=tuple(str(s) for s in samples), slots=slots)
    return intents, slot_types


def sample_problems(sample: str, slots: dict[str, str]) -> Iterator[str]:
    """Yield what breaks Amazon's sample utterance rules in ``sample``."""
    if not sample.strip():
        yield "is empty"
        return
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
    if "  " in sample or sample != sample.strip():
        yield "has extra spaces"


def _check_slots(
    intent: str,
    raw: Any,
    slot_types: dict[str, tuple[SlotValue, ...]],
    path: Path,
    report: _Report,
    where: int,
) -> dict[str, str]:
    """Check an intent's ``slots:`` mapping of slot name to slot type."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
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
    raw: Any, path: Path, report: _Report, where: int
) -> dict[str, tuple[SlotValue, ...]]:
    """Check slot types: unique ids, sample-safe values, no synonym under two values."""
    result: dict[str, tuple[SlotValue, ...]] = {}
    if raw is None:
        return result
    if not isinstance(raw, dict):
        report.add(path, line_of(raw, where), "slot_types must map type names to lists of values")
        return result
    for type_name, values in raw.items():
        type_line = raw.key_lines[type_name]
        if not isinstance(values, list) or not values:
            report.add(path, type_line, f"slot type {type_name} needs a list of values")
            continue
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
                    path,
                    line,
                    f"slot type {type_name} {entry['id']}: synonyms must be a list of texts",
                )
                synonyms = []
            if not synonyms:
                report.add(
                    path, line, f"slot type {type_name} {entry['id']}: give at least one synonym"
                )
            for phrase in [entry["value"], *synonyms]:
                phrase_line = line_of(phrase, line)
                for problem in sample_problems(phrase, {}):
                    report.add(path, phrase_line, f"slot type {type_name} '{phrase}': {problem}")
                key = normalise_sample(phrase)
                if key in spoken and spoken[key] != entry["id"]:
                    report.add(
                        path,
                        phrase_line,
                        f"slot type {type_name} '{phrase}' is under both {spoken[key]} "
                        f"and {entry['id']}",
                    )
                spoken[key] = entry["id"]
            if any(v.id == entry["id"] for v in built):
                report.add(path, line, f"slot type {type_name} has id {entry['id']} twice")
            built.append(
                SlotValue(
                    id=str(entry["id"]),
                    value=str(entry["value"]),
                    synonyms=tuple(map(str, synonyms)),
                )
            )
        result[str(type_name)] = tuple(built)
    return result


def _check_tips(
    data: LocatedDict, path: Path, slot_types: dict[str, tuple[SlotValue, ...]], report: _Report
) -> dict[str, Tip]:
    """Check the tips: one per TIP value, each with a title, a tip and its "more"."""
    raw = data.get("tips")
    tips: dict[str, Tip] = {}
    if not isinstance(raw, dict):
        report.add(path, line_of(data), "tips must map tip ids to their texts")
        return tips
    for tip_id, spec in raw.items():
        line = raw.key_lines[tip_id]
        if not isinstance(spec, dict):
            report.add(path, line, f"tip {tip_id} needs title, say and more")
            continue
        texts = {}
        for key in ("title", "say", "more"):
            value = spec.get(key)
            if not isinstance(value, str) or not value.strip():
                report.add(path, line_of(spec, line), f"tip {tip_id} needs `{key}:` text")
                continue
            texts[key] = " ".join(value.split())
            if key != "title":
                _check_words(f"tip {tip_id} {key}", value, path, line_of(value, line), report)
        if len(texts) == 3:
            tips[tip_id] = Tip(id=tip_id, **texts)
    known = {value.id for value in slot_types.get("TIP", ())}
    for tip_id in sorted(known - tips.keys()):
        report.add(path, line_of(raw), f"slot type TIP has {tip_id}, but tips has no text for it")
    for tip_id in sorted(tips.keys() - known):
        report.add(path, raw.key_lines[tip_id], f"tip {tip_id} is not a value of slot type TIP")
    return tips


def _check_words(name: str, text: str, path: Path, line: int, report: _Report) -> None:
    """Enforce the one-idea-per-turn limit."""
    count = word_count(text)
    if count > WORD_LIMIT:
        report.add(path, line, f"{name} is {count} words; the limit is {WORD_LIMIT}")


def _check_topics(
    data: LocatedDict,
    path: Path,
    skill: dict[str, Any],
    intents: dict[str, Intent],
    tips: dict[str, Tip],
    report: _Report,
) -> dict[str, Topic]:
    """Check each topic's parts and offer, and that every custom intent is answered."""
    raw = data.get("topics")
    topics: dict[str, Topic] = {}
    if not isinstance(raw, dict):
        report.add(path, line_of(data), "topics must map intent names to what is said")
        return topics
    label_template = (
        skill.get("voice", {}).get("step_label", "") if isinstance(skill.get("voice"), dict) else ""
    )
    used_tips: dict[str, str] = {}
    for intent, spec in raw.items():
        line = raw.key_lines[intent]
        if intent not in intents:
            report.add(path, line, f"{intent} is not an intent in samples.yaml")
        if not isinstance(spec, dict) or not isinstance(spec.get("title"), str):
            report.add(path, line, f"{intent} needs a title")
            continue
        label = spec.get("label", label_template)
        parts = list(_parts(intent, "intro", spec.get("intro"), "", tips, path, line, report))
        steps = spec.get("steps") or []
        for part in _parts(intent, "step", steps, str(label), tips, path, line, report):
            parts.append(part)
            if part.tip:
                if part.tip in used_tips:
                    report.add(
                        path,
                        line_of(steps, line),
                        f"tip {part.tip} is told by both {used_tips[part.tip]} and {intent}",
                    )
                used_tips[part.tip] = intent
        if not parts:
            report.add(path, line, f"{intent} has nothing to say: give it intro or steps")
            continue
        offer = _offer(intent, spec.get("offer"), raw, path, line, report)
        closing = spec.get("closing")
        if closing is not None:
            if not isinstance(closing, str):
                report.add(path, line, f"{intent} closing must be text")
                closing = None
            else:
                _check_words(f"{intent} closing", closing, path, line_of(closing, line), report)
                closing = " ".join(closing.split())
        if (offer is None) == (closing is None):
            report.add(path, line, f"{intent} needs exactly one of `offer:` or `closing:`")
        topics[intent] = Topic(
            intent=intent,
            title=" ".join(spec["title"].split()),
            parts=tuple(parts),
            offer=offer,
            closing=closing,
        )
    for name, intent_spec in intents.items():
        if intent_spec.is_builtin or name in (TIP_INTENT, *SAFETY_INTENTS):
            continue
        if name not in topics:
            report.add(path, line_of(raw), f"{name} has samples but no topic in topics.yaml")
    for tip_id in sorted(tips.keys() - used_tips.keys()):
        report.add(
            path, line_of(raw), f"tip {tip_id} is not a step of any topic, so no one can reach it"
        )
    for required in (TIP_INTENT, *SAFETY_INTENTS):
        if required not in intents:
            report.add(path, line_of(raw), f"{required} must be an intent in samples.yaml")
    if TIP_INTENT in intents and intents[TIP_INTENT].slots.get(TIP_SLOT) != "TIP":
        report.add(path, line_of(raw), f"{TIP_INTENT} must have slot {TIP_SLOT} of type TIP")
    return topics


def _parts(
    intent: str,
    kind: str,
    raw: Any,
    label_template: str,
    tips: dict[str, Tip],
    path: Path,
    where: int,
    report: _Report,
) -> Iterable[Part]:
    """Build intro or step parts, numbering steps with the label template."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        report.add(path, line_of(raw, where), f"{intent} {kind}s must be a list")
        return []
    parts = []
    total = len(raw)
    for number, entry in enumerate(raw, start=1):
        line = line_of(entry, line_of(raw, where))
        name = f"{intent} {kind} {number}"
        if not isinstance(entry, dict):
            report.add(path, line, f"{name} must have `say:` or `tip:`")
            continue
        label = label_template.format(step=number, total=total) if label_template else ""
        pause = entry.get("pause", 0)
        if not isinstance(pause, int | float) or not 0 <= pause <= MAX_PAUSE_SECONDS:
            report.add(path, line, f"{name} pause must be 0 to {MAX_PAUSE_SECONDS:g} seconds")
            pause = 0
        ask = entry.get("ask")
        if ask is not None and not isinstance(ask, str):
            report.add(path, line, f"{name} ask must be text")
            ask = None
        tip_id = entry.get("tip")
        if tip_id is not None:
            tip = tips.get(str(tip_id))
            if tip is None:
                report.add(path, line, f"{name} names tip {tip_id}, which is not in tips")
                continue
            parts.append(
                Part(
                    say=tip.say, more=tip.more, ask=ask, pause=float(pause), label=label, tip=tip.id
                )
            )
            continue
        say = entry.get("say")
        if not isinstance(say, str) or not say.strip():
            report.add(path, line, f"{name} must have `say:` or `tip:`")
            continue
        _check_words(name, say, path, line_of(say, line), report)
        more = entry.get("more")
        if more is not None:
            _check_words(f"{name} more", str(more), path, line_of(more, line), report)
        parts.append(
            Part(
                say=" ".join(say.split()),
                more=" ".join(str(more).split()) if more else None,
                ask=" ".join(ask.split()) if ask else None,
                pause=float(pause),
                label=label,
            )
        )
    return parts


def _offer(
    intent: str, raw: Any, topics: dict[str, Any], path: Path, where: int, report: _Report
) -> Offer | None:
    """Check a topic's offer: it leads to another topic and asks a question."""
    if raw is None:
        return None
    line = line_of(raw, where)
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("to"), str)
        or not isinstance(raw.get("ask"), str)
    ):
        report.add(path, line, f"{intent} offer needs `to:` (a topic) and `ask:` (a question)")
        return None
    if raw["to"] not in topics:
        report.add(
            path, line_of(raw["to"], line), f"{intent} offers {raw['to']}, which is not a topic"
        )
    if raw["to"] == intent:
        report.add(path, line, f"{intent} offers itself")
    return Offer(to=str(raw["to"]), ask=" ".join(raw["ask"].split()))
