"""A daily reminder of the evening reflection: set, changed, cancelled, and the permission.

Unlike the rest of the conversation, these turns act on the world (Alexa's Reminders
API, :mod:`skill.reminders`), so they are answered here, at the handler level: the
API's outcome decides what is said, and only a success changes the person's record.

- "remind me every evening at nine": with the permission, the reminder is created
  (or, if there is one, changed) and its token kept in the record; without it, the
  time is kept as pending and Alexa asks for the permission by voice.
- Alexa's answer to that question (a ``Connections.Response``): accepted creates the
  pending reminder; denied or not answered says so (and sends the consent card when
  Alexa has not).
- "cancel my reminder": deletes it and forgets its token.

Reminders need a store (to change or cancel one later); without one, the skill
says it cannot keep a reminder. Every API failure is a short spoken explanation and
leaves the record as it was.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import time

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response

from intents import Content
from intents.loader import CANCEL_REMINDER_INTENT, REMINDER_INTENTS
from skill.handlers import ReplyHandler, write_memory
from skill.reminders import (
    Failure,
    ReminderClient,
    ReminderError,
    consent_card,
    consent_outcome,
    consent_request,
    needs_permission,
)
from skill.state import Memory, Reminder, Reply, State

log = logging.getLogger("closer.skill")

TIME_SLOT = "time"
CONSENT_TOKEN = "closer-together-reminder"
"""Sent with the permission question and returned with the answer; nothing personal."""
_ALEXA_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9])?")

_FAILURE_TEXT = {
    Failure.NO_PERMISSION: "permission_card",
    Failure.THROTTLED: "throttled",
    Failure.UNAVAILABLE: "unavailable",
    Failure.INVALID: "invalid",
}


def evening_time(value: str | None) -> time | None:
    """Read Alexa's AMAZON.TIME value as an evening time; None when there is no clock time.

    Alexa sends ``HH:MM`` (``21:00`` for "nine p.m.", ``09:00`` for a plain "nine"),
    or ``EV``, ``NI`` and the like for a part of the day. The reminder is for the
    evening reflection, so an hour before noon is taken as the evening's.
    """
    match = _ALEXA_TIME.fullmatch(value or "")
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if 1 <= hour < 12:
        hour += 12
    return time(hour, minute)


def spoken_time(at: time) -> str:
    """Write a time as Alexa reads it well: "9 PM", "8:30 PM"."""
    hour = at.hour % 12 or 12
    suffix = "AM" if at.hour < 12 else "PM"
    return f"{hour} {suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d} {suffix}"


class ReminderHandler(ReplyHandler):
    """Set, change or cancel the daily reminder, and take Alexa's answer on the permission."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if isinstance(request, IntentRequest):
            return bool(request.intent and request.intent.name in REMINDER_INTENTS)
        return is_request_type("Connections.Response")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        content = self.content(handler_input)
        state = self.state(handler_input, content)
        request = handler_input.request_envelope.request
        memory = state.memory
        if isinstance(request, IntentRequest) and request.intent is not None:
            if memory is None:
                return self.say(handler_input, content, _text(content, "needs_memory"), state)
            if request.intent.name == CANCEL_REMINDER_INTENT:
                return self.cancel(handler_input, content, state, memory)
            slot = (request.intent.slots or {}).get(TIME_SLOT)
            at = evening_time(slot.value if slot else None)
            if at is None:
                return self.build(handler_input, _ask_time(content, state))
            return self.set(handler_input, content, state, memory, at)
        return self.permission_answered(handler_input, content, state, memory)

    def set(
        self, handler_input: HandlerInput, content: Content, state: State, memory: Memory, at: time
    ) -> Response:
        """Create the reminder, or change the one there is; ask for the permission first."""
        known = memory.reminder.token if memory.reminder else None
        if needs_permission(handler_input):
            pending = replace(memory, reminder=Reminder(at=at, token=known))
            handler_input.response_builder.add_directive(consent_request(CONSENT_TOKEN))
            handler_input.response_builder.set_should_end_session(True)
            write_memory(handler_input, pending)
            return handler_input.response_builder.response
        client = ReminderClient.from_handler_input(handler_input)
        text, locale = content.text("reminders", "spoken"), content.locale
        try:
            token = (
                client.change_daily(known, at, locale, text)
                if known
                else client.create_daily(at, locale, text)
            )
        except ReminderError as error:
            return self.failed(handler_input, content, state, error)
        write_memory(handler_input, replace(memory, reminder=Reminder(at=at, token=token)))
        said = _text(content, "changed" if known else "set").format(time=spoken_time(at))
        return self.say(handler_input, content, said, state)

    def cancel(
        self, handler_input: HandlerInput, content: Content, state: State, memory: Memory
    ) -> Response:
        token = memory.reminder.token if memory.reminder else None
        if token is None:
            return self.say(handler_input, content, _text(content, "none_to_cancel"), state)
        try:
            ReminderClient.from_handler_input(handler_input).cancel(token)
        except ReminderError as error:
            return self.failed(handler_input, content, state, error)
        write_memory(handler_input, replace(memory, reminder=None))
        return self.say(handler_input, content, _text(content, "cancelled"), state)

    def permission_answered(
        self, handler_input: HandlerInput, content: Content, state: State, memory: Memory | None
    ) -> Response:
        """Alexa asked for the permission and says how it went: go on, or say why not."""
        outcome = consent_outcome(handler_input.request_envelope.request)
        if outcome is None:  # some other Connections.Response: nothing of ours
            return handler_input.response_builder.response
        pending = memory.reminder if memory else None
        if outcome.answer == "accepted":
            if memory is None or pending is None:
                return self.say(handler_input, content, _text(content, "permission_first"), state)
            return self.set(handler_input, content, state, memory, pending.at)
        if memory is not None and pending is not None and pending.token is None:
            write_memory(handler_input, replace(memory, reminder=None))
        if outcome.needs_card:
            handler_input.response_builder.set_card(consent_card())
        return self.say(handler_input, content, _text(content, "permission_denied"), state)

    def failed(
        self, handler_input: HandlerInput, content: Content, state: State, error: ReminderError
    ) -> Response:
        """Say briefly why it did not work; the record stays as it was."""
        if error.kind == Failure.NO_PERMISSION:
            handler_input.response_builder.set_card(consent_card())
        return self.say(handler_input, content, _text(content, _FAILURE_TEXT[error.kind]), state)

    def say(
        self, handler_input: HandlerInput, content: Content, said: str, state: State
    ) -> Response:
        """Say ``said``, then ask what next; the place in the session is left as it was."""
        reply = Reply(
            speech=(said, _text(content, "ask")),
            reprompt=(content.text("help", "reprompt"),),
            state=State(memory=state.memory),
        )
        return self.build(handler_input, reply)


def _text(content: Content, key: str) -> str:
    return content.text("reminders", key)


def _ask_time(content: Content, state: State) -> Reply:
    return Reply(
        speech=(content.text("reminders", "ask_time"),),
        reprompt=(content.text("reminders", "ask_time_reprompt"),),
        state=State(memory=state.memory),
    )
