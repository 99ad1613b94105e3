"""What a screen offers to say next: two or three phrases that fit where the person is.

The /rehearse page shows them as buttons and the Echo Show as its hint line, so a
person who does not know what the skill understands can see it, not only hear it in
help. The phrases are content (``suggestions`` in skill.yaml, checked by the loader)
and follow what help says in the same place, so screen and voice never disagree.
"""

from __future__ import annotations

from intents import Content
from skill.state import OPEN_AWAITS, Awaiting, State


def suggestions(content: Content, state: State) -> tuple[str, ...]:
    """Return what to offer next, for the place ``state`` describes."""
    return tuple(content.skill_list("suggestions", _place(state)))


def _place(state: State) -> str:
    """Name the suggestions' place: mirrors help's own choice of general or in-topic."""
    if state.after_safety:
        return "after_safety"
    if state.awaiting is Awaiting.OFFER or state.awaiting in OPEN_AWAITS:
        return "question"
    if state.topic is not None:
        return "in_topic"
    return "start"
