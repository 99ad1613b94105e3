"""PCM in memory, and MP3 files out: decode, resample, pause, encode once, write atomically.

Why decode everything to PCM and encode once: MP3 frames carry encoder delay and
padding, so gluing MP3 files (or re-encoding pieces at different rates) gives clicks,
drifting pauses and, with lameenc's defaults, a silent drop to 22.05 kHz. Working on
samples makes every pause exact and gives one clean file at the rate Alexa's own audio
uses: 24 kHz mono (48 kbps, the bit rate Alexa asks of ``<audio>`` clips).

No ffmpeg: ``soundfile`` (libsndfile, bundled in its wheel) decodes MP3, WAV and FLAC;
``lameenc`` encodes MP3. Resampling is done with numpy's FFT (band-limited, and good
enough for speech previews) so that scipy is not needed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lameenc
import numpy as np
import soundfile

from speech.atomic import write_bytes_atomically
from speech.errors import AudioFileError

SAMPLE_RATE = 24_000
"""The rate of every file speech/ writes: Alexa's audio rate, and gTTS's own output."""
BIT_RATE_KBPS = 48
QUIET_DBFS = -50.0
"""Below this level, the start and end of an engine's output count as its own padding."""


@dataclass(frozen=True, eq=False)
class PCM:
    """Mono float32 samples in [-1, 1] at ``rate`` samples per second."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        """How long the audio lasts."""
        return len(self.samples) / self.rate


def silence(seconds: float, rate: int = SAMPLE_RATE) -> PCM:
    """Return real digital silence (zeros) of the given length."""
    return PCM(np.zeros(round(max(seconds, 0.0) * rate), dtype=np.float32), rate)


def decode(source: bytes | Path) -> PCM:
    """Decode MP3, WAV or FLAC bytes or a file to mono PCM; raise AudioFileError if not audio."""
    where = "audio data" if isinstance(source, bytes) else str(source)
    try:
        handle = io.BytesIO(source) if isinstance(source, bytes) else source
        samples, rate = soundfile.read(handle, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioFileError(f"{where} cannot be decoded as audio ({error})") from None
    except OSError as error:
        raise AudioFileError(f"{where} cannot be read ({error.strerror or error})") from None
    return PCM(np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32), int(rate))


def resample(pcm: PCM, rate: int = SAMPLE_RATE) -> PCM:
    """Change the sample rate by band-limited (FFT) interpolation.

    Zeros are added at both ends first, because the FFT treats the signal as periodic
    and the end would otherwise bleed into the start; the padded length is chosen so
    that both transforms have sizes that factor well (an awkward prime length makes
    the FFT several times slower).
    """
    if pcm.rate == rate:
        return pcm
    if len(pcm.samples) == 0:
        return PCM(pcm.samples, rate)
    step_in, step_out = _ratio(pcm.rate, rate)
    pad = pcm.rate // 20
    size_in = _fast_size(len(pcm.samples) + 2 * pad, step_in)
    size_out = size_in * step_out // step_in
    padded = np.zeros(size_in)
    padded[pad : pad + len(pcm.samples)] = pcm.samples
    spectrum = np.fft.rfft(padded)
    kept = np.zeros(size_out // 2 + 1, dtype=complex)
    shared = min(len(spectrum), len(kept))
    kept[:shared] = spectrum[:shared]
    stretched = np.fft.irfft(kept, size_out) * (size_out / size_in)
    start = pad * step_out // step_in
    body = stretched[start : start + round(len(pcm.samples) * rate / pcm.rate)]
    return PCM(np.clip(body, -1.0, 1.0).astype(np.float32), rate)


def _ratio(rate_in: int, rate_out: int) -> tuple[int, int]:
    """Reduce two rates to their smallest whole ratio (22050:24000 is 147:160)."""
    common = math.gcd(rate_in, rate_out)
    return rate_in // common, rate_out // common


def _fast_size(at_least: int, step: int) -> int:
    """Return a multiple of ``step`` times a power of two, at least ``at_least`` long.

    Both transform sizes are then ``step`` (or its partner) times a power of two: sizes
    numpy's FFT handles quickly for the usual rates, and the output size is whole.
    """
    if step > 4096:  # unusual rates: fall back to any multiple of step
        return -(-at_least // step) * step
    size = step
    while size < at_least:
        size *= 2
    return size


def trim_silence(pcm: PCM, *, margin_seconds: float = 0.02) -> PCM:
    """Cut an engine's own leading and trailing quiet, keeping a short margin.

    Engines pad their output by different amounts; without trimming, a 400 ms break
    would last 400 ms plus whatever padding the engine chose.
    """
    level = np.abs(pcm.samples)
    loud = np.flatnonzero(level > 10 ** (QUIET_DBFS / 20))
    if len(loud) == 0:
        return PCM(pcm.samples[:0], pcm.rate)
    margin = round(margin_seconds * pcm.rate)
    start = max(int(loud[0]) - margin, 0)
    end = min(int(loud[-1]) + 1 + margin, len(pcm.samples))
    return PCM(pcm.samples[start:end], pcm.rate)


def concatenate(parts: Sequence[PCM], rate: int = SAMPLE_RATE) -> PCM:
    """Join PCM parts end to end, resampling any that are not at ``rate``."""
    arrays = [resample(part, rate).samples for part in parts]
    if not arrays:
        return silence(0.0, rate)
    return PCM(np.concatenate(arrays).astype(np.float32), rate)


def encode_mp3(pcm: PCM) -> bytes:
    """Encode mono PCM as one constant bit rate MP3 at 24 kHz.

    The output rate is set explicitly: left to itself, lame picks 22.05 kHz for low
    bit rates, and files at different rates cannot be joined sample for sample.
    """
    pcm = resample(pcm, SAMPLE_RATE)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BIT_RATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)  # LAME's default balance of speed and quality
    samples = np.clip(pcm.samples, -1.0, 1.0)
    data = encoder.encode((samples * 32767).astype("<i2").tobytes())
    return bytes(data + encoder.flush())


def write_mp3(pcm: PCM, target: Path) -> float:
    """Encode ``pcm`` and write it to ``target`` atomically; return its length in seconds."""
    write_bytes_atomically(target, encode_mp3(pcm))
    return resample(pcm, SAMPLE_RATE).seconds


def join_clips(paths: Sequence[Path], target: Path, *, gap_seconds: float = 1.0) -> float:
    """Join audio files into one MP3 with ``gap_seconds`` of silence between them.

    Every file is decoded first, so an unreadable one raises AudioFileError before
    anything is written; the result is encoded once and written atomically.
    """
    if not paths:
        raise ValueError("join_clips needs at least one file")
    if gap_seconds < 0:
        raise ValueError(f"gap_seconds must not be negative, not {gap_seconds}")
    parts: list[PCM] = []
    for index, path in enumerate(paths):
        if index:
            parts.append(silence(gap_seconds))
        parts.append(resample(decode(Path(path))))
    return write_mp3(concatenate(parts), target)
