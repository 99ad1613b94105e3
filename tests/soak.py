"""Soak and attack run against the production server, for people to run by hand.

Run: python -m tests.soak [--minutes 3] [--clients 8] [--slow 300] [--idle 100]

One server process (:mod:`tests.signed_server`: `closer serve`'s waitress settings,
verification on with the test PKI) on 127.0.0.1 takes, in turn:
  1. a baseline: signed conversations from --clients keep-alive clients for 10 s;
  2. --slow connections dripping half a request and --idle silent keep-alives, held
     open while /healthz and a signed LaunchRequest are timed and the conversation
     load runs again; then the same probes once the attackers have gone;
  3. bodies over the limit (declared 1 GB with Expect: 100-continue; chunked, 8 MiB),
     200 forged requests each with a fresh query on the certificate URL, and JSON
     nested 60,000 deep or with a 5,000-digit number;
  4. --minutes of conversation load, sampling the server's memory every 10 s.
It prints the figures (connections held, answer times under attack, memory growth,
CPU per turn). Loopback only; every phase is bounded in time and count. Not a test:
it asserts nothing, and its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path

from skill import envelopes
from tests.load import attackers, chunked_flood, drive, raw_exchange, timed_get, timed_launch
from tests.pki import make_pki
from tests.signed_server import ServerProcess, server_process, write_pki

PKI = make_pki()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="soak length (at most 30)")
    parser.add_argument("--clients", type=int, default=8, help="keep-alive load clients")
    parser.add_argument("--slow", type=int, default=300, help="slow-drip connections")
    parser.add_argument("--idle", type=int, default=100, help="idle keep-alive connections")
    args = parser.parse_args()
    if not 0 < args.minutes <= 30 or not 0 < args.clients <= 64:
        parser.error("--minutes must be in (0, 30] and --clients in 1..64")
    if not 0 <= args.slow + args.idle <= 3500:
        parser.error("--slow plus --idle must be at most 3500 (the server allows 4000)")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_pki(PKI, folder)
        with server_process(folder, folder / "server.log") as server:
            baseline(server, args.clients)
            under_attack(server, args.clients, args.slow, args.idle)
            oversized_and_forged(server)
            soak(server, args.clients, args.minutes)
            errors = server.errors_logged()
        print(f"\nlines logged at ERROR or with a traceback: {len(errors)}")
        for line in errors[:5]:
            print("  ", line[:200])


def baseline(server: ServerProcess, clients: int) -> None:
    print("1. baseline")
    result = drive(server.port, PKI, clients=clients, turns=10**6, seconds=10)
    print(f"   {result.summary()}")


def probes(server: ServerProcess, count: int = 20) -> str:
    """Time ``count`` /healthz and signed launches on fresh connections."""
    health, launch, failed = [], [], 0
    for _ in range(count):
        try:
            status, seconds = timed_get(server.port, "/healthz")
            health.append(seconds)
            failed += status != 200
            status, seconds, _ = timed_launch(server.port, PKI)
            launch.append(seconds)
            failed += status != 200
        except OSError:
            failed += 1
    return f"/healthz {_ms(health)}; launch {_ms(launch)}; failed {failed}"


def under_attack(server: ServerProcess, clients: int, slow: int, idle: int) -> None:
    print(f"2. {slow} slow-drip and {idle} idle keep-alive connections held open")
    with attackers(server.port, slow=slow, idle=idle) as held:
        time.sleep(1.0)
        alive = sum(1 for sock in held if _still_open(sock))
        print(f"   connections held open: {alive} of {len(held)}")
        print(f"   under attack: {probes(server)}")
        result = drive(server.port, PKI, clients=clients, turns=10**6, seconds=10)
        print(f"   load under attack: {result.summary()}")
        print(f"   server memory with them open: {server.rss_kib()} KiB")
    time.sleep(0.5)
    print(f"   after they went: {probes(server)}")


def oversized_and_forged(server: ServerProcess) -> None:
    print("3. oversized bodies, forged certificate URLs, hostile JSON")
    head = (
        b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        b"Content-Length: 1000000000\r\n\r\n"
    )
    started = time.monotonic()
    answer = raw_exchange(server.port, head)
    print(
        f"   declared 1 GB: {answer[:12].decode(errors='replace')!r} in "
        f"{1000 * (time.monotonic() - started):.1f} ms, 100 Continue sent: {b'100 Continue' in answer}"
    )
    sent, _ = chunked_flood(server.port)
    print(f"   chunked 8 MiB: the server stopped reading after {sent} bytes")
    body = json.dumps(envelopes.launch_request()).encode()
    statuses, times = [], []
    for index in range(200):
        url = f"https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem?v={index}"
        started = time.monotonic()
        statuses.append(_post(server.port, body, PKI.headers(body, url=url)))
        times.append(time.monotonic() - started)
    print(f"   200 fresh ?query cert URLs: statuses {sorted(set(statuses))}, {_ms(times)}")
    for label, hostile in (
        ("60,000 levels deep", b"[" * 60_000 + b"]" * 60_000),
        ("5,000-digit number", b'{"version": "1.0", "n": ' + b"9" * 5_000 + b"}"),
    ):
        started = time.monotonic()
        status = _post(server.port, hostile, PKI.headers(hostile))
        print(f"   {label}: HTTP {status} in {1000 * (time.monotonic() - started):.1f} ms")


def soak(server: ServerProcess, clients: int, minutes: float) -> None:
    print(f"4. soak: {minutes:g} minutes of conversations from {clients} clients")
    samples = [server.rss_kib()]
    cpu_before = server.cpu_seconds()
    turns, statuses, invalid = 0, set(), 0
    deadline = time.monotonic() + 60 * minutes
    while time.monotonic() < deadline:
        slice_seconds = min(10.0, deadline - time.monotonic())
        result = drive(server.port, PKI, clients=clients, turns=10**6, seconds=slice_seconds)
        turns += result.turns
        statuses |= set(result.statuses)
        invalid += len(result.invalid)
        samples.append(server.rss_kib())
    cpu = server.cpu_seconds() - cpu_before
    print(f"   {turns} turns, statuses {sorted(statuses)}, invalid answers {invalid}")
    print(f"   server CPU {1000 * cpu / max(turns, 1):.2f} ms per turn")
    print(
        f"   memory (KiB): start {samples[0]}, after first slice {samples[1]}, "
        f"end {samples[-1]}, max {max(samples)}; growth after the first slice "
        f"{samples[-1] - samples[1]} KiB over {len(samples) - 2} slices"
    )


def _ms(seconds: list[float]) -> str:
    if not seconds:
        return "no answers"
    ms = sorted(1000 * each for each in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/alexa", body=body, headers=headers)
        reply = connection.getresponse()
        reply.read()
        return reply.status
    finally:
        connection.close()


if __name__ == "__main__":
    main()
