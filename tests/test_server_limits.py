"""The server under hostile traffic: many connections, slow clients, oversized bodies.

One real server process (:mod:`tests.signed_server`: `closer serve`'s waitress
settings, verification on with the test PKI) takes the attacks of issue 11 on
loopback, each bounded in count and time. With waitress's defaults, 101 idle
connections took the whole server offline, and a body of any size was read to disk
before it was refused.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator

import pytest

from skill import envelopes
from skill.web.app import MAX_BODY_BYTES
from skill.web.server import IDLE_TIMEOUT
from tests.load import (
    attackers,
    chunked_flood,
    raw_exchange,
    timed_get,
    timed_launch,
    valid_answer,
)
from tests.pki import make_pki
from tests.signed_server import ServerProcess, server_process, write_pki

PKI = make_pki()
SLOW_CLIENTS = 300
IDLE_CLIENTS = 100


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("signed-server")
    write_pki(PKI, folder)
    with server_process(folder, folder / "server.log") as running:
        yield running


def signed_launch() -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelopes.launch_request()).encode()
    return body, PKI.headers(body)


# --- bodies over the limit are refused before they are read -------------------------------


def test_a_declared_length_over_the_limit_gets_413_at_once_without_100_continue(
    server: ServerProcess,
) -> None:
    head = (
        b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n"
    )
    started = time.monotonic()
    answer = raw_exchange(server.port, head)
    assert time.monotonic() - started < 2.0  # answered and closed, not waiting for a body
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert b"100 Continue" not in answer


def test_a_declared_length_within_the_limit_is_still_invited(server: ServerProcess) -> None:
    body, headers = signed_launch()
    head = (
        b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        + b"".join(f"{name}: {value}\r\n".encode() for name, value in headers.items())
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        assert sock.recv(100).startswith(b"HTTP/1.1 200")


def test_a_chunked_body_is_cut_off_at_the_limit(server: ServerProcess) -> None:
    """The server stops reading after 128 KiB; the client cannot send its 8 MiB."""
    sent, answer = chunked_flood(server.port)
    assert sent < 4 * 1024 * 1024, "the server kept reading"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer


def test_a_body_at_the_limit_reaches_the_app(server: ServerProcess) -> None:
    """The app, not waitress, answers a body of exactly 128 KiB: the two limits agree."""
    request = envelopes.launch_request()
    text = json.dumps(request)
    request["padding"] = "x" * (MAX_BODY_BYTES - len(text) - len(', "padding": ""'))
    body = json.dumps(request).encode()
    assert len(body) == MAX_BODY_BYTES
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("POST", "/alexa", body=body, headers=PKI.headers(body))
        reply = connection.getresponse()
        assert reply.status == 200, reply.read()
    finally:
        connection.close()


# --- slow and idle connections cannot take it offline -------------------------------------


def test_with_400_slow_and_idle_connections_open_health_and_launch_answer_within_1_s(
    server: ServerProcess,
) -> None:
    with attackers(server.port, slow=SLOW_CLIENTS, idle=IDLE_CLIENTS) as held:
        assert len(held) == SLOW_CLIENTS + IDLE_CLIENTS
        time.sleep(1.0)  # let the drip run
        for _ in range(3):
            status, elapsed = timed_get(server.port, "/healthz")
            assert status == 200 and elapsed < 1.0, elapsed
            status, elapsed, answer = timed_launch(server.port, PKI)
            assert status == 200 and elapsed < 1.0, elapsed
            assert valid_answer("LaunchRequest", answer)
    # ...and it recovers as soon as they go.
    status, elapsed = timed_get(server.port, "/healthz")
    assert status == 200 and elapsed < 1.0
    assert server.errors_logged() == []


def test_an_idle_connection_is_closed_after_the_idle_timeout(server: ServerProcess) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=IDLE_TIMEOUT + 5)
    try:
        connection.request("GET", "/healthz")  # HTTP/1.1: the connection is kept alive
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 200 and connection.sock is not None
        started = time.monotonic()
        assert connection.sock.recv(4096) == b""  # the server closed it
        waited = time.monotonic() - started
    finally:
        connection.close()
    assert IDLE_TIMEOUT - 1 <= waited <= IDLE_TIMEOUT + 4, waited
