"""Measure preview rendering: time per clip for each offline engine, and a cache hit.

Run ``python -m tests.bench_speech [--clips N]``. It is a measurement, not a test: it
prints figures and asserts nothing. It lives in tests/ beside the other benchmarks
because it takes its speeches from the real skill, which speech/ must not import. gTTS is left out because it needs the network
(and its time is mostly Google's and the request spacing).

For each engine that can run here it renders the first N distinct en-US responses
three ways: cold (empty cache: every sentence synthesised), with the sentences
cached but not the clips (what changed wording costs: assembly and MP3 encoding
only), and again (a cache hit).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from intents import load_catalogue
from skill.authoring import reachable
from speech.engines import engine_named
from speech.render import render_ssml


def distinct_speeches(limit: int) -> list[str]:
    """Return the SSML of the first ``limit`` distinct en-US responses of the real skill."""
    responses = reachable.every_response(load_catalogue())
    speeches = reachable.distinct_speeches(responses, reprompts=False)
    return [ssml for locale, ssml in speeches if locale == "en-US"][:limit]


def timed(speeches: Sequence[str], engine: str, cache: Path) -> tuple[list[float], float]:
    """Render each speech; return the seconds each took and the audio's total length."""
    times, audio = [], 0.0
    for ssml in speeches:
        started = time.perf_counter()
        clip = render_ssml(ssml, engine=engine, cache_dir=cache)
        times.append(time.perf_counter() - started)
        audio += clip.seconds
    return times, audio


def describe(times: list[float]) -> str:
    """Summarise times: the median in milliseconds and the total in seconds."""
    return f"median {statistics.median(times) * 1000:8.1f} ms/clip, total {sum(times):6.2f} s"


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures for every offline engine that can run here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=30, help="distinct responses (default 30)")
    args = parser.parse_args(argv)
    speeches = distinct_speeches(args.clips)
    print(f"{len(speeches)} distinct en-US responses")
    for name in ("espeak", "piper"):
        reason = engine_named(name).available()
        if reason:
            print(f"{name}: skipped ({reason})")
            continue
        folder = Path(tempfile.mkdtemp(prefix="closer-bench-"))
        try:
            if name == "piper":  # start its worker first: a one-off cost, shown apart
                started = time.perf_counter()
                engine_named(name).synthesize("Hello.", "en-US", rate=0.95)
                print(
                    f"piper: worker start and first sentence {time.perf_counter() - started:.2f} s"
                )
            cold, audio = timed(speeches, name, folder)
            shutil.rmtree(folder / "clips")
            warm, _ = timed(speeches, name, folder)
            hits, _ = timed(speeches, name, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"{name}: {audio:.0f} s of audio")
        speed = f"{sum(cold) / audio:.3f} x real time"
        print(f"  cold (synthesise everything)  {describe(cold)}  ({speed})")
        print(f"  sentences cached, new clips   {describe(warm)}")
        print(f"  cache hit                     {describe(hits)}")


if __name__ == "__main__":
    main()
