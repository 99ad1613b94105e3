"""The shipped reverse proxy: Caddy from deploy/selfhost/Caddyfile in front of the server.

Caddy runs the shipped file unchanged, with its settings in the environment:
``CLOSER_TLS=internal`` (Caddy's own CA, standing in for Let's Encrypt, which cannot
be reached here) on loopback ports, in front of the production server with the
test PKI (:mod:`tests.signed_server`). The client trusts only Caddy's local root and
checks the name, as Alexa checks a real certificate. Skipped when Caddy is not
installed, unless CLOSER_REQUIRE_CADDY=1 (CI installs it and sets that).

Scaling out, as far as it runs on one machine: two such servers sharing one SQLite
store, both named in ``CLOSER_UPSTREAM``, behind one Caddy. The requests are signed
and verified by each server, as in production; the turns of one conversation are
spread over both (each server's log line ``request <type> <locale>`` counts them),
a new session resumes on either, and a server that stops is left out.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skill import envelopes
from tests.conftest import free_port, unavailable
from tests.load import valid_answer
from tests.pki import make_pki
from tests.signed_server import ServerProcess, server_process, write_pki

CADDYFILE = Path(__file__).resolve().parent.parent / "deploy" / "selfhost" / "Caddyfile"
PKI = make_pki()
READ_HEADER_DEADLINE = 5.0
"""The Caddyfile's ``read_header`` timeout."""


@dataclass
class Proxy:
    """Caddy in front of a server: its HTTPS port and a client context trusting its CA."""

    port: int
    tls: ssl.SSLContext
    server_log: Path | None = None

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("localhost", self.port, timeout=10, context=self.tls)


@pytest.fixture(scope="module")
def caddy() -> str:
    found = shutil.which("caddy")
    if found:
        return found
    unavailable("caddy is not installed (Debian package caddy)", "CADDY")


@pytest.fixture(scope="module")
def proxy(caddy: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("caddy")
    write_pki(PKI, folder)
    with (
        server_process(folder, folder / "server.log") as server,
        running_caddy(caddy, folder, [server.port]) as running,
    ):
        running.server_log = server.log
        yield running


@contextlib.contextmanager
def running_caddy(caddy: str, folder: Path, upstream_ports: list[int]) -> Iterator[Proxy]:
    """Run the shipped Caddyfile unchanged, in front of the servers on ``upstream_ports``."""
    https_port = free_port()
    env = {
        **os.environ,
        "CLOSER_DOMAIN": "localhost",
        "CLOSER_TLS": "internal",
        "CLOSER_UPSTREAM": " ".join(f"127.0.0.1:{port}" for port in upstream_ports),
        "CLOSER_HTTP_PORT": str(free_port()),
        "CLOSER_HTTPS_PORT": str(https_port),
        "CLOSER_CADDY_ADMIN": "off",
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
    }
    with (folder / "caddy.log").open("w") as log:
        process = subprocess.Popen(
            [caddy, "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        root = folder / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        yield Proxy(https_port, _wait_for_tls(process, https_port, root, folder / "caddy.log"))
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_tls(
    process: subprocess.Popen[bytes], port: int, root: Path, log: Path
) -> ssl.SSLContext:
    """Wait until Caddy has made its CA and serves a certificate that chains to it."""
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"caddy did not start: {log.read_text()[-2000:]}")
        if root.exists():
            tls = ssl.create_default_context(cafile=str(root))
            with (
                contextlib.suppress(OSError, ssl.SSLError),
                socket.create_connection(("127.0.0.1", port), timeout=2) as sock,
                tls.wrap_socket(sock, server_hostname="localhost"),
            ):
                return tls
        time.sleep(0.1)


def test_a_signed_request_through_the_proxy_is_answered(proxy: Proxy) -> None:
    body = json.dumps(envelopes.launch_request()).encode()
    connection = proxy.connect()
    try:
        connection.request("POST", "/alexa", body=body, headers=PKI.headers(body))
        reply = connection.getresponse()
        assert reply.status == 200
        assert valid_answer("LaunchRequest", json.loads(reply.read()))
        # The certificate was checked against Caddy's CA and the name "localhost".
        assert connection.sock is not None
        peer = connection.sock.getpeercert()
        assert ("DNS", "localhost") in peer["subjectAltName"]
    finally:
        connection.close()


def test_an_unsigned_request_is_refused_by_the_server_behind(proxy: Proxy) -> None:
    body = json.dumps(envelopes.launch_request()).encode()
    connection = proxy.connect()
    try:
        connection.request(
            "POST", "/alexa", body=body, headers={"Content-Type": "application/json"}
        )
        reply = connection.getresponse()
        assert reply.status == 400
        assert json.loads(reply.read()) == {
            "error": "signature: missing SignatureCertChainUrl header"
        }
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/healthz", 200), ("GET", "/rehearse", 404), ("GET", "/alexa", 404)],
)
def test_only_the_skills_routes_pass_the_proxy(
    proxy: Proxy, method: str, path: str, status: int
) -> None:
    connection = proxy.connect()
    try:
        connection.request(method, path)
        assert connection.getresponse().status == status
    finally:
        connection.close()


@pytest.mark.parametrize("size", [200 * 1024, 128 * 1024 + 1])
def test_an_oversized_body_is_refused_by_the_proxy(proxy: Proxy, size: int) -> None:
    """Refused before it is sent on: the server never sees it (so no race, see the file)."""
    body = b"{" + b" " * (size - 2) + b"}"
    connection = proxy.connect()
    try:
        connection.request(
            "POST", "/alexa", body=body, headers={"Content-Type": "application/json"}
        )
        reply = connection.getresponse()
        assert (reply.status, json.loads(reply.read())) == (
            413,
            {"error": "body is over 128 KiB"},
        )
    finally:
        connection.close()
    assert proxy.server_log is not None
    assert "refused 413" not in proxy.server_log.read_text()


def test_a_body_at_the_limit_reaches_the_server(proxy: Proxy) -> None:
    body = b"{" + b" " * (128 * 1024 - 2) + b"}"
    connection = proxy.connect()
    try:
        connection.request(
            "POST", "/alexa", body=body, headers={"Content-Type": "application/json"}
        )
        reply = connection.getresponse()
        assert reply.status == 400  # unsigned: the server behind refused it
        assert json.loads(reply.read())["error"].startswith("signature: ")
    finally:
        connection.close()


def test_a_client_dripping_its_headers_is_cut_off_at_the_deadline(proxy: Proxy) -> None:
    """What waitress cannot do: each byte resets its idle timer, not Caddy's deadline."""
    with (
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as raw,
        proxy.tls.wrap_socket(raw, server_hostname="localhost") as sock,
    ):
        sock.sendall(b"POST /alexa HTTP/1.1\r\nHost: localhost\r\n")
        sock.settimeout(0.5)
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < READ_HEADER_DEADLINE + 5:
            try:
                sock.sendall(b"X")
                closed = sock.recv(4096) == b""
            except TimeoutError:
                continue
            except (OSError, ssl.SSLError):
                closed = True
        waited = time.monotonic() - started
    assert closed, "the proxy kept the dripping connection"
    assert waited < READ_HEADER_DEADLINE + 3, waited


# --- several servers behind one proxy ------------------------------------------------------

USER = "amzn1.ask.account.scaling-test"
USER_KEY = "scaling-tests-" + "k" * 32
PARTNER = "PartnerPullingAwayIntent"
_REQUEST_LINE = re.compile(r" request (LaunchRequest|IntentRequest) en-US$", re.MULTILINE)


def signed_attempt(proxy: Proxy, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST one signed request through the proxy; return the status and the JSON answer."""
    body = json.dumps(request).encode()
    connection = proxy.connect()
    try:
        connection.request("POST", "/alexa", body=body, headers=PKI.headers(body))
        reply = connection.getresponse()
        text = reply.read()
        return reply.status, (json.loads(text) if reply.status == 200 else {})
    finally:
        connection.close()


def signed_turn(proxy: Proxy, request: dict[str, Any]) -> dict[str, Any]:
    """POST one signed request through the proxy; it must be answered."""
    status, answer = signed_attempt(proxy, request)
    assert status == 200 and valid_answer("IntentRequest", answer), (status, answer)
    return answer


def turns_served(server: ServerProcess) -> int:
    """How many launch and intent requests the server logged (the line every request gets)."""
    return len(_REQUEST_LINE.findall(server.log.read_text(errors="replace")))


@pytest.fixture
def two_servers(caddy: str, tmp_path: Path) -> Iterator[tuple[Proxy, ServerProcess, ServerProcess]]:
    """Two production servers sharing one SQLite store, behind the shipped Caddyfile."""
    write_pki(PKI, tmp_path)
    shared = {"CLOSER_STORE": f"sqlite://{tmp_path / 'memory.db'}", "CLOSER_USER_KEY": USER_KEY}
    with (
        server_process(tmp_path, tmp_path / "a.log", env=shared) as first,
        server_process(tmp_path, tmp_path / "b.log", env=shared) as second,
        running_caddy(caddy, tmp_path, [first.port, second.port]) as proxy,
    ):
        yield proxy, first, second


def test_two_servers_take_turns_and_share_what_is_remembered(
    two_servers: tuple[Proxy, ServerProcess, ServerProcess],
) -> None:
    proxy, first, second = two_servers
    common = {"user_id": USER, "session_id": "amzn1.echo-api.session.scaling"}
    signed_turn(proxy, envelopes.launch_request(**common))
    attributes: dict[str, Any] = {}
    steps = [PARTNER, *["AMAZON.NextIntent"] * 3]
    for intent in steps:
        answer = signed_turn(
            proxy, envelopes.intent_request(intent, attributes=attributes, **common)
        )
        attributes = answer.get("sessionAttributes") or {}
    assert attributes["index"] == len(steps) - 1
    # Round robin: one conversation's five turns were spread over both servers.
    assert (turns_served(first), turns_served(second)) in ((3, 2), (2, 3))

    # A new session resumes where the last stopped, on each server in turn.
    for _ in range(2):
        before = (turns_served(first), turns_served(second))
        welcome = signed_turn(proxy, envelopes.launch_request(user_id=USER))
        assert "Welcome back" in welcome["response"]["outputSpeech"]["ssml"]
        after = (turns_served(first), turns_served(second))
        assert sorted(a - b for a, b in zip(after, before, strict=True)) == [0, 1]
    resumed = signed_turn(
        proxy,
        envelopes.intent_request(
            "AMAZON.YesIntent", attributes=welcome["sessionAttributes"], user_id=USER
        ),
    )
    assert resumed["sessionAttributes"]["index"] == len(steps)
    assert not first.errors_logged() and not second.errors_logged()


def test_a_server_that_stops_is_left_out_and_the_conversation_goes_on(
    two_servers: tuple[Proxy, ServerProcess, ServerProcess],
) -> None:
    """Passive health checks: after the one request that finds it stopped, it gets none.

    Caddy 2.6 cannot resend that request to the other server (the Caddyfile says why),
    so it may fail; a person would say it again, and it is sent again here.
    """
    proxy, first, second = two_servers
    common = {"user_id": USER, "session_id": "amzn1.echo-api.session.failover"}
    answer = signed_turn(proxy, envelopes.intent_request(PARTNER, **common))
    os.kill(first.pid, signal.SIGTERM)
    _wait_until_closed(first.port)
    served = turns_served(second)
    statuses = []
    while len([s for s in statuses if s == 200]) < 4:
        status, reply = signed_attempt(
            proxy,
            envelopes.intent_request(
                "AMAZON.NextIntent", attributes=answer["sessionAttributes"], **common
            ),
        )
        statuses.append(status)
        answer = reply if status == 200 else answer
        assert len(statuses) <= 5, statuses
    assert statuses in ([200] * 4, [502] + [200] * 4, [200, 502] + [200] * 3), statuses
    assert answer["sessionAttributes"]["index"] == 4
    assert turns_served(second) == served + 4


def _wait_until_closed(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return
        time.sleep(0.05)
    raise AssertionError(f"the server on port {port} did not stop")
