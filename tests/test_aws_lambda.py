"""The Lambda entry point in process: the same answers and refusals as POST /alexa.

The package built for Lambda is invoked in a clean interpreter by
tests/test_lambda_package.py; here the handler runs in the test process, so that its
settings, refusals and memory can be bent and looked at closely.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings

from skill import aws_lambda, envelopes
from skill.checks import MAX_JSON_DEPTH, RequestRefused
from skill.web.app import create_app
from tests import strategies

SKILL_ID = envelopes.LOCAL_SKILL_ID


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A fresh container: no skill built yet, bound to the local skill id, no store."""
    monkeypatch.setattr(aws_lambda, "_runtime", None)
    monkeypatch.setenv("CLOSER_SKILL_ID", SKILL_ID)
    monkeypatch.delenv("CLOSER_STORE", raising=False)
    monkeypatch.delenv("CLOSER_USER_KEY", raising=False)
    yield monkeypatch
    # The logger level the first invocation set must not leak into other tests.
    logging.getLogger("closer").setLevel(logging.NOTSET)


@pytest.fixture
def bound_client() -> FlaskClient:
    """POST /alexa bound to the same skill id, verification off (its checks are elsewhere)."""
    return create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": SKILL_ID}).test_client()


def invoke(event: Any) -> dict[str, Any]:
    """Call the handler as Lambda does: a JSON-decoded event, no use for the context."""
    return aws_lambda.handler(json.loads(json.dumps(event)), object())


# --- the same answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_body",
    [
        envelopes.launch_request(),
        envelopes.intent_request("PartnerPullingAwayIntent"),
        envelopes.intent_request(
            "AMAZON.NextIntent",
            attributes={"topic": "PartnerPullingAwayIntent", "index": 1, "awaiting": "next"},
        ),
        envelopes.intent_request("CrisisIntent"),
        envelopes.intent_request("EveningReflectionIntent"),
        envelopes.session_ended_request(),
    ],
    ids=["launch", "topic", "next", "crisis", "reflection", "session ended"],
)
def test_the_handler_answers_exactly_as_post_alexa(
    lambda_env: pytest.MonkeyPatch, bound_client: FlaskClient, request_body: dict[str, Any]
) -> None:
    reply = bound_client.post("/alexa", json=request_body)
    assert reply.status_code == 200
    assert invoke(request_body) == reply.get_json()


def test_the_skill_is_built_once_per_container(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    built: list[object] = []
    real = aws_lambda.build_runtime

    def counting(environ: Any) -> aws_lambda.Runtime:
        built.append(environ)
        return real(environ)

    lambda_env.setattr(aws_lambda, "build_runtime", counting)
    for _ in range(3):
        invoke(envelopes.launch_request())
    assert len(built) == 1


def test_an_unknown_request_type_gets_a_valid_empty_response(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    request = envelopes.launch_request()
    request["request"]["type"] = "Foo.Bar"
    body = invoke(request)
    assert body["version"] == "1.0" and body["response"] == {}


@pytest.mark.crash_expected
def test_a_failure_inside_the_sdk_still_gets_a_spoken_answer(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    runtime = aws_lambda.current_runtime()

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the SDK itself failed")

    lambda_env.setattr(runtime.skill, "invoke", broken)
    body = invoke(envelopes.launch_request())
    assert "Sorry, something went wrong" in body["response"]["outputSpeech"]["ssml"]


# --- the same refusals ------------------------------------------------------------------


def deep_attributes(levels: int) -> dict[str, Any]:
    request = envelopes.launch_request()
    request["session"]["attributes"] = {"deep": json.loads("[" * levels + "]" * levels)}
    return request


def other_skill() -> dict[str, Any]:
    return envelopes.launch_request(skill_id="amzn1.ask.skill.someone-else")


def number_for_id() -> dict[str, Any]:
    request = envelopes.launch_request()
    request["context"]["System"]["application"] = {"applicationId": 5}
    return request


def unreadable_date() -> dict[str, Any]:
    request = envelopes.launch_request()
    request["request"]["timestamp"] = "yesterday"
    return request


REFUSED: list[tuple[str, Any, str]] = [
    ("a list", [1, 2], "body must be a JSON object"),
    ("no version", {}, "version must be a string"),
    ("no request", {"version": "1.0"}, "request must be an object"),
    ("type a number", {"version": "1.0", "request": {"type": 3}}, "request.type must be a string"),
    (
        "intent a string",
        {
            "version": "1.0",
            "request": {"type": "IntentRequest", "requestId": "r", "timestamp": "t", "intent": "x"},
        },
        "request.intent.name must be a string",
    ),
    (
        "too deep",
        deep_attributes(MAX_JSON_DEPTH),
        f"body nests more than {MAX_JSON_DEPTH} levels deep",
    ),
    ("another skill", other_skill(), "application id is not this skill's"),
    ("a number for an id", number_for_id(), "application id is not this skill's"),
    ("a date the SDK cannot read", unreadable_date(), "request does not match Alexa's format"),
]


@pytest.mark.parametrize(
    ("event", "reason"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_what_post_alexa_refuses_fails_the_invocation_for_the_same_reason(
    lambda_env: pytest.MonkeyPatch,
    bound_client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    event: Any,
    reason: str,
) -> None:
    reply = bound_client.post("/alexa", json=event)
    assert (reply.status_code, reply.get_json()) == (400, {"error": reason})
    caplog.set_level(logging.INFO)
    with pytest.raises(RequestRefused) as refused:
        invoke(event)
    assert str(refused.value) == reason
    assert [r.getMessage() for r in caplog.records if r.name == "closer.lambda"] == [
        f"refused: {reason}"
    ]


class Container:
    """One container's skill and one bound web service, shared by many examples."""

    def __init__(self) -> None:
        self.runtime = aws_lambda.build_runtime({"CLOSER_SKILL_ID": SKILL_ID})
        self.client = create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": SKILL_ID}).test_client()

    def __repr__(self) -> str:
        return "Container()"  # Hypothesis prints its arguments; the content is long


@pytest.fixture(scope="module")
def container() -> Iterator[Container]:
    yield Container()
    logging.getLogger("closer").setLevel(logging.NOTSET)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(event=strategies.json_values(leaves=12))
def test_any_json_event_gets_the_web_views_verdict(container: Container, event: Any) -> None:
    """Whatever the event, the Lambda refuses it for the web view's reason, or both answer.

    Both get the same JSON text, as Alexa would send it to either.
    """
    body = json.dumps(event).encode()
    reply = container.client.post("/alexa", data=body, content_type="application/json")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aws_lambda, "_runtime", container.runtime)
        try:
            aws_lambda.handler(json.loads(body), None)
        except RequestRefused as refusal:
            assert (reply.status_code, reply.get_json()) == (400, {"error": str(refusal)})
        else:
            assert reply.status_code == 200


# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", " , "])
def test_without_a_skill_id_every_invocation_fails_with_what_to_set(
    lambda_env: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        lambda_env.delenv("CLOSER_SKILL_ID")
    else:
        lambda_env.setenv("CLOSER_SKILL_ID", value)
    for _ in range(2):  # not once, then answering anyone
        with pytest.raises(aws_lambda.LambdaSettingError, match="CLOSER_SKILL_ID is not set"):
            invoke(envelopes.launch_request())


def test_several_skill_ids_are_each_answered(lambda_env: pytest.MonkeyPatch) -> None:
    lambda_env.setenv("CLOSER_SKILL_ID", f"amzn1.ask.skill.other, {SKILL_ID}")
    assert "outputSpeech" in invoke(envelopes.launch_request())["response"]
    with pytest.raises(RequestRefused):
        invoke(envelopes.launch_request(skill_id="amzn1.ask.skill.third"))


@pytest.mark.parametrize("value", [None, "none", " NONE "])
def test_without_a_store_nothing_is_kept(lambda_env: pytest.MonkeyPatch, value: str | None) -> None:
    if value is not None:
        lambda_env.setenv("CLOSER_STORE", value)
    assert aws_lambda.lambda_store(os.environ) is None
    said = invoke(envelopes.launch_request())["response"]["outputSpeech"]["ssml"]
    assert aws_lambda.current_runtime().skill.persistence_adapter is None
    assert "Welcome back" not in said


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sqlite:///tmp/memory.db", "must be dynamodb://TABLE_NAME or none on Lambda"),
        ("memory", "must be dynamodb://TABLE_NAME or none on Lambda"),
        ("dynamodb://x", "needs a DynamoDB table name"),
        ("dynamodb://closer-memory", "needs CLOSER_USER_KEY set"),
    ],
)
def test_a_store_that_cannot_work_on_lambda_is_one_line(
    lambda_env: pytest.MonkeyPatch, value: str, message: str
) -> None:
    lambda_env.setenv("CLOSER_STORE", value)
    with pytest.raises(aws_lambda.LambdaSettingError) as error:
        invoke(envelopes.launch_request())
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_memory_is_kept_in_dynamodb_between_invocations(
    lambda_env: pytest.MonkeyPatch, dynalite: str
) -> None:
    from tests import dynalite as stand_in

    table = stand_in.create_table()
    lambda_env.setenv("CLOSER_STORE", f"dynamodb://{table}")
    lambda_env.setenv("CLOSER_USER_KEY", "k" * 40)
    invoke(envelopes.intent_request("PartnerPullingAwayIntent"))
    items = stand_in.client().scan(TableName=table)["Items"]
    assert len(items) == 1
    assert envelopes.LOCAL_USER_ID not in json.dumps(items)
    again = invoke(envelopes.launch_request())
    assert "Welcome back" in again["response"]["outputSpeech"]["ssml"]


def test_logs_name_no_user_and_nothing_said(
    lambda_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    request = envelopes.intent_request("TipIntent", {"tip": "my husband hit me secret words"})
    with caplog.at_level(logging.DEBUG):
        invoke(request)
        with pytest.raises(RequestRefused):
            invoke(other_skill())
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "request IntentRequest en-US" in logged
    assert envelopes.LOCAL_USER_ID not in logged
    assert "secret words" not in logged and "TipIntent" not in logged


def test_the_skills_request_lines_reach_lambdas_log_at_info(
    lambda_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Lambda's root logger passes WARNING; the skill's own INFO line must still get out."""
    root = logging.getLogger()
    stream = tmp_path / "log"
    catcher = logging.FileHandler(stream)
    old_level = root.level
    root.addHandler(catcher)
    root.setLevel(logging.WARNING)
    try:
        invoke(envelopes.launch_request())
    finally:
        root.removeHandler(catcher)
        root.setLevel(old_level)
        catcher.close()
    assert "request LaunchRequest en-US" in stream.read_text()
