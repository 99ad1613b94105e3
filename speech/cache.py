"""A disk cache of rendered audio, so that rendering again costs nothing.

Two levels, keyed by a hash of the engine, its voice and the exact text (and speaking
rate):

- ``clips/<key>.mp3``: a whole rendered response for one locale; its key covers the
  locale and every piece of text and every pause in order, so changed wording (or
  pacing) renders anew. A small
  ``<key>.json`` beside it records the length and what made it, written first, so a
  clip found in the cache always has its facts.
- ``segments/<engine>/<key>.flac``: one spoken piece at 24 kHz, lossless. Responses
  share many sentences ("Shall I go on?"), and each is synthesised once: fewer
  requests to Google and less waiting for offline voices.

The cache lives in ``previews/.cache`` under the working folder unless
``$CLOSER_CACHE_DIR`` (or an explicit folder) says otherwise; :func:`default_cache_dir`
is the one place that decides it. :meth:`AudioCache.clear`
removes only what this module wrote, never anything else in that folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from speech.atomic import unwritable, write_bytes_atomically, write_text_atomically
from speech.audio import PCM, SAMPLE_RATE, decode, resample, write_mp3
from speech.errors import AudioFileError
from speech.segments import Piece, Spoken

CACHE_DIR_VARIABLE = "CLOSER_CACHE_DIR"
DEFAULT_PREVIEWS_DIR = Path("previews")
"""Where ``closer preview`` writes by default; the cache is its ``.cache`` folder."""
FORMAT_VERSION = 1
"""Part of every key: raise it when the audio made for the same text changes."""
_OWNED = ("clips", "segments")


def default_cache_dir(previews: Path = DEFAULT_PREVIEWS_DIR) -> Path:
    """Return ``$CLOSER_CACHE_DIR`` if set, else ``<previews>/.cache``.

    ``previews`` is the folder previews are written to (``closer preview --out``);
    everything else (render_ssml, ``closer rehearse``, the /rehearse page) uses the
    default, ``previews/`` in the working folder, so they all share one cache.
    """
    return Path(os.environ.get(CACHE_DIR_VARIABLE) or previews / ".cache")


@dataclass(frozen=True)
class CachedClip:
    """A rendered clip in the cache and what is known about it."""

    path: Path
    engine: str
    seconds: float


class AudioCache:
    """Clips and spoken segments on disk, found by the hash of what made them."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root if root is not None else default_cache_dir()).absolute()

    @staticmethod
    def clip_key(*, engine: str, voice: str, locale: str, pieces: Sequence[Piece]) -> str:
        """Hash everything that decides how a clip sounds."""
        said = [
            ["say", p.text, p.rate] if isinstance(p, Spoken) else ["pause", p.seconds]
            for p in pieces
        ]
        return _hash({"engine": engine, "voice": voice, "locale": locale, "pieces": said})

    @staticmethod
    def segment_key(*, engine: str, voice: str, text: str, rate: float) -> str:
        """Hash everything that decides how one spoken piece sounds.

        The locale is left out on purpose: an engine's voice already names all that a
        locale changes (Google's host, espeak's accent), so locales that share a voice
        share their sentences and each is synthesised once.
        """
        return _hash({"engine": engine, "voice": voice, "text": text, "rate": rate})

    def find_clip(self, key: str) -> CachedClip | None:
        """Return the cached clip for ``key``, or None if it was never rendered."""
        audio, facts = self._clip_paths(key)
        if not audio.is_file():
            return None
        try:
            known = json.loads(facts.read_text(encoding="utf-8"))
            return CachedClip(audio, str(known["engine"]), float(known["seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # facts lost or damaged: render again rather than guess

    def store_clip(self, key: str, pcm: PCM, *, engine: str, voice: str, text: str) -> CachedClip:
        """Encode ``pcm`` as the clip for ``key``: facts first, then the MP3, both atomically."""
        audio, facts = self._clip_paths(key)
        seconds = resample(pcm, SAMPLE_RATE).seconds
        facts_json = {"engine": engine, "voice": voice, "seconds": seconds, "text": text}
        write_text_atomically(facts, json.dumps(facts_json, ensure_ascii=False, indent=1))
        write_mp3(pcm, audio)
        return CachedClip(audio, engine, seconds)

    def find_segment(self, engine: str, key: str) -> PCM | None:
        """Return a cached spoken piece, or None."""
        path = self._segment_path(engine, key)
        if not path.is_file():
            return None
        try:
            return decode(path)
        except AudioFileError:
            return None

    def store_segment(self, engine: str, key: str, pcm: PCM) -> None:
        """Keep a spoken piece losslessly (FLAC, 16-bit, 24 kHz)."""
        pcm = resample(pcm, SAMPLE_RATE)
        buffer = io.BytesIO()
        samples = np.clip(pcm.samples, -1.0, 1.0)
        soundfile.write(buffer, samples, pcm.rate, format="FLAC", subtype="PCM_16")
        write_bytes_atomically(self._segment_path(engine, key), buffer.getvalue())

    def unwritable(self) -> str | None:
        """Say why the cache cannot be written, and what to do, or None if it can.

        Checked before long work: the cache is written during every render, so a bad
        folder would otherwise fail the first clip after the others were prepared.
        """
        reason = unwritable(self.root)
        if reason is None:
            return None
        return (
            f"cannot write the audio cache in {self.root}: {reason}; "
            f"set {CACHE_DIR_VARIABLE} to a folder you can write"
        )

    def clear(self) -> int:
        """Delete every cached clip and segment; return how many files were removed."""
        removed = 0
        for name in _OWNED:
            folder = self.root / name
            if folder.is_dir():
                removed += sum(1 for p in folder.rglob("*") if p.is_file())
                shutil.rmtree(folder)
        return removed

    def _clip_paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / "clips"
        return folder / f"{key}.mp3", folder / f"{key}.json"

    def _segment_path(self, engine: str, key: str) -> Path:
        return self.root / "segments" / engine / f"{key}.flac"


def _hash(facts: dict[str, object]) -> str:
    canonical = json.dumps({"format": FORMAT_VERSION, **facts}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
