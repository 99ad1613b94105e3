"""Read the skill's SSML back: as plain text for people, as pieces and pauses for engines.

:func:`plain_text` is the one reading of SSML as text, for everything shown to people
or counted in words (rehearsal transcripts, the preview page, lint's word limits,
the tests); see its docstring for exactly what it does with each tag.

:func:`pieces_of` is what a preview engine is given to say. No preview engine
understands Alexa's SSML (gTTS would read the tags aloud), so the SSML is parsed with
a real XML parser and walked once:

- text is kept, whitespace collapsed; markup never reaches an engine;
- ``<break time="400ms"/>`` becomes a :class:`~speech.ssml.Pause` of exactly that length
  (``strength`` maps to a typical length; a bare ``<break/>`` is medium);
- the end of an ``<s>`` becomes a short pause and the end of a ``<p>`` a longer one, so
  sentences get the same room Alexa gives them; pauses that meet are added together;
- ``<say-as interpret-as="telephone">`` (and digits, characters) becomes words, one per
  digit, with commas between groups (see :mod:`speech.say_as`);
- ``<sub alias="...">`` says the alias; ``<audio>`` has no words and is skipped;
- ``<prosody rate="85%">`` sets the rate of the text inside it, carried on each
  :class:`Spoken` piece for engines that can honour it. As on Alexa, a percentage is
  relative to the default rate, so an inner rate replaces the outer one.

SSML that Alexa itself would not speak is refused with :class:`~speech.errors.InvalidSSML`,
not mended: a ``<break>`` over Alexa's 10 seconds (``MAX_BREAK_SECONDS``), and more than
its 8,000 characters of speech (``MAX_SPEECH_CHARS``). Why refuse rather than clamp: a
library that quietly shortened the pause would make a preview that sounds fine of SSML
that Alexa does not allow, hiding the very mistake a preview is for; a caller that wants
a longer pause chains breaks, as :func:`speech.ssml.to_ssml` does. And the two limits
bound what any SSML can cost to render: silence is real samples in memory and in the
MP3, so an unbounded ``<break time="10000s"/>`` in 88 bytes once took gigabytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from speech.errors import InvalidSSML
from speech.say_as import INTERPRETERS
from speech.ssml import (
    MAX_BREAK_SECONDS,
    MAX_SPEECH_CHARS,
    Pause,
    break_time_seconds,
    parse_ssml,
)

SENTENCE_END_SECONDS = 0.25
"""Room after ``</s>``: about what a speaker leaves after a full stop."""
PARAGRAPH_END_SECONDS = 0.6
"""Room after ``</p>``: a longer breath between paragraphs."""
BREAK_STRENGTH_SECONDS = {
    "none": 0.0,
    "x-weak": 0.0,
    "weak": 0.25,
    "medium": 0.4,
    "strong": 0.6,
    "x-strong": 1.0,
}
"""Lengths for ``<break strength=...>``, which Alexa describes only in words."""
RATE_WORDS = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "fast": 1.25, "x-fast": 1.5}

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
# Marks that belong to the word before them, and marks that belong to the word after:
# a tag beside one (a number's <say-as>, a <sub>) must not leave a space between them.
_SPACE_BEFORE_CLOSING = re.compile(r" ([.,;:!?)\]}\u201d\u2019\u2026])")
_SPACE_AFTER_OPENING = re.compile(r"([(\[{\u201c\u2018]) ")
_CUT_OFF_TAG = re.compile(r"<[/!?]?[A-Za-z][^<>]*$")


@dataclass(frozen=True)
class Spoken:
    """Plain text for an engine to say, at a rate relative to the voice's normal one."""

    text: str
    rate: float = 1.0


Piece = Spoken | Pause


def pieces_of(ssml: str) -> list[Piece]:
    """Split SSML into spoken text and pauses, in order; raise InvalidSSML if unreadable.

    Accepts a whole ``<speak>`` document or a fragment (which is wrapped in one).
    Leading pauses and pauses left by sentence ends at the very end are dropped (they
    are not heard as anything); an explicit trailing ``<break>`` is kept. SSML over
    Alexa's limits (8,000 characters, a break over 10 s) is refused: see the module
    docstring for why.
    """
    if len(ssml) > MAX_SPEECH_CHARS:
        raise InvalidSSML(
            f"the SSML is {len(ssml)} characters; Alexa speaks at most {MAX_SPEECH_CHARS}"
        )
    text = ssml.strip()
    if not text.startswith("<speak"):
        text = f"<speak>{text}</speak>"
    try:
        root = parse_ssml(text)
    except ElementTree.ParseError as error:
        raise InvalidSSML(f"the SSML is not well-formed XML ({error})") from None
    walker = _Walker()
    walker.element(root, rate=1.0)
    return walker.finish()


def plain_text(ssml: str) -> str:
    """Return the words of SSML on one line, as a person would read them.

    - Tags are dropped, each counting as a space, so ``</s><s>`` never glues two words
      together; spaces are collapsed, and none is left before ``. , ; : ! ? ) ] }``,
      a closing quote or an ellipsis, nor after ``( [ {`` or an opening quote: "(call
      988)", not "( call 988 )", however the number was marked up.
    - Entities are unescaped: ``&amp;`` reads ``&``.
    - ``<sub alias="triple zero">000</sub>`` reads as its alias, "triple zero": that is
      what Alexa says, and what a word count should count.
    - ``<say-as>`` keeps its text as written: "call 911", "1-800-799-7233". A reader
      takes in digits at a glance; spelling them out as words is for engines
      (:func:`pieces_of`).
    - ``<audio>`` has no words; ``<break>`` is only a space.

    It never raises: a fragment cut out of SSML (lint counts the words before the
    first phone number) or SSML that is not well-formed still gives its words, and a
    tag cut off at the very end is dropped. So it uses Python's forgiving HTML
    tokenizer rather than an XML parser.
    """
    reader = _TextReader()
    reader.feed(_CUT_OFF_TAG.sub("", ssml))
    reader.close()
    text = " ".join("".join(reader.parts).split())
    return _SPACE_AFTER_OPENING.sub(r"\1", _SPACE_BEFORE_CLOSING.sub(r"\1", text))


class _TextReader(HTMLParser):
    """Collect the text of SSML, a space for every tag, a ``<sub>``'s alias for its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_alias = False
        """Inside ``<sub alias>``: its text is not read, the alias was."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")
        alias = dict(attrs).get("alias")
        if tag == "sub" and alias is not None:
            self.parts.append(alias)
            self.in_alias = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "sub":
            self.in_alias = False
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.in_alias:
            self.parts.append(data)


def pause_seconds(pieces: Sequence[Piece]) -> float:
    """Add up the silence in pieces."""
    return sum(p.seconds for p in pieces if isinstance(p, Pause))


class _Walker:
    """Collect pieces from an element tree, merging text runs and adjacent pauses."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.words: list[str] = []
        self.rate = 1.0
        self.soft_pause = 0.0
        """Pause owed to sentence and paragraph ends, dropped if nothing follows."""

    def element(self, node: ElementTree.Element, rate: float) -> None:
        tag = str(node.tag).replace("amazon-", "amazon:", 1)
        if tag == "break":
            self.pause(_break_seconds(node), soft=False)
        elif tag == "audio":
            pass  # a sound effect: no words to say, and it is not fetched for previews
        elif tag == "sub" and node.get("alias") is not None:
            self.say(node.get("alias", ""), rate)
        elif tag == "say-as" and node.get("interpret-as") in INTERPRETERS:
            self.say(INTERPRETERS[node.get("interpret-as", "")]("".join(node.itertext())), rate)
        else:
            if tag == "prosody":
                rate = _rate(node.get("rate"), rate)
            self.say(node.text or "", rate)
            for child in node:
                self.element(child, rate)
                self.say(child.tail or "", rate)
            if tag == "s":
                self.pause(SENTENCE_END_SECONDS, soft=True)
            elif tag == "p":
                self.pause(PARAGRAPH_END_SECONDS, soft=True)

    def say(self, text: str, rate: float) -> None:
        words = text.split()
        if not words:
            return
        if not any(c.isalnum() for c in text):
            self.attach(" ".join(words))
            return
        if rate != self.rate:
            self.flush_words()
            self.rate = rate
        self.flush_pause()
        self.words.extend(words)

    def attach(self, marks: str) -> None:
        """Put punctuation on the words before it: alone it says nothing, but it shapes them."""
        if self.words:
            self.words[-1] += marks
        elif self.pieces and isinstance(self.pieces[-1], Spoken) and not self.soft_pause:
            last = self.pieces.pop()
            assert isinstance(last, Spoken)
            self.pieces.append(Spoken(last.text + marks, last.rate))

    def pause(self, seconds: float, *, soft: bool) -> None:
        self.flush_words()
        if soft:
            self.soft_pause += seconds
        elif seconds > 0:
            owed = self.soft_pause if self.pieces else 0.0
            self.pieces.append(Pause(seconds + owed))
            self.soft_pause = 0.0
            self.merge_pauses()

    def flush_words(self) -> None:
        if self.words:
            self.pieces.append(Spoken(" ".join(self.words), self.rate))
            self.words = []

    def flush_pause(self) -> None:
        if self.soft_pause and self.pieces:
            self.pieces.append(Pause(self.soft_pause))
            self.merge_pauses()
        self.soft_pause = 0.0

    def merge_pauses(self) -> None:
        if len(self.pieces) >= 2 and isinstance(self.pieces[-2], Pause):
            last, before = self.pieces.pop(), self.pieces.pop()
            assert isinstance(last, Pause) and isinstance(before, Pause)
            self.pieces.append(Pause(round(before.seconds + last.seconds, 6)))

    def finish(self) -> list[Piece]:
        self.flush_words()
        while self.pieces and isinstance(self.pieces[0], Pause):
            self.pieces.pop(0)
        return self.pieces


def _break_seconds(node: ElementTree.Element) -> float:
    """Read a break's length: ``time`` exactly if given, else its ``strength``.

    A time over Alexa's 10 seconds is refused, never shortened (module docstring).
    """
    time = node.get("time")
    if time is not None:
        seconds = break_time_seconds(time)
        if seconds is None:
            raise InvalidSSML(f'break time "{time}" is not like "500ms" or "2s"')
        if seconds > MAX_BREAK_SECONDS:
            raise InvalidSSML(
                f"a break of {seconds:g} s is longer than Alexa's {MAX_BREAK_SECONDS:g} s; "
                "chain breaks for a longer pause"
            )
        return seconds
    strength = node.get("strength", "medium")
    if strength not in BREAK_STRENGTH_SECONDS:
        raise InvalidSSML(f'break strength "{strength}" is not one SSML defines')
    return BREAK_STRENGTH_SECONDS[strength]


def _rate(value: str | None, current: float) -> float:
    """Read a prosody rate: a percentage of the default rate or a word; else keep the current."""
    if value is None:
        return current
    match = _PERCENT.match(value)
    if match:
        return float(match.group(1)) / 100
    return RATE_WORDS.get(value.strip(), current)
