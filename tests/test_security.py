"""Only Alexa gets in: /alexa with verification on, real certificates, nothing mocked.

The trust root and the certificate chain are made in-process by tests/pki.py and
injected through ``create_app(config)``; the chain is served by a fetcher function
(standing in for Amazon's S3 bucket) or by a loopback server. Everything between the
HTTP request and the skill is the production code path.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import envelopes
from skill.web import certificates
from skill.web.app import create_app
from skill.web.verification import RequestVerifier
from tests.loopback import loopback_server, never_answer
from tests.pki import CERT_URL, RecordingFetcher, TestPKI, alexa_timestamp, make_pki

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_pki()


def make_client(fetcher: Any, pki: TestPKI, **config: Any) -> FlaskClient:
    verifier = RequestVerifier(trust_roots=[pki.root], fetch_chain=fetcher)
    app = create_app(
        {"SKIP_VERIFICATION": False, "VERIFIER": verifier, "SKILL_IDS": SKILL_ID, **config}
    )
    return app.test_client()


@pytest.fixture
def fetcher(pki: TestPKI) -> RecordingFetcher:
    return RecordingFetcher(pki.chain_pem)


@pytest.fixture
def client(fetcher: RecordingFetcher, pki: TestPKI) -> FlaskClient:
    return make_client(fetcher, pki)


def launch_body(**overrides: Any) -> bytes:
    request = envelopes.launch_request(skill_id=SKILL_ID)
    request["request"].update(overrides)
    return json.dumps(request).encode()


def post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/alexa", data=body, headers=headers)


def test_healthz_says_verification_is_on(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json()["verification"] == "on"


def test_a_correctly_signed_request_is_accepted(
    client: FlaskClient, pki: TestPKI, fetcher: RecordingFetcher
) -> None:
    body = launch_body()
    reply = post(client, body, pki.headers(body))
    assert reply.status_code == 200
    assert "Welcome to Closer Together" in reply.get_json()["response"]["outputSpeech"]["ssml"]
    assert fetcher.calls == [CERT_URL]
    post(client, body, pki.headers(body))
    assert fetcher.calls == [CERT_URL], "a validated chain is cached"


def test_an_unsigned_request_is_refused(client: FlaskClient) -> None:
    reply = client.post("/alexa", data=launch_body(), content_type="application/json")
    assert reply.status_code == 400
    assert reply.get_json()["error"].startswith("signature: ")


def test_a_tampered_body_is_refused(client: FlaskClient, pki: TestPKI) -> None:
    body = launch_body()
    headers = pki.headers(body)
    tampered = body.replace(b"LaunchRequest", b"IntentRequest")
    assert post(client, tampered, headers).status_code == 400


def test_a_signature_from_another_key_is_refused(client: FlaskClient, pki: TestPKI) -> None:
    impostor = make_pki(untrusted=True)
    body = launch_body()
    headers = {**pki.headers(body), "Signature-256": impostor.sign(body)}
    reply = post(client, body, headers)
    assert reply.status_code == 400
    assert "signature" in reply.get_json()["error"]


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_refused(client: FlaskClient, pki: TestPKI, missing: str) -> None:
    body = launch_body()
    headers = {k: v for k, v in pki.headers(body).items() if k != missing}
    assert post(client, body, headers).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
    ],
)
def test_bad_certificate_urls_are_refused_without_fetching(
    client: FlaskClient, pki: TestPKI, fetcher: RecordingFetcher, url: str
) -> None:
    body = launch_body()
    reply = post(client, body, pki.headers(body, url=url))
    assert reply.status_code == 400
    assert fetcher.calls == []


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ({"expired": True}, "expired"),
        ({"san": "example.com"}, "echo-api.amazon.com"),
        ({"untrusted": True}, "trusted"),
    ],
)
def test_bad_certificates_are_refused(pki: TestPKI, variant: dict[str, Any], reason: str) -> None:
    bad = make_pki(**variant)
    client = make_client(RecordingFetcher(bad.chain_pem), pki)
    body = launch_body()
    reply = post(client, body, bad.headers(body))
    assert reply.status_code == 400
    assert reason in reply.get_json()["error"]


@pytest.mark.parametrize(
    "offset", [timedelta(seconds=-151), timedelta(seconds=151), timedelta(hours=-2)]
)
def test_stale_or_future_timestamps_are_refused(
    client: FlaskClient, pki: TestPKI, offset: timedelta
) -> None:
    body = launch_body(timestamp=alexa_timestamp(datetime.now(UTC) + offset))
    reply = post(client, body, pki.headers(body))
    assert reply.status_code == 400
    assert reply.get_json()["error"].startswith("timestamp: ")


def test_a_timestamp_within_tolerance_is_accepted(client: FlaskClient, pki: TestPKI) -> None:
    body = launch_body(timestamp=alexa_timestamp(datetime.now(UTC) - timedelta(seconds=140)))
    assert post(client, body, pki.headers(body)).status_code == 200


def test_another_skills_id_is_refused_even_when_signed(client: FlaskClient, pki: TestPKI) -> None:
    body = json.dumps(envelopes.launch_request(skill_id="amzn1.ask.skill.someone-else")).encode()
    reply = post(client, body, pki.headers(body))
    assert reply.status_code == 400
    assert reply.get_json() == {"error": "application id is not this skill's"}


def test_a_chain_fetch_that_hangs_fails_within_the_timeout(pki: TestPKI) -> None:
    with loopback_server(never_answer) as (port, accepted):

        def fetch_from_loopback(url: str) -> bytes:
            # The production download code, pointed at a server that never answers.
            return certificates.download_with_deadline(
                f"http://127.0.0.1:{port}/echo.api/chain.pem", timeout=1.0, max_bytes=64 * 1024
            )

        client = make_client(fetch_from_loopback, pki)
        body = launch_body()
        started = time.monotonic()
        reply = post(client, body, pki.headers(body))
        elapsed = time.monotonic() - started
    assert reply.status_code == 400
    assert accepted, "the fetch really reached the loopback server"
    assert elapsed < 2.0


def test_a_failed_fetch_is_not_cached(pki: TestPKI) -> None:
    fetcher = RecordingFetcher(pki.chain_pem, fail_first=1)
    client = make_client(fetcher, pki)
    body = launch_body()
    assert post(client, body, pki.headers(body)).status_code == 400
    assert post(client, body, pki.headers(body)).status_code == 200
    assert len(fetcher.calls) == 2


def test_nothing_is_logged_from_a_refused_request(
    client: FlaskClient, pki: TestPKI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    request = envelopes.intent_request("TipIntent", {"tip": "something private"}, skill_id=SKILL_ID)
    body = json.dumps(request).encode()
    post(client, body + b" ", pki.headers(body))  # signature no longer matches
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused 400: signature" in logged
    assert "something private" not in logged and envelopes.LOCAL_USER_ID not in logged


# One app for all examples: hypothesis runs a test function many times per fixture.
_PKI = make_pki()
_SIGNED_CLIENT = make_client(RecordingFetcher(_PKI.chain_pem), _PKI)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_signed_garbage_never_gets_a_5xx(body: bytes) -> None:
    """Even a correctly signed body of garbage must be refused with a 4xx, not crash."""
    reply = post(_SIGNED_CLIENT, body, _PKI.headers(body))
    assert 400 <= reply.status_code < 500
    assert set(reply.get_json()) == {"error"}
