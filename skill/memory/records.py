"""What every store agrees on: how a record is checked and encoded, and how long it lives.

A record is the conversation layer's dict, stored as JSON. Both stores check it the
same way before writing, so a record that one store takes the other takes too, and
a mistake in the caller (a value JSON cannot hold, a record grown far past its few
KiB) is a ``ValueError`` or ``TypeError`` at the call, not a store failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

RETENTION_SECONDS = 180 * 24 * 60 * 60
"""A record not used (read or written) for this long is deleted: 180 days."""
TOUCH_AFTER_SECONDS = 24 * 60 * 60
"""A read refreshes a record's last use only when the last one is older than a day.

So a person who only ever reads their record keeps it, for the cost of at most one
small write a day instead of one on every turn.
"""
MAX_RECORD_BYTES = 64 * 1024
"""The largest record a store takes, as UTF-8 JSON: far above the few KiB expected,
far below DynamoDB's 400 KB item limit, and small enough that no turn drags."""

Clock = Callable[[], float]
"""Seconds since the epoch, as :func:`time.time` gives them; tests pass their own."""
SYSTEM_CLOCK: Clock = time.time


def encode(attributes: dict[str, Any]) -> str:
    """Return ``attributes`` as compact JSON, checked to be a record a store may keep.

    Raises ``TypeError`` for something that is not a dict of JSON values, and
    ``ValueError`` for NaN or infinity (JSON has neither) or a record over
    :data:`MAX_RECORD_BYTES`.
    """
    if not isinstance(attributes, dict):
        raise TypeError(f"a memory record is a dict, not {type(attributes).__name__}")
    text = json.dumps(attributes, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_BYTES:
        raise ValueError(
            f"a memory record is {size} bytes as JSON; the limit is {MAX_RECORD_BYTES}"
        )
    return text


def decode(text: str) -> dict[str, Any]:
    """Read a stored record back; ``ValueError`` if it is not the JSON object written."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a stored memory record is not a JSON object")
    return value
