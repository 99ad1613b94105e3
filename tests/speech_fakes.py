"""A fake speech engine for render tests: instant, countable, and able to fail on cue.

Fakes reach the code under test through its ``engines`` parameter
(:func:`speech.render.render_ssml`, ``closer preview``'s ``run``), never through
speech.engines' private registry.
"""

from __future__ import annotations

import numpy as np

from speech.audio import PCM
from speech.engines import ENGINE_NAMES
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


def by_name(*fakes: FakeEngine) -> dict[str, FakeEngine]:
    """Key fakes by their names, in the order given: the ``engines`` argument to pass."""
    return {fake.name: fake for fake in fakes}


def working_fakes() -> dict[str, FakeEngine]:
    """A working fake under each real engine name, in the order ``auto`` tries them."""
    return by_name(*(FakeEngine(name, voice=f"{name}-voice") for name in ENGINE_NAMES))
