"""Rehearse a conversation without Alexa: typed words in, the skill's real answers out.

Shared by ``closer rehearse`` (the terminal) and the /rehearse page. Each turn goes
the way a real one does: the local resolver (:mod:`skill.nlu`) understands the
words with the locale's generated interaction model, :mod:`skill.envelopes` builds the
request envelope Alexa would send (locale, session id, session attributes carried from
the previous answer), and :func:`skill.dispatch.handle_envelope` runs it through the
same skill object and dispatch path as POST /alexa. Nothing here decides what the
skill says; this module only carries the session from turn to turn and reads the
answer back out of Alexa's response JSON.

The session lives in a :class:`Session` value that the caller keeps (the web page
keeps it client-side and sends it back), so nothing a person types is stored here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ask_sdk_core.skill import CustomSkill

from skill import envelopes
from skill.dispatch import handle_envelope
from skill.nlu import LAUNCH_REQUEST, HeardSlot, Resolution, declared_slots, resolve
from skill.state import Card
from speech.segments import plain_text

SESSION_PREFIX = "amzn1.echo-api.session."
_SESSION_ID = re.compile(r"amzn1\.echo-api\.session\.[A-Za-z0-9-]{1,64}")

Resolver = Callable[[str, str], Resolution]


@dataclass(frozen=True)
class Session:
    """What Alexa keeps between turns: the session id, its attributes, whether it is open."""

    id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    open: bool = False

    @classmethod
    def new(cls) -> Session:
        """Start a fresh session, with an id shaped like Alexa's."""
        return cls(id=f"{SESSION_PREFIX}{uuid.uuid4()}", attributes={}, open=True)

    @classmethod
    def from_json(cls, data: Any) -> Session:
        """Read a session sent back by a client; raise ValueError if it is not one of ours.

        The attributes are passed on as they are: the skill itself ignores anything
        unknown or out of range in them (:meth:`skill.state.State.from_attributes`).
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("session must be an object")
        session_id = data.get("id", "")
        attributes = data.get("attributes")
        attributes = {} if attributes is None else attributes
        is_open = data.get("open", False)
        if not isinstance(session_id, str) or (
            session_id and not _SESSION_ID.fullmatch(session_id)
        ):
            raise ValueError("session.id is not a session id")
        if not isinstance(attributes, dict):
            raise ValueError("session.attributes must be an object")
        if not isinstance(is_open, bool):
            raise ValueError("session.open must be true or false")
        return cls(id=session_id, attributes=attributes, open=is_open and bool(session_id))

    def to_json(self) -> dict[str, Any]:
        """Write the session as plain JSON, for a client to keep and send back."""
        return {"id": self.id, "attributes": self.attributes, "open": self.open}


@dataclass(frozen=True)
class TurnResult:
    """One turn: what was heard and understood, and what Alexa would say and show."""

    heard: str | None
    """The typed words (None for a launch by button or at the start)."""
    request_type: str
    intent: str | None
    slots: dict[str, HeardSlot]
    confidence: float | None
    """How sure the resolver was (None for a launch)."""
    text: str
    """What Alexa would say, as plain text."""
    ssml: str
    reprompt: str | None
    """What Alexa would say after some silence, as plain text."""
    card: Card | None
    ended: bool
    session: Session
    """The session after this turn, to pass to the next one."""
    sample: str | None = None
    """The sample or phrase the resolver matched best (for content authors)."""
    request: dict[str, Any] = field(default_factory=dict, repr=False)
    """The request envelope sent, exactly as Alexa would send it."""
    response: dict[str, Any] = field(default_factory=dict, repr=False)
    """The skill's full response envelope, exactly as POST /alexa would return it."""

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready form (the /rehearse page's turn result)."""
        return {
            "heard": self.heard,
            "requestType": self.request_type,
            "intent": self.intent,
            "slots": {n: {"spoken": s.spoken, "id": s.id} for n, s in self.slots.items()},
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "sample": self.sample,
            "text": self.text,
            "ssml": self.ssml,
            "reprompt": self.reprompt,
            "card": None
            if self.card is None
            else {"title": self.card.title, "text": self.card.text},
            "ended": self.ended,
            "session": self.session.to_json(),
        }


def request_for(
    resolution: Resolution,
    *,
    locale: str,
    attributes: dict[str, Any] | None = None,
    new_session: bool = True,
    session_id: str = "amzn1.echo-api.session.local",
    user_id: str = envelopes.LOCAL_USER_ID,
) -> dict[str, Any]:
    """Build the request Alexa would send for what the resolver understood.

    "Open closer together" alone is a LaunchRequest. An intent request carries every
    slot its intent declares, empty ones too (as Alexa sends them), with the words
    heard and, where they matched a value, its id under entity resolution.
    """
    if resolution.intent == LAUNCH_REQUEST:
        return envelopes.launch_request(locale=locale, session_id=session_id, user_id=user_id)
    slots: dict[str, str | None] = dict.fromkeys(declared_slots(resolution.intent, locale))
    slots.update({name: value.spoken for name, value in resolution.slots.items()})
    resolved = {name: value.id for name, value in resolution.slots.items() if value.id}
    return envelopes.intent_request(
        resolution.intent,
        slots or None,
        resolved=resolved or None,
        attributes=attributes,
        new_session=new_session,
        session_id=session_id,
        locale=locale,
        user_id=user_id,
    )


def rehearsal_user_id(name: str) -> str:
    """Return the Alexa user id that stands for rehearsal user ``name`` (their own record)."""
    return f"{REHEARSAL_USER_PREFIX}{name}"


REHEARSAL_USER_PREFIX = "amzn1.ask.account.rehearsal."


class Rehearsal:
    """A conversation with the skill, one turn at a time, as Alexa would hold it."""

    def __init__(
        self,
        skill: CustomSkill,
        *,
        locale: str = "en-US",
        session: Session | None = None,
        resolver: Resolver = resolve,
        user: str | None = None,
    ) -> None:
        """``user`` names a rehearsal user whose record the skill's store keeps."""
        self.skill = skill
        self.locale = locale
        self.session = session or Session()
        self.resolver = resolver
        self.user_id = rehearsal_user_id(user) if user else envelopes.LOCAL_USER_ID

    def start(self) -> TurnResult:
        """Open the skill, as "Alexa, open closer together" does: a LaunchRequest."""
        self.session = Session.new()
        request = envelopes.launch_request(
            session_id=self.session.id, locale=self.locale, user_id=self.user_id
        )
        return self._run(request, heard=None, resolution=None)

    def say(self, words: str) -> TurnResult:
        """Say one thing: resolve it, send it in the current session, read the answer.

        After the session has ended (or before one started) the words open a new
        session, as "Alexa, ask closer together ..." would.
        """
        resolution = self.resolver(words, self.locale)
        if resolution.intent == LAUNCH_REQUEST:
            result = self.start()
            return replace(result, heard=words)
        new_session = not self.session.open
        if new_session:
            self.session = Session.new()
        request = request_for(
            resolution,
            locale=self.locale,
            attributes=self.session.attributes,
            new_session=new_session,
            session_id=self.session.id,
            user_id=self.user_id,
        )
        return self._run(request, heard=words, resolution=resolution)

    def _run(
        self, request: dict[str, Any], *, heard: str | None, resolution: Resolution | None
    ) -> TurnResult:
        """Dispatch the envelope exactly as POST /alexa does and read Alexa's answer."""
        envelope = handle_envelope(self.skill, request)
        response = envelope.get("response") or {}
        ended = response.get("shouldEndSession") is True
        self.session = Session(
            id=self.session.id,
            attributes={} if ended else dict(envelope.get("sessionAttributes") or {}),
            open=not ended,
        )
        ssml = str((response.get("outputSpeech") or {}).get("ssml") or "")
        reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        card = response.get("card")
        return TurnResult(
            heard=heard,
            request_type=str(request["request"]["type"]),
            intent=resolution.intent if resolution else None,
            slots=dict(resolution.slots) if resolution else {},
            confidence=resolution.confidence if resolution else None,
            sample=resolution.sample if resolution else None,
            text=plain_text(ssml),
            ssml=ssml,
            reprompt=plain_text(reprompt) if reprompt else None,
            card=Card(str(card.get("title", "")), str(card.get("content", "")))
            if isinstance(card, dict)
            else None,
            ended=ended,
            session=self.session,
            request=request,
            response=envelope,
        )
