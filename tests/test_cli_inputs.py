"""Bad input at the command line: one line that says what to do, a non-zero exit, no traceback.

Most tests run the real ``closer`` entry point in a process of its own, so that what
is checked is exactly what a person sees: the exit status, stderr, and the files left.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intents import Catalogue
from skill.cli import COMMANDS, main


def closer(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``closer`` (as ``python -m skill.cli``) in ``cwd``; return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(stderr: str) -> str:
    """The one line a refusal prints; fails the test on a traceback or more lines."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# --- 1. a locale the content does not serve ---------------------------------------------


def commands_with_a_locale() -> list[str]:
    """Every subcommand whose options include ``--locale``, found from the parsers."""
    found = []
    for module_name in COMMANDS:
        parser = argparse.ArgumentParser()
        importlib.import_module(f"skill.cli.{module_name}").configure(parser)
        if "locale" in vars(parser.parse_known_args([])[0]):
            found.append(module_name.replace("_", "-"))
    return found


# What else each command needs to run at all, so that only the locale is wrong.
ALSO_NEEDED = {
    "resolve": ["stop"],
    "rehearse": ["--script", os.devnull],
    "preview": ["--say", "stop", "--engine", "espeak"],
}


def test_the_commands_with_a_locale_are_found() -> None:
    assert {"resolve", "rehearse", "preview"} <= set(commands_with_a_locale())


@pytest.mark.parametrize("command", commands_with_a_locale())
@pytest.mark.parametrize("locale", ["en-UK", "xx-YY"])
def test_an_unknown_locale_is_refused_with_the_known_ones(
    command: str,
    locale: str,
    catalogue: Catalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # preview would write previews/ here
    assert main([command, "--locale", locale, *ALSO_NEEDED.get(command, [])]) == 2
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert line.startswith(f"closer {command}: no locale {locale}; choose from ")
    assert all(known in line for known in catalogue.locales)
    assert captured.out == ""  # nothing was read out in another locale's words
    assert list(tmp_path.iterdir()) == []


def test_a_locale_typo_is_refused_by_the_real_command(tmp_path: Path) -> None:
    result = closer("resolve", "--locale", "en-UK", "I want to end my life", cwd=tmp_path)
    assert result.returncode == 2
    assert "no locale en-UK; choose from en-US, en-GB" in one_line(result.stderr)
    assert result.stdout == ""
