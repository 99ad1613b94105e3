"""What every request must be before the skill sees it, wherever it arrives from.

POST /alexa (:mod:`skill.web.app`) and the AWS Lambda entry point
(:mod:`skill.aws_lambda`) take the same envelope from two transports, so they refuse
the same things for the same reasons: JSON nested past reason, an envelope that is
not Alexa's outline, and a request for another skill. Keeping the checks here, below
both, means a rule changed for one is changed for the other; what differs (the body
and its signature on the web, nothing of the kind on Lambda) stays with each.

Each check raises :class:`RequestRefused` with a short reason that quotes nothing the
sender wrote, so it can be logged and sent back as it is.
"""

from __future__ import annotations

from typing import Any

SKILL_ID_VARIABLE = "CLOSER_SKILL_ID"
"""The environment variable that binds a service to its skill id (or ids, comma-separated)."""

MAX_JSON_DEPTH = 32
"""Alexa's envelopes nest about eight deep; far deeper JSON is an attack on the recursion
limit of whatever reads it next (the SDK, the reader, ``json.dumps``)."""


class RequestRefused(Exception):  # noqa: N818 - a refusal, not an error of ours
    """The request is not one Alexa would send.

    ``status`` is the HTTP status the web service answers with; on Lambda, where there
    is no HTTP, the refusal fails the invocation instead.
    """

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def check_depth(envelope: Any) -> None:
    """Refuse JSON data that nests deeper than :data:`MAX_JSON_DEPTH`, before anything recurses."""
    if _too_deep(envelope, MAX_JSON_DEPTH):
        raise RequestRefused(f"body nests more than {MAX_JSON_DEPTH} levels deep")


def _too_deep(data: Any, limit: int) -> bool:
    """Tell whether JSON data nests deeper than ``limit``, without recursing."""
    level: list[Any] = [data]
    for _ in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def check_shape(envelope: Any) -> None:
    """Refuse what is not shaped like an Alexa request envelope, before the SDK sees it."""
    if not isinstance(envelope, dict):
        raise RequestRefused("body must be a JSON object")
    if not isinstance(envelope.get("version"), str):
        raise RequestRefused("version must be a string")
    req = envelope.get("request")
    if not isinstance(req, dict):
        raise RequestRefused("request must be an object")
    for key in ("type", "requestId", "timestamp"):
        if not isinstance(req.get(key), str):
            raise RequestRefused(f"request.{key} must be a string")
    for key in ("session", "context"):
        if key in envelope and not isinstance(envelope[key], dict):
            raise RequestRefused(f"{key} must be an object")
    if req["type"] == "IntentRequest":
        _check_intent_shape(req.get("intent"))
    session = envelope.get("session")
    if (
        isinstance(session, dict)
        and "attributes" in session
        and not isinstance(session["attributes"], dict | None)
    ):
        raise RequestRefused("session.attributes must be an object")


def _check_intent_shape(intent: Any) -> None:
    """Refuse an intent request whose intent has no name, or whose slots are not objects."""
    if not isinstance(intent, dict) or not isinstance(intent.get("name"), str):
        raise RequestRefused("request.intent.name must be a string")
    slots = intent.get("slots")
    if slots is not None and not (
        isinstance(slots, dict) and all(isinstance(s, dict) for s in slots.values())
    ):
        raise RequestRefused("request.intent.slots must map names to objects")


def check_skill_id(envelope: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse requests for another skill when the service is bound to skill ids.

    An empty ``allowed`` accepts any skill: the web service's choice when
    ``CLOSER_SKILL_ID`` is unset (the Lambda entry point never passes one empty).
    """
    if not allowed:
        return
    places = (("context", "System", "application"), ("session", "application"))
    found = [_dig(envelope, *place, "applicationId") for place in places]
    ids = [each for each in found if each is not None]
    # Every id present must be one of ours: a number or a list where an id belongs
    # is no id of ours, even when the other place names this skill.
    if not ids or not all(isinstance(each, str) and each in allowed for each in ids):
        raise RequestRefused("application id is not this skill's")


def _dig(data: Any, *keys: str) -> Any:
    """Follow ``keys`` through nested objects; None where one is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def split_ids(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Read ``CLOSER_SKILL_ID``: one id or a comma-separated list."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())
