"""The checked, typed form of the content, as the skill and the model builder use it.

Everything here is immutable and built once by :mod:`intents.loader`; nothing in
the running skill reads YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BUILTIN_PREFIX = "AMAZON."


@dataclass(frozen=True)
class Part:
    """One turn's worth of a topic: a single idea, short enough to say in one breath or two.

    ``ask`` and ``reprompt`` are settled when the content is loaded: the question that
    ends this turn (varied across the topics) and a reprompt that says what yes does.
    """

    say: str
    ask: str
    reprompt: str
    framing: str = ""
    """The skill's own words, spoken after ``say`` (not the article's guidance)."""
    label: str = ""
    """Spoken before the part, like "Step 2 of 4: "; empty for intro parts."""
    title: str = ""
    """A numbered step's title ("lead with empathy"); empty for intro parts."""
    tip: str | None = None
    """The tip id this part tells, when it is one of the article's tips."""

    @property
    def text(self) -> str:
        """What the part says, framing included, without its label or question."""
        return f"{self.say} {self.framing}".strip()

    @property
    def heading(self) -> str:
        """The label on a line of its own, as a screen shows it: "Step 2 of 4", no colon."""
        return self.label.strip().rstrip(":").rstrip()


@dataclass(frozen=True)
class Offer:
    """What to suggest after a topic's last part; yes takes the person there."""

    to: str
    ask: str
    reprompt: str
    start: int = 0
    """The part of ``to`` that yes starts at: past its intro when that would ask again."""


@dataclass(frozen=True)
class Topic:
    """A custom intent's spoken answer: parts in order, then an offer of what comes next."""

    intent: str
    title: str
    parts: tuple[Part, ...]
    offer: Offer

    def position_of_tip(self, tip_id: str) -> int | None:
        """Return the index of the part that tells ``tip_id``, if this topic has it."""
        for index, part in enumerate(self.parts):
            if part.tip == tip_id:
                return index
        return None


@dataclass(frozen=True)
class Tip:
    """One of the article's eight tips, told as a numbered step of its topic."""

    id: str
    title: str
    say: str


@dataclass(frozen=True)
class Reflection:
    """One night's evening reflection: a theme drawn from a tip, and its questions.

    Each question is spoken with its framing (if any) first, then a long pause.
    """

    tip: str
    theme: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Reflections:
    """The evening reflections (reflections.yaml): one is chosen for each night."""

    opening: str
    """Spoken first; ``{theme}`` is the night's theme."""
    pause: float
    """Seconds of quiet after each question."""
    closing: str
    nights: tuple[Reflection, ...]


@dataclass(frozen=True)
class SlotValue:
    """A slot type value as Alexa's entity resolution knows it."""

    id: str
    value: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    """An intent of the interaction model, custom or Amazon's built-in."""

    name: str
    samples: tuple[str, ...] = ()
    slots: dict[str, str] = field(default_factory=dict)
    """Slot name to slot type."""

    @property
    def is_builtin(self) -> bool:
        """Tell whether Amazon defines this intent (``AMAZON.*``)."""
        return self.name.startswith(BUILTIN_PREFIX)


@dataclass(frozen=True)
class Helpline:
    """A line to call: spoken name, name for the card, how to reach it, the number.

    Where a country has no such line, ``number`` is empty and ``instead`` (spoken)
    and ``card`` (written) say what to do.
    """

    name: str = ""
    card_name: str = ""
    how: str = "call"
    number: str = ""
    spoken: str = ""
    """How people say the number, where not digit by digit ("triple zero" for 000)."""
    instead: str = ""
    card: str = ""


@dataclass(frozen=True)
class Helplines:
    """One locale's crisis, abuse and emergency numbers (helplines.yaml)."""

    crisis: Helpline
    abuse: Helpline
    emergency: Helpline


@dataclass(frozen=True)
class Content:
    """All of the skill's content for one locale, checked."""

    skill: dict[str, object]
    """skill.yaml as plain data: names, voice settings and the texts outside topics."""
    intents: dict[str, Intent]
    slot_types: dict[str, tuple[SlotValue, ...]]
    topics: dict[str, Topic]
    tips: dict[str, Tip]
    reflections: Reflections
    helplines: Helplines
    locale: str = "en-US"
    country: str = "US"
    screen: dict[str, Any] = field(default_factory=dict)
    """screen.json: the APL document a device with a screen is sent, the same for every locale."""

    def text(self, *path: str) -> str:
        """Return one text of skill.yaml, like ``text("launch", "say")``."""
        node = self._skill_node(path)
        if not isinstance(node, str):
            raise KeyError(".".join(path))
        return node

    def skill_list(self, *path: str) -> tuple[str, ...]:
        """Return one list of texts of skill.yaml, like ``skill_list("suggestions", "start")``."""
        node = self._skill_node(path)
        if not isinstance(node, list) or not all(isinstance(item, str) for item in node):
            raise KeyError(".".join(path))
        return tuple(node)

    def _skill_node(self, path: tuple[str, ...]) -> object:
        """Walk skill.yaml down ``path``; KeyError names the whole path when it is not there."""
        node: object = self.skill
        for key in path:
            if not isinstance(node, dict) or key not in node:
                raise KeyError(".".join(path))
            node = node[key]
        return node

    def topic_of_tip(self, tip_id: str) -> tuple[Topic, int] | None:
        """Return the topic that tells ``tip_id`` and the index of that part."""
        for topic in self.topics.values():
            index = topic.position_of_tip(tip_id)
            if index is not None:
                return topic, index
        return None


DEFAULT_LOCALE = "en-US"


@dataclass(frozen=True)
class Catalogue:
    """The content of every locale the skill serves, built from one set of files."""

    by_locale: dict[str, Content]

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales served, in the order locales.yaml lists them."""
        return tuple(self.by_locale)

    @property
    def default(self) -> Content:
        """The en-US content, which also answers any locale not served."""
        return self.by_locale[DEFAULT_LOCALE]

    def for_locale(self, locale: str | None) -> Content:
        """Return a locale's content, or the en-US content for any other locale."""
        return self.by_locale.get(locale or DEFAULT_LOCALE, self.default)
