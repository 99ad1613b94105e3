"""Make each locale's content from the shared content: its spelling, its helplines.

All locales are served from one set of files, so what differs is applied here, once,
at load time: words respelt on what is said and shown (behavior, behaviour), and the
locale's own helplines. Names of things (intents, tip ids, addresses, the invocation
name) are never respelt, since Alexa and the code look them up as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from typing import Any

from intents.model import Content, Helplines


def localise(
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
        "category",
        "example_phrases",
        "keywords",
    }
)
