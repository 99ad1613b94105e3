"""The independent speech check itself: speech passes; silence, noise and a tone fail."""

from __future__ import annotations

import numpy as np

from tests.audio_signals import espeak_mp3, espeak_samples, mp3_bytes, quiet, tone, white_noise
from tests.speech_check import measure, speech_problems

SENTENCE = "Most of us crave closeness, and yet we find it hard to embrace."


def test_real_speech_passes() -> None:
    assert speech_problems(espeak_mp3(SENTENCE), words=len(SENTENCE.split())) == []


def test_silence_fails_on_level_and_activity() -> None:
    problems = speech_problems(mp3_bytes(quiet(4.0)))
    assert any("level" in p for p in problems)
    assert any("active share" in p for p in problems)


def test_white_noise_fails_on_activity_and_variation() -> None:
    problems = speech_problems(mp3_bytes(white_noise(4.0)))
    assert any("active share" in p for p in problems)
    assert any("varies" in p for p in problems)
    assert not any("level" in p for p in problems)  # it is loud enough: that alone is not speech


def test_a_pure_tone_fails_on_activity_and_variation() -> None:
    problems = speech_problems(mp3_bytes(tone(4.0, 440)))
    assert any("active share" in p for p in problems)
    assert any("varies" in p for p in problems)


def test_a_tone_broken_into_bursts_still_fails_on_variation() -> None:
    # Beeps with gaps have the activity of speech but no syllables.
    beeps = np.concatenate([np.concatenate([tone(0.3), quiet(0.2)]) for _ in range(8)])
    problems = speech_problems(mp3_bytes(beeps))
    assert problems and all("active share" not in p for p in problems)


def test_speech_too_short_or_too_long_for_its_words_fails() -> None:
    mp3 = espeak_mp3(SENTENCE)
    assert any("outside" in p for p in speech_problems(mp3, words=40))
    assert any("outside" in p for p in speech_problems(mp3, words=2))
    seconds = measure(mp3).seconds
    assert speech_problems(mp3, words=12, pause_seconds=0.0) == []
    assert any("outside" in p for p in speech_problems(mp3, words=12, pause_seconds=seconds))


def test_quiet_speech_fails_on_level() -> None:
    samples, rate = espeak_samples(SENTENCE)
    problems = speech_problems(mp3_bytes(samples * 0.01, rate=rate))
    assert any("level" in p for p in problems)
