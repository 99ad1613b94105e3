"""Reminders through the whole skill: POST /alexa, the record in SQLite, the API stand-in.

The Reminders API is the loopback stand-in of tests/reminders_api.py (NOT Amazon's:
it answers as Amazon's reference describes, over TLS the client verifies against a
test root). Each request's ``context.System.apiEndpoint`` points at it, as Alexa's
points at Amazon's. What is checked: what the skill says, what it sends, and that
only a success changes the stored record.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill import envelopes
from skill.dispatch import read_request_envelope
from skill.memory.settings import open_store
from skill.reminders import PERMISSION_SCOPE
from skill.reminding import CONSENT_TOKEN, evening_time, spoken_time
from skill.web.app import create_app
from tests.reminders_api import (
    RemindersStandIn,
    Scripted,
    error_reply,
    trusted_stand_in,
)

ACCESS_TOKEN = "Atc.skill-test-access-token"
USER = "amzn1.ask.account.reminder-test"
SECRET = "reminding-tests-" + "s" * 32
SPOKEN = "It's time for your evening reflection with Closer Together."


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[RemindersStandIn]:
    """The stand-in, trusted by requests through REQUESTS_CA_BUNDLE (this test only)."""
    with trusted_stand_in(monkeypatch, tmp_path, access_token=ACCESS_TOKEN) as stand_in:
        yield stand_in


class Skill:
    """The web app with a SQLite store, and one person talking to it."""

    def __init__(self, tmp_path: Path, api: RemindersStandIn) -> None:
        self.store = open_store(f"sqlite://{tmp_path / 'memory.db'}", {"CLOSER_USER_KEY": SECRET})
        self.client: FlaskClient = create_app(
            {"SKIP_VERIFICATION": True, "SKILL_IDS": (), "STORE": self.store}
        ).test_client()
        self.api = api
        self.granted = True

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        system = request["context"]["System"]
        system["apiEndpoint"] = self.api.url
        system["apiAccessToken"] = ACCESS_TOKEN
        if self.granted:
            system["user"] = {**system["user"], "permissions": {"consentToken": ACCESS_TOKEN}}
        reply = self.client.post("/alexa", json=request)
        assert reply.status_code == 200
        body: dict[str, Any] = reply.get_json()
        return body

    def say(self, intent: str, **slots: str) -> dict[str, Any]:
        return self.send(envelopes.intent_request(intent, slots or None, user_id=USER))

    def permission(self, status: str, *, card: bool = False) -> dict[str, Any]:
        request = envelopes.envelope(
            {
                "type": "Connections.Response",
                "name": "AskFor",
                "status": {"code": "200", "message": "OK"},
                "token": CONSENT_TOKEN,
                "payload": {
                    "permissionScope": PERMISSION_SCOPE,
                    "status": status,
                    "isCardThrown": card,
                },
            },
            user_id=USER,
        )
        return self.send(request)

    def record(self) -> dict[str, Any]:
        envelope = read_request_envelope(envelopes.launch_request(user_id=USER))
        return self.store.get_attributes(envelope)


@pytest.fixture
def skill(tmp_path: Path, api: RemindersStandIn) -> Skill:
    return Skill(tmp_path, api)


def said(body: dict[str, Any]) -> str:
    return str(body["response"].get("outputSpeech", {}).get("ssml", ""))


def test_a_reminder_is_set_at_the_evening_time_and_kept(skill: Skill) -> None:
    body = skill.say("SetReminderIntent", time="09:00")  # "nine": the evening's
    assert "I'll remind you every evening at 9 PM." in said(body)
    (sent,) = skill.api.requests
    assert (sent.method, sent.path) == ("POST", "/v1/alerts/reminders")
    assert sent.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    trigger = sent.body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=0;BYSECOND=0;INTERVAL=1"
    ]
    (spoken,) = sent.body["alertInfo"]["spokenInfo"]["content"]
    assert spoken == {"locale": "en-US", "text": SPOKEN}
    reminder = skill.record()["reminder"]
    assert reminder["time"] == "21:00" and reminder["token"] in skill.api.reminders


def test_setting_again_changes_the_reminder_and_cancel_deletes_it(skill: Skill) -> None:
    skill.say("SetReminderIntent", time="21:00")
    token = skill.record()["reminder"]["token"]
    changed = skill.say("SetReminderIntent", time="20:30")
    assert "now at 8:30 PM" in said(changed)
    assert skill.api.requests[-1].method == "PUT" and token in skill.api.requests[-1].path
    assert skill.record()["reminder"]["time"] == "20:30"
    cancelled = skill.say("CancelReminderIntent")
    assert "cancelled your evening reminder" in said(cancelled)
    assert skill.api.requests[-1].method == "DELETE"
    assert skill.record()["reminder"] is None
    assert "don't have a reminder" in said(skill.say("CancelReminderIntent"))


def test_without_a_time_it_asks_for_one_and_sends_nothing(skill: Skill) -> None:
    for value in (None, "EV", "NI"):
        body = skill.say("SetReminderIntent", **({"time": value} if value else {}))
        assert "What time each evening?" in said(body)
        assert body["response"]["shouldEndSession"] is False
    assert skill.api.requests == []


def test_without_the_permission_alexa_asks_by_voice_then_the_answer_decides(skill: Skill) -> None:
    skill.granted = False
    asked = skill.say("SetReminderIntent", time="21:30")
    (directive,) = asked["response"]["directives"]
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"]["permissionScope"] == PERMISSION_SCOPE
    assert "reprompt" not in asked["response"]
    assert skill.api.requests == []
    assert skill.record()["reminder"] == {"time": "21:30", "token": None}  # pending

    skill.granted = True
    accepted = skill.permission("ACCEPTED")
    assert "every evening at 9:30 PM" in said(accepted)
    assert skill.record()["reminder"]["token"] in skill.api.reminders


@pytest.mark.parametrize(("status", "card"), [("DENIED", False), ("NOT_ANSWERED", True)])
def test_a_refused_permission_says_so_and_drops_the_pending_time(
    skill: Skill, status: str, card: bool
) -> None:
    skill.granted = False
    skill.say("SetReminderIntent", time="21:00")
    answer = skill.permission(status, card=card)
    assert "no reminder" in said(answer)
    has_card = answer["response"].get("card", {}).get("type") == "AskForPermissionsConsent"
    assert has_card is not card  # our card only when Alexa sent none
    assert skill.record()["reminder"] is None
    assert skill.api.requests == []


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (error_reply(401), "I need your permission"),
        (error_reply(403), "I need your permission"),
        (error_reply(429), "busy just now"),
        (error_reply(500), "couldn't reach Alexa's reminders"),
        (error_reply(503), "couldn't reach Alexa's reminders"),
        (error_reply(400), "couldn't set that reminder"),
        (Scripted(mode="stall"), "couldn't reach Alexa's reminders"),
    ],
    ids=["401", "403", "429", "500", "503", "400", "timeout"],
)
def test_every_api_failure_is_explained_and_leaves_the_record(
    skill: Skill, reply: Scripted, words: str
) -> None:
    skill.say("SetReminderIntent", time="21:00")
    before = skill.record()
    skill.api.then(reply)
    body = skill.say("SetReminderIntent", time="22:00")
    assert words in said(body)
    assert body["response"]["shouldEndSession"] is False
    assert skill.record() == before


def test_forget_me_cancels_the_reminder_and_deletes_the_record(skill: Skill) -> None:
    skill.say("SetReminderIntent", time="21:00")
    token = skill.record()["reminder"]["token"]
    asked = skill.say("ForgetMeIntent")
    attributes = asked["sessionAttributes"]
    gone = skill.send(
        envelopes.intent_request("AMAZON.YesIntent", attributes=attributes, user_id=USER)
    )
    assert "forgotten" in said(gone)
    assert skill.api.requests[-1].method == "DELETE" and token in skill.api.requests[-1].path
    assert skill.record() == {}


def test_without_a_store_a_reminder_cannot_be_kept(api: RemindersStandIn) -> None:
    client = create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": ()}).test_client()
    body = client.post(
        "/alexa", json=envelopes.intent_request("SetReminderIntent", {"time": "21:00"})
    ).get_json()
    assert "can't keep a reminder" in said(body)
    assert api.requests == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("21:00", "9 PM"),
        ("09:00", "9 PM"),
        ("08:30", "8:30 PM"),
        ("00:15", "12:15 AM"),
        ("12:00", "12 PM"),
        ("23:59:00", "11:59 PM"),
    ],
)
def test_alexa_times_are_read_as_the_evening_and_said_plainly(value: str, expected: str) -> None:
    at = evening_time(value)
    assert at is not None and spoken_time(at) == expected


@pytest.mark.parametrize("value", [None, "", "EV", "MO", "25:00", "9", "T21:00"])
def test_what_is_not_a_clock_time_is_none(value: str | None) -> None:
    assert evening_time(value) is None
