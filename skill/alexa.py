"""Build the ASK SDK skill object: one per process, shared by Alexa and local rehearsal."""

from __future__ import annotations

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from intents import Catalogue, Content
from skill.handlers import (
    ApologyHandler,
    IntentHandler,
    LaunchHandler,
    OtherRequestHandler,
    RequestLogger,
    SessionEndedHandler,
    SkillDisabledHandler,
)
from skill.reminding import ReminderHandler
from speech.ssml import Voice


def voice_of(content: Content) -> Voice:
    """Read the pacing settings from skill.yaml."""
    settings = content.skill.get("voice", {})
    assert isinstance(settings, dict)
    return Voice(
        rate=str(settings.get("rate", "95%")),
        sentence_pause_ms=int(settings.get("sentence_pause", 400)),
    )


def build_skill(
    catalogue: Catalogue,
    *,
    catch_all: bool = True,
    store: AbstractPersistenceAdapter | None = None,
) -> CustomSkill:
    """Assemble the handlers in dispatch order; the catch-all comes last.

    Each request is answered in its locale's content. ``store`` keeps each person's
    record between sessions (:mod:`skill.memory`); without one, the skill keeps a
    person's place only in session attributes, which end with the session.

    ``catch_all`` adds the handler that answers any exception with a spoken apology:
    right for Alexa, who must never get an error, and wrong for authoring tools,
    which must see every crash (``closer lint`` builds the skill without it).
    """
    voice = voice_of(catalogue.default)
    builder = CustomSkillBuilder(persistence_adapter=store)  # type: ignore[arg-type]  # None is the SDK's own default
    keeps_memory = store is not None
    builder.add_global_request_interceptor(RequestLogger(catalogue.locales))
    builder.add_request_handler(LaunchHandler(catalogue, voice, keeps_memory=keeps_memory))
    builder.add_request_handler(ReminderHandler(catalogue, voice, keeps_memory=keeps_memory))
    builder.add_request_handler(IntentHandler(catalogue, voice, keeps_memory=keeps_memory))
    builder.add_request_handler(SessionEndedHandler())
    builder.add_request_handler(SkillDisabledHandler())
    builder.add_request_handler(OtherRequestHandler())
    if catch_all:
        builder.add_exception_handler(ApologyHandler(catalogue, voice))
    return builder.create()
