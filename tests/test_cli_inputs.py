"""Bad input at the command line: one line that says what to do, a non-zero exit, no traceback.

Most tests run the real ``closer`` entry point in a process of its own, so that what
is checked is exactly what a person sees: the exit status, stderr, and the files left.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from intents import Catalogue
from skill.cli import COMMANDS, INTERRUPTED, PIPE_CLOSED, main


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
        if "--locale" in parser.format_usage():
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


# --- 2. files that are not what they should be -------------------------------------------


def content_problem(stderr: str) -> str:
    """The one problem a content refusal reports, on one line of its own."""
    assert "Traceback" not in stderr
    problems = stderr.strip().splitlines()
    assert len(problems) == 1, stderr
    return problems[0]


def test_a_content_file_that_is_not_utf8_names_the_file_and_line(
    content_copy: Path, tmp_path: Path
) -> None:
    topics = content_copy / "topics.yaml"
    lines = topics.read_bytes().splitlines(keepends=True)
    lines[9] = lines[9].replace(b"e", b"\xff", 1)  # line 10: a Latin-1 byte, say
    topics.write_bytes(b"".join(lines))
    result = closer("--content", str(content_copy), "resolve", "stop", cwd=tmp_path)
    assert result.returncode == 1
    problem = content_problem(result.stderr)
    assert problem.startswith("content/topics.yaml:10: not UTF-8 text (byte 0xff")
    assert problem.endswith("save it as UTF-8")


def test_a_folder_where_a_content_file_should_be(content_copy: Path, tmp_path: Path) -> None:
    (content_copy / "topics.yaml").unlink()
    (content_copy / "topics.yaml").mkdir()
    result = closer("--content", str(content_copy), "resolve", "stop", cwd=tmp_path)
    assert result.returncode == 1
    assert content_problem(result.stderr) == (
        "content/topics.yaml:1: is a folder, not a file: put the YAML file here"
    )


def test_a_character_yaml_does_not_allow_is_reported_at_its_line(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locales = content_copy / "locales.yaml"
    text = locales.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    locales.write_text(text + "# a bell \x07\n", encoding="utf-8")
    assert main(["--content", str(content_copy), "resolve", "stop"]) == 1
    problem = content_problem(capsys.readouterr().err)
    assert (
        problem == f"content/locales.yaml:{line}: not valid YAML: character #x0007 is not allowed"
    )


def test_an_article_that_is_not_utf8(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = content_copy / "article.txt"
    article.write_bytes(b"\xfe" + article.read_bytes())
    assert main(["--content", str(content_copy), "resolve", "stop"]) == 1
    problem = content_problem(capsys.readouterr().err)
    assert problem.startswith("content/article.txt:1: not UTF-8 text (byte 0xfe")


@pytest.mark.parametrize("where", ["missing", "a file"])
def test_content_that_is_not_a_folder(where: str, tmp_path: Path) -> None:
    given = tmp_path / "content"
    if where == "a file":
        given.write_text("skill: here\n", encoding="utf-8")
    result = closer("--content", str(given), "resolve", "stop", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"closer: --content {given} is not a folder; "
        "give the folder that holds skill.yaml, topics.yaml and the rest"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"stop\n\x89PNG\r\n\x1a\n\xff\xd8", "line 2 is not UTF-8 text"),
        (b"stop\x00\x00\x01\x00", "it is a binary file, not text"),
    ],
)
def test_a_binary_script_is_refused(data: bytes, reason: str, tmp_path: Path) -> None:
    script = tmp_path / "script.bin"
    script.write_bytes(data)
    result = closer("rehearse", "--script", str(script), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"closer rehearse: cannot read the script {script}: {reason}; "
        "give a text file, one line a turn"
    )
    assert result.stdout == ""  # not even the launch: nothing was said


def test_a_folder_as_script_is_refused(tmp_path: Path) -> None:
    result = closer("rehearse", "--script", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"closer rehearse: cannot read the script {tmp_path}: Is a directory"
    )


# --- 3. a reader that stops early ---------------------------------------------------------


def test_a_pipe_closed_by_head_stops_quietly(tmp_path: Path) -> None:
    """``closer resolve < many | head -1``: one answer out, nothing on stderr, status 141."""
    utterances = tmp_path / "utterances.txt"
    utterances.write_text("my partner is pulling away\n" * 3000, encoding="utf-8")  # >64 KiB out
    status = tmp_path / "status"
    command = (
        f"{{ {shlex.quote(sys.executable)} -m skill.cli resolve < {utterances}; "
        f"echo $? > {status}; }} | head -1"
    )
    result = subprocess.run(
        ["sh", "-c", command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    assert status.read_text(encoding="utf-8").strip() == str(PIPE_CLOSED)


def test_output_closed_before_the_first_line_stops_quietly(tmp_path: Path) -> None:
    """The reader is gone before anything is written: even the flush at exit stays quiet."""
    with subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "resolve", "stop"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == PIPE_CLOSED
    assert stderr == ""


# --- 4. folders that cannot be written --------------------------------------------------


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """A regular file: no folder can be made under it, even by root."""
    path = tmp_path / "notes.txt"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


def files_under(folder: Path) -> list[str]:
    """Every path under ``folder``, relative to it, to show nothing was left behind."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_preview_into_a_folder_under_a_file_is_one_line(a_file: Path, tmp_path: Path) -> None:
    out = a_file / "previews"
    result = closer(
        "preview", "--say", "stop", "--engine", "espeak", "--out", str(out), cwd=tmp_path
    )
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"closer preview: cannot write the previews in {out}: {a_file} is a file, "
        "not a folder; choose another --out folder"
    )
    assert files_under(tmp_path) == ["notes.txt"]


def test_preview_with_a_cache_under_a_file_is_one_line(a_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "previews"
    result = closer(
        "preview",
        "--say",
        "stop",
        "--engine",
        "espeak",
        "--out",
        str(out),
        cwd=tmp_path,
        env={"CLOSER_CACHE_DIR": str(a_file / "cache")},
    )
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"closer preview: cannot write the audio cache in {a_file / 'cache'}: {a_file} is a "
        "file, not a folder; set CLOSER_CACHE_DIR to a folder you can write"
    )
    assert files_under(tmp_path) == ["notes.txt"]  # not even the --out folder


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_preview_into_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = closer(
        "preview", "--say", "stop", "--engine", "espeak", "--out", str(locked), cwd=tmp_path
    )
    assert result.returncode == 1
    assert one_line(result.stderr).endswith(
        f"{locked} is not writable; choose another --out folder"
    )
    assert files_under(locked) == []


def test_rehearse_out_under_a_file_is_refused_before_the_conversation(
    a_file: Path, tmp_path: Path
) -> None:
    out = a_file / "evening.mp3"
    result = rehearse_out(str(out), tmp_path)
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"closer rehearse: cannot write {out}: {a_file} is a file, not a folder; "
        "choose another --out file"
    )
    assert result.stdout == ""  # refused before the launch was said or rendered
    assert files_under(tmp_path) == ["notes.txt"]


def test_rehearse_audio_with_a_cache_under_a_file_is_one_line(a_file: Path, tmp_path: Path) -> None:
    result = closer(
        "rehearse",
        "--script",
        os.devnull,
        "--audio",
        "--engine",
        "espeak",
        cwd=tmp_path,
        env={"CLOSER_CACHE_DIR": str(a_file / "cache")},
    )
    assert result.returncode == 1
    assert one_line(result.stderr).startswith(
        f"closer rehearse: cannot write the audio cache in {a_file / 'cache'}: "
    )
    assert files_under(tmp_path) == ["notes.txt"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    """Whatever the system refuses mid-way (here: no space for the output), one line."""
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "skill.cli", "resolve", "stop"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert one_line(result.stderr) == "closer: No space left on device"


# --- 5. an audio file named for another format ------------------------------------------


def rehearse_out(out: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``closer rehearse --out OUT`` with espeak and a cache of its own, saying nothing."""
    return closer(
        *("rehearse", "--script", os.devnull, "--out", out, "--engine", "espeak"),
        cwd=tmp_path,
        env={"CLOSER_CACHE_DIR": str(tmp_path / "cache")},
    )


@pytest.mark.parametrize("name", ["evening.wav", "evening.ogg", "evening"])
def test_rehearse_out_must_be_named_mp3(name: str, tmp_path: Path) -> None:
    result = rehearse_out(name, tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"closer rehearse: --out writes MP3, so name the file .mp3, not {name}"
    )
    assert result.stdout == ""
    assert files_under(tmp_path) == []  # nothing rendered, nothing written


def test_rehearse_out_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evening.mp3").mkdir()
    result = closer("rehearse", "--script", os.devnull, "--out", "evening.mp3", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "closer rehearse: --out evening.mp3 is a folder; give a file name ending in .mp3"
    )


def test_ctrl_c_stops_a_command_quietly() -> None:
    """``closer resolve`` waiting on the keyboard, then Ctrl-C: status 130, no traceback."""
    import signal

    with subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "resolve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("my partner is pulling away\n")
        process.stdin.flush()
        assert process.stdout.readline()  # it has answered, and waits for the next line
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == INTERRUPTED
    assert stderr.strip() == ""
