"""Benchmark the local resolver on tests/data/utterances.tsv: accuracy and latency.

Run ``python tests/bench_resolver.py [--locale en-US] [--errors]``. It prints accuracy
overall and per expected intent, and the time to resolve one utterance (mean and
95th percentile, after the index is built). tests/test_resolver.py uses
:func:`load_cases` and :func:`accuracy` for its quality floor; timing lives here
only, since a timed test would fail on a busy machine for no fault of the code.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.nlu import Resolution, index_for, resolve

UTTERANCES = Path(__file__).resolve().parent / "data" / "utterances.tsv"


@dataclass(frozen=True)
class Case:
    """One labelled utterance: what was said, the intent and slot ids it should give."""

    line: int
    utterance: str
    intent: str
    slots: dict[str, str]

    def judge(self, resolution: Resolution) -> bool:
        """Tell whether the resolution has the right intent and exactly the right slot ids."""
        ids = {name: value.id for name, value in resolution.slots.items()}
        return resolution.intent == self.intent and ids == self.slots


def load_cases(path: Path = UTTERANCES) -> list[Case]:
    """Read the labelled file: utterance, intent, optional ``name=ID`` slots, tab-separated."""
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        columns = raw.split("\t")
        if len(columns) not in (2, 3):
            raise ValueError(f"{path.name}:{number}: expected 2 or 3 tab-separated columns")
        slots = {}
        for item in filter(None, (columns[2] if len(columns) == 3 else "").split(",")):
            name, _, value_id = item.strip().partition("=")
            slots[name] = value_id
        cases.append(Case(number, columns[0].strip(), columns[1].strip(), slots))
    return cases


def accuracy(
    cases: Sequence[Case], locale: str = "en-US"
) -> tuple[float, dict[str, tuple[int, int]], list[tuple[Case, Resolution]]]:
    """Return overall accuracy, (right, total) per expected intent, and the misses."""
    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for case in cases:
        resolution = resolve(case.utterance, locale)
        right = case.judge(resolution)
        per_intent[case.intent][0] += int(right)
        per_intent[case.intent][1] += 1
        if not right:
            misses.append((case, resolution))
    total = sum(count for _, count in per_intent.values())
    correct = sum(right for right, _ in per_intent.values())
    return correct / total, {k: (v[0], v[1]) for k, v in per_intent.items()}, misses


def latencies(cases: Sequence[Case], locale: str = "en-US", rounds: int = 5) -> list[float]:
    """Time each resolution in milliseconds, over several rounds, the index already built."""
    index_for(locale)
    times = []
    for _ in range(rounds):
        for case in cases:
            start = time.perf_counter()
            resolve(case.utterance, locale)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    """Print the benchmark report; exit 1 when accuracy is under 90%."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--file", type=Path, default=UTTERANCES)
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    cases = load_cases(args.file)
    start = time.perf_counter()
    index_for(args.locale)
    build_ms = (time.perf_counter() - start) * 1000
    overall, per_intent, misses = accuracy(cases, args.locale)
    times = sorted(latencies(cases, args.locale))
    print(f"{len(cases)} utterances, locale {args.locale}")
    print(f"accuracy {overall:.1%}")
    for intent, (right, total) in sorted(per_intent.items()):
        print(f"  {intent:32} {right:3}/{total:<3} {right / total:6.1%}")
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"latency per utterance: mean {statistics.mean(times):.3f} ms, p95 {p95:.3f} ms, "
        f"max {times[-1]:.3f} ms (index built once in {build_ms:.0f} ms)"
    )
    if args.errors:
        for case, got in misses:
            slots = {k: v.id for k, v in got.slots.items()}
            print(
                f"  line {case.line}: {case.utterance!r}: expected {case.intent} {case.slots or ''}"
                f", got {got.intent} {slots or ''} ({got.confidence:.2f}, {got.sample!r})"
            )
    return 0 if overall >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
