"""Every response the skill can give: one request per reachable state, intent and locale.

``closer lint`` checks them all against Alexa's limits, ``closer preview --all``
renders them all as audio, and the render benchmark times them; all walk the same
list, built here from the content so that new topics, parts and locales are covered
without anyone listing them (:func:`every_request`, and :func:`every_response` to run
them through the skill).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from ask_sdk_core.skill import CustomSkill

from intents import Catalogue, Content
from intents.loader import REFLECTION_INTENT, SAFETY_INTENTS, TIP_INTENT
from skill import envelopes
from skill.alexa import build_skill
from skill.conversation import BUILTIN_INTENTS
from skill.dispatch import handle_envelope
from skill.state import SAFETY_AWAITS, Awaiting, State

FIRST_NIGHT = date(2026, 1, 5)
"""Any date will do: eight nights from it give every reflection once."""


def every_request(catalogue: Catalogue) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(label, request envelope)`` for every locale, state and intent."""
    for locale in catalogue.locales:
        for label, request in _requests(catalogue.for_locale(locale), locale):
            yield f"{locale} {label}", request


def every_response(
    catalogue: Catalogue, skill: CustomSkill | None = None
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Yield ``(label, request, response envelope)`` for every request, through the real skill.

    ``skill`` defaults to the production skill built from ``catalogue``. Pass one built
    with ``catch_all=False`` to let an exception escape instead of becoming an apology.
    """
    yield from responses_to(
        every_request(catalogue), skill if skill is not None else build_skill(catalogue)
    )


def responses_to(
    requests: Iterable[tuple[str, dict[str, Any]]], skill: CustomSkill
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Run labelled requests through ``skill``; yield ``(label, request, response envelope)``.

    An exception escapes with a note naming the request that caused it.
    """
    for label, request in requests:
        try:
            response = handle_envelope(skill, request)
        except Exception as error:
            error.add_note(f"while answering: {label}")
            raise
        yield label, request, response


def distinct_speeches(
    responses: Iterable[tuple[str, dict[str, Any], dict[str, Any]]], *, reprompts: bool
) -> dict[tuple[str, str], list[str]]:
    """Map each distinct ``(locale, SSML)`` spoken (and reprompted) to the labels that say it.

    In the order first heard; what previews render and benchmarks time.
    """
    found: dict[tuple[str, str], list[str]] = {}
    for label, request, response in responses:
        locale = request["request"]["locale"]
        body = response.get("response", {})
        speeches = [(label, body.get("outputSpeech"))]
        if reprompts:
            speeches.append(
                (f"{label} (reprompt)", (body.get("reprompt") or {}).get("outputSpeech"))
            )
        for name, speech in speeches:
            if speech and speech.get("ssml"):
                found.setdefault((locale, speech["ssml"]), []).append(name)
    return found


def part_request(topic: str, index: int, locale: str) -> dict[str, Any]:
    """Build the request that says part ``index`` of ``topic`` and nothing else: "repeat".

    What a part sounds like, whatever led to it; previews name and order clips by it.
    """
    attributes = State(topic=topic, index=index).to_attributes()
    return envelopes.intent_request("AMAZON.RepeatIntent", attributes=attributes, locale=locale)


def reflection_request(night: date, locale: str) -> dict[str, Any]:
    """Build the request for the evening reflection on ``night`` (the night picks which)."""
    return envelopes.intent_request(
        REFLECTION_INTENT, locale=locale, timestamp=f"{night.isoformat()}T21:00:00Z"
    )


def every_night(content: Content) -> list[date]:
    """As many nights from :data:`FIRST_NIGHT` as there are reflections."""
    return [FIRST_NIGHT + timedelta(days=day) for day in range(len(content.reflections.nights))]


def _states(content: Content) -> Iterator[tuple[str, State]]:
    """Every state the skill can be in, with a label.

    Before anything; in each part (and there after help or a "no", when nothing is
    awaited); and after each kind of helpline answer.
    """
    yield "no topic", State()
    for name, topic in content.topics.items():
        for index in range(len(topic.parts)):
            where = f"{name} part {index + 1}"
            awaiting = Awaiting.OFFER if index == len(topic.parts) - 1 else Awaiting.NEXT
            yield where, State(topic=name, index=index, awaiting=awaiting)
            yield f"{where}, nothing awaited", State(topic=name, index=index)
    for intent, awaiting in SAFETY_AWAITS.items():
        yield f"after {intent}", State(awaiting=awaiting)


def _requests(content: Content, locale: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state crossed with every intent, every tip, and each night's reflection."""
    yield "launch", envelopes.launch_request(locale=locale)
    intents = [*content.topics, *SAFETY_INTENTS, *BUILTIN_INTENTS]
    for where, state in _states(content):
        attributes = state.to_attributes()
        for intent in intents:
            request = envelopes.intent_request(intent, attributes=attributes, locale=locale)
            yield f"{where}, {intent}", request
    for value in content.slot_types.get("TIP", ()):
        request = envelopes.intent_request(
            TIP_INTENT, {"tip": value.value}, resolved={"tip": value.id}, locale=locale
        )
        yield f"{TIP_INTENT} {value.id}", request
    yield (
        f"{TIP_INTENT} unknown",
        envelopes.intent_request(TIP_INTENT, {"tip": "juggling"}, locale=locale),
    )
    for night in every_night(content):
        yield f"{REFLECTION_INTENT} {night.isoformat()}", reflection_request(night, locale)
