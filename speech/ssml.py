"""Compose and check the SSML that Alexa speaks.

Pure functions over a tiny speech model: a reply is a sequence of text segments,
:class:`Pause` and :class:`Telephone` objects, rendered here to the SSML Alexa speaks;
:mod:`speech.segments` reads that SSML back into text and pauses for audio previews.
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Alexa's limits (developer docs: SSML reference and response format).
MAX_SPEECH_CHARS = 8000
"""Characters of outputSpeech SSML Alexa accepts; the one copy (lint, rendering, tests)."""
MAX_BREAK_SECONDS = 10.0
"""The longest single ``<break>`` Alexa allows; longer pauses are chained breaks."""
SUPPORTED_TAGS = frozenset(
    {
        "speak",
        "amazon:domain",
        "amazon:effect",
        "amazon:emotion",
        "audio",
        "break",
        "emphasis",
        "lang",
        "p",
        "phoneme",
        "prosody",
        "s",
        "say-as",
        "sub",
        "voice",
        "w",
    }
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'<])")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?])")
_BREAK_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")
# Alexa's SSML uses an undeclared "amazon:" prefix; rename it so an XML parser accepts it.
_AMAZON_TAG = re.compile(r"<(/?)amazon:")


@dataclass(frozen=True)
class Pause:
    """Deliberate quiet, for thinking.

    Alexa allows at most 10 seconds per break, so a longer pause is rendered as
    several breaks in a row (20 s: two breaks of 10 s).
    """

    seconds: float


@dataclass(frozen=True)
class Telephone:
    """A phone number, read group by group and a little slower, inside a sentence.

    ``spoken`` is how people say it where that is not its digits (Australia's 000 is
    "triple zero"); the number itself stays in the SSML, as ``<sub>``'s text.
    """

    number: str
    rate: str = "85%"
    spoken: str | None = None


Segment = str | Pause | Telephone


@dataclass(frozen=True)
class Voice:
    """How the skill paces its speech: a slightly slower rate and room between sentences."""

    rate: str = "95%"
    sentence_pause_ms: int = 400


def split_sentences(text: str) -> list[str]:
    """Split text at sentence ends: a period, ! or ? followed by a capital, digit or tag."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def to_ssml(segments: Iterable[Segment], voice: Voice = Voice()) -> str:
    """Render segments as the inside of a ``<speak>`` element, escaped and paced.

    Text and phone numbers between pauses form one run of sentences; each sentence
    becomes ``<s>``, separated by a short break so the voice sounds unhurried; a
    :class:`Pause` becomes a break of its own length.

    The skill's replies are made of its content, so the same few hundred segment
    sequences come back turn after turn: rendering was most of a handler's time, and
    a result is kept (see :func:`cached_render`) and reused.
    """
    key = tuple(segments)
    try:
        return cached_render(key, voice)
    except TypeError:  # an unhashable segment: render it without the cache
        return render_segments(key, voice)


@functools.lru_cache(maxsize=1024)
def cached_render(segments: tuple[Segment, ...], voice: Voice) -> str:
    """Remember renderings: a pure function of immutable segments and voice.

    Bounded, so that a caller rendering ever-new text cannot grow it without end.
    """
    return render_segments(segments, voice)


def render_segments(segments: tuple[Segment, ...], voice: Voice) -> str:
    pieces: list[str] = []
    gap = f'<break time="{voice.sentence_pause_ms}ms"/>'
    for run in _runs(segments):
        if isinstance(run, Pause):
            pieces += [f'<break time="{_seconds(part)}"/>' for part in _breaks(run.seconds)]
            continue
        for sentence in split_sentences(run):
            if pieces and not pieces[-1].startswith("<break"):
                pieces.append(gap)
            pieces.append(f"<s>{sentence}</s>")
    return f'<prosody rate="{voice.rate}">{"".join(pieces)}</prosody>'


def _runs(segments: Iterable[Segment]) -> Iterable[str | Pause]:
    """Group segments into marked-up runs of speech separated by pauses."""
    run: list[str] = []
    for segment in segments:
        if isinstance(segment, Pause):
            if run:
                yield _join(run)
                run = []
            yield segment
        elif isinstance(segment, Telephone):
            number = escape(segment.number)
            markup = f'<say-as interpret-as="telephone">{number}</say-as>'
            if segment.spoken:
                markup = (
                    f'<sub alias="{escape(segment.spoken, {chr(34): "&quot;"})}">{number}</sub>'
                )
            run.append(f'<prosody rate="{segment.rate}">{markup}</prosody>')
        elif segment.strip():
            run.append(escape(" ".join(segment.split())))
    if run:
        yield _join(run)


def _join(words: list[str]) -> str:
    """Join pieces with spaces, but none before punctuation."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(words))


def _breaks(seconds: float) -> list[float]:
    """Split a pause into breaks of at most Alexa's 10 seconds, as even as can be."""
    count = max(1, math.ceil(seconds / MAX_BREAK_SECONDS - 1e-9))
    return [seconds / count] * count


def _seconds(value: float) -> str:
    """Write a break length the way Alexa accepts it (whole milliseconds or seconds)."""
    if value >= 1 and float(value).is_integer():
        return f"{int(value)}s"
    return f"{round(value * 1000)}ms"


def parse_ssml(ssml: str) -> ElementTree.Element:
    """Parse SSML as XML, accepting Alexa's undeclared ``amazon:`` tag prefix.

    Tags ``amazon:x`` come back as ``amazon-x``; raises ``ElementTree.ParseError``.
    """
    return ElementTree.fromstring(_AMAZON_TAG.sub(r"<\1amazon-", ssml))


def break_time_seconds(time: str) -> float | None:
    """Read a ``<break time>`` value like ``500ms`` or ``2s``; None if it is not one."""
    match = _BREAK_TIME.match(time)
    if not match:
        return None
    return float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)


def ssml_problems(ssml: str) -> list[str]:
    """Return what Alexa would reject in a full ``<speak>`` document (empty when fine)."""
    problems: list[str] = []
    if len(ssml) > MAX_SPEECH_CHARS:
        problems.append(f"speech is {len(ssml)} characters; Alexa's limit is {MAX_SPEECH_CHARS}")
    try:
        root = parse_ssml(ssml)
    except ElementTree.ParseError as error:
        return [*problems, f"speech is not well-formed SSML: {error}"]
    if root.tag != "speak":
        problems.append("speech must be one <speak> element")
    for element in root.iter():
        tag = str(element.tag).replace("amazon-", "amazon:", 1)
        if tag not in SUPPORTED_TAGS:
            problems.append(f"<{tag}> is not an SSML tag Alexa supports")
        if tag == "break":
            problems.extend(_break_problems(element.get("time")))
    return problems


def _break_problems(time: str | None) -> list[str]:
    """Check one ``<break time=...>`` against Alexa's 10-second limit."""
    if time is None:
        return []
    seconds = break_time_seconds(time)
    if seconds is None:
        return [f'break time "{time}" is not like "500ms" or "2s"']
    if seconds > MAX_BREAK_SECONDS:
        return [f"break of {seconds:g} s is longer than Alexa's {MAX_BREAK_SECONDS:g} s"]
    return []
