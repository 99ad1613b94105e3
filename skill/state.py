"""The conversation's data: where a person is, what was asked, and what to say back.

Plain, immutable values shared by the conversation (:mod:`skill.conversation`), its
safety answers (:mod:`skill.safety`) and the evening reflection
(:mod:`skill.reflection`). The state is what is remembered between turns of a session:
which topic, which part, and what a "yes" would mean. The :class:`Memory` is what
is kept between sessions, when a store is configured (:mod:`skill.progress`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from enum import StrEnum

from intents import Content
from intents.loader import ABUSE_INTENT, CRISIS_INTENT
from speech.ssml import Segment


class Awaiting(StrEnum):
    """What a "yes" leads to; kept in the session attributes as its string value."""

    NEXT = "next"
    """The next part of the topic."""
    OFFER = "offer"
    """The topic's offer of what comes next."""
    CRISIS = "crisis"
    """The crisis numbers again (they were the last thing said)."""
    ABUSE = "abuse"
    """The abuse numbers again."""
    RESUME = "resume"
    """Going on where the person stopped last time (their record has the place)."""
    REFLECTION = "reflection"
    """Tonight's evening reflection."""
    FORGET = "forget"
    """Deleting everything kept about the person."""


SAFETY_AWAITS = {CRISIS_INTENT: Awaiting.CRISIS, ABUSE_INTENT: Awaiting.ABUSE}
TOPIC_AWAITS = frozenset({Awaiting.NEXT, Awaiting.OFFER})
OPEN_AWAITS = frozenset({Awaiting.RESUME, Awaiting.REFLECTION, Awaiting.FORGET})
"""What a yes can mean with no topic open."""


@dataclass(frozen=True)
class Reminder:
    """A daily reminder at a local time; no token while the permission is being asked for."""

    at: time
    token: str | None = None

    @classmethod
    def from_attributes(cls, data: object) -> Reminder | None:
        """Read a stored reminder; None for anything but ``{"time": "HH:MM", "token": ...}``."""
        if not isinstance(data, dict) or not isinstance(data.get("time"), str):
            return None
        try:
            at = time.fromisoformat(data["time"])
        except ValueError:
            return None
        token = data.get("token")
        return cls(at=at, token=token if isinstance(token, str) and token else None)

    def to_attributes(self) -> dict[str, object]:
        return {"time": self.at.strftime("%H:%M"), "token": self.token}


@dataclass(frozen=True)
class Memory:
    """A person's record, as the conversation reads it."""

    topic: str | None = None
    index: int = 0
    """The part of ``topic`` heard last."""
    tips: frozenset[str] = field(default_factory=frozenset)
    reflections: int = 0
    """Evening reflections played to their end, at most one a night."""
    last_reflection: date | None = None
    reminder: Reminder | None = None
    locale: str | None = None
    created: date | None = None
    last_used: date | None = None

    @property
    def returning(self) -> bool:
        """Tell whether there is anything to welcome back to."""
        return self.topic is not None or self.reflections > 0

    @classmethod
    def from_attributes(cls, data: Mapping[str, object] | None, content: Content) -> Memory:
        """Read a stored record, ignoring anything unknown, out of range or mistyped."""
        if not data:
            return cls()
        topic = data.get("topic")
        index = _whole(data.get("index"))
        if not isinstance(topic, str) or topic not in content.topics:
            topic, index = None, 0
        else:
            index = min(index, len(content.topics[topic].parts) - 1)
        tips = data.get("tips")
        heard = frozenset(
            tip for tip in (tips if isinstance(tips, list) else []) if tip in content.tips
        )
        locale = data.get("locale")
        return cls(
            topic=topic,
            index=index,
            tips=heard,
            reflections=_whole(data.get("reflections")),
            last_reflection=_date(data.get("last_reflection")),
            reminder=Reminder.from_attributes(data.get("reminder")),
            locale=locale if isinstance(locale, str) and len(locale) <= 8 else None,
            created=_date(data.get("created")),
            last_used=_date(data.get("last_used")),
        )

    def to_attributes(self) -> dict[str, object]:
        """Write the record as JSON-ready data for the store."""
        return {
            "topic": self.topic,
            "index": self.index,
            "tips": sorted(self.tips),
            "reflections": self.reflections,
            "last_reflection": _iso(self.last_reflection),
            "reminder": self.reminder.to_attributes() if self.reminder else None,
            "locale": self.locale,
            "created": _iso(self.created),
            "last_used": _iso(self.last_used),
        }


@dataclass(frozen=True)
class State:
    """Where the person is: a topic and a part of it, and what a yes would mean.

    After a safety answer there is no topic, only which numbers a yes repeats.
    """

    topic: str | None = None
    index: int = 0
    awaiting: Awaiting | None = None
    memory: Memory | None = None
    """The person's record from earlier sessions; None when nothing is kept (no store)."""

    @property
    def after_safety(self) -> bool:
        """Tell whether the helplines were the last thing said."""
        return self.topic is None and self.awaiting in SAFETY_AWAITS.values()

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, object] | None, content: Content) -> State:
        """Read session attributes, ignoring anything unknown or out of range."""
        if not attributes:
            return cls()
        topic = attributes.get("topic")
        awaiting = _awaiting(attributes.get("awaiting"))
        if not isinstance(topic, str) or topic not in content.topics:
            without_topic = awaiting in SAFETY_AWAITS.values() or awaiting in OPEN_AWAITS
            return cls(awaiting=awaiting) if without_topic else cls()
        index = attributes.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = 0
        index = min(max(index, 0), len(content.topics[topic].parts) - 1)
        return cls(
            topic=topic,
            index=index,
            awaiting=awaiting if awaiting in TOPIC_AWAITS else None,
        )

    def to_attributes(self) -> dict[str, object]:
        """Write the state as session attributes (empty when nothing is open)."""
        if self.topic is None:
            return {"awaiting": str(self.awaiting)} if self.awaiting else {}
        awaiting = str(self.awaiting) if self.awaiting else None
        return {"topic": self.topic, "index": self.index, "awaiting": awaiting}


def _awaiting(value: object) -> Awaiting | None:
    """Read what a yes would mean from the session; anything unknown means nothing."""
    try:
        return Awaiting(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _whole(value: object) -> int:
    """Read a count or index from the store: a non-negative int, else 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(value, 0)


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Card:
    """A Simple card for the Alexa app: the written form of what was said."""

    title: str
    text: str


@dataclass(frozen=True)
class ShownNumber:
    """One helpline as written on the card and the screen: the words around its number.

    The card's line and the screen's large number are both read from this one
    value, so the two can never show different numbers. ``number`` is empty where
    a country has no such line (the words then say what to do instead).
    """

    before: str
    number: str = ""
    after: str = ""

    @property
    def line(self) -> str:
        """The card's line: the words and the number, as one sentence."""
        return f"{self.before}{self.number}{self.after}"


class ScreenKind(StrEnum):
    """What a screen shows; the document picks its look by it (the reflection is calmer)."""

    TEXT = "text"
    """Launch, help, fallback and the like: the title, and what was said."""
    PART = "part"
    """A part of a topic: its title, "Step n of m" where it is a step, and its words."""
    SAFETY = "safety"
    """The helpline numbers, large."""
    REFLECTION = "reflection"
    """Tonight's evening reflection: its title, theme and questions."""


@dataclass(frozen=True)
class Screen:
    """What a device with a screen shows for a reply, as data (never reformatted text).

    Only replies with more to show than their words carry one; for the rest the
    screen shows the title and what was said (:mod:`skill.screens`).
    """

    kind: ScreenKind
    title: str
    label: str = ""
    """The step's position, "Step 2 of 4"; empty where the part is not a step."""
    text: str = ""
    numbers: tuple[ShownNumber, ...] = ()
    lines: tuple[str, ...] = ()
    """Lines shown after the text: the reflection's questions, the safety card's footer."""


@dataclass(frozen=True)
class Reply:
    """What to say, what to say if nothing is heard, and where the person is now."""

    speech: tuple[Segment, ...]
    reprompt: tuple[Segment, ...] = ()
    card: Card | None = None
    end_session: bool = False
    state: State = field(default_factory=State)
    screen: Screen | None = None
    """What a screen shows, where the words alone would lose something (see :class:`Screen`)."""
    forget: bool = False
    """Delete everything kept about the person (they asked, and said yes)."""

    def with_forget(self) -> Reply:
        """Return this reply, marked to delete everything kept about the person."""
        return replace(self, forget=True)


@dataclass(frozen=True)
class Turn:
    """What was asked, as the conversation needs it: an intent, its slots, and the night.

    ``night`` is the date of the request (its timestamp's), which picks the evening
    reflection; None only where no request exists, and then today is used.
    """

    intent: str
    slots: Mapping[str, str | None] = field(default_factory=dict)
    night: date | None = None


Answer = Callable[[Content, State, Turn], Reply]
"""What every intent's answer is: a pure function of content, state and turn."""
