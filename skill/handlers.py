"""The ASK SDK side of the skill: handlers that translate between Alexa and the conversation.

Handlers hold no wording and no conversation logic; they read the request and the
session attributes, call :func:`skill.conversation.respond` (or ``launch``), and
turn the :class:`~skill.state.Reply` into Alexa's response.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
)
from ask_sdk_core.exceptions import AttributesManagerException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

from intents import Catalogue, Content
from intents.loader import FALLBACK_INTENT
from intents.samples import normalise_sample
from skill import conversation, screens
from skill.memory import StoreError
from skill.progress import remember
from skill.reminders import ReminderClient, ReminderError
from skill.state import Memory, Reply, State, Turn
from speech.ssml import Voice, to_ssml

log = logging.getLogger("closer.skill")


REMEMBERED_REPLIES = 4096
"""How many answers an intent handler keeps before it starts afresh (see ``respond``)."""


class ReplyHandler(AbstractRequestHandler):
    """Base for handlers that answer with a conversation reply, in the request's locale."""

    def __init__(self, catalogue: Catalogue, voice: Voice, *, keeps_memory: bool = False) -> None:
        self.catalogue = catalogue
        self.voice = voice
        self.keeps_memory = keeps_memory
        """Whether the skill has a store: then each turn reads and updates the record."""
        self.remembered: dict[tuple[Any, ...], Reply] = {}

    def content(self, handler_input: HandlerInput) -> Content:
        """Pick the content for the device's locale (en-US for a locale not served)."""
        return self.catalogue.for_locale(
            getattr(handler_input.request_envelope.request, "locale", None)
        )

    def state(self, handler_input: HandlerInput, content: Content) -> State:
        """Read the person's place from the session, and their record if one is kept.

        A request can come without a session (the SDK then refuses to read session
        attributes): it starts from nowhere.
        """
        memory = read_memory(handler_input, content) if self.keeps_memory else None
        if handler_input.request_envelope.session is None:
            return State(memory=memory)
        attributes = handler_input.attributes_manager.session_attributes
        return replace(State.from_attributes(attributes, content), memory=memory)

    def respond(self, content: Content, state: State, turn: Turn) -> Reply:
        """Answer the turn, as :func:`skill.conversation.respond` does, remembering answers.

        A reply is a pure function of the content, the state and the turn once the
        night is known (only a turn without one falls back on today's date), and a
        conversation has few places to be: most turns repeat one seen before. The
        content is one of this handler's catalogue, which outlives the cache, so
        its identity can stand for it in the key. Bounded: when full, it starts over.
        """
        if turn.night is None:
            return conversation.respond(content, state, turn)
        key = (id(content), state, turn.intent, tuple(turn.slots.items()), turn.night)
        reply = self.remembered.get(key)
        if reply is None:
            reply = conversation.respond(content, state, turn)
            if len(self.remembered) >= REMEMBERED_REPLIES:
                self.remembered.clear()
            self.remembered[key] = reply
        return reply

    def build(
        self, handler_input: HandlerInput, reply: Reply, kept: Memory | None = None
    ) -> Response:
        """Turn a reply into Alexa's response; keep the new state in the session, if any.

        ``kept`` is the record as it should now be stored (None: leave it as it is).
        """
        if reply.forget:
            forget_memory(handler_input, self.catalogue)
        elif kept is not None:
            write_memory(handler_input, kept)
        if handler_input.request_envelope.session is not None:
            handler_input.attributes_manager.session_attributes = (
                {} if reply.end_session else reply.state.to_attributes()
            )
        return render(handler_input.response_builder, reply, self.voice, self.screen(handler_input))

    def screen(self, handler_input: HandlerInput) -> Content | None:
        """Return the content to draw a screen from, or None when the device has no screen."""
        return screen_content(handler_input, self.catalogue)


class LaunchHandler(ReplyHandler):
    """Answer "Alexa, open closer together": welcome and offer starting points."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        content = self.content(handler_input)
        return self.build(
            handler_input, conversation.launch(content, self.state(handler_input, content))
        )


class IntentHandler(ReplyHandler):
    """Every intent, custom or built-in: one content-driven path through the conversation."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        assert isinstance(request, IntentRequest)
        content = self.content(handler_input)
        # An intent request without an intent name is malformed: not understood.
        name = request.intent.name if request.intent and request.intent.name else None
        turn = Turn(
            intent=name or FALLBACK_INTENT,
            slots=resolve_slots(request, content) if name else {},
            night=request.timestamp.date() if request.timestamp else None,
        )
        state = self.state(handler_input, content)
        reply = self.respond(content, state, turn)
        kept = None
        if state.memory is not None:
            updated = remember(state.memory, content, turn, reply)
            kept = updated if updated != state.memory else None
        return self.build(handler_input, reply, kept)


class SessionEndedHandler(AbstractRequestHandler):
    """Alexa closed the session (silence, "exit", an error): nothing may be spoken back."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(request, "reason", None)
        log.info("session ended: %s", getattr(reason, "value", reason))
        return handler_input.response_builder.response


class SkillDisabledHandler(AbstractRequestHandler):
    """The person disabled the skill: delete everything kept about them (no answer is spoken)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("AlexaSkillEvent.SkillDisabled")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        forget_memory(handler_input)
        return handler_input.response_builder.response


class OtherRequestHandler(AbstractRequestHandler):
    """Any other request type (events, playback, etc.): a valid empty response."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class ApologyHandler(AbstractExceptionHandler):
    """Catch everything a handler raises: apologise and offer help, never an error to Alexa."""

    def __init__(self, catalogue: Catalogue, voice: Voice) -> None:
        self.catalogue = catalogue
        self.voice = voice

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The exception type and place only: the request may hold what the person said.
        log.error("handler failed: %s", type(exception).__name__, exc_info=exception)
        content = self.catalogue.for_locale(
            getattr(handler_input.request_envelope.request, "locale", None)
        )
        return render(
            handler_input.response_builder,
            conversation.apology(content),
            self.voice,
            screen_content(handler_input, self.catalogue),
        )


class RequestLogger(AbstractRequestInterceptor):
    """Log what kind of request arrived: its type and locale, and nothing else.

    No intent name either: the line for someone asking for help in a crisis must look
    exactly like every other line, and naming every intent but those would single
    them out by their absence. Nothing is logged as the sender wrote it: the type is
    the SDK's name for the model class, and a locale the skill does not serve is
    logged as "other", so no request can forge a log line or fill the log.
    """

    def __init__(self, locales: tuple[str, ...]) -> None:
        self.locales = frozenset(locales)

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        kind = (request.object_type if request is not None else None) or "-"
        locale = getattr(request, "locale", None)
        log_request(kind, locale if locale in self.locales else "other")


def log_request(kind: str, locale: str) -> None:
    """Write the one line every request gets (``kind`` and ``locale`` already vetted)."""
    log.info("request %s %s", kind, locale)


def read_memory(handler_input: HandlerInput, content: Content) -> Memory | None:
    """Read the person's record; None when there is no user or the store failed.

    A store that fails must not silence the skill: the turn is answered as if
    nothing were kept, and one log line says so (never who, never what).
    """
    if _user_id(handler_input) is None:
        return None
    try:
        return Memory.from_attributes(
            handler_input.attributes_manager.persistent_attributes, content
        )
    except StoreError as error:
        log.warning("memory not read: %s", error)
        return None


def write_memory(handler_input: HandlerInput, memory: Memory) -> None:
    """Store the record as it now is (one write); a failing store is logged, not raised."""
    try:
        handler_input.attributes_manager.persistent_attributes = memory.to_attributes()
        handler_input.attributes_manager.save_persistent_attributes()
    except StoreError as error:
        log.warning("memory not written: %s", error)


def forget_memory(handler_input: HandlerInput, catalogue: Catalogue | None = None) -> None:
    """Delete the person's record (and cancel their reminder), if the skill keeps one.

    The reminder is cancelled first, while its token is still known; if Alexa's
    reminders cannot be reached the record is deleted all the same (the person can
    remove the reminder in the Alexa app, and asked for everything to be forgotten).
    ``catalogue`` reads the record to find the reminder; without it only the record goes.
    """
    if _user_id(handler_input) is None:
        return
    if catalogue is not None:
        _cancel_reminder(handler_input, catalogue)
    try:
        handler_input.attributes_manager.delete_persistent_attributes()
    except AttributesManagerException:
        return  # no store configured: there is nothing kept to delete
    except StoreError as error:
        log.warning("memory not deleted: %s", error)


def _cancel_reminder(handler_input: HandlerInput, catalogue: Catalogue) -> None:
    content = catalogue.for_locale(getattr(handler_input.request_envelope.request, "locale", None))
    try:
        memory = read_memory(handler_input, content)
    except AttributesManagerException:
        return
    token = memory.reminder.token if memory and memory.reminder else None
    if token is None:
        return
    try:
        ReminderClient.from_handler_input(handler_input).cancel(token)
    except ReminderError as error:
        log.warning("reminder not cancelled before forgetting: %s", error.kind)


def _user_id(handler_input: HandlerInput) -> str | None:
    system = getattr(handler_input.request_envelope.context, "system", None)
    user = getattr(system, "user", None)
    user_id = getattr(user, "user_id", None)
    return user_id if isinstance(user_id, str) and user_id else None


def render(
    builder: ResponseFactory, reply: Reply, voice: Voice, screen: Content | None = None
) -> Response:
    """Write a reply into an SDK response: SSML speech, reprompt, card, screen, session end.

    ``screen`` is the content to draw the screen from, given only when the device
    has one (:func:`screen_content`); then the reply is also shown, in APL.
    """
    builder.speak(to_ssml(reply.speech, voice))
    if reply.reprompt and not reply.end_session:
        builder.ask(to_ssml(reply.reprompt, voice))
    if reply.card is not None:
        builder.set_card(SimpleCard(title=reply.card.title, content=reply.card.text))
    if screen is not None:
        _show(builder, screen, reply)
    builder.set_should_end_session(reply.end_session)
    return builder.response


def screen_content(handler_input: HandlerInput, catalogue: Catalogue) -> Content | None:
    """Return the request's content when its device shows APL; None for a device without."""
    request = handler_input.request_envelope
    if not screens.has_screen(request):
        return None
    return catalogue.for_locale(getattr(request.request, "locale", None))


def _show(builder: ResponseFactory, content: Content, reply: Reply) -> None:
    """Add the screen to a response; a screen that cannot be drawn never costs the answer.

    The failure is logged at ERROR (the exception's type only, as for any crash), so
    tests see it; ``closer lint`` also finds every screen response without one.
    """
    try:
        directive = screens.render_document(content, reply)
    except Exception as error:
        log.error("screen not drawn: %s", type(error).__name__, exc_info=error)
        return
    builder.add_directive(directive)


def resolve_slots(request: IntentRequest, content: Content) -> dict[str, str | None]:
    """Map each slot to its value id, as Alexa's entity resolution matched it.

    Alexa sends the id under ``resolutions`` when the spoken value matched a value
    or synonym; a client without entity resolution (a simulator) sends only the
    spoken text, which is matched against the same values and synonyms here.
    """
    resolved: dict[str, str | None] = {}
    if request.intent is None or not request.intent.name:
        return resolved
    intent_spec = content.intents.get(request.intent.name)
    for name, slot in (request.intent.slots or {}).items():
        resolved[name] = _resolved_id(slot)
        if resolved[name] is None and slot.value and intent_spec and name in intent_spec.slots:
            resolved[name] = _match_value(content, intent_spec.slots[name], slot.value)
    return resolved


def _resolved_id(slot: Any) -> str | None:
    """Return the first successfully matched value id from entity resolution."""
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        if (
            authority.status
            and authority.status.code == StatusCode.ER_SUCCESS_MATCH
            and authority.values
        ):
            return str(authority.values[0].value.id)
    return None


def _match_value(content: Content, slot_type: str, spoken: str) -> str | None:
    """Find the value whose name or synonym is exactly what was spoken (case-insensitive)."""
    wanted = normalise_sample(spoken)
    for value in content.slot_types.get(slot_type, ()):
        if wanted in {normalise_sample(v) for v in (value.value, *value.synonyms)}:
            return value.id
    return None
