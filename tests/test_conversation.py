"""The skill as Alexa talks to it: every intent, a walk through a topic, follow-ups and endings."""

from __future__ import annotations

import pytest

from intents import Content
from skill import envelopes
from skill.web.app import create_app
from speech.segments import plain_text
from tests.conftest import Conversation

CUSTOM_TOPICS = [
    "WhatIsIntimacyIntent",
    "WhyFearIntimacyIntent",
    "SignsOfFearIntent",
    "PartnerPullingAwayIntent",
    "ScaredToOpenUpIntent",
    "EncouragementIntent",
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
    assert talk.said.endswith("?")
    assert talk.attributes == {"topic": intent, "index": 0, "awaiting": "next"}


def test_partner_pulling_away_walk_with_yes_next_previous_repeat_more(talk: Conversation) -> None:
    talk.launch()
    talk.intent("PartnerPullingAwayIntent")
    assert talk.said.startswith("Fear of intimacy can be one reason a partner pulls away.")
    talk.intent("AMAZON.YesIntent")
    assert "inner conflict, rather than their feelings for you" in talk.said
    assert talk.said.endswith("Would you like four steps to try?")
    assert talk.reprompt == "Just say yes, and I'll start with the first step: lead with empathy."
    talk.intent("AMAZON.YesIntent")  # the offer accepted goes straight to its content
    assert talk.said.startswith("Step 1 of 4: Lead with empathy.")
    assert "curiosity and understanding" in talk.said  # the tip is told whole
    assert talk.said.endswith("Shall we go on to step 2: create a safe space?")
    talk.intent("AMAZON.MoreIntent")  # "tell me more" goes on
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
    assert talk.said.endswith("Would you like a few words of encouragement to close?")
    assert talk.reprompt.startswith("Just say yes, and I'll share a few words of encouragement.")
    talk.intent("AMAZON.YesIntent")
    assert "doesn't have to be permanent" in talk.said
    assert talk.attributes["topic"] == "EncouragementIntent"


def test_the_partner_topic_says_once_how_to_ask_for_help(talk: Conversation) -> None:
    line = 'If you ever feel unsafe with your partner, say "I don\'t feel safe"'
    heard = []
    talk.intent("PartnerPullingAwayIntent")
    heard.append(talk.said)
    while talk.attributes.get("topic") == "PartnerPullingAwayIntent":
        talk.intent("AMAZON.NextIntent")
        heard.append(talk.said)
    assert sum(line in said for said in heard) == 1
    assert line in heard[1]  # early: before the steps


def test_an_accepted_offer_never_asks_its_question_again(talk: Conversation) -> None:
    talk.intent("SignsOfFearIntent")
    while not talk.said.endswith("Would you like to hear four small steps that can help?"):
        talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.YesIntent")
    assert talk.said.startswith("Step 1 of 4: Reflect on your experiences.")
    assert "four steps" not in talk.said


def test_reprompts_say_what_yes_will_do_and_never_offer_previous_at_the_start(
    talk: Conversation, content: Content
) -> None:
    for intent in CUSTOM_TOPICS:
        talk.intent(intent)
        while True:
            assert "previous" not in talk.reprompt
            if talk.said.endswith("?") and talk.attributes.get("awaiting") in ("next", "offer"):
                assert talk.reprompt.startswith("Just say yes, and I'll"), talk.reprompt
            if talk.attributes.get("topic") != intent or talk.attributes["awaiting"] == "offer":
                break
            talk.intent("AMAZON.NextIntent")


def test_previous_at_the_first_part_says_so(talk: Conversation) -> None:
    talk.intent("ScaredToOpenUpIntent")
    talk.intent("AMAZON.PreviousIntent")
    assert talk.said.startswith(
        "This is the beginning. Fear of intimacy doesn't have to define your relationships."
    )


def test_start_over_returns_to_the_first_part(talk: Conversation) -> None:
    talk.intent("WhyFearIntimacyIntent")
    talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.NextIntent")
    assert "self-protection" in talk.said
    talk.intent("AMAZON.StartOverIntent")
    assert talk.said.startswith("Fear of intimacy often grows out of past experiences,")


def test_yes_follows_the_offer_into_the_next_topic(talk: Conversation, content: Content) -> None:
    talk.intent("WhatIsIntimacyIntent")
    for _ in range(len(content.topics["WhatIsIntimacyIntent"].parts) - 1):
        talk.intent("AMAZON.NextIntent")
    assert talk.said.endswith("Would you like to hear where this fear often comes from?")
    assert talk.reprompt.startswith("Just say yes, and I'll tell you where the fear")
    talk.intent("AMAZON.YesIntent")
    assert talk.attributes["topic"] == "WhyFearIntimacyIntent"


def test_no_to_an_offer_leaves_the_choice_open(talk: Conversation, content: Content) -> None:
    talk.intent("SignsOfFearIntent")
    for _ in range(len(content.topics["SignsOfFearIntent"].parts) - 1):
        talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.NoIntent")
    assert talk.said.startswith("All right.") and talk.said.endswith("What would you like?")
    assert talk.last["shouldEndSession"] is False
    talk.intent("AMAZON.YesIntent")  # nothing pending: a pointer, not a jump, and no "sorry"
    assert "didn't catch that" not in talk.said
    assert "We're talking about how the fear can show up in you" in talk.said
    assert talk.attributes["topic"] == "SignsOfFearIntent"


@pytest.mark.parametrize("answer", ["AMAZON.YesIntent", "AMAZON.NoIntent"])
def test_a_clearly_heard_yes_or_no_is_never_called_unclear(talk: Conversation, answer: str) -> None:
    talk.launch()
    talk.intent(answer)
    assert "didn't catch that" not in talk.said
    assert "my partner is pulling away" in talk.said


def test_yes_and_navigation_before_any_topic_point_somewhere(talk: Conversation) -> None:
    talk.launch()
    for intent in (
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


def test_unknown_tip_names_both_groups_and_asks_between_them(talk: Conversation) -> None:
    talk.intent("TipIntent", tip="juggling")
    assert "four tips for when you're scared to open up" in talk.said
    assert talk.said.endswith(
        "Which would you like, the tips for opening up, or for a partner who pulls away?"
    )


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
    assert "not therapy" not in talk.said  # said at launch and in the general help
    assert talk.reprompt != talk.said
    talk.intent("AMAZON.YesIntent")  # help kept the place, and what yes means
    assert "inner conflict" in talk.said


@pytest.mark.parametrize("where", [None, "ScaredToOpenUpIntent"])
def test_help_offers_at_most_three_choices(talk: Conversation, where: str | None) -> None:
    if where:
        talk.intent(where)
    talk.intent("AMAZON.HelpIntent")
    said = talk.said.lower()
    choices = said.split("you could ")[-1] if "you could " in said else said.split("say ", 1)[1]
    assert choices.count(",") + 1 <= 3, said


def test_launch_is_short(talk: Conversation) -> None:
    talk.launch()
    assert len(talk.said.split()) <= 30


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
    talk.attributes = {"topic": "NoSuchIntent", "index": 99, "awaiting": "offer"}
    talk.intent("AMAZON.NextIntent")
    assert "haven't started" in talk.said
    talk.attributes = {"topic": "SignsOfFearIntent", "index": 99, "awaiting": "bogus"}
    talk.intent("AMAZON.RepeatIntent")
    assert "drawn to partners who are unavailable" in talk.said  # clamped to the last part


@pytest.mark.crash_expected
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
    assert plain_text(ssml) == talk.said
