"""What the /rehearse page's API adds to a turn: whether to show the card, what to say next.

Request-level tests through Flask's test client (the page in a browser is in
tests/test_rehearsal_web.py), and the card comparison itself on texts.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask.testing import FlaskClient

from intents import Content
from skill.state import Card, State
from skill.suggestions import suggestions
from skill.web.app import create_app
from skill.web.turn_view import card_differs


@pytest.fixture
def page() -> FlaskClient:
    """The web service with the rehearsal page on and nothing kept between sessions."""
    return create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": (), "REHEARSAL": True}).test_client()


def conversation(page: FlaskClient, *said: str, locale: str = "en-US") -> list[dict[str, Any]]:
    """Open the skill and say each thing in turn, as the page does; return every answer."""
    answers = [page.post("/rehearse/start", json={"locale": locale}).get_json()]
    for text in said:
        turn = {"text": text, "session": answers[-1]["session"], "locale": locale}
        reply = page.post("/rehearse/turn", json=turn)
        assert reply.status_code == 200, reply.get_json()
        answers.append(reply.get_json())
    return answers


# --- suggestions ------------------------------------------------------------------------


def test_each_answer_offers_what_to_say_next_where_the_conversation_is(
    page: FlaskClient, content: Content
) -> None:
    answers = conversation(page, "my partner is pulling away", *["next"] * 5)
    launch, topic, offer = answers[0], answers[1], answers[-1]
    assert launch["suggestions"] == list(suggestions(content, State()))
    assert "my partner is pulling away" in launch["suggestions"]
    # Read from the session the turn gave back, as the skill reads it on the next turn.
    for answer in answers[1:]:
        state = State.from_attributes(answer["session"]["attributes"], content)
        assert answer["suggestions"] == list(suggestions(content, state))
    assert topic["suggestions"] == ["next", "repeat", "stop"]
    assert offer["session"]["attributes"]["awaiting"] == "offer"  # the topic's closing offer
    assert offer["suggestions"] == ["yes", "no", "help"]


def test_after_a_safety_answer_the_suggestions_are_the_numbers_again_or_stop(
    page: FlaskClient,
) -> None:
    _, crisis = conversation(page, "I'm having dark thoughts")
    assert crisis["suggestions"] == ["repeat", "stop"]


@pytest.mark.parametrize("said", ["stop", "evening reflection"])
def test_nothing_is_suggested_once_the_session_has_ended(page: FlaskClient, said: str) -> None:
    ended = conversation(page, said)[-1]
    assert ended["ended"] is True and ended["session"]["open"] is False
    assert ended["suggestions"] == []


def test_suggestions_come_in_the_locale_asked_for(page: FlaskClient, catalogue: Any) -> None:
    launch = conversation(page, locale="en-GB")[0]
    assert launch["suggestions"] == list(suggestions(catalogue.for_locale("en-GB"), State()))


# --- the card, only where it says more than the speech ------------------------------------


def test_the_safety_card_is_shown_with_all_three_numbers(page: FlaskClient) -> None:
    _, crisis, again = conversation(page, "I'm having dark thoughts", "repeat")
    for answer in (crisis, again):
        assert answer["cardDiffers"] is True
        assert all(number in answer["card"]["text"] for number in ("911", "988", "1-800-799-7233"))


def test_the_evening_reflection_card_is_shown(page: FlaskClient) -> None:
    reflection = conversation(page, "evening reflection")[-1]
    assert reflection["card"] is not None and reflection["cardDiffers"] is True


def test_a_card_that_repeats_the_speech_is_flagged_not_to_show(page: FlaskClient) -> None:
    answers = conversation(page, "I'm scared to open up", "yes", "next", "previous")
    for answer in answers:  # the welcome, an intro, steps 1 and 2, and step 1 again
        assert answer["card"] is not None, answer["text"]
        assert answer["card"]["text"].split(".")[0] in answer["text"]
        assert answer["cardDiffers"] is False, answer["text"]


def test_an_answer_without_a_card_has_nothing_to_show(page: FlaskClient) -> None:
    stop = conversation(page, "stop")[-1]
    assert stop["card"] is None and stop["cardDiffers"] is False


_STEP = "Step 2 of 4: Take small steps. Start by sharing small, personal things."


@pytest.mark.parametrize(
    ("card", "speech"),
    [
        (_STEP, _STEP + " Shall we go on to step 3: challenge your assumptions?"),
        (_STEP, "Take small steps.\nStart by sharing small, personal things. Go on?"),
        ("take  SMALL steps -- start by sharing small personal things", _STEP),
        ("It doesn\u2019t have to be permanent.", "It doesn't have to be permanent. Go on?"),
        ("", "Anything at all."),
    ],
)
def test_a_card_is_the_speech_again_whatever_its_case_spacing_punctuation_or_label(
    content: Content, card: str, speech: str
) -> None:
    assert card_differs(Card("Closer Together", card), speech, content) is False


@pytest.mark.parametrize(
    ("card", "speech"),
    [
        ("In danger right now: call 911", "In danger, call 911."),
        ("Take small steps. Shall we go on?", "Take small steps. Start small. Shall we go on?"),
        ("Step 2 of 4: Take small steps.", "Step 3 of 4: Take big steps."),
    ],
)
def test_a_card_with_words_of_its_own_or_in_another_order_differs(
    content: Content, card: str, speech: str
) -> None:
    assert card_differs(Card("Closer Together", card), speech, content) is True


def test_the_step_label_is_the_one_the_content_writes(content: Content) -> None:
    voice = {**content.skill["voice"], "step_label": "Part {step}/{total} - "}
    relabelled = dataclasses.replace(content, skill={**content.skill, "voice": voice})
    card = Card("Closer Together", "Part 2/4 - Take small steps.")
    assert card_differs(card, "Take small steps. Go on?", relabelled) is False
    assert card_differs(card, "Take small steps. Go on?", content) is True


def test_no_card_is_nothing_to_show(content: Content) -> None:
    assert card_differs(None, "Anything at all.", content) is False
