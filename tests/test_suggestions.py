"""What screens offer to say next: fitting the place, and understood as what they offer."""

from __future__ import annotations

import pytest

from intents import Content
from skill.nlu import FALLBACK_INTENT, resolve
from skill.state import Awaiting, State
from skill.suggestions import suggestions

PLACES = {
    "start": State(),
    "in_topic": State(topic="PartnerPullingAwayIntent", index=1, awaiting=Awaiting.NEXT),
    "question": State(topic="PartnerPullingAwayIntent", index=4, awaiting=Awaiting.OFFER),
    "after_safety": State(awaiting=Awaiting.CRISIS),
}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_each_place_offers_two_or_three_things_alexa_understands(
    content: Content, place: str
) -> None:
    offered = suggestions(content, PLACES[place])
    assert 2 <= len(offered) <= 3
    for phrase in offered:
        assert resolve(phrase).intent != FALLBACK_INTENT, phrase


def test_suggestions_follow_the_place(content: Content) -> None:
    assert "next" in suggestions(content, PLACES["in_topic"])
    assert "yes" in suggestions(content, PLACES["question"])
    assert "yes" in suggestions(content, State(awaiting=Awaiting.RESUME))
    assert suggestions(content, PLACES["after_safety"])[0] == "repeat"
    assert "my partner is pulling away" in suggestions(content, PLACES["start"])
