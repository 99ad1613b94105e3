"""The conversation: what Closer Together says next, as pure functions of content and state.

Nothing here knows about HTTP or the ASK SDK. Each function takes the content, the
session's :class:`State` and what was asked, and returns a :class:`Reply`. The SDK
handlers in :mod:`skill.handlers` only translate; the same functions serve Alexa and
local rehearsal.

The state is the only thing remembered between turns, and only for the session:
which topic, which part, and what a "yes" would mean. Nothing a person says is kept.

Three moments get particular care:

- *Safety* (CrisisIntent, AbuseIntent) is answered first, in any state: the emergency
  number, then the one line that fits, then a card with all three. The topic is
  cleared, so "next" never leads back into coaching; only the numbers can be heard
  again, and "no" or "stop" closes gently.
- *The evening reflection* is one response that plays to its end: questions with long
  pauses, and the closing words. The night's date picks one of eight
  (:func:`reflection_for`).
- *Every topic turn* ends with a question whose reprompt says what yes will do; both
  are settled when the content loads (:mod:`intents.guidance`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from intents import Content, Helpline, Reflection, Reflections, Topic
from intents.loader import (
    ABUSE_INTENT,
    CRISIS_INTENT,
    REFLECTION_INTENT,
    SAFETY_INTENTS,
    TIP_INTENT,
)
from speech.ssml import Pause, Segment, Telephone


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
_TOPIC_AWAITS = frozenset({Awaiting.NEXT, Awaiting.OFFER})


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
            awaiting=awaiting if awaiting in _TOPIC_AWAITS else None,
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


# --- openings -------------------------------------------------------------------------


def launch(content: Content, state: State | None = None) -> Reply:
    """Welcome, say plainly that this is guidance and not therapy, and offer starting points."""
    del state
    say, ask = content.text("launch", "say"), content.text("launch", "ask")
    return Reply(
        speech=(say, ask),
        reprompt=(content.text("launch", "reprompt"),),
        card=Card(content.text("name"), f"{say} {ask}"),
        state=State(),
    )


def start_topic(content: Content, state: State, turn: Turn) -> Reply:
    """Begin the topic named by the intent, at its first part."""
    del state
    return _part_reply(content, State(topic=turn.intent, index=0))


def tip(content: Content, state: State, turn: Turn) -> Reply:
    """Go to the step that tells the asked-for tip, inside the topic it belongs to."""
    tip_id = turn.slots.get("tip")
    found = content.topic_of_tip(tip_id) if tip_id else None
    if found is None:
        return _ask(
            content.text("tips", "unknown"),
            content.text("tips", "ask"),
            content.text("tips", "reprompt"),
            replace(state, awaiting=None),
        )
    topic, index = found
    return _part_reply(content, State(topic=topic.intent, index=index))


# --- moving through a topic -----------------------------------------------------------


def next_part(content: Content, state: State, turn: Turn) -> Reply:
    """Go on: the next part, or at the end what the topic offers.

    "Tell me more" does the same: every part is told whole, so more is what comes next.
    """
    topic = _topic(content, state)
    if topic is None:
        return _nothing_yet(content)
    if state.index + 1 < len(topic.parts):
        return _part_reply(content, State(topic=topic.intent, index=state.index + 1))
    if topic.offer.to == REFLECTION_INTENT:
        return reflection(content, State(), turn)
    return _part_reply(content, State(topic=topic.offer.to, index=topic.offer.start))


def previous_part(content: Content, state: State, turn: Turn) -> Reply:
    """Go back one part; at the first, say so and repeat it."""
    topic = _topic(content, state)
    if topic is None:
        return _nothing_yet(content)
    if state.index == 0:
        return _part_reply(
            content, State(topic=topic.intent), preface=content.text("navigation", "first_part")
        )
    return _part_reply(content, State(topic=topic.intent, index=state.index - 1))


def repeat(content: Content, state: State, turn: Turn) -> Reply:
    """Say the current part again; before any topic, the opening question."""
    if _topic(content, state) is None:
        return _ask(
            None, content.text("launch", "ask"), content.text("launch", "reprompt"), State()
        )
    return _part_reply(content, state)


def start_over(content: Content, state: State, turn: Turn) -> Reply:
    """Start the current topic from its beginning; before any topic, start the skill over."""
    topic = _topic(content, state)
    if topic is None:
        return launch(content)
    return _part_reply(content, State(topic=topic.intent))


def go_home(content: Content, state: State, turn: Turn) -> Reply:
    """Leave the topic and go back to the opening choices."""
    del state
    return _ask(
        content.text("navigation", "home"),
        content.text("launch", "ask"),
        content.text("launch", "reprompt"),
        State(),
    )


def yes(content: Content, state: State, turn: Turn) -> Reply:
    """Do what the last question offered: go on, or take up the offer."""
    if state.awaiting in _TOPIC_AWAITS:
        return next_part(content, state, turn)
    return _nothing_to_confirm(content, state, turn)


def no(content: Content, state: State, turn: Turn) -> Reply:
    """Decline the last question, keeping the place, and say what else can be done."""
    if state.awaiting not in _TOPIC_AWAITS:
        return _nothing_to_confirm(content, state, turn)
    return _ask(
        content.text("navigation", "declined"),
        content.text("navigation", "declined_ask"),
        content.text("help", "reprompt"),
        replace(state, awaiting=None),
    )


def _nothing_to_confirm(content: Content, state: State, turn: Turn) -> Reply:
    """Answer a clearly heard yes or no with nothing to say yes to: no "sorry", just choices."""
    if _topic(content, state) is None:
        return _ask(
            None, content.text("launch", "ask"), content.text("launch", "reprompt"), State()
        )
    return help_(content, state, turn)


# --- safety ----------------------------------------------------------------------------


def safety(content: Content, state: State, turn: Turn) -> Reply:
    """Answer someone in crisis or in danger first: what to do now, then who can help.

    The emergency number comes first, then the one line that fits what was said
    (the crisis line for CrisisIntent, the abuse line for AbuseIntent), then where
    to find them again. Whatever topic was open is closed: nothing said afterwards
    leads back into coaching unless the person asks for a topic. Nothing of what was
    said is kept: the intents have no slots, and the state records only which
    numbers a "repeat" says again.
    """
    del state
    kind = SAFETY_AWAITS.get(turn.intent, Awaiting.CRISIS)
    lines = content.helplines
    speech = [
        *_fill(content.text("safety", "danger"), emergency=_spoken_number(lines.emergency)),
        *_fill(content.text("safety", kind), line=_line(_helpline(content, kind))),
        content.text("safety", "card_note"),
        content.text("safety", "again"),
    ]
    return _safety_reply(content, speech, kind)


def safety_numbers(content: Content, state: State, turn: Turn) -> Reply:
    """Say the numbers again, and only the numbers ("repeat", or "yes")."""
    kind = state.awaiting or Awaiting.CRISIS
    emergency = _spoken_number(content.helplines.emergency)
    line = _line(_helpline(content, kind))
    speech = [
        *_fill(content.text("safety", "repeat_danger"), emergency=emergency),
        *_sentence(line),
        content.text("safety", "again"),
    ]
    return _safety_reply(content, speech, kind)


def safety_hint(content: Content, state: State, turn: Turn) -> Reply:
    """Anything else but a new topic after the numbers: how to hear them again, or finish."""
    return Reply(
        speech=(content.text("safety", "hint"),),
        reprompt=(content.text("safety", "reprompt"),),
        state=state,
    )


def safety_closing(content: Content, state: State, turn: Turn) -> Reply:
    """Close gently after the numbers ("no", "stop"), offering nothing else."""
    return Reply(speech=(content.text("safety", "closing"),), end_session=True, state=State())


AFTER_SAFETY: dict[str, Answer] = {
    "AMAZON.YesIntent": safety_numbers,
    "AMAZON.RepeatIntent": safety_numbers,
    "AMAZON.NoIntent": safety_closing,
    "AMAZON.StopIntent": safety_closing,
    "AMAZON.CancelIntent": safety_closing,
}
"""Answers right after the numbers; any other intent but a topic gets :func:`safety_hint`."""


def _safety_reply(content: Content, speech: list[Segment], kind: Awaiting) -> Reply:
    """Speak the numbers and show all three on a card whose title says nothing of why."""
    lines = content.helplines
    abuse = lines.abuse
    card_lines = [
        content.text("safety", "card_emergency").format(number=lines.emergency.number),
        content.text("safety", "card_crisis").format(
            card_name=lines.crisis.card_name, number=lines.crisis.number
        ),
        content.text("safety", "card_abuse").format(card_name=abuse.card_name, number=abuse.number)
        if abuse.number
        else abuse.card,
        content.text("safety", "card_footer"),
    ]
    return Reply(
        speech=tuple(speech),
        reprompt=(content.text("safety", "reprompt"),),
        card=Card(content.text("safety", "card_title"), "\n".join(card_lines)),
        state=State(awaiting=kind),
    )


def _helpline(content: Content, kind: str) -> Helpline:
    return content.helplines.abuse if kind == Awaiting.ABUSE else content.helplines.crisis


def _spoken_number(line: Helpline) -> list[Segment]:
    """Say a number as people do: group by group, or as they say it ("triple zero")."""
    return [Telephone(line.number, spoken=line.spoken or None)]


def _line(line: Helpline) -> list[Segment]:
    """Say a helpline: "call or text 988, the Suicide and Crisis Lifeline".

    Where there is no number (Canada's abuse line), what to do instead.
    """
    if not line.number:
        return [line.instead.rstrip(".")]
    return [line.how, Telephone(line.number, spoken=line.spoken or None), f", {line.name}"]


def _fill(template: str, **values: list[Segment]) -> list[Segment]:
    """Fill a template's placeholders with segments (phone numbers stay Telephone)."""
    segments: list[Segment] = []
    for index, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        if index % 2:
            segments += values[piece]
        elif piece:
            segments.append(piece)
    return segments


def _sentence(segments: list[Segment]) -> list[Segment]:
    """Make segments one sentence: a capital first letter and a full stop."""
    first = segments[0]
    if isinstance(first, str):
        segments = [first[:1].upper() + first[1:], *segments[1:]]
    return [*segments, "."]


# --- the evening reflection ------------------------------------------------------------


def reflection_for(reflections: Reflections, night: date) -> Reflection:
    """Choose the night's reflection: eight nights in a row give all eight, in turn.

    The one place that decides; it needs only the date, so it works with no storage
    (a remembered count of past reflections could feed it instead).
    """
    return reflections.nights[night.toordinal() % len(reflections.nights)]


def reflection(content: Content, state: State, turn: Turn) -> Reply:
    """Play tonight's whole reflection in one response, pauses included, and end the session."""
    del state
    script = content.reflections
    chosen = reflection_for(script, turn.night or date.today())
    speech: list[Segment] = [script.opening.format(theme=chosen.theme)]
    for question in chosen.questions:
        speech += [question, Pause(script.pause)]
    speech.append(script.closing)
    card = "\n".join([chosen.theme, *chosen.questions, script.closing])
    title = f"{content.text('name')}: {content.text('reflection', 'card_title')}"
    return Reply(speech=tuple(speech), card=Card(title, card), end_session=True, state=State())


# --- help, fallback, endings ----------------------------------------------------------


def help_(content: Content, state: State, turn: Turn) -> Reply:
    """Explain what can be said here, fitting where the person is."""
    return _guide(content, state, "help")


def fallback(content: Content, state: State, turn: Turn) -> Reply:
    """Redirect gently, naming a few things to say; keep the person's place."""
    return _guide(content, state, "fallback")


def _guide(content: Content, state: State, section: str) -> Reply:
    """Say a section's general or in-topic text, then ask.

    The place is kept, and so is what a yes means: help inside a topic says "next to
    go on", and a yes afterwards does just that.
    """
    topic = _topic(content, state)
    if topic is None:
        say = content.text(section, "general" if section == "help" else "say")
    else:
        say = content.text(section, "in_topic").format(title=topic.title)
    reprompt = content.text(section, "reprompt")
    return _ask(say, content.text(section, "ask"), reprompt, state)


def goodbye(content: Content, state: State, turn: Turn) -> Reply:
    """End the session kindly."""
    return Reply(speech=(content.text("goodbye"),), end_session=True, state=State())


def apology(content: Content) -> Reply:
    """Say sorry for an error on our side and offer help, keeping the session open."""
    return _ask(
        content.text("error", "say"),
        content.text("error", "ask"),
        content.text("help", "reprompt"),
        State(),
    )


# Intent name to the function that answers it. Topic intents are added from content.
BUILTIN_INTENTS: dict[str, Answer] = {
    "AMAZON.HelpIntent": help_,
    "AMAZON.StopIntent": goodbye,
    "AMAZON.CancelIntent": goodbye,
    "AMAZON.FallbackIntent": fallback,
    "AMAZON.NavigateHomeIntent": go_home,
    "AMAZON.NextIntent": next_part,
    "AMAZON.PreviousIntent": previous_part,
    "AMAZON.RepeatIntent": repeat,
    "AMAZON.MoreIntent": next_part,
    "AMAZON.YesIntent": yes,
    "AMAZON.NoIntent": no,
    "AMAZON.StartOverIntent": start_over,
}


def respond(content: Content, state: State, turn: Turn) -> Reply:
    """Answer one intent: the single entry point for every intent of the skill."""
    if turn.intent in SAFETY_INTENTS:
        return safety(content, state, turn)
    if turn.intent in content.topics:
        return start_topic(content, state, turn)
    if turn.intent == TIP_INTENT:
        return tip(content, state, turn)
    if turn.intent == REFLECTION_INTENT:
        return reflection(content, state, turn)
    if state.after_safety:
        return AFTER_SAFETY.get(turn.intent, safety_hint)(content, state, turn)
    return BUILTIN_INTENTS.get(turn.intent, fallback)(content, state, turn)


# --- building replies -----------------------------------------------------------------


def _topic(content: Content, state: State) -> Topic | None:
    return content.topics.get(state.topic) if state.topic else None


def _part_reply(content: Content, state: State, *, preface: str | None = None) -> Reply:
    """Say one part of a topic, then its question; the reprompt says what yes will do."""
    topic = content.topics[state.topic or ""]
    part = topic.parts[state.index]
    is_last = state.index == len(topic.parts) - 1
    speech: list[Segment] = [preface] if preface else []
    speech += [part.label + part.text, part.ask]
    return Reply(
        speech=tuple(speech),
        reprompt=(part.reprompt,),
        card=Card(_card_title(content, topic), part.label + part.text),
        state=replace(state, awaiting=Awaiting.OFFER if is_last else Awaiting.NEXT),
    )


def _card_title(content: Content, topic: Topic) -> str:
    return f"{content.text('name')}: {topic.title[0].upper()}{topic.title[1:]}"


def _ask(say: str | None, ask: str, reprompt: str, state: State) -> Reply:
    """Say something (or nothing) and ask; no card, since nothing new was taught."""
    speech = (say, ask) if say else (ask,)
    return Reply(speech=speech, reprompt=(reprompt,), state=state)


def _nothing_yet(content: Content) -> Reply:
    return _ask(
        content.text("navigation", "nothing_yet"),
        content.text("navigation", "nothing_yet_ask"),
        content.text("launch", "reprompt"),
        State(),
    )
