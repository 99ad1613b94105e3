"""Measure what memory adds to a turn: one read and one save of a person's record.

Run ``python -m tests.bench_memory [--turns N] [--people N]``. It is a measurement,
not a test: it prints figures and asserts nothing. Each turn goes through the ASK
SDK's ``AttributesManager`` as a handler would (read the persistent attributes,
change them, save them), for a record of about 2 KiB, against:

- ``none``: no store (CLOSER_STORE=none); the manager and the session alone;
- ``sqlite``: the SQLite store in a temporary folder, from one thread and from four
  (``closer serve``'s default), each thread its own people;
- ``dynalite``: the DynamoDB store against dynalite on loopback, which stands in for
  DynamoDB (real DynamoDB adds a network round trip to each call, but no Node.js).

Bounded: ``--turns`` per line (default 400), at most a few seconds each. dynalite
is skipped, with the reason, when node or its npm package is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter, AttributesManager

from skill.memory.sqlite_store import SqliteStore
from skill.memory.user_key import UserKey
from tests import dynalite as stand_in
from tests.memory_turns import envelope_for

SECRET = UserKey(b"bench-secret-of-at-least-32-characters")
RECORD: dict[str, Any] = {
    "topics": {f"topic-{n}": {"step": n, "heard": "2026-11-25"} for n in range(12)},
    "note": "x" * 1200,
}


def turn(store: AbstractPersistenceAdapter | None, envelope: Any) -> None:
    """One turn's memory work, as a handler would do it through the SDK."""
    manager = AttributesManager(request_envelope=envelope, persistence_adapter=store)
    _ = manager.session_attributes
    if store is None:
        return
    record = manager.persistent_attributes
    record.update(RECORD)
    record["turns"] = record.get("turns", 0) + 1
    manager.persistent_attributes = record
    manager.save_persistent_attributes()


def timed(
    store: AbstractPersistenceAdapter | None, turns: int, people: int, threads: int = 1
) -> list[float]:
    """Run ``turns`` turns spread over ``people`` people and ``threads`` threads; seconds each."""
    times: list[float] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        mine = [
            envelope_for(f"amzn1.ask.account.BENCH-{n}") for n in range(offset, people, threads)
        ]
        spent = []
        for number in range(turns // threads):
            started = time.perf_counter()
            turn(store, mine[number % len(mine)])
            spent.append(time.perf_counter() - started)
        with lock:
            times.extend(spent)

    for warm_up in range(min(people, 20)):
        turn(store, envelope_for(f"amzn1.ask.account.BENCH-{warm_up}"))
    running = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return times


def describe(times: list[float]) -> str:
    """Summarise per-turn times: median and 95th percentile in microseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1e6:8.0f} µs   p95 {p95 * 1e6:8.0f} µs"


@contextlib.contextmanager
def dynalite_store(folder: Path) -> Iterator[AbstractPersistenceAdapter]:
    """The DynamoDB store on a table in a dynalite started for the bench."""
    with stand_in.running_dynalite(folder / "dynalite.log") as endpoint:
        saved = dict(os.environ)
        os.environ.update(stand_in.aws_settings(endpoint, folder))
        os.environ.pop("AWS_PROFILE", None)
        try:
            # Imported once a region is set: the SDK's adapter needs one as it is imported.
            from skill.memory.dynamodb_store import DynamoDbStore

            yield DynamoDbStore(stand_in.create_table(), SECRET)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def main(argv: Sequence[str] | None = None) -> None:
    """Print one line per store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=400, help="turns per line (default 400)")
    parser.add_argument("--people", type=int, default=50, help="distinct people (default 50)")
    args = parser.parse_args(argv)
    turns, people = max(args.turns, 4), max(args.people, 4)
    print(f"{turns} turns per line, {people} people, a record of about 2 KiB")
    lines: list[tuple[str, Callable[[], list[float]]]] = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteStore(Path(folder) / "memory.db", SECRET)
        lines = [
            ("none", lambda: timed(None, turns, people)),
            ("sqlite, 1 thread", lambda: timed(sqlite, turns, people)),
            ("sqlite, 4 threads", lambda: timed(sqlite, turns, people, threads=4)),
        ]
        for name, run in lines:
            print(f"  {name:20} {describe(run())}")
        sqlite.close()
        reason = stand_in.missing()
        if reason is not None:
            print(f"  {'dynalite':20} skipped ({reason})")
            return
        with dynalite_store(Path(folder)) as dynamodb:
            print(f"  {'dynalite, 1 thread':20} {describe(timed(dynamodb, turns, people))}")


if __name__ == "__main__":
    main()
