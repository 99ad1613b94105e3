"""A command line that explains itself: help, one-line usage errors, and what it says on its own.

Every command's help has a one-line description and examples laid out as written,
with no reST; a usage error is one line that names the help to read, and exit 2;
``build-model --check`` says when deploy/ is up to date; ``serve``, ``resolve`` and
``rehearse`` say once when deploy/ is older than the content; ``serve`` names the
/rehearse page when it is on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from intents import load_catalogue
from skill.authoring import interaction_model
from skill.cli import COMMANDS, build_parser, main
from skill.cli.stale_deploy import WARNING, stale_deploy_warning
from tests.conftest import running_server
from tests.test_cli_inputs import closer, one_line

WIDTH = 80
"""The terminal width the help is read at: every line must fit without wrapping."""


def command_modules() -> list[tuple[str, ModuleType]]:
    """Every subcommand's name and module, as ``closer`` lists them."""
    _, commands = build_parser()
    return [(name, module) for name, (module, _) in commands.items()]


def help_of(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """What ``closer ARGS --help`` prints on an 80-column terminal (exit status 0)."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def examples_in(text: str) -> list[str]:
    """The command lines under ``examples:`` (each comes after its ``#`` comment)."""
    assert "\nexamples:\n" in text, text
    section = text.split("\nexamples:\n", 1)[1]
    lines = [line.strip() for line in section.splitlines() if line.startswith("  ")]
    return [line for line in lines if not line.startswith("#")]


def readable(text: str) -> None:
    """Plain text for a terminal: no reST markup, and no line wider than the terminal."""
    assert "`" not in text
    assert "::" not in text
    assert ":class:" not in text and ":func:" not in text
    assert all(len(line) < WIDTH for line in text.splitlines()), text


# --- help ------------------------------------------------------------------------------


def test_every_command_is_found() -> None:
    assert [name for name, _ in command_modules()] == [c.replace("_", "-") for c in COMMANDS]


@pytest.mark.parametrize(("name", "module"), command_modules())
def test_a_commands_help_has_its_description_and_examples(
    name: str,
    module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_of([name], monkeypatch, capsys)
    readable(text)
    assert text.startswith(f"usage: closer {name} ")
    description = text.split("\n\n")[1]
    assert description == module.DESCRIPTION  # one line, as written
    assert "\n" not in description and description.endswith(".")
    examples = examples_in(text)
    assert 2 <= len(examples) <= 4
    assert examples == [command for command, _ in module.EXAMPLES]  # not re-wrapped
    assert all(re.search(rf"\bcloser (--content \S+ )?{name}\b", c) for c in examples)


def test_closer_help_lists_every_command_with_examples_and_where_to_read_more(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of([], monkeypatch, capsys)
    readable(text)
    for name, module in command_modules():
        assert re.search(rf"^    {re.escape(name)}\s+{re.escape(module.HELP)}$", text, re.M), name
    assert 2 <= len(examples_in(text)) <= 4
    assert text.rstrip().endswith("Run closer COMMAND --help for its options and examples.")


def every_option() -> Iterator[tuple[str, argparse.Action]]:
    """Each option and argument of the main parser and of every command, with its command."""
    parser, commands = build_parser()
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            yield "closer", action
    for name, (_, command) in commands.items():
        for action in command._actions:
            yield f"closer {name}", action


OPTIONS = list(every_option())


@pytest.mark.parametrize(
    ("command", "action"),
    OPTIONS,
    ids=[
        f"{command} {'/'.join(action.option_strings) or action.dest}" for command, action in OPTIONS
    ],
)
def test_option_help_speaks_in_one_voice(command: str, action: argparse.Action) -> None:
    """Lowercase first, no full stop at the end, and the default said when there is one."""
    help_text = action.help or ""
    assert help_text, f"{command}: {action.dest} has no help"
    assert help_text[0] == help_text[0].lower()
    assert not help_text.endswith(".")
    assert "`" not in help_text
    has_default = action.default not in (None, False, argparse.SUPPRESS) and action.nargs != 0
    if has_default and not isinstance(action.default, list):
        assert "(default " in help_text, f"{command} {action.dest}: say the default"


# --- usage errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ([], "closer: the following arguments are required: COMMAND (see closer --help)"),
        (
            ["rehearse", "--foo"],
            "closer rehearse: unrecognized arguments: --foo (see closer rehearse --help)",
        ),
        (
            ["serve", "--port", "http"],
            "closer serve: argument --port: 'http' is not a port number (0 to 65535) "
            "(see closer serve --help)",
        ),
        (
            ["forget"],
            "closer forget: the following arguments are required: --user "
            "(see closer forget --help)",
        ),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    args: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.err == line + "\n"
    assert captured.out == ""


def test_a_mistyped_command_is_one_line_from_the_real_command(tmp_path: Path) -> None:
    result = closer("serv", cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("closer: argument COMMAND: invalid choice: 'serv' (choose from ")
    assert line.endswith(" (see closer --help)")
    assert result.stdout == ""


# --- build-model --check ----------------------------------------------------------------


def test_build_model_check_says_the_folder_is_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = tmp_path / "deploy"
    assert main(["build-model", "--out", str(deploy)]) == 0
    capsys.readouterr()
    assert main(["build-model", "--check", "--out", str(deploy)]) == 0
    assert capsys.readouterr() == (f"{deploy}/ is up to date\n", "")


# --- deploy/ older than the content -------------------------------------------------------


def add_a_sample(content: Path) -> None:
    """Add a sample utterance to WhatIsIntimacyIntent, as an author would."""
    samples = content / "samples.yaml"
    text = samples.read_text(encoding="utf-8")
    anchor = "      - what is emotional intimacy\n"
    new = "      - what is the meaning of emotional intimacy\n"
    assert text.count(anchor) == 1 and new not in text
    samples.write_text(text.replace(anchor, anchor + new), encoding="utf-8")


def test_a_sample_added_makes_deploy_stale(content_copy: Path, tmp_path: Path) -> None:
    """The comparison is build-model's, pointed at a folder of the test's own."""
    deploy = tmp_path / "deploy"
    assert main(["--content", str(content_copy), "build-model", "--out", str(deploy)]) == 0
    assert stale_deploy_warning(load_catalogue(content_copy), None, deploy) is None
    add_a_sample(content_copy)
    edited = load_catalogue(content_copy)
    assert stale_deploy_warning(edited, None, deploy) == WARNING
    # Other content (--content DIR) is never compared with deploy/.
    assert stale_deploy_warning(edited, content_copy, deploy) is None
    assert main(["--content", str(content_copy), "build-model", "--out", str(deploy)]) == 0
    assert stale_deploy_warning(edited, None, deploy) is None


@pytest.fixture
def checkout_deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the checkout's deploy/, which the commands compare with instead of the real one."""
    deploy = tmp_path / "deploy"
    assert main(["build-model", "--out", str(deploy)]) == 0
    monkeypatch.setattr(interaction_model, "DEPLOY_DIR", deploy)
    return deploy


def make_stale(deploy: Path) -> None:
    """Drop a sample from the en-US model in ``deploy``, as if it were built before one was added."""
    path = deploy / interaction_model.MODEL_PATH.format(locale="en-US")
    model = json.loads(path.read_text(encoding="utf-8"))
    model["interactionModel"]["languageModel"]["intents"][0]["samples"].pop()
    path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "stop"],
        ["rehearse", "--script", os.devnull],
    ],
)
def test_resolve_and_rehearse_warn_once_that_deploy_is_stale(
    args: list[str], checkout_deploy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(args) == 0
    assert capsys.readouterr().err == ""  # up to date: nothing to say
    make_stale(checkout_deploy)
    assert main(args) == 0  # and it goes on
    captured = capsys.readouterr()
    assert captured.err == WARNING + "\n"  # once
    assert captured.out  # the command's own output follows


def test_other_content_is_not_compared_with_deploy(
    checkout_deploy: Path, content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_stale(checkout_deploy)
    capsys.readouterr()
    assert main(["--content", str(content_copy), "resolve", "stop"]) == 0
    assert capsys.readouterr().err == ""


def test_the_readme_order_works_after_an_edit(
    content_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, Editing the content: build-model, then lint; lint fails on a stale deploy/."""
    deploy = tmp_path / "deploy"
    content = ["--content", str(content_copy)]
    assert main([*content, "build-model", "--out", str(deploy)]) == 0
    add_a_sample(content_copy)
    assert main([*content, "build-model", "--check", "--out", str(deploy)]) == 1
    assert main([*content, "build-model", "--out", str(deploy)]) == 0
    capsys.readouterr()
    assert main([*content, "lint", "--project", str(deploy)]) == 0
    assert "look right" in capsys.readouterr().out


# --- serve's start --------------------------------------------------------------------


class _Server:
    """Stands in for waitress in-process: binding and serving are tested in test_serve.py."""

    def run(self) -> None:
        """Return at once, as if stopped."""

    def close(self) -> None:
        """Nothing to close."""


def serve_start(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    """What ``closer serve --host HOST`` prints before it serves, with no socket bound."""
    import skill.web.server

    def listening(app: Any, host: str, port: int, threads: int) -> tuple[_Server, list[str]]:
        return _Server(), [f"{host}:8000"]

    monkeypatch.setattr(skill.web.server, "listening_server", listening)
    monkeypatch.setenv("CLOSER_STORE", "none")
    monkeypatch.delenv("CLOSER_REHEARSAL", raising=False)
    capsys.readouterr()
    assert main(["serve", "--host", host]) == 0
    return capsys.readouterr().err.splitlines()


def test_serve_names_the_rehearsal_page_on_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = serve_start("127.0.0.1", monkeypatch, capsys)
    assert "rehearse in a browser: http://127.0.0.1:8000/rehearse" in lines


def test_serve_names_no_page_when_it_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = serve_start("0.0.0.0", monkeypatch, capsys)
    assert "Closer Together is listening on http://0.0.0.0:8000/alexa" in lines
    assert not any("rehearse" in line for line in lines)


def test_serve_warns_once_before_it_starts_when_deploy_is_stale(
    checkout_deploy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert WARNING not in serve_start("127.0.0.1", monkeypatch, capsys)
    make_stale(checkout_deploy)
    lines = serve_start("127.0.0.1", monkeypatch, capsys)
    assert lines[0] == WARNING and lines.count(WARNING) == 1


def test_the_real_server_serves_the_page_it_names(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {"CLOSER_STORE": "none", "CLOSER_SKIP_VERIFICATION": "1", "CLOSER_REHEARSAL": ""}
    with running_server(env, log):
        found = re.search(r"^rehearse in a browser: (http://\S+)$", log.read_text(), re.M)
        assert found, log.read_text()
        with urllib.request.urlopen(found.group(1), timeout=5) as reply:
            assert reply.status == 200
            assert "text/html" in reply.headers["Content-Type"]
