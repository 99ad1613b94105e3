"""A third-party simulator (virtual-alexa, npm) drives the running server over HTTP.

Stand-in, said plainly: virtual-alexa plays Alexa's part (matching utterances
against the generated model, keeping the session, posting JSON). It cannot sign
requests, so the server runs with CLOSER_SKIP_VERIFICATION=1, as the README says
local simulators must. The server is the real `closer serve` (waitress) in a
separate process on a loopback port.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intents import Content
from intents.loader import CRISIS_INTENT, MEMORY_INTENTS, REMINDER_INTENTS, SAFETY_INTENTS
from skill.authoring.interaction_model import DEPLOY_DIR, MODEL_PATH
from speech.segments import plain_text
from speech.ssml import ssml_problems
from tests.conftest import SIMULATOR_DIR, health, running_server

pytestmark = pytest.mark.node
MODEL_FILE = DEPLOY_DIR / MODEL_PATH.format(locale="en-US")
# virtual-alexa treats an utterance containing these (even inside a word) as a launch.
LAUNCH_WORDS = re.compile(r"ask|open|launch|tell|talk to|start|begin|resume|run|load|use|play")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run `closer serve` with verification off until the module's tests are done."""
    env = {"CLOSER_SKIP_VERIFICATION": "1", "CLOSER_SKILL_ID": ""}
    with running_server(env, tmp_path_factory.mktemp("server") / "server.log") as base:
        assert health(base)["verification"] == "off"
        yield f"{base}/alexa"


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
    return plain_text(entry["response"]["response"]["outputSpeech"]["ssml"])


def numbers_said(entry: dict[str, Any]) -> list[str]:
    """The telephone numbers spoken, in order."""
    ssml = entry["response"]["response"]["outputSpeech"]["ssml"]
    return re.findall(r'<say-as interpret-as="telephone">([^<]+)</say-as>', ssml)


def safety_numbers(content: Content, intent: str) -> list[str]:
    """What a safety intent must say: the emergency number, then the line that fits."""
    lines = content.helplines
    return [
        lines.emergency.number,
        (lines.crisis if intent == CRISIS_INTENT else lines.abuse).number,
    ]


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
        elif intent["name"] in SAFETY_INTENTS:
            assert numbers_said(entry) == safety_numbers(content, intent["name"])
        elif intent["name"] in content.topics:
            assert content.topics[intent["name"]].parts[0].say in said(entry)
        elif intent["name"] in (*MEMORY_INTENTS, *REMINDER_INTENTS):  # nothing kept yet
            assert said(entry) and entry["response"]["response"]["shouldEndSession"] is False
        else:  # the evening reflection: one response that plays to its end
            assert said(entry) and entry["response"]["response"]["shouldEndSession"] is True


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


@pytest.mark.parametrize("intent", SAFETY_INTENTS)
def test_safety_samples_reach_the_safety_answer(
    node_modules: Path, server_url: str, content: Content, intent: str
) -> None:
    """Alexa's side of "every safety sample resolves to its intent", in a simulator.

    Each sample of CrisisIntent and of AbuseIntent is spoken in the middle of a topic
    and must reach its own intent, which says the emergency number and then the line
    that fits (the crisis line, or the domestic abuse line). virtual-alexa takes any
    utterance containing a launch word (even inside a word, as "abusing" holds "use")
    for a launch, and cannot match hyphenated words, so those samples are left to the
    local resolver's tests.
    """
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    samples = next(i["samples"] for i in model["intents"] if i["name"] == intent)
    speakable = [s for s in samples if not LAUNCH_WORDS.search(s.lower()) and "-" not in s]
    assert len(speakable) >= 30
    steps: list[dict[str, Any]] = [{"launch": True}]
    for sample in speakable:
        steps += [{"utter": "my partner is pulling away"}, {"utter": sample}]
    transcript = drive(server_url, steps)
    for entry in transcript[2::2]:
        assert entry["request"]["intent"] == intent, entry["step"]
        assert numbers_said(entry) == safety_numbers(content, intent), entry["step"]
