"""Safety first: what to do now within seconds, the line that fits, and never back to coaching."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intents import Catalogue, Content
from skill import envelopes
from skill.authoring.lint import spoken_words
from speech.segments import plain_text
from tests.conftest import Conversation

# What each locale must say, as verified against each organisation's own published page
# (the sources are named beside each number in intents/content/helplines.yaml):
# (emergency as spoken, the crisis line, the abuse line or None where there is none).
NUMBERS = {
    "en-US": ("911", "988", "1-800-799-7233"),
    "en-GB": ("999", "116 123", "0808 2000 247"),
    "en-AU": ("triple zero", "13 11 14", "1800 737 732"),
    "en-CA": ("911", "988", None),
    "en-IN": ("112", "14416", "181"),
}
CARD_NUMBERS = {
    "en-US": ["911", "988", "1-800-799-7233"],
    "en-GB": ["999", "116 123", "0808 2000 247"],
    "en-AU": ["000", "13 11 14", "1800 737 732"],
    "en-CA": ["911", "988", "ShelterSafe.ca"],
    "en-IN": ["112", "14416", "181"],
}
SAFETY = ("CrisisIntent", "AbuseIntent")


def numbers_said(ssml: str) -> list[str]:
    """The numbers in the order they are spoken: say-as telephone, or a <sub> alias."""
    found = re.findall(
        r'<say-as interpret-as="telephone">([^<]+)</say-as>|<sub alias="([^"]+)">', ssml
    )
    return [telephone or alias for telephone, alias in found]


def words_before_first_number(ssml: str) -> int:
    return spoken_words(re.split(r'<say-as interpret-as="telephone">|<sub alias=', ssml)[0])


@pytest.mark.parametrize("locale", NUMBERS)
@pytest.mark.parametrize("intent", SAFETY)
def test_the_emergency_number_comes_first_then_the_line_that_fits(
    client: FlaskClient, locale: str, intent: str
) -> None:
    body = client.post("/alexa", json=envelopes.intent_request(intent, locale=locale)).get_json()
    response = body["response"]
    ssml = response["outputSpeech"]["ssml"]
    emergency, crisis, abuse = NUMBERS[locale]
    line = crisis if intent == "CrisisIntent" else abuse
    assert numbers_said(ssml) == ([emergency, line] if line else [emergency])
    assert words_before_first_number(ssml) <= 12
    assert spoken_words(ssml) <= 40
    assert plain_text(ssml).endswith("Say repeat to hear them again.")
    for number in CARD_NUMBERS[locale]:
        assert number in response["card"]["content"]
    assert response["shouldEndSession"] is False
    assert body["sessionAttributes"] == {"awaiting": "crisis" if line == crisis else "abuse"}


def test_the_card_title_says_nothing_of_why(catalogue: Catalogue, client: FlaskClient) -> None:
    for locale in catalogue.locales:
        for intent in SAFETY:
            reply = client.post("/alexa", json=envelopes.intent_request(intent, locale=locale))
            title = reply.get_json()["response"]["card"]["title"].lower()
            assert not re.search(r"crisis|support|abuse|suicide|danger|help", title), title


def test_the_us_crisis_line_is_named_as_people_know_it(client: FlaskClient) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("CrisisIntent"))
    said = plain_text(reply.get_json()["response"]["outputSpeech"]["ssml"])
    assert said.startswith("If you're in danger right now, call 911.")
    assert "call or text 988, the Suicide and Crisis Lifeline." in said
    assert "nine eight eight" not in said


def test_australia_hears_triple_zero(client: FlaskClient) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("AbuseIntent", locale="en-AU"))
    ssml = reply.get_json()["response"]["outputSpeech"]["ssml"]
    assert '<sub alias="triple zero">000</sub>' in ssml


def test_canada_points_to_shelter_lines_instead_of_a_national_number(client: FlaskClient) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("AbuseIntent", locale="en-CA"))
    response = reply.get_json()["response"]
    assert "ShelterSafe dot C A lists shelter lines near you" in plain_text(
        response["outputSpeech"]["ssml"]
    )
    assert "ShelterSafe.ca" in response["card"]["content"]


def test_safety_never_offers_to_call_or_dial(catalogue: Catalogue, client: FlaskClient) -> None:
    for locale in catalogue.locales:
        for intent in SAFETY:
            reply = client.post("/alexa", json=envelopes.intent_request(intent, locale=locale))
            text = plain_text(reply.get_json()["response"]["outputSpeech"]["ssml"]).lower()
            assert not re.search(r"\b(shall|should|can|may|want) i (call|dial|contact|phone)", text)
            assert "i'll call" not in text and "i will call" not in text


@pytest.mark.parametrize("locale", NUMBERS)
@pytest.mark.parametrize("again", ["AMAZON.RepeatIntent", "AMAZON.YesIntent"])
def test_repeat_or_yes_says_only_the_numbers(client: FlaskClient, locale: str, again: str) -> None:
    for intent in SAFETY:
        talk = Conversation(client)
        talk.send(envelopes.intent_request(intent, locale=locale))
        first = talk.last["outputSpeech"]["ssml"]
        talk.send(envelopes.intent_request(again, attributes=talk.attributes, locale=locale))
        ssml = talk.last["outputSpeech"]["ssml"]
        assert numbers_said(ssml) == numbers_said(first)
        assert spoken_words(ssml) <= 20
        assert talk.attributes == {"awaiting": intent.removesuffix("Intent").lower()}


def test_after_the_numbers_no_and_next_never_lead_back_into_coaching(
    talk: Conversation, content: Content
) -> None:
    """The issue's own walk: a partner topic, a disclosure, then "no" and "next"."""
    topic_words = [part.say for part in content.topics["PartnerPullingAwayIntent"].parts]
    talk.intent("PartnerPullingAwayIntent")
    talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.NextIntent")
    assert talk.said.startswith("Step 1 of 4")
    talk.intent("AbuseIntent")
    assert "topic" not in talk.attributes  # the topic is cleared
    for intent in ("AMAZON.NextIntent", "AMAZON.MoreIntent", "AMAZON.PreviousIntent"):
        talk.intent(intent)
        assert not any(words in talk.said for words in topic_words), intent
        assert "Say repeat to hear them again" in talk.said
    response = talk.intent("AMAZON.NoIntent")
    assert response["shouldEndSession"] is True
    assert talk.said == "All right. Please keep those numbers close. Take good care of yourself."
    talk.intent("AMAZON.NextIntent")
    assert not any(words in talk.said for words in topic_words)
    assert "Step" not in talk.said


@pytest.mark.parametrize("ending", ["AMAZON.NoIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_no_or_stop_closes_gently_offering_nothing(talk: Conversation, ending: str) -> None:
    talk.intent("CrisisIntent")
    response = talk.intent(ending)
    assert response["shouldEndSession"] is True
    assert "reprompt" not in response
    said = talk.said.lower()
    assert not re.search(r"partner|scared to open up|reflection|would you like|you could", said)


def test_the_reprompt_after_the_numbers_offers_no_coaching(talk: Conversation) -> None:
    talk.intent("CrisisIntent")
    assert talk.reprompt == "Say repeat to hear the numbers again, or stop to finish."
    talk.intent("AMAZON.HelpIntent")
    assert "partner" not in talk.said and "partner" not in talk.reprompt


def test_asking_for_a_topic_after_the_numbers_starts_it(talk: Conversation) -> None:
    talk.intent("AbuseIntent")
    talk.intent("ScaredToOpenUpIntent")
    assert talk.said.startswith("Fear of intimacy doesn't have to define your relationships.")
    assert talk.attributes["topic"] == "ScaredToOpenUpIntent"


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"topic": "PartnerPullingAwayIntent", "index": 3, "awaiting": "next"},
        {"topic": "EncouragementIntent", "index": 4, "awaiting": "offer"},
        {"awaiting": "crisis"},
    ],
)
@pytest.mark.parametrize("intent", SAFETY)
def test_safety_is_answered_first_in_any_state(
    client: FlaskClient, state: dict[str, object], intent: str
) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request(intent, attributes=state))
    said = plain_text(reply.get_json()["response"]["outputSpeech"]["ssml"])
    assert said.startswith("If you're in danger right now, call 911.")


def test_nothing_is_persisted_and_a_safety_request_is_logged_like_any_other(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert app.extensions["closer"]["skill"].persistence_adapter is None
    caplog.set_level("DEBUG")
    lines = {}
    for intent in (*SAFETY, "PartnerPullingAwayIntent", "AMAZON.HelpIntent"):
        caplog.clear()
        client.post("/alexa", json=envelopes.intent_request(intent))
        lines[intent] = [record.getMessage() for record in caplog.records]
    assert lines["CrisisIntent"] == lines["PartnerPullingAwayIntent"] == lines["AMAZON.HelpIntent"]
    assert lines["AbuseIntent"] == lines["AMAZON.HelpIntent"]
    logged = "\n".join(lines["CrisisIntent"])
    assert "request IntentRequest" in logged
    assert "Crisis" not in logged and envelopes.LOCAL_USER_ID not in logged


def test_other_locales_get_us_content(client: FlaskClient) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("CrisisIntent", locale="fr-FR"))
    assert numbers_said(reply.get_json()["response"]["outputSpeech"]["ssml"]) == ["911", "988"]
    launch = client.post("/alexa", json=envelopes.launch_request(locale="de-DE"))
    assert launch.status_code == 200


@pytest.mark.parametrize(
    ("locale", "word"),
    [
        ("en-US", "realizing"),
        ("en-GB", "realising"),
        ("en-AU", "realising"),
        ("en-IN", "realising"),
    ],
)
def test_cards_follow_the_locales_spelling(client: FlaskClient, locale: str, word: str) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("SignsOfFearIntent", locale=locale))
    assert word in reply.get_json()["response"]["card"]["content"]


def test_every_locale_is_published(catalogue: Catalogue) -> None:
    import json

    from skill.authoring.interaction_model import DEPLOY_DIR, MODEL_PATH

    manifest = json.loads((DEPLOY_DIR / "skill-package/skill.json").read_text())["manifest"]
    assert set(manifest["publishingInformation"]["locales"]) == set(NUMBERS)
    assert set(manifest["publishingInformation"]["distributionCountries"]) == {
        "US",
        "GB",
        "AU",
        "CA",
        "IN",
    }
    for locale in NUMBERS:
        model = json.loads((DEPLOY_DIR / MODEL_PATH.format(locale=locale)).read_text())
        names = {i["name"] for i in model["interactionModel"]["languageModel"]["intents"]}
        assert set(SAFETY) <= names
    assert catalogue.locales == ("en-US", "en-GB", "en-AU", "en-IN", "en-CA")


def test_the_disclaimer_is_in_the_launch_and_the_general_help(talk: Conversation) -> None:
    talk.launch()
    assert "not therapy or medical advice" in talk.said
    talk.intent("AMAZON.HelpIntent")
    assert "not therapy or medical advice" in talk.said


def test_the_partner_topic_tells_how_to_ask_for_help_and_that_phrase_works(
    catalogue: Catalogue,
) -> None:
    from skill.alexa import build_skill
    from skill.rehearsal import Rehearsal

    rehearsal = Rehearsal(build_skill(catalogue))
    rehearsal.say("my partner is pulling away")
    turn = rehearsal.say("yes")
    assert 'say "I don\'t feel safe"' in turn.text
    turn = rehearsal.say("I don't feel safe")
    assert turn.intent == "AbuseIntent"
    assert numbers_said(turn.ssml) == ["911", "1-800-799-7233"]


@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
def test_every_safety_sample_typed_mid_topic_gets_its_own_answer_first(
    catalogue: Catalogue, locale: str
) -> None:
    """Through local rehearsal: resolver, Alexa-shaped request, the same dispatch path."""
    from skill.alexa import build_skill
    from skill.rehearsal import Rehearsal

    skill = build_skill(catalogue)
    emergency, crisis, abuse = NUMBERS[locale]
    for intent, line in (("CrisisIntent", crisis), ("AbuseIntent", abuse)):
        for sample in catalogue.default.intents[intent].samples:
            rehearsal = Rehearsal(skill, locale=locale)
            rehearsal.start()
            rehearsal.say("my partner is pulling away")
            rehearsal.say("next")
            turn = rehearsal.say(sample)
            assert turn.intent == intent, sample
            assert turn.text.startswith("If you're in danger right now, call")
            assert numbers_said(turn.ssml) == [emergency, line]
            assert not turn.ended
