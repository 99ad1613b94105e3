"""The faster paths give exactly what the ASK SDK's own paths gave.

skill.dispatch reads the request model from the parsed envelope and writes the
response model itself, the intent handler remembers replies, and speech.ssml
remembers renderings. Each is checked here against the path it replaced: the
SDK's ``DefaultSerializer`` on JSON text, :func:`skill.conversation.respond` and an
uncached rendering, over every response the skill can give and over envelopes
that Hypothesis bends out of shape.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope, ResponseEnvelope
from ask_sdk_model.ui import SimpleCard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intents import Catalogue
from skill import conversation, dispatch, envelopes, handlers
from skill.alexa import build_skill
from skill.authoring.reachable import every_request
from skill.conversation import State, Turn
from skill.dispatch import MalformedEnvelope, handle_envelope, read_request_envelope
from speech import ssml
from speech.ssml import Pause, Telephone, Voice, to_ssml
from tests import strategies

ROOT = Path(__file__).resolve().parent.parent
SDK = DefaultSerializer()
ENVELOPE_TYPE = "ask_sdk_model.request_envelope.RequestEnvelope"


def sdk_read(envelope: Any) -> RequestEnvelope:
    """What handle_envelope did before: write the envelope out, let the SDK parse it."""
    return SDK.deserialize(json.dumps(envelope), RequestEnvelope)


def same_model(ours: Any, theirs: Any) -> None:
    """Assert two request models are equal, timestamps down to their time zone object."""
    assert ours == theirs
    assert SDK.serialize(ours) == SDK.serialize(theirs)
    if theirs is not None and theirs.request is not None:
        stamp = getattr(theirs.request, "timestamp", None)
        assert repr(getattr(ours.request, "timestamp", None)) == repr(stamp)


def uncached_respond(self: Any, content: Any, state: State, turn: Turn) -> Any:
    return conversation.respond(content, state, turn)


def uncached_ssml(segments: Any, voice: Voice | None = None) -> str:
    return ssml.render_segments(tuple(segments), voice or Voice())


@contextmanager
def as_before() -> Iterator[None]:
    """Answer without remembered replies or renderings."""
    with (
        mock.patch.object(handlers.ReplyHandler, "respond", uncached_respond),
        mock.patch.object(handlers, "to_ssml", uncached_ssml),
    ):
        yield


def turn_as_before(skill: CustomSkill, envelope: dict[str, Any]) -> dict[str, Any]:
    """One turn the way it ran before: JSON text in, the SDK's serializer both ways."""
    with as_before():
        response = skill.invoke(request_envelope=sdk_read(envelope), context=None)
    written = SDK.serialize(response)
    assert isinstance(written, dict)
    return written


@pytest.fixture(scope="module")
def every(catalogue: Catalogue) -> list[tuple[str, dict[str, Any]]]:
    """Every request of every locale, plus the request types the skill does not answer."""
    extra = [
        ("session ended", envelopes.session_ended_request()),
        ("an event", envelopes.envelope({"type": "AlexaSkillEvent.SkillEnabled"})),
        ("no session", {k: v for k, v in envelopes.launch_request().items() if k != "session"}),
        (
            "fractional timestamp",
            envelopes.intent_request("AMAZON.HelpIntent", timestamp="2026-11-25T17:43:13.25Z"),
        ),
        (
            "offset timestamp",
            envelopes.intent_request("AMAZON.HelpIntent", timestamp="2026-11-25T17:43:13+01:00"),
        ),
    ]
    return [*every_request(catalogue), *extra]


def test_every_response_is_what_the_sdk_path_gave(
    catalogue: Catalogue, every: list[tuple[str, dict[str, Any]]]
) -> None:
    """Twice over, so that the second pass answers from what the first remembered."""
    skill, before = build_skill(catalogue), build_skill(catalogue)
    for _ in range(2):
        for label, envelope in every:
            expected = turn_as_before(before, envelope)
            got = handle_envelope(skill, envelope)
            assert got == expected, label
            assert json.dumps(got) == json.dumps(expected), label  # key order too


def test_every_request_model_is_the_sdks(every: list[tuple[str, dict[str, Any]]]) -> None:
    for label, envelope in every:
        try:
            same_model(read_request_envelope(envelope), sdk_read(envelope))
        except AssertionError:
            pytest.fail(label)


def test_reading_leaves_the_envelope_as_it_was() -> None:
    envelope = envelopes.intent_request("TipIntent", {"tip": "boundaries"}, resolved={"tip": "B"})
    kept = copy.deepcopy(envelope)
    read_request_envelope(envelope)
    assert envelope == kept


def test_a_field_the_sdk_cannot_read_is_still_malformed() -> None:
    envelope = envelopes.launch_request(timestamp="not a time at all")
    with pytest.raises(SerializationException):
        sdk_read(envelope)
    with pytest.raises(MalformedEnvelope):
        read_request_envelope(envelope)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("session", "attributes", "tried"), ("a", "b")),
        (("session", "attributes"), {1: "one"}),
        (("context", "System", "device", "supportedInterfaces"), ()),
        (("request", "extra"), {"nested": {2, 3}}),
    ],
)
def test_data_json_would_change_goes_the_sdks_way(path: tuple[str, ...], value: Any) -> None:
    """What JSON text cannot carry as it is (tuples, number keys, sets) is the SDK's to read.

    Before, the envelope was written out as JSON first: a tuple came back a list, a
    number key a string, and a set could not be written at all.
    """
    envelope: Any = envelopes.launch_request()
    parent = envelope
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    with pytest.raises(dispatch._Unusual):
        dispatch.read_model(envelope, ENVELOPE_TYPE)
    ours, theirs = _outcome(read_request_envelope, envelope), _outcome(sdk_read, envelope)
    assert ours[0] == theirs[0]
    if ours[0] == "model":
        same_model(ours[1], theirs[1])
    else:
        assert ours[1] == theirs[1]


# --- bent envelopes ---------------------------------------------------------------------

json_values = strategies.json_values()
timestamps = st.sampled_from(
    [
        "2026-11-25T17:43:13Z",
        "2026-11-25T17:43:13.5Z",
        "2026-11-25T17:43:13+05:30",
        "2026-11-25T17:43:13",
        "2026-11-25",
        "17:43",
        "2026-13-25T17:43:13Z",
        "2026-11-25T24:00:00Z",
        "",
        "Tuesday",
    ]
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in an envelope a value can be replaced, removed or added."""
    if isinstance(data, dict):
        yield prefix
        for key, value in data.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


BASES = [
    envelopes.launch_request(),
    envelopes.session_ended_request(),
    envelopes.intent_request(
        "TipIntent",
        {"tip": "boundaries", "other": None},
        resolved={"tip": "BOUNDARIES"},
        attributes={"topic": "SignsOfFearIntent", "index": 1, "awaiting": "next"},
    ),
]


@st.composite
def bent_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A real envelope with a few values replaced, removed or added, anywhere in it."""
    body = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [path for path in _paths(body) if path]
        path = draw(st.sampled_from(paths))
        parent: Any = body
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "timestamp", "remove", "add"]))
        if action == "remove":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.text(max_size=10))] = draw(json_values)
        else:
            value = draw(timestamps if action == "timestamp" else json_values)
            parent[path[-1]] = value
    return body


def _outcome(read: Any, envelope: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "model", read(envelope)
    except (SerializationException, MalformedEnvelope):
        return "refused", None
    except Exception as error:  # compared below, not hidden
        return "raised", type(error)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bent_envelopes())
def test_a_bent_envelope_is_read_as_the_sdk_reads_it(envelope: dict[str, Any]) -> None:
    theirs = _outcome(sdk_read, envelope)
    try:
        fast = dispatch.read_model(envelope, ENVELOPE_TYPE)
    except Exception:  # the SDK is asked instead: the comparison below covers that
        pass
    else:  # whenever the reader answers by itself, it answers as the SDK does
        assert theirs[0] == "model"
        same_model(fast, theirs[1])
    ours = _outcome(read_request_envelope, envelope)
    assert ours[0] == theirs[0]
    if ours[0] == "model":
        same_model(ours[1], theirs[1])
    else:
        assert ours[1] == theirs[1]


# --- the response writer -------------------------------------------------------------------


def test_a_response_is_written_as_the_sdk_writes_it(catalogue: Catalogue) -> None:
    class Colour(Enum):
        RED = "red"

    response = build_skill(catalogue).invoke(
        request_envelope=sdk_read(envelopes.launch_request()), context=None
    )
    response.session_attributes = {
        "when": date(2026, 11, 25),
        "pair": ("a", 1),
        "colour": Colour.RED,
        "nested": [{"card": SimpleCard(title="t", content="c")}],
    }
    written = dispatch.write_response(response)
    assert written == SDK.serialize(response)
    assert json.dumps(written) == json.dumps(SDK.serialize(response))


def test_a_model_with_its_own_maps_is_written_by_the_sdk() -> None:
    """The SDK reads the maps off the object; the writer's per-class plan would not."""
    card = SimpleCard(title="t", content="c")
    card.attribute_map = {"title": "heading", "content": "text", "object_type": "type"}
    envelope = ResponseEnvelope(version="1.0", session_attributes={"card": card})
    assert dispatch.write_response(envelope) == SDK.serialize(envelope)


# --- remembered replies and renderings ------------------------------------------------------


def test_the_reply_cache_is_bounded(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "REMEMBERED_REPLIES", 3)
    handler = handlers.IntentHandler(catalogue, Voice())
    content = catalogue.default
    for index, name in enumerate(["AMAZON.HelpIntent", *content.topics][:6]):
        turn = Turn(intent=name, night=date(2026, 1, 5))
        reply = handler.respond(content, State(), turn)
        assert reply == conversation.respond(content, State(), turn)
        assert len(handler.remembered) == index % 3 + 1


def test_a_turn_without_a_night_is_not_remembered(catalogue: Catalogue) -> None:
    """Without the request's date the reflection depends on today's, so nothing is kept."""
    handler = handlers.IntentHandler(catalogue, Voice())
    handler.respond(catalogue.default, State(), Turn(intent="EveningReflectionIntent"))
    assert handler.remembered == {}


def test_each_night_has_its_own_reflection_when_remembered(catalogue: Catalogue) -> None:
    handler = handlers.IntentHandler(catalogue, Voice())
    content = catalogue.default
    nights = [date(2026, 1, 5 + day) for day in range(len(content.reflections.nights))]
    spoken = set()
    for night in nights * 2:
        turn = Turn(intent="EveningReflectionIntent", night=night)
        reply = handler.respond(content, State(), turn)
        assert reply == conversation.respond(content, State(), turn)
        spoken.add(reply.speech)
    assert len(spoken) == len(nights)


def test_a_remembered_rendering_is_the_rendering() -> None:
    segments = ["Call", Telephone("1-800-799-7233"), ". Or text.", Pause(12), "Then rest."]
    voice = Voice(rate="90%", sentence_pause_ms=300)
    first, again = to_ssml(segments, voice), to_ssml(iter(segments), voice)
    assert first == again == ssml.render_segments(tuple(segments), voice)
    assert to_ssml(segments) != first  # the voice is part of the key


def test_unhashable_text_is_rendered_without_the_cache() -> None:
    class Unhashable(str):
        __hash__ = None  # type: ignore[assignment]

    assert to_ssml([Unhashable("One idea. Then another!")]) == to_ssml(["One idea. Then another!"])


def test_the_rendering_cache_is_bounded() -> None:
    assert ssml.cached_render.cache_info().maxsize == 1024


# --- what a production server imports ------------------------------------------------------


def test_a_server_without_rehearsal_imports_no_rehearsal_code() -> None:
    """The page, the resolver and model generation are imported only when rehearsal is on."""
    code = (
        "import sys\n"
        "from skill.web.app import create_app\n"
        "create_app({'SKIP_VERIFICATION': True, 'REHEARSAL': False})\n"
        "print(sorted(m for m in ('skill.web.rehearsal_page', 'skill.rehearsal', 'skill.nlu',"
        " 'skill.authoring.interaction_model') if m in sys.modules))\n"
        "create_app({'SKIP_VERIFICATION': True, 'REHEARSAL': True})\n"
        "print('skill.web.rehearsal_page' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split("\n")[:2] == ["[]", "True"]


def test_every_reachable_request_is_read_without_the_sdks_fallback(
    every: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback is for odd input only: a bug in the fast reader must not hide behind it."""
    from skill import dispatch

    def refuse(*args: object) -> None:
        raise AssertionError("the SDK's deserialiser was needed")

    monkeypatch.setattr(dispatch.SDK_SERIALIZER, "deserialize", refuse)
    for label, envelope in every:
        try:
            read_request_envelope(envelope)
        except AssertionError:
            pytest.fail(label)
