"""The gtts engine through gTTS's real HTTP code, against Google's recorded answer format.

Answers come from ``responses`` (which replaces the transport under requests) or,
for what only real sockets show (a refused connection, a server that accepts and
goes silent, a full TLS exchange), from a loopback proxy that gTTS reaches through
the standard ``https_proxy`` variable. A guard refuses any name lookup other than
loopback, so no test here can reach the network.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import responses
from responses.registries import OrderedRegistry

from speech.audio import decode
from speech.engines.google_translate import GttsEngine, tld_for
from speech.errors import RateLimited, ServiceUnreachable, SynthesisFailed
from tests.audio_signals import RATE, dominant_hertz, espeak_mp3, mp3_bytes, tone
from tests.conftest import free_port
from tests.loopback import loopback_server
from tests.speech_check import speech_problems
from tests.speech_google import (
    ENDPOINT,
    google_reply,
    self_signed_certificate,
    sent_text,
    tls_proxy,
)

URL = ENDPOINT.format(tld="com")
LONG_TEXT = (
    "Emotional intimacy is the kind of closeness that lets you connect deeply with someone. "
    "Most of us crave it; yet we find it hard to embrace."
)
"""Over 100 characters: gTTS sends it in three requests (it cuts at punctuation)."""


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every name lookup except loopback, and start with no proxy configured."""
    real = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"a test tried to reach {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("no_proxy", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


class Clock:
    """A fake clock whose sleep moves time on, recording every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    """A fake clock."""
    return Clock()


def engine(clock: Clock, **settings: Any) -> GttsEngine:
    """A gtts engine with short timeouts and the fake clock."""
    defaults: dict[str, Any] = {
        "timeout": (0.5, 0.5),
        "spacing_seconds": 0.0,
        "sleep": clock.sleep,
        "clock": clock,
    }
    return GttsEngine(**{**defaults, **settings})


@pytest.fixture
def google() -> Iterator[responses.RequestsMock]:
    """Google's endpoint, answered in the order answers are added; all must be used."""
    with responses.RequestsMock(
        registry=OrderedRegistry, assert_all_requests_are_fired=True
    ) as mock:
        yield mock


def test_long_text_goes_as_several_requests_and_comes_back_in_order(
    google: responses.RequestsMock, clock: Clock
) -> None:
    pitches = [300.0, 600.0, 1200.0]
    for hertz in pitches:
        google.post(URL, body=google_reply(mp3_bytes(tone(1.0, hertz))))
    pcm = engine(clock, spacing_seconds=0.5).synthesize(LONG_TEXT, "en-US")

    sent = [sent_text(call.request.body) for call in google.calls]
    assert sent == [
        "Emotional intimacy is the kind of closeness that lets you connect deeply with someone",
        "Most of us crave it",
        "yet we find it hard to embrace.",
    ]
    assert pcm.rate == RATE
    thirds = np.array_split(pcm.samples, 3)
    heard = [dominant_hertz(third, RATE) for third in thirds]
    assert heard == pytest.approx(pitches, rel=0.05)
    # Requests are spaced out: no sleep before the first, then the full spacing.
    assert clock.sleeps == [0.5, 0.5]


def test_the_locale_chooses_googles_host(google: responses.RequestsMock, clock: Clock) -> None:
    assert tld_for("en-GB") == "co.uk" and tld_for("en-AU") == "com.au"
    assert tld_for("en-IN") == "co.in" and tld_for("en-CA") == "ca" and tld_for("fr-FR") == "com"
    google.post(ENDPOINT.format(tld="co.uk"), body=google_reply(mp3_bytes(tone(0.5))))
    assert engine(clock).synthesize("Hello", "en-GB").seconds > 0.4


def test_real_speech_through_gtts_passes_the_speech_check(
    google: responses.RequestsMock, clock: Clock, tmp_path: Path
) -> None:
    text = "Most of us crave closeness, and yet we find it hard to embrace."
    mp3 = espeak_mp3(text)
    google.post(URL, body=google_reply(mp3))
    pcm = engine(clock).synthesize(text, "en-US")
    from speech.audio import write_mp3

    write_mp3(pcm, tmp_path / "said.mp3")
    assert speech_problems(tmp_path / "said.mp3", words=len(text.split())) == []


def test_429_then_success_is_retried_after_a_backoff(
    google: responses.RequestsMock, clock: Clock
) -> None:
    google.post(URL, status=429, body="Too Many Requests")
    google.post(URL, body=google_reply(mp3_bytes(tone(0.5))))
    pcm = engine(clock, backoff_seconds=2.0).synthesize("Hello there", "en-US")
    assert len(google.calls) == 2
    assert clock.sleeps == [2.0]
    assert pcm.seconds > 0.4


def test_429_forever_gives_up_after_the_retries_with_growing_waits(
    google: responses.RequestsMock, clock: Clock
) -> None:
    for _ in range(4):
        google.post(URL, status=429, body="Too Many Requests")
    with pytest.raises(RateLimited) as caught:
        engine(clock, retries=3, backoff_seconds=1.0).synthesize("Hello there", "en-US")
    assert len(google.calls) == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]
    message = str(caught.value)
    assert "\n" not in message
    assert "429" in message and "4 times" in message and "probable cause: rate limiting" in message


def test_retry_after_is_honoured_within_a_cap(google: responses.RequestsMock, clock: Clock) -> None:
    google.post(URL, status=429, headers={"Retry-After": "7"})
    google.post(URL, status=503, headers={"Retry-After": "3600"})
    google.post(URL, body=google_reply(mp3_bytes(tone(0.5))))
    engine(clock, backoff_seconds=1.0).synthesize("Hello there", "en-US")
    assert clock.sleeps == [7.0, 30.0]


def test_server_errors_are_retried_then_reported(
    google: responses.RequestsMock, clock: Clock
) -> None:
    for _ in range(3):
        google.post(URL, status=503, body="unavailable")
    with pytest.raises(SynthesisFailed) as caught:
        engine(clock, retries=2).synthesize("Hello there", "en-US")
    assert not isinstance(caught.value, RateLimited)
    assert "503" in str(caught.value) and "Google's side" in str(caught.value)


def test_a_200_without_audio_is_an_error_not_silence(
    google: responses.RequestsMock, clock: Clock
) -> None:
    google.post(URL, body=google_reply(None))
    with pytest.raises(SynthesisFailed, match="without audio"):
        engine(clock).synthesize("Hello there", "en-US")
    assert len(google.calls) == 1  # not worth retrying


def test_a_200_with_a_broken_audio_line_is_an_error(
    google: responses.RequestsMock, clock: Clock
) -> None:
    google.post(URL, body=')]}\'\n\n30\n[["wrb.fr","jQ1olc",null,null]]\n')
    with pytest.raises(SynthesisFailed, match="200"):
        engine(clock).synthesize("Hello there", "en-US")


def test_one_chunk_without_audio_fails_the_whole_text(
    google: responses.RequestsMock, clock: Clock
) -> None:
    google.post(URL, body=google_reply(mp3_bytes(tone(0.5))))
    google.post(URL, body=google_reply(None))
    google.post(URL, body=google_reply(mp3_bytes(tone(0.5))))
    with pytest.raises(SynthesisFailed, match="1 of 3 request"):
        engine(clock).synthesize(LONG_TEXT, "en-US")


def test_an_answer_that_is_not_mp3_is_an_error(
    google: responses.RequestsMock, clock: Clock
) -> None:
    google.post(URL, body=google_reply(b"<html>please sign in to the wifi</html>"))
    with pytest.raises(SynthesisFailed, match="could not be decoded"):
        engine(clock).synthesize("Hello there", "en-US")


def _use_proxy(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")


def test_a_refused_connection_fails_fast_and_says_so(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    _use_proxy(monkeypatch, free_port())  # a port that nothing listens on
    started = time.monotonic()
    with pytest.raises(ServiceUnreachable) as caught:
        engine(clock).synthesize("Hello there", "en-US")
    assert time.monotonic() - started < 2
    assert "refused" in str(caught.value) and "translate.google.com" in str(caught.value)
    assert clock.sleeps == []  # connection errors are not retried


def test_a_proxy_that_never_answers_hits_the_timeout(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    def silent(conn: socket.socket, stop: Any) -> None:
        stop.wait(10)

    with loopback_server(silent) as (port, accepted):
        _use_proxy(monkeypatch, port)
        started = time.monotonic()
        with pytest.raises(ServiceUnreachable, match=r"no answer .* within 0\.5 s"):
            engine(clock).synthesize("Hello there", "en-US")
        elapsed = time.monotonic() - started
    assert accepted == [1]
    assert 0.4 < elapsed < 3


def test_google_accepting_then_going_silent_hits_the_read_timeout(
    monkeypatch: pytest.MonkeyPatch, clock: Clock, tmp_path: Path
) -> None:
    certificate = self_signed_certificate(tmp_path)
    with loopback_server(tls_proxy(certificate, lambda text: None)) as (port, accepted):
        _use_proxy(monkeypatch, port)
        started = time.monotonic()
        with pytest.raises(ServiceUnreachable, match="no answer"):
            engine(clock).synthesize("Hello there", "en-US")
        elapsed = time.monotonic() - started
    assert accepted == [1]
    assert 0.4 < elapsed < 3


def test_a_whole_exchange_over_real_tls_sockets(
    monkeypatch: pytest.MonkeyPatch, clock: Clock, tmp_path: Path
) -> None:
    heard: list[str] = []

    def answer(text: str) -> bytes:
        heard.append(text)
        return google_reply(espeak_mp3(text)).encode()

    certificate = self_signed_certificate(tmp_path)
    with loopback_server(tls_proxy(certificate, answer)) as (port, accepted):
        _use_proxy(monkeypatch, port)
        pcm = engine(clock).synthesize(LONG_TEXT, "en-US")
    assert len(heard) == len(accepted) == 3
    assert pcm.seconds > 5


def test_after_repeated_failures_gtts_pauses_so_auto_moves_on_at_once(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    _use_proxy(monkeypatch, free_port())
    gtts = engine(clock, trip_after=2, cooldown_seconds=300)
    assert gtts.available() is None
    for _ in range(2):
        with pytest.raises(ServiceUnreachable):
            gtts.synthesize("Hello there", "en-US")
    reason = gtts.available()
    assert reason is not None and "paused" in reason and "refused" in reason
    clock.now += 301
    assert gtts.available() is None


def test_gtts_alone_would_hang_forever_which_is_why_the_engine_sets_a_timeout() -> None:
    from gtts import gTTS

    assert gTTS("x", lang_check=False).timeout is None
    assert all(t < 60 for t in GttsEngine().timeout)


def test_decoded_parts_keep_their_length(google: responses.RequestsMock, clock: Clock) -> None:
    google.post(URL, body=google_reply(mp3_bytes(tone(1.5, 500))))
    pcm = engine(clock).synthesize("Hello there", "en-US")
    reference = decode(mp3_bytes(tone(1.5, 500)))
    assert pcm.seconds == pytest.approx(reference.seconds, abs=0.01)


def test_requests_library_is_what_gtts_uses() -> None:
    # The loopback tests rely on gTTS sending through requests with the environment's
    # proxies; if a gTTS upgrade changes that, this says why the others fail.
    import inspect

    from gtts import tts

    source = inspect.getsource(tts.gTTS.stream)
    assert "getproxies" in source and "timeout=self.timeout" in source
    assert tts.requests is requests


def test_render_ssml_with_gtts_end_to_end(
    google: responses.RequestsMock, clock: Clock, tmp_path: Path
) -> None:
    from speech.render import render_ssml
    from speech.segments import pause_seconds, pieces_of

    def speak(request: Any) -> tuple[int, dict[str, str], str]:
        return 200, {}, google_reply(espeak_mp3(sent_text(request.body)))

    google.add_callback(responses.POST, URL, callback=speak)
    google.add_callback(responses.POST, URL, callback=speak)
    gtts = {"gtts": engine(clock)}
    ssml = (
        '<speak><prosody rate="95%"><s>Fear of intimacy often grows out of past experiences.</s>'
        '<break time="400ms"/><s>Shall I go on?</s></prosody></speak>'
    )
    clip = render_ssml(ssml, cache_dir=tmp_path, engines=gtts)
    assert clip.engine == "gtts" and not clip.cached
    assert [sent_text(call.request.body) for call in google.calls] == [
        "Fear of intimacy often grows out of past experiences.",
        "Shall I go on?",
    ]
    pauses = pause_seconds(pieces_of(ssml))
    assert pauses == pytest.approx(0.65)
    assert speech_problems(clip.path, words=12, pause_seconds=pauses) == []
    assert render_ssml(ssml, cache_dir=tmp_path, engines=gtts).cached  # no further request
