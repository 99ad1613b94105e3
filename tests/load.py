"""Load and attack clients for a running server, shared by the load test and tests/soak.py.

Everything here talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from skill import envelopes
from tests.pki import TestPKI

CONVERSATION: tuple[str, ...] = (
    "LaunchRequest",
    "PartnerPullingAwayIntent",
    "AMAZON.NextIntent",
    "AMAZON.YesIntent",
    "AMAZON.MoreIntent",
    "AMAZON.HelpIntent",
    "TipIntent",
    "CrisisIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.StopIntent",
    "SessionEndedRequest",
)
"""One session, as a person might have it: a topic, steps, help, a tip, safety, stop."""


@dataclass
class LoadResult:
    """What a load run saw: answers by status, answers that were not valid, latencies."""

    statuses: Counter[int] = field(default_factory=Counter)
    invalid: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def turns(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> str:
        """One line: turns, rate, statuses, and latency percentiles in milliseconds."""
        ms = sorted(1000 * each for each in self.latencies) or [0.0]
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        return (
            f"{self.turns} turns in {self.seconds:.1f} s ({self.turns / max(self.seconds, 1e-9):.0f}/s),"
            f" statuses {dict(self.statuses)}, invalid {len(self.invalid)},"
            f" latency p50 {statistics.median(ms):.1f} ms p95 {p95:.1f} ms max {ms[-1]:.1f} ms"
        )


def request_for(step: str, attributes: dict[str, Any], session_id: str) -> dict[str, Any]:
    """The envelope Alexa would send for one step of :data:`CONVERSATION`."""
    common: dict[str, Any] = {"attributes": attributes, "session_id": session_id}
    if step == "LaunchRequest":
        return envelopes.launch_request(**common)
    if step == "SessionEndedRequest":
        return envelopes.session_ended_request(**common)
    slots = {"tip": "set boundaries"} if step == "TipIntent" else None
    return envelopes.intent_request(step, slots, **common)


def valid_answer(step: str, answer: Any) -> bool:
    """Tell whether ``answer`` is a well-formed skill response to ``step``."""
    if not isinstance(answer, dict) or answer.get("version") != "1.0":
        return False
    response = answer.get("response")
    if not isinstance(response, dict):
        return False
    if step == "SessionEndedRequest":
        return "outputSpeech" not in response
    ssml = response.get("outputSpeech", {}).get("ssml", "")
    return ssml.startswith("<speak>") and ssml.endswith("</speak>") and len(ssml) > 30


def drive(port: int, pki: TestPKI, *, clients: int, turns: int, seconds: float) -> LoadResult:
    """Run ``clients`` keep-alive clients, each through :data:`CONVERSATION` again and again.

    Each client stops after ``turns`` turns or ``seconds``, whichever comes first.
    Every request is signed afresh (its timestamp must be current, and its session
    attributes come from the previous answer, as Alexa carries them).
    """
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        attributes: dict[str, Any] = {}
        session = f"amzn1.echo-api.session.load-{index}"
        try:
            for turn in range(turns):
                if time.monotonic() > deadline:
                    return
                step = CONVERSATION[turn % len(CONVERSATION)]
                if step == "LaunchRequest":
                    attributes, session = {}, f"amzn1.echo-api.session.load-{index}-{turn}"
                body = json.dumps(request_for(step, attributes, session)).encode()
                started = time.monotonic()
                connection.request("POST", "/alexa", body=body, headers=pki.headers(body))
                reply = connection.getresponse()
                raw = reply.read()
                elapsed = time.monotonic() - started
                answer = json.loads(raw) if reply.status == 200 else None
                with lock:
                    result.statuses[reply.status] += 1
                    result.latencies.append(elapsed)
                    if not valid_answer(step, answer):
                        result.invalid.append(f"{step}: HTTP {reply.status} {raw[:120]!r}")
                attributes = (answer or {}).get("sessionAttributes") or {}
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


@contextlib.contextmanager
def attackers(port: int, *, slow: int, idle: int) -> Iterator[list[socket.socket]]:
    """Hold ``slow`` connections dripping half a request, and ``idle`` silent keep-alives.

    The slow ones send one byte each half second (each byte resets waitress's idle
    timer); the idle ones have had one answer and say nothing more. All are closed
    when the block ends.
    """
    stop = threading.Event()
    dripping: list[socket.socket] = []
    silent: list[socket.socket] = []
    try:
        for _ in range(slow):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            dripping.append(sock)
        for _ in range(idle):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            silent.append(sock)
        for sock in silent:  # each has had its answer and is kept alive, silent
            if not sock.recv(4096).startswith(b"HTTP/1.1 200"):
                raise RuntimeError("an idle client was not answered")

        def drip() -> None:
            while not stop.wait(0.5):
                for sock in dripping:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X")

        threading.Thread(target=drip, daemon=True).start()
        yield dripping + silent
    finally:
        stop.set()
        for sock in dripping + silent:
            sock.close()


def timed_get(port: int, path: str) -> tuple[int, float]:
    """GET ``path`` on a new connection; return the status and the seconds it took."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        reply.read()
        return reply.status, time.monotonic() - started
    finally:
        connection.close()


def timed_launch(port: int, pki: TestPKI) -> tuple[int, float, Any]:
    """POST a signed LaunchRequest on a new connection; return status, seconds, answer."""
    body = json.dumps(envelopes.launch_request()).encode()
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", "/alexa", body=body, headers=pki.headers(body))
        reply = connection.getresponse()
        raw = reply.read()
        answer = json.loads(raw) if reply.status == 200 else None
        return reply.status, time.monotonic() - started, answer
    finally:
        connection.close()


def raw_exchange(port: int, head: bytes, *, wait: float = 3.0) -> bytes:
    """Send ``head`` (request line and headers, no body) and read all that comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head)
        received = b""
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
        return received


def chunked_flood(port: int, total: int = 8 * 1024 * 1024) -> tuple[int, bytes]:
    """Send a chunked body of up to ``total`` bytes; return how much went, and the answer.

    A small send buffer keeps the kernel from taking much more than the server reads.
    """
    chunk = b"%x\r\n%s\r\n" % (16 * 1024, b"x" * 16 * 1024)
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
        sock.sendall(
            b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
        with contextlib.suppress(OSError):
            answer = sock.recv(100)
    return sent, answer
