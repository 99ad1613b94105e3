"""The shipped reverse proxy: Caddy from deploy/selfhost/Caddyfile in front of the server.

Caddy runs the shipped file unchanged, with its settings in the environment:
``CLOSER_TLS=internal`` (Caddy's own CA, standing in for Let's Encrypt, which cannot
be reached here) on loopback ports, in front of the production server with the
test PKI (:mod:`tests.signed_server`). The client trusts only Caddy's local root and
checks the name, as Alexa checks a real certificate. Skipped when Caddy is not
installed, unless CLOSER_REQUIRE_CADDY=1 (CI installs it and sets that).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from skill import envelopes
from tests.conftest import free_port, unavailable
from tests.load import valid_answer
from tests.pki import make_pki
from tests.signed_server import server_process, write_pki

CADDYFILE = Path(__file__).resolve().parent.parent / "deploy" / "selfhost" / "Caddyfile"
PKI = make_pki()
READ_HEADER_DEADLINE = 5.0
"""The Caddyfile's ``read_header`` timeout."""


@dataclass
class Proxy:
    """Caddy in front of a server: its HTTPS port and a client context trusting its CA."""

    port: int
    tls: ssl.SSLContext

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
    with server_process(folder, folder / "server.log") as server:
        https_port = free_port()
        env = {
            **os.environ,
            "CLOSER_DOMAIN": "localhost",
            "CLOSER_TLS": "internal",
            "CLOSER_UPSTREAM": f"127.0.0.1:{server.port}",
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


def test_an_oversized_body_is_refused_through_the_proxy(proxy: Proxy) -> None:
    body = b"{" + b" " * (200 * 1024) + b"}"
    connection = proxy.connect()
    try:
        connection.request(
            "POST", "/alexa", body=body, headers={"Content-Type": "application/json"}
        )
        assert connection.getresponse().status == 413
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
