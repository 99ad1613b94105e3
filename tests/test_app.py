"""The web layer: health, methods, sizes and shapes, and no 500 for anything."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from skill import __version__, envelopes
from skill.web.app import MAX_BODY_BYTES


def test_healthz_reports_version_and_verification(client: FlaskClient) -> None:
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json() == {"status": "ok", "version": __version__, "verification": "off"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_json(client: FlaskClient, method: str) -> None:
    reply = client.open("/alexa", method=method)
    assert reply.status_code == 405
    assert reply.get_json() == {"error": "method not allowed"}


def test_unknown_path_is_404_json(client: FlaskClient) -> None:
    reply = client.get("/nowhere")
    assert reply.status_code == 404
    assert reply.get_json() == {"error": "not found"}


def test_an_oversized_body_gets_413(client: FlaskClient) -> None:
    reply = client.post(
        "/alexa", data=b"{" + b" " * MAX_BODY_BYTES + b"}", content_type="application/json"
    )
    assert reply.status_code == 413
    assert reply.get_json() == {"error": "body is over 128 KiB"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"\xff\xfe", "body is not UTF-8"),
        (b"not json", "body is not JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b"{}", "version must be a string"),
        (json.dumps({"version": "1.0"}).encode(), "request must be an object"),
        (
            json.dumps({"version": "1.0", "request": {"type": 3}}).encode(),
            "request.type must be a string",
        ),
        (
            json.dumps(
                {
                    "version": "1.0",
                    "request": {
                        "type": "IntentRequest",
                        "requestId": "r",
                        "timestamp": "t",
                        "intent": "x",
                    },
                }
            ).encode(),
            "request.intent.name must be a string",
        ),
    ],
)
def test_malformed_bodies_get_400_with_a_reason(
    client: FlaskClient, body: bytes, error: str
) -> None:
    reply = client.post("/alexa", data=body, content_type="application/json")
    assert reply.status_code == 400
    assert reply.get_json() == {"error": error}


def test_a_field_the_sdk_cannot_read_gets_400(client: FlaskClient) -> None:
    request = envelopes.launch_request()
    request["request"]["timestamp"] = "yesterday"
    reply = client.post("/alexa", json=request)
    assert reply.status_code == 400
    assert reply.get_json() == {"error": "request does not match Alexa's format"}


@pytest.mark.crash_expected
def test_a_failure_inside_the_sdk_still_gets_a_spoken_answer(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("the SDK itself failed")

    monkeypatch.setattr(app.extensions["closer"]["skill"], "invoke", broken)
    reply = client.post("/alexa", json=envelopes.launch_request())
    assert reply.status_code == 200
    body = reply.get_json()
    assert "Sorry, something went wrong" in body["response"]["outputSpeech"]["ssml"]
    assert body["response"]["shouldEndSession"] is False


def test_logs_name_no_user_and_nothing_said(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    request = envelopes.intent_request("TipIntent", {"tip": "my husband hit me secret words"})
    client.post("/alexa", json=request)
    client.post("/alexa", data=b"not json", content_type="application/json")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "request IntentRequest en-US" in logged
    assert "TipIntent" not in logged  # no intent names: a safety request must not stand out
    assert envelopes.LOCAL_USER_ID not in logged
    assert "secret words" not in logged


def test_an_oversized_body_without_a_declared_length_gets_413(app: Flask) -> None:
    environ = EnvironBuilder(
        method="POST",
        path="/alexa",
        input_stream=io.BytesIO(b"x" * (MAX_BODY_BYTES + 10)),
        content_type="application/json",
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True  # as a server does for a chunked body
    body, status, _ = run_wsgi_app(app, environ)
    assert status.startswith("413")
    assert json.loads(b"".join(body)) == {"error": "body is over 128 KiB"}
