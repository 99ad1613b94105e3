"""One dispatch path from Alexa's request JSON to Alexa's response JSON.

POST /alexa and the local rehearsal tools both call :func:`handle_envelope`, so a
rehearsed conversation takes exactly the route a real one does.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope, ResponseEnvelope

from intents import Content
from skill import __version__, conversation
from skill.alexa import voice_of
from skill.handlers import render

_serializer = DefaultSerializer()


class MalformedEnvelope(ValueError):  # noqa: N818 - reads as what it is
    """The envelope has Alexa's outline but a field the SDK cannot read (a bad date, say)."""


def handle_envelope(skill: CustomSkill, envelope: dict[str, Any]) -> dict[str, Any]:
    """Run one request envelope (already checked and verified) through the skill."""
    try:
        request_envelope = _serializer.deserialize(json.dumps(envelope), RequestEnvelope)
    except SerializationException as error:
        raise MalformedEnvelope(f"request does not match Alexa's format: {error}") from None
    response_envelope = skill.invoke(request_envelope=request_envelope, context=None)
    return _to_json(response_envelope)


def apology_envelope(content: Content) -> dict[str, Any]:
    """Build a valid Alexa response that apologises: what Alexa gets instead of an HTTP 500."""
    response = render(ResponseFactory(), conversation.apology(content), voice_of(content))
    return _to_json(
        ResponseEnvelope(
            version="1.0", response=response, user_agent=f"closer-together/{__version__}"
        )
    )


def _to_json(envelope: ResponseEnvelope) -> dict[str, Any]:
    serialized = _serializer.serialize(envelope)
    assert isinstance(serialized, dict)
    return serialized
