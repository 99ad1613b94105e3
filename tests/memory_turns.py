"""A person's requests, for the memory tests and bench; run as a module, a process taking turns.

``python -m tests.memory_turns USER_ID`` opens the store named by ``CLOSER_STORE`` (as
the server will) and, for each line ``append N`` on its standard input, reads the
person's record, appends N to its ``turns`` and saves it, then answers ``ok``. Two of
them, told in turn, are two servers sharing one store for one person's turns.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill import envelopes

_SERIALIZER = DefaultSerializer()


def envelope_for(
    user_id: str | None, *, in_context: bool = True, in_session: bool = True
) -> RequestEnvelope:
    """A LaunchRequest from ``user_id``, deserialised by the SDK as a handler would see it.

    ``in_context`` and ``in_session`` say where the id is given (Alexa gives both).
    """
    body: dict[str, Any] = envelopes.launch_request()
    for place, wanted in ((body["context"]["System"], in_context), (body["session"], in_session)):
        if wanted and user_id is not None:
            place["user"] = {"userId": user_id}
        else:
            del place["user"]
    envelope = _SERIALIZER.deserialize(json.dumps(body), RequestEnvelope)
    assert isinstance(envelope, RequestEnvelope)
    return envelope


def main() -> int:
    """Take turns as told on standard input until it closes."""
    from skill.memory.settings import open_store

    store = open_store(os.environ.get("CLOSER_STORE"))
    assert store is not None
    envelope = envelope_for(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        command, number = line.split()
        assert command == "append"
        record = store.get_attributes(envelope)
        record.setdefault("turns", []).append(int(number))
        store.save_attributes(envelope, record)
        print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
