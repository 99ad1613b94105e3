"""``closer package-lambda``'s zip, unpacked and invoked in a clean interpreter.

The package is built once per session by the real command, for this machine's
Python (``--python-version``: Lambda's is 3.12, and binary wheels and bytecode are
made for one version), and needs PyPI, as pip fetches the wheels; without it these
tests fail with pip's reason. Nothing is deployed and no AWS is reached: DynamoDB is
dynalite (tests/dynalite.py). See tests/lambda_package.py for what the clean
interpreter is and is not.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from intents import Catalogue
from skill import envelopes
from skill.alexa import build_skill
from skill.authoring.reachable import every_request
from skill.dispatch import handle_envelope
from skill.packaging.build import MARKER
from tests import dynalite as stand_in
from tests.lambda_package import LOCAL_PYTHON, clean_env, invoke_unpacked, unzip

ROOT = Path(__file__).resolve().parent.parent
SKILL_ID = envelopes.LOCAL_SKILL_ID


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The package as ``closer package-lambda OUT.zip`` writes it; and what it printed."""
    out = tmp_path_factory.mktemp("lambda") / "closer-lambda.zip"
    command = ["package-lambda", str(out), "--python-version", LOCAL_PYTHON]
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"closer package-lambda failed (it needs PyPI): {result.stderr}")
    return out, result.stdout


@pytest.fixture(scope="session")
def unpacked(lambda_zip: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package unzipped into a folder of its own, read-only as on Lambda."""
    folder = unzip(lambda_zip[0], tmp_path_factory.mktemp("unpacked"))
    for path in [folder, *folder.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
    return folder


def bound(**settings: str) -> dict[str, str]:
    """The function's environment: this skill's id, and ``settings``."""
    return clean_env(CLOSER_SKILL_ID=SKILL_ID, **settings)


# --- what is in it ----------------------------------------------------------------------


def test_the_command_says_what_it_wrote(lambda_zip: tuple[Path, str]) -> None:
    out, printed = lambda_zip
    size = out.stat().st_size
    assert printed.startswith(f"wrote {out}: {size / 1e6:.1f} MB zipped, ")
    assert f"for Lambda's python{LOCAL_PYTHON} on x86_64" in printed


def test_the_package_holds_what_the_handler_runs_and_nothing_of_the_rest(
    lambda_zip: tuple[Path, str],
) -> None:
    with zipfile.ZipFile(lambda_zip[0]) as package:
        names = set(package.namelist())
    tops = {name.split("/")[0] for name in names}
    for needed in ("skill/aws_lambda.py", "skill/checks.py", "speech/ssml.py", "intents/loader.py"):
        assert needed in names
    for content in ("skill.yaml", "topics.yaml", "helplines.yaml", "article.txt"):
        assert f"intents/content/{content}" in names
    for needed in ("ask_sdk_core", "ask_sdk_model", "yaml", "ask_sdk_dynamodb", "boto3"):
        assert needed in tops
    for unwanted in ("flask", "werkzeug", "waitress", "gtts", "lameenc", "numpy", "soundfile"):
        assert unwanted not in tops, unwanted
    for unwanted in ("sklearn", "scipy", "joblib", "threadpoolctl"):  # the local resolver's
        assert unwanted not in tops, unwanted
    for unwanted in ("cryptography", "pytest", "hypothesis", "bin", "tests"):
        assert unwanted not in tops, unwanted
    for left_out in (
        "skill/web/",
        "skill/cli/",
        "skill/nlu/",
        "skill/authoring/",
        "skill/packaging/",
    ):
        assert not any(name.startswith(left_out) for name in names), left_out
    assert "speech/render.py" not in names and "skill/rehearsal.py" not in names
    models = {name.split("/")[2] for name in names if name.startswith("botocore/data/")}
    assert models >= {"dynamodb", "endpoints.json"} and "s3" not in models


def test_every_entry_is_readable_by_all_and_dated_alike(lambda_zip: tuple[Path, str]) -> None:
    """Lambda runs the code as another user; the same dates make the same zip."""
    with zipfile.ZipFile(lambda_zip[0]) as package:
        entries = package.infolist()
    assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
    modes = {stat.S_IMODE(entry.external_attr >> 16) for entry in entries}
    assert modes <= {0o644, 0o755}, modes


def test_every_module_has_its_bytecode_and_the_package_says_what_it_is_for(
    unpacked: Path,
) -> None:
    marker = json.loads((unpacked / MARKER).read_text())
    assert marker["python"] == LOCAL_PYTHON and marker["precompiled"] is True
    assert marker["handler"] == "skill.aws_lambda.handler" and marker["arch"] == "x86_64"
    tag = sys.implementation.cache_tag
    sources = list(unpacked.rglob("*.py"))
    missing = [
        path
        for path in sources
        if not (path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc").is_file()
    ]
    assert sources and not missing, missing[:5]


# --- what it does -----------------------------------------------------------------------


def test_the_unpacked_package_answers_launch_intent_and_session_end(unpacked: Path) -> None:
    events = [
        envelopes.launch_request(),
        envelopes.intent_request("PartnerPullingAwayIntent"),
        envelopes.session_ended_request(),
    ]
    outcome = invoke_unpacked(unpacked, events, bound())
    launch, intent, ended = (each["answer"] for each in outcome["answers"])
    assert "Welcome to Closer Together" in launch["response"]["outputSpeech"]["ssml"]
    assert launch["response"]["shouldEndSession"] is False
    assert intent["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert intent["response"]["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert ended["version"] == "1.0" and "outputSpeech" not in ended["response"]
    assert outcome["path"][0] == str(unpacked)
    assert not [entry for entry in outcome["path"] if "site-packages" in entry]
    assert outcome["outside"] == [], "imported from outside the package and the stdlib"
    assert outcome["compiled"] == 0, "the package's bytecode was not used"


def test_the_unpacked_package_answers_every_request_as_the_skill_does(
    unpacked: Path, catalogue: Catalogue
) -> None:
    """Every state, intent and locale the skill can be in: the same response, byte for byte."""
    requests = [request for _, request in every_request(catalogue)]
    requests.append(envelopes.session_ended_request(reason="EXCEEDED_MAX_REPROMPTS"))
    outcome = invoke_unpacked(unpacked, requests, bound())
    skill = build_skill(catalogue)
    expected = [{"answer": handle_envelope(skill, request)} for request in requests]
    differ = [
        i for i, (a, b) in enumerate(zip(outcome["answers"], expected, strict=True)) if a != b
    ]
    assert not differ, f"{len(differ)} differ, first: {outcome['answers'][differ[0]]}"
    assert outcome["outside"] == []


def test_the_unpacked_package_refuses_another_skill_and_answers_no_one_without_an_id(
    unpacked: Path,
) -> None:
    other = envelopes.launch_request(skill_id="amzn1.ask.skill.someone-else")
    refused = invoke_unpacked(unpacked, [other, envelopes.launch_request()], bound())
    assert refused["answers"][0] == {
        "error": "RequestRefused",
        "message": "application id is not this skill's",
    }
    assert "answer" in refused["answers"][1]
    unbound = invoke_unpacked(unpacked, [envelopes.launch_request()], clean_env())
    assert unbound["answers"][0]["error"] == "LambdaSettingError"
    assert "CLOSER_SKILL_ID is not set" in unbound["answers"][0]["message"]


def test_the_unpacked_package_keeps_memory_in_dynamodb(unpacked: Path, dynalite: str) -> None:
    """boto3 as bundled, with only DynamoDB's models, against dynalite (not DynamoDB)."""
    import os

    table = stand_in.create_table()
    aws = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
    env = bound(CLOSER_STORE=f"dynamodb://{table}", CLOSER_USER_KEY="k" * 40, **aws)
    events: list[dict[str, Any]] = [
        envelopes.intent_request("PartnerPullingAwayIntent"),
        envelopes.launch_request(),
    ]
    outcome = invoke_unpacked(unpacked, events, env)
    errors = [each for each in outcome["answers"] if "error" in each]
    assert not errors, errors
    assert "Welcome back" in outcome["answers"][1]["answer"]["response"]["outputSpeech"]["ssml"]
    assert "boto3" not in " ".join(outcome["outside"])
    items = stand_in.client().scan(TableName=table)["Items"]
    assert len(items) == 1 and envelopes.LOCAL_USER_ID not in json.dumps(items)
