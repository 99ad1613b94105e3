"""Read the content YAML, check it, and build :class:`intents.model.Content`.

All problems are collected, not just the first, and each reads
``intents/content/topics.yaml:42: TipIntent step 3 is 61 words; the limit is 45``
so that whoever edits the wording can fix it without reading Python.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from intents.article import ARTICLE_PATH, article_words
from intents.guidance import (
    REFLECTION_INTENT,
    TIP_INTENT,
    Where,
    check_reflections,
    check_tips,
    check_topics,
)
from intents.located import DuplicateKeyError, LocatedDict, line_of, load_located
from intents.model import (
    DEFAULT_LOCALE,
    Catalogue,
    Content,
    Helpline,
    Helplines,
    Intent,
    SlotValue,
)
from intents.report import WORD_LIMIT, ContentError, Report, word_count

__all__ = [
    "CONTENT_DIR",
    "REFLECTION_INTENT",
    "SAFETY_INTENTS",
    "TIP_INTENT",
    "WORD_LIMIT",
    "ContentError",
    "load_catalogue",
    "load_content",
    "normalise_sample",
    "sample_problems",
    "word_count",
]

CONTENT_DIR = Path(__file__).parent / "content"
MIN_CUSTOM_SAMPLES = 25
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
    ("questions", "next_step"): frozenset({"step", "title"}),
    ("reprompts", "go_on"): frozenset(),
    ("reprompts", "next_step"): frozenset({"step", "title"}),
    ("reprompts", "first_step"): frozenset({"title"}),
    ("reprompts", "offer"): frozenset({"yes"}),
    ("safety", "danger"): frozenset({"emergency"}),
    ("safety", "crisis"): frozenset({"line"}),
    ("safety", "abuse"): frozenset({"line"}),
    ("safety", "card_note"): frozenset(),
    ("safety", "again"): frozenset(),
    ("safety", "repeat_danger"): frozenset({"emergency"}),
    ("safety", "hint"): frozenset(),
    ("safety", "reprompt"): frozenset(),
    ("safety", "closing"): frozenset(),
    ("safety", "card_title"): frozenset(),
    ("safety", "card_crisis"): frozenset({"card_name", "number"}),
    ("safety", "card_abuse"): frozenset({"card_name", "number"}),
    ("safety", "card_emergency"): frozenset({"number"}),
    ("safety", "card_footer"): frozenset(),
    ("reflection", "card_title"): frozenset(),
    ("goodbye",): frozenset(),
    ("error", "say"): frozenset(),
    ("error", "ask"): frozenset(),
}


def normalise_sample(sample: str) -> str:
    """Fold case and spacing so that near-identical samples count as duplicates."""
    return " ".join(sample.lower().split())


def load_catalogue(content_dir: Path | None = None) -> Catalogue:
    """Load and check the content for every locale; raise :class:`ContentError` if bad.

    The shared files are read and checked once; each locale is the shared content
    with its spelling and helplines applied.
    """
    directory = Path(content_dir) if content_dir is not None else CONTENT_DIR
    report = Report(root=_display_root(directory), errors=[])
    names = ("skill", "samples", "topics", "reflections", "locales", "helplines")
    documents = {name: _read(directory / f"{name}.yaml", report) for name in names}
    article = _read_article(directory / ARTICLE_PATH.name, report)
    if report.errors:
        raise ContentError(report.errors)
    paths = {name: directory / f"{name}.yaml" for name in names}

    skill = _check_skill(documents["skill"], paths["skill"], report)
    intents, slot_types = _check_samples(documents["samples"], paths["samples"], report)
    guidance = Where(paths["topics"], report, article)
    tips = check_tips(documents["topics"], slot_types, guidance)
    topics = check_topics(documents["topics"], skill, intents, tips, guidance)
    reflections = check_reflections(
        documents["reflections"], tips, Where(paths["reflections"], report, article)
    )
    _check_answered(intents, topics, paths["topics"], line_of(documents["topics"]), report)
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
        reflections=reflections,
        helplines=helplines[DEFAULT_LOCALE],
    )
    return Catalogue(
        by_locale={
            locale: _localise(shared, locale, country, spelling, helplines[locale])
            for locale, (country, spelling) in locales.items()
        }
    )


def _read_article(path: Path, report: Report) -> tuple[str, ...]:
    """Read the article the guidance is held to (article.txt beside the content)."""
    try:
        return article_words(path)
    except OSError as error:
        report.add(path, 1, f"the article cannot be read: {error.strerror or error}")
        return ()


def _check_answered(
    intents: dict[str, Intent], topics: dict[str, Any], path: Path, line: int, report: Report
) -> None:
    """Check that every custom intent has an answer, and the special intents exist."""
    special = (TIP_INTENT, REFLECTION_INTENT, *SAFETY_INTENTS)
    for name, intent in intents.items():
        if not intent.is_builtin and name not in special and name not in topics:
            report.add(path, line, f"{name} has samples but no topic in topics.yaml")
    for required in special:
        if required not in intents:
            report.add(path, line, f"{required} must be an intent in samples.yaml")
    if TIP_INTENT in intents and intents[TIP_INTENT].slots.get(TIP_SLOT) != "TIP":
        report.add(path, line, f"{TIP_INTENT} must have slot {TIP_SLOT} of type TIP")


def load_content(content_dir: Path | None = None, locale: str = DEFAULT_LOCALE) -> Content:
    """Load and check all content; return one locale's (en-US by default)."""
    return load_catalogue(content_dir).for_locale(locale)


def _check_locales(
    data: LocatedDict, path: Path, report: Report
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
    data: LocatedDict, path: Path, locales: dict[str, Any], report: Report
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
        emergency = _emergency(locale, spec.get("emergency"), path, line, report)
        if crisis and abuse and emergency:
            result[locale] = Helplines(crisis=crisis, abuse=abuse, emergency=emergency)
    for locale in data:
        if locale not in locales:
            report.add(path, data.key_lines[locale], f"{locale} is not in locales.yaml")
    return result


def _emergency(locale: str, spec: Any, path: Path, where: int, report: Report) -> Helpline | None:
    """Check the emergency number: three digits, and how people say it if not digit by digit."""
    number, spoken = (
        (spec.get("number"), spec.get("say", "")) if isinstance(spec, dict) else (spec, "")
    )
    if not isinstance(number, str) or not re.fullmatch(r"\d{3}", number):
        report.add(
            path,
            line_of(spec, where),
            f"{locale} emergency must be a three-digit number in quotes, or `number:` and `say:`",
        )
        return None
    return Helpline(number=number, spoken=" ".join(str(spoken).split()))


def _helpline(
    locale: str, kind: str, spec: Any, path: Path, where: int, report: Report, *, need_number: bool
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
    return replace(
        shared,
        skill=_respell_tree(shared.skill, respell),
        topics={name: _respelt(topic, respell) for name, topic in shared.topics.items()},
        tips={tip_id: _respelt(tip, respell) for tip_id, tip in shared.tips.items()},
        reflections=_respelt(shared.reflections, respell),
        helplines=helplines,
        locale=locale,
        country=country,
    )


_IDS = frozenset({"intent", "to", "tip", "id"})
"""Fields that name things rather than say them: never respelt."""


def _respelt(value: Any, respell: Callable[[str], str]) -> Any:
    """Respell every spoken text of a content object (parts, offers, reflections)."""
    if isinstance(value, str):
        return respell(value)
    if isinstance(value, tuple):
        return tuple(_respelt(item, respell) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _respelt(getattr(value, f.name), respell)
            for f in fields(value)
            if f.name not in _IDS
        }
        return replace(value, **changes)
    return value


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


def _read(path: Path, report: Report) -> LocatedDict:
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


def _check_skill(data: LocatedDict, path: Path, report: Report) -> dict[str, Any]:
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
    questions = data.get("questions")
    go_on = questions.get("go_on") if isinstance(questions, dict) else None
    if (
        not isinstance(go_on, list)
        or len(go_on) < 2
        or not all(isinstance(q, str) and q.strip().endswith("?") for q in go_on)
    ):
        report.add(
            path,
            line_of(go_on, line_of(questions, line_of(data))),
            "questions.go_on must list two or more questions, so that turns can vary",
        )
    return data


def _placeholders(text: str) -> Iterator[str]:
    """Yield the ``{names}`` a text uses."""
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            yield name


def _check_samples(
    data: LocatedDict, path: Path, report: Report
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
        least = MIN_SAFETY_SAMPLES if name in SAFETY_INTENTS else MIN_CUSTOM_SAMPLES
        if not is_builtin and len(samples) < least:
            report.add(
                path,
                line_of(samples, where),
                f"{name} has {len(samples)} samples; at least {least} are needed",
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
    report: Report,
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
    raw: Any, path: Path, report: Report, where: int
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
