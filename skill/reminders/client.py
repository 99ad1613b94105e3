"""A daily reminder through the Alexa Reminders API: create, change, cancel, and what failed.

The conversation layer decides what to say; this module only does the call and
reports an outcome: an alert token, or a :class:`ReminderError` whose ``kind`` says
what the person can do about it (grant permission, try later) or that the skill
sent something wrong. Requests go through the SDK's own
``ReminderManagementServiceClient`` and its serializer, so the JSON is the SDK's.

Nothing here logs or raises a token or a user id: the access token travels only in
the Authorization header, and alert tokens only in the URL path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.services import (
    ApiClient,
    ApiClientRequest,
    ApiClientResponse,
    ApiConfiguration,
    ServiceException,
)
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderManagementServiceClient,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)

from skill.reminders.transport import DeadlineApiClient, NoAnswer

log = logging.getLogger("closer.reminders")

_SHARED_CLIENT: Final = DeadlineApiClient()
_SERIALIZER: Final = DefaultSerializer()
_NO_TOKEN: Final = "answer without an alert token"


class Failure(StrEnum):
    """What went wrong, as far as the conversation needs to know."""

    NO_PERMISSION = "no_permission"
    """401 or 403: the person has not granted (or has taken back) the reminders permission."""
    THROTTLED = "throttled"
    """429: too many calls; try again later."""
    UNAVAILABLE = "unavailable"
    """5xx, no answer in time, no connection, or an answer that cannot be read."""
    INVALID = "invalid"
    """Any other 4xx, or a call the skill should not have made (a bug, not the person's)."""


class ReminderError(Exception):
    """A reminder call failed; ``kind`` says how, ``status`` is the HTTP status if there was one.

    The message is built from these two and a fixed phrase only, so it is safe to log.
    """

    def __init__(self, kind: Failure, status: int | None = None, detail: str = "") -> None:
        self.kind = kind
        self.status = status
        self.detail = detail
        answered = f"HTTP {status}" if status is not None else detail or "no answer"
        super().__init__(f"reminders API: {kind.value} ({answered})")


def failure_for(status: int) -> Failure:
    """Classify an HTTP status the API answered with (a success never gets here)."""
    if status in (401, 403):
        return Failure.NO_PERMISSION
    if status == 429:
        return Failure.THROTTLED
    if 400 <= status < 500:
        return Failure.INVALID
    return Failure.UNAVAILABLE  # 5xx, and a 1xx or 3xx, which the API never means to send


class ReminderClient:
    """One person's reminders, for the length of one request from Alexa.

    Built from the request (:meth:`from_handler_input`) or, in tests, from an endpoint
    and a token; make one per request, and use it on that request's thread. Every
    call ends within the API client's deadline (3 s by default).
    """

    def __init__(
        self,
        api_endpoint: str | None,
        api_access_token: str | None,
        *,
        api_client: ApiClient | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._endpoint = api_endpoint or ""
        self._token = api_access_token or ""
        self._witness = _Witness(api_client or _SHARED_CLIENT)
        self._service = ReminderManagementServiceClient(
            ApiConfiguration(
                serializer=_SERIALIZER,
                api_client=self._witness,
                authorization_value=self._token,
                api_endpoint=self._endpoint,
            )
        )
        self._clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def from_handler_input(
        cls, handler_input: HandlerInput, *, api_client: ApiClient | None = None
    ) -> ReminderClient:
        """Use the endpoint and token Alexa sent with this request (``context.System``).

        Read from the envelope, as the SDK's own service client factory does, rather
        than taken from that factory: this works whether or not the skill builder has
        an API client, and the calls can never fall back to the SDK's client, which
        has no timeout.
        """
        context = handler_input.request_envelope.context
        system = context.system if context is not None else None
        return cls(
            getattr(system, "api_endpoint", None),
            getattr(system, "api_access_token", None),
            api_client=api_client,
        )

    def __repr__(self) -> str:
        return f"ReminderClient({self._endpoint!r})"  # never the token

    def create_daily(self, at: time, locale: str, text: str) -> str:
        """Create a reminder every day at ``at`` on the device's clock; return its alert token.

        No time zone is sent, so the Reminders API uses the device's: 21:00 means
        9 pm wherever the person is, also after they travel or the clocks change.
        """
        request = self._daily_request(at, locale, text)
        self._call("create", lambda: self._service.create_reminder(request))
        token = self._witness.alert_token()
        if token is None:
            raise self._logged("create", ReminderError(Failure.UNAVAILABLE, detail=_NO_TOKEN))
        return token

    def change_daily(self, alert_token: str, at: time, locale: str, text: str) -> str:
        """Move or reword a daily reminder; return the alert token it now has.

        If the API no longer knows the token (the person deleted the reminder in the
        Alexa app, say), a new reminder is created instead and its token returned:
        what the person asked for is a reminder at that time, not an edit.
        """
        _check_token(alert_token)
        request = self._daily_request(at, locale, text)
        try:
            self._call("change", lambda: self._service.update_reminder(alert_token, request))
        except ReminderError as error:
            if error.status != 404:
                raise
            return self.create_daily(at, locale, text)
        # An update that does not repeat the token leaves it as it was.
        return self._witness.alert_token() or alert_token

    def cancel(self, alert_token: str) -> None:
        """Delete a reminder. One that is already gone (404) counts as cancelled."""
        _check_token(alert_token)
        try:
            self._call("cancel", lambda: self._service.delete_reminder(alert_token))
        except ReminderError as error:
            if error.status != 404:
                raise

    def _daily_request(self, at: time, locale: str, text: str) -> ReminderRequest:
        """Build the SDK's request body; refuse what the API would refuse anyway."""
        if at.tzinfo is not None:
            raise ReminderError(Failure.INVALID, detail="time must be local, without a zone")
        if not locale or not text.strip():
            raise ReminderError(Failure.INVALID, detail="locale and text are required")
        return daily_reminder_request(at, locale, text, self._clock())

    def _call(self, operation: str, call: Callable[[], object]) -> None:
        """Make one API call through the SDK; turn every way it fails into a ReminderError.

        The SDK's answer model is not used: the alert token is read from the answer
        itself (:meth:`_Witness.alert_token`), because the model is stricter than
        we need. A status it does not know (the API adding one) makes the SDK raise
        after the reminder was made, and reporting that as a failure would have the
        person ask again and get two reminders.
        """
        try:
            self._check_ready()
            call()
            return
        except ReminderError as error:
            failure = error
        except ServiceException as error:
            failure = self._witness.failure(error.status_code)
        except SerializationException:
            if self._witness.succeeded:
                return
            failure = self._witness.failure(None)
        raise self._logged(operation, failure) from None  # the SDK's text can hold the URL

    def _check_ready(self) -> None:
        if urlsplit(self._endpoint).scheme.lower() != "https":
            raise ReminderError(Failure.INVALID, detail="endpoint is not https")
        if not self._token:
            raise ReminderError(Failure.INVALID, detail="no API access token")

    @staticmethod
    def _logged(operation: str, failure: ReminderError) -> ReminderError:
        """Log a failure once (a 404 is an answer the callers expect, not a failure)."""
        if failure.status != 404:
            log.warning("reminder %s failed: %s", operation, failure)
        return failure


class _Witness(ApiClient):
    """Passes calls to the real API client and remembers the last answer, or why there was none.

    One per ReminderClient, which serves one request on one thread. The SDK turns
    every failure into a ServiceException with status 500, so without this a
    timeout could not be told from a real HTTP 500.
    """

    def __init__(self, inner: ApiClient) -> None:
        self.inner = inner
        self.status: int | None = None
        self.body: str | None = None
        self.no_answer = ""

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        self.status, self.body, self.no_answer = None, None, ""
        try:
            response = self.inner.invoke(request)
        except NoAnswer as error:
            self.no_answer = error.reason
            raise
        except Exception as error:  # another client's failure: named by its type only
            self.no_answer = f"request failed ({type(error).__name__})"
            raise
        self.status, self.body = response.status_code, response.body
        return response

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def failure(self, reported: object) -> ReminderError:
        """Classify the last call, which the SDK reported as failed (with ``reported`` status)."""
        if self.status is None:
            return ReminderError(Failure.UNAVAILABLE, detail=self.no_answer or "no answer")
        if self.succeeded:  # a success the SDK could not read, without a token to show for it
            return ReminderError(Failure.UNAVAILABLE, detail="unreadable answer")
        status = reported if isinstance(reported, int) else self.status
        return ReminderError(failure_for(status), status)

    def alert_token(self) -> str | None:
        """Read ``alertToken`` from the last answer, if it was a success and has one."""
        if not self.succeeded or not self.body:
            return None
        try:
            answer = json.loads(self.body)
        except ValueError:
            return None
        token = answer.get("alertToken") if isinstance(answer, dict) else None
        return token if isinstance(token, str) and token else None


def daily_reminder_request(at: time, locale: str, text: str, now: datetime) -> ReminderRequest:
    """Build the SDK's request for a reminder every day at ``at``, local time, with a notification.

    ``recurrenceRules`` is the API's current way to say "daily" (``freq`` is
    deprecated). ``scheduledTime`` says the same time of day: the API ignores it
    when the rules are present, and an older reading of the request still gets
    the right time. Both are local (no zone, no "Z"), as is ``requestTime``'s form:
    ``now`` is written in UTC, to the second, without a zone (a naive ``now`` is
    taken to be UTC already).
    """
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    now = now.replace(microsecond=0)
    rule = f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND={at.second};INTERVAL=1"
    return ReminderRequest(
        request_time=now,
        trigger=Trigger(
            object_type=TriggerType.SCHEDULED_ABSOLUTE,
            scheduled_time=datetime.combine(now.date(), at.replace(microsecond=0)),
            recurrence=Recurrence(recurrence_rules=[rule]),
        ),
        alert_info=AlertInfo(
            spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=text)])
        ),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


def _check_token(alert_token: str) -> None:
    if not isinstance(alert_token, str) or not alert_token:
        raise ReminderError(Failure.INVALID, detail="no alert token")
