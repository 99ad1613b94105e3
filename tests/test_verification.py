"""Tests for skill.web.verification: real keys, real path validation, real loopback sockets.

Nothing in the verification path is mocked.  The only stand-ins are the chain fetcher
(``RecordingFetcher`` serves a PEM from tests/pki.py and records what was asked for) and
the clock.  The default HTTPS fetcher is exercised against servers on 127.0.0.1 through
``certificates.download_with_deadline``, the seam below the URL check.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

from skill.web import certificates, verification
from skill.web.certificates import fetch_chain_over_https, validate_cert_url
from skill.web.verification import (
    SKILL_EVENT_TOLERANCE,
    TIMESTAMP_TOLERANCE,
    RequestVerifier,
    VerificationError,
)
from tests.loopback import drip, loopback_server, never_answer, respond
from tests.pki import CERT_URL, RecordingFetcher, TestPKI, alexa_timestamp, make_pki

BODY = json.dumps(
    {
        "version": "1.0",
        "session": {"sessionId": "amzn1.echo-api.session.test", "new": True},
        "request": {
            "type": "IntentRequest",
            "requestId": "amzn1.echo-api.request.test",
            "timestamp": "2026-11-25T17:43:13Z",
            "locale": "en-US",
            "intent": {"name": "PullingAwayIntent"},
        },
    },
    separators=(",", ":"),
).encode()


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return make_pki()


@pytest.fixture(scope="session")
def impostor() -> TestPKI:
    """Make a chain with the trusted root's name but other keys; its key is "another key"."""
    return make_pki(untrusted=True)


def build_verifier(
    trusted: TestPKI,
    served: TestPKI | bytes | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    cache_size: int = 16,
    fail_first: int = 0,
) -> tuple[RequestVerifier, RecordingFetcher]:
    """Trust ``trusted.root`` only; serve ``served``'s chain (default: the trusted one)."""
    if served is None:
        served = trusted
    chain_pem = served if isinstance(served, bytes) else served.chain_pem
    fetcher = RecordingFetcher(chain_pem, fail_first=fail_first)
    verifier = RequestVerifier(
        trust_roots=[trusted.root], fetch_chain=fetcher, clock=clock, cache_size=cache_size
    )
    return verifier, fetcher


def refused(match: str) -> contextlib.AbstractContextManager[object]:
    """Expect a VerificationError whose reason matches ``match``."""
    return pytest.raises(VerificationError, match=match)


# --- signature ------------------------------------------------------------------------


def test_a_request_signed_by_alexa_is_accepted(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki)
    verifier.verify_signature(pki.headers(BODY), BODY)
    assert fetcher.calls == [CERT_URL]


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda h: {k.lower(): v for k, v in h.items()}, id="lowercase-dict"),
        pytest.param(lambda h: {k.upper(): v for k, v in h.items()}, id="uppercase-dict"),
        pytest.param(Headers, id="werkzeug-headers"),
    ],
)
def test_headers_are_matched_case_insensitively(pki: TestPKI, shape: Callable) -> None:
    verifier, _ = build_verifier(pki)
    verifier.verify_signature(shape(pki.headers(BODY)), BODY)


def test_a_tampered_body_is_refused(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki)
    tampered = BODY.replace(b"PullingAwayIntent", b"AMAZON.StopIntent")
    with refused("signature does not match the body"):
        verifier.verify_signature(pki.headers(BODY), tampered)


def test_a_signature_by_another_key_is_refused(pki: TestPKI, impostor: TestPKI) -> None:
    verifier, _ = build_verifier(pki)
    headers = pki.headers(BODY) | {"Signature-256": impostor.sign(BODY)}
    with refused("signature does not match the body"):
        verifier.verify_signature(headers, BODY)


def test_a_reencoded_body_is_refused(pki: TestPKI) -> None:
    """The signature covers the raw bytes: the same JSON re-serialised does not verify."""
    verifier, _ = build_verifier(pki)
    reencoded = json.dumps(json.loads(BODY), indent=1).encode()
    with refused("signature does not match the body"):
        verifier.verify_signature(pki.headers(BODY), reencoded)


@pytest.mark.parametrize("signature", ["not base64!", "QUJ", "QUJDRA", "QU JD", "", "   "])
def test_a_signature_that_is_not_base64_is_refused(pki: TestPKI, signature: str) -> None:
    verifier, fetcher = build_verifier(pki)
    headers = pki.headers(BODY) | {"Signature-256": signature}
    with refused("Signature-256"):
        verifier.verify_signature(headers, BODY)
    assert fetcher.calls == []


def test_a_truncated_signature_is_refused(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki)
    short = base64.b64encode(base64.b64decode(pki.sign(BODY))[:-8]).decode()
    with refused("signature does not match the body"):
        verifier.verify_signature(pki.headers(BODY) | {"Signature-256": short}, BODY)


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_a_missing_header_is_refused(pki: TestPKI, missing: str) -> None:
    verifier, fetcher = build_verifier(pki)
    headers = {k: v for k, v in pki.headers(BODY).items() if k != missing}
    with refused(f"missing {missing} header"):
        verifier.verify_signature(headers, BODY)
    assert fetcher.calls == []


def test_the_old_sha1_signature_header_alone_is_not_enough(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki)
    headers = {k: v for k, v in pki.headers(BODY).items() if k != "Signature-256"}
    headers["Signature"] = pki.sign(BODY)
    with refused("missing Signature-256 header"):
        verifier.verify_signature(headers, BODY)


def test_conflicting_duplicate_headers_are_refused(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki)
    headers = pki.headers(BODY) | {"signature-256": base64.b64encode(b"x" * 256).decode()}
    with refused("conflicting Signature-256 headers"):
        verifier.verify_signature(headers, BODY)


def test_a_body_that_is_not_bytes_is_refused_not_crashed(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki)
    with refused("body must be bytes"):
        verifier.verify_signature(pki.headers(BODY), BODY.decode())  # type: ignore[arg-type]


def test_an_unexpected_error_is_reported_as_a_verification_error(pki: TestPKI) -> None:
    def broken_clock() -> datetime:
        raise RuntimeError("clock exploded")

    verifier, _ = build_verifier(pki, clock=broken_clock)
    with refused(r"signature check failed \(RuntimeError\)"):
        verifier.verify_signature(pki.headers(BODY), BODY)


# --- certificate URL ------------------------------------------------------------------

REFUSED_URLS = {
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem": "scheme must be https",
    "https://notamazon.com/echo.api/echo-api-cert.pem": "host must be s3.amazonaws.com",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem": "host must be",
    "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem": "host must be",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem": "path must start with /echo.api/",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem": "port must be 443",
    "https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem": "malformed",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem": "path must start with",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api.pem": "path must start with",
    "https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/echo-api.pem": "path must start",
    "https://s3.amazonaws.com/echo.api": "path must start with",
    "https://user:pw@s3.amazonaws.com/echo.api/echo-api-cert.pem": "credentials",
    "s3.amazonaws.com/echo.api/echo-api-cert.pem": "scheme must be https",
    "/echo.api/echo-api-cert.pem": "scheme must be https",
    # Each fresh query would be a fresh download that pushes the real chain out of the cache.
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1": "query or fragment",
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?": "query or fragment",
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#part": "query or fragment",
}

ACCEPTED_URLS = {
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem": (
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    ),
    "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem": (
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    ),
    "https://S3.AMAZONAWS.COM:443/echo.api/echo-api-cert.pem": (
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    ),
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api.pem": (
        "https://s3.amazonaws.com/echo.api/echo-api.pem"
    ),
    "https://s3.amazonaws.com/echo.api/./Echo-Api-Cert.pem": (
        "https://s3.amazonaws.com/echo.api/Echo-Api-Cert.pem"
    ),
}


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS.items())
def test_a_foreign_cert_url_is_refused_without_fetching(
    pki: TestPKI, url: str, reason: str
) -> None:
    with refused(reason):
        validate_cert_url(url)
    verifier, fetcher = build_verifier(pki)
    with refused(reason):
        verifier.verify_signature(pki.headers(BODY, url=url), BODY)
    assert fetcher.calls == []


@pytest.mark.parametrize(("url", "fetched"), ACCEPTED_URLS.items())
def test_an_amazon_cert_url_is_accepted_and_fetched_normalised(
    pki: TestPKI, url: str, fetched: str
) -> None:
    validate_cert_url(url)
    verifier, fetcher = build_verifier(pki)
    verifier.verify_signature(pki.headers(BODY, url=url), BODY)
    assert fetcher.calls == [fetched]


@given(st.text(max_size=60))
def test_any_path_either_stays_in_the_bucket_or_is_refused(suffix: str) -> None:
    url = "https://s3.amazonaws.com/echo.api/" + suffix
    try:
        fetched = certificates.normalise_cert_url(url)
    except VerificationError:
        return
    assert fetched.startswith("https://s3.amazonaws.com/echo.api/")
    assert "/../" not in fetched


# --- certificate chain ----------------------------------------------------------------


def test_an_expired_signing_cert_is_refused(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki, make_pki(expired=True))
    with refused("signing certificate is expired"):
        verifier.verify_signature(make_pki(expired=True).headers(BODY), BODY)


def test_a_signing_cert_used_before_its_validity_is_refused(pki: TestPKI) -> None:
    too_early = pki.signing_cert.not_valid_before_utc - timedelta(seconds=1)
    verifier, _ = build_verifier(pki, clock=lambda: too_early)
    with refused("expired or not yet valid"):
        verifier.verify_signature(pki.headers(BODY), BODY)


@pytest.mark.parametrize("san", ["www.example.com", "echo-api.amazon.com.evil.example", None])
def test_a_cert_not_issued_to_echo_api_is_refused(pki: TestPKI, san: str | None) -> None:
    wrong_name = make_pki(san=san)
    verifier, _ = build_verifier(pki, wrong_name)
    with refused("not issued to echo-api.amazon.com"):
        verifier.verify_signature(wrong_name.headers(BODY), BODY)


def test_a_signing_cert_with_a_weak_rsa_key_is_refused_and_not_cached(pki: TestPKI) -> None:
    weak = make_pki(key_bits=1024)
    assert weak.root == pki.root  # the chain is otherwise valid: only the key is small
    verifier, fetcher = build_verifier(pki, weak)
    for _ in range(2):
        with refused("not RSA of 2048"):
            verifier.verify_signature(weak.headers(BODY), BODY)
    assert len(fetcher.calls) == 2


def test_a_chain_from_an_untrusted_root_is_refused(pki: TestPKI, impostor: TestPKI) -> None:
    assert impostor.root.subject == pki.root.subject  # same names, other keys
    verifier, _ = build_verifier(pki, impostor)
    with refused("failed validation against the trusted roots"):
        verifier.verify_signature(impostor.headers(BODY), BODY)


def test_a_signing_cert_without_its_intermediate_is_refused(pki: TestPKI) -> None:
    leaf_only = pki.signing_cert.public_bytes(serialization.Encoding.PEM)
    verifier, _ = build_verifier(pki, leaf_only)
    with refused("trusted root"):
        verifier.verify_signature(pki.headers(BODY), BODY)


@pytest.mark.parametrize("chain", [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\n"])
def test_a_chain_that_is_not_pem_is_refused(pki: TestPKI, chain: bytes) -> None:
    verifier, _ = build_verifier(pki, chain)
    with refused("not a PEM certificate list"):
        verifier.verify_signature(pki.headers(BODY), BODY)


def test_the_default_trust_roots_are_certifis_and_refuse_the_test_root(pki: TestPKI) -> None:
    roots = verification.certifi_roots()
    names = {root.subject.rfc4514_string() for root in roots}
    assert "CN=Amazon Root CA 1,O=Amazon,C=US" in names
    verifier = RequestVerifier(fetch_chain=RecordingFetcher(pki.chain_pem))
    with refused("trusted root"):
        verifier.verify_signature(pki.headers(BODY), BODY)


def test_an_empty_trust_store_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="trust_roots"):
        RequestVerifier(trust_roots=[])


# --- cache ----------------------------------------------------------------------------


def test_a_validated_chain_is_not_fetched_again(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki)
    for _ in range(3):
        verifier.verify_signature(pki.headers(BODY), BODY)
    assert fetcher.calls == [CERT_URL]


def test_urls_that_normalise_alike_share_a_cache_entry(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki)
    verifier.verify_signature(pki.headers(BODY), BODY)
    dotted = CERT_URL.replace("/echo.api/", "/echo.api/../echo.api/")
    verifier.verify_signature(pki.headers(BODY, url=dotted), BODY)
    assert fetcher.calls == [CERT_URL]


def test_a_failed_fetch_is_not_cached(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki, fail_first=1)
    with refused(r"could not fetch the certificate chain \(OSError\)"):
        verifier.verify_signature(pki.headers(BODY), BODY)
    verifier.verify_signature(pki.headers(BODY), BODY)
    assert fetcher.calls == [CERT_URL, CERT_URL]


def test_a_failed_validation_is_not_cached(pki: TestPKI, impostor: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki, impostor)
    for _ in range(2):
        with refused("trusted root"):
            verifier.verify_signature(impostor.headers(BODY), BODY)
    fetcher.chain_pem = pki.chain_pem  # Amazon fixes its bucket
    verifier.verify_signature(pki.headers(BODY), BODY)
    assert len(fetcher.calls) == 3


def test_a_cached_cert_is_rechecked_against_the_clock(pki: TestPKI) -> None:
    now = [datetime.now(UTC)]
    verifier, fetcher = build_verifier(pki, clock=lambda: now[0])
    verifier.verify_signature(pki.headers(BODY), BODY)
    now[0] = pki.signing_cert.not_valid_after_utc + timedelta(seconds=1)
    with refused("expired"):
        verifier.verify_signature(pki.headers(BODY), BODY)
    assert len(fetcher.calls) == 2  # the stale entry was dropped and the chain re-checked


def test_the_cache_is_bounded_and_least_recently_used_goes_first(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki, cache_size=2)
    a, b, c = (CERT_URL.replace("test", name) for name in "abc")
    for url in (a, b, a, c, a, b):
        verifier.verify_signature(pki.headers(BODY, url=url), BODY)
    # a, b fetched; a hit; c evicts b (least recent); a hit; b evicts c.
    assert fetcher.calls == [a, b, c, b]


def test_a_zero_cache_size_fetches_every_time(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki, cache_size=0)
    for _ in range(2):
        verifier.verify_signature(pki.headers(BODY), BODY)
    assert len(fetcher.calls) == 2


def test_concurrent_requests_share_one_verifier(pki: TestPKI) -> None:
    verifier, fetcher = build_verifier(pki)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        try:
            for _ in range(10):
                verifier.verify_signature(pki.headers(BODY), BODY)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert 1 <= len(fetcher.calls) <= 8


# --- timestamp ------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 17, 43, 13, tzinfo=UTC)


def envelope(timestamp: object, request_type: str = "IntentRequest") -> dict:
    return {"version": "1.0", "request": {"type": request_type, "timestamp": timestamp}}


@pytest.fixture
def clocked(pki: TestPKI) -> RequestVerifier:
    return build_verifier(pki, clock=lambda: NOW)[0]


@pytest.mark.parametrize("offset", [0, 149, -149, 150, -150])
def test_a_fresh_timestamp_is_accepted(clocked: RequestVerifier, offset: int) -> None:
    clocked.verify_timestamp(envelope(alexa_timestamp(NOW + timedelta(seconds=offset))))


@pytest.mark.parametrize("offset", [151, -151, 3600, -86400])
def test_a_stale_or_future_timestamp_is_refused(clocked: RequestVerifier, offset: int) -> None:
    with refused("more than 150 s from now"):
        clocked.verify_timestamp(envelope(alexa_timestamp(NOW + timedelta(seconds=offset))))


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-25T17:43:13Z",
        "2026-11-25T17:43:13.123Z",
        "2026-11-25T17:43:13.123456+00:00",
        "2026-11-25T18:43:13+01:00",
        "2026-11-25T12:43:13-05:00",
        "2026-11-25T17:43:13",
    ],
)
def test_iso_8601_variants_are_understood(clocked: RequestVerifier, stamp: str) -> None:
    clocked.verify_timestamp(envelope(stamp))


def test_an_offset_is_applied_not_ignored(clocked: RequestVerifier) -> None:
    with refused("more than 150 s"):
        clocked.verify_timestamp(envelope("2026-11-25T17:43:13+01:00"))


@pytest.mark.parametrize("minutes", [59, -59, 60])
def test_a_skill_event_may_be_up_to_an_hour_old(clocked: RequestVerifier, minutes: int) -> None:
    stamp = alexa_timestamp(NOW - timedelta(minutes=minutes))
    clocked.verify_timestamp(envelope(stamp, "AlexaSkillEvent.SkillEnabled"))


@pytest.mark.parametrize("seconds", [3601, -3601])
def test_a_skill_event_older_than_an_hour_is_refused(
    clocked: RequestVerifier, seconds: int
) -> None:
    stamp = alexa_timestamp(NOW - timedelta(seconds=seconds))
    with refused("more than 1 h from now"):
        clocked.verify_timestamp(envelope(stamp, "AlexaSkillEvent.SkillPermissionChanged"))


def test_only_skill_events_get_the_long_tolerance(clocked: RequestVerifier) -> None:
    stamp = alexa_timestamp(NOW - timedelta(minutes=10))
    with refused("150 s"):
        clocked.verify_timestamp(envelope(stamp, "SkillEventIntentRequest"))


def test_the_tolerances_are_amazons() -> None:
    assert timedelta(seconds=150) == TIMESTAMP_TOLERANCE
    assert timedelta(hours=1) == SKILL_EVENT_TOLERANCE


@pytest.mark.parametrize(
    "bad_envelope",
    [
        pytest.param({}, id="no-request"),
        pytest.param({"request": None}, id="request-null"),
        pytest.param({"request": "IntentRequest"}, id="request-string"),
        pytest.param({"request": {"type": "IntentRequest"}}, id="no-timestamp"),
        pytest.param(envelope(None), id="timestamp-null"),
        pytest.param(envelope(1764092593), id="timestamp-int"),
        pytest.param(envelope(""), id="timestamp-empty"),
        pytest.param(envelope("yesterday"), id="timestamp-words"),
        pytest.param(envelope("2026-13-45T99:00:00Z"), id="timestamp-impossible"),
        pytest.param(envelope("2026-11-25T17:43:13Z" + " " * 100), id="timestamp-long"),
        pytest.param([], id="envelope-list"),
        pytest.param(None, id="envelope-null"),
    ],
)
def test_a_malformed_timestamp_is_refused(clocked: RequestVerifier, bad_envelope: object) -> None:
    with pytest.raises(VerificationError):
        clocked.verify_timestamp(bad_envelope)  # type: ignore[arg-type]


def test_a_naive_clock_is_read_as_utc(pki: TestPKI) -> None:
    verifier, _ = build_verifier(pki, clock=lambda: NOW.replace(tzinfo=None))
    verifier.verify_timestamp(envelope(alexa_timestamp(NOW)))


# --- the default fetcher, against loopback servers ------------------------------------


def download(port: int, *, timeout: float = 2.0, max_bytes: int = 64 * 1024, **kw) -> bytes:
    url = f"{kw.pop('scheme', 'http')}://{kw.pop('host', '127.0.0.1')}:{port}/echo.api/c.pem"
    return certificates.download_with_deadline(url, timeout=timeout, max_bytes=max_bytes, **kw)


def test_the_default_fetcher_downloads_a_chain(pki: TestPKI) -> None:
    with loopback_server(respond(pki.chain_pem)) as (port, _):
        assert download(port) == pki.chain_pem


def test_a_chain_fetched_over_the_wire_verifies(pki: TestPKI) -> None:
    with loopback_server(respond(pki.chain_pem)) as (port, accepted):
        verifier = RequestVerifier(trust_roots=[pki.root], fetch_chain=lambda url: download(port))
        verifier.verify_signature(pki.headers(BODY), BODY)
        verifier.verify_signature(pki.headers(BODY), BODY)
    assert len(accepted) == 1


def test_a_response_without_content_length_is_read_to_the_end(pki: TestPKI) -> None:
    with loopback_server(respond(pki.chain_pem, length=False)) as (port, _):
        assert download(port) == pki.chain_pem


def test_an_http_error_status_is_refused() -> None:
    with loopback_server(respond(b"nope", status="404 Not Found")) as (port, _), refused("404"):
        download(port)


def test_a_refused_connection_is_a_verification_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with refused(r"download failed \(ConnectionRefusedError\)"):
        download(port)


def test_a_server_that_never_answers_times_out_on_time() -> None:
    with loopback_server(never_answer) as (port, _):
        started = time.monotonic()
        with refused("took longer than 1 s"):
            download(port, timeout=1.0)
        assert time.monotonic() - started < 2.0


def test_a_dripping_server_is_cut_off_at_the_overall_deadline() -> None:
    with loopback_server(drip) as (port, _):
        started = time.monotonic()
        with refused("took longer than 1.5 s"):
            download(port, timeout=1.5)
        assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("length", [True, False], ids=["declared", "undeclared"])
def test_an_oversized_chain_is_refused(length: bool) -> None:
    server = loopback_server(respond(b"A" * 5000, length=length))
    with server as (port, _), refused("larger than 4096 bytes"):
        download(port, max_bytes=4096)


def test_a_chain_of_exactly_the_limit_is_accepted() -> None:
    with loopback_server(respond(b"A" * 4096)) as (port, _):
        assert len(download(port, max_bytes=4096)) == 4096


def test_the_public_fetcher_refuses_a_foreign_url_without_connecting() -> None:
    with loopback_server(respond(b"")) as (port, accepted):
        for url in (
            f"http://127.0.0.1:{port}/echo.api/c.pem",
            f"https://127.0.0.1:{port}/echo.api/c.pem",
            f"https://s3.amazonaws.com:{port}/echo.api/c.pem",
        ):
            with pytest.raises(VerificationError):
                fetch_chain_over_https(url)
    assert accepted == []


# --- the TLS branch of the fetcher ----------------------------------------------------


@pytest.fixture(scope="module")
def localhost_tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Make a server context for localhost and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        with open(f"{folder}/cert.pem", "w") as fh:
            fh.write(cert_pem)
        with open(f"{folder}/key.pem", "w") as fh:
            fh.write(key_pem)
        server.load_cert_chain(f"{folder}/cert.pem", f"{folder}/key.pem")
    client = ssl.create_default_context(cadata=cert_pem)
    return server, client


def test_the_fetcher_speaks_verified_tls(pki: TestPKI, localhost_tls) -> None:
    server, client = localhost_tls
    with loopback_server(respond(pki.chain_pem), tls=server) as (port, _):
        assert download(port, scheme="https", host="localhost", tls=client) == pki.chain_pem


def test_the_fetcher_refuses_a_server_it_does_not_trust(pki: TestPKI, localhost_tls) -> None:
    server, _ = localhost_tls
    untrusting = ssl.create_default_context()  # the system roots, not the test cert
    with (
        loopback_server(respond(pki.chain_pem), tls=server) as (port, _),
        refused("SSLCertVerificationError"),
    ):
        download(port, scheme="https", host="localhost", tls=untrusting)


def test_a_stalled_tls_handshake_times_out_on_time(localhost_tls) -> None:
    _, client = localhost_tls
    with loopback_server(never_answer) as (port, _):
        started = time.monotonic()
        with refused("took longer than 1 s"):
            download(port, timeout=1.0, scheme="https", host="localhost", tls=client)
        assert time.monotonic() - started < 2.0
