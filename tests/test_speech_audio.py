"""PCM and MP3 plumbing: resampling, one encode at 24 kHz mono, and atomic writes."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile

from speech.atomic import atomic_file, place_copy, write_bytes_atomically
from speech.audio import (
    PCM,
    SAMPLE_RATE,
    concatenate,
    decode,
    encode_mp3,
    resample,
    silence,
    trim_silence,
    write_mp3,
)
from speech.errors import AudioFileError
from tests.audio_signals import dominant_hertz, quiet, tone


@pytest.mark.parametrize("rate", [16_000, 22_050, 44_100, 48_000])
def test_resampling_keeps_pitch_and_length(rate: int) -> None:
    source = PCM(tone(1.37, 440, rate=rate), rate)
    result = resample(source, SAMPLE_RATE)
    assert result.rate == SAMPLE_RATE
    assert result.seconds == pytest.approx(source.seconds, abs=1 / SAMPLE_RATE)
    assert dominant_hertz(result.samples, SAMPLE_RATE) == pytest.approx(440, abs=1)
    middle = result.samples[2000:-2000]
    assert np.abs(middle).max() == pytest.approx(0.5, abs=0.01)


def test_the_mp3_is_24_khz_mono_at_48_kbps() -> None:
    data = encode_mp3(PCM(tone(3.0, 300, rate=22_050), 22_050))
    info = soundfile.info(io.BytesIO(data))
    assert (info.samplerate, info.channels) == (24_000, 1)
    assert len(data) * 8 / info.duration == pytest.approx(48_000, rel=0.05)


def test_silence_is_digital_zeros_of_the_exact_length() -> None:
    gap = silence(0.4)
    assert len(gap.samples) == 9600 and not gap.samples.any()
    joined = concatenate([PCM(tone(0.5), SAMPLE_RATE), gap, PCM(tone(0.5), SAMPLE_RATE)])
    assert joined.seconds == pytest.approx(1.4)


def test_trimming_removes_engine_padding_but_keeps_a_margin() -> None:
    padded = PCM(np.concatenate([quiet(0.5), tone(1.0), quiet(0.7)]), SAMPLE_RATE)
    assert trim_silence(padded).seconds == pytest.approx(1.04, abs=0.002)
    assert trim_silence(PCM(quiet(1.0), SAMPLE_RATE)).seconds == 0


def test_decoding_something_that_is_not_audio_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="cannot be decoded"):
        decode(b"<html>captive portal</html>")
    with pytest.raises(AudioFileError, match=r"absent\.mp3"):
        decode(tmp_path / "absent.mp3")


def test_write_mp3_replaces_the_target_whole(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp3"
    target.write_bytes(b"old")
    seconds = write_mp3(PCM(tone(1.0), SAMPLE_RATE), target)
    assert seconds == pytest.approx(1.0)
    assert soundfile.info(target).samplerate == 24_000
    assert os.listdir(tmp_path) == ["clip.mp3"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not owner-only


def test_an_interrupted_write_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "clip.mp3"
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as handle:
        handle.write(b"half a file")
        raise KeyboardInterrupt
    assert list((tmp_path / "deep").iterdir()) == []
    write_bytes_atomically(target, b"whole")
    assert target.read_bytes() == b"whole"


def test_a_placed_copy_outlives_its_source(tmp_path: Path) -> None:
    source, target = tmp_path / "cache.mp3", tmp_path / "out" / "clip.mp3"
    source.write_bytes(b"audio")
    place_copy(source, target)
    place_copy(source, target)  # again, over itself
    source.unlink()
    assert target.read_bytes() == b"audio"
    assert os.listdir(tmp_path / "out") == ["clip.mp3"]
