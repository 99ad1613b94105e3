"""Daily reminders through the Alexa Reminders API, and the permission they need.

What the conversation layer calls; it holds no wording (that is content, in YAML)
and returns outcomes: an alert token, or a :class:`ReminderError` with a
:class:`Failure` kind.

- :mod:`skill.reminders.client`: create, change and cancel a daily reminder.
- :mod:`skill.reminders.transport`: HTTPS only, and every call within a deadline.
"""

from skill.reminders.client import (
    Failure,
    ReminderClient,
    ReminderError,
    daily_reminder_request,
    failure_for,
)
from skill.reminders.transport import DEFAULT_TIMEOUT, DeadlineApiClient, api_client

__all__ = [
    "DEFAULT_TIMEOUT",
    "DeadlineApiClient",
    "Failure",
    "ReminderClient",
    "ReminderError",
    "api_client",
    "daily_reminder_request",
    "failure_for",
]
