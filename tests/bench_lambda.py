"""Benchmark: a cold start of the Lambda package, unpacked, in a fresh clean interpreter.

Run: python -m tests.bench_lambda [--runs 5]   (needs PyPI: it builds the package)

Builds the package for this machine's Python (:mod:`skill.packaging`) twice, with
and without precompiled bytecode, unpacks each into a folder of its own made
read-only, as Lambda's ``/var/task`` is, and starts a fresh ``python -I -S -B`` for
each run (tests/lambda_package.py): it imports the handler and answers one
LaunchRequest, the first invocation building the skill (content loaded and checked,
handlers, store). For each variant, the median of ``--runs`` runs after one warm-up
that fills the disk cache (on a read-only folder no bytecode cache can be filled:
that is what precompiling is for):

  - spawn to answer: wall time from starting the interpreter to the answer;
  - import: ``from skill.aws_lambda import handler``;
  - first answer: the first invocation, skill built.

Then the same with memory in DynamoDB (dynalite on loopback, when node is here),
whose first answer imports boto3 and reads and writes a record. Goal: spawn to
answer at most 1 s for the precompiled package without memory. Not Lambda: its own
runtime start and the download of the package come on top there.

A benchmark, not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from skill import envelopes
from skill.packaging.build import Target, make_zip
from tests import dynalite as stand_in
from tests.lambda_package import LOCAL_PYTHON, clean_env, invoke_unpacked, unzip

GOAL_COLD_START = 1.0
"""Seconds from spawning a fresh interpreter to the first answer: at most."""


def read_only(folder: Path) -> None:
    """Take write permission away from everything in ``folder``, as on Lambda."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


def writable(folder: Path) -> None:
    """Give it back, so that the temporary folder can be removed."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)


def cold_starts(folder: Path, env: dict[str, str], runs: int) -> dict[str, float]:
    """Median seconds of ``runs`` fresh starts after one warm-up: total, import, first answer."""
    event = [envelopes.launch_request()]

    def once() -> dict[str, float]:
        started = time.time()  # the wall clock: the answer's time comes from the child
        outcome = invoke_unpacked(folder, event, env)
        total = outcome["answered_at"] - started
        assert "answer" in outcome["answers"][0], outcome["answers"][0]
        return {"total": total, "import": outcome["import"], "answer": outcome["first_answer"]}

    once()
    results = [once() for _ in range(runs)]
    return {key: statistics.median(each[key] for each in results) for key in results[0]}


def report(label: str, figures: dict[str, float], runs: int) -> None:
    print(
        f"  {label:34} {figures['total']:.3f} s spawn to answer (median of {runs}): "
        f"import {figures['import']:.3f} s, first answer {figures['answer']:.3f} s"
    )


@contextlib.contextmanager
def memory_settings(folder: Path) -> Iterator[dict[str, str] | None]:
    """The function's settings for memory in a fresh dynalite table, or None without node."""
    if stand_in.missing() is not None:
        yield None
        return
    with stand_in.running_dynalite(folder / "dynalite.log") as endpoint:
        aws = stand_in.aws_settings(endpoint, folder)
        saved = {name: os.environ.get(name) for name in aws}
        os.environ.update(aws)
        try:
            table = stand_in.create_table()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        yield {**aws, "CLOSER_STORE": f"dynamodb://{table}", "CLOSER_USER_KEY": "k" * 40}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured starts per variant")
    args = parser.parse_args()
    target = Target(python_version=LOCAL_PYTHON, arch="x86_64")
    bound = clean_env(CLOSER_SKILL_ID=envelopes.LOCAL_SKILL_ID)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; Python {LOCAL_PYTHON}")
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        folders = {}
        for precompiled in (True, False):
            label = "precompiled" if precompiled else "no-pyc"
            out = work / f"{label}.zip"
            built = make_zip(out, target, precompile=precompiled)
            print(
                f"package, {label:11}: {built.zipped_bytes / 1e6:.1f} MB zipped, "
                f"{built.unpacked_bytes / 1e6:.1f} MB unpacked, {built.files:,} files"
            )
            (work / label).mkdir()
            folders[label] = unzip(out, work / label)
            read_only(folders[label])
        try:
            print("cold start, read-only folder, python -I -S -B:")
            precompiled_figures = cold_starts(folders["precompiled"], bound, args.runs)
            report("precompiled .pyc, no memory", precompiled_figures, args.runs)
            report(
                "no .pyc, no memory", cold_starts(folders["no-pyc"], bound, args.runs), args.runs
            )
            with memory_settings(work) as memory:
                if memory is None:
                    print("  with memory in DynamoDB: skipped (node or dynalite missing)")
                else:
                    figures = cold_starts(folders["precompiled"], {**bound, **memory}, args.runs)
                    report("precompiled, memory (dynalite)", figures, args.runs)
        finally:
            for folder in folders.values():
                writable(folder)
    total = precompiled_figures["total"]
    verdict = "met" if total <= GOAL_COLD_START else "NOT MET"
    print(f"  goal: precompiled, no memory <= {GOAL_COLD_START:.1f} s: {total:.3f} s, {verdict}")


if __name__ == "__main__":
    main()
