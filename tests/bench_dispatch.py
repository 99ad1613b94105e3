"""Benchmark: how long one turn takes, and how that compares with the frameworks under it.

Run: python -m tests.bench_dispatch [--turns 2000] [--seconds 6] [--rounds 5]

Per turn, mean, median and 95th percentile (wall clock), for:
  - dispatch: skill.dispatch.handle_envelope in process (the ASK SDK path alone)
  - flask: POST /alexa through the Flask test client, verification off
  - flask+verify: the same with signature, chain (cached) and timestamp checks on
  - http: POST /alexa to a real `closer serve` (waitress) over loopback, verification off

Then three comparisons, measured side by side in this run, each printed with its goal:
  1. in process: the conversation's requests through our handle_envelope vs through a
     minimal ask-sdk-core skill (one handler, a fixed speech) on the path a bare
     ask-sdk-core web service takes (deserialise the body, invoke, serialise).
     Thread CPU time per turn, best of interleaved rounds. Goal: ours <= 1.2x.
  2. HTTP: requests per second of our app (verification on: requests signed with the
     test PKI of tests/pki.py, skill id checked) vs a bare Flask app whose POST view
     returns jsonify(request.get_json()), each served by waitress in its own process
     with the same settings, driven by the same keep-alive client loop on loopback.
     The two alternate in half-second slices until each has had --seconds; the
     servers' CPU time per request is printed beside. Goal: ours >= 0.7x.
  3. cold start: a fresh `python -c` that imports the app, creates it (verification
     on, certifi's roots loaded as in production) and answers one signed
     LaunchRequest in process; wall time from spawn to the answer, and the import
     alone. Median of runs after one that fills the bytecode cache. Goal: <= 1.0 s.

A benchmark, not a test: figures depend on the machine and on what else runs on it
(the load average is printed first); nothing here asserts speed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import RequestEnvelope, Response
from flask import Flask, jsonify, request

from intents import load_catalogue
from skill import envelopes
from skill.alexa import build_skill
from skill.cli import configure_logging
from skill.dispatch import handle_envelope
from skill.web.app import create_app
from skill.web.verification import RequestVerifier
from tests import signed_server
from tests.conftest import running_server
from tests.pki import make_pki
from tests.signed_server import ServerProcess, signed_app, write_pki

ROOT = Path(__file__).resolve().parent.parent

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

GOAL_IN_PROCESS = 1.2
"""Ours / minimal ask-sdk-core skill, CPU time per turn: at most."""
GOAL_HTTP = 0.7
"""Ours / bare Flask echo, requests per second: at least."""
GOAL_COLD_START = 1.0
"""Seconds from spawning a fresh interpreter to the first answer: at most."""

SERVER_THREADS = 4
"""Waitress worker threads for both HTTP servers: `closer serve`'s default."""
CLIENT_CONNECTIONS = 2
"""Keep-alive connections the HTTP client loop drives at once (one thread each)."""
SIGNED_BODIES = 200
"""Distinct signed requests the HTTP client cycles through (signing is slow)."""
HTTP_SLICE = 0.5
"""Seconds each HTTP server is driven before the other's turn."""
COLD_RUNS = 5
FIXED_SPEECH = "Hello from the minimal skill."


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


def per_turn(turns: int) -> None:
    """The four per-turn latencies, from the skill object out to a real server."""
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


# --- 1. in process: our turn vs a minimal ask-sdk-core skill --------------------------


class FixedSpeechHandler(AbstractRequestHandler):
    """The whole of the minimal skill: every request gets the same short speech."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak(FIXED_SPEECH).response


def minimal_skill() -> CustomSkill:
    """The least skill ask-sdk-core can build: one handler that says one thing."""
    builder = SkillBuilder()
    builder.add_request_handler(FixedSpeechHandler())
    return builder.create()


def minimal_turn(skill: CustomSkill) -> Callable[[str], object]:
    """One turn of a bare ask-sdk-core web service: deserialise the body, invoke, serialise.

    This is what ask-sdk-webservice-support's request handler does with a verified
    body, and so the least any ask-sdk-core service spends on a turn.
    """
    serializer = DefaultSerializer()

    def turn(body: str) -> object:
        envelope = serializer.deserialize(body, RequestEnvelope)
        return serializer.serialize(skill.invoke(request_envelope=envelope, context=None))

    return turn


def cpu_per_turn(turn: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    """Thread CPU time per turn in microseconds, over one pass through ``inputs``.

    CPU time rather than wall time: what other processes do on a busy machine does
    not count against either side.
    """
    started = time.thread_time_ns()
    for item in inputs:
        turn(item)
    return (time.thread_time_ns() - started) / len(inputs) / 1000


def compare_in_process(turns: int, rounds: int) -> float:
    """Ratio 1: CPU per turn, ours / minimal, best of interleaved rounds."""
    bodies = [body.decode("utf-8") for body in requests(turns)]
    skill = build_skill(load_catalogue())
    # Our view parses the body once for its checks (timed in the HTTP figures); the
    # dispatch is given what the view hands it.
    handed = [json.loads(body) for body in bodies]
    minimal = minimal_skill()
    sides: dict[str, tuple[Callable[[Any], object], Sequence[Any]]] = {
        "ours": (lambda envelope: handle_envelope(skill, envelope), handed),
        "minimal": (minimal_turn(minimal), bodies),
        # Like for like: the minimal skill on our reading and writing, so that what
        # our handlers add shows apart from what our dispatch saves.
        "minimal, our dispatch": (lambda envelope: handle_envelope(minimal, envelope), handed),
    }
    best = {name: float("inf") for name in sides}
    for turn, inputs in sides.values():
        cpu_per_turn(turn, inputs[:200])  # warm up: imports, caches
    for _ in range(rounds):
        for name, (turn, inputs) in sides.items():
            best[name] = min(best[name], cpu_per_turn(turn, inputs))
    ratio = best["ours"] / best["minimal"]
    print(
        f"1. in process      ours {best['ours']:7.1f} us/turn   minimal ask-sdk-core skill "
        f"{best['minimal']:7.1f} us/turn   (CPU, best of {rounds}, {len(bodies)} turns each)"
    )
    print(
        _verdict(f"ours/minimal {ratio:.2f}x", f"<= {GOAL_IN_PROCESS}x", ratio <= GOAL_IN_PROCESS)
    )
    alike = best["minimal, our dispatch"]
    print(
        f"   like for like: the minimal skill through our handle_envelope {alike:7.1f} us/turn;"
        f" ours {best['ours'] / alike:.2f}x that (what our handlers add)"
    )
    return ratio


# --- 2. HTTP: our verified app vs a bare Flask echo under waitress --------------------


def bare_echo_app() -> Flask:
    """The least a Flask JSON service can do: parse the body and send it back."""
    app = Flask("bare_echo")

    @app.post("/alexa")
    def echo() -> Any:
        return jsonify(request.get_json())

    return app


def serve(kind: str, port: int, pki_dir: Path) -> None:
    """Run one benchmark server in this process until it is terminated.

    ``ours`` is what `closer serve` runs in production (verification on, one skill
    id, no rehearsal page, logging as `closer serve` sets it up), except that the
    verifier trusts the test root and is handed the test chain instead of fetching
    it (:mod:`tests.signed_server`); ``bare`` is :func:`bare_echo_app`. Both get
    `closer serve`'s server settings.
    """
    if kind == "ours":
        configure_logging("INFO")
    app = signed_app(pki_dir) if kind == "ours" else bare_echo_app()
    signed_server.serve(app, port, SERVER_THREADS)


@contextlib.contextmanager
def server_process(kind: str, pki_dir: Path, log: Path) -> Iterator[ServerProcess]:
    """Start :func:`serve` in a fresh interpreter on a free loopback port."""
    command = ("tests.bench_dispatch", "--serve", kind)
    with signed_server.server_process(
        pki_dir, log, command=command, threads=SERVER_THREADS
    ) as server:
        yield server


def drive(
    port: int, signed: Sequence[tuple[bytes, dict[str, str]]], seconds: float
) -> tuple[int, float]:
    """POST signed requests over keep-alive connections for ``seconds``.

    Returns how many were answered and the wall time taken. Bounded in time and
    count; every answer must be a 200 (a refusal is cheap and would flatter the figure).
    """
    limit = 100_000
    counts = [0] * CLIENT_CONNECTIONS
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        position = index
        try:
            while time.perf_counter() < deadline and counts[index] < limit:
                body, headers = signed[position % len(signed)]
                connection.request("POST", "/alexa", body=body, headers=headers)
                reply = connection.getresponse()
                answer = reply.read()
                if reply.status != 200:
                    failures.append(f"HTTP {reply.status}: {answer[:200]!r}")
                    return
                counts[index] += 1
                position += CLIENT_CONNECTIONS
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENT_CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"a request was refused: {failures[0]}")
    return sum(counts), elapsed


def compare_http(seconds: float) -> float:
    """Ratio 2: requests/s, ours / bare echo, over many short alternating slices.

    Each side is driven for ``HTTP_SLICE`` seconds in turn until each has had
    ``seconds``, so that both meet the same passing load on a shared machine. The
    servers' own CPU time per request is printed too: it is what their throughput
    would be on an otherwise idle core, and it is steadier when the machine is busy.
    """
    pki = make_pki()
    signed = [(body, pki.headers(body)) for body in requests(SIGNED_BODIES)]
    slices = max(1, round(seconds / HTTP_SLICE))
    answered = {"ours": 0, "bare": 0}
    elapsed = {"ours": 0.0, "bare": 0.0}
    cpu: dict[str, float | None] = {"ours": 0.0, "bare": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        pki_dir = Path(folder)
        write_pki(pki, pki_dir)
        with (
            server_process("ours", pki_dir, pki_dir / "ours.log") as ours,
            server_process("bare", pki_dir, pki_dir / "bare.log") as bare,
        ):
            servers = {"ours": ours, "bare": bare}
            for server in servers.values():
                drive(server.port, signed, 0.5)  # warm up
            for _ in range(slices):
                for name, server in servers.items():
                    before = server.cpu_seconds()
                    count, took = drive(server.port, signed, HTTP_SLICE)
                    after = server.cpu_seconds()
                    answered[name] += count
                    elapsed[name] += took
                    used = cpu[name]
                    cpu[name] = (
                        None
                        if used is None or before is None or after is None
                        else used + after - before
                    )
    rate = {name: answered[name] / elapsed[name] for name in answered}
    ratio = rate["ours"] / rate["bare"]
    print(
        f"2. HTTP            ours {rate['ours']:7.0f} req/s     bare Flask echo "
        f"{rate['bare']:7.0f} req/s     (waitress, {SERVER_THREADS} threads, "
        f"{CLIENT_CONNECTIONS} keep-alive connections, {slices} x {HTTP_SLICE:g} s each)"
    )
    ours_cpu, bare_cpu = cpu["ours"], cpu["bare"]
    if ours_cpu and bare_cpu:
        per = {name: (cpu[name] or 0.0) / answered[name] * 1e6 for name in answered}
        print(
            f"                   server CPU per request: ours {per['ours']:5.0f} us, "
            f"bare {per['bare']:5.0f} us (ratio of requests per CPU second "
            f"{per['bare'] / per['ours']:.2f}x)"
        )
    print(_verdict(f"ours/bare {ratio:.2f}x", f">= {GOAL_HTTP}x", ratio >= GOAL_HTTP))
    return ratio


# --- 3. cold start --------------------------------------------------------------------

COLD_START = """
import json, sys, time
started = time.perf_counter()
from skill.web.app import create_app
imported = time.perf_counter()
from pathlib import Path
from cryptography import x509
from skill.web.verification import RequestVerifier, certifi_roots
folder = Path(sys.argv[1])
root = x509.load_pem_x509_certificate((folder / "root.pem").read_bytes())
chain = (folder / "chain.pem").read_bytes()
launch = json.loads((folder / "launch.json").read_text())
verifier = RequestVerifier(trust_roots=[*certifi_roots(), root], fetch_chain=lambda url: chain)
app = create_app({"SKIP_VERIFICATION": False, "VERIFIER": verifier, "SKILL_IDS": sys.argv[2]})
created = time.perf_counter()
reply = app.test_client().post("/alexa", data=launch["body"], headers=launch["headers"])
assert reply.status_code == 200 and reply.get_json()["response"]["outputSpeech"], reply.data
answered = time.perf_counter()
print(json.dumps({"import": imported - started, "create": created - imported,
                  "answer": answered - created}), flush=True)
"""


def cold_start_once(folder: Path) -> dict[str, float]:
    """Spawn one fresh interpreter; time from spawn to its answer, and its own phases."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", COLD_START, str(folder), envelopes.LOCAL_SKILL_ID],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    to_answer = time.perf_counter() - started
    _, errors = process.communicate(timeout=30)
    if process.returncode != 0 or not line:
        raise RuntimeError(f"cold start failed: {errors}")
    return {"total": to_answer, **json.loads(line)}


def compare_cold_start(runs: int) -> float:
    """Ratio 3: seconds from spawn to first answer (median of ``runs``), against the goal."""
    pki = make_pki()
    body = json.dumps(envelopes.launch_request()).encode()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_pki(pki, folder)
        (folder / "launch.json").write_text(
            json.dumps({"body": body.decode(), "headers": pki.headers(body)})
        )
        cold_start_once(folder)  # fills the bytecode cache, as any deployed server has
        results = [cold_start_once(folder) for _ in range(runs)]
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    fastest = min(r["total"] for r in results)
    print(
        f"3. cold start      {median['total']:.3f} s spawn to first answer (median of {runs}; "
        f"fastest {fastest:.3f} s): import {median['import']:.3f} s, "
        f"create_app {median['create']:.3f} s, first answer {median['answer']:.3f} s"
    )
    ratio = median["total"] / GOAL_COLD_START
    print(
        _verdict(
            f"{median['total']:.3f} s = {ratio:.2f}x the goal",
            f"<= {GOAL_COLD_START:.1f} s",
            median["total"] <= GOAL_COLD_START,
        )
    )
    return ratio


def _verdict(figure: str, goal: str, met: bool) -> str:
    return f"   {figure:34} goal {goal:9} {'met' if met else 'NOT MET'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000, help="turns per latency figure")
    parser.add_argument("--seconds", type=float, default=6.0, help="HTTP seconds per server")
    parser.add_argument("--rounds", type=int, default=5, help="in-process rounds per side")
    parser.add_argument("--serve", choices=("ours", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pki-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.pki_dir)
        return
    if args.seconds > 60:
        parser.error("--seconds must be at most 60 (the signed requests' timestamps expire)")

    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} CPUs (other work slows every figure)")
    per_turn(args.turns)
    print()
    compare_in_process(args.turns, args.rounds)
    compare_http(args.seconds)
    compare_cold_start(COLD_RUNS)


if __name__ == "__main__":
    main()
