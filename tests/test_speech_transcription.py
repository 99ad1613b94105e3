"""Slow (about 10 s): previews transcribed by an offline recogniser give back their words.

The strongest check that a clip says what the skill says: pocketsphinx (CMU Sphinx,
with the US English model its wheel ships) transcribes piper's rendering of real
responses, and most of their content words must come back. espeak-ng's robotic voice
is not held to this (the recogniser catches too little of it to mean anything).
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from intents import load_catalogue
from skill.alexa import build_skill
from skill.dispatch import handle_envelope
from skill.envelopes import intent_request, launch_request
from speech.render import render_ssml
from speech.segments import Spoken, pieces_of

_FUNCTION_WORDS = """a an and are as at be but by can do does for from go how i if in is it its
just me more my no not of on or our say shall should so some that the them they this to us
was we what will with would yes you your"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())


def needed(module: str, install: str) -> None:
    """Skip locally without ``module``; fail under CI, where it must be installed."""
    if importlib.util.find_spec(module):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{module} is not installed: {install}")
    pytest.skip(f"{module} is not installed: {install}")


def transcribe(path: Path) -> str:
    """Offline speech recognition of an audio file (resampled to 16 kHz by linear steps)."""
    from pocketsphinx import Decoder

    samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    times = np.arange(0, len(mono) / rate, 1 / 16_000)
    at_16k = np.interp(times, np.arange(len(mono)) / rate, mono)
    decoder = Decoder(samprate=16_000)
    decoder.start_utt()
    decoder.process_raw((at_16k * 32767).astype("<i2").tobytes(), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis else ""


def content_words(text: str) -> list[str]:
    """The words that carry meaning: not function words, not tiny."""
    words = re.findall(r"[a-z']+", text.lower())
    return [w for w in words if w not in FUNCTION_WORDS and len(w) > 2]


def test_piper_previews_transcribe_back_to_their_words(tmp_path: Path) -> None:
    needed("piper", "pip install -e '.[offline]'")
    needed("pocketsphinx", "pip install pocketsphinx")
    catalogue = load_catalogue()
    skill = build_skill(catalogue)
    requests = {
        "launch": launch_request(),
        "topic": intent_request("PartnerPullingAwayIntent"),
        "reflection": intent_request("EveningReflectionIntent"),
        "safety": intent_request("CrisisIntent"),
    }
    recovered_total = wanted_total = 0
    for name, request in requests.items():
        ssml = handle_envelope(skill, request)["response"]["outputSpeech"]["ssml"]
        clip = render_ssml(ssml, engine="piper", cache_dir=tmp_path)
        told = [piece.text for piece in pieces_of(ssml) if isinstance(piece, Spoken)]
        wanted = content_words(" ".join(told))  # numbers as the engine was told: in words
        heard = set(transcribe(clip.path).split())
        recovered = [w for w in wanted if w in heard]
        assert len(recovered) >= 0.6 * len(wanted), (name, sorted(set(wanted) - heard))
        recovered_total += len(recovered)
        wanted_total += len(wanted)
    assert recovered_total >= 0.75 * wanted_total


def test_the_recogniser_hears_nothing_in_noise(tmp_path: Path) -> None:
    needed("pocketsphinx", "pip install pocketsphinx")
    noise = np.random.default_rng(3).normal(0, 0.05, 16_000 * 3)
    path = tmp_path / "noise.wav"
    soundfile.write(path, noise, 16_000)
    assert len(content_words(transcribe(path))) <= 2
