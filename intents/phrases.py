"""Check builtin_phrases.yaml: what the local resolver knows beyond the interaction model.

The rehearsal tools have no Amazon behind them, so this file stands in for what
Amazon knows: phrases of the built-in intents, filler words, words that mean the
same, and the cues and words that choose a safety intent. A wrong shape here fails
silently rather than loudly: ``safety_cues: "hurt myself"`` read as a list of
letters gives one-letter cues, and a cue filed under a misspelt intent is never
heard. So the file is read like every other content file, and each problem is
reported at its line.

:func:`read_phrases` returns the checked data as plain dicts, lists and strings, one
:class:`PhraseBlock` per language ("en" for en-US, en-GB, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

from intents.located import LocatedDict, read_located
from intents.model import BUILTIN_PREFIX
from intents.report import Report

PHRASES_FILE = "builtin_phrases.yaml"
FALLBACK_LANGUAGE = "en"
"""The language of every locale whose language has no block of its own."""


class PhraseBlock(TypedDict):
    """One language's phrases, every section present.

    A list or ``intents``/``equivalents`` left out of the file reads as empty; the two
    safety sections may not be left out, since a safety intent without cues is one
    the rehearsal tools would rarely choose.
    """

    intents: dict[str, list[str]]
    """Built-in intent (``AMAZON.HelpIntent``) -> the usual ways of saying it."""
    fillers: list[str]
    equivalents: dict[str, list[str]]
    """A word -> the words and phrases the resolver treats as that word."""
    function_words: list[str]
    safety_cues: dict[str, list[str]]
    """Each safety intent -> the phrases that choose it on their own."""
    safety_words: dict[str, list[str]]
    """Each safety intent -> the single words that let its score choose it."""
    safety_cue_exceptions: list[str]


SECTIONS = tuple(PhraseBlock.__annotations__)
"""The sections of a language block, in the order the file has them."""


def read_phrases(
    path: Path, report: Report, safety_intents: Sequence[str]
) -> dict[str, PhraseBlock]:
    """Read builtin_phrases.yaml through the located loader and check its shape.

    Problems go to ``report`` as ``file:line: message``; what is returned holds only
    what passed, so it is complete exactly when the report has no errors.
    ``safety_intents`` are the intents the safety sections must map, each of them
    and only them (:data:`intents.loader.SAFETY_INTENTS`).
    """
    before = len(report.errors)
    data = read_located(path, report)
    if len(report.errors) > before:  # unreadable: that is the one problem to fix first
        return {}
    return check_phrases(data, path, report, safety_intents)


def check_phrases(
    data: LocatedDict, path: Path, report: Report, safety_intents: Sequence[str]
) -> dict[str, PhraseBlock]:
    """Check the language blocks of builtin_phrases.yaml already read (see :func:`read_phrases`)."""
    languages: dict[str, PhraseBlock] = {}
    for language, block in data.items():
        line = data.key_lines[language]
        if not re.fullmatch(r"[a-z]{2}", language):
            report.add(path, line, f"{language} is not a language like en (a locale's first part)")
        elif not isinstance(block, LocatedDict):
            report.add(path, line, f"{language} must map sections ({', '.join(SECTIONS)})")
        else:
            languages[language] = _check_block(language, line, block, path, report, safety_intents)
    if FALLBACK_LANGUAGE not in data:
        report.add(
            path,
            data.line,
            f"{FALLBACK_LANGUAGE} must be there: it answers every language without its own",
        )
    return languages


def _check_block(
    language: str,
    line: int,
    block: LocatedDict,
    path: Path,
    report: Report,
    safety_intents: Sequence[str],
) -> PhraseBlock:
    """Check one language's sections; a section left out reads as empty."""
    for section in block:
        if section not in SECTIONS:
            report.add(
                path,
                block.key_lines[section],
                f"{language} has no section {section}; the sections are {', '.join(SECTIONS)}",
            )
    check = _BlockChecks(language, line, block, path, report)
    safety = " and ".join(safety_intents)
    return PhraseBlock(
        intents=check.lists_by_name("intents", "built-in intents", _builtin_intent_problem),
        fillers=check.texts("fillers"),
        equivalents=check.lists_by_name("equivalents", "words"),
        function_words=check.texts("function_words"),
        safety_cues=check.by_safety_intent("safety_cues", safety_intents, safety),
        safety_words=check.by_safety_intent("safety_words", safety_intents, safety),
        safety_cue_exceptions=check.texts("safety_cue_exceptions"),
    )


def _builtin_intent_problem(name: str) -> str | None:
    """Say what is wrong with an intent name under ``intents:``, if anything."""
    if not re.fullmatch(re.escape(BUILTIN_PREFIX) + r"[A-Za-z]+", name):
        return f"{name} is not one of Amazon's built-in intents (like {BUILTIN_PREFIX}HelpIntent)"
    return None


class _BlockChecks:
    """The checks of one language block, each reporting at the line of what is wrong."""

    def __init__(
        self, language: str, line: int, block: LocatedDict, path: Path, report: Report
    ) -> None:
        self.language = language
        self.line = line
        self.block = block
        self.path = path
        self.report = report

    def texts(self, section: str) -> list[str]:
        """Check a section that is a list of words and phrases."""
        if section not in self.block:
            return []
        return self._texts(
            f"{self.language} {section}", self.block[section], self.block.key_lines[section]
        )

    def lists_by_name(
        self,
        section: str,
        keys: str,
        key_problem: Callable[[str], str | None] | None = None,
    ) -> dict[str, list[str]]:
        """Check a section that maps names (``keys`` says what they are) to lists."""
        if section not in self.block:
            return {}
        value, line = self.block[section], self.block.key_lines[section]
        label = f"{self.language} {section}"
        if not isinstance(value, LocatedDict):
            self.report.add(self.path, line, f"{label} must map {keys} to lists of phrases")
            return {}
        result: dict[str, list[str]] = {}
        for name, items in value.items():
            problem = key_problem(name) if key_problem else None
            if problem:
                self.report.add(self.path, value.key_lines[name], f"{label}: {problem}")
                continue
            result[name] = self._texts(f"{label} {name}", items, value.key_lines[name])
        return result

    def by_safety_intent(
        self, section: str, safety_intents: Sequence[str], named: str
    ) -> dict[str, list[str]]:
        """Check a section that maps each safety intent, and only those, to a list."""
        line = self.block.key_lines.get(section, self.line)
        label = f"{self.language} {section}"
        value = self.block.get(section)
        if not isinstance(value, LocatedDict):
            self.report.add(self.path, line, f"{label} must map {named} to lists of phrases")
            return {}
        result: dict[str, list[str]] = {}
        for name, items in value.items():
            if name not in safety_intents:
                self.report.add(
                    self.path,
                    value.key_lines[name],
                    f"{label}: {name} is not a safety intent; only {named} may be named",
                )
                continue
            result[name] = self._texts(f"{label} {name}", items, value.key_lines[name])
        for name in safety_intents:
            if name not in value:
                self.report.add(self.path, line, f"{label} needs {name}: its list of phrases")
        return result

    def _texts(self, label: str, value: Any, line: int) -> list[str]:
        """Check a list of words and phrases; ``line`` is where the list is named."""
        if not isinstance(value, list):
            self.report.add(
                self.path, line, f"{label} must be a list of words and phrases ([] for none)"
            )
            return []
        lines = getattr(value, "item_lines", [line] * len(value))
        texts: list[str] = []
        for item, item_line in zip(value, lines, strict=True):
            if isinstance(item, str) and item.strip():
                texts.append(str(item))
            elif item is None or isinstance(item, str):
                self.report.add(self.path, item_line, f"{label} has an empty entry")
            else:
                self.report.add(
                    self.path,
                    item_line,
                    f"{label} has an entry that is not a word or phrase: {item}",
                )
        return texts
