"""Whatever arrives at /alexa, the answer is a 4xx or a valid skill response, never a 5xx.

Hypothesis generates malformed and half-valid request bodies: random JSON, real
envelopes with fields removed, retyped or replaced, and random bytes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import envelopes
from skill.web.app import create_app
from tests import strategies

json_values = strategies.json_values(text=20, width=4, leaves=12)

INTENTS = [
    "PartnerPullingAwayIntent",
    "TipIntent",
    "AMAZON.NextIntent",
    "AMAZON.YesIntent",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "NoSuchIntent",
]


@st.composite
def half_valid_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A real envelope, then a few of its fields deleted or replaced by arbitrary JSON."""
    base = draw(
        st.sampled_from(
            [
                envelopes.launch_request(),
                envelopes.session_ended_request(),
                *[
                    envelopes.intent_request(
                        name,
                        {"tip": "set boundaries"} if name == "TipIntent" else None,
                        attributes={"topic": "SignsOfFearIntent", "index": 1, "awaiting": "next"},
                    )
                    for name in INTENTS
                ],
            ]
        )
    )
    body = copy.deepcopy(base)
    paths = [
        ("request",),
        ("request", "type"),
        ("request", "timestamp"),
        ("request", "intent"),
        ("request", "intent", "name"),
        ("request", "intent", "slots"),
        ("session",),
        ("session", "attributes"),
        ("session", "attributes", "topic"),
        ("session", "attributes", "index"),
        ("session", "attributes", "awaiting"),
        ("context",),
        ("version",),
        ("request", "locale"),
        ("request", "intent", "slots", "tip"),
        ("request", "intent", "slots", "tip", "value"),
    ]
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)):
        parent: Any = body
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if draw(st.booleans()):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(json_values)
    return body


bodies = st.one_of(
    half_valid_envelopes().map(lambda envelope: json.dumps(envelope).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)


# One app for all examples: hypothesis runs a test function many times per fixture.
CLIENT: FlaskClient = create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": ()}).test_client()


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_no_body_gets_a_5xx(body: bytes) -> None:
    response = CLIENT.post("/alexa", data=body, content_type="application/json")
    assert response.status_code < 500, body
    payload = response.get_json()
    if response.status_code == 200:
        assert payload["version"] == "1.0" and "response" in payload
    else:
        assert 400 <= response.status_code < 500
        assert set(payload) == {"error"}


# --- a crash is never hidden by the apology ---------------------------------------------

pytest_plugins = ["pytester"]

CRASHING_TEST = """
from skill import envelopes


def test_help(client, monkeypatch):
    def broken(*args):
        raise ZeroDivisionError("a bug in the conversation")

    monkeypatch.setattr("skill.conversation.respond", broken)
    reply = client.post("/alexa", json=envelopes.intent_request("AMAZON.HelpIntent"))
    assert reply.status_code == 200  # Alexa still gets a spoken apology
"""


@pytest.mark.crash_expected  # the inner test's crash is logged in this process too
def test_a_test_fails_when_a_request_reaches_the_catch_all(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=CRASHING_TEST)
    result = pytester.runpytest_inprocess("-p", "tests.conftest", "-q")
    result.assert_outcomes(failed=1)  # the request was answered, and still the test fails
    result.stdout.fnmatch_lines(["*the skill crashed and apologised: handler failed*"])


def test_lint_fails_on_a_crashing_conversation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from skill.cli import main

    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug in the conversation")

    monkeypatch.setattr("skill.conversation.respond", broken)
    assert main(["lint"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("closer lint: the skill crashed (while answering: en-US no topic, ")
    assert line.endswith("ZeroDivisionError: a bug in the conversation")
