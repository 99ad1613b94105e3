"""The conversation: what Closer Together says next, as pure functions of content and state.

Nothing here knows about HTTP or the ASK SDK. Each function takes the content, the
session's :class:`State` and what was asked, and returns a :class:`Reply`. The SDK
handlers in :mod:`skill.handlers` only translate; the same functions serve Alexa and
local rehearsal.

The state (:mod:`skill.state`) is the only thing remembered between turns, and only
for the session: which topic, which part, and what a "yes" would mean. Nothing a
person says is kept.

Three moments get particular care:

- *Safety* (CrisisIntent, AbuseIntent, :mod:`skill.safety`) is answered first, in any
  state: the emergency number, then the one line that fits, then a card with all
  three. The topic is cleared, so "next" never leads back into coaching.
- *The evening reflection* (:mod:`skill.reflection`) is one response that plays to
  its end: questions with long pauses, and the closing words.
- *Every topic turn* ends with a question whose reprompt says what yes will do; both
  are settled when the content loads (:mod:`intents.guidance`).
"""

from __future__ import annotations

from dataclasses import replace

from intents import Content, Topic
from intents.loader import (
    FALLBACK_INTENT,
    FORGET_INTENT,
    PROGRESS_INTENT,
    REFLECTION_INTENT,
    RESUME_INTENT,
    SAFETY_INTENTS,
    TIP_INTENT,
)
from skill.reflection import reflection
from skill.safety import AFTER_SAFETY, safety, safety_hint
from skill.state import (
    OPEN_AWAITS,
    TOPIC_AWAITS,
    Answer,
    Awaiting,
    Card,
    Memory,
    Reply,
    Screen,
    ScreenKind,
    State,
    Turn,
)
from speech.ssml import Segment

# --- openings -------------------------------------------------------------------------


def launch(content: Content, state: State | None = None) -> Reply:
    """Welcome, say plainly that this is guidance and not therapy, and offer starting points.

    Someone coming back (their record has a place or a reflection) is welcomed back
    instead, and offered to go on where they stopped or tonight's reflection.
    """
    memory = state.memory if state else None
    if memory is not None and memory.returning:
        return welcome_back(content, memory)
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
        return reflection(content, State(memory=state.memory), turn)
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
    """Do what the last question offered: go on, take up the offer, resume, or forget."""
    if state.awaiting in TOPIC_AWAITS:
        return next_part(content, state, turn)
    if state.awaiting == Awaiting.RESUME:
        return resume(content, state, turn)
    if state.awaiting == Awaiting.REFLECTION:
        return reflection(content, state, turn)
    if state.awaiting == Awaiting.FORGET:
        return _ask(
            content.text("memory", "forgotten"),
            content.text("help", "ask"),
            content.text("help", "reprompt"),
            State(),
        ).with_forget()
    return _nothing_to_confirm(content, state, turn)


def no(content: Content, state: State, turn: Turn) -> Reply:
    """Decline the last question, keeping the place, and say what else can be done."""
    if state.awaiting == Awaiting.FORGET:
        return _ask(
            content.text("memory", "kept"),
            content.text("help", "ask"),
            content.text("help", "reprompt"),
            State(memory=state.memory),
        )
    if state.awaiting in OPEN_AWAITS:
        return go_home(content, state, turn)
    if state.awaiting not in TOPIC_AWAITS:
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


# --- what is kept between visits -----------------------------------------------------


def welcome_back(content: Content, memory: Memory) -> Reply:
    """Greet a returning person and offer to go on where they stopped, or the reflection."""
    topic = content.topics.get(memory.topic) if memory.topic else None
    if topic is None:
        ask, reprompt = (
            content.text("memory", "reflection_ask"),
            content.text("memory", "reflection_reprompt"),
        )
        awaiting = Awaiting.REFLECTION
    else:
        ask = content.text("memory", "resume_ask").format(title=topic.title)
        reprompt = content.text("memory", "resume_reprompt").format(title=topic.title)
        awaiting = Awaiting.RESUME
    return _ask(
        content.text("memory", "welcome_back"),
        ask,
        reprompt,
        State(awaiting=awaiting, memory=memory),
    )


def resume(content: Content, state: State, turn: Turn) -> Reply:
    """Go on where the person stopped last time: the part after the one heard last.

    At the end of a topic, its last part again (which ends with the topic's offer).
    Nothing kept (no store, or a first visit): say so and offer starting points.
    """
    memory = state.memory
    topic = content.topics.get(memory.topic) if memory and memory.topic else None
    if memory is None or topic is None:
        return _ask(
            content.text("memory", "nothing_kept") if memory is None else None,
            content.text("launch", "ask"),
            content.text("launch", "reprompt"),
            State(memory=memory),
        )
    index = min(memory.index + 1, len(topic.parts) - 1)
    return _part_reply(content, State(topic=topic.intent, index=index, memory=memory))


def progress(content: Content, state: State, turn: Turn) -> Reply:
    """Say briefly what the person has done so far, with no judgement."""
    memory = state.memory
    if memory is None:
        return _ask(
            content.text("memory", "nothing_kept"),
            content.text("launch", "ask"),
            content.text("launch", "reprompt"),
            state,
        )
    count = memory.reflections
    reflections = (
        content.text("memory", "reflections_none")
        if count == 0
        else content.text("memory", "reflections_one")
        if count == 1
        else content.text("memory", "reflections_many").format(count=count)
    )
    say = content.text("memory", "progress").format(reflections=reflections, tips=len(memory.tips))
    return _ask(say, content.text("help", "ask"), content.text("help", "reprompt"), state)


def forget(content: Content, state: State, turn: Turn) -> Reply:
    """Ask before deleting everything kept; the yes does it (:func:`yes`)."""
    if state.memory is None:
        return _ask(
            content.text("memory", "nothing_to_forget"),
            content.text("help", "ask"),
            content.text("help", "reprompt"),
            state,
        )
    return _ask(
        None,
        content.text("memory", "forget_ask"),
        content.text("memory", "forget_reprompt"),
        State(awaiting=Awaiting.FORGET, memory=state.memory),
    )


# Intent name to the function that answers it. Topic intents are added from content.
BUILTIN_INTENTS: dict[str, Answer] = {
    "AMAZON.HelpIntent": help_,
    "AMAZON.StopIntent": goodbye,
    "AMAZON.CancelIntent": goodbye,
    FALLBACK_INTENT: fallback,
    "AMAZON.NavigateHomeIntent": go_home,
    "AMAZON.NextIntent": next_part,
    "AMAZON.PreviousIntent": previous_part,
    "AMAZON.RepeatIntent": repeat,
    "AMAZON.MoreIntent": next_part,
    "AMAZON.YesIntent": yes,
    "AMAZON.NoIntent": no,
    "AMAZON.StartOverIntent": start_over,
    RESUME_INTENT: resume,
    PROGRESS_INTENT: progress,
    FORGET_INTENT: forget,
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
    title = topic.title[0].upper() + topic.title[1:]
    return Reply(
        speech=tuple(speech),
        reprompt=(part.reprompt,),
        card=Card(f"{content.text('name')}: {title}", part.label + part.text),
        state=replace(state, awaiting=Awaiting.OFFER if is_last else Awaiting.NEXT),
        screen=Screen(ScreenKind.PART, title, label=part.heading, text=part.text),
    )


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
