"""The code stays ruff and mypy clean, and its dependencies point down (pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing() -> None:
    beside_python = Path(sys.executable).parent / "ruff"
    ruff = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependencies_point_down() -> None:
    """import-linter's contracts (pyproject.toml): the layers of README's Layout."""
    beside_python = Path(sys.executable).parent / "lint-imports"
    if not beside_python.exists():
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [str(beside_python)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_mypy_finds_nothing() -> None:
    """Static types of skill, speech and intents (settings in pyproject.toml)."""
    beside_python = Path(sys.executable).parent / "mypy"
    if not beside_python.exists():
        pytest.fail("mypy is not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [str(beside_python)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
