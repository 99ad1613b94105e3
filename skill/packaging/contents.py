"""What goes into the Lambda package, and what stays out.

Lambda unpacks the package on every cold start, so it holds only what
:mod:`skill.aws_lambda` runs:

- ``skill``: all but the web service, the command line, the local resolver, the
  authoring tools, this packaging, the rehearsal runner, the test envelopes and the
  SQLite store (a function's disk does not last; :mod:`skill.aws_lambda` refuses it);
- ``intents``: all of it, with the content (YAML and the article), which the skill
  loads and checks when the container starts;
- ``speech``: only :mod:`speech.ssml`, what Alexa is sent; rendering audio is for previews;
- the runtime dependencies (:data:`RUNTIME_DEPENDENCIES`), never flask, waitress,
  scikit-learn (the local resolver's: Lambda never resolves typed words), the audio
  libraries or the test tools.

Nothing here is guessed at run time: tests/test_lambda_package.py answers every
request the skill can answer from the unpacked package, in an interpreter that sees
nothing else, so a module left out by mistake fails there, not on Lambda.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shutil
from pathlib import Path

DISTRIBUTION = "closer-together"

LEFT_OUT = (
    "skill/web/",
    "skill/cli/",
    "skill/nlu/",
    "skill/authoring/",
    "skill/packaging/",
    "skill/rehearsal.py",
    "skill/envelopes.py",
    "skill/memory/sqlite_store.py",
)
"""Parts of ``skill`` that the Lambda entry point never imports."""

SPEECH_KEPT = ("speech/__init__.py", "speech/ssml.py")
"""The only parts of ``speech`` the skill imports: SSML composition."""

CONTENT_FOLDER = "intents/content"
CONTENT_PATTERNS = ("*.yaml", "*.txt")
"""The content files, as pyproject.toml's package data lists them."""

RUNTIME_DEPENDENCIES = (
    "ask-sdk-core",
    "pyyaml",
    "ask-sdk-dynamodb-persistence-adapter",
    "boto3",
)
"""What pip installs into the package, with whatever these need.

boto3 is bundled although Lambda's runtime has one: the runtime's copy is whatever
version AWS last put there, and the dependencies bundled here come first on the
path, so they would meet it untested (pip picked python-dateutil 4 for the SDK
alone, which botocore does not allow). Bundled, pip resolves one consistent set.
"""

AWS_SERVICES = ("dynamodb",)
"""The AWS services the function calls; botocore's models of the other 400 or so
(28 MB of the 53) are left out."""

ARCHITECTURES = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
"""Lambda's architectures, and the wheel platform pip fetches binary wheels for."""


def own_files(content_dir: Path | None = None) -> dict[str, Path]:
    """Map each file of this project that goes into the package to where it comes from.

    Keys are archive names (``skill/alexa.py``). ``content_dir`` replaces the
    shipped content, as ``closer --content DIR`` does for every other command.
    """
    files: dict[str, Path] = {}
    for package in ("skill", "intents", "speech"):
        root = _package_root(package)
        for path in sorted(root.rglob("*.py")):
            name = path.relative_to(root.parent).as_posix()
            if "__pycache__" not in name and _kept(name):
                files[name] = path
    content = content_dir if content_dir is not None else _package_root("intents") / "content"
    for pattern in CONTENT_PATTERNS:
        for path in sorted(content.glob(pattern)):
            files[f"{CONTENT_FOLDER}/{path.name}"] = path
    return files


def _package_root(package: str) -> Path:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    return Path(module.__file__).resolve().parent


def _kept(name: str) -> bool:
    if name.startswith("speech/"):
        return name in SPEECH_KEPT
    return not name.startswith(LEFT_OUT)


def requirements() -> list[str]:
    """List the runtime dependencies, each with the version range pyproject.toml gives it.

    Read from the installed distribution's metadata, so that the package and the
    tests use the same ranges; a bare name where the metadata has none.
    """
    try:
        declared = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        declared = []
    ranges: dict[str, str] = {}
    for line in declared:
        spec = line.split(";", 1)[0].strip()
        match = re.match(r"[A-Za-z0-9._-]+", spec)
        if match:
            ranges.setdefault(_canonical(match.group(0)), spec)
    return [ranges.get(_canonical(name), name) for name in RUNTIME_DEPENDENCIES]


def _canonical(name: str) -> str:
    """Spell a distribution name as pip compares them: lower case, ``-_.`` runs as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def trim(folder: Path) -> None:
    """Remove what pip installed into ``folder`` that the function never runs.

    Console scripts (``bin/``), and the models of AWS services other than
    :data:`AWS_SERVICES` (botocore's and boto3's ``data/``; the files at the top of
    ``data/``, endpoints and retry rules, stay). Licences stay, in ``*.dist-info``.
    """
    shutil.rmtree(folder / "bin", ignore_errors=True)
    for data in (folder / "botocore" / "data", folder / "boto3" / "data"):
        if not data.is_dir():
            continue
        for entry in data.iterdir():
            if entry.is_dir() and entry.name not in AWS_SERVICES:
                shutil.rmtree(entry)
