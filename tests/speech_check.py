"""An independent check that an audio file holds speech, for the preview tests.

Written apart from speech/ on purpose (it decodes with soundfile directly and shares
no code with the renderer), so a bug in the renderer cannot hide itself. Over 20 ms
frames, speech has:

- a level: the RMS of its active frames above -35 dBFS (silence fails);
- pauses between words and sentences: between 30% and 95% of frames active (white
  noise and a steady tone are active all the time), not counting the deliberate
  pauses the SSML asks for;
- syllables: active frame levels that vary by more than 5 dB (standard deviation;
  noise and a tone hold a steady level);
- a length that fits its words: 0.2 to 0.8 s per word, plus its pauses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

FRAME_SECONDS = 0.02
ACTIVE_DBFS = -45.0
"""A frame louder than this is active (speech or noise), quieter is a pause."""
MIN_LEVEL_DBFS = -35.0
ACTIVE_SHARE = (0.3, 0.95)
MIN_VARIATION_DB = 5.0
SECONDS_PER_WORD = (0.2, 0.8)
SLACK_SECONDS = 0.5
"""MP3 encoder padding and the room an engine leaves around sentences."""


@dataclass(frozen=True)
class Measures:
    """What the check measures in one file."""

    seconds: float
    level_dbfs: float
    active_share: float
    variation_db: float


def measure(audio: Path | bytes, pause_seconds: float = 0.0) -> Measures:
    """Decode a file (MP3, WAV, FLAC) and measure it over 20 ms frames.

    The active share leaves out ``pause_seconds`` of deliberate silence (a five-second
    breath in the evening reflection is not a lack of speech).
    """
    source = io.BytesIO(audio) if isinstance(audio, bytes) else audio
    samples, rate = soundfile.read(source, dtype="float64", always_2d=True)
    mono = samples.mean(axis=1)
    size = int(rate * FRAME_SECONDS)
    count = len(mono) // size
    frames = mono[: count * size].reshape(count, size)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    decibels = 20 * np.log10(np.maximum(rms, 1e-10))
    active = decibels > ACTIVE_DBFS
    if not active.any():
        return Measures(len(mono) / rate, -200.0, 0.0, 0.0)
    level = 20 * np.log10(np.sqrt(np.mean(rms[active] ** 2)))
    speaking_frames = max(count - int(pause_seconds / FRAME_SECONDS), int(active.sum()), 1)
    return Measures(
        seconds=len(mono) / rate,
        level_dbfs=float(level),
        active_share=float(active.sum() / speaking_frames),
        variation_db=float(np.std(decibels[active])),
    )


def speech_problems(
    audio: Path | bytes, *, words: int | None = None, pause_seconds: float = 0.0
) -> list[str]:
    """Return why the audio is not plausible speech (empty when it is)."""
    found = measure(audio, pause_seconds)
    problems = []
    if found.level_dbfs <= MIN_LEVEL_DBFS:
        problems.append(f"level {found.level_dbfs:.1f} dBFS is not above {MIN_LEVEL_DBFS}")
    low, high = ACTIVE_SHARE
    if not low <= found.active_share <= high:
        problems.append(f"active share {found.active_share:.2f} is outside {low}-{high}")
    if found.variation_db <= MIN_VARIATION_DB:
        problems.append(f"loudness varies {found.variation_db:.1f} dB, not over {MIN_VARIATION_DB}")
    if words is not None:
        shortest = words * SECONDS_PER_WORD[0] + pause_seconds
        longest = words * SECONDS_PER_WORD[1] + pause_seconds + SLACK_SECONDS
        if not shortest <= found.seconds <= longest:
            problems.append(
                f"{found.seconds:.2f} s for {words} words and {pause_seconds:.2f} s of pauses "
                f"is outside {shortest:.2f}-{longest:.2f} s"
            )
    return problems
