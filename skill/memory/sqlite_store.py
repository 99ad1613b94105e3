"""Memory in one SQLite file: for a single server, with nothing else to run.

One row per person: ``(user_key, attributes, created, last_used)``, the attributes as
JSON. The file is shared safely by the threads of a server and by several
processes: WAL mode lets reads go on while one write commits, every write is one
``BEGIN IMMEDIATE`` transaction (it takes the write lock at once, so two writers
never deadlock upgrading a read), and a busy file is waited for up to
:data:`BUSY_TIMEOUT_SECONDS` before a write fails. When one person talks to two
devices at the same instant, the last write wins for their record; turns that
follow each other are never lost, since a write commits before the turn answers and
every read sees the last commit.

Each thread has its own connection, so a read never waits for another thread's
commit (its fsync included), and the threads of one process take turns to write
through a Python lock. Measured with 4 and 8 threads each saving on every turn:
leaving the threads to SQLite's busy handler (which sleeps and polls) stalled some
turns for 0.3 to 0.9 s; one shared connection behind one lock stalled some for
0.2 s; per-thread connections with the write lock kept every turn under 16 ms, at
the same throughput (about 2,500 turns a second). The busy handler is left to order
the writes of different processes.

Privacy: the file and its folder are readable by their owner only; deleted records
are overwritten (``secure_delete``), and a delete or purge is checkpointed out of
the write-ahead log at once, so a forgotten record does not linger on disk.
Records unused (neither read nor written) for 180 days are deleted when the store
opens and then at most once a day, checked on save: no background thread.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.memory.errors import StoreError
from skill.memory.paths import private_folder
from skill.memory.records import (
    RETENTION_SECONDS,
    SYSTEM_CLOCK,
    TOUCH_AFTER_SECONDS,
    Clock,
    decode,
    encode,
)
from skill.memory.user_key import UserKey

log = logging.getLogger("closer.memory")

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another writer before it fails (SQLite's busy timeout)."""
PURGE_EVERY_SECONDS = 24 * 60 * 60
"""Expired records are looked for at open and then at most this often, on a save."""
SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of the file this code writes; a newer one is refused."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memory (
    user_key   TEXT PRIMARY KEY,  -- HMAC-SHA256 of the Alexa user id, hex
    attributes TEXT NOT NULL,     -- the record, JSON
    created    INTEGER NOT NULL,  -- epoch seconds
    last_used  INTEGER NOT NULL   -- epoch seconds of the last read or write
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memory_by_last_use ON memory (last_used);
"""

_UPSERT = """
INSERT INTO memory (user_key, attributes, created, last_used) VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (user_key) DO UPDATE SET
    attributes = excluded.attributes,
    created = CASE WHEN last_used <= ?4 THEN excluded.created ELSE created END,
    last_used = excluded.last_used
"""


class SqliteStore(AbstractPersistenceAdapter):
    """An ASK SDK persistence adapter that keeps each person's record in one SQLite file.

    ``key`` files records under a keyed hash of the user id; ``clock`` gives the time
    (tests move it on). Opening creates the folder (mode 0700) and the file (0600)
    if missing; any failure to open is a :class:`StoreError` naming the path.
    """

    def __init__(
        self,
        path: Path | str,
        key: UserKey,
        *,
        clock: Clock = SYSTEM_CLOCK,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.key = key
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the three attributes below
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._closed = False
        self._next_purge = 0
        try:
            self._create_file()
            self._set_up()
            self._purge(self._now())
        except (sqlite3.Error, OSError) as error:
            self.close()
            raise StoreError(
                f"memory: cannot open the SQLite database {self.path}: {_why(error)}"
            ) from None

    def describe(self) -> str:
        """One line for ``closer serve`` to print at start."""
        return f"memory: SQLite at {self.path}"

    # The adapter's three operations.

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Return the person's record, or ``{}`` if there is none (nothing is written then)."""
        user = self.key(request_envelope)
        now = self._now()
        with self._failures("read"):
            row = (
                self._connection()
                .execute("SELECT attributes, last_used FROM memory WHERE user_key = ?", (user,))
                .fetchone()
            )
            if row is None or row[1] <= now - RETENTION_SECONDS:
                return {}  # an expired record the purge has not reached yet is gone too
            if now - row[1] >= TOUCH_AFTER_SECONDS:
                with self._transaction() as connection:
                    connection.execute(
                        "UPDATE memory SET last_used = ? WHERE user_key = ? AND last_used < ?",
                        (now, user, now),
                    )
        try:
            return decode(row[0])
        except ValueError:
            log.warning("memory: a stored record could not be read; it starts afresh")
            return {}

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the person's record with ``attributes`` (the last write wins)."""
        text = encode(attributes)
        user = self.key(request_envelope)
        now = self._now()
        with self._failures("write"), self._transaction() as connection:
            connection.execute(_UPSERT, (user, text, now, now - RETENTION_SECONDS))
        if now >= self._next_purge:
            self._purge_quietly(now)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the person's record, on disk too; forgetting an unknown person is fine."""
        user = self.key(request_envelope)
        with self._failures("delete"):
            with self._transaction() as connection:
                deleted = connection.execute(
                    "DELETE FROM memory WHERE user_key = ?", (user,)
                ).rowcount
            if deleted:
                self._checkpoint()

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    # Opening.

    def _create_file(self) -> None:
        """Make the folder (0700) and an empty file (0600) before SQLite creates it (0644)."""
        try:
            private_folder(self.path.parent)
        except FileExistsError:  # a file where the folder should be: say so, not "File exists"
            raise NotADirectoryError(
                errno.ENOTDIR, f"{self.path.parent} is not a directory"
            ) from None
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))

    def _set_up(self) -> None:
        """Create the table if missing; refuse a file written by a newer schema."""
        with self._transaction() as connection:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"it was written by a newer version (schema {version}); upgrade closer"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on the thread's first use."""
        mine: _Connection | None = getattr(self._local, "connection", None)
        if mine is not None:
            return mine.sqlite
        # isolation_level=None: no implicit transactions; each write says BEGIN itself,
        # and a read outside one holds no lock once it has its rows. The timeout is
        # SQLite's busy timeout: how long to wait for another process's write.
        connection = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        mine = _Connection(connection)
        self._use_wal(connection)
        connection.execute("PRAGMA synchronous = FULL")  # a commit survives power loss
        connection.execute("PRAGMA secure_delete = ON")
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("the store is closed")
            self._connections.add(mine)
        self._local.connection = mine
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        """Put the file in WAL mode (it stays so), waiting out other processes doing the same.

        Servers starting together on a new file all try to switch it at once, and
        SQLite answers "database is locked" at once to some of them rather than
        calling the busy handler (waiting could deadlock), so the switch is retried
        here, within the busy timeout. A file system that cannot do WAL (a network
        share) is refused: SQLite there is not safe for several processes anyway.
        """
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                mode = str(connection.execute("PRAGMA journal_mode = WAL").fetchone()[0])
                break
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        if mode.lower() != "wal":
            raise sqlite3.OperationalError(
                f"the file system does not allow WAL mode (it stays {mode}); use a local disk"
            )

    # Writing.

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction, taking SQLite's write lock at its start."""
        connection = self._connection()
        with self._write_lock:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
                raise

    def _purge(self, now: int) -> None:
        """Delete every record unused for 180 days, and schedule the next look a day on."""
        with self._lock:
            self._next_purge = now + PURGE_EVERY_SECONDS
        with self._transaction() as connection:
            deleted = connection.execute(
                "DELETE FROM memory WHERE last_used <= ?", (now - RETENTION_SECONDS,)
            ).rowcount
        if deleted:
            log.info("memory: %d records unused for 180 days deleted", deleted)
            self._checkpoint()

    def _purge_quietly(self, now: int) -> None:
        """Purge after a save: a failure is logged, since the save itself has succeeded."""
        try:
            self._purge(now)
        except sqlite3.Error as error:
            log.warning("memory: purge of expired records failed: %s", _why(error))

    def _checkpoint(self) -> None:
        """Copy the log into the file and empty it, so deleted records leave no copy behind.

        Best effort: a reader still on an older snapshot can keep the log from being
        emptied now; it is then emptied by a later checkpoint.
        """
        with self._write_lock:
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # Helpers.

    def _now(self) -> int:
        return int(self._clock())

    @contextlib.contextmanager
    def _failures(self, action: str) -> Iterator[None]:
        """Turn SQLite's errors into one :class:`StoreError` line that names no one."""
        try:
            yield
        except sqlite3.Error as error:
            raise StoreError(
                f"memory: could not {action} a record in {self.path}: {_why(error)}"
            ) from None


class _Connection:
    """A thread's connection, closed when the thread ends and its thread-local lets go.

    Without this, a server that starts a thread per request would keep a connection
    (and its open files) for every thread it ever ran.
    """

    __slots__ = ("__weakref__", "sqlite")

    def __init__(self, sqlite: sqlite3.Connection) -> None:
        self.sqlite = sqlite

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.sqlite.close()

    def __del__(self) -> None:
        self.close()


def _busy(error: sqlite3.Error) -> bool:
    """Tell whether SQLite gave up on a lock another connection held (busy, or locked)."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _why(error: Exception) -> str:
    """Give the reason on one line: SQLite's message, or the system's for a file error."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return " ".join(str(error).split()) or type(error).__name__
