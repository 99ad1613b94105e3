"""Hostile and odd input at POST /alexa: each answered plainly, none crashing the skill.

Every case here was found by an adversarial test of a running server (issue 11): a
request type or value the SDK does not know, JSON nested or numbered past what a
parser can take, session attributes of the wrong type, an application id that is
not a string, and request fields made to forge or flood the log.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import envelopes
from skill.web.app import MAX_JSON_DEPTH, create_app
from tests import strategies


@pytest.fixture
def bound_client() -> FlaskClient:
    """The web service bound to the local skill id, as a deployed one is to its own."""
    app: Flask = create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": envelopes.LOCAL_SKILL_ID})
    return app.test_client()


def logged_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every line the service logged, tracebacks included."""
    return "\n".join(caplog.text.splitlines()).splitlines()


def is_empty_response(body: Any) -> bool:
    return body["version"] == "1.0" and body["response"] == {}


# --- what the SDK does not know: a valid empty response ----------------------------------


def test_an_unknown_request_type_gets_a_valid_empty_response(client: FlaskClient) -> None:
    request = envelopes.launch_request()
    request["request"]["type"] = "Foo.Bar"
    reply = client.post("/alexa", json=request)
    assert reply.status_code == 200
    assert is_empty_response(reply.get_json())


@pytest.mark.parametrize(
    ("request_body", "field", "value"),
    [
        (envelopes.intent_request("AMAZON.HelpIntent"), ("intent", "confirmationStatus"), "MAYBE"),
        (envelopes.intent_request("AMAZON.HelpIntent"), ("dialogState",), "HALFWAY"),
        (envelopes.session_ended_request(), ("reason",), "BORED"),
    ],
)
def test_an_unknown_enum_value_gets_a_valid_empty_response(
    client: FlaskClient, request_body: dict[str, Any], field: tuple[str, ...], value: str
) -> None:
    parent = request_body["request"]
    for key in field[:-1]:
        parent = parent[key]
    parent[field[-1]] = value
    reply = client.post("/alexa", json=request_body)
    assert reply.status_code == 200
    assert is_empty_response(reply.get_json())


def test_a_field_that_is_simply_broken_is_still_refused(client: FlaskClient) -> None:
    """Only unknown names get the empty answer; a bad date is not a newer Alexa."""
    request = envelopes.launch_request()
    request["request"]["timestamp"] = "yesterday"
    assert client.post("/alexa", json=request).status_code == 400


# --- JSON past what a parser should take: 400 and one short log line ----------------------

DEEP_ARRAY = b"[" * 60_000 + b"]" * 60_000  # under the 128 KiB limit


def deep_attributes(levels: int) -> bytes:
    """A launch request whose session attributes nest ``levels`` lists deep."""
    request = envelopes.launch_request()
    request["session"]["attributes"] = {"deep": "MARK"}
    text = json.dumps(request)
    return text.replace('"MARK"', "[" * levels + "]" * levels).encode()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (DEEP_ARRAY, "body is not JSON"),
        (deep_attributes(900), f"body nests more than {MAX_JSON_DEPTH} levels deep"),
        (deep_attributes(MAX_JSON_DEPTH), f"body nests more than {MAX_JSON_DEPTH} levels deep"),
        (b'{"version": "1.0", "n": ' + b"9" * 5_000 + b"}", "body is not JSON"),
    ],
    ids=["60,000 levels", "900 levels in attributes", "just past the limit", "5,000 digits"],
)
def test_json_too_deep_or_too_big_gets_400_and_one_log_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, body: bytes, error: str
) -> None:
    caplog.set_level(logging.INFO)
    reply = client.post("/alexa", data=body, content_type="application/json")
    assert reply.status_code == 400
    assert reply.get_json() == {"error": error}
    lines = logged_lines(caplog)
    assert len(lines) == 1 and len(lines[0]) < 200, lines[:3]


def test_ordinary_nesting_is_answered(client: FlaskClient) -> None:
    body = deep_attributes(MAX_JSON_DEPTH - 4)  # the envelope itself takes three levels
    reply = client.post("/alexa", data=body, content_type="application/json")
    assert reply.status_code == 200
    assert "outputSpeech" in reply.get_json()["response"]


# --- session attributes of the wrong type are ignored -------------------------------------

json_values = strategies.json_values()
attribute_values = st.fixed_dictionaries(
    {},
    optional={
        "topic": json_values | st.sampled_from(["SignsOfFearIntent", "PartnerPullingAwayIntent"]),
        "index": json_values,
        "awaiting": json_values | st.sampled_from(["next", "more", "crisis", "abuse"]),
    },
)


@settings(
    max_examples=150,
    deadline=None,
    # The app keeps nothing between requests, so one app for every example is fine.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    attributes=attribute_values,
    intent=st.sampled_from(
        ["AMAZON.YesIntent", "AMAZON.NextIntent", "AMAZON.RepeatIntent", "AMAZON.HelpIntent"]
    ),
)
def test_session_attributes_of_any_shape_are_ignored_not_crashed(
    app: Flask, attributes: dict[str, Any], intent: str
) -> None:
    """The conftest hook fails this test if the skill crashed and apologised."""
    request = envelopes.intent_request(intent, attributes=attributes)
    reply = app.test_client().post("/alexa", json=request)
    assert reply.status_code == 200
    assert "Sorry, something went wrong" not in json.dumps(reply.get_json())


# --- the application id ---------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [5, ["amzn1.ask.skill.x"], {"id": 1}, True, 0, ""])
def test_an_application_id_that_is_not_ours_is_refused_even_if_the_other_matches(
    bound_client: FlaskClient, bad_id: object
) -> None:
    request = envelopes.launch_request()
    assert request["session"]["application"]["applicationId"] == envelopes.LOCAL_SKILL_ID
    request["context"]["System"]["application"] = {"applicationId": bad_id}
    reply = bound_client.post("/alexa", json=request)
    assert reply.status_code == 400
    assert reply.get_json() == {"error": "application id is not this skill's"}


def test_our_application_id_is_accepted(bound_client: FlaskClient) -> None:
    assert bound_client.post("/alexa", json=envelopes.launch_request()).status_code == 200


# --- nothing a request says reaches the log as it was written -----------------------------


@pytest.mark.parametrize(
    ("place", "value"),
    [
        (("request", "intent", "name"), "HelpIntent\n2026-11-30 INFO closer.web: forged"),
        (("request", "intent", "name"), "X" * 100_000),
        (("request", "locale"), "en-US\n2026-11-30 INFO closer.web: forged"),
        (("request", "locale"), "x" * 100_000),
        (("request", "reason"), "USER_INITIATED\nforged"),
    ],
)
def test_no_request_field_can_forge_or_flood_a_log_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, place: tuple[str, ...], value: str
) -> None:
    caplog.set_level(logging.DEBUG)
    if place[-1] == "reason":
        request = envelopes.session_ended_request()
    else:
        request = envelopes.intent_request("AMAZON.HelpIntent")
    parent = request
    for key in place[:-1]:
        parent = parent[key]
    parent[place[-1]] = value
    reply = client.post("/alexa", data=json.dumps(request), content_type="application/json")
    assert reply.status_code in (200, 400, 413)
    lines = logged_lines(caplog)
    assert lines, "every request is logged"
    assert all("forged" not in line and len(line) < 200 for line in lines), lines
