"""Asking for the reminders permission, and reading the answer.

A skill may create reminders only with the person's permission
(``alexa::alerts:reminders:skill:readwrite``). It is asked for by voice: the skill
sends a ``Connections.SendRequest`` directive named ``AskFor``, Alexa asks the
question in its own words, and the answer comes back later as a
``Connections.Response`` request carrying the same token.

There is no reliable sign in a request that a device can do this, and none is
needed: on a device that cannot, Alexa sends a permission card to the Alexa app
itself and says so in the answer (``isCardThrown``). So voice consent is always
tried, and the skill adds :func:`consent_card` only when the answer is not
"accepted" and Alexa sent no card (:attr:`ConsentOutcome.needs_card`), so that
nobody gets the same card twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, Literal

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import PermissionStatus, Request
from ask_sdk_model.interfaces.connections import ConnectionsResponse, SendRequestDirective
from ask_sdk_model.ui import AskForPermissionsConsentCard

log = logging.getLogger("closer.reminders")

PERMISSION_SCOPE: Final = "alexa::alerts:reminders:skill:readwrite"
"""The one permission the skill asks for; it must also be listed in the skill manifest."""

ASK_FOR: Final = "AskFor"
"""The name of the consent request, and of the Connections.Response that answers it."""

Answer = Literal["accepted", "denied", "not_answered"]

_ANSWERS: Final[dict[str, Answer]] = {
    "ACCEPTED": "accepted",
    "DENIED": "denied",
    "NOT_ANSWERED": "not_answered",
}


@dataclass(frozen=True)
class ConsentOutcome:
    """How the person answered Alexa's permission question.

    ``token`` is the one given to :func:`consent_request`, so the conversation can
    pick up what it was doing (which reminder, at what time). ``card_sent`` is true
    when Alexa has already put a permission card in the Alexa app.
    """

    answer: Answer
    card_sent: bool = False
    token: str | None = None

    @property
    def needs_card(self) -> bool:
        """Tell whether the skill should send :func:`consent_card` with its answer."""
        return self.answer != "accepted" and not self.card_sent


def needs_permission(handler_input: HandlerInput) -> bool:
    """Tell whether to ask for the permission before creating a reminder.

    Read from ``context.System.user.permissions``: the scope's own status when Alexa
    sends one, otherwise whether there is a consent token at all (Alexa sends one
    once any permission is granted, and this skill asks for only this one). It is a
    hint for what to say first: the Reminders API's 401 or 403 stays the final word.
    """
    context = handler_input.request_envelope.context
    system = context.system if context is not None else None
    user = system.user if system is not None else None
    permissions = user.permissions if user is not None else None
    if permissions is None:
        return True
    scope = (permissions.scopes or {}).get(PERMISSION_SCOPE)
    if scope is not None and scope.status is not None:
        return bool(scope.status != PermissionStatus.GRANTED)
    return not permissions.consent_token


def consent_request(token: str) -> SendRequestDirective:
    """Build the directive that has Alexa ask for the reminders permission by voice.

    ``token`` comes back unchanged in the answer; keep it short and free of anything
    personal (it is not the place for what the person said). The response that
    carries the directive should have no reprompt: Alexa asks the question itself.
    """
    return SendRequestDirective(
        name=ASK_FOR,
        payload={
            "@type": "AskForPermissionsConsentRequest",
            "@version": "1",
            "permissionScope": PERMISSION_SCOPE,
        },
        token=token,
    )


def consent_card() -> AskForPermissionsConsentCard:
    """Build the Alexa app card that lets the person grant the permission there."""
    return AskForPermissionsConsentCard(permissions=[PERMISSION_SCOPE])


def consent_outcome(request: Request | None) -> ConsentOutcome | None:
    """Read the answer to :func:`consent_request`; None for any other request.

    An answer Alexa could not get (an error status, say because the skill manifest
    does not list the permission) or an unknown status reads as "not_answered":
    nothing was granted, and the card is the way left to ask.
    """
    if not isinstance(request, ConnectionsResponse) or request.name != ASK_FOR:
        return None
    payload = request.payload if isinstance(request.payload, dict) else {}
    scope = payload.get("permissionScope")
    if scope is not None and scope != PERMISSION_SCOPE:
        return None  # an answer about another permission: not ours to read
    token = request.token if isinstance(request.token, str) else None
    code = request.status.code if request.status is not None else None
    if code is not None and code != "200":
        # Only a three-digit code is logged: no request field is quoted as sent.
        shown = code if isinstance(code, str) and code.isdigit() and len(code) == 3 else "other"
        log.warning("reminders consent: Alexa answered with status %s", shown)
        return ConsentOutcome("not_answered", token=token)
    status = payload.get("status")
    answer = _ANSWERS.get(status, "not_answered") if isinstance(status, str) else "not_answered"
    return ConsentOutcome(answer, card_sent=payload.get("isCardThrown") is True, token=token)
