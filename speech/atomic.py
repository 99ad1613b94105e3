"""Write files so that a reader sees the old file or the whole new one, never a part.

A render that fails half-way (a network error, an engine crash, Ctrl-C) must not leave
a truncated MP3 where a player or a cache lookup would take it for a good one. So every
file is written to a temporary name in the target's own folder (the same file system,
so the rename is atomic) and moved over the target with :func:`os.replace`.
:func:`unwritable` checks a folder before long work that will write there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[IO[bytes]]:
    """Yield a file to write; it replaces ``target`` only if the block ends without error."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    # os.open with 0o666 lets the umask decide the permissions, as for any new file
    # (a NamedTemporaryFile would leave the result readable by its owner only).
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_file(target) as handle:
        handle.write(data)


def write_text_atomically(target: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    write_bytes_atomically(target, text.encode("utf-8"))


def place_copy(source: Path, target: Path) -> None:
    """Put a copy of ``source`` at ``target`` atomically: a hard link when possible.

    A hard link costs no space and survives the source being deleted (say, by
    clearing the cache); across file systems it falls back to copying the bytes.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and os.path.samefile(source, target):
        return  # already there; renaming a link over itself would leave the temporary behind
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.link")
    try:
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def unwritable(folder: Path) -> str | None:
    """Say why files cannot be written in ``folder`` (made if missing), or None if they can.

    For a check before long work, so that a mistyped or read-only folder is one clear
    line at the start rather than an error minutes in. It creates nothing: it looks at
    ``folder``, or at the nearest folder above it that exists, which is where
    :func:`atomic_file` would start making folders.
    """
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None
