"""Memory across sessions: one small record per person, kept under a keyed hash of their id.

The conversation layer decides what a record holds; to this package it is an opaque
JSON-able dict. The stores implement ask-sdk-core's ``AbstractPersistenceAdapter``,
so handlers never know which one is behind (:func:`skill.memory.settings.open_store`
picks it from ``CLOSER_STORE``). No store ever sees a raw Alexa user id
(:mod:`skill.memory.user_key`), and every store failure is a :class:`StoreError`
with one line that names no person, so the caller can answer kindly.

The DynamoDB store is imported only when it is asked for: it needs the ``dynamodb``
extra, and boto3 takes a noticeable part of a second to import.
"""

from skill.memory.errors import StoreError, StoreSettingError

__all__ = ["StoreError", "StoreSettingError"]
