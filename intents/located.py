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
from yaml.reader import ReaderError

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


class NotText(ValueError):  # noqa: N818 - reads as what it is
    """A content file is not UTF-8 text; ``line`` holds its first byte that is not."""

    def __init__(self, data: bytes, error: UnicodeDecodeError) -> None:
        self.line = data.count(b"\n", 0, error.start) + 1
        super().__init__(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} on this line): save it as UTF-8"
        )


def read_text(path: Path) -> str:
    """Read a UTF-8 file, or raise :class:`NotText` naming the line of the first bad byte.

    Python's own UnicodeDecodeError gives a byte offset, which an author cannot use.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotText(data, error) from None


def load_located(path: Path) -> Any:
    """Parse one YAML file into located values.

    Raises OSError, :class:`NotText`, YAMLError or :class:`DuplicateKeyError`.
    """
    return yaml.load(read_text(path), Loader=_LocatedLoader)


def read_located(path: Path, report: Report) -> LocatedDict:
    """Parse one content file that must be a mapping; report what stops that, at its line.

    A file that cannot be read or parsed reads as an empty mapping, so that the other
    files are still checked and every problem is reported in one go.
    """
    before = len(report.errors)
    text = _read_content_file(path, report)
    data = None if text is None else _parse(text, path, report)
    if isinstance(data, LocatedDict):
        return data
    if len(report.errors) == before:
        report.add(path, 1, "the file must be a mapping of names to values")
    empty = LocatedDict()
    empty.line, empty.key_lines = 1, {}
    return empty


def _read_content_file(path: Path, report: Report) -> str | None:
    """Return the text of a content file, or None after reporting why it cannot be read."""
    try:
        return read_text(path)
    except FileNotFoundError:
        report.add(path, 1, "file is missing")
    except IsADirectoryError:
        report.add(path, 1, "is a folder, not a file: put the YAML file here")
    except OSError as error:
        report.add(path, 1, f"cannot be read: {error.strerror or error}")
    except NotText as error:
        report.add(path, error.line, str(error))
    return None


def _parse(text: str, path: Path, report: Report) -> Any:
    """Parse YAML text into located values, or report where it goes wrong and return None."""
    try:
        return yaml.load(text, Loader=_LocatedLoader)
    except DuplicateKeyError as error:
        report.add(path, error.line, str(error))
    except ReaderError as error:
        # A character YAML does not allow (a control character, say); PyYAML gives its
        # place as an offset in the text, not as a line.
        line = text.count("\n", 0, error.position) + 1
        report.add(path, line, f"not valid YAML: character #x{error.character:04x} is not allowed")
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        context = ""
        if error.context_mark is not None and error.context_mark.line + 1 != line:
            context = f" ({error.context} on line {error.context_mark.line + 1})"
        report.add(path, line, f"not valid YAML: {error.problem}{context}")
    return None
