"""Benchmark the local resolver on each labelled file of tests/data: accuracy, safety, latency.

Run ``python tests/bench_resolver.py [--locale en-US] [--file F] [--errors]``. For each
labelled file (``utterances.tsv``, ``utterances_holdout.tsv`` and any other
``utterances_*.tsv``; ``--file`` for one) it prints accuracy overall and per expected
intent, safety recall (the share of CrisisIntent and AbuseIntent lines resolved to a
safety intent, and to the right one), the false safety alarms (other lines resolved
to a safety intent, each listed), and the time to resolve one utterance (p50 and p95,
after the index is built); and first, the time to build each locale's index.
tests/test_resolver.py uses :func:`load_cases` and :func:`accuracy` for its quality
floors; timing lives here only, since a timed test would fail on a busy machine for
no fault of the code.
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

from intents.loader import SAFETY_INTENTS
from skill.nlu import Resolution, index_for, resolve

DATA = Path(__file__).resolve().parent / "data"
UTTERANCES = DATA / "utterances.tsv"


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


def labelled_files() -> list[Path]:
    """Every labelled file: utterances.tsv first, then the others by name."""
    return [UTTERANCES, *sorted(p for p in DATA.glob("utterances_*.tsv"))]


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


@dataclass(frozen=True)
class Safety:
    """How the safety lines of a file fared, and which other lines raised an alarm."""

    lines: int
    to_safety: int
    """Safety lines resolved to a safety intent (either)."""
    to_right: int
    """Safety lines resolved to their own safety intent."""
    false_alarms: list[tuple[Case, str]]


def safety(cases: Sequence[Case], locale: str = "en-US") -> Safety:
    """Measure safety recall and false safety alarms over the labelled cases."""
    lines = to_safety = to_right = 0
    alarms = []
    for case in cases:
        intent = resolve(case.utterance, locale).intent
        if case.intent in SAFETY_INTENTS:
            lines += 1
            to_safety += intent in SAFETY_INTENTS
            to_right += intent == case.intent
        elif intent in SAFETY_INTENTS:
            alarms.append((case, intent))
    return Safety(lines, to_safety, to_right, alarms)


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


def build_times(locales: Sequence[str]) -> dict[str, float]:
    """Time building each locale's index (ms), in order; a locale sharing a model shares it."""
    times = {}
    for locale in locales:
        start = time.perf_counter()
        index_for(locale)
        times[locale] = (time.perf_counter() - start) * 1000
    return times


def report(path: Path, locale: str, errors: bool) -> float:
    """Print one file's figures; return its accuracy."""
    cases = load_cases(path)
    overall, per_intent, misses = accuracy(cases, locale)
    print(f"\n{path.name}: {len(cases)} utterances, locale {locale}")
    print(f"accuracy {overall:.1%}")
    for intent, (right, total) in sorted(per_intent.items()):
        print(f"  {intent:32} {right:3}/{total:<3} {right / total:6.1%}")
    heard = safety(cases, locale)
    if heard.lines:
        print(
            f"safety recall {heard.to_safety}/{heard.lines} to a safety intent, "
            f"{heard.to_right}/{heard.lines} to the right one"
        )
    print(f"false safety alarms {len(heard.false_alarms)}")
    for case, intent in heard.false_alarms:
        print(f"  line {case.line}: {case.utterance!r} ({case.intent}) -> {intent}")
    times = sorted(latencies(cases, locale))
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"latency per utterance: p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {times[-1]:.3f} ms")
    if errors:
        for case, got in misses:
            slots = {k: v.id for k, v in got.slots.items()}
            print(
                f"  line {case.line}: {case.utterance!r}: expected {case.intent} {case.slots or ''}"
                f", got {got.intent} {slots or ''} ({got.confidence:.2f}, {got.sample!r})"
            )
    return overall


def main(argv: Sequence[str] | None = None) -> int:
    """Print the benchmark report; exit 1 when accuracy on a file is under 80%."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--file", type=Path, help="one labelled file (default: all of them)")
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    import sklearn.linear_model  # noqa: F401  (timed apart: every process pays it once)

    print(f"importing scikit-learn: {(time.perf_counter() - start) * 1000:.0f} ms")
    locales = [
        args.locale,
        *(x for x in ("en-US", "en-GB", "en-AU", "en-CA", "en-IN") if x != args.locale),
    ]
    for locale, ms in build_times(locales).items():
        print(f"index for {locale} built in {ms:.0f} ms")
    files = [args.file] if args.file else labelled_files()
    results = [report(path, args.locale, args.errors) for path in files]
    return 0 if min(results) >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
