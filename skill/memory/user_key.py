"""The storage key of a person: a keyed hash of Alexa's user id, never the id itself.

Alexa's user id is stable for a person and this skill, so it is personal data: a
store keyed by it would tie every record to an Amazon account for anyone who reads
the file or the table. The key is HMAC-SHA256 of the id under a secret that lives
apart from the store, so a copied database says nothing about whom a record is for,
and nobody can check a guessed id against it without the secret.

The secret is ``CLOSER_USER_KEY`` (at least 32 characters) or, when that is unset,
64 random hex digits generated once into ``<data folder>/user-key``. Both are used
the same way (the text's UTF-8 bytes), so the file's content can be copied into
``CLOSER_USER_KEY`` on another server and every key stays the same. Changing the
secret makes everything remembered unreachable (it then expires after 180 days).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from ask_sdk_model import RequestEnvelope

from skill.memory.errors import StoreError, StoreSettingError
from skill.memory.paths import data_dir, private_folder

KEY_VARIABLE = "CLOSER_USER_KEY"
KEY_FILE = "user-key"
MIN_SECRET_CHARACTERS = 32
_GENERATED = re.compile(r"[0-9a-f]{64}")
"""What a generated key file holds: 32 random bytes as hex (and a newline)."""


class UserKey:
    """Turns a request's user id into the key a store files the person's record under.

    An instance is a ``partition_keygen`` for the SDK's DynamoDB adapter: called with
    a request envelope, it returns the key.
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def of(self, user_id: str) -> str:
        """Return the key for ``user_id``: 64 hex digits of HMAC-SHA256."""
        return hmac.new(self._secret, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def __call__(self, request_envelope: RequestEnvelope) -> str:
        """Return the key of the person who sent ``request_envelope``."""
        return self.of(user_id_of(request_envelope))

    def __repr__(self) -> str:
        return "UserKey(<secret>)"  # never the secret, in a log or a traceback


def user_id_of(request_envelope: RequestEnvelope) -> str:
    """Read Alexa's user id: ``context.System.user.userId``, else ``session.user.userId``.

    The context is Alexa's current word on who is asking and comes with every
    request; the session's copy is there for requests built without a context.
    """
    system = getattr(request_envelope.context, "system", None)
    for user in (getattr(system, "user", None), getattr(request_envelope.session, "user", None)):
        user_id = getattr(user, "user_id", None)
        if isinstance(user_id, str) and user_id:
            return user_id
    raise StoreError("memory: the request names no user, so there is no record to use")


def load_user_key(environ: Mapping[str, str] | None = None) -> UserKey:
    """Return the user key of this installation: from ``CLOSER_USER_KEY``, else the key file.

    Raises :class:`StoreSettingError` (one line, never the secret) for a secret that
    is too short, and for a key file that cannot be read, written or understood.
    """
    env = os.environ if environ is None else environ
    given = env.get(KEY_VARIABLE)
    if given is not None:
        if len(given) < MIN_SECRET_CHARACTERS:
            raise StoreSettingError(
                f"{KEY_VARIABLE} is {len(given)} characters long; it needs at least "
                f"{MIN_SECRET_CHARACTERS} (for example from `openssl rand -hex 32`)"
            )
        return UserKey(given.encode("utf-8"))
    return UserKey(_key_file_secret(data_dir(env) / KEY_FILE))


def _key_file_secret(path: Path) -> bytes:
    """Read the key file, generating it first if there is none."""
    if not path.exists():
        _generate(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise StoreSettingError(
            f"cannot read the user key file {path}: {_why(error)}; "
            f"make it readable, or set {KEY_VARIABLE}"
        ) from None
    if not _GENERATED.fullmatch(text):
        raise StoreSettingError(
            f"the user key file {path} is damaged (it should hold 64 hex digits); restore "
            "it from a backup, or delete it to start over, forgetting everything remembered"
        )
    return text.encode("ascii")


def _generate(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600), unless another process got there first.

    The new key is written whole to a temporary file in the same folder and then
    published under its name with a hard link, which fails if the name exists: two
    servers starting at the same moment both end up reading the one key that won,
    where ``os.replace`` would leave the first using a key the second overwrote.
    A file system without hard links falls back to ``os.replace``; either way the
    caller reads the key back from the file.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
    try:
        private_folder(path.parent)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process published its key first: that one is the key
        except OSError:
            os.replace(temporary, path)
    except OSError as error:
        raise StoreSettingError(
            f"cannot create the user key file {path}: {_why(error)}; "
            f"set CLOSER_DATA_DIR to a writable folder, or set {KEY_VARIABLE}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _why(error: Exception) -> str:
    """Give the reason for an error without the path (the message names it already)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
