"""Measure what the stale deploy/ check adds to the start of serve, resolve and rehearse.

Run ``python -m tests.bench_stale_deploy [--runs N]``. It is a measurement, not a
test: it prints figures and asserts nothing. Each run is a fresh interpreter that
first imports what ``closer resolve`` imports anyway and loads the content, then
times the check itself (:func:`skill.cli.stale_deploy.stale_deploy_warning`) against
the checkout's deploy/: the first call, which also imports model generation, and
the calls after it. It also times the whole ``closer resolve stop``, for scale.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

_ONE_RUN = """
import json, time
from intents import load_catalogue
import skill.alexa, skill.nlu, skill.cli
catalogue = load_catalogue(None)
started = time.perf_counter()
from skill.cli.stale_deploy import stale_deploy_warning
warning = stale_deploy_warning(catalogue, None)
first = time.perf_counter() - started
again = []
for _ in range(20):
    started = time.perf_counter()
    stale_deploy_warning(catalogue, None)
    again.append(time.perf_counter() - started)
print(json.dumps({"first": first, "again": sorted(again)[10], "stale": warning is not None}))
"""


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the check's cost on a cold and a warm call, and a whole command's time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters (default 5)")
    args = parser.parse_args(argv)
    results = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", _ONE_RUN],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        results.append(json.loads(out))
    commands = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "skill.cli", "resolve", "stop"],
            capture_output=True,
            timeout=120,
            check=True,
        )
        commands.append(time.perf_counter() - started)
    first = statistics.median(r["first"] for r in results)
    again = statistics.median(r["again"] for r in results)
    print(f"deploy/ stale: {results[0]['stale']}")
    print(f"the check, first call (imports model generation): {_milliseconds(first)} (median)")
    print(f"the check, later calls: {_milliseconds(again)} (median)")
    print(f"closer resolve stop, whole: {_milliseconds(statistics.median(commands))} (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
