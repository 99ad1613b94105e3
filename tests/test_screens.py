"""Echo Show and other screens: one APL document, filled per turn, only where APL is declared.

No APL renderer runs offline, so these tests hold what can be held without one: the
directive reads back through the SDK's own model classes, reaches exactly the
devices that declare APL, carries the same numbers, step and questions as the card
and the speech, stays within Alexa's 24 KB, and the document passes the loader's
structural checks (which refuse each kind of broken document with file:line).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import ResponseEnvelope
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective
from flask.testing import FlaskClient

import skill.screens
from intents import CONTENT_DIR, Catalogue, Content, ContentError, load_catalogue
from intents.screens import NUMBER_FIELDS, SCREEN_FIELDS, SHOWN_FIELDS
from skill import envelopes
from skill.alexa import build_skill
from skill.authoring.lint import MAX_RESPONSE_BYTES, lint
from skill.authoring.reachable import every_response
from skill.dispatch import handle_envelope
from skill.packaging.contents import own_files
from skill.reflection import reflection_for
from skill.rehearsal import Rehearsal
from skill.screens import TOKEN

SERIALIZER = DefaultSerializer()


def ask(client: FlaskClient, request: dict[str, Any]) -> dict[str, Any]:
    """POST one request to /alexa and return Alexa's response envelope."""
    reply = client.post("/alexa", json=request)
    assert reply.status_code == 200
    body = reply.get_json()
    assert isinstance(body, dict)
    return body


def shown(body: dict[str, Any]) -> dict[str, Any]:
    """Read the one RenderDocument back through the SDK's model; return its screen data."""
    envelope = SERIALIZER.deserialize(json.dumps(body), ResponseEnvelope)
    directives = envelope.response.directives or []
    assert len(directives) == 1, directives
    directive = directives[0]
    assert isinstance(directive, RenderDocumentDirective)
    assert directive.token == TOKEN
    datasources = directive.datasources
    assert isinstance(datasources, dict)
    screen = datasources["screen"]
    assert isinstance(screen, dict)
    return screen


# --- who gets a screen ---------------------------------------------------------------------


REQUESTS = {
    "launch": lambda **kw: envelopes.launch_request(**kw),
    "topic": lambda **kw: envelopes.intent_request("PartnerPullingAwayIntent", **kw),
    "crisis": lambda **kw: envelopes.intent_request("CrisisIntent", **kw),
    "reflection": lambda **kw: envelopes.intent_request("EveningReflectionIntent", **kw),
    "help": lambda **kw: envelopes.intent_request("AMAZON.HelpIntent", **kw),
    "goodbye": lambda **kw: envelopes.intent_request("AMAZON.StopIntent", **kw),
}


@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_a_device_with_apl_gets_the_document_as_the_sdk_models_it(
    client: FlaskClient, content: Content, kind: str
) -> None:
    body = ask(client, REQUESTS[kind](screen=True))
    screen = shown(body)
    assert sorted(screen) == sorted(SCREEN_FIELDS)
    directive = body["response"]["directives"][0]
    assert directive["type"] == "Alexa.Presentation.APL.RenderDocument"
    assert directive["document"] == content.screen
    assert body["response"]["outputSpeech"]["ssml"]  # the screen is as well as the words


@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_a_speaker_gets_no_directive(client: FlaskClient, kind: str) -> None:
    body = ask(client, REQUESTS[kind]())
    assert "directives" not in body["response"]


def test_only_apl_in_supported_interfaces_counts(client: FlaskClient) -> None:
    request = envelopes.launch_request(screen=True)
    interfaces = request["context"]["System"]["device"]["supportedInterfaces"]
    interfaces.pop("Alexa.Presentation.APL")
    interfaces["AudioPlayer"] = {}
    assert "directives" not in ask(client, request)["response"]


def test_a_rehearsal_is_a_speaker_and_gets_no_directive(catalogue: Catalogue) -> None:
    rehearsal = Rehearsal(build_skill(catalogue))
    for words in ("my partner is pulling away", "yes", "I'm having dark thoughts"):
        turn = rehearsal.say(words)
        assert turn.text
        assert "directives" not in turn.response["response"], words


# --- what each screen shows ----------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-AU", "en-CA", "en-IN"])
@pytest.mark.parametrize(
    "attributes, intent",
    [
        ({}, "CrisisIntent"),
        ({}, "AbuseIntent"),
        ({"awaiting": "abuse"}, "AMAZON.RepeatIntent"),
        ({"awaiting": "crisis"}, "AMAZON.YesIntent"),
    ],
)
def test_the_safety_numbers_on_the_screen_are_the_card_s(
    client: FlaskClient, locale: str, attributes: dict[str, str], intent: str
) -> None:
    request = envelopes.intent_request(intent, attributes=attributes, locale=locale, screen=True)
    body = ask(client, request)
    screen = shown(body)
    card = body["response"]["card"]["content"].split("\n")
    assert screen["kind"] == "safety"
    assert screen["title"] == body["response"]["card"]["title"]
    assert len(screen["numbers"]) == 3
    for entry, line in zip(screen["numbers"], card, strict=False):
        assert sorted(entry) == sorted(NUMBER_FIELDS)
        assert entry["before"] + entry["number"] + entry["after"] == line
        if entry["number"]:
            assert entry["number"] in line
    emergency, crisis, _abuse = screen["numbers"]
    assert emergency["number"] and crisis["number"]  # large, on every screen
    assert screen["lines"] == card[3:]  # the footer: not an emergency service
    assert screen["hints"] == ["repeat", "stop"]


def test_a_step_shows_its_title_and_step_n_of_m(client: FlaskClient, content: Content) -> None:
    tip = next(iter(content.tips.values()))
    found = content.topic_of_tip(tip.id)
    assert found is not None
    topic, index = found
    part = topic.parts[index]
    steps = [p for p in topic.parts if p.label]
    position = steps.index(part) + 1
    request = envelopes.intent_request(
        "TipIntent", {"tip": tip.title}, resolved={"tip": tip.id}, screen=True
    )
    body = ask(client, request)
    screen = shown(body)
    assert screen["kind"] == "part"
    assert screen["label"] == f"Step {position} of {len(steps)}"
    assert screen["title"].lower() == topic.title.lower()
    assert body["response"]["card"]["title"].endswith(screen["title"])
    assert body["response"]["card"]["content"] == part.label + screen["text"]
    assert screen["hints"] == ["next", "repeat", "stop"]


def test_an_intro_part_has_no_step_label(client: FlaskClient, content: Content) -> None:
    body = ask(client, envelopes.intent_request("PartnerPullingAwayIntent", screen=True))
    screen = shown(body)
    assert screen["label"] == ""
    assert screen["text"] == content.topics["PartnerPullingAwayIntent"].parts[0].text


@pytest.mark.parametrize("day", range(8))
def test_the_reflection_screen_holds_tonight_s_questions(
    client: FlaskClient, content: Content, day: int
) -> None:
    night = date(2026, 3, 1 + day)
    request = envelopes.intent_request(
        "EveningReflectionIntent", timestamp=f"{night.isoformat()}T21:30:00Z", screen=True
    )
    screen = shown(ask(client, request))
    tonight = reflection_for(content.reflections, night)
    assert screen["kind"] == "reflection"
    assert screen["text"] == tonight.theme
    assert screen["lines"] == list(tonight.questions)
    assert screen["hints"] == []  # the session has ended: nothing can be said next


def test_launch_and_help_show_their_words_and_what_to_say(
    client: FlaskClient, content: Content
) -> None:
    screen = shown(ask(client, envelopes.launch_request(screen=True)))
    assert screen["kind"] == "text"
    assert screen["title"] == content.text("name")
    assert screen["text"] == f"{content.text('launch', 'say')} {content.text('launch', 'ask')}"
    assert screen["hints"] == list(content.skill_list("suggestions", "start"))
    attributes = {"topic": "PartnerPullingAwayIntent", "index": 1, "awaiting": "next"}
    request = envelopes.intent_request("AMAZON.HelpIntent", attributes=attributes, screen=True)
    screen = shown(ask(client, request))
    assert "Say next to go on" in screen["text"]
    assert screen["hints"] == list(content.skill_list("suggestions", "in_topic"))


# --- within Alexa's limits, everywhere --------------------------------------------------------


def test_every_reachable_response_with_a_screen_is_one_document_within_24_kb(
    catalogue: Catalogue,
) -> None:
    count, largest = 0, 0
    for label, _request, response in every_response(catalogue, screen=True):
        size = len(json.dumps(response).encode("utf-8"))
        largest = max(largest, size)
        assert size <= MAX_RESPONSE_BYTES, label
        directives = response["response"].get("directives", [])
        assert [d["type"] for d in directives] == ["Alexa.Presentation.APL.RenderDocument"], label
        assert sorted(directives[0]["datasources"]["screen"]) == sorted(SCREEN_FIELDS), label
        count += 1
    assert count > 1000
    assert largest > 5000  # the document itself is in each: the size is measured, not zero


@pytest.mark.crash_expected
def test_a_screen_that_cannot_be_drawn_costs_only_the_screen(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("screen")

    monkeypatch.setattr(skill.screens, "render_document", broken)
    skill_object = build_skill(catalogue, catch_all=False)  # no apology to hide behind
    body = handle_envelope(skill_object, envelopes.intent_request("CrisisIntent", screen=True))
    assert "911" in body["response"]["outputSpeech"]["ssml"]
    assert body["response"]["card"]["content"]
    assert "directives" not in body["response"]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "screen not drawn: KeyError"
    ]


def test_lint_finds_screen_answers_over_24_kb_and_only_those(content_copy: Path) -> None:
    path = content_copy / "screen.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["description"] = "a long note. " * 1600  # about 20 KB more in every answer
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    problems = lint(load_catalogue(content_copy))
    assert len(problems) > 1000
    assert all("(screen): response is" in p and "Alexa's limit is 24576" in p for p in problems)


@pytest.mark.crash_expected
def test_lint_finds_screen_answers_without_their_document(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("screen")

    monkeypatch.setattr(skill.screens, "render_document", broken)
    problems = lint(catalogue)
    assert problems
    assert all(p.endswith("got 0 APL documents; every answer shows exactly one") for p in problems)
    assert any(p.startswith("en-GB launch (screen):") for p in problems)


# --- the document, checked offline -------------------------------------------------------------


def errors_after(content_copy: Path, old: str, new: str) -> tuple[int, list[str]]:
    """Replace ``old`` (once) in screen.json; return its line and the loader's screen errors."""
    path = content_copy / "screen.json"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalogue(content_copy)
    return line, [error for error in caught.value.errors if "screen.json:" in error]


BROKEN = {
    "not JSON": ('"theme": "dark",', '"theme": "dark" "light",', "not valid JSON"),
    "a field the skill does not fill": (
        "${payload.screen.title}",
        "${payload.screen.heading}",
        "payload.screen.heading is not filled by the skill",
    ),
    "another datasource": (
        "${payload.screen.title}",
        "${payload.closer.title}",
        "payload.closer.title is not filled by the skill",
    ),
    "a field a number does not have": (
        "${data.before}",
        "${data.name}",
        "data.name is not a field of a number",
    ),
    "a component that is not allowed": (
        '"type": "ScrollView",',
        '"type": "Image",',
        "component 'Image' is not one of",
    ),
    "a misspelt property": (
        '"maxLines": 2',
        '"maxlines": 2',
        "'maxlines' is not a property of Text",
    ),
    "an undefined resource": ('"@titleSize"', '"@titelSize"', "@titelSize is not defined"),
    "an external address": (
        '"theme": "dark",',
        '"theme": "https://example.org/x",',
        "no addresses",
    ),
    "a repeated key": ('"maxLines": 2', '"maxLines": 2, "color": "@textColor"', "appears twice"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_document_is_a_content_error_at_its_line(content_copy: Path, case: str) -> None:
    old, new, message = BROKEN[case]
    line, errors = errors_after(content_copy, old, new)
    assert errors, case
    assert any(f"screen.json:{line}: " in e and message in e for e in errors), errors


def test_a_document_that_drops_the_numbers_is_refused(content_copy: Path) -> None:
    path = content_copy / "screen.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    body = document["mainTemplate"]["items"][0]["item"]["items"][2]["item"]["items"]
    body[:] = [c for c in body if c.get("data") != "${payload.screen.numbers}"]
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalogue(content_copy)
    assert any("never shows payload.screen.numbers" in e for e in caught.value.errors)


def test_the_document_ships_in_the_lambda_package() -> None:
    assert own_files()["intents/content/screen.json"] == CONTENT_DIR / "screen.json"


def test_the_document_is_apl_1_x_with_one_parameter_and_shows_every_field(
    content: Content,
) -> None:
    document = content.screen
    assert document["type"] == "APL"
    assert document["version"].startswith("1.")
    assert document["mainTemplate"]["parameters"] == ["payload"]
    text = json.dumps(document)
    for field in SHOWN_FIELDS:
        assert f"payload.screen.{field}" in text
    assert "import" not in document
    assert "http" not in text.lower()
