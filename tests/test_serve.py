"""`closer serve` as deployed: verification on, no network, every bad request a quick 4xx.

The server is the real waitress process with its default verifier (certifi roots,
the real HTTPS fetcher). There is no network here, so a request whose certificate
URL is well-formed makes the server try Amazon's bucket and fail: it must still
answer within 5 seconds, and keep answering afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from skill import envelopes
from tests.conftest import health, running_server
from tests.pki import alexa_timestamp, make_pki


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"CLOSER_SKIP_VERIFICATION": "", "CLOSER_SKILL_ID": ""}
    with running_server(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def send(base: str, method: str, body: bytes, headers: dict[str, str]) -> tuple[int, float, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    started = time.monotonic()
    try:
        connection.request(method, "/alexa", body=body, headers=headers)
        reply = connection.getresponse()
        return reply.status, time.monotonic() - started, reply.read()
    finally:
        connection.close()


PKI = make_pki()
LAUNCH = json.dumps(envelopes.launch_request()).encode()
STALE = envelopes.launch_request()
STALE["request"]["timestamp"] = alexa_timestamp(datetime.now(UTC) - timedelta(minutes=10))
STALE_BODY = json.dumps(STALE).encode()

CASES = {
    "unsigned": ("POST", LAUNCH, {"Content-Type": "application/json"}),
    "forged signature": ("POST", LAUNCH, {**PKI.headers(LAUNCH), "Signature-256": "AAAA"}),
    "signed by a chain it cannot fetch": ("POST", LAUNCH, PKI.headers(LAUNCH)),
    "bad cert URL": (
        "POST",
        LAUNCH,
        PKI.headers(LAUNCH, url="https://evil.example/echo.api/c.pem"),
    ),
    "stale timestamp": ("POST", STALE_BODY, PKI.headers(STALE_BODY)),
    "garbage body": ("POST", b"\x00\xffnot json", {"Content-Type": "application/json"}),
    "oversized body": ("POST", b"x" * (200 * 1024), {"Content-Type": "application/json"}),
    "wrong method": ("GET", b"", {}),
    "wrong method with body": ("PUT", LAUNCH, {"Content-Type": "application/json"}),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_requests_get_a_4xx_within_5_seconds(base: str, case: str) -> None:
    method, body, headers = CASES[case]
    status, elapsed, payload = send(base, method, body, headers)
    assert 400 <= status < 500, payload
    if case == "oversized body":  # refused by the server itself, before the app reads it
        assert status == 413
    else:
        assert set(json.loads(payload)) == {"error"}
    assert elapsed < 5.0
    assert health(base)["status"] == "ok"


def test_healthz_reports_verification_on(base: str) -> None:
    assert health(base)["verification"] == "on"


def serve_and_fail(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `closer serve` (verification on, so no warning is printed) that must not start."""
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve", *args],
        env={**os.environ, "CLOSER_SKIP_VERIFICATION": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_port_in_use_is_one_clear_line() -> None:
    """In a process of its own: waitress leaves its half-made server to the collector."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve_and_fail("--port", str(port))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"closer serve: cannot listen on 127.0.0.1:{port}: Address already in use"
    )  # and nothing else: not "listening" first, no traceback


@pytest.mark.parametrize("bad", [["--port", "99999"], ["--port", "http"], ["--threads", "0"]])
def test_a_bad_serve_option_is_refused_before_anything_starts(bad: list[str]) -> None:
    from skill.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", *bad])
    assert exited.value.code == 2


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("no-such-host.invalid", "not an address, nor a host name that resolves"),
        ("192.0.2.1", "Cannot assign requested address"),  # TEST-NET-1: on no machine
    ],
)
def test_a_host_it_cannot_listen_on_is_one_clear_line(host: str, reason: str) -> None:
    result = serve_and_fail("--host", host, "--port", "8000")
    assert result.returncode == 2
    assert result.stderr.strip() == f"closer serve: cannot listen on {host}:8000: {reason}"


def test_port_0_prints_the_port_really_bound_and_serves_there(tmp_path: Path) -> None:

    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "serve", "--port", "0"],
            env={**os.environ, "CLOSER_SKIP_VERIFICATION": "1"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not (
            found := re.search(r"listening on http://127\.0\.0\.1:(\d+)/alexa", log.read_text())
        ):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        port = int(found.group(1))
        assert port != 0
        assert health(f"http://127.0.0.1:{port}")["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=10)
