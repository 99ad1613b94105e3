"""Request envelopes of exactly the shape Alexa sends, for rehearsal, lint and tests.

Alexa's real requests carry ids and a device context; these carry the same fields
with fixed local stand-ins (``amzn1.ask.skill.local``), so that everything that
reads an envelope (the SDK serializer, the skill id check) sees a real shape.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

LOCAL_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
LOCAL_USER_ID = "amzn1.ask.account.LOCAL-REHEARSAL"
LOCAL_DEVICE_ID = "amzn1.ask.device.LOCAL-REHEARSAL"


SCREEN_INTERFACES: dict[str, Any] = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "1.9"}}}
"""What a device with a screen declares it supports (an Echo Show's APL runtime)."""
SCREEN_VIEWPORT: dict[str, Any] = {
    "experiences": [
        {"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False, "canResize": False}
    ],
    "mode": "HUB",
    "shape": "RECTANGLE",
    "pixelWidth": 1280,
    "pixelHeight": 800,
    "dpi": 160,
    "currentPixelWidth": 1280,
    "currentPixelHeight": 800,
    "touch": ["SINGLE"],
    "keyboard": ["DIRECTION"],
    "video": {"codecs": ["H_264_42", "H_264_41"]},
}
"""The screen it describes in ``context.Viewport``: an Echo Show 8's, 1280 by 800."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request: dict[str, Any],
    *,
    attributes: dict[str, Any] | None = None,
    new_session: bool = False,
    session_id: str = "amzn1.echo-api.session.local",
    locale: str = "en-US",
    skill_id: str = LOCAL_SKILL_ID,
    timestamp: str | None = None,
    user_id: str = LOCAL_USER_ID,
    screen: bool = False,
) -> dict[str, Any]:
    """Wrap a request in a full envelope: version, session, context and the request.

    ``timestamp`` (ISO 8601, UTC) stands for when it was asked; now by default.
    ``user_id`` is whose record a store keeps (rehearsal users have their own).
    ``screen`` asks from a device with a screen (APL, and its viewport), like an
    Echo Show; by default the device is a speaker without one, like an Echo Dot.
    """
    application = {"applicationId": skill_id}
    user = {"userId": user_id}
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": timestamp or _now(),
        "locale": locale,
        **request,
    }
    context: dict[str, Any] = {
        "System": {
            "application": application,
            "user": user,
            "device": {
                "deviceId": LOCAL_DEVICE_ID,
                "supportedInterfaces": dict(SCREEN_INTERFACES) if screen else {},
            },
            "apiEndpoint": "https://api.amazonalexa.com",
        }
    }
    if screen:
        context["Viewport"] = SCREEN_VIEWPORT
    return {
        "version": "1.0",
        "session": {
            "new": new_session,
            "sessionId": session_id,
            "application": application,
            "attributes": dict(attributes or {}),
            "user": user,
        },
        "context": context,
        "request": request,
    }


def launch_request(**kwargs: Any) -> dict[str, Any]:
    """Build a LaunchRequest, as for "Alexa, open closer together"."""
    return envelope({"type": "LaunchRequest"}, new_session=True, **kwargs)


def intent_request(
    name: str,
    slots: dict[str, str | None] | None = None,
    *,
    resolved: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Build an IntentRequest: ``slots`` are spoken values, ``resolved`` their matched ids.

    ``resolved`` adds Alexa's entity resolution block (ER_SUCCESS_MATCH), as Alexa
    sends it when a spoken value matched a slot value or synonym.
    """
    slot_json: dict[str, Any] = {}
    for slot, value in (slots or {}).items():
        slot_json[slot] = {"name": slot, "confirmationStatus": "NONE"}
        if value is not None:
            slot_json[slot]["value"] = value
        if resolved and slot in resolved:
            slot_json[slot]["resolutions"] = {
                "resolutionsPerAuthority": [
                    {
                        "authority": f"amzn1.er-authority.echo-sdk.{LOCAL_SKILL_ID}.{slot.upper()}",
                        "status": {"code": "ER_SUCCESS_MATCH"},
                        "values": [{"value": {"name": value, "id": resolved[slot]}}],
                    }
                ]
            }
    return envelope(
        {
            "type": "IntentRequest",
            "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": slot_json},
        },
        **kwargs,
    )


def session_ended_request(reason: str = "USER_INITIATED", **kwargs: Any) -> dict[str, Any]:
    """Build a SessionEndedRequest, as Alexa sends when the session closes."""
    return envelope({"type": "SessionEndedRequest", "reason": reason}, **kwargs)
