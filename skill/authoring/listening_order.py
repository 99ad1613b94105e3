"""Every distinct answer as a clip to listen through: in conversation order, named plainly.

``closer preview`` renders what the skill can say; this module decides the order a
person hears it in and what each clip is called. A clip that says one part of a
topic is recognised by its words: it is exactly what "repeat" says in that part
(:func:`~skill.authoring.reachable.part_request`), so it is named from the content,
"When a partner pulls away · step 2 of 4: create a safe space", whatever request led
to it. Evening reflections are recognised the same way, night by night, and the
launch by the launch. Every other answer is named by the first request that gives it,
through :data:`ANSWERS`: where the person was and what they asked for.

The order: per locale, the opening, then each topic in the order of topics.yaml,
its parts in the order spoken, then the tips, the evening reflections, safety, help,
not understood, memory, and the endings. A reprompt comes straight after the first
clip it follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.skill import CustomSkill

from intents import Catalogue, Content
from intents.loader import (
    ABUSE_INTENT,
    CRISIS_INTENT,
    FALLBACK_INTENT,
    FORGET_INTENT,
    PROGRESS_INTENT,
    RESUME_INTENT,
    TIP_INTENT,
)
from skill import envelopes
from skill.authoring.reachable import every_night, part_request, reflection_request, responses_to
from skill.reflection import reflection_for
from skill.state import SAFETY_AWAITS, State

# The page's headings and the answers' names. These words are the authoring tool's,
# never said or shown by the skill: they name the states and intents that reachable.py
# walks, so they change with that code rather than with the content, and are kept
# here as plain strings beside it. Content words (topic and tip titles, the step
# numbering the skill speaks) come from the content.

SECTIONS: dict[str, str] = {
    "opening": "Opening",
    "topics": "",  # one heading per topic: its title, in the order of topics.yaml
    "tips": "Tips",
    "reflections": "Evening reflections",
    "safety": "Safety",
    "help": "Help",
    "fallback": "Not understood",
    "memory": "Memory between visits",
    "endings": "Endings",
    "other": "Other answers",
}
"""Section key to heading, in listening order."""

LAUNCH = "Welcome"
PART = "part {number} of {count}"
"""An unnumbered part of a topic (steps are named as the skill numbers them)."""
REFLECTION = "Evening reflection {number} of {count}: {title}"
REPROMPT = "{label} · reprompt"
UNNAMED = "Another answer"
"""For an answer :data:`ANSWERS` does not name yet (a test keeps this unused)."""

EVERY_OTHER_INTENT = "*"
"""In a row of :data:`ANSWERS`: any intent that no row for that place names."""

_REPEAT, _YES, _NO = "AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"
_STOP, _CANCEL, _HELP = "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.HelpIntent"
_MOVES = ("AMAZON.NextIntent", "AMAZON.MoreIntent", "AMAZON.PreviousIntent")
_SAFETY = ("crisis", "abuse")

ANSWERS: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...] = (
    # (where the person was, what they asked for, section, name), in listening order.
    # Where: "start" (no topic open), "topic" (inside one; {title} is its title and
    # {Title} the same with a capital), "crisis" or "abuse" (those numbers were the
    # last thing said).
    (("start",), (_REPEAT, _YES, _NO), "opening", "The opening question again"),
    (("start",), _MOVES, "opening", "Next, before any topic"),
    (("topic",), ("AMAZON.PreviousIntent",), "topics", "{Title} · previous, at the first part"),
    (("start",), (TIP_INTENT,), "tips", "A tip that was not understood"),
    (("start",), (CRISIS_INTENT,), "safety", "Crisis numbers"),
    (("crisis",), (_REPEAT, _YES), "safety", "Crisis numbers, said again"),
    (("start",), (ABUSE_INTENT,), "safety", "Abuse helpline numbers"),
    (("abuse",), (_REPEAT, _YES), "safety", "Abuse helpline numbers, said again"),
    (_SAFETY, (_STOP, _CANCEL, _NO), "safety", "After the numbers, a gentle close"),
    (_SAFETY, (EVERY_OTHER_INTENT,), "safety", "After the numbers, anything else"),
    (("start",), (_HELP,), "help", "Help"),
    (("topic",), (_HELP,), "help", "Help, inside a topic: {title}"),
    (("start",), (FALLBACK_INTENT,), "fallback", "Not understood"),
    (("topic",), (FALLBACK_INTENT,), "fallback", "Not understood, inside a topic: {title}"),
    (("start",), (RESUME_INTENT, PROGRESS_INTENT), "memory", "Go on, with nothing kept"),
    (("start",), (FORGET_INTENT,), "memory", "Forget me, with nothing kept"),
    (("start",), ("AMAZON.NavigateHomeIntent",), "endings", "Back to the start"),
    (("topic",), (_NO,), "endings", "No, to going on"),
    (("start",), (_STOP, _CANCEL), "endings", "Goodbye"),
)
"""Every answer that is not a part, a reflection or the launch: where, asked, and its name.

Asked for anywhere, a topic's part is named from the content; these rows are for
everything else. A row for a place and intent wins over that place's
:data:`EVERY_OTHER_INTENT` row.
"""


@dataclass(frozen=True)
class Named:
    """One distinct thing said in a locale: its place when listening through, and its name."""

    locale: str
    ssml: str
    heading: str
    """The section it is listed under: a topic's title, or one of :data:`SECTIONS`."""
    label: str
    order: tuple[int, ...]
    requests: tuple[str, ...]
    """The internal labels of every request that hears it, in the order they were asked."""


@dataclass(frozen=True)
class _Place:
    heading: str
    label: str
    order: tuple[int, ...]


_Heard = tuple[str, dict[str, Any], dict[str, Any]]


def in_listening_order(
    catalogue: Catalogue,
    skill: CustomSkill,
    responses: Iterable[_Heard],
    *,
    reprompts: bool,
) -> list[Named]:
    """Group ``responses`` by what is said, name each once, and put them in listening order.

    ``responses`` are ``(label, request, response envelope)`` as
    :func:`~skill.authoring.reachable.responses_to` yields them; ``skill`` answers the
    requests that show what each part and reflection sounds like.
    """
    said: dict[tuple[str, str], list[_Heard]] = {}
    prompted: dict[tuple[str, str], list[_Heard]] = {}
    for heard in responses:
        label, request, response = heard
        locale = request["request"]["locale"]
        body = response.get("response", {})
        speech = _ssml(body.get("outputSpeech"))
        if speech:
            said.setdefault((locale, speech), []).append(heard)
        reprompt = _ssml((body.get("reprompt") or {}).get("outputSpeech"))
        if reprompts and reprompt:
            prompted.setdefault((locale, reprompt), []).append(heard)
    known = {
        locale: _known_places(catalogue.for_locale(locale), locale, skill)
        for locale in {locale for locale, _ in [*said, *prompted]}
    }
    places: dict[tuple[str, str], _Place] = {}
    requests: dict[tuple[str, str], list[str]] = {}
    for key, group in said.items():
        locale = key[0]
        places[key] = _place_of(catalogue.for_locale(locale), known[locale], key[1], group)
        requests[key] = [label for label, _, _ in group]
    for key, group in prompted.items():
        followed = [
            places[(key[0], _ssml(response["response"].get("outputSpeech")))]
            for _, _, response in group
        ]
        first = min(followed, key=lambda place: place.order)
        if key not in places:
            label = REPROMPT.format(label=first.label)
            places[key] = _Place(first.heading, label, (*first.order, 1))
        requests.setdefault(key, []).extend(f"{label} (reprompt)" for label, _, _ in group)
    rank = {locale: number for number, locale in enumerate(catalogue.locales)}
    named = [
        Named(locale, ssml, place.heading, place.label, place.order, tuple(requests[locale, ssml]))
        for (locale, ssml), place in places.items()
    ]
    return sorted(named, key=lambda item: (rank.get(item.locale, len(rank)), item.order))


def _ssml(speech: Mapping[str, Any] | None) -> str:
    return str((speech or {}).get("ssml") or "")


def _section(key: str) -> int:
    return list(SECTIONS).index(key)


def _known_places(content: Content, locale: str, skill: CustomSkill) -> dict[str, _Place]:
    """Hear the launch, each part and each reflection once: their words, and where each goes."""
    asked: list[tuple[_Place, dict[str, Any]]] = [
        (_Place(SECTIONS["opening"], LAUNCH, (_section("opening"), -1, 0)), _launch(locale))
    ]
    for number, topic in enumerate(content.topics.values()):
        heading = _capital(topic.title)
        intro = [part for part in topic.parts if not part.label]
        for index, part in enumerate(topic.parts):
            if part.label:
                where = part.label.strip().rstrip(":")
                where = f"{where[:1].lower()}{where[1:]}: {part.title}"
            else:
                where = PART.format(number=index + 1, count=len(intro))
            place = _Place(heading, f"{heading} · {where}", (_section("topics"), number, index))
            asked.append((place, part_request(topic.intent, index, locale)))
    nights = content.reflections.nights
    for night in every_night(content):
        chosen = reflection_for(content.reflections, night)
        number = nights.index(chosen)
        title = content.tips[chosen.tip].title if chosen.tip in content.tips else chosen.theme
        label = REFLECTION.format(number=number + 1, count=len(nights), title=title)
        place = _Place(SECTIONS["reflections"], label, (_section("reflections"), 0, number))
        asked.append((place, reflection_request(night, locale)))
    answered = responses_to(((place.label, request) for place, request in asked), skill)
    places = [place for place, _ in asked]
    return {
        _ssml(response["response"].get("outputSpeech")): place
        for place, (_, _, response) in zip(places, answered, strict=True)
    }


def _launch(locale: str) -> dict[str, Any]:
    return envelopes.launch_request(locale=locale)


def _place_of(
    content: Content, known: Mapping[str, _Place], ssml: str, group: list[_Heard]
) -> _Place:
    """Name what is said: by its words if it is a part, a reflection or the launch.

    Anything else is named by the first request that :data:`ANSWERS` names.
    """
    if ssml in known:
        return known[ssml]
    topics = list(content.topics)
    for _, request, _ in group:
        intent = (request["request"].get("intent") or {}).get("name", "")
        state = State.from_attributes((request.get("session") or {}).get("attributes"), content)
        row = _row(_where(state), intent)
        if row is None:
            continue
        _, _, section, template = ANSWERS[row]
        title = content.topics[state.topic].title if state.topic else ""
        label = template.format(title=title, Title=_capital(title))
        heading = _capital(title) if section == "topics" else SECTIONS[section]
        topic = topics.index(state.topic) if state.topic else -1
        return _Place(heading, label, (_section(section), topic, 100 + row))
    return _Place(SECTIONS["other"], UNNAMED, (_section("other"), 0, 0))


def _row(where: str, intent: str) -> int | None:
    """Find the row of :data:`ANSWERS` for this place and intent, if there is one."""
    for wanted in (intent, EVERY_OTHER_INTENT):
        for number, (places, intents, _, _) in enumerate(ANSWERS):
            if where in places and wanted in intents:
                return number
    return None


def _where(state: State) -> str:
    """Where the person was, as :data:`ANSWERS` is keyed."""
    if state.topic:
        return "topic"
    if state.awaiting in SAFETY_AWAITS.values():
        return str(state.awaiting)
    return "start"


def _capital(title: str) -> str:
    return f"{title[:1].upper()}{title[1:]}"
