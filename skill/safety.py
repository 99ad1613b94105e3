"""Answers for someone in crisis or in danger: what to do now, first, and nothing else.

The emergency number comes first, then the one line that fits what was said (the
crisis line for CrisisIntent, the abuse line for AbuseIntent), then where to find
them again. Whatever topic was open is closed: nothing said afterwards leads back
into coaching unless the person asks for a topic; only the numbers can be heard
again, and "no" or "stop" closes gently (:data:`AFTER_SAFETY`).
"""

from __future__ import annotations

import re

from intents import Content, Helpline
from skill.state import (
    SAFETY_AWAITS,
    Answer,
    Awaiting,
    Card,
    Reply,
    Screen,
    ScreenKind,
    ShownNumber,
    State,
    Turn,
)
from speech.ssml import Segment, Telephone


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
    """Speak the numbers and show all three on a card whose title says nothing of why.

    A screen shows the same three, large: both are written from :func:`shown_numbers`.
    """
    numbers = shown_numbers(content)
    footer = content.text("safety", "card_footer")
    title = content.text("safety", "card_title")
    return Reply(
        speech=tuple(speech),
        reprompt=(content.text("safety", "reprompt"),),
        card=Card(title, "\n".join([*(number.line for number in numbers), footer])),
        state=State(awaiting=kind),
        screen=Screen(ScreenKind.SAFETY, title, numbers=numbers, lines=(footer,)),
    )


def shown_numbers(content: Content) -> tuple[ShownNumber, ...]:
    """Return the emergency, crisis and abuse lines as the card and the screen write them."""
    lines = content.helplines
    abuse = lines.abuse
    return (
        _shown(content.text("safety", "card_emergency"), lines.emergency),
        _shown(content.text("safety", "card_crisis"), lines.crisis),
        _shown(content.text("safety", "card_abuse"), abuse)
        if abuse.number
        else ShownNumber(abuse.card),
    )


def _shown(template: str, line: Helpline) -> ShownNumber:
    """Fill a card template around its ``{number}``, keeping the number apart."""
    before, _, after = template.partition("{number}")
    return ShownNumber(
        before.format(card_name=line.card_name), line.number, after.format(card_name=line.card_name)
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
