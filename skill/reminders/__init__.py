"""Daily reminders through the Alexa Reminders API, and the permission they need.

What the conversation layer calls; it holds no wording (that is content, in YAML)
and returns outcomes: an alert token, a :class:`ReminderError` with a
:class:`Failure` kind, a directive or card to send, a :class:`ConsentOutcome`.

- :mod:`skill.reminders.client`: create, change and cancel a daily reminder.
- :mod:`skill.reminders.consent`: ask for the permission by voice, read the answer.
- :mod:`skill.reminders.transport`: HTTPS only, and every call within a deadline.
"""

from skill.reminders.client import (
    Failure,
    ReminderClient,
    ReminderError,
    daily_reminder_request,
    failure_for,
)
from skill.reminders.consent import (
    PERMISSION_SCOPE,
    Answer,
    ConsentOutcome,
    consent_card,
    consent_outcome,
    consent_request,
    needs_permission,
)
from skill.reminders.transport import DEFAULT_TIMEOUT, DeadlineApiClient, api_client

__all__ = [
    "DEFAULT_TIMEOUT",
    "PERMISSION_SCOPE",
    "Answer",
    "ConsentOutcome",
    "DeadlineApiClient",
    "Failure",
    "ReminderClient",
    "ReminderError",
    "api_client",
    "consent_card",
    "consent_outcome",
    "consent_request",
    "daily_reminder_request",
    "failure_for",
    "needs_permission",
]
