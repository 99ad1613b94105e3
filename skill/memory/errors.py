"""The two ways memory can fail: a store that does not answer, and a setting that is wrong."""

from __future__ import annotations


class StoreError(Exception):
    """A store could not read, write or delete a record (or could not be opened).

    The message is one line and names no person (no user id, no key, no attributes),
    so it can be logged as it is; the caller answers kindly without memory.
    """


class StoreSettingError(Exception):
    """``CLOSER_STORE``, ``CLOSER_USER_KEY`` or ``CLOSER_DATA_DIR`` cannot be used as set.

    Raised at start, before anything is served; the message is one line that says
    what to do, and never quotes a secret.
    """
