"""What the self-hosting files set: the systemd unit's environment and its env files.

``closer lint --publish`` reads them to refuse a configuration that would serve the
published skill with request verification off. Only the parts of systemd's syntax
those files use are read: sections, ``Key=Value`` lines with ``#``/``;`` comments and
backslash continuations, ``Environment=`` assignments (quoted as a shell would) and
``EnvironmentFile=`` paths (a leading ``-`` makes one optional).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

UNIT_NAME = "closer-together.service"
ENV_EXAMPLE_NAME = "closer-together.env"
"""The example env file shipped beside the unit, copied to the unit's EnvironmentFile."""


@dataclass
class Unit:
    """A unit file as read: each section's settings, in order (keys may repeat)."""

    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def values(self, section: str, key: str) -> list[str]:
        """Every value given to ``key`` in ``section``, in order."""
        return [value for name, value in self.sections.get(section, []) if name == key]


def read_unit(text: str) -> Unit:
    """Read a systemd unit file's sections and settings; malformed lines are skipped."""
    unit = Unit()
    current: list[tuple[str, str]] | None = None
    for line in _logical_lines(text):
        if line.startswith("[") and line.endswith("]"):
            current = unit.sections.setdefault(line[1:-1], [])
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current.append((key.strip(), value.strip()))
    return unit


def _logical_lines(text: str) -> list[str]:
    """Join backslash-continued lines; drop blank lines and comments."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped[0] in "#;"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending.strip())
    return lines


def unit_environment(unit: Unit) -> dict[str, str]:
    """Return the variables the unit's ``Environment=`` lines set (a later line wins)."""
    found: dict[str, str] = {}
    for value in unit.values("Service", "Environment"):
        try:
            words = shlex.split(value)
        except ValueError:
            continue
        for word in words:
            if "=" in word:
                name, assigned = word.split("=", 1)
                found[name] = assigned
    return found


def environment_files(unit: Unit) -> list[Path]:
    """Return the files the unit's ``EnvironmentFile=`` lines name, without the optional mark."""
    return [Path(value.removeprefix("-")) for value in unit.values("Service", "EnvironmentFile")]


def read_env_file(text: str) -> dict[str, str]:
    """Read ``NAME=value`` lines as systemd's EnvironmentFile= does; quotes are removed."""
    found: dict[str, str] = {}
    for line in _logical_lines(text):
        if "=" not in line:
            continue
        name, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[name.strip()] = value
    return found
