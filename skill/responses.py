"""Every response the skill can give: one request per reachable state, intent and locale.

``closer lint`` checks them all against Alexa's limits and ``closer preview --all``
renders them all as audio; both walk the same list, built here from the content so
that new topics, parts and locales are covered without anyone listing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from intents import Catalogue, Content
from intents.loader import SAFETY_INTENTS, TIP_INTENT
from skill import envelopes
from skill.conversation import AWAIT_SAFETY, BUILTIN_INTENTS, State

_AWAITS = ("more", "next", "offer", "closing", AWAIT_SAFETY, None)


def every_request(catalogue: Catalogue) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(label, request envelope)`` for every locale, state and intent."""
    for locale in catalogue.locales:
        for label, request in _requests(catalogue.for_locale(locale), locale):
            yield f"{locale} {label}", request


def _requests(content: Content, locale: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state the skill can be in, crossed with every intent, in one locale."""
    yield "launch", envelopes.launch_request(locale=locale)
    states = [State()] + [
        State(topic=name, index=index, more=more)
        for name, topic in content.topics.items()
        for index in range(len(topic.parts))
        for more in (False, True)
    ]
    intents = [*content.topics, *SAFETY_INTENTS, *BUILTIN_INTENTS]
    for state in states:
        where = "no topic"
        if state.topic:
            where = f"{state.topic} part {state.index + 1}{' more' if state.more else ''}"
        for awaiting in _AWAITS:
            attributes = {**state.to_attributes(), "awaiting": awaiting}
            if state.topic is None:
                attributes = {"awaiting": awaiting} if awaiting == AWAIT_SAFETY else {}
            answers = intents if awaiting is None else ("AMAZON.YesIntent", "AMAZON.NoIntent")
            for intent in answers:
                request = envelopes.intent_request(intent, attributes=attributes, locale=locale)
                yield f"{where}, awaiting {awaiting}, {intent}", request
    for value in content.slot_types.get("TIP", ()):
        request = envelopes.intent_request(
            TIP_INTENT, {"tip": value.value}, resolved={"tip": value.id}, locale=locale
        )
        yield f"{TIP_INTENT} {value.id}", request
    yield (
        f"{TIP_INTENT} unknown",
        envelopes.intent_request(TIP_INTENT, {"tip": "juggling"}, locale=locale),
    )
