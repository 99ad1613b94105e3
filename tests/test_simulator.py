"""A third-party simulator (virtual-alexa, npm) drives the running server over HTTP.

Stand-in, said plainly: virtual-alexa plays Alexa's part (matching utterances
against the generated model, keeping the session, posting JSON). It cannot sign
requests, so the server runs with CLOSER_SKIP_VERIFICATION=1, as the README says
local simulators must. The server is the real `closer serve` (waitress) in a
separate process on a loopback port.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intents import Content
from skill.model_build import DEPLOY_DIR, MODEL_PATH
from speech.ssml import ssml_problems
from tests.conftest import SIMULATOR_DIR, spoken

pytestmark = pytest.mark.node
MODEL_FILE = DEPLOY_DIR / MODEL_PATH.format(locale="en-US")
# virtual-alexa treats an utterance containing these (even inside a word) as a launch.
LAUNCH_WORDS = re.compile(r"ask|open|launch|tell|talk to|start|begin|resume|run|load|use|play")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run `closer serve` on a free loopback port until the module's tests are done."""
    port = free_port()
    env = {**os.environ, "CLOSER_SKIP_VERIFICATION": "1", "CLOSER_SKILL_ID": ""}
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log_path)
        yield f"{base}/alexa"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll /healthz until the server answers (it must report verification off)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as reply:
                assert json.load(reply)["verification"] == "off"
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log_path.read_text()}") from None
            time.sleep(0.1)


def drive(url: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run steps through virtual-alexa and return its transcript."""
    result = subprocess.run(
        ["node", str(SIMULATOR_DIR / "drive.js"), url, str(MODEL_FILE)],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    transcript = json.loads(result.stdout)
    for entry in transcript:
        assert_valid_alexa_response(entry["response"])
    return transcript


def assert_valid_alexa_response(body: dict[str, Any]) -> None:
    """Check the response JSON the way Alexa would read it."""
    assert body["version"] == "1.0"
    response = body["response"]
    assert len(json.dumps(body).encode()) <= 24 * 1024
    if "outputSpeech" in response:
        assert response["outputSpeech"]["type"] == "SSML"
        assert ssml_problems(response["outputSpeech"]["ssml"]) == []
        assert isinstance(response["shouldEndSession"], bool)
        if response["shouldEndSession"] is False:
            assert ssml_problems(response["reprompt"]["outputSpeech"]["ssml"]) == []


def speakable_sample(samples: list[str], tip_value: str) -> str:
    """Pick a sample virtual-alexa will not mistake for a launch phrase; fill {tip}."""
    for sample in samples:
        if not LAUNCH_WORDS.search(sample.lower()) and sample.count("{") <= 1:
            return sample.replace("{tip}", tip_value)
    raise AssertionError(f"no usable sample in {samples[:3]}")


def said(entry: dict[str, Any]) -> str:
    return spoken(entry["response"]["response"]["outputSpeech"]["ssml"])


def test_every_custom_intent_is_reached_by_one_of_its_samples(
    node_modules: Path, server_url: str, content: Content
) -> None:
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    custom = [i for i in model["intents"] if not i["name"].startswith("AMAZON.")]
    steps: list[dict[str, Any]] = [{"launch": True}]
    for intent in custom:
        steps.append({"utter": speakable_sample(intent["samples"], "set boundaries")})
    transcript = drive(server_url, steps)
    assert "Welcome to Closer Together" in said(transcript[0])
    for intent, entry in zip(custom, transcript[1:], strict=True):
        assert entry["request"]["intent"] == intent["name"], entry["step"]
        if intent["name"] == "TipIntent":
            assert said(entry).startswith("Step 4 of 4: Set boundaries.")
        else:
            assert content.topics[intent["name"]].parts[0].say in said(entry)


def test_walk_a_topic_get_help_and_stop(node_modules: Path, server_url: str) -> None:
    transcript = drive(
        server_url,
        [
            {"launch": True},
            {"utter": "my partner is pulling away"},
            {"intend": "AMAZON.NextIntent"},
            {"intend": "AMAZON.RepeatIntent"},
            {"intend": "AMAZON.YesIntent"},
            {"intend": "AMAZON.HelpIntent"},
            {"intend": "AMAZON.StopIntent"},
        ],
    )
    intents = [entry["request"]["intent"] for entry in transcript]
    assert intents == [
        None,
        "PartnerPullingAwayIntent",
        "AMAZON.NextIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.YesIntent",
        "AMAZON.HelpIntent",
        "AMAZON.StopIntent",
    ]
    assert "emotionally distant" in said(transcript[1])
    assert "inner conflict" in said(transcript[2])
    assert said(transcript[3]) == said(transcript[2])
    assert said(transcript[4]).startswith("Step 1 of 4: Lead with empathy.")
    assert "We're talking about when a partner pulls away" in said(transcript[5])
    assert said(transcript[6]) == "Take good care of yourself. Goodbye."
    assert transcript[6]["response"]["response"]["shouldEndSession"] is True
