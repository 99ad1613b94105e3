"""``closer preview``: hear the skill's answers as MP3 files before Alexa says them.

It builds real request envelopes, runs them through the same skill object and
dispatch path that serve Alexa, and renders the SSML of each answer with
:func:`speech.render.render_ssml_with_report`. It lives in skill/, not speech/,
because it needs the skill and its content; speech/ is the library it drives and
knows nothing of either::

    closer preview --all                          every answer of every locale
    closer preview --intent PartnerPullingAwayIntent            each part of a topic
    closer preview --intent PartnerPullingAwayIntent --step 2   the one said as "Step 2 of 4"
    closer preview --say "my partner is pulling away"           the reply to an utterance
    closer preview --all --engine piper                         offline
    closer preview --clear-cache

Clips go to ``<out>/clips/<locale>/`` with ``<out>/index.html`` listing them; the cache
is ``<out>/.cache`` unless ``$CLOSER_CACHE_DIR`` is set. A closing summary counts what
was rendered, what came from the cache and what failed, and which clips fell back to
another engine and why. The exit status is 1 if any clip failed, or if the output
or cache folder cannot be written (checked before anything renders); 2 for a
mistake in the options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from intents import Catalogue, Content
from intents.model import DEFAULT_LOCALE
from skill import envelopes
from skill.alexa import build_skill
from skill.authoring.listening_order import Named, in_listening_order
from skill.authoring.reachable import every_request, part_request, responses_to
from skill.conversation import BUILTIN_INTENTS
from speech.atomic import place_copy, unwritable
from speech.cache import DEFAULT_PREVIEWS_DIR, AudioCache, default_cache_dir
from speech.engines import Engine
from speech.preview_page import PageEntry, write_index
from speech.render import (
    ENGINE_CHOICES,
    RenderError,
    join_clips,
    render_ssml_with_report,
)
from speech.segments import plain_text

HELP = "render the skill's answers as MP3 previews"
DESCRIPTION = "Hear the skill's answers as MP3 files before Alexa says them, in an index.html."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer preview --all", "every answer of every locale"),
    ("closer preview --intent PartnerPullingAwayIntent --step 2", "one step"),
    ('closer preview --say "my partner is pulling away"', "the reply to an utterance"),
    ("closer preview --all --engine piper", "offline"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the preview options to the ``closer preview`` parser."""
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--intent", metavar="NAME", help="one topic's steps, or one intent's answer")
    what.add_argument("--say", metavar="UTTERANCE", help="the reply to one thing a person says")
    what.add_argument("--all", action="store_true", help="every answer of every intent and locale")
    parser.add_argument(
        "--step",
        type=int,
        metavar="N",
        help='with --intent: only the part spoken as "Step N of ..." (not the unnumbered intro)',
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        default="auto",
        help="speech engine (default auto: gtts, then piper, then espeak)",
    )
    parser.add_argument(
        "--locale", help=f"only this locale (default {DEFAULT_LOCALE}; every locale for --all)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_PREVIEWS_DIR,
        help=f"output folder (default {DEFAULT_PREVIEWS_DIR}/)",
    )
    parser.add_argument(
        "--clear-cache", action="store_true", help="delete cached audio first (alone: only that)"
    )


@dataclass
class _Tally:
    rendered: int = 0
    cached: int = 0
    failed: int = 0
    seconds: float = 0.0
    engines: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, list[str]] = field(default_factory=dict)
    """A reason an engine was passed over, and the clips that had to fall back for it."""
    failures: list[str] = field(default_factory=list)


def run(
    args: argparse.Namespace,
    catalogue: Catalogue,
    *,
    engines: Mapping[str, Engine] | None = None,
) -> int:
    """Render what the options ask for, write index.html, print a summary; 0 if all worked.

    ``engines`` replaces the real speech engines (see :func:`speech.render.render_ssml`):
    the CLI never passes it; tests do, to run the whole command on fakes.
    """
    out: Path = args.out
    cache = AudioCache(default_cache_dir(out))
    if args.clear_cache:
        removed = cache.clear()
        print(f"cleared the audio cache ({removed} files) in {cache.root}", file=sys.stderr)
        if not (args.all or args.intent or args.say):
            return 0
    if args.step is not None and not args.intent:
        print("closer preview: --step needs --intent", file=sys.stderr)
        return 2
    try:
        wanted, title = _choose(args, catalogue)
    except _UsageError as error:
        print(f"closer preview: {error}", file=sys.stderr)
        return 2
    problem = _unwritable(out, cache)
    if problem:
        print(f"closer preview: {problem}", file=sys.stderr)
        return 1
    entries, tally, paths = _render_all(wanted, args.engine, cache, out, engines)
    if args.intent and args.step is None and len(paths) > 1 and tally.failed == 0:
        entries.append(_whole_topic(args.intent, wanted[0], paths, out, like=entries[0]))
    index = write_index(out, entries, title=title, engine=args.engine)
    _summarise(tally, index, sys.stderr)
    return 1 if tally.failed else 0


def _unwritable(out: Path, cache: AudioCache) -> str | None:
    """Say which folder cannot be written and what to do, before anything is rendered."""
    reason = unwritable(out)
    if reason:
        return f"cannot write the previews in {out}: {reason}; choose another --out folder"
    return cache.unwritable()


class _UsageError(Exception):
    """The options ask for something that does not exist (an unknown intent, say)."""


def _choose(args: argparse.Namespace, catalogue: Catalogue) -> tuple[list[Named], str]:
    """Turn the options into distinct speeches to render, and a title for the page."""
    if args.all:
        # An unknown --locale never gets here: main() refuses it for every command.
        locales = [args.locale] if args.locale else list(catalogue.locales)
        return _speeches(catalogue, _every_request(catalogue, locales), reprompts=True), (
            "Closer Together: every answer"
        )
    locale = args.locale or DEFAULT_LOCALE
    if args.intent:
        content = catalogue.for_locale(locale)
        requests = _topic_requests(content, args.intent, args.step, locale)
        topic = content.topics.get(args.intent)
        about = topic.title if topic else args.intent
        return _speeches(catalogue, requests, reprompts=False), f"Closer Together: {about}"
    if args.say:
        requests = [(f"{locale} “{args.say}”", _utterance_request(args.say, locale))]
        return _speeches(catalogue, requests, reprompts=False), f"Closer Together: “{args.say}”"
    raise _UsageError("say what to preview: --all, --intent NAME [--step N], or --say UTTERANCE")


def _every_request(
    catalogue: Catalogue, locales: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for label, request in every_request(catalogue):
        if request["request"]["locale"] in locales:
            yield label, request


def _topic_requests(
    content: Content, name: str, step: int | None, locale: str
) -> list[tuple[str, dict[str, Any]]]:
    """Build requests for a topic's parts, or for the one spoken as "Step ``step`` of ...".

    Steps are numbered as the skill says them: the intro parts before step 1 have no
    number, so ``--step 1`` of a topic with two intro parts is its third part.
    """
    topic = content.topics.get(name)
    if topic is None:
        known = {*content.intents, *BUILTIN_INTENTS}
        if name not in known:
            raise _UsageError(f"no intent {name}; the topics are {', '.join(content.topics)}")
        if step is not None:
            raise _UsageError(f"{name} is not a topic, so it has no steps")
        return [(f"{locale} {name}", envelopes.intent_request(name, locale=locale))]
    steps = [index for index, part in enumerate(topic.parts) if part.label]
    indexes: Iterable[int] = range(len(topic.parts))
    if step is not None:
        if not steps:
            raise _UsageError(
                f"{name} has no numbered steps; leave out --step to hear its "
                f"{len(topic.parts)} parts"
            )
        if not 1 <= step <= len(steps):
            raise _UsageError(f"{name} has steps 1 to {len(steps)}, not {step}")
        indexes = [steps[step - 1]]
    return [
        (f"{locale} {name} part {index + 1}", part_request(name, index, locale))
        for index in indexes
    ]


def _utterance_request(utterance: str, locale: str) -> dict[str, Any]:
    """Resolve an utterance with the local resolver into the request Alexa would send."""
    from skill.nlu import resolve
    from skill.rehearsal import request_for

    return request_for(resolve(utterance, locale), locale=locale)


def _speeches(
    catalogue: Catalogue, requests: Iterable[tuple[str, dict[str, Any]]], *, reprompts: bool
) -> list[Named]:
    """Run each request through the real skill; each distinct speech once, in listening order."""
    skill = build_skill(catalogue)
    responses = responses_to(requests, skill)
    return in_listening_order(catalogue, skill, responses, reprompts=reprompts)


def _render_all(
    wanted: list[Named],
    engine: str,
    cache: AudioCache,
    out: Path,
    engines: Mapping[str, Engine] | None,
) -> tuple[list[PageEntry], _Tally, list[Path]]:
    """Render every speech, with a progress bar; return page entries, counts and MP3 paths."""
    tally = _Tally()
    entries: list[PageEntry] = []
    paths: list[Path] = []
    progress = _Progress(len(wanted), sys.stderr)
    for number, item in enumerate(wanted, 1):
        label = f"{item.locale} {item.label}"
        progress.show(number - 1, label)
        try:
            report = render_ssml_with_report(
                item.ssml,
                locale=item.locale,
                engine=engine,
                cache_dir=cache.root,
                engines=engines,
            )
        except RenderError as error:
            tally.failed += 1
            tally.failures.append(f"{label}: {error}")
            entries.append(
                PageEntry(
                    item.label,
                    item.locale,
                    plain_text(item.ssml),
                    group=item.heading,
                    detail=_detail(item),
                    notes=(str(error),),
                )
            )
            continue
        clip = report.clip
        target = out / "clips" / item.locale / clip.path.name
        place_copy(clip.path, target)
        paths.append(target)
        tally.cached += clip.cached
        tally.rendered += not clip.cached
        tally.seconds += clip.seconds
        tally.engines[clip.engine] = tally.engines.get(clip.engine, 0) + 1
        notes = report.fallbacks
        for note in notes:
            tally.fallbacks.setdefault(note, []).append(label)
        entries.append(
            PageEntry(
                item.label,
                item.locale,
                report.text,
                group=item.heading,
                detail=_detail(item),
                file=target.relative_to(out).as_posix(),
                engine=clip.engine,
                seconds=clip.seconds,
                notes=notes,
            )
        )
    progress.done()
    return entries, tally, paths


def _detail(item: Named) -> str:
    """For authors: the first request that hears the clip, and how many others do."""
    first, others = item.requests[0], len(item.requests) - 1
    return first + (f" (and {others} other request{'s' * (others > 1)})" if others else "")


def _whole_topic(
    name: str, first: Named, paths: list[Path], out: Path, *, like: PageEntry
) -> PageEntry:
    """Join a topic's parts into one file, a second of quiet between them (in their voice)."""
    target = out / "clips" / first.locale / f"{name}.mp3"
    seconds = join_clips(paths, target, gap_seconds=1.0)
    return PageEntry(
        f"{first.heading}, all {len(paths)} parts",
        first.locale,
        f"The {len(paths)} parts one after another.",
        group=first.heading,
        detail=f"{first.locale} {name}, joined",
        file=target.relative_to(out).as_posix(),
        engine=like.engine,
        seconds=seconds,
        notes=like.notes,
    )


def _summarise(tally: _Tally, index: Path, stream: IO[str]) -> None:
    minutes, seconds = divmod(round(tally.seconds), 60)
    engines = ", ".join(f"{name} {count}" for name, count in sorted(tally.engines.items()))
    print(
        f"rendered {tally.rendered}, cached {tally.cached}, failed {tally.failed}; "
        f"total audio {minutes} min {seconds} s" + (f"; engines: {engines}" if engines else ""),
        file=stream,
    )
    for reason, clips in tally.fallbacks.items():
        shown = ", ".join(clips[:5]) + (f" and {len(clips) - 5} more" if len(clips) > 5 else "")
        print(f"fell back on {len(clips)} clip(s): {reason}\n  clips: {shown}", file=stream)
    for failure in tally.failures:
        print(f"failed: {failure}", file=stream)
    print(f"index: {index}", file=stream)


class _Progress:
    """A plain progress bar on stderr: redrawn in place on a terminal, every 10% otherwise."""

    WIDTH = 30

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.live = stream.isatty()
        self.last_tenth = -1

    def show(self, done: int, label: str) -> None:
        """Show that ``done`` of the clips are finished and which one is being made."""
        filled = self.WIDTH * done // self.total
        bar = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done}/{self.total}"
        if self.live:
            self.stream.write(f"\r{bar} {label[:40]:<40}")
            self.stream.flush()
        elif done * 10 // self.total > self.last_tenth:
            self.last_tenth = done * 10 // self.total
            print(bar, file=self.stream)

    def done(self) -> None:
        """Finish the bar at 100%."""
        self.show(self.total, "done")
        if self.live:
            self.stream.write("\n")
