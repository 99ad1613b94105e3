"""The evening reflection: one response that plays to its end, a different one each night."""

from __future__ import annotations

from datetime import date

from intents import Content, Reflection, Reflections
from skill.state import Card, Memory, Reply, Screen, ScreenKind, State, Turn
from speech.ssml import Pause, Segment


def reflection_for(
    reflections: Reflections, night: date, memory: Memory | None = None
) -> Reflection:
    """Choose the night's reflection: the one place that decides.

    With a record, each completed reflection moves on to the next of the eight, so
    night after night the person walks through all of them, whatever nights they
    skip; asked again the same night, it is that night's again. With no store, the
    date decides: eight nights in a row give all eight, in turn.
    """
    nights = reflections.nights
    if memory is None:
        return nights[night.toordinal() % len(nights)]
    done = memory.reflections
    if memory.last_reflection == night and done > 0:
        done -= 1  # tonight's has been played: the same one again
    return nights[done % len(nights)]


def reflection(content: Content, state: State, turn: Turn) -> Reply:
    """Play tonight's whole reflection in one response, pauses included, and end the session."""
    script = content.reflections
    chosen = reflection_for(script, turn.night or date.today(), state.memory)
    speech: list[Segment] = [script.opening.format(theme=chosen.theme)]
    for question in chosen.questions:
        speech += [question, Pause(script.pause)]
    speech.append(script.closing)
    card = "\n".join([chosen.theme, *chosen.questions, script.closing])
    heading = content.text("reflection", "card_title")
    return Reply(
        speech=tuple(speech),
        card=Card(f"{content.text('name')}: {heading}", card),
        end_session=True,
        state=State(memory=state.memory),
        # All the questions at once: one response cannot change the screen as it
        # plays, so the screen holds the night's questions while each is asked.
        screen=Screen(ScreenKind.REFLECTION, heading, text=chosen.theme, lines=chosen.questions),
    )
