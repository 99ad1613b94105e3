"""The conversation: what Closer Together says next, as pure functions of content and state.

Nothing here knows about HTTP or the ASK SDK. Each function takes the content, the
session's :class:`State` and what was asked, and returns a :class:`Reply`. The SDK
handlers in :mod:`skill.handlers` only translate; the same functions serve Alexa and
local rehearsal.

The state is the only thing remembered between turns, and only for the session:
which topic, which part, whether its "more" was heard, and what a "yes" would mean.
Nothing a person says is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from intents import Content, Helpline, Part, Topic
from intents.loader import SAFETY_INTENTS, TIP_INTENT
from speech.ssml import Pause, Segment, Telephone

# What a "yes" (or "next" at the end of a topic) leads to.
AWAIT_MORE = "more"
AWAIT_NEXT = "next"
AWAIT_OFFER = "offer"
AWAIT_CLOSING = "closing"
AWAIT_SAFETY = "safety"
_AWAITS = frozenset({AWAIT_MORE, AWAIT_NEXT, AWAIT_OFFER, AWAIT_CLOSING, AWAIT_SAFETY})


@dataclass(frozen=True)
class State:
    """Where the person is: a topic, a part of it, and what a yes would mean."""

    topic: str | None = None
    index: int = 0
    more: bool = False
    """The part's "tell me more" was the last thing said."""
    awaiting: str | None = None

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, Any] | None, content: Content) -> State:
        """Read session attributes, ignoring anything unknown or out of range."""
        if not attributes:
            return cls()
        topic = attributes.get("topic")
        if not isinstance(topic, str) or topic not in content.topics:
            # Outside a topic, only an offer to repeat the helplines is remembered.
            safety = attributes.get("awaiting") == AWAIT_SAFETY
            return cls(awaiting=AWAIT_SAFETY) if safety else cls()
        index = attributes.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = 0
        index = min(max(index, 0), len(content.topics[topic].parts) - 1)
        awaiting = attributes.get("awaiting")
        return cls(
            topic=topic,
            index=index,
            more=attributes.get("more") is True,
            awaiting=awaiting if awaiting in _AWAITS else None,
        )

    def to_attributes(self) -> dict[str, Any]:
        """Write the state as session attributes (empty when nothing is open)."""
        if self.topic is None:
            return {"awaiting": self.awaiting} if self.awaiting == AWAIT_SAFETY else {}
        return {
            "topic": self.topic,
            "index": self.index,
            "more": self.more,
            "awaiting": self.awaiting,
        }


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
    """What was asked, as the conversation needs it: an intent and its resolved slots."""

    intent: str
    slots: Mapping[str, str | None] = field(default_factory=dict)


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


def next_part(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Go on: the next part, or at the end the offer (or the closing)."""
    topic = _topic(content, state)
    if topic is None:
        return _nothing_yet(content)
    if state.index + 1 < len(topic.parts):
        return _part_reply(content, State(topic=topic.intent, index=state.index + 1))
    if topic.closing is not None:
        return _closing(content, topic)
    assert topic.offer is not None  # the loader guarantees an offer or a closing
    return _part_reply(content, State(topic=topic.offer.to, index=0))


def previous_part(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Go back one part; at the first, say so and repeat it."""
    topic = _topic(content, state)
    if topic is None:
        return _nothing_yet(content)
    if state.index == 0:
        return _part_reply(
            content, State(topic=topic.intent), preface=content.text("navigation", "first_part")
        )
    return _part_reply(content, State(topic=topic.intent, index=state.index - 1))


def repeat(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Say the current part (or its "more") again; before any topic, the opening question."""
    if state.awaiting == AWAIT_SAFETY:
        return safety(content, state)
    if _topic(content, state) is None:
        return _ask(
            None,
            content.text("launch", "ask"),
            content.text("launch", "reprompt"),
            State(),
        )
    return _part_reply(content, replace(state, awaiting=None))


def more(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Tell more about the current part if it has more; otherwise go on."""
    topic = _topic(content, state)
    if topic is None:
        return _nothing_yet(content)
    if topic.parts[state.index].more and not state.more:
        return _part_reply(content, replace(state, more=True))
    return next_part(content, state)


def start_over(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Start the current topic from its beginning; before any topic, start the skill over."""
    topic = _topic(content, state)
    if topic is None:
        return launch(content)
    return _part_reply(content, State(topic=topic.intent))


def go_home(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Leave the topic and go back to the opening choices."""
    del state
    return _ask(
        content.text("navigation", "home"),
        content.text("launch", "ask"),
        content.text("launch", "reprompt"),
        State(),
    )


def yes(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Do what the last question offered."""
    if state.awaiting == AWAIT_SAFETY:
        return safety(content, state)
    if state.awaiting == AWAIT_MORE:
        return more(content, state)
    if state.awaiting in (AWAIT_NEXT, AWAIT_OFFER, AWAIT_CLOSING):
        return next_part(content, state)
    return _unclear(content, state)


def no(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Decline the last question: skip the "more", or leave the choice open."""
    topic = _topic(content, state)
    if state.awaiting == AWAIT_SAFETY:
        return _ask(
            content.text("safety", "declined"),
            content.text("safety", "declined_ask"),
            content.text("help", "reprompt"),
            replace(state, awaiting=None),
        )
    if state.awaiting == AWAIT_MORE and topic is not None:
        if state.index + 1 < len(topic.parts):
            return next_part(content, state)
        return _part_reply(
            content,
            replace(state, more=True),
            say_part=False,
            preface=content.text("navigation", "declined"),
        )
    if state.awaiting is None:
        return _unclear(content, state)
    return _ask(
        content.text("navigation", "declined"),
        content.text("navigation", "declined_ask"),
        content.text("help", "reprompt"),
        replace(state, awaiting=None),
    )


# --- safety ----------------------------------------------------------------------------


def safety(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Answer someone in crisis or danger first: the locale's helplines, slowly, and a card.

    The place in a topic is kept (a later "next" still works), but nothing of what was
    said is: SafetyIntent has no slots, and the state only records the offer to repeat.
    """
    lines = content.helplines
    speech: list[Segment] = [content.text("safety", "say")]
    speech += _with_number(content.text("safety", "crisis"), lines.crisis)
    if lines.abuse.number:
        speech += _with_number(content.text("safety", "abuse"), lines.abuse)
    else:
        speech.append(content.text("safety", "abuse_instead").format(instead=lines.abuse.instead))
    speech += _with_number(content.text("safety", "emergency"), Helpline(number=lines.emergency))
    speech += [content.text("safety", "card_note"), content.text("safety", "ask")]
    card_lines = [
        content.text("safety", "card_crisis").format(
            card_name=lines.crisis.card_name, number=lines.crisis.number
        ),
        content.text("safety", "card_abuse").format(
            card_name=lines.abuse.card_name, number=lines.abuse.number
        )
        if lines.abuse.number
        else lines.abuse.card,
        content.text("safety", "card_emergency").format(number=lines.emergency),
        content.text("safety", "card_footer"),
    ]
    return Reply(
        speech=tuple(speech),
        reprompt=(content.text("safety", "reprompt"),),
        card=Card(content.text("safety", "card_title"), "\n".join(card_lines)),
        state=replace(state, more=False, awaiting=AWAIT_SAFETY),
    )


def _with_number(template: str, line: Helpline) -> list[Segment]:
    """Fill a template, turning its {number} into a :class:`Telephone` read digit by digit."""
    before, _, after = template.partition("{number}")
    fields = {"how": line.how, "name": line.name}
    return [before.format(**fields), Telephone(line.number), after.format(**fields)]


# --- help, fallback, endings ----------------------------------------------------------


def help_(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Explain what can be said here, fitting where the person is."""
    return _guide(content, state, "help")


def fallback(content: Content, state: State, turn: Turn | None = None) -> Reply:
    """Redirect gently, naming a few things to say; keep the person's place."""
    return _guide(content, state, "fallback")


def _guide(content: Content, state: State, section: str) -> Reply:
    """Say a section's general or in-topic text, then ask; the place is kept."""
    topic = _topic(content, state)
    if topic is None:
        say = content.text(section, "general" if section == "help" else "say")
    else:
        say = content.text(section, "in_topic").format(title=topic.title)
    reprompt = content.text(section, "reprompt")
    return _ask(say, content.text(section, "ask"), reprompt, replace(state, awaiting=None))


def goodbye(content: Content, state: State, turn: Turn | None = None) -> Reply:
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
BUILTIN_INTENTS: dict[str, Callable[[Content, State, Turn], Reply]] = {
    "AMAZON.HelpIntent": help_,
    "AMAZON.StopIntent": goodbye,
    "AMAZON.CancelIntent": goodbye,
    "AMAZON.FallbackIntent": fallback,
    "AMAZON.NavigateHomeIntent": go_home,
    "AMAZON.NextIntent": next_part,
    "AMAZON.PreviousIntent": previous_part,
    "AMAZON.RepeatIntent": repeat,
    "AMAZON.MoreIntent": more,
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
    answer = BUILTIN_INTENTS.get(turn.intent, fallback)
    return answer(content, state, turn)


# --- building replies -----------------------------------------------------------------


def _topic(content: Content, state: State) -> Topic | None:
    return content.topics.get(state.topic) if state.topic else None


def _part_reply(
    content: Content, state: State, *, preface: str | None = None, say_part: bool = True
) -> Reply:
    """Say one part of a topic (or its "more"), then the question that fits where it is."""
    topic = content.topics[state.topic or ""]
    part = topic.parts[state.index]
    is_last = state.index == len(topic.parts) - 1
    ask, reprompt, awaiting = _question(
        content, topic, part, heard_more=state.more, is_last=is_last
    )
    speech: list[Segment] = [preface] if preface else []
    if say_part:
        speech.append(part.more if state.more and part.more else part.label + part.say)
    if part.pause:
        speech.append(Pause(part.pause))
    speech.append(ask)
    card_text = part.label + part.say + (f"\n\n{part.more}" if state.more and part.more else "")
    return Reply(
        speech=tuple(speech),
        reprompt=(reprompt,),
        card=Card(_card_title(content, topic), card_text),
        state=replace(state, awaiting=awaiting),
    )


def _question(
    content: Content, topic: Topic, part: Part, *, heard_more: bool, is_last: bool
) -> tuple[str, str, str]:
    """Choose the question ending a part's turn, its reprompt, and what yes will mean."""
    if part.more and not heard_more:
        return content.text("prompts", "hear_more"), content.text("reprompts", "more"), AWAIT_MORE
    if is_last and topic.offer is not None:
        return topic.offer.ask, content.text("reprompts", "offer"), AWAIT_OFFER
    if is_last or part.pause:
        awaiting = AWAIT_CLOSING if is_last else AWAIT_NEXT
        ask = part.ask or content.text("prompts", "reflection_next")
        return ask, content.text("reprompts", "reflection"), awaiting
    return (
        part.ask or content.text("prompts", "go_on"),
        content.text("reprompts", "step"),
        AWAIT_NEXT,
    )


def _closing(content: Content, topic: Topic) -> Reply:
    """Say the topic's closing words and end the session (the evening reflection's end)."""
    closing = topic.closing or content.text("goodbye")
    return Reply(
        speech=(closing,),
        card=Card(_card_title(content, topic), closing),
        end_session=True,
        state=State(),
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


def _unclear(content: Content, state: State) -> Reply:
    """Answer a yes or no with no question pending by pointing to what can be said."""
    if _topic(content, state) is None:
        return _nothing_yet(content)
    return fallback(content, state)
