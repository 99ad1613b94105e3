"""How a turn moves a person's record on: the place reached, tips heard, reflections done.

The record (:class:`skill.state.Memory`) keeps only what the features need: where
they were (topic and part), which tips they have heard (ids), how many evening
reflections they have done and the night of the last, their locale, and the first
and last night they used the skill. Never anything said, never a slot's text, and
nothing from a safety turn: :func:`remember` leaves the record exactly as it was.
"""

from __future__ import annotations

from dataclasses import replace

from intents import Content
from intents.loader import REFLECTION_INTENT, SAFETY_INTENTS
from skill.state import Memory, Reply, Turn


def remember(memory: Memory, content: Content, turn: Turn, reply: Reply) -> Memory:
    """Return the record after this turn: the place reached, tips heard, reflections done.

    A safety turn, and any turn while the numbers are the last thing said, changes
    nothing at all (not even the night it was used). Leaving a topic (stop, home)
    keeps the place, so that next time the person can go on from there.
    """
    if turn.intent in SAFETY_INTENTS or reply.state.after_safety:
        return memory
    night = turn.night
    changed = replace(
        memory,
        locale=content.locale,
        created=memory.created or night,
        last_used=night or memory.last_used,
    )
    topic = content.topics.get(reply.state.topic) if reply.state.topic else None
    if topic is not None:
        part = topic.parts[reply.state.index]
        tips = changed.tips | {part.tip} if part.tip else changed.tips
        changed = replace(changed, topic=topic.intent, index=reply.state.index, tips=tips)
    if turn.intent == REFLECTION_INTENT and reply.end_session and night != memory.last_reflection:
        changed = replace(changed, reflections=memory.reflections + 1, last_reflection=night)
    return changed
