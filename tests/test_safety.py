"""Safety first: crisis and abuse answered with the locale's helplines, before anything else."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intents import Catalogue
from skill import envelopes
from tests.conftest import Conversation, spoken

# What each locale must say, checked against shared/DESIGN.md's verified list.
NUMBERS = {
    "en-US": ["988", "1-800-799-7233", "911"],
    "en-GB": ["116 123", "0808 2000 247", "999"],
    "en-AU": ["13 11 14", "1800 737 732", "000"],
    "en-CA": ["988", "911"],
    "en-IN": ["14416", "181", "112"],
}


def telephone_numbers(ssml: str) -> list[str]:
    return re.findall(r'<say-as interpret-as="telephone">([^<]+)</say-as>', ssml)


@pytest.mark.parametrize("locale", NUMBERS)
def test_each_locale_hears_and_sees_its_own_helplines(client: FlaskClient, locale: str) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("SafetyIntent", locale=locale))
    body = reply.get_json()
    response = body["response"]
    ssml = response["outputSpeech"]["ssml"]
    assert telephone_numbers(ssml) == NUMBERS[locale]
    for number in NUMBERS[locale]:
        assert number in response["card"]["content"]
    assert response["card"]["title"] == "Support, right now"
    assert response["shouldEndSession"] is False
    assert spoken(ssml).endswith("Shall I say them again?")
    assert "card in your Alexa app" in spoken(ssml)
    assert body["sessionAttributes"] == {"awaiting": "safety"}  # nothing of what was said


def test_canada_points_to_shelter_lines_instead_of_a_national_number(client: FlaskClient) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("SafetyIntent", locale="en-CA"))
    response = reply.get_json()["response"]
    assert "ShelterSafe dot C A" in spoken(response["outputSpeech"]["ssml"])
    assert "ShelterSafe.ca" in response["card"]["content"]


def test_safety_never_offers_to_call_or_dial(catalogue: Catalogue, client: FlaskClient) -> None:
    for locale in catalogue.locales:
        reply = client.post("/alexa", json=envelopes.intent_request("SafetyIntent", locale=locale))
        text = spoken(reply.get_json()["response"]["outputSpeech"]["ssml"]).lower()
        assert not re.search(r"\b(shall|should|can|may|want) i (call|dial|contact|phone)", text)
        assert "i'll call" not in text and "i will call" not in text


def test_safety_takes_priority_in_the_middle_of_a_topic(talk: Conversation) -> None:
    talk.intent("PartnerPullingAwayIntent")
    talk.intent("AMAZON.NextIntent")
    talk.intent("AMAZON.YesIntent")
    assert talk.attributes["awaiting"] == "more"
    talk.intent("SafetyIntent")
    assert talk.said.startswith("Thank you for telling me. You deserve support right now.")
    talk.intent("AMAZON.YesIntent")  # "shall I say them again?"
    assert talk.said.startswith("Thank you for telling me.")
    talk.intent("AMAZON.RepeatIntent")
    assert "1-800-799-7233" in talk.last["outputSpeech"]["ssml"]
    talk.intent("AMAZON.NoIntent")
    assert talk.said.startswith("All right. I'm glad you're here.")
    talk.intent("AMAZON.NextIntent")  # the place in the topic was kept
    assert talk.said.startswith("Step 2 of 4")


def test_safety_before_any_topic_and_after_launch(talk: Conversation) -> None:
    talk.launch()
    talk.intent("SafetyIntent")
    assert talk.attributes == {"awaiting": "safety"}
    talk.intent("AMAZON.NoIntent")
    assert talk.attributes == {}
    assert talk.last["shouldEndSession"] is False


def test_nothing_is_persisted_and_nothing_logged(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert app.extensions["closer"]["skill"].persistence_adapter is None
    caplog.set_level("DEBUG")
    client.post("/alexa", json=envelopes.intent_request("SafetyIntent"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "request IntentRequest" in logged
    assert "SafetyIntent" not in logged and envelopes.LOCAL_USER_ID not in logged


def test_other_locales_get_us_content(client: FlaskClient) -> None:
    reply = client.post("/alexa", json=envelopes.intent_request("SafetyIntent", locale="fr-FR"))
    assert (
        telephone_numbers(reply.get_json()["response"]["outputSpeech"]["ssml"]) == NUMBERS["en-US"]
    )
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

    from skill.model_build import DEPLOY_DIR, MODEL_PATH

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
        assert "SafetyIntent" in names
    assert catalogue.locales == ("en-US", "en-GB", "en-AU", "en-IN", "en-CA")


def test_help_repeats_the_disclaimer_everywhere(talk: Conversation) -> None:
    talk.intent("AMAZON.HelpIntent")
    assert "not therapy or medical advice" in talk.said
    talk.intent("ScaredToOpenUpIntent")
    talk.intent("AMAZON.HelpIntent")
    assert "not therapy or medical advice" in talk.said


def test_safety_samples_are_many_and_varied(catalogue: Catalogue) -> None:
    samples = catalogue.default.intents["SafetyIntent"].samples
    assert len(samples) >= 40
    joined = " ".join(samples)
    for theme in (
        "kill myself",
        "don't want to be here",
        "dark thoughts",
        "hurt myself",
        "hits me",
        "threatened",
        "controls",
        "safe at home",
    ):
        assert theme in joined, theme


@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
def test_every_safety_sample_typed_mid_topic_gets_the_safety_answer_first(
    catalogue: Catalogue, locale: str
) -> None:
    """Through local rehearsal: resolver, Alexa-shaped request, the same dispatch path."""
    from skill.alexa import build_skill
    from skill.rehearsal import Rehearsal

    skill = build_skill(catalogue)
    for sample in catalogue.default.intents["SafetyIntent"].samples:
        rehearsal = Rehearsal(skill, locale=locale)
        rehearsal.start()
        rehearsal.say("my partner is pulling away")
        rehearsal.say("next")
        turn = rehearsal.say(sample)
        assert turn.intent == "SafetyIntent", sample
        assert turn.text.startswith("Thank you for telling me. You deserve support right now.")
        assert telephone_numbers(turn.ssml) == NUMBERS[locale]
        assert not turn.ended
