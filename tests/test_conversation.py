"""The skill as Alexa talks to it: every intent, a walk through a topic, follow-ups and endings."""

from __future__ import annotations

import pytest

from intents import Content
from skill import envelopes
from skill.app import create_app
from tests.conftest import Conversation, spoken

CUSTOM_TOPICS = [
    "WhatIsIntimacyIntent",
    "WhyFearIntimacyIntent",
    "SignsOfFearIntent",
    "PartnerPullingAwayIntent",
    "ScaredToOpenUpIntent",
    "EncouragementIntent",
    "EveningReflectionIntent",
]


def test_launch_welcomes_disclaims_and_offers_starting_points(talk: Conversation) -> None:
    response = talk.launch()
    assert "Welcome to Closer Together" in talk.said
    assert "not therapy or medical advice" in talk.said
    assert "my partner is pulling away" in talk.said and "scared to open up" in talk.said
    assert talk.said.endswith("?")
    assert response["shouldEndSession"] is False
    assert talk.reprompt and talk.reprompt not in talk.said


@pytest.mark.parametrize("intent", CUSTOM_TOPICS)
def test_each_topic_starts_with_its_first_part(
    talk: Conversation, content: Content, intent: str
) -> None:
    response = talk.intent(intent)
    first = content.topics[intent].parts[0]
    assert first.say in talk.said
    assert response["card"]["type"] == "Simple"
    assert first.say in response["card"]["content"]
    assert response["shouldEndSession"] is False
    assert talk.said.endswith("?") or talk.said.endswith("say next.")
    assert talk.attributes == {"topic": intent, "index": 0, "more": False, "awaiting": "next"}


def test_partner_pulling_away_walk_with_next_previous_repeat_more(talk: Conversation) -> None:
    talk.launch()
    talk.intent("PartnerPullingAwayIntent")
    assert "emotionally distant" in talk.said
    talk.intent("AMAZON.NextIntent")
    assert "inner conflict, rather than their feelings for you" in talk.said
    assert talk.said.endswith("Would you like four steps that can help?")
    talk.intent("AMAZON.YesIntent")
    assert talk.said.startswith("Step 1 of 4: Lead with empathy.")
    assert talk.said.endswith("Would you like to hear more about this?")
    talk.intent("AMAZON.MoreIntent")
    assert "curiosity and understanding" in talk.said
    assert "Step 1 of 4" not in talk.said
    talk.intent("AMAZON.NextIntent")
    assert talk.said.startswith("Step 2 of 4: Create a safe space")
    talk.intent("AMAZON.RepeatIntent")
    assert talk.said.startswith("Step 2 of 4: Create a safe space")
    talk.intent("AMAZON.PreviousIntent")
    assert talk.said.startswith("Step 1 of 4: Lead with empathy.")
    talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.NextIntent")
    assert talk.said.startswith("Step 3 of 4: Model vulnerability.")
    talk.intent("AMAZON.NextIntent")
    assert talk.said.startswith("Step 4 of 4: Set boundaries.")
    talk.intent("AMAZON.NoIntent")  # no more, thanks: at the last step, the offer follows
    assert talk.said == "All right. Would you like a few words of encouragement to close?"
    talk.intent("AMAZON.YesIntent")
    assert "doesn't have to be permanent" in talk.said
    assert talk.attributes["topic"] == "EncouragementIntent"


def test_previous_at_the_first_part_says_so(talk: Conversation) -> None:
    talk.intent("ScaredToOpenUpIntent")
    talk.intent("AMAZON.PreviousIntent")
    assert talk.said.startswith("This is the beginning. That takes courage to say.")


def test_start_over_returns_to_the_first_part(talk: Conversation) -> None:
    talk.intent("WhyFearIntimacyIntent")
    talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.NextIntent")
    assert "self-protection" in talk.said
    talk.intent("AMAZON.StartOverIntent")
    assert talk.said.startswith("Fear of intimacy often grows out of past experiences.")


def test_yes_follows_the_offer_into_the_next_topic(talk: Conversation, content: Content) -> None:
    talk.intent("WhatIsIntimacyIntent")
    for _ in range(len(content.topics["WhatIsIntimacyIntent"].parts) - 1):
        talk.intent("AMAZON.NextIntent")
    assert talk.said.endswith("Would you like to hear where this fear often comes from?")
    assert "Say yes" in talk.reprompt
    talk.intent("AMAZON.YesIntent")
    assert talk.attributes["topic"] == "WhyFearIntimacyIntent"


def test_no_to_an_offer_leaves_the_choice_open(talk: Conversation, content: Content) -> None:
    talk.intent("SignsOfFearIntent")
    for _ in range(len(content.topics["SignsOfFearIntent"].parts) - 1):
        talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.NoIntent")
    assert talk.said.startswith("All right.") and talk.said.endswith("What would you like?")
    assert talk.last["shouldEndSession"] is False
    talk.intent("AMAZON.YesIntent")  # nothing pending: a gentle pointer, not a jump
    assert "didn't catch that" in talk.said


def test_yes_and_navigation_before_any_topic_point_somewhere(talk: Conversation) -> None:
    talk.launch()
    for intent in (
        "AMAZON.YesIntent",
        "AMAZON.NextIntent",
        "AMAZON.PreviousIntent",
        "AMAZON.MoreIntent",
    ):
        talk.intent(intent)
        assert "haven't started" in talk.said, intent
        assert "my partner is pulling away" in talk.said


@pytest.mark.parametrize(
    ("spoken_value", "resolved", "expected"),
    [
        ("set boundaries", "BOUNDARIES", "Step 4 of 4: Set boundaries."),
        ("see a therapist", "THERAPY", "Step 4 of 4: Consider therapy."),
        ("small steps", None, "Step 2 of 4: Take small steps."),  # no entity resolution sent
    ],
)
def test_tip_goes_to_its_step(
    talk: Conversation, spoken_value: str, resolved: str | None, expected: str
) -> None:
    request = envelopes.intent_request(
        "TipIntent", {"tip": spoken_value}, resolved={"tip": resolved} if resolved else None
    )
    talk.send(request)
    assert talk.said.startswith(expected)


def test_unknown_tip_names_both_groups(talk: Conversation) -> None:
    talk.intent("TipIntent", tip="juggling")
    assert "four tips for when you're scared to open up" in talk.said
    assert talk.said.endswith("?")


def test_evening_reflection_pauses_and_closes_gently(talk: Conversation, content: Content) -> None:
    reflection = content.topics["EveningReflectionIntent"]
    talk.intent("EveningReflectionIntent")
    assert talk.said.endswith("Shall we begin?")
    talk.intent("AMAZON.YesIntent")
    ssml = talk.last["outputSpeech"]["ssml"]
    assert '<break time="8s"/>' in ssml
    assert talk.said.endswith("When you're ready, say next.")
    for _ in range(len(reflection.parts) - 2):
        talk.intent("AMAZON.NextIntent")
        assert talk.last["shouldEndSession"] is False
    response = talk.intent("AMAZON.NextIntent")
    assert "Good night" in talk.said
    assert response["shouldEndSession"] is True
    assert "reprompt" not in response


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_end_kindly(talk: Conversation, intent: str) -> None:
    talk.intent("PartnerPullingAwayIntent")
    response = talk.intent(intent)
    assert talk.said == "Take good care of yourself. Goodbye."
    assert response["shouldEndSession"] is True
    assert talk.attributes == {}


def test_help_fits_where_the_person_is(talk: Conversation) -> None:
    talk.launch()
    talk.intent("AMAZON.HelpIntent")
    assert "not therapy" in talk.said and "evening reflection" in talk.said
    talk.intent("PartnerPullingAwayIntent")
    talk.intent("AMAZON.HelpIntent")
    assert "We're talking about when a partner pulls away" in talk.said
    assert talk.reprompt != talk.said
    talk.intent("AMAZON.NextIntent")  # help kept the place
    assert "inner conflict" in talk.said


def test_fallback_redirects_and_keeps_the_place(talk: Conversation) -> None:
    talk.launch()
    talk.intent("AMAZON.FallbackIntent")
    assert "didn't catch that" in talk.said and "evening reflection" in talk.said
    talk.intent("ScaredToOpenUpIntent")
    talk.intent("AMAZON.FallbackIntent")
    assert "when you're scared to open up" in talk.said
    assert talk.attributes["topic"] == "ScaredToOpenUpIntent"


def test_navigate_home_goes_back_to_the_start(talk: Conversation) -> None:
    talk.intent("SignsOfFearIntent")
    talk.intent("AMAZON.NavigateHomeIntent")
    assert talk.said.startswith("Okay, back to the start.")
    assert talk.attributes == {}


def test_repeat_before_any_topic_repeats_the_question(talk: Conversation) -> None:
    talk.launch()
    talk.intent("AMAZON.RepeatIntent")
    assert "my partner is pulling away" in talk.said


def test_session_ended_gets_an_empty_response(talk: Conversation) -> None:
    response = talk.send(envelopes.session_ended_request(reason="EXCEEDED_MAX_REPROMPTS"))
    assert "outputSpeech" not in response


def test_unknown_request_type_gets_a_valid_empty_response(client) -> None:  # type: ignore[no-untyped-def]
    request = envelopes.envelope({"type": "Alexa.Presentation.APL.UserEvent"})
    reply = client.post("/alexa", json=request)
    assert reply.status_code == 200
    assert reply.get_json()["version"] == "1.0"


def test_unknown_intent_is_answered_as_fallback(talk: Conversation) -> None:
    talk.intent("SomethingNewIntent")
    assert "didn't catch that" in talk.said


def test_tampered_session_attributes_are_ignored(talk: Conversation) -> None:
    talk.attributes = {"topic": "NoSuchIntent", "index": 99}
    talk.intent("AMAZON.NextIntent")
    assert "haven't started" in talk.said
    talk.attributes = {"topic": "SignsOfFearIntent", "index": 99, "awaiting": "bogus"}
    talk.intent("AMAZON.RepeatIntent")
    assert "drawn to partners who are unavailable" in talk.said  # clamped to the last part


def test_a_failing_handler_apologises_instead_of_failing(talk: Conversation, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("skill.conversation.respond", broken)
    response = talk.intent("PartnerPullingAwayIntent")
    assert talk.said.startswith("Sorry, something went wrong on my side.")
    assert response["shouldEndSession"] is False


def test_other_skills_are_refused_when_skill_id_is_set() -> None:
    app = create_app(
        {"SKIP_VERIFICATION": True, "SKILL_IDS": "amzn1.ask.skill.mine, amzn1.ask.skill.other"}
    )
    client = app.test_client()
    assert (
        client.post(
            "/alexa", json=envelopes.launch_request(skill_id="amzn1.ask.skill.mine")
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/alexa", json=envelopes.launch_request(skill_id="amzn1.ask.skill.other")
        ).status_code
        == 200
    )
    refused = client.post(
        "/alexa", json=envelopes.launch_request(skill_id="amzn1.ask.skill.theirs")
    )
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "application id is not this skill's"}


def test_every_response_is_calmly_paced_ssml(talk: Conversation) -> None:
    talk.intent("WhyFearIntimacyIntent")
    ssml = talk.last["outputSpeech"]["ssml"]
    assert ssml.startswith('<speak><prosody rate="95%"><s>')
    assert '<break time="400ms"/>' in ssml
    assert spoken(ssml) == talk.said
