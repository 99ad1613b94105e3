"""The evening reflection: one response that plays to its end, a different one each night."""

from __future__ import annotations

from datetime import date

from intents import Content, Reflection, Reflections
from skill.state import Card, Reply, State, Turn
from speech.ssml import Pause, Segment


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
