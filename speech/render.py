"""Render the skill's SSML to an MP3 preview: the public API of speech/ audio.

::

    clip = render_ssml(ssml, locale="en-GB")          # Clip(path, engine, seconds, cached)
    clip = render_ssml(ssml, engines={"mine": my_engine})   # any Engine, e.g. a fake in tests
    seconds = join_clips([a.path, b.path], Path("evening.mp3"), gap_seconds=1.5)

``render_ssml`` splits the SSML into spoken text and pauses
(:mod:`speech.segments`), has an engine say each piece (or takes it from the cache),
puts real silence where the pauses are, and keeps one 24 kHz mono MP3 in the cache
(:mod:`speech.cache`), whose path it returns. With ``engine="auto"`` it first looks
for the clip already rendered by any engine, in the order gtts, piper, espeak (or
that of the ``engines`` given); if there is none, it tries the engines in that order
and uses the first that works, falling back clip by clip.
:func:`render_ssml_with_report` also says which engines were passed over and why.

Errors (all in :mod:`speech.errors`; ``str()`` is one line with a probable cause)::

    SpeechError
    └── RenderError              nothing was written at the target
        ├── InvalidSSML          the SSML cannot be read, has no words, or is over Alexa's limits
        ├── EngineUnavailable    the engine (or, for auto, every engine) cannot run here
        ├── SynthesisFailed      an engine ran and failed
        │   ├── ServiceUnreachable   gtts: refused, timed out, no network
        │   └── RateLimited          gtts: still 429 after its retries
        └── AudioFileError       join_clips: an input is missing or not audio

Catch ``RenderError`` to handle every failure of a render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from speech import audio
from speech.audio import PCM, concatenate, resample, silence, trim_silence
from speech.cache import AudioCache
from speech.engines import ENGINE_NAMES, Engine, engine_named
from speech.errors import (
    AudioFileError,
    EngineUnavailable,
    InvalidSSML,
    RateLimited,
    RenderError,
    ServiceUnreachable,
    SpeechError,
    SynthesisFailed,
)
from speech.segments import Piece, Spoken, pieces_of, plain_text

__all__ = [
    "ENGINE_CHOICES",
    "AudioFileError",
    "Clip",
    "EngineUnavailable",
    "InvalidSSML",
    "PassedOver",
    "RateLimited",
    "RenderError",
    "RenderReport",
    "ServiceUnreachable",
    "SpeechError",
    "SynthesisFailed",
    "join_clips",
    "render_ssml",
    "render_ssml_with_report",
]

ENGINE_CHOICES = ("auto", *ENGINE_NAMES)
INSTALL_ANY = (
    "install one: pip install gTTS and go online, "
    "or pip install 'closer-together[offline]' (piper), "
    "or apt-get install espeak-ng"
)


@dataclass(frozen=True)
class Clip:
    """A rendered MP3 (24 kHz mono) and how it was made."""

    path: Path
    engine: str
    seconds: float
    cached: bool


@dataclass(frozen=True)
class PassedOver:
    """An engine that ``auto`` tried or skipped before the one it used, and why."""

    engine: str
    reason: str


@dataclass(frozen=True)
class RenderReport:
    """A clip, what it says, and the engines passed over on the way to it."""

    clip: Clip
    text: str
    """What it says, as :func:`speech.segments.plain_text` reads the SSML."""
    passed_over: tuple[PassedOver, ...] = ()

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """One line per engine passed over: which, for which engine, and why.

        The words every caller uses to say why a clip is not in the voice asked for
        (``closer preview``'s summary and page, ``closer rehearse``'s stderr).
        """
        used = self.clip.engine
        return tuple(f"{p.engine} passed over for {used}: {p.reason}" for p in self.passed_over)


def render_ssml(
    ssml: str,
    *,
    locale: str = "en-US",
    engine: str = "auto",
    cache_dir: Path | None = None,
    engines: Mapping[str, Engine] | None = None,
) -> Clip:
    """Return the cached MP3 of ``ssml``, rendering it first if needed.

    ``engine`` names the engine to use, or ``"auto"`` for the first that works.
    ``engines`` are the engines to choose from, by name, in the order ``auto`` tries
    them; None means this process's real ones (gtts, piper, espeak). Passing them is
    how a caller (a test, say) supplies its own without touching global state.
    ``cache_dir`` defaults to :func:`speech.cache.default_cache_dir`.

    Raises RenderError (see the module docstring for its branches), and ValueError
    for an ``engine`` that is not one of ``engines``.
    """
    report = render_ssml_with_report(
        ssml, locale=locale, engine=engine, cache_dir=cache_dir, engines=engines
    )
    return report.clip


def render_ssml_with_report(
    ssml: str,
    *,
    locale: str = "en-US",
    engine: str = "auto",
    cache_dir: Path | None = None,
    engines: Mapping[str, Engine] | None = None,
) -> RenderReport:
    """Render like :func:`render_ssml`, and say which engines were passed over and why."""
    candidates = _candidates(engine, engines)
    pieces = pieces_of(ssml)
    if not any(isinstance(piece, Spoken) for piece in pieces):
        raise InvalidSSML("the SSML has no words to say")
    text = plain_text(ssml)
    cache = AudioCache(cache_dir)
    for candidate in candidates:
        key = _clip_key(candidate, locale, pieces)
        found = cache.find_clip(key)
        if found is not None:
            return RenderReport(Clip(found.path, found.engine, found.seconds, True), text)
    passed: list[PassedOver] = []
    failures: list[RenderError] = []
    for candidate in candidates:
        reason = candidate.available()
        if reason is not None:
            passed.append(PassedOver(candidate.name, reason))
            failures.append(EngineUnavailable(f"{candidate.name}: {reason}"))
            continue
        try:
            pcm = _say(candidate, pieces, locale, cache)
        except SynthesisFailed as error:
            passed.append(PassedOver(candidate.name, str(error)))
            failures.append(error)
            continue
        stored = cache.store_clip(
            _clip_key(candidate, locale, pieces),
            pcm,
            engine=candidate.name,
            voice=candidate.voice_for(locale),
            text=text,
        )
        clip = Clip(stored.path, candidate.name, stored.seconds, False)
        return RenderReport(clip, text, tuple(passed))
    raise _none_worked(engine, passed, failures)


def join_clips(paths: Sequence[Path], target: Path, *, gap_seconds: float = 1.0) -> float:
    """Join MP3s into one at ``target`` with silence between; return its length in seconds.

    Every input is decoded before anything is written, and the result is written
    atomically: on any error (AudioFileError for a bad input) ``target`` is untouched.
    """
    return audio.join_clips(paths, target, gap_seconds=gap_seconds)


def _candidates(engine: str, engines: Mapping[str, Engine] | None) -> list[Engine]:
    """Return the engines to try, in order: the one named, or for ``auto`` all of them.

    The real engines are created only when asked for (:func:`engine_named`), so that
    choosing espeak never starts piper's worker.
    """
    names = ENGINE_NAMES if engines is None else tuple(engines)
    if engine != "auto" and engine not in names:
        choices = ", ".join(("auto", *names))
        raise ValueError(f"unknown engine {engine!r}; choose one of {choices}")
    chosen = names if engine == "auto" else (engine,)
    if engines is None:
        return [engine_named(name) for name in chosen]
    return [engines[name] for name in chosen]


def _clip_key(engine: Engine, locale: str, pieces: Sequence[Piece]) -> str:
    return AudioCache.clip_key(
        engine=engine.name, voice=engine.voice_for(locale), locale=locale, pieces=pieces
    )


def _say(engine: Engine, pieces: Sequence[Piece], locale: str, cache: AudioCache) -> PCM:
    """Say every piece with one engine (reusing cached segments) and put the pauses in."""
    voice = engine.voice_for(locale)
    parts: list[PCM] = []
    for piece in pieces:
        if not isinstance(piece, Spoken):
            parts.append(silence(piece.seconds))
            continue
        key = AudioCache.segment_key(
            engine=engine.name, voice=voice, text=piece.text, rate=piece.rate
        )
        said = cache.find_segment(engine.name, key)
        if said is None:
            said = resample(trim_silence(engine.synthesize(piece.text, locale, rate=piece.rate)))
            if len(said.samples) == 0:
                raise SynthesisFailed(
                    f"{engine.name} produced only silence for {piece.text[:40]!r}; "
                    "probable cause: an engine fault or text it cannot read"
                )
            cache.store_segment(engine.name, key, said)
        parts.append(said)
    return concatenate(parts)


def _none_worked(engine: str, passed: list[PassedOver], failures: list[RenderError]) -> RenderError:
    """Build the error for a render no engine could do: one line, naming what to install."""
    if engine != "auto":
        return failures[0]
    summary = "; ".join(f"{p.engine}: {p.reason}" for p in passed)
    if all(isinstance(f, EngineUnavailable) for f in failures):
        return EngineUnavailable(f"no speech engine can run here ({summary}); {INSTALL_ANY}")
    return SynthesisFailed(f"every speech engine failed ({summary}); {INSTALL_ANY}")
