"""One dispatch path from Alexa's request JSON to Alexa's response JSON.

POST /alexa and the local rehearsal tools both call :func:`handle_envelope`, so a
rehearsed conversation takes exactly the route a real one does.

Why the request model is read here and not by ``DefaultSerializer.deserialize``: that
method only takes JSON text, so a view that has parsed the body (it must, to check
it) would have to write it out and parse it again; and it is generic and slow (a
class import and a merge of the attribute map for every object, and dateutil for
the timestamp), most of the cost of a turn. :func:`read_request_envelope` builds
the same model from the parsed envelope by the same rules, reading only what the
model classes publish (``deserialized_types``, ``attribute_map``,
``get_real_child_model``), with each class's plan worked out once. Whatever it does
not expect goes to the SDK's own deserialiser, which then decides exactly as before.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope, Response, ResponseEnvelope

from intents import Content
from skill import __version__, conversation
from skill.alexa import voice_of
from skill.handlers import log_request, render

SDK_SERIALIZER = DefaultSerializer()
"""The SDK's own (de)serialiser: what decides wherever the fast reader and writer do not."""


class MalformedEnvelope(ValueError):  # noqa: N818 - reads as what it is
    """The envelope has Alexa's outline but a field the SDK cannot read (a bad date, say)."""


class UnknownValue(MalformedEnvelope):
    """The envelope names a request type or an enum value this SDK does not know.

    Alexa adds request types and values over time, and a skill must not break when
    it does: :func:`handle_envelope` answers such a request with a valid empty response.
    """


def handle_envelope(skill: CustomSkill, envelope: Mapping[str, Any]) -> dict[str, Any]:
    """Run one request envelope (already checked and verified) through the skill.

    ``envelope`` is JSON data, as parsed from a request body; it is read, never changed.
    A request type or value the SDK does not know gets a valid empty response.
    """
    try:
        request_envelope = read_request_envelope(envelope)
    except UnknownValue:
        log_request("unknown", "other")
        return empty_envelope()
    response_envelope = skill.invoke(request_envelope=request_envelope, context=None)
    return write_response(response_envelope)


def read_request_envelope(envelope: Mapping[str, Any]) -> RequestEnvelope:
    """Build the SDK's RequestEnvelope from parsed JSON, as ``DefaultSerializer`` would.

    Raises :class:`MalformedEnvelope` where the SDK's deserialiser refuses the envelope,
    :class:`UnknownValue` when it does because of a type or value it does not know.
    """
    unknown = False
    try:
        model = read_model(envelope, "ask_sdk_model.request_envelope.RequestEnvelope")
        if isinstance(model, RequestEnvelope):
            return model
    except _UnknownValue:  # the SDK decides below; this only names why it refuses
        unknown = True
    except Exception:  # anything unexpected: the SDK decides below
        pass
    try:
        return SDK_SERIALIZER.deserialize(json.dumps(envelope), RequestEnvelope)
    except SerializationException as error:
        refusal = UnknownValue if unknown else MalformedEnvelope
        raise refusal(f"request does not match Alexa's format: {error}") from None


def empty_envelope() -> dict[str, Any]:
    """Build a valid response that says and does nothing: the answer to what we cannot read."""
    return _our_envelope(Response())


def apology_envelope(content: Content) -> dict[str, Any]:
    """Build a valid Alexa response that apologises: what Alexa gets instead of an HTTP 500."""
    response = render(ResponseFactory(), conversation.apology(content), voice_of(content))
    return _our_envelope(response)


def _our_envelope(response: Response) -> dict[str, Any]:
    """Wrap a response the web service makes by itself (not through the skill) for Alexa."""
    return write_response(
        ResponseEnvelope(
            version="1.0", response=response, user_agent=f"closer-together/{__version__}"
        )
    )


def write_response(envelope: ResponseEnvelope) -> dict[str, Any]:
    """Write the response model as JSON data, exactly as ``DefaultSerializer.serialize`` does."""
    try:
        serialized = _write(envelope)
    except _Unusual:
        serialized = SDK_SERIALIZER.serialize(envelope)
    assert isinstance(serialized, dict)
    return serialized


# --- writing the response model -------------------------------------------------------
#
# DefaultSerializer.serialize, branch for branch, with each class's (attribute, key)
# list worked out once instead of merging its attribute map on every object.

_Field = tuple[str, str]
_plans: dict[type, tuple[_Field, ...]] = {}


def _write(obj: Any) -> Any:
    plan = _plans.get(type(obj))
    if plan is not None:  # a model class seen before: it went through every check below
        return _write_model(obj, plan)
    if obj is None:
        return None
    if isinstance(obj, DefaultSerializer.PRIMITIVE_TYPES):
        return obj
    if isinstance(obj, list):
        return [_write(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_write(item) for item in obj)
    if isinstance(obj, date | datetime):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, Decimal):
        return int(obj) if obj % 1 == 0 else float(obj)
    if isinstance(obj, dict):
        return {key: _write(value) for key, value in obj.items()}
    plan = _plans[type(obj)] = _plan(type(obj))
    return _write_model(obj, plan)


def _write_model(obj: Any, plan: tuple[_Field, ...]) -> dict[str, Any]:
    own = getattr(obj, "__dict__", None)
    if own is None or "deserialized_types" in own or "attribute_map" in own:
        raise _Unusual  # the SDK would read the object's own maps, not its class's
    written = {key: value for field, key in plan if (value := getattr(obj, field)) is not None}
    return {key: _write(value) for key, value in written.items()}


def _plan(cls: type) -> tuple[_Field, ...]:
    """List each declared attribute with its JSON key, in the order the SDK writes them."""
    types = getattr(cls, "deserialized_types", None)
    if not isinstance(types, dict):
        raise _Unusual
    names = dict(getattr(cls, "attribute_map", None) or {})
    for field in types:
        names.setdefault(field, field)
    return tuple((field, names[field]) for field in types)


# --- reading the request model --------------------------------------------------------
#
# Each reader mirrors one branch of DefaultSerializer's private ``__deserialize``
# for input shaped as JSON gives it. Input of any other shape raises _Unusual, and
# read_request_envelope hands the envelope to the SDK instead, so that odd input
# meets the SDK's own rules (and its own errors), not an imitation of them.

Reader = Callable[[Any], Any]


class _Unusual(Exception):  # noqa: N818 - a signal, not an error
    """Input the reader does not mirror; the SDK's deserialiser is asked instead."""


class _UnknownValue(_Unusual):
    """An enum value or a discriminator (``type``) the SDK's model has no member for."""


_readers: dict[str, Reader] = {}
"""How to read each SDK type name (a polymorphic one by its discriminator)."""
_children: dict[str, Reader] = {}
"""How to read the fields of each class a discriminator has named."""
_LIST_TYPE = re.compile(r"list\[(.*)\]")
_DICT_TYPE = re.compile(r"dict\(([^,]*), (.*)\)")


def read_model(payload: Any, type_name: str) -> Any:
    """Read ``payload`` as the SDK type named ``type_name`` (None stays None, as in the SDK)."""
    if payload is None:
        return None
    reader = _readers.get(type_name)
    if reader is None:
        # Built on first use, so only the model classes requests actually carry are
        # imported; a race only builds the same reader twice.
        reader = _readers[type_name] = _reader_for(type_name)
    return reader(payload)


def _reader_for(type_name: str) -> Reader:
    """Work out once how to read one SDK type name, as the SDK would resolve it."""
    if type_name.startswith("list["):
        return _list_reader(type_name)
    if type_name.startswith("dict("):
        return _dict_reader(type_name)
    native = DefaultSerializer.NATIVE_TYPES_MAPPING.get(type_name)
    if native is not None:
        return _class_reader(native)
    module_name, _, class_name = type_name.rpartition(".")
    if not module_name:
        return _refuse
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return _refuse
    return _class_reader(cls)


def _refuse(payload: Any) -> Any:
    raise _Unusual


def _list_reader(type_name: str) -> Reader:
    match = _LIST_TYPE.match(type_name)
    if match is None or "," in match.group(1):
        return _refuse
    item_type = match.group(1).strip()

    def read_list(payload: Any) -> list[Any]:
        if type(payload) is not list:
            raise _Unusual
        return [read_model(item, item_type) for item in payload]

    return read_list


def _dict_reader(type_name: str) -> Reader:
    match = _DICT_TYPE.match(type_name)
    if match is None:
        return _refuse
    value_type = match.group(2)

    def read_dict(payload: Any) -> dict[str, Any]:
        if type(payload) is not dict or any(type(key) is not str for key in payload):
            raise _Unusual
        return {key: read_model(value, value_type) for key, value in payload.items()}

    return read_dict


def _class_reader(cls: Any) -> Reader:
    if cls in DefaultSerializer.PRIMITIVE_TYPES:
        return _primitive_reader(cls)
    if cls is object:
        return _json_only
    if cls is date or cls is datetime:
        return _date_reader(cls)
    return _model_reader(cls)


_JSON_SCALARS = (str, int, float, bool)


def _json_only(payload: Any) -> Any:
    """Pass a raw value through, as the SDK does, if JSON could have carried it.

    The SDK read the value back from JSON text, so a tuple came out as a list and a
    number key as a string; anything JSON would have changed goes the SDK's way.
    """
    kind = type(payload)
    if kind is dict:
        for key, value in payload.items():
            if type(key) is not str:
                raise _Unusual
            _json_only(value)
    elif kind is list:
        for value in payload:
            _json_only(value)
    elif kind not in _JSON_SCALARS and payload is not None:
        raise _Unusual
    return payload


def _primitive_reader(cls: type) -> Reader:
    def read_primitive(payload: Any) -> Any:
        try:
            return cls(payload)
        except TypeError:  # the SDK keeps such a value as it came
            return _json_only(payload)
        except (ValueError, UnicodeEncodeError):
            raise _Unusual from None

    return read_primitive


def _date_reader(cls: type) -> Reader:
    def read_date(payload: Any) -> Any:
        if type(payload) is not str:
            raise _Unusual
        parsed = _parse_time(payload) if _ALEXA_TIME.fullmatch(payload) else _dateutil(payload)
        return parsed if cls is datetime else parsed.date()

    return read_date


_ALEXA_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
"""A whole date and time in UTC, as Alexa writes ``request.timestamp``."""


@functools.lru_cache(maxsize=256)
def _parse_time(text: str) -> datetime:
    """Parse a whole Alexa timestamp with dateutil, as the SDK does, once per distinct string.

    dateutil is the slowest step of reading a request, and Alexa's timestamps are
    whole seconds: a busy skill sees the same string many times a second. A whole
    date and time parses the same every time (dateutil fills gaps from today's
    date only when parts are missing, hence the pattern), and the datetime is
    immutable, so sharing it is safe. It is not rewritten by hand because
    dateutil's choice of time zone object depends on the local zone.
    """
    return _dateutil(text)


def _dateutil(text: str) -> datetime:
    from dateutil.parser import parse  # imported where the SDK imports it: on first use

    parsed: datetime = parse(text)
    return parsed


def _model_reader(cls: Any) -> Reader:
    if not isinstance(cls, type):
        return _refuse
    if issubclass(cls, Enum):
        return functools.partial(_enum_value, cls)
    if not hasattr(cls, "deserialized_types"):
        return _json_only
    if hasattr(cls, "get_real_child_model"):
        return functools.partial(_read_polymorphic, cls)
    return _fields_reader(cls)


def _enum_value(cls: type[Enum], payload: Any) -> Enum:
    try:
        return cls(payload)
    except ValueError:
        raise _UnknownValue from None


def _read_polymorphic(cls: Any, payload: Any) -> Any:
    """Pick the subclass the discriminator (``type``) names, then read its fields."""
    if type(payload) is not dict:
        raise _Unusual
    name = cls.get_real_child_model(payload)
    if name is None:
        raise _UnknownValue
    if not isinstance(name, str) or not name:
        raise _Unusual
    reader = _children.get(name)
    if reader is None:
        module_name, _, class_name = name.rpartition(".")
        try:
            child = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError):
            raise _Unusual from None
        # The SDK reads the named class's fields without asking it for a child again.
        reader = _children[name] = _fields_reader(child)
    return reader(payload)


def _fields_reader(cls: Any) -> Reader:
    """Read a model's fields: the SDK's ``attribute_map``, each name mapped to itself if absent.

    Keys the model does not declare are set on it as they came, as the SDK does.
    """
    types = getattr(cls, "deserialized_types", None)
    if not isinstance(types, dict):
        return _refuse
    names = dict(getattr(cls, "attribute_map", None) or {})
    for field in types:
        names.setdefault(field, field)
    fields = tuple((field, key, types.get(field)) for field, key in names.items())
    declared = frozenset(names.values())

    def read_object(payload: Any) -> Any:
        if type(payload) is not dict:
            raise _Unusual
        model = cls()
        for field, key, type_name in fields:
            if key in payload:
                if type_name is None:
                    raise _Unusual
                setattr(model, field, read_model(payload[key], type_name))
        for key in payload:
            if key not in declared:
                setattr(model, key, _json_only(payload[key]))
        return model

    return read_object
