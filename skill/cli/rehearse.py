"""``closer rehearse``: talk to the skill from a terminal, and hear it, with no Alexa device.

It starts with a launch, then resolves each line you type with the locale's
interaction model and runs it through the same skill and dispatch path as POST
/alexa (:mod:`skill.rehearsal`). It prints what Alexa would say and the card.

``--audio`` renders each answer through speech/ and plays it when a player is
installed (ffplay, mpg123, mpv, paplay, aplay...), else saves it and prints the path.
``--script FILE`` says the lines of a file instead of reading the keyboard (blank
lines and lines starting with # are skipped); ``--out FILE.mp3`` writes every answer
of the conversation into one MP3 with short pauses between turns: with a script like
tests/data/reflection.txt, an evening reflection to listen to.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from intents.located import NotText, read_text
from intents.model import DEFAULT_LOCALE
from skill.alexa import build_skill
from skill.cli import configured_store
from skill.nlu import resolve, resolver_for
from skill.rehearsal import Rehearsal, TurnResult

if TYPE_CHECKING:  # speech/ is imported only when audio is asked for
    from speech.engines import Engine
    from speech.render import RenderReport

HELP = "talk to the skill in the terminal, and hear it"
DESCRIPTION = "Talk to the skill with no Echo: type what you would say, hear the reply."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer rehearse", 'type; "stop" or Ctrl-D ends it'),
    ("closer rehearse --audio --engine espeak", "hear each answer, offline"),
    ("closer rehearse --script talk.txt --out talk.mp3", "a scripted talk, one MP3"),
    ("closer rehearse --user sam", "as sam, remembered between runs"),
)
TURN_GAP_SECONDS = 1.5
"""Quiet between answers in ``--out``: room to breathe, short enough to stay together."""
PLAY_TIMEOUT_SECONDS = 600
"""The longest a player may run for one answer before it is stopped."""

# Players that read MP3 themselves, and how to make each play a file once, quietly.
_MP3_PLAYERS: tuple[tuple[str, list[str]], ...] = (
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "quiet"]),
    ("mpg123", ["-q"]),
    ("mpv", ["--no-video", "--really-quiet"]),
    ("cvlc", ["--play-and-exit", "--quiet"]),
    ("afplay", []),
)
# Players that need WAV: the MP3 is decoded first.
_WAV_PLAYERS: tuple[tuple[str, list[str]], ...] = (
    ("paplay", []),
    ("aplay", ["-q"]),
    ("pw-play", []),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer rehearse``."""
    parser.add_argument(
        "--locale", default=DEFAULT_LOCALE, help=f"locale to rehearse in (default {DEFAULT_LOCALE})"
    )
    parser.add_argument(
        "--audio",
        action="store_true",
        help="render each answer and play it (or save it, with no player)",
    )
    parser.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help="say the lines of FILE instead of reading the keyboard",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE.mp3",
        help="write the whole conversation as one MP3 (the name must end in .mp3)",
    )
    parser.add_argument(
        "--engine",
        default="auto",
        help="speech engine for --audio and --out: auto, gtts, piper or espeak (default auto)",
    )
    parser.add_argument(
        "--user",
        type=rehearsal_user,
        metavar="NAME",
        help="rehearse as NAME, whose record the store keeps (CLOSER_STORE), so that "
        "welcome back, resume and the next night's reflection can be heard "
        "(closer forget --user NAME removes it)",
    )
    parser.add_argument(
        "--quiet-intents",
        action="store_true",
        help="do not show the intent the resolver heard (shown by default, for authors)",
    )


def run(
    args: argparse.Namespace,
    catalogue: Any,
    *,
    engines: Mapping[str, Engine] | None = None,
) -> int:
    """Hold the conversation: from the script, or from the keyboard until stop or end of input.

    ``engines`` replaces the real speech engines, as for ``closer preview``: the CLI
    never passes it; tests do, to make ``auto`` fall back on cue.
    """
    refused = _refusal(args)
    if refused is not None:
        status, message = refused
        print(f"closer rehearse: {message}", file=sys.stderr)
        return status
    if args.script is not None:
        try:
            lines: Iterable[str] = script_lines(read_script(args.script))
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) else error
            print(
                f"closer rehearse: cannot read the script {args.script}: {reason}", file=sys.stderr
            )
            return 2
    else:
        lines = _typed_lines(sys.stdin, echo=not sys.stdin.isatty())
    # Other content than the shipped one (--content DIR) is heard with its own model.
    resolver = resolver_for(catalogue) if getattr(args, "content", None) else resolve
    store = configured_store(required_by="--user") if args.user is not None else None
    rehearsal = Rehearsal(
        build_skill(catalogue, store=store), locale=args.locale, resolver=resolver, user=args.user
    )
    voice = None
    if args.audio or args.out:
        voice = _Voice(args.engine, args.locale, play=args.audio, engines=engines)
    status = 0
    try:
        for turn in converse(rehearsal, lines, echo=args.script is not None):
            print(transcript(turn, show_intent=not args.quiet_intents), flush=True)
            if voice is not None and not voice.add(turn):
                status = 1
        if args.out is not None and voice is not None:
            status = max(status, voice.write(args.out))
    except KeyboardInterrupt:
        print()
    return status


def rehearsal_user(text: str) -> str:
    """Read a rehearsal user's name: letters, digits, dots, dashes and underscores."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a user name: use letters, digits, dots, dashes or underscores"
        )
    return text


def _refusal(args: argparse.Namespace) -> tuple[int, str] | None:
    """Check the options before a word is said: (exit status, one line), or None if fine.

    Mistakes in the options exit 2; a folder that cannot be written exits 1. Either
    way nothing has been rendered or written yet, so nothing is left half done.
    """
    if args.engine != "auto":
        from speech.render import ENGINE_CHOICES

        if args.engine not in ENGINE_CHOICES:
            return 2, f"unknown engine {args.engine!r}: choose {', '.join(ENGINE_CHOICES)}"
    if args.out is None and not args.audio:
        return None
    from speech.atomic import unwritable
    from speech.cache import AudioCache

    out: Path | None = args.out
    if out is not None:
        if out.suffix.lower() != ".mp3":
            return 2, f"--out writes MP3, so name the file .mp3, not {out.name}"
        if out.is_dir():
            return 2, f"--out {out} is a folder; give a file name ending in .mp3"
        reason = unwritable(out.parent)
        if reason:
            return 1, f"cannot write {out}: {reason}; choose another --out file"
    problem = AudioCache().unwritable()
    return None if problem is None else (1, problem)


def read_script(path: Path) -> str:
    """Read a script's text; raise ValueError, saying what to do, if it is not text.

    A binary file (a recording given by mistake, say) would otherwise fail with a
    decoding traceback, or, if it happened to decode, be said line by line.
    """
    try:
        text = read_text(path)
    except NotText as error:
        raise ValueError(
            f"line {error.line} is not UTF-8 text; give a text file, one line a turn"
        ) from None
    if "\x00" in text:
        raise ValueError("it is a binary file, not text; give a text file, one line a turn")
    return text


def script_lines(text: str) -> list[str]:
    """Return the lines a script says, skipping blank lines and ``#`` comments."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def converse(
    rehearsal: Rehearsal, lines: Iterable[str], *, echo: bool = False
) -> Iterator[TurnResult]:
    """Launch, then say each line in turn, yielding every turn (the launch first)."""
    yield rehearsal.start()
    for line in lines:
        if echo:
            print(f"\nyou> {line}")
        yield rehearsal.say(line)


def transcript(turn: TurnResult, *, show_intent: bool = True) -> str:
    """Format one turn for the terminal: what Alexa says, the card, and what was heard."""
    lines = []
    if show_intent:
        lines.append(f"      [{_heard(turn)}]")
    lines.append(f"alexa> {turn.text}")
    if turn.card is not None:
        lines.append(f"  card: {turn.card.title}")
        lines.extend(f"        {part}" for part in turn.card.text.splitlines() if part.strip())
    if turn.ended:
        lines.append("  (the session ends here)")
    return "\n".join(lines)


def _heard(turn: TurnResult) -> str:
    """Describe how the resolver understood the turn, discreetly."""
    if turn.intent is None:
        return turn.request_type
    slots = "".join(f" {name}={value.id}" for name, value in turn.slots.items())
    confidence = "" if turn.confidence is None else f" {turn.confidence:.2f}"
    return f"{turn.intent}{slots}{confidence}"


def _typed_lines(stream: TextIO, *, echo: bool) -> Iterator[str]:
    """Read what the person types, one line per turn, until end of input or "quit"."""
    while True:
        if stream.isatty():
            try:
                line = input("\nyou> ")
            except EOFError:
                return
        else:
            raw = stream.readline()
            if not raw:
                return
            line = raw.strip()
            if echo and line:
                print(f"\nyou> {line}")
        if line.strip():
            yield line.strip()


class _Voice:
    """Render each answer to audio; play it, or keep it for one joined MP3."""

    def __init__(
        self,
        engine: str,
        locale: str,
        *,
        play: bool,
        engines: Mapping[str, Engine] | None = None,
    ) -> None:
        self.engine = engine
        self.locale = locale
        self.play = play
        self.engines = engines
        self.clips: list[Path] = []
        self.player = find_player() if play else None
        self.said: tuple[str, tuple[str, ...]] | None = None
        """The voice last reported on stderr, and the fallbacks reported with it."""

    def add(self, turn: TurnResult) -> bool:
        """Render one answer (and play it with --audio); False if it could not be rendered."""
        from speech.render import RenderError, render_ssml_with_report

        if not turn.ssml:
            return True
        try:
            report = render_ssml_with_report(
                turn.ssml, locale=self.locale, engine=self.engine, engines=self.engines
            )
        except RenderError as error:
            print(f"  (no audio: {error})", file=sys.stderr)
            return False
        self._say_which_voice(report)
        clip = report.clip
        self.clips.append(clip.path)
        if self.play:
            if self.player is None:
                print(f"  audio: {clip.path} (no player found: install ffmpeg or mpg123)")
            else:
                play(clip.path, self.player)
        return True

    def _say_which_voice(self, report: RenderReport) -> None:
        """Say on stderr which voice speaks, once, and again only when it changes.

        A fallback (gtts unreachable, so espeak) is told with its reasons, in the
        words ``closer preview`` uses; the same fallback turn after turn is told once.
        """
        engine, fallbacks = report.clip.engine, report.fallbacks
        if self.said is not None and engine == self.said[0] and fallbacks in ((), self.said[1]):
            return
        self.said = (engine, fallbacks)
        if fallbacks:
            why = "; " + "; ".join(fallbacks)
        else:
            why = ", from the cache" if report.clip.cached else ""
        print(f"  (voice: {engine}{why})", file=sys.stderr)

    def write(self, target: Path) -> int:
        """Join every answer into ``target`` with a pause between turns."""
        from speech.render import RenderError, join_clips

        if not self.clips:
            print("no audio to write", file=sys.stderr)
            return 1
        try:
            seconds = join_clips(self.clips, target, gap_seconds=TURN_GAP_SECONDS)
        except RenderError as error:
            print(f"cannot write {target}: {error}", file=sys.stderr)
            return 1
        print(f"\nwrote {target} ({seconds / 60:.1f} minutes, {len(self.clips)} answers)")
        return 0


def find_player() -> tuple[str, list[str], bool] | None:
    """Find an audio player on PATH: (program, its arguments, whether it needs WAV)."""
    for name, arguments in _MP3_PLAYERS:
        program = shutil.which(name)
        if program:
            return program, arguments, False
    for name, arguments in _WAV_PLAYERS:
        program = shutil.which(name)
        if program:
            return program, arguments, True
    return None


def play(path: Path, player: tuple[str, list[str], bool]) -> None:
    """Play one MP3 and wait for it; a player that fails or hangs is reported, not fatal."""
    program, arguments, needs_wav = player
    with tempfile.TemporaryDirectory(prefix="closer-play-") as folder:
        target = path
        if needs_wav:
            import soundfile

            target = Path(folder) / "answer.wav"
            data, rate = soundfile.read(str(path))
            soundfile.write(str(target), data, rate)
        try:
            subprocess.run(
                [program, *arguments, str(target)],
                check=False,
                timeout=PLAY_TIMEOUT_SECONDS,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            print(f"  (could not play {path}: {error})", file=sys.stderr)
