"""espeak-ng, the system speech synthesiser: tiny, offline, instant and robotic."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from speech.audio import PCM, decode
from speech.errors import AudioFileError, SynthesisFailed

INSTALL_HINT = "apt-get install espeak-ng (Debian, Ubuntu) or brew install espeak-ng (macOS)"
NORMAL_WORDS_PER_MINUTE = 175
"""espeak-ng's own default speed; a rate of 0.95 asks for 95% of it."""
VOICES = {"en-US": "en-us", "en-CA": "en-us"}
"""espeak-ng has American and British English; the other English locales get British."""
DEFAULT_VOICE = "en-gb"


class EspeakEngine:
    """Run ``espeak-ng`` once per text, with a timeout, writing WAV to a private folder."""

    name = "espeak"

    def __init__(self, *, program: str = "espeak-ng", timeout_seconds: float = 30.0) -> None:
        self.program = program
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()

    def voice_for(self, locale: str) -> str:
        """Choose espeak-ng's nearest English voice for an Alexa locale."""
        return VOICES.get(locale, DEFAULT_VOICE)

    def available(self) -> str | None:
        """Check that the espeak-ng program is on PATH."""
        if shutil.which(self.program) is None:
            return f"{self.program} is not installed: {INSTALL_HINT}"
        return None

    def synthesize(self, text: str, locale: str, *, rate: float = 1.0) -> PCM:
        """Say ``text``; it goes in on standard input, so no text is read as an option."""
        program = shutil.which(self.program)
        if program is None:
            raise SynthesisFailed(f"{self.program} is not installed: {INSTALL_HINT}")
        speed = max(80, min(450, round(NORMAL_WORDS_PER_MINUTE * rate)))
        with self._lock, tempfile.TemporaryDirectory(prefix="closer-espeak-") as folder:
            output = Path(folder) / "speech.wav"
            command = [program, "-v", self.voice_for(locale), "-s", str(speed)]
            try:
                result = subprocess.run(
                    [*command, "-w", str(output), "--stdin"],
                    input=" ".join(text.split()).encode("utf-8"),
                    capture_output=True,
                    timeout=self.timeout_seconds,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise SynthesisFailed(
                    f"{self.program} did not finish within {self.timeout_seconds:g} s"
                ) from None
            if result.returncode != 0 or not output.exists():
                detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
                raise SynthesisFailed(
                    f"{self.program} failed with exit status {result.returncode}: "
                    f"{detail[-1] if detail else 'no message'}"
                )
            try:
                return decode(output)
            except AudioFileError as error:
                raise SynthesisFailed(f"{self.program} wrote no usable audio: {error}") from None
