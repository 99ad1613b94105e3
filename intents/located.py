"""YAML loading that remembers line numbers and refuses duplicate keys.

Content authors are not programmers: an error must point at the line to fix.
PyYAML drops positions after construction, so this loader builds dict, list and
str subclasses that carry the 1-based line they came from (``.line``).

Booleans follow YAML 1.2, not PyYAML's YAML 1.1: only ``true`` and ``false`` (in any
case) are booleans. Under 1.1, ``yes``, ``no``, ``on`` and ``off`` are booleans too,
so a ``yes:`` key or a stop phrase ``- off`` would silently become ``True``/``False``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from intents.report import Report


class LocatedStr(str):
    """A string scalar that knows its line."""

    line: int


class LocatedDict(dict[str, Any]):
    """A mapping that knows its line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class LocatedList(list[Any]):
    """A sequence that knows its line, and the line of each item (numbers and nulls too)."""

    line: int
    item_lines: list[int]


class DuplicateKeyError(ValueError):
    """A mapping names the same key twice (YAML would silently keep the last)."""

    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(f"'{key}' appears twice (first on line {first_line})")
        self.line = line


def line_of(value: object, default: int = 1) -> int:
    """Return the line a loaded value came from, or ``default`` for plain values."""
    return getattr(value, "line", default)


class _LocatedLoader(yaml.SafeLoader):
    """SafeLoader whose containers and strings carry their line numbers."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        value = super().construct_object(node, deep=True)
        line = node.start_mark.line + 1
        if isinstance(node, ScalarNode) and isinstance(value, str):
            located = LocatedStr(value)
            located.line = line
            return located
        if isinstance(node, SequenceNode) and isinstance(value, list):
            seq = LocatedList(value)
            seq.line = line
            seq.item_lines = [item.start_mark.line + 1 for item in node.value]
            return seq
        if isinstance(node, MappingNode) and isinstance(value, dict):
            mapping = LocatedDict()
            mapping.line = line
            mapping.key_lines = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node)
                key_line = key_node.start_mark.line + 1
                if key in mapping.key_lines:
                    raise DuplicateKeyError(str(key), key_line, mapping.key_lines[key])
                mapping.key_lines[str(key)] = key_line
            mapping.update((str(k), v) for k, v in value.items())
            return mapping
        return value


_BOOL_TAG = "tag:yaml.org,2002:bool"

# YAML 1.2 booleans: drop PyYAML's 1.1 resolver (yes/no/on/off/true/false) from this
# loader's own copy of the table, then add one for true/false alone.
_LocatedLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LocatedLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|false)$", re.IGNORECASE), list("tTfF")
)


def load_located(path: Path) -> Any:
    """Parse one YAML file into located values (raises YAMLError or DuplicateKeyError)."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LocatedLoader)


def read_located(path: Path, report: Report) -> LocatedDict:
    """Parse one content file that must be a mapping; report what stops that, at its line.

    A file that cannot be read or parsed reads as an empty mapping, so that the other
    files are still checked and every problem is reported in one go.
    """
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
