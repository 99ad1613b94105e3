"""Benchmark: what a screen adds to a turn, in time and in bytes.

Run: python -m tests.bench_screens [--rounds 5]

Every reachable request (the list `closer lint` walks) is answered in
process through skill.dispatch.handle_envelope, once as a speaker (an Echo Dot, no
APL) and once as an Echo Show (APL declared), alternating in rounds; printed: the
thread CPU time per turn for each (best round), the ratio, and the response sizes
(median and largest, JSON as sent) against Alexa's 24 KB.

A benchmark, not a test: figures depend on the machine and on what else runs on it
(the load average is printed first); nothing here asserts speed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from intents import load_catalogue
from skill.alexa import build_skill
from skill.authoring.lint import MAX_RESPONSE_BYTES
from skill.authoring.reachable import every_request
from skill.dispatch import handle_envelope


def _per_turn(skill: Any, requests: list[dict[str, Any]]) -> float:
    """Return the thread CPU seconds per turn for answering every request once."""
    start = time.thread_time()
    for request in requests:
        handle_envelope(skill, request)
    return (time.thread_time() - start) / len(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    catalogue = load_catalogue()
    skill = build_skill(catalogue)
    speaker = [request for _, request in every_request(catalogue)]
    screen = [request for _, request in every_request(catalogue, screen=True)]
    _per_turn(skill, speaker[:200] + screen[:200])  # warm the caches of both paths
    times: dict[str, list[float]] = {"speaker": [], "screen": []}
    for _ in range(args.rounds):
        times["speaker"].append(_per_turn(skill, speaker))
        times["screen"].append(_per_turn(skill, screen))
    best = {name: min(values) for name, values in times.items()}
    print(f"{len(speaker)} requests each, best of {args.rounds} rounds, CPU per turn:")
    for name, value in best.items():
        print(f"  {name:8} {value * 1000:.3f} ms")
    print(f"  screen / speaker: {best['screen'] / best['speaker']:.2f}x")
    for name, requests in (("speaker", speaker), ("screen", screen)):
        sizes = [len(json.dumps(handle_envelope(skill, r)).encode("utf-8")) for r in requests]
        print(
            f"{name} response bytes: median {statistics.median(sizes):.0f}, "
            f"largest {max(sizes)} (limit {MAX_RESPONSE_BYTES})"
        )


if __name__ == "__main__":
    main()
