"""Everything ``speech`` raises, under one base, so callers can catch a whole branch.

::

    SpeechError                  base of every error raised by speech/
    └── RenderError              no audio was made; nothing was written at the target
        ├── InvalidSSML          the SSML cannot be read, or is more than Alexa allows
        ├── EngineUnavailable    an engine cannot run here; the message says what to install
        ├── SynthesisFailed      an engine ran and failed on this text
        │   ├── ServiceUnreachable   gtts: refused, timed out or no route to Google
        │   └── RateLimited          gtts: Google kept answering 429 after the retries
        └── AudioFileError       an audio file to join is missing or cannot be decoded

``str()`` of each is one line that names the probable cause, because these messages
end up in a terminal summary or a web page, not in a traceback.
"""

from __future__ import annotations


class SpeechError(Exception):
    """Base of every error raised by the speech package."""


class RenderError(SpeechError):
    """No audio could be made; ``str()`` is one line with the probable cause."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class InvalidSSML(RenderError):  # noqa: N818 - reads as what it is
    """The SSML cannot be said: not well-formed XML, no words, or over Alexa's limits."""


class EngineUnavailable(RenderError):  # noqa: N818
    """An engine cannot run on this machine (not installed); the message says what to install."""


class SynthesisFailed(RenderError):  # noqa: N818
    """An engine ran but produced no usable audio for this text."""


class ServiceUnreachable(SynthesisFailed):
    """An online engine could not reach its service (refused, timed out, no network)."""


class RateLimited(SynthesisFailed):
    """An online engine was still rate-limited after its retries."""


class AudioFileError(RenderError):
    """An audio file given to be joined is missing or is not audio that can be decoded."""
