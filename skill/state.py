"""The conversation's data: where a person is, what was asked, and what to say back.

Plain, immutable values shared by the conversation (:mod:`skill.conversation`), its
safety answers (:mod:`skill.safety`) and the evening reflection
(:mod:`skill.reflection`). The state is the only thing remembered between turns, and
only for the session: which topic, which part, and what a "yes" would mean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
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


SAFETY_AWAITS = {CRISIS_INTENT: Awaiting.CRISIS, ABUSE_INTENT: Awaiting.ABUSE}
TOPIC_AWAITS = frozenset({Awaiting.NEXT, Awaiting.OFFER})


@dataclass(frozen=True)
class State:
    """Where the person is: a topic and a part of it, and what a yes would mean.

    After a safety answer there is no topic, only which numbers a yes repeats.
    """

    topic: str | None = None
    index: int = 0
    awaiting: Awaiting | None = None

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
            return cls(awaiting=awaiting) if awaiting in SAFETY_AWAITS.values() else cls()
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
            return {"awaiting": str(self.awaiting)} if self.after_safety else {}
        awaiting = str(self.awaiting) if self.awaiting else None
        return {"topic": self.topic, "index": self.index, "awaiting": awaiting}


def _awaiting(value: object) -> Awaiting | None:
    """Read what a yes would mean from the session; anything unknown means nothing."""
    try:
        return Awaiting(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Card:
    """A Simple card for the Alexa app: the written form of what was said."""

    title: str
    text: str


@dataclass(frozen=True)
class Reply:
    """What to say, what to say if nothing is heard, and where the person is now."""

    speech: tuple[Segment, ...]
    reprompt: tuple[Segment, ...] = ()
    card: Card | None = None
    end_session: bool = False
    state: State = field(default_factory=State)


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
