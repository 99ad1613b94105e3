"""The code stays ruff and mypy clean, and its dependencies point down (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a checker installed beside this Python (the test extra), from the project root."""
    tool = Path(sys.executable).parent / name
    if not tool.exists():
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return subprocess.run([str(tool), *args], cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("ruff", ("check", ".")),
        ("ruff", ("format", "--check", ".")),
        ("mypy", ()),  # skill, speech and intents, as pyproject.toml says
        ("lint-imports", ()),  # the layers of README's Layout
    ],
)
def test_the_checkers_find_nothing(tool: str, args: tuple[str, ...]) -> None:
    result = run_tool(tool, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
