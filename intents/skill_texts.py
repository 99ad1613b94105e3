"""Check skill.yaml: every text the skill speaks, and the placeholders each may use.

The skill's own words (welcome, help, prompts, safety lines) are looked up by name at
run time, so a missing or misspelt key would only show when someone hears the gap.
Checking each one here, with the placeholders it may fill, turns that into a lint error.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intents.located import LocatedDict, line_of
from intents.report import Report

# Texts of skill.yaml the skill speaks, with the placeholders each may use.
SKILL_TEXTS: dict[tuple[str, ...], frozenset[str]] = {
    ("invocation_name",): frozenset(),
    ("name",): frozenset(),
    ("voice", "step_label"): frozenset({"step", "total"}),
    ("manifest", "summary"): frozenset(),
    ("manifest", "description"): frozenset(),
    ("manifest", "category"): frozenset(),
    ("manifest", "testing_instructions"): frozenset(),
    ("launch", "say"): frozenset(),
    ("launch", "ask"): frozenset(),
    ("launch", "reprompt"): frozenset(),
    ("memory", "welcome_back"): frozenset(),
    ("memory", "resume_ask"): frozenset({"title"}),
    ("memory", "resume_reprompt"): frozenset({"title"}),
    ("memory", "reflection_ask"): frozenset(),
    ("memory", "reflection_reprompt"): frozenset(),
    ("memory", "nothing_kept"): frozenset(),
    ("memory", "progress"): frozenset({"reflections", "tips"}),
    ("memory", "reflections_none"): frozenset(),
    ("memory", "reflections_one"): frozenset(),
    ("memory", "reflections_many"): frozenset({"count"}),
    ("memory", "forget_ask"): frozenset(),
    ("memory", "forget_reprompt"): frozenset(),
    ("memory", "forgotten"): frozenset(),
    ("memory", "kept"): frozenset(),
    ("memory", "nothing_to_forget"): frozenset(),
    ("reminders", "spoken"): frozenset(),
    ("reminders", "set"): frozenset({"time"}),
    ("reminders", "changed"): frozenset({"time"}),
    ("reminders", "cancelled"): frozenset(),
    ("reminders", "none_to_cancel"): frozenset(),
    ("reminders", "ask_time"): frozenset(),
    ("reminders", "ask_time_reprompt"): frozenset(),
    ("reminders", "needs_memory"): frozenset(),
    ("reminders", "permission_card"): frozenset(),
    ("reminders", "permission_denied"): frozenset(),
    ("reminders", "permission_first"): frozenset(),
    ("reminders", "throttled"): frozenset(),
    ("reminders", "unavailable"): frozenset(),
    ("reminders", "invalid"): frozenset(),
    ("reminders", "ask"): frozenset(),
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


SUGGESTION_PLACES = ("start", "in_topic", "question", "after_safety")
"""Where a screen offers what to say next (``suggestions`` in skill.yaml): see skill.suggestions."""
MOST_SUGGESTIONS = 3
"""A screen offers two or three things to say, as help does: more is a menu, not a hint."""


MOVED_TO_SETTINGS: dict[tuple[str, ...], str] = {
    ("endpoint",): "closer build-model --endpoint URL (or CLOSER_ENDPOINT)",
    ("manifest", "privacy_policy_url"): "CLOSER_PRIVACY_URL",
    ("manifest", "terms_of_use_url"): "CLOSER_TERMS_URL",
}
"""Addresses skill.yaml once held, now each deployment's own: where each is given now.

Reported rather than ignored, so that content which still sets one is not quietly
published with another address.
"""

LAUNCH_AND_WAKE_WORDS = frozenset(
    {
        "alexa",
        "amazon",
        "echo",
        "computer",
        "skill",
        "app",
        "launch",
        "ask",
        "open",
        "tell",
        "load",
        "begin",
        "enable",
        "start",
        "play",
        "run",
        "resume",
        "use",
    }
)
"""Words Alexa reserves for waking it or launching skills: not allowed in an invocation name."""


def invocation_problems(name: str) -> list[str]:
    """Return what breaks Amazon's rules for an invocation name (empty when it is fine)."""
    problems = []
    if not re.fullmatch(r"[a-z]+( [a-z]+)+", name):
        problems.append("must be two or more words of lowercase letters and spaces")
    reserved = set(name.split()) & LAUNCH_AND_WAKE_WORDS
    if reserved:
        problems.append(f"uses launch or wake words: {', '.join(sorted(reserved))}")
    return problems


def check_skill(data: LocatedDict, path: Path, report: Report) -> dict[str, Any]:
    """Check that every text the skill speaks exists and uses only known placeholders.

    Also that the invocation name is one Alexa accepts, and that there are enough
    closing questions for turns to vary. Returns the data as read: the skill looks its
    texts up by name.
    """
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
    _check_moved(data, path, report)
    _check_suggestions(data, path, report)
    invocation = data.get("invocation_name")
    if isinstance(invocation, str):
        for problem in invocation_problems(invocation):
            report.add(path, line_of(invocation), f"invocation_name {problem}")
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


def _check_suggestions(data: LocatedDict, path: Path, report: Report) -> None:
    """Report each place whose suggestions are not two or three short phrases."""
    section = data.get("suggestions")
    for place in SUGGESTION_PLACES:
        phrases = section.get(place) if isinstance(section, dict) else None
        where = line_of(phrases, line_of(section, line_of(data)))
        if (
            not isinstance(phrases, list)
            or not 2 <= len(phrases) <= MOST_SUGGESTIONS
            or not all(isinstance(p, str) and p.strip() for p in phrases)
        ):
            report.add(
                path,
                where,
                f"suggestions.{place} must list two or three things to say, each a non-empty text",
            )


def _check_moved(data: LocatedDict, path: Path, report: Report) -> None:
    """Report each address that skill.yaml no longer holds, at its line, with where it goes."""
    for keys, where_now in MOVED_TO_SETTINGS.items():
        parent = data.get(keys[0]) if len(keys) > 1 else data
        if isinstance(parent, LocatedDict) and keys[-1] in parent:
            report.add(
                path,
                parent.key_lines.get(keys[-1], line_of(parent)),
                f"{'.'.join(keys)} is a deployment setting, not content: give it to {where_now}",
            )


def _placeholders(text: str) -> Iterator[str]:
    """Yield the ``{names}`` a text uses."""
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            yield name
