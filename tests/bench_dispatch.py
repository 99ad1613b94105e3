"""Benchmark: how long one turn takes, from the skill object to a real HTTP server.

Run: python -m tests.bench_dispatch [--turns 2000]
Prints mean, median and 95th percentile per turn for:
  - dispatch: skill.dispatch.handle_envelope in process (the ASK SDK path alone)
  - flask: POST /alexa through the Flask test client, verification off
  - flask+verify: the same with signature, chain (cached) and timestamp checks on
  - http: POST /alexa to a real `closer serve` (waitress) over loopback, verification off
A benchmark, not a test: figures depend on the machine; nothing here asserts speed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from intents import load_catalogue
from skill import envelopes
from skill.alexa import build_skill
from skill.dispatch import handle_envelope
from skill.web.app import create_app
from skill.web.verification import RequestVerifier
from tests.conftest import running_server
from tests.pki import make_pki

TURNS = [
    "PartnerPullingAwayIntent",
    "AMAZON.NextIntent",
    "AMAZON.YesIntent",
    "AMAZON.MoreIntent",
    "AMAZON.HelpIntent",
    "CrisisIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.StopIntent",
]


def requests(count: int) -> list[bytes]:
    """A conversation's worth of requests, repeated, as raw JSON bodies."""
    bodies = [json.dumps(envelopes.launch_request()).encode()]
    attributes = {"topic": "PartnerPullingAwayIntent", "index": 2, "awaiting": "more"}
    while len(bodies) < count:
        for name in TURNS:
            bodies.append(
                json.dumps(envelopes.intent_request(name, attributes=attributes)).encode()
            )
    return bodies[:count]


def measure(name: str, bodies: list[bytes], send: Callable[[bytes], object]) -> None:
    for body in bodies[:50]:  # warm up caches and imports
        send(body)
    times = []
    for body in bodies:
        started = time.perf_counter()
        send(body)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{name:14} mean {statistics.mean(times):7.3f} ms  median {statistics.median(times):7.3f} ms"
        f"  p95 {p95:7.3f} ms  ({len(times)} turns)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    turns = parser.parse_args().turns
    bodies = requests(turns)

    skill = build_skill(load_catalogue())
    measure("dispatch", bodies, lambda body: handle_envelope(skill, json.loads(body)))

    plain = create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": ()}).test_client()
    measure(
        "flask",
        bodies,
        lambda body: plain.post("/alexa", data=body, content_type="application/json"),
    )

    pki = make_pki()
    verifier = RequestVerifier(trust_roots=[pki.root], fetch_chain=lambda url: pki.chain_pem)
    signed = create_app(
        {"SKIP_VERIFICATION": False, "VERIFIER": verifier, "SKILL_IDS": ()}
    ).test_client()
    signed_bodies = [(body, pki.headers(body)) for body in bodies]
    lookup = dict(signed_bodies)
    measure(
        "flask+verify", bodies, lambda body: signed.post("/alexa", data=body, headers=lookup[body])
    )

    with (
        tempfile.TemporaryDirectory() as folder,
        running_server(
            {"CLOSER_SKIP_VERIFICATION": "1", "CLOSER_LOG_LEVEL": "WARNING"},
            Path(folder) / "server.log",
        ) as base,
    ):
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)

        def post(body: bytes) -> None:
            connection.request(
                "POST", "/alexa", body=body, headers={"Content-Type": "application/json"}
            )
            reply = connection.getresponse()
            reply.read()
            assert reply.status == 200

        measure("http", bodies, post)
        connection.close()


if __name__ == "__main__":
    main()
