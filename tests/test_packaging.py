"""``closer package-lambda`` without the network: its choices, its files, its refusals.

pip is replaced by a stand-in that installs one small fake dependency, except where
a test is about pip failing, which pip really does here, against a package index on
loopback that refuses or never answers. The real package, from PyPI, is built and
run by tests/test_lambda_package.py.
"""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from skill.packaging import build, contents
from skill.packaging.build import MARKER, PackagingError, Target
from tests.lambda_package import LOCAL_PYTHON
from tests.loopback import loopback_server, never_answer
from tests.test_cli_inputs import closer, one_line

LOCAL = Target(python_version=LOCAL_PYTHON, arch="x86_64")


@pytest.fixture
def fake_pip(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Stand in for pip: install ``fakedep`` (and a console script) into the tree."""
    calls: list[Path] = []

    def install(tree: Path, target: Target) -> None:
        calls.append(tree)
        (tree / "fakedep").mkdir()
        (tree / "fakedep" / "__init__.py").write_text("VALUE = 1\n")
        (tree / "bin").mkdir()
        (tree / "bin" / "fakedep").write_text("#!/bin/sh\n")

    monkeypatch.setattr(build, "install_dependencies", install)
    return calls


def unreachable_index(folder: Path, url: str) -> dict[str, str]:
    """Settings that send pip to ``url`` and nowhere else: no config, no local wheels."""
    (folder / "no-wheels").mkdir(exist_ok=True)
    return {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": url,
        "PIP_EXTRA_INDEX_URL": url,
        "PIP_FIND_LINKS": str(folder / "no-wheels"),
    }


# --- what goes in -----------------------------------------------------------------------


def test_own_files_are_what_the_handler_imports_and_the_content() -> None:
    files = contents.own_files()
    assert {"skill/aws_lambda.py", "skill/dispatch.py", "speech/ssml.py"} <= files.keys()
    assert "intents/content/article.txt" in files and "intents/content/skill.yaml" in files
    assert not [name for name in files if name.startswith(("skill/web/", "skill/cli/"))]
    assert sorted(name for name in files if name.startswith("speech/")) == [
        "speech/__init__.py",
        "speech/ssml.py",
    ]
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    assert "skill/memory/sqlite_store.py" not in files and "skill/envelopes.py" not in files


def test_other_content_replaces_the_shipped_content(tmp_path: Path) -> None:
    (tmp_path / "skill.yaml").write_text("mine")
    (tmp_path / "article.txt").write_text("mine")
    (tmp_path / "notes.md").write_text("not content")
    files = contents.own_files(tmp_path)
    content = {name: path for name, path in files.items() if name.startswith("intents/content/")}
    assert content == {
        "intents/content/skill.yaml": tmp_path / "skill.yaml",
        "intents/content/article.txt": tmp_path / "article.txt",
    }


def test_requirements_carry_the_version_ranges_of_pyproject() -> None:
    wanted = contents.requirements()
    assert [each.split("<")[0].split(">")[0] for each in wanted] == list(
        contents.RUNTIME_DEPENDENCIES
    )
    assert "ask-sdk-core<2,>=1.19" in wanted or "ask-sdk-core>=1.19,<2" in wanted
    assert any(each.startswith("boto3>=1.28.57") for each in wanted)
    assert not [each for each in wanted if ";" in each or "flask" in each.lower()]


def test_trim_keeps_dynamodb_and_the_shared_data_only(tmp_path: Path) -> None:
    data = tmp_path / "botocore" / "data"
    for service in ("dynamodb", "s3", "ec2"):
        (data / service / "2012-08-10").mkdir(parents=True)
    (data / "endpoints.json").write_text("{}")
    (tmp_path / "boto3" / "data" / "s3").mkdir(parents=True)
    (tmp_path / "bin").mkdir()
    contents.trim(tmp_path)
    assert sorted(p.name for p in data.iterdir()) == ["dynamodb", "endpoints.json"]
    assert not (tmp_path / "boto3" / "data" / "s3").exists() and not (tmp_path / "bin").exists()


# --- how it is built --------------------------------------------------------------------


def test_the_same_tree_gives_the_same_zip_whatever_the_umask_said(
    fake_pip: list[Path], tmp_path: Path
) -> None:
    old = os.umask(0o077)  # files 0600: Lambda's user could not read them as they are
    try:
        tree = tmp_path / "tree"
        build.build_tree(tree, LOCAL, precompile=False)
    finally:
        os.umask(old)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build.write_zip(tree, first)
    build.write_zip(tree, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as package:
        modes = {stat.S_IMODE(info.external_attr >> 16) for info in package.infolist()}
        names = package.namelist()
    assert modes == {0o644}
    assert "fakedep/__init__.py" in names and "bin/fakedep" not in names
    assert names == sorted(names)


def test_a_folder_is_written_then_replaced_and_nothing_else_is(
    fake_pip: list[Path], tmp_path: Path
) -> None:
    dest = tmp_path / "deploy" / "lambda"
    build.make_folder(dest, LOCAL, precompile=False)
    assert (dest / MARKER).is_file() and (dest / "skill" / "aws_lambda.py").is_file()
    (dest / "left-over.txt").write_text("from an earlier build")
    build.make_folder(dest, LOCAL, precompile=False)
    assert not (dest / "left-over.txt").exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["lambda"], "no temporary left"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("precious")
    with pytest.raises(PackagingError, match="holds no package made by closer package-lambda"):
        build.make_folder(mine, LOCAL, precompile=False)
    assert (mine / "keep.txt").read_text() == "precious"


def test_bytecode_is_compiled_for_where_lambda_puts_it(
    fake_pip: list[Path], tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    built = build.build_tree(tree, LOCAL)
    assert built.compiled_with == sys.executable
    pyc = tree / "fakedep" / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    data = pyc.read_bytes()
    assert int.from_bytes(data[4:8], "little") == 0b01, "hash-based, unchecked"
    assert b"/var/task/fakedep/__init__.py" in data


def test_without_an_interpreter_of_the_version_nothing_is_compiled(
    fake_pip: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = tmp_path / "shims"
    shim.mkdir()
    (shim / "python3.99").write_text(
        "#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n"
    )
    (shim / "python3.99").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    assert build.find_interpreter("3.99") is None, "a shim without the version behind it"
    built = build.build_tree(tmp_path / "tree", Target("3.99", "arm64"))
    assert built.compiled_with is None
    assert not list((tmp_path / "tree").rglob("*.pyc"))


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (
            "ERROR: Could not find a version that satisfies the requirement x (from versions: none)\n"
            "ERROR: No matching distribution found for x\n",
            "No matching distribution found for x",
        ),
        (
            "WARNING: Retrying (Retry(total=1)) after connection broken by 'NewConnectionError'\n"
            "ERROR: No matching distribution found for x\n",
            "the package index could not be reached (No matching distribution found for x)",
        ),
        ("/usr/bin/python3: No module named pip\n", "pip is not installed for"),
        ("", "it failed without a word"),
    ],
)
def test_pips_reason_is_one_line(stderr: str, reason: str) -> None:
    said = build.pip_reason(stderr)
    assert said.startswith(reason) and "\n" not in said


def test_pip_that_never_answers_is_stopped_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "PIP_TIMEOUT_SECONDS", 3)
    with loopback_server(never_answer) as (port, _):
        for name, value in unreachable_index(tmp_path, f"http://127.0.0.1:{port}/simple").items():
            monkeypatch.setenv(name, value)
        (tmp_path / "tree").mkdir()
        with pytest.raises(PackagingError, match="pip did not finish within 3 s"):
            build.install_dependencies(tmp_path / "tree", LOCAL)


# --- the command's refusals: one line, before any download ------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give OUT.zip, or --folder DIR for the package unpacked (not both)"),
        (["a.zip", "--folder", "f"], "give OUT.zip, or --folder DIR for the package unpacked"),
        (["package.tar"], "package.tar does not end in .zip: Lambda takes a zip file"),
        (["a-folder"], "a-folder is a folder; give the zip file's name"),
        (
            ["a.zip", "--python-version", "3.10"],
            "--python-version 3.10 is not one the skill runs on",
        ),
        (["a.zip", "--python-version", "python3.12"], "--python-version python3.12 is not one"),
        (["--folder", "a-file"], "a-file is a file, not a folder"),
        (["--folder", "mine"], "mine is not empty and holds no package made by closer"),
        (["under-a-file/a.zip"], "is a file, not a folder"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("")
    (tmp_path / "under-a-file").write_text("")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("precious")
    result = closer("package-lambda", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith("closer package-lambda: ")
    assert message in result.stderr
    assert (tmp_path / "mine" / "keep.txt").read_text() == "precious"
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*"))


def test_an_unreachable_package_index_is_one_line_and_leaves_the_old_zip(tmp_path: Path) -> None:
    old = tmp_path / "closer-lambda.zip"
    old.write_bytes(b"the package from last time")
    with loopback_server(never_answer) as (port, _):
        pass  # the port is closed again: every connection is refused at once
    env = unreachable_index(tmp_path, f"http://127.0.0.1:{port}/simple")
    result = closer("package-lambda", old.name, cwd=tmp_path, env=env)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("closer package-lambda: pip could not install the dependencies: ")
    assert "the package index could not be reached" in line
    assert old.read_bytes() == b"the package from last time"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["closer-lambda.zip", "no-wheels"]
