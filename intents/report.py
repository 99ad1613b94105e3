"""What every content check shares: the ``file:line: message`` collector and word counts.

Content authors are not programmers, so every check reports where to look, and all
problems are collected before the load fails, not just the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORD_LIMIT = 45
"""Words in one part of a topic: one idea, one or two breaths."""

_WORD = re.compile(r"[A-Za-z0-9']+")


class ContentError(Exception):
    """The content cannot be used; ``errors`` lists every ``file:line: message``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def word_count(text: str) -> int:
    """Count spoken words, the measure the word limits are written in."""
    return len(_WORD.findall(text))


def one_line(text: Any) -> str:
    """Fold a YAML text's line breaks and runs of spaces into single spaces."""
    return " ".join(str(text).split())


@dataclass
class Report:
    """Collects ``file:line: message`` errors for one load."""

    root: Path
    errors: list[str]

    @classmethod
    def for_content(cls, directory: Path) -> Report:
        """Start an empty report that shows paths from the project (``intents/content/x.yaml``).

        Paths are shown from the folder that holds pyproject.toml, where there is one,
        so that the same message reads the same in a terminal, CI and the tests.
        """
        resolved = directory.resolve()
        root = next(
            (parent for parent in resolved.parents if (parent / "pyproject.toml").exists()),
            resolved.parent,
        )
        return cls(root=root, errors=[])

    def add(self, path: Path, line: int, message: str) -> None:
        """Record one problem, with the path shown relative to the project."""
        try:
            shown = path.relative_to(self.root)
        except ValueError:
            shown = path
        self.errors.append(f"{shown}:{line}: {message}")

    def check_words(
        self, name: str, text: str, path: Path, line: int, limit: int = WORD_LIMIT
    ) -> None:
        """Enforce a word limit (the one-idea-per-turn limit unless told otherwise)."""
        count = word_count(text)
        if count > limit:
            self.add(path, line, f"{name} is {count} words; the limit is {limit}")
