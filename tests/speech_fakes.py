"""A fake speech engine for render tests: instant, countable, and able to fail on cue."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from speech import engines
from speech.audio import PCM
from speech.errors import SynthesisFailed

RATE = 22_050


class FakeEngine:
    """Says each word as a 0.3 s tone burst, so length follows the words; records calls."""

    def __init__(
        self,
        name: str,
        *,
        voice: str = "fake-voice",
        unavailable: str | None = None,
        fail_after: int | None = None,
        failure: SynthesisFailed | None = None,
    ) -> None:
        self.name = name
        self.voice = voice
        self.unavailable = unavailable
        self.fail_after = fail_after
        self.failure = failure or SynthesisFailed(f"{name} broke; probable cause: a test")
        self.calls: list[tuple[str, str, float]] = []

    def voice_for(self, locale: str) -> str:
        """One voice for every locale."""
        return self.voice

    def available(self) -> str | None:
        """Whatever the test said."""
        return self.unavailable

    def synthesize(self, text: str, locale: str, *, rate: float = 1.0) -> PCM:
        """A burst per word, or the failure once ``fail_after`` calls have been made."""
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise self.failure
        self.calls.append((text, locale, rate))
        burst = np.sin(2 * np.pi * 220 * np.arange(int(0.25 * RATE)) / RATE) * 0.5
        gap = np.zeros(int(0.05 * RATE))
        word = np.concatenate([burst, gap])
        return PCM(np.tile(word, len(text.split())).astype(np.float32), RATE)


def install(monkeypatch: pytest.MonkeyPatch, *fakes: FakeEngine) -> None:
    """Make ``engine_named`` return these fakes (by name) for the rest of the test."""
    for fake in fakes:
        monkeypatch.setitem(engines._instances, fake.name, fake)


def trio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    """Install three working fakes under the real engine names and yield them."""
    fakes = [FakeEngine(name) for name in engines.ENGINE_NAMES]
    install(monkeypatch, *fakes)
    yield from fakes
