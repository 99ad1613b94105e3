"""Which store keeps the memory: ``CLOSER_STORE``, read once at start.

``sqlite:///ABSOLUTE/PATH.db``
    one SQLite file (the default, at ``<data folder>/memory.db``): one server;
``dynamodb://TABLE_NAME``
    a DynamoDB table, reached with the standard AWS settings: several servers;
``none``
    no memory at all: :func:`open_store` returns None.

Anything else is refused at start with one line that says what to write instead,
rather than a server that quietly forgets everyone.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.memory.errors import StoreSettingError
from skill.memory.paths import data_dir
from skill.memory.user_key import KEY_VARIABLE, load_user_key

STORE_VARIABLE = "CLOSER_STORE"
DEFAULT_FILE = "memory.db"
_FORMS = "sqlite:///ABSOLUTE/PATH.db, dynamodb://TABLE_NAME or none"
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
"""DynamoDB's rule for table names."""


def open_store(
    value: str | None, environ: Mapping[str, str] | None = None
) -> AbstractPersistenceAdapter | None:
    """Open the store ``value`` names (``CLOSER_STORE``; None when unset), or None for ``none``.

    ``environ`` stands for the process environment (``CLOSER_USER_KEY``,
    ``CLOSER_DATA_DIR``, ``XDG_DATA_HOME``); boto3 reads its own ``AWS_*`` settings
    from the real one. Raises :class:`StoreSettingError` for a value that cannot be
    used, and :class:`~skill.memory.errors.StoreError` for a SQLite file that cannot
    be opened; both are one line.
    """
    env = os.environ if environ is None else environ
    if value is None:
        return _sqlite(str(data_dir(env) / DEFAULT_FILE), env)
    text = value.strip()
    if text.lower() == "none":
        return None
    scheme, separator, rest = text.partition("://")
    if not separator:
        raise StoreSettingError(f"{STORE_VARIABLE}={value!r} is not understood; write {_FORMS}")
    if scheme.lower() == "sqlite":
        return _sqlite(rest, env, value)
    if scheme.lower() == "dynamodb":
        return _dynamodb(rest, env, value)
    raise StoreSettingError(
        f"{STORE_VARIABLE}={value!r} names an unknown store {scheme!r}; write {_FORMS}"
    )


def describe_store(store: AbstractPersistenceAdapter | None) -> str:
    """One line for ``closer serve`` to print at start: which memory, and where."""
    if store is None:
        return f"memory: none ({STORE_VARIABLE}=none): nothing is kept between sessions"
    describe = getattr(store, "describe", None)
    return str(describe()) if callable(describe) else f"memory: {type(store).__name__}"


def _sqlite(
    path: str, env: Mapping[str, str], value: str | None = None
) -> AbstractPersistenceAdapter:
    """Open the SQLite store at ``path``, which must be absolute."""
    from skill.memory.sqlite_store import SqliteStore

    if not PurePosixPath(path).is_absolute() or path.endswith("/"):
        raise StoreSettingError(
            f"{STORE_VARIABLE}={value!r} needs an absolute path to a file after sqlite://, "
            "as in sqlite:///var/lib/closer-together/memory.db (three slashes)"
        )
    return SqliteStore(path, load_user_key(env))


def _dynamodb(table: str, env: Mapping[str, str], value: str) -> AbstractPersistenceAdapter:
    """Open the DynamoDB store for ``table``: the extra, a shared key and a region are needed.

    The key must be set, not generated: servers that share a table must file each
    person under the same key, and a key generated on one machine's disk is lost
    with that disk, taking everyone's memory with it, without a word.
    """
    if not _TABLE_NAME.fullmatch(table):
        raise StoreSettingError(
            f"{STORE_VARIABLE}={value!r} needs a DynamoDB table name after dynamodb:// "
            "(3 to 255 letters, digits, '_', '-' or '.'), as in dynamodb://closer-memory"
        )
    if importlib.util.find_spec("ask_sdk_dynamodb") is None:
        raise StoreSettingError(
            f"{STORE_VARIABLE}={value!r} needs the dynamodb extra: "
            "pip install 'closer-together[dynamodb]'"
        )
    if env.get(KEY_VARIABLE) is None:
        raise StoreSettingError(
            f"{STORE_VARIABLE}={value!r} needs {KEY_VARIABLE} set to the same secret on every "
            "server that shares the table (at least 32 characters; `openssl rand -hex 32`)"
        )
    key = load_user_key(env)
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        # Checked first: the SDK's adapter builds a boto3 resource as it is imported,
        # and that fails without a region.
        if not botocore.session.get_session().get_config_variable("region"):
            raise StoreSettingError(
                f"{STORE_VARIABLE}={value!r} needs an AWS region: set AWS_DEFAULT_REGION "
                "(or region in ~/.aws/config)"
            )
        from skill.memory.dynamodb_store import DynamoDbStore

        return DynamoDbStore(table, key)
    except BotoCoreError as error:  # a profile that does not exist, a broken config file
        raise StoreSettingError(
            f"{STORE_VARIABLE}={value!r}: the AWS settings cannot be used "
            f"({type(error).__name__}); check the AWS_* variables and ~/.aws/config"
        ) from None
