"""Text-to-speech engines behind one small interface, and the order ``auto`` tries them.

Each engine turns plain text (never SSML: see :mod:`speech.segments`) into PCM. They
differ in what they need: ``gtts`` needs Google's service, ``piper`` an optional
extra, ``espeak`` a system program. ``available()`` says, without synthesising
anything, whether an engine can run here and if not what to install, so that
``auto`` can explain exactly why it chose what it chose.

Engines are created once per process (:func:`engine_named`) because two of them keep
state worth keeping: gtts spaces its requests and pauses after repeated failures, and
piper keeps its voice loaded in a separate process.
"""

from __future__ import annotations

import threading
from typing import Protocol

from speech.audio import PCM

ENGINE_NAMES = ("gtts", "piper", "espeak")
"""Every engine, in the order ``auto`` tries them: online quality first, then offline."""


class Engine(Protocol):
    """What speech/ needs of a text-to-speech engine."""

    name: str

    def voice_for(self, locale: str) -> str:
        """Name the voice used for ``locale`` (part of the cache key)."""
        ...

    def available(self) -> str | None:
        """Return None if the engine can run here, else one line saying what to install."""
        ...

    def synthesize(self, text: str, locale: str, *, rate: float = 1.0) -> PCM:
        """Say plain ``text``; ``rate`` is relative to the voice's normal pace.

        Raises SynthesisFailed (or a subclass) with a one-line probable cause.
        """
        ...


_instances: dict[str, Engine] = {}
_creating = threading.Lock()


def engine_named(name: str) -> Engine:
    """Return this process's engine called ``name``, creating it on first use.

    Thread-safe, so that a web page rendering from several threads still gets one
    piper worker and one gtts request schedule.
    """
    with _creating:
        if name not in _instances:
            _instances[name] = _create(name)
        return _instances[name]


def _create(name: str) -> Engine:
    if name == "gtts":
        from speech.engines.google_translate import GttsEngine

        return GttsEngine()
    if name == "piper":
        from speech.engines.piper_voice import PiperEngine

        return PiperEngine()
    if name == "espeak":
        from speech.engines.espeak import EspeakEngine

        return EspeakEngine()
    raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
