"""Daily reminders and their permission (skill.reminders), against a stand-in of the Reminders API.

The stand-in (tests/reminders_api.py) is NOT Amazon's API: it is a loopback HTTPS
server that answers as Amazon's reference describes, records what it is sent, and
can be told to fail, stall or drip. What these tests show is what the skill sends
(through the real ask-sdk-model ReminderManagementServiceClient, its serializer and
our API client, over TLS verified against a test root given in REQUESTS_CA_BUNDLE)
and how it reads every kind of answer; not that Amazon accepts it. Requests from
Alexa (Connections.Response, permissions) are built by hand in Alexa's JSON shape
and read by the same reader as POST /alexa (skill.dispatch.read_request_envelope).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import certifi
import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.services import ApiClientRequest, ServiceException

from skill import envelopes
from skill.dispatch import read_request_envelope
from skill.reminders import (
    DEFAULT_TIMEOUT,
    PERMISSION_SCOPE,
    Answer,
    ConsentOutcome,
    DeadlineApiClient,
    Failure,
    ReminderClient,
    ReminderError,
    api_client,
    consent_card,
    consent_outcome,
    consent_request,
    daily_reminder_request,
    needs_permission,
)
from skill.reminders.transport import MAX_BODY_BYTES, NoAnswer
from tests.loopback import loopback_server, respond
from tests.reminders_api import (
    DRIP,
    REMINDERS_PATH,
    STALL,
    RemindersStandIn,
    Scripted,
    error_reply,
    trusted_stand_in,
)

ACCESS_TOKEN = "Atc.test-access-token-0123456789"
NOW = datetime(2026, 11, 25, 12, 0, 5, 123456, tzinfo=UTC)
TEXT = "It's time for tonight's reflection. Say: Alexa, open closer together."
SERIALIZER = DefaultSerializer()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[RemindersStandIn]:
    """The stand-in, trusted by requests through REQUESTS_CA_BUNDLE (this test only)."""
    with trusted_stand_in(monkeypatch, tmp_path, access_token=ACCESS_TOKEN) as stand_in:
        yield stand_in


def reminders(api: RemindersStandIn, *, timeout: float = DEFAULT_TIMEOUT) -> ReminderClient:
    """A client for the stand-in, with a fixed clock."""
    return ReminderClient(
        api.url, ACCESS_TOKEN, api_client=DeadlineApiClient(timeout), clock=lambda: NOW
    )


def expected_body(hour: int, minute: int, second: int, locale: str, text: str) -> dict[str, Any]:
    """The JSON a daily reminder must carry, written out by hand."""
    return {
        "requestTime": "2026-11-25T12:00:05",
        "trigger": {
            "type": "SCHEDULED_ABSOLUTE",
            "scheduledTime": f"2026-11-25T{hour:02}:{minute:02}:{second:02}",
            "recurrence": {
                "recurrenceRules": [
                    f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute};BYSECOND={second};INTERVAL=1"
                ]
            },
        },
        "alertInfo": {"spokenInfo": {"content": [{"locale": locale, "text": text}]}},
        "pushNotification": {"status": "ENABLED"},
    }


# --- what is sent ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "locale", "text"),
    [
        (clock_time(21, 0), "en-US", TEXT),
        (clock_time(7, 30, 15), "en-GB", "Time to reflect \u2014 gently."),
        (clock_time(0, 5), "en-IN", "x"),
    ],
)
def test_a_daily_reminder_sends_the_json_the_api_documents(
    api: RemindersStandIn, at: clock_time, locale: str, text: str
) -> None:
    token = reminders(api).create_daily(at, locale, text)

    [sent] = api.requests
    assert (sent.method, sent.path) == ("POST", REMINDERS_PATH)
    assert sent.body == expected_body(at.hour, at.minute, at.second, locale, text)
    assert "timeZoneId" not in sent.body["trigger"]  # the device's own zone
    assert sent.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert sent.headers["content-type"] == "application/json"
    assert token in api.reminders and token.startswith("amzn1.alert.standin.")


def test_the_request_time_is_the_clock_in_utc_without_a_zone(api: RemindersStandIn) -> None:
    evening_in_new_york = datetime.fromisoformat("2026-11-25T23:30:00.5-05:00")
    client = ReminderClient(api.url, ACCESS_TOKEN, clock=lambda: evening_in_new_york)
    client.create_daily(clock_time(21, 0), "en-US", TEXT)
    sent = api.requests[0].body
    assert sent["requestTime"] == "2026-11-26T04:30:00"  # no zone, no Z, as Amazon's examples
    assert sent["trigger"]["scheduledTime"] == "2026-11-26T21:00:00"
    naive = SERIALIZER.serialize(daily_reminder_request(clock_time(9), "en-US", TEXT, NOW))
    assert naive["requestTime"] == "2026-11-25T12:00:05"


def test_changing_a_reminder_puts_it_at_its_own_path(api: RemindersStandIn) -> None:
    client = reminders(api)
    token = client.create_daily(clock_time(21, 0), "en-US", TEXT)

    assert client.change_daily(token, clock_time(20, 15), "en-US", "Later text") == token

    put = api.requests[-1]
    assert (put.method, put.path) == ("PUT", f"{REMINDERS_PATH}/{token}")
    assert put.body == expected_body(20, 15, 0, "en-US", "Later text")
    assert put.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert api.reminders[token] == put.body


def test_changing_a_reminder_that_is_gone_creates_a_new_one(api: RemindersStandIn) -> None:
    client = reminders(api)

    token = client.change_daily("amzn1.alert.deleted-in-the-app", clock_time(21, 0), "en-US", TEXT)

    assert [(r.method, r.path) for r in api.requests] == [
        ("PUT", f"{REMINDERS_PATH}/amzn1.alert.deleted-in-the-app"),
        ("POST", REMINDERS_PATH),
    ]
    assert api.requests[1].body == expected_body(21, 0, 0, "en-US", TEXT)
    assert list(api.reminders) == [token]


def test_cancelling_deletes_and_a_second_cancel_is_fine(api: RemindersStandIn) -> None:
    client = reminders(api)
    token = client.create_daily(clock_time(21, 0), "en-US", TEXT)

    client.cancel(token)
    client.cancel(token)  # already gone: 404, which is what was wanted

    deletes = api.requests[1:]
    assert [(r.method, r.path) for r in deletes] == [("DELETE", f"{REMINDERS_PATH}/{token}")] * 2
    assert all(r.headers["authorization"] == f"Bearer {ACCESS_TOKEN}" for r in deletes)
    assert api.reminders == {}


def test_an_alert_token_is_quoted_into_the_path(api: RemindersStandIn) -> None:
    reminders(api).cancel("a/b?c")
    assert api.requests[0].path == f"{REMINDERS_PATH}/a%2Fb%3Fc"


# --- how failures read -------------------------------------------------------------------

STATUS_KINDS = [
    (400, Failure.INVALID),
    (401, Failure.NO_PERMISSION),
    (403, Failure.NO_PERMISSION),
    (404, Failure.INVALID),
    (409, Failure.INVALID),
    (429, Failure.THROTTLED),
    (500, Failure.UNAVAILABLE),
    (503, Failure.UNAVAILABLE),
    (504, Failure.UNAVAILABLE),
]


@pytest.mark.parametrize(("status", "kind"), STATUS_KINDS)
@pytest.mark.parametrize("body", ["json", "html", "empty"])
def test_each_status_is_one_kind_of_failure_whatever_the_body(
    api: RemindersStandIn, status: int, kind: Failure, body: str
) -> None:
    payload = {"json": None, "html": b"<html>Bad gateway</html>", "empty": b""}[body]
    api.then(error_reply(status, body=payload))
    with pytest.raises(ReminderError) as raised:
        reminders(api).create_daily(clock_time(21, 0), "en-US", TEXT)
    assert (raised.value.kind, raised.value.status) == (kind, status)
    assert str(raised.value) == f"reminders API: {kind.value} (HTTP {status})"


@pytest.mark.parametrize(("status", "kind"), [s for s in STATUS_KINDS if s[0] != 404])
def test_change_and_cancel_fail_the_same_way(
    api: RemindersStandIn, status: int, kind: Failure
) -> None:
    client = reminders(api)
    token = client.create_daily(clock_time(21, 0), "en-US", TEXT)
    api.then(error_reply(status), error_reply(status))
    with pytest.raises(ReminderError) as changed:
        client.change_daily(token, clock_time(20, 0), "en-US", TEXT)
    with pytest.raises(ReminderError) as cancelled:
        client.cancel(token)
    assert (changed.value.kind, cancelled.value.kind) == (kind, kind)
    assert [r.method for r in api.requests] == ["POST", "PUT", "DELETE"]  # no fallback create


def test_a_wrong_access_token_is_no_permission(api: RemindersStandIn) -> None:
    client = ReminderClient(api.url, "Atc.someone-else", clock=lambda: NOW)
    with pytest.raises(ReminderError) as raised:
        client.create_daily(clock_time(21, 0), "en-US", TEXT)
    assert raised.value.kind is Failure.NO_PERMISSION


def test_the_fallback_create_can_fail_too(api: RemindersStandIn) -> None:
    api.then(error_reply(404), error_reply(429))
    with pytest.raises(ReminderError) as raised:
        reminders(api).change_daily("gone", clock_time(21, 0), "en-US", TEXT)
    assert raised.value.kind is Failure.THROTTLED
    assert [r.method for r in api.requests] == ["PUT", "POST"]


def test_a_redirect_is_not_followed(api: RemindersStandIn) -> None:
    api.then(error_reply(307, Location=f"{api.url}/elsewhere"))
    with pytest.raises(ReminderError) as raised:
        reminders(api).create_daily(clock_time(21, 0), "en-US", TEXT)
    assert (raised.value.kind, raised.value.status) == (Failure.UNAVAILABLE, 307)
    assert len(api.requests) == 1  # the bearer token went nowhere else


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (Scripted(status=201, body=b"{}"), "answer without an alert token"),
        (Scripted(status=201, body=b"not json"), "answer without an alert token"),
        (Scripted(status=201, body=b'{"alertToken": {"a": 1}}'), "answer without an alert token"),
        (Scripted(status=201, body=b'{"alertToken": ""}'), "answer without an alert token"),
        (Scripted(status=201, body=b"[" * (MAX_BODY_BYTES + 1)), "answer too large"),
    ],
)
def test_an_answer_without_a_usable_token_is_unavailable(
    api: RemindersStandIn, reply: Scripted, detail: str
) -> None:
    api.then(reply)
    with pytest.raises(ReminderError) as raised:
        reminders(api).create_daily(clock_time(21, 0), "en-US", TEXT)
    assert (raised.value.kind, raised.value.status, raised.value.detail) == (
        Failure.UNAVAILABLE,
        None,
        detail,
    )


def test_a_success_the_sdk_cannot_model_still_gives_its_token(api: RemindersStandIn) -> None:
    """A status value the SDK does not know must not hide a reminder that was made."""
    api.then(Scripted(status=201, body=b'{"alertToken": "amzn1.alert.new", "status": "SNOOZED"}'))
    assert reminders(api).create_daily(clock_time(21), "en-US", TEXT) == "amzn1.alert.new"
    api.then(Scripted(status=200, body=b'{"status": "SNOOZED"}'))
    assert reminders(api).change_daily("kept", clock_time(21), "en-US", TEXT) == "kept"


def test_another_api_clients_failure_is_named_by_type_only(api: RemindersStandIn) -> None:
    class Broken(DeadlineApiClient):
        def invoke(self, request: ApiClientRequest) -> Any:
            raise RuntimeError(f"could not reach {request.url}")

    client = ReminderClient(api.url, ACCESS_TOKEN, api_client=Broken())
    with pytest.raises(ReminderError) as raised:
        client.cancel("amzn1.alert.secret")
    assert (raised.value.kind, raised.value.status) == (Failure.UNAVAILABLE, None)
    assert str(raised.value) == "reminders API: unavailable (request failed (RuntimeError))"


@pytest.mark.parametrize("reply", [STALL, DRIP], ids=["stall", "drip"])
def test_a_server_that_holds_on_is_given_up_on_within_the_timeout(
    api: RemindersStandIn, reply: Scripted
) -> None:
    api.then(reply)
    started = time.monotonic()
    with pytest.raises(ReminderError) as raised:
        reminders(api, timeout=1.0).create_daily(clock_time(21, 0), "en-US", TEXT)
    elapsed = time.monotonic() - started
    assert (raised.value.kind, raised.value.detail) == (Failure.UNAVAILABLE, "timed out")
    assert 0.9 <= elapsed < 2.0
    assert len(api.requests) == 1  # it was sent, and then waited on


def test_the_default_client_gives_up_within_its_three_seconds(api: RemindersStandIn) -> None:
    assert DEFAULT_TIMEOUT == 3.0
    api.then(DRIP)
    started = time.monotonic()
    client = ReminderClient(api.url, ACCESS_TOKEN, api_client=api_client())
    with pytest.raises(ReminderError, match=r"unavailable \(timed out\)"):
        client.cancel("some-token")
    assert time.monotonic() - started < DEFAULT_TIMEOUT + 1


def test_a_server_that_is_not_trusted_gets_nothing(
    api: RemindersStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # public roots, not the test root
    with pytest.raises(ReminderError) as raised:
        reminders(api).create_daily(clock_time(21, 0), "en-US", TEXT)
    assert (raised.value.kind, raised.value.detail) == (Failure.UNAVAILABLE, "TLS failed")
    assert api.requests == []


def test_no_server_at_all_is_unavailable() -> None:
    with loopback_server(respond(b"")) as (port, _):
        pass  # the port is free again: nothing listens there now
    client = ReminderClient(f"https://127.0.0.1:{port}", ACCESS_TOKEN)
    with pytest.raises(ReminderError) as raised:
        client.cancel("some-token")
    assert (raised.value.kind, raised.value.detail) == (Failure.UNAVAILABLE, "connection failed")


def test_a_plain_http_endpoint_is_refused_before_anything_is_sent() -> None:
    with loopback_server(respond(b"{}")) as (port, accepted):
        client = ReminderClient(f"http://127.0.0.1:{port}", ACCESS_TOKEN)
        with pytest.raises(ReminderError) as raised:
            client.create_daily(clock_time(21, 0), "en-US", TEXT)
        request = ApiClientRequest(
            url=f"HTTP://127.0.0.1:{port}{REMINDERS_PATH}",
            method="POST",
            headers=[("Authorization", f"Bearer {ACCESS_TOKEN}")],
        )
        with pytest.raises(NoAnswer, match="endpoint is not https"):
            api_client().invoke(request)
    assert (raised.value.kind, raised.value.detail) == (Failure.INVALID, "endpoint is not https")
    assert accepted == []  # no connection, so the token never left


@pytest.mark.parametrize(
    ("endpoint", "token", "detail"),
    [
        (None, ACCESS_TOKEN, "endpoint is not https"),
        ("https://127.0.0.1:9", None, "no API access token"),
    ],
)
def test_a_request_without_endpoint_or_token_is_invalid(
    endpoint: str | None, token: str | None, detail: str
) -> None:
    with pytest.raises(ReminderError) as raised:
        ReminderClient(endpoint, token).cancel("some-token")
    assert (raised.value.kind, raised.value.detail) == (Failure.INVALID, detail)


@pytest.mark.parametrize(
    ("call", "detail"),
    [
        (lambda c: c.create_daily(clock_time(21, tzinfo=UTC), "en-US", TEXT), "time must be"),
        (lambda c: c.create_daily(clock_time(21), "en-US", "  "), "locale and text"),
        (lambda c: c.create_daily(clock_time(21), "", TEXT), "locale and text"),
        (lambda c: c.change_daily("", clock_time(21), "en-US", TEXT), "no alert token"),
        (lambda c: c.cancel(""), "no alert token"),
    ],
)
def test_a_call_the_api_would_refuse_is_not_made(
    api: RemindersStandIn, call: Any, detail: str
) -> None:
    with pytest.raises(ReminderError) as raised:
        call(reminders(api))
    assert raised.value.kind is Failure.INVALID
    assert raised.value.detail.startswith(detail)
    assert api.requests == []


def test_failures_are_logged_once_without_tokens(
    api: RemindersStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    client = reminders(api)
    token = client.create_daily(clock_time(21, 0), "en-US", TEXT)
    caplog.set_level(logging.DEBUG)
    api.then(error_reply(503), error_reply(404), STALL)

    with pytest.raises(ReminderError) as unavailable:
        client.change_daily(token, clock_time(21, 0), "en-US", TEXT)
    client.cancel(token)  # the scripted 404: already gone, nothing to log
    with pytest.raises(ReminderError) as stalled:
        reminders(api, timeout=0.5).cancel(token)

    ours = [r for r in caplog.records if r.name == "closer.reminders"]
    assert [r.getMessage() for r in ours] == [
        "reminder change failed: reminders API: unavailable (HTTP 503)",
        "reminder cancel failed: reminders API: unavailable (timed out)",
    ]
    everything = caplog.text + repr(unavailable.value) + repr(stalled.value) + repr(client)
    for secret in (ACCESS_TOKEN, token):
        assert secret not in everything
    # Nothing chained to the error carries the URL (with its alert token) either.
    cause = stalled.value.__cause__ or stalled.value.__context__
    assert cause is None or (token not in str(cause) and stalled.value.__suppress_context__)


# --- inside the skill ----------------------------------------------------------------------


def handler_input_for(
    request: dict[str, Any],
    *,
    endpoint: str = "https://api.amazonalexa.com",
    permissions: dict[str, Any] | None = None,
) -> HandlerInput:
    """A HandlerInput for a request in Alexa's JSON shape, with an API endpoint and token."""
    envelope = envelopes.envelope(request)
    system = envelope["context"]["System"]
    system["apiEndpoint"] = endpoint
    system["apiAccessToken"] = ACCESS_TOKEN
    if permissions is not None:
        system["user"]["permissions"] = permissions
    return HandlerInput(request_envelope=read_request_envelope(envelope))


class _RemindOnAnything(AbstractRequestHandler):
    """A one-handler skill that sets the evening reminder, as the conversation will."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        client = ReminderClient.from_handler_input(handler_input)
        self.tokens.append(client.create_daily(clock_time(21, 0), "en-US", TEXT))
        return handler_input.response_builder.response


def test_a_skill_handler_uses_the_endpoint_and_token_alexa_sent(api: RemindersStandIn) -> None:
    handler = _RemindOnAnything()
    builder = CustomSkillBuilder(api_client=api_client())
    builder.add_request_handler(handler)
    skill = builder.create()
    request = handler_input_for(envelopes.launch_request()["request"], endpoint=api.url)

    skill.invoke(request_envelope=request.request_envelope, context=None)

    assert handler.tokens == list(api.reminders)
    [sent] = api.requests
    assert sent.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert sent.body["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=0;BYSECOND=0;INTERVAL=1"
    ]


def test_the_sdk_service_factory_gets_the_deadline_too(api: RemindersStandIn) -> None:
    """api_client() in the skill builder bounds the SDK's own service clients as well."""

    class UseTheFactory(AbstractRequestHandler):
        def can_handle(self, handler_input: HandlerInput) -> bool:
            return True

        def handle(self, handler_input: HandlerInput) -> Response:
            factory = handler_input.service_client_factory
            assert factory is not None
            service = factory.get_reminder_management_service()
            service.create_reminder(daily_reminder_request(clock_time(21), "en-US", TEXT, NOW))
            return handler_input.response_builder.response

    builder = CustomSkillBuilder(api_client=api_client(timeout=1.0))
    builder.add_request_handler(UseTheFactory())
    request = handler_input_for(envelopes.launch_request()["request"], endpoint=api.url)
    api.then(STALL)
    started = time.monotonic()
    with pytest.raises(ServiceException):
        builder.create().invoke(request_envelope=request.request_envelope, context=None)
    assert time.monotonic() - started < 2.0


# --- asking for permission -------------------------------------------------------------------


def test_the_consent_request_is_alexas_askfor_directive() -> None:
    assert SERIALIZER.serialize(consent_request("remind:21:00")) == {
        "type": "Connections.SendRequest",
        "name": "AskFor",
        "payload": {
            "@type": "AskForPermissionsConsentRequest",
            "@version": "1",
            "permissionScope": "alexa::alerts:reminders:skill:readwrite",
        },
        "token": "remind:21:00",
    }


def test_the_consent_card_asks_for_the_reminders_permission() -> None:
    assert SERIALIZER.serialize(consent_card()) == {
        "type": "AskForPermissionsConsent",
        "permissions": ["alexa::alerts:reminders:skill:readwrite"],
    }
    assert PERMISSION_SCOPE == "alexa::alerts:reminders:skill:readwrite"


def connections_response(
    status: str | None = "ACCEPTED",
    *,
    code: str = "200",
    name: str = "AskFor",
    card: bool | None = False,
    scope: str | None = PERMISSION_SCOPE,
    token: str | None = "remind:21:00",
) -> dict[str, Any]:
    """A Connections.Response request as Alexa sends it after an AskFor."""
    payload: dict[str, Any] = {}
    if scope is not None:
        payload["permissionScope"] = scope
    if status is not None:
        payload["status"] = status
    if card is not None:
        payload["isCardThrown"] = card
    request: dict[str, Any] = {
        "type": "Connections.Response",
        "name": name,
        "status": {"code": code, "message": "OK" if code == "200" else "Error"},
        "payload": payload,
    }
    if token is not None:
        request["token"] = token
    return request


def outcome_of(request: dict[str, Any]) -> ConsentOutcome | None:
    handler_input = handler_input_for(request)
    return consent_outcome(handler_input.request_envelope.request)


@pytest.mark.parametrize(
    ("status", "card", "answer", "needs_card"),
    [
        ("ACCEPTED", False, "accepted", False),
        ("DENIED", False, "denied", True),
        ("DENIED", True, "denied", False),
        ("NOT_ANSWERED", False, "not_answered", True),
        ("NOT_ANSWERED", True, "not_answered", False),
        ("NOT_ANSWERED", None, "not_answered", True),
        ("SOMETHING_NEW", False, "not_answered", True),
        (None, False, "not_answered", True),
    ],
)
def test_the_answer_to_askfor_is_read(
    status: str | None, card: bool | None, answer: Answer, needs_card: bool
) -> None:
    outcome = outcome_of(connections_response(status, card=card))
    assert outcome == ConsentOutcome(answer, card_sent=bool(card), token="remind:21:00")
    assert outcome.needs_card is needs_card


def test_an_answer_without_scope_or_token_is_still_read() -> None:
    outcome = outcome_of(connections_response("ACCEPTED", scope=None, token=None))
    assert outcome == ConsentOutcome("accepted", card_sent=False, token=None)


def test_an_error_status_reads_as_not_answered_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="closer.reminders")
    outcome = outcome_of(connections_response("ACCEPTED", code="400"))
    odd = outcome_of(connections_response("ACCEPTED", code="4000\nforged line"))
    assert outcome == odd == ConsentOutcome("not_answered", card_sent=False, token="remind:21:00")
    assert [r.getMessage() for r in caplog.records] == [
        "reminders consent: Alexa answered with status 400",
        "reminders consent: Alexa answered with status other",
    ]


@pytest.mark.parametrize(
    "request_json",
    [
        envelopes.launch_request()["request"],
        envelopes.intent_request("AMAZON.YesIntent")["request"],
        connections_response(name="Buy"),
        connections_response(scope="alexa::devices:all:geolocation:read"),
    ],
    ids=["launch", "intent", "purchase", "other-permission"],
)
def test_anything_else_is_not_a_consent_answer(request_json: dict[str, Any]) -> None:
    assert outcome_of(request_json) is None
    assert consent_outcome(None) is None


@pytest.mark.parametrize(
    ("permissions", "needed"),
    [
        (None, True),
        ({}, True),
        ({"consentToken": "Atza|consent"}, False),
        (
            {"consentToken": "Atza|consent", "scopes": {PERMISSION_SCOPE: {"status": "DENIED"}}},
            True,
        ),
        ({"scopes": {PERMISSION_SCOPE: {"status": "GRANTED"}}}, False),
        ({"consentToken": "Atza|c", "scopes": {"alexa::other": {"status": "DENIED"}}}, False),
    ],
)
def test_whether_to_ask_is_read_from_the_request(
    permissions: dict[str, Any] | None, needed: bool
) -> None:
    handler_input = handler_input_for(
        envelopes.launch_request()["request"], permissions=permissions
    )
    assert needs_permission(handler_input) is needed


def test_the_directive_goes_out_in_a_response_as_alexa_reads_it() -> None:
    handler_input = handler_input_for(connections_response("DENIED"))
    outcome = consent_outcome(handler_input.request_envelope.request)
    assert outcome is not None and outcome.needs_card
    builder = handler_input.response_builder
    builder.add_directive(consent_request("again")).set_card(consent_card())
    response = json.loads(json.dumps(SERIALIZER.serialize(builder.response)))
    assert response["directives"][0]["type"] == "Connections.SendRequest"
    assert response["card"] == {
        "type": "AskForPermissionsConsent",
        "permissions": [PERMISSION_SCOPE],
    }


def test_the_api_client_timeout_is_finite_and_sane() -> None:
    for bad in (0, -1, 11, float("inf")):
        with pytest.raises(ValueError, match="timeout"):
            DeadlineApiClient(bad)
    assert api_client().timeout == DEFAULT_TIMEOUT
    assert repr(api_client(1.5)) == "DeadlineApiClient(timeout=1.5)"
