"""Test signals and MP3 bytes made offline, without the code under test.

MP3s are encoded here with lameenc directly (as Google's are: 24 kHz mono, 32 kbps),
so that the fixtures do not depend on speech.audio.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import lameenc
import numpy as np
import soundfile

RATE = 24_000


def tone(seconds: float, hertz: float = 440.0, level: float = 0.5, rate: int = RATE) -> np.ndarray:
    """A pure sine tone."""
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * hertz * t)).astype(np.float32)


def white_noise(seconds: float, level: float = 0.3, seed: int = 7) -> np.ndarray:
    """Gaussian white noise, clipped to [-1, 1]."""
    noise = np.random.default_rng(seed).normal(0.0, level, int(seconds * RATE))
    return np.clip(noise, -1, 1).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    """Digital silence."""
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def mp3_bytes(samples: np.ndarray, rate: int = RATE, kbps: int = 32) -> bytes:
    """Encode mono float samples as MP3, the way Google's voice arrives."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(5)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    return bytes(encoder.encode(pcm) + encoder.flush())


def espeak_samples(text: str) -> tuple[np.ndarray, int]:
    """Real speech from the espeak-ng program, as float samples and their rate."""
    program = shutil.which("espeak-ng")
    assert program, "espeak-ng is needed: apt-get install espeak-ng"
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "said.wav"
        subprocess.run(
            [program, "-v", "en-us", "-w", str(wav), "--stdin"],
            input=text.encode(),
            check=True,
            timeout=30,
        )
        samples, rate = soundfile.read(wav, dtype="float32")
    return samples, int(rate)


def espeak_mp3(text: str) -> bytes:
    """Real speech as MP3 bytes in Google's format (24 kHz mono), resampled by lame."""
    samples, rate = espeak_samples(text)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    return bytes(encoder.encode(pcm) + encoder.flush())


def dominant_hertz(samples: np.ndarray, rate: int) -> float:
    """The frequency with the most energy."""
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * rate / len(samples))
