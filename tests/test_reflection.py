"""The evening reflection: one hands-free response, a different one each night, true pauses."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from intents import CONTENT_DIR, Content
from skill import envelopes
from skill.reflection import reflection_for
from skill.web.app import create_app
from speech.segments import plain_text
from speech.ssml import MAX_BREAK_SECONDS, MAX_SPEECH_CHARS, break_time_seconds, ssml_problems
from tests.conftest import Conversation

LOCALES = ("en-US", "en-GB", "en-AU", "en-IN", "en-CA")


def ask_for_reflection(client: FlaskClient, night: date, locale: str = "en-US") -> dict:
    request = envelopes.intent_request(
        "EveningReflectionIntent", locale=locale, timestamp=f"{night.isoformat()}T22:30:00Z"
    )
    reply = client.post("/alexa", json=request)
    assert reply.status_code == 200
    return reply.get_json()


def breaks(ssml: str) -> list[float]:
    return [
        seconds
        for seconds in map(break_time_seconds, re.findall(r'<break time="([^"]+)"/>', ssml))
        if seconds is not None
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_reflection_is_one_response_that_plays_to_its_end(
    client: FlaskClient, content: Content, locale: str
) -> None:
    body = ask_for_reflection(client, date(2026, 11, 30), locale)
    response = body["response"]
    ssml = response["outputSpeech"]["ssml"]
    said = plain_text(ssml)
    assert response["shouldEndSession"] is True
    assert "reprompt" not in response
    assert not ssml_problems(ssml)
    assert len(ssml) <= MAX_SPEECH_CHARS
    assert len(json.dumps(body).encode()) <= 24 * 1024
    assert said.startswith("Let's take a few quiet minutes.")  # at once: no "shall we begin"
    assert "Shall we begin" not in said and "say next" not in said.lower()
    assert said.count("?") >= 3
    assert said.endswith(
        "It's the foundation of love, trust, and connection. Good night, and take care."
    )
    pauses = breaks(ssml)
    assert max(pauses) <= MAX_BREAK_SECONDS
    assert sum(pauses) >= 60
    # each question is followed by about 20 seconds of chained breaks
    assert len(re.findall(r'\?</s>(?:<break time="10s"/>){2}', ssml)) >= 3


def test_eight_nights_in_a_row_give_eight_different_reflections(client: FlaskClient) -> None:
    first = date(2026, 12, 1)
    heard = set()
    for day in range(8):
        ssml = ask_for_reflection(client, first + timedelta(days=day))["response"]["outputSpeech"]
        heard.add(plain_text(ssml["ssml"]))
    assert len(heard) == 8


def test_the_same_night_gives_the_same_reflection(client: FlaskClient) -> None:
    night = date(2026, 12, 24)
    first = ask_for_reflection(client, night)["response"]["outputSpeech"]["ssml"]
    again = ask_for_reflection(client, night)["response"]["outputSpeech"]["ssml"]
    assert first == again
    other = ask_for_reflection(client, night + timedelta(days=1))["response"]["outputSpeech"]
    assert other["ssml"] != first


def test_the_choice_is_one_function_of_the_date(content: Content) -> None:
    nights = content.reflections.nights
    chosen = [
        reflection_for(content.reflections, date(2027, 3, 1) + timedelta(d)) for d in range(16)
    ]
    assert {r.tip for r in chosen[:8]} == {r.tip for r in nights}
    assert chosen[:8] == chosen[8:]  # a cycle of eight


def test_the_pause_length_lives_in_the_content(tmp_path: Path) -> None:
    """Edit the YAML, not the code: a 25-second pause becomes three chained breaks."""
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    path = content_dir / "reflections.yaml"
    path.write_text(path.read_text().replace("pause: 20", "pause: 25"), encoding="utf-8")
    client = create_app({"SKIP_VERIFICATION": True, "CONTENT_DIR": content_dir}).test_client()
    ssml = ask_for_reflection(client, date(2026, 12, 2))["response"]["outputSpeech"]["ssml"]
    assert len(re.findall(r'\?</s>(?:<break time="8333ms"/>){3}', ssml)) == 3
    assert max(breaks(ssml)) <= MAX_BREAK_SECONDS


def test_yes_to_the_encouragement_offer_starts_the_reflection(talk: Conversation) -> None:
    talk.intent("EncouragementIntent")
    while not talk.said.endswith("Would you like to try a short evening reflection?"):
        talk.intent("AMAZON.NextIntent")
    assert talk.reprompt.startswith("Just say yes, and I'll begin a few quiet minutes")
    response = talk.intent("AMAZON.YesIntent")
    assert talk.said.startswith("Let's take a few quiet minutes.")
    assert response["shouldEndSession"] is True


@pytest.mark.parametrize(
    "utterance", ["evening reflection", "start my reflection", "help me wind down"]
)
def test_ways_of_asking_reach_the_reflection(utterance: str) -> None:
    from skill.nlu import resolve

    assert resolve(utterance).intent == "EveningReflectionIntent"
