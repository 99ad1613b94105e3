"""What a returning person hears, as pure functions of content, state and their record.

The conversation with a record (:class:`skill.state.Memory`), without any store: the
welcome back, resume at the exact step, tonight's reflection moving on night by
night, the progress summary, forget me, and a safety turn that changes nothing.
The same turns through real stores are in tests/test_memory_skill.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from intents import Catalogue, Content
from intents.loader import (
    ABUSE_INTENT,
    CRISIS_INTENT,
    FORGET_INTENT,
    PROGRESS_INTENT,
    REFLECTION_INTENT,
    RESUME_INTENT,
)
from skill import conversation
from skill.progress import remember
from skill.reflection import reflection_for
from skill.state import Awaiting, Memory, Reply, State, Turn
from speech.segments import plain_text
from speech.ssml import Voice, to_ssml

NIGHT = date(2026, 11, 30)
PARTNER = "PartnerPullingAwayIntent"


@pytest.fixture(scope="module")
def content(catalogue: Catalogue) -> Content:
    return catalogue.default


def said(reply: Reply) -> str:
    return plain_text(to_ssml(reply.speech, Voice()))


def turn(intent: str, night: date = NIGHT) -> Turn:
    return Turn(intent=intent, slots={}, night=night)


def step_through(content: Content, memory: Memory, intents: list[str]) -> tuple[Memory, Reply]:
    """Play intents in one session from a record, updating it as the handlers do."""
    state = State(memory=memory)
    reply = conversation.launch(content, state)
    for intent in intents:
        asked = turn(intent)
        reply = conversation.respond(content, state, asked)
        memory = remember(memory, content, asked, reply)
        state = replace(reply.state, memory=memory)
    return memory, reply


def test_a_first_visit_is_the_usual_welcome(content: Content) -> None:
    first = conversation.launch(content, State(memory=Memory()))
    assert said(first).startswith("Welcome to Closer Together")


def test_a_returning_person_is_welcomed_back_in_at_most_25_words(content: Content) -> None:
    for topic in content.topics:
        memory = Memory(topic=topic, index=len(content.topics[topic].parts) - 1)
        reply = conversation.launch(content, State(memory=memory))
        words = said(reply).split()
        assert words[:2] == ["Welcome", "back."]
        assert len(words) <= 25, said(reply)
        assert content.topics[topic].title in said(reply)
        assert reply.state.awaiting == Awaiting.RESUME
        assert reply.reprompt


def test_yes_after_welcome_back_resumes_at_the_next_step(content: Content) -> None:
    memory, _ = step_through(content, Memory(), [PARTNER, "AMAZON.NextIntent"])
    assert (memory.topic, memory.index) == (PARTNER, 1)
    welcome = conversation.launch(content, State(memory=memory))
    state = replace(welcome.state, memory=memory)
    resumed = conversation.respond(content, state, turn("AMAZON.YesIntent"))
    assert (resumed.state.topic, resumed.state.index) == (PARTNER, 2)
    expected = conversation.respond(
        content, State(topic=PARTNER, index=1, awaiting=Awaiting.NEXT), turn("AMAZON.NextIntent")
    )
    assert resumed.speech == expected.speech


def test_resume_by_name_and_without_a_record(content: Content) -> None:
    memory = Memory(topic=PARTNER, index=0)
    resumed = conversation.respond(content, State(memory=memory), turn(RESUME_INTENT))
    assert (resumed.state.topic, resumed.state.index) == (PARTNER, 1)
    nothing = conversation.respond(content, State(), turn(RESUME_INTENT))
    assert "don't keep anything" in said(nothing)
    first_visit = conversation.respond(content, State(memory=Memory()), turn(RESUME_INTENT))
    assert "don't keep" not in said(first_visit) and first_visit.state.topic is None


def test_the_reflection_moves_on_each_completed_night_and_repeats_within_one(
    content: Content,
) -> None:
    nights = content.reflections.nights
    memory = Memory()
    heard = []
    for day in range(len(nights)):
        night = NIGHT + timedelta(days=3 * day)  # skipped nights do not skip a reflection
        chosen = reflection_for(content.reflections, night, memory)
        again = reflection_for(
            content.reflections,
            night,
            remember(
                memory, content, turn(REFLECTION_INTENT, night), _played(content, memory, night)
            ),
        )
        assert again == chosen  # asked twice the same night: the same one
        memory = remember(
            memory, content, turn(REFLECTION_INTENT, night), _played(content, memory, night)
        )
        heard.append(chosen.theme)
    assert heard == [each.theme for each in nights]  # all eight, in order
    assert memory.reflections == len(nights)


def _played(content: Content, memory: Memory, night: date) -> Reply:
    return conversation.respond(content, State(memory=memory), turn(REFLECTION_INTENT, night))


def test_a_second_reflection_the_same_night_is_not_counted(content: Content) -> None:
    memory = Memory()
    for _ in range(2):
        memory = remember(memory, content, turn(REFLECTION_INTENT), _played(content, memory, NIGHT))
    assert memory.reflections == 1 and memory.last_reflection == NIGHT


def test_without_a_store_the_date_picks_the_reflection(content: Content) -> None:
    nights = content.reflections.nights
    picked = {
        reflection_for(content.reflections, NIGHT + timedelta(days=d)).theme for d in range(8)
    }
    assert picked == {each.theme for each in nights}


def test_progress_is_a_short_count_with_no_judgement(content: Content) -> None:
    memory, _ = step_through(
        content, Memory(), ["ScaredToOpenUpIntent", *["AMAZON.NextIntent"] * 6]
    )
    memory = replace(memory, reflections=3)
    reply = conversation.respond(content, State(memory=memory), turn(PROGRESS_INTENT))
    text = said(reply)
    assert f"heard {len(memory.tips)} of the eight tips" in text
    assert "3 evening reflections" in text
    assert len(memory.tips) >= 1
    one = conversation.respond(content, State(memory=Memory(reflections=1)), turn(PROGRESS_INTENT))
    assert "one evening reflection," in said(one)
    none = conversation.respond(content, State(), turn(PROGRESS_INTENT))
    assert "don't keep anything" in said(none)


def test_forget_me_asks_first_and_only_a_yes_forgets(content: Content) -> None:
    memory = Memory(topic=PARTNER, index=1, reflections=2)
    asked = conversation.respond(content, State(memory=memory), turn(FORGET_INTENT))
    assert asked.state.awaiting == Awaiting.FORGET and not asked.forget
    state = replace(asked.state, memory=memory)
    kept = conversation.respond(content, state, turn("AMAZON.NoIntent"))
    assert not kept.forget and "keep it" in said(kept)
    gone = conversation.respond(content, state, turn("AMAZON.YesIntent"))
    assert gone.forget and "forgotten" in said(gone)
    without = conversation.respond(content, State(), turn(FORGET_INTENT))
    assert not without.forget and "nothing to forget" in said(without)


@pytest.mark.parametrize("intent", [CRISIS_INTENT, ABUSE_INTENT])
def test_a_safety_turn_leaves_the_record_exactly_as_it_was(content: Content, intent: str) -> None:
    memory = Memory(topic=PARTNER, index=2, reflections=1, last_used=NIGHT - timedelta(days=1))
    state = State(topic=PARTNER, index=2, awaiting=Awaiting.NEXT, memory=memory)
    reply = conversation.respond(content, state, turn(intent))
    assert remember(memory, content, turn(intent), reply) is memory
    after = replace(reply.state, memory=memory)
    for follow_up in ("AMAZON.RepeatIntent", "AMAZON.NextIntent", "AMAZON.HelpIntent"):
        answer = conversation.respond(content, after, turn(follow_up))
        assert remember(memory, content, turn(follow_up), answer) is memory


def test_the_record_reads_back_what_it_wrote_and_ignores_the_rest(content: Content) -> None:
    memory, _ = step_through(content, Memory(), [PARTNER, "AMAZON.NextIntent", "AMAZON.NextIntent"])
    assert Memory.from_attributes(memory.to_attributes(), content) == memory
    junk = {"topic": ["x"], "index": -4, "tips": "all", "reflections": True, "created": "soon"}
    assert Memory.from_attributes(junk, content) == Memory()
    assert set(memory.to_attributes()) == {
        "topic",
        "index",
        "tips",
        "reflections",
        "last_reflection",
        "reminder",
        "locale",
        "created",
        "last_used",
    }
