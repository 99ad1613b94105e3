"""Daily reminders through the Alexa Reminders API, and the permission they need.

- :mod:`skill.reminders.transport`: HTTPS only, and every call within a deadline.
"""

from skill.reminders.transport import DEFAULT_TIMEOUT, DeadlineApiClient, api_client

__all__ = ["DEFAULT_TIMEOUT", "DeadlineApiClient", "api_client"]
