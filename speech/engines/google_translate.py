"""gTTS: Google Translate's voice, the best-sounding preview, when the network allows.

gTTS 2.5 itself has sharp edges (seen in its source and in tests): no timeout by default, errors
raised lazily from ``stream()``, a 0-byte file from ``save()`` on failure, and a 200
answer without audio passed over in silence. This engine uses the library's own HTTP
code (so what is tested is what runs) and adds what it lacks:

- every request gets a finite (connect, read) timeout through gTTS's ``timeout``;
- HTTP 429 and 5xx are retried a few times with exponential backoff, honouring a
  ``Retry-After`` header up to a cap;
- requests are spaced at least ``spacing_seconds`` apart, so that rendering every
  response in one go does not itself trigger Google's rate limiting;
- the audio is checked: one MP3 part per request gTTS planned (its dry run,
  ``get_bodies()``), or the render fails instead of silently dropping words;
- after ``trip_after`` failures in a row to reach Google (refused, timed out,
  rate-limited), the engine reports itself unavailable for ``cooldown_seconds``, so
  that ``auto`` moves on at once instead of waiting out a timeout for every clip.

Known limits: gTTS sends its requests with TLS verification off (``verify=False``,
not configurable), which is acceptable only because nothing secret is sent and the
answer is preview audio; the timeout applies to each network operation, so a server
that drips bytes could stretch one request; ``rate`` is ignored (gTTS offers only a
much slower "slow" mode).
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from speech.audio import PCM, concatenate, decode, silence
from speech.errors import (
    AudioFileError,
    RateLimited,
    ServiceUnreachable,
    SynthesisFailed,
)

if TYPE_CHECKING:
    from gtts import gTTS

TLD_BY_LOCALE = {"en-GB": "co.uk", "en-AU": "com.au", "en-IN": "co.in", "en-CA": "ca"}
"""Google's host per locale: the host, not the language code, gives gTTS its accent."""
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 30.0


class GttsEngine:
    """Speak through gTTS with timeouts, retries, request spacing and a cool-down."""

    name = "gtts"

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = (5.0, 15.0),
        retries: int = 3,
        backoff_seconds: float = 1.0,
        spacing_seconds: float = 0.5,
        trip_after: int = 2,
        cooldown_seconds: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.spacing_seconds = spacing_seconds
        self.trip_after = trip_after
        self.cooldown_seconds = cooldown_seconds
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._last_request: float | None = None
        self._failures_in_a_row = 0
        self._last_failure = ""
        self._paused_until = 0.0

    def voice_for(self, locale: str) -> str:
        """Name the voice by Google's host, which sets the accent."""
        return f"translate.google.{tld_for(locale)}"

    def available(self) -> str | None:
        """Check that gTTS is installed and that Google has not failed repeatedly just now."""
        if importlib.util.find_spec("gtts") is None:
            return "gTTS is not installed: pip install gTTS"
        if self._clock() < self._paused_until:
            return (
                f"paused for {self.cooldown_seconds:g} s after {self.trip_after} failures "
                f"in a row (last: {self._last_failure})"
            )
        return None

    def synthesize(self, text: str, locale: str, *, rate: float = 1.0) -> PCM:
        """Fetch ``text`` from Google Translate's voice for ``locale``; ``rate`` is ignored."""
        del rate
        with self._lock:
            try:
                pcm = self._synthesize(text, tld_for(locale))
            except (ServiceUnreachable, RateLimited) as error:
                self._failures_in_a_row += 1
                self._last_failure = str(error)
                if self._failures_in_a_row >= self.trip_after:
                    self._paused_until = self._clock() + self.cooldown_seconds
                raise
            self._failures_in_a_row = 0
            return pcm

    def _synthesize(self, text: str, tld: str) -> PCM:
        from gtts import gTTS

        try:
            tts = gTTS(text, tld=tld, lang="en", lang_check=False, timeout=self.timeout)
            planned = len(tts.get_bodies())  # a dry run: builds the requests, sends nothing
        except AssertionError:  # gTTS's way of saying there is nothing to speak
            return silence(0.0)
        for attempt in range(self.retries + 1):
            try:
                parts = list(self._stream(tts, planned))
                break
            except _Retryable as retry:
                if attempt == self.retries:
                    raise retry.final(self.retries + 1) from None
                self._sleep(retry.delay(self.backoff_seconds * 2**attempt))
        if len(parts) < planned:
            raise SynthesisFailed(
                f"Google answered {planned - len(parts)} of {planned} request(s) without "
                "audio; probable cause: the service changed its format or refused the text"
            )
        try:
            return concatenate([decode(part) for part in parts], rate=24_000)
        except AudioFileError as error:
            raise SynthesisFailed(
                f"Google's audio could not be decoded ({error}); probable cause: an answer "
                "that is not MP3, such as a captive portal page"
            ) from None

    def _stream(self, tts: gTTS, planned: int) -> Iterator[bytes]:
        """Yield each MP3 part, spacing the requests and translating gTTS's errors.

        Each ``next()`` on gTTS's generator sends at most one request, so waiting before
        each one spaces the requests; stopping after the planned parts avoids a wait
        for a request that will never be sent.
        """
        from gtts import gTTSError

        stream = tts.stream()
        try:
            for _ in range(planned):
                self._wait_for_turn()
                try:
                    part = next(stream)
                except StopIteration:
                    return
                except gTTSError as error:
                    raise _translate(error, tts, self.timeout) from None
                yield part
        finally:
            stream.close()

    def _wait_for_turn(self) -> None:
        """Sleep until ``spacing_seconds`` have passed since the previous request."""
        if self._last_request is not None:
            wait = self._last_request + self.spacing_seconds - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request = self._clock()


def tld_for(locale: str) -> str:
    """Map an Alexa locale to the Google host suffix that gives its accent."""
    return TLD_BY_LOCALE.get(locale, "com")


class _Retryable(Exception):  # noqa: N818 - internal signal, never escapes this module
    """A 429 or 5xx: worth another try after a pause."""

    def __init__(self, status: int, reason: str, retry_after: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after

    def delay(self, backoff: float) -> float:
        """Wait the backoff, or longer if Google asked for it (within reason)."""
        if self.retry_after is None:
            return backoff
        return max(backoff, min(self.retry_after, MAX_RETRY_AFTER_SECONDS))

    def final(self, attempts: int) -> SynthesisFailed:
        """Build the error to raise once the retries are used up."""
        if self.status == 429:
            return RateLimited(
                f"Google answered 429 Too Many Requests {attempts} times; probable cause: "
                "rate limiting after many requests: wait a few minutes or use --engine piper"
            )
        return SynthesisFailed(
            f"Google answered {self.status} {self.reason} {attempts} times; probable cause: "
            "a problem on Google's side: try again later or use an offline engine"
        )


def _translate(error: Exception, tts: gTTS, timeout: tuple[float, float]) -> Exception:
    """Turn a gTTSError into a retry signal or a one-line error with its probable cause."""
    import requests

    response = getattr(error, "rsp", None)
    host = f"translate.google.{tts.tld}"
    if response is not None:
        status = int(response.status_code)
        if status in RETRYABLE_STATUS:
            return _Retryable(status, str(response.reason or ""), _retry_after(response))
        return SynthesisFailed(f"{error} (from {host})")
    cause = error.__context__
    if isinstance(cause, requests.exceptions.Timeout) or "timed out" in str(cause).lower():
        return ServiceUnreachable(
            f"no answer from {host} within {max(timeout):g} s; probable cause: a slow or "
            "blocked network, or a proxy that does not answer"
        )
    detail = str(cause).lower()
    if "refused" in detail:
        why = "the connection was refused (by a proxy or firewall)"
    elif "resolve" in detail or "name or service" in detail or "getaddrinfo" in detail:
        why = "the host name could not be resolved: no internet connection?"
    else:
        why = "no internet connection, or a firewall or proxy in the way"
    return ServiceUnreachable(f"could not connect to {host}; probable cause: {why}")


def _retry_after(response: object) -> float | None:
    """Read a Retry-After header given in seconds (dates are ignored)."""
    value = getattr(response, "headers", {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
