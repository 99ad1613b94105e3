"""The memory stores keep one record per person, under a keyed hash, and lose no turn.

One contract, run against both stores: SQLite in a temporary folder, and the
DynamoDB store against **dynalite**, which stands in for DynamoDB (an npm
implementation of its HTTP API on loopback; see tests/dynalite.py). Every store is
the production class, reached through its ask-sdk-core adapter methods with request
envelopes the SDK deserialised; only the clock is the tests' own, so that 180 days
can pass in a moment.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.memory import StoreError
from skill.memory.records import MAX_RECORD_BYTES, RETENTION_SECONDS, Clock
from skill.memory.sqlite_store import SqliteStore
from skill.memory.user_key import UserKey
from tests import dynalite as stand_in
from tests.loopback import loopback_server, never_answer
from tests.memory_turns import envelope_for

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-test-secret-of-more-than-32-characters"
OTHER_SECRET = "another-test-secret-of-32-characters-or-more"
PRIVATE_ID = "amzn1.ask.account.PRIVATE-PERSON-0123456789"
DAY = 24 * 60 * 60


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, now: float = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float) -> None:
        self.now += days * DAY


class Backend(Protocol):
    """One store under test, and a way to look at what it holds as stored."""

    setting: str
    """``CLOSER_STORE`` for it, for processes that open it themselves."""

    def open(self, secret: str = SECRET, clock: Clock = time.time) -> AbstractPersistenceAdapter:
        """Open the store (closed at the end of the test)."""

    def raw(self) -> bytes:
        """Everything the store holds, as it holds it (file bytes, or items as sent)."""

    def count(self) -> int:
        """How many records it holds."""


class SqliteBackend:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "memory" / "memory.db"
        self.setting = f"sqlite://{self.path}"
        self.stores: list[SqliteStore] = []

    def open(self, secret: str = SECRET, clock: Clock = time.time) -> SqliteStore:
        store = SqliteStore(self.path, UserKey(secret.encode()), clock=clock)
        self.stores.append(store)
        return store

    def raw(self) -> bytes:
        return b"".join(
            path.read_bytes() for path in sorted(self.path.parent.iterdir()) if path.is_file()
        )

    def count(self) -> int:
        with contextlib.closing(sqlite3.connect(self.path)) as connection:
            return int(connection.execute("SELECT count(*) FROM memory").fetchone()[0])

    def close(self) -> None:
        for store in self.stores:
            store.close()


class DynamoBackend:
    def __init__(self) -> None:
        self.table = stand_in.create_table()
        self.setting = f"dynamodb://{self.table}"

    def open(self, secret: str = SECRET, clock: Clock = time.time) -> AbstractPersistenceAdapter:
        from skill.memory.dynamodb_store import DynamoDbStore

        return DynamoDbStore(self.table, UserKey(secret.encode()), clock=clock)

    def items(self) -> list[dict[str, Any]]:
        return list(stand_in.client().scan(TableName=self.table, ConsistentRead=True)["Items"])

    def raw(self) -> bytes:
        return json.dumps(self.items(), ensure_ascii=False).encode()

    def count(self) -> int:
        return len(self.items())

    def close(self) -> None:
        stand_in.client().delete_table(TableName=self.table)


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each store in turn: SQLite in a temporary folder, DynamoDB on dynalite."""
    chosen: SqliteBackend | DynamoBackend
    if request.param == "sqlite":
        chosen = SqliteBackend(tmp_path)
    else:
        request.getfixturevalue("dynalite")
        chosen = DynamoBackend()
    try:
        yield chosen
    finally:
        chosen.close()


def expected_key(user_id: str, secret: str = SECRET) -> str:
    """The key a record must be filed under, computed here independently."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


RECORD: dict[str, Any] = {
    "topic": "PartnerPullingAwayIntent",
    "step": 3,
    "visits": [1, 2.5, None, True, False, ""],
    "nested": {"deeper": {"list": [], "map": {}}},
    "words": "héllo – “quoted” ✓",
}


# The contract: both stores.


def test_an_unknown_person_has_an_empty_record_and_nothing_is_written(backend: Backend) -> None:
    store = backend.open()
    assert store.get_attributes(envelope_for(PRIVATE_ID)) == {}
    assert backend.count() == 0


def test_a_record_comes_back_as_it_was_saved(backend: Backend) -> None:
    store = backend.open()
    store.save_attributes(envelope_for(PRIVATE_ID), RECORD)
    assert store.get_attributes(envelope_for(PRIVATE_ID)) == RECORD
    # A fresh store on the same data reads it too: it was stored, not cached.
    assert backend.open().get_attributes(envelope_for(PRIVATE_ID)) == RECORD


def test_a_save_replaces_the_whole_record(backend: Backend) -> None:
    store = backend.open()
    me = envelope_for(PRIVATE_ID)
    store.save_attributes(me, RECORD)
    store.save_attributes(me, {"step": 4})
    assert store.get_attributes(me) == {"step": 4}
    assert backend.count() == 1


def test_people_have_records_of_their_own(backend: Backend) -> None:
    store = backend.open()
    store.save_attributes(envelope_for("amzn1.ask.account.A"), {"who": "a"})
    store.save_attributes(envelope_for("amzn1.ask.account.B"), {"who": "b"})
    assert store.get_attributes(envelope_for("amzn1.ask.account.A")) == {"who": "a"}
    assert store.get_attributes(envelope_for("amzn1.ask.account.B")) == {"who": "b"}


def test_delete_forgets_the_record_and_an_unknown_person_is_fine(backend: Backend) -> None:
    store = backend.open()
    store.save_attributes(envelope_for(PRIVATE_ID), RECORD)
    store.save_attributes(envelope_for("amzn1.ask.account.OTHER"), {"kept": True})
    store.delete_attributes(envelope_for(PRIVATE_ID))
    assert store.get_attributes(envelope_for(PRIVATE_ID)) == {}
    assert store.get_attributes(envelope_for("amzn1.ask.account.OTHER")) == {"kept": True}
    store.delete_attributes(envelope_for(PRIVATE_ID))
    store.delete_attributes(envelope_for("amzn1.ask.account.NEVER-SEEN"))
    assert backend.count() == 1


def test_records_are_filed_under_a_keyed_hash_and_the_user_id_is_never_stored(
    backend: Backend,
) -> None:
    store = backend.open()
    store.save_attributes(envelope_for(PRIVATE_ID), {"marker": "STORED-MARKER"})
    held = backend.raw()
    assert b"STORED-MARKER" in held  # the look is at what is really stored
    assert expected_key(PRIVATE_ID).encode() in held
    assert PRIVATE_ID.encode() not in held
    assert b"PRIVATE-PERSON" not in held


def test_another_secret_files_the_same_person_under_another_key(backend: Backend) -> None:
    backend.open().save_attributes(envelope_for(PRIVATE_ID), {"who": "me"})
    assert backend.open(secret=OTHER_SECRET).get_attributes(envelope_for(PRIVATE_ID)) == {}
    backend.open(secret=OTHER_SECRET).save_attributes(envelope_for(PRIVATE_ID), {"who": "too"})
    held = backend.raw()
    assert expected_key(PRIVATE_ID).encode() in held
    assert expected_key(PRIVATE_ID, OTHER_SECRET).encode() in held
    assert backend.count() == 2


def test_the_user_id_is_read_from_the_context_else_the_session(backend: Backend) -> None:
    store = backend.open()
    store.save_attributes(envelope_for(PRIVATE_ID, in_session=False), {"said": "context"})
    assert store.get_attributes(envelope_for(PRIVATE_ID, in_context=False)) == {"said": "context"}
    with pytest.raises(StoreError) as refused:
        store.get_attributes(envelope_for(None))
    assert "names no user" in str(refused.value)


def test_a_record_that_is_not_json_or_too_big_is_refused_before_anything_is_written(
    backend: Backend,
) -> None:
    store = backend.open()
    with pytest.raises(TypeError):
        store.save_attributes(envelope_for(PRIVATE_ID), {"when": {1, 2}})
    with pytest.raises(ValueError, match="bytes as JSON"):
        store.save_attributes(envelope_for(PRIVATE_ID), {"big": "x" * MAX_RECORD_BYTES})
    with pytest.raises(ValueError):
        store.save_attributes(envelope_for(PRIVATE_ID), {"nan": float("nan")})
    assert backend.count() == 0


def test_a_record_unused_for_180_days_is_gone_and_one_read_daily_is_kept(
    backend: Backend,
) -> None:
    clock = FakeClock()
    store = backend.open(clock=clock)
    store.save_attributes(envelope_for("amzn1.ask.account.READER"), {"reads": "daily"})
    store.save_attributes(envelope_for("amzn1.ask.account.GONE"), {"left": True})
    for _ in range(200):  # 200 days of reading, never writing
        clock.advance(1)
        assert store.get_attributes(envelope_for("amzn1.ask.account.READER")) == {"reads": "daily"}
    assert store.get_attributes(envelope_for("amzn1.ask.account.GONE")) == {}


def test_threads_saving_for_different_people_never_mix_records(backend: Backend) -> None:
    store = backend.open()
    people, turns = 8, 25
    start = threading.Barrier(people)
    failures: list[BaseException] = []

    def talk(person: int) -> None:
        me = envelope_for(f"amzn1.ask.account.THREAD-{person}")
        start.wait()
        try:
            for turn in range(turns):
                record = store.get_attributes(me)
                assert record.get("person", person) == person
                assert record.get("turns", []) == list(range(turn))
                store.save_attributes(
                    me,
                    {
                        "person": person,
                        "turns": [*record.get("turns", []), turn],
                        "pad": "x" * 2000,
                    },
                )
        except BaseException as error:  # reported below, with the others
            failures.append(error)

    threads = [threading.Thread(target=talk, args=(person,)) for person in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    for person in range(people):
        record = store.get_attributes(envelope_for(f"amzn1.ask.account.THREAD-{person}"))
        assert record["person"] == person
        assert record["turns"] == list(range(turns))
    assert backend.count() == people


def test_threads_saving_for_one_person_at_once_leave_one_whole_record(backend: Backend) -> None:
    """Two devices at the same instant: the last write wins, and no record is a mix."""
    store = backend.open()
    me = envelope_for(PRIVATE_ID)
    start = threading.Barrier(6)

    def save(writer: int) -> None:
        start.wait()
        for turn in range(20):
            store.save_attributes(me, {"writer": writer, "turn": turn, "body": [writer] * 300})

    threads = [threading.Thread(target=save, args=(writer,)) for writer in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    record = store.get_attributes(me)
    assert record["body"] == [record["writer"]] * 300
    assert backend.count() == 1


def test_two_processes_taking_turns_for_one_person_lose_nothing_and_keep_the_order(
    backend: Backend,
) -> None:
    """Two servers on one store (for SQLite, one file), one person, turns alternating."""
    env = {**os.environ, "CLOSER_STORE": backend.setting, "CLOSER_USER_KEY": SECRET}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.memory_turns", PRIVATE_ID],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for turn in range(60):
            worker = workers[turn % 2]
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(f"append {turn}\n")
            worker.stdin.flush()
            assert worker.stdout.readline().strip() == "ok", f"turn {turn} failed"
    finally:
        for worker in workers:
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.close()
            worker.wait(timeout=20)
            worker.stdout.close()
    assert [worker.returncode for worker in workers] == [0, 0]
    assert backend.open().get_attributes(envelope_for(PRIVATE_ID)) == {"turns": list(range(60))}


# SQLite only.


def test_sqlite_purges_unused_records_at_open_and_then_daily_on_save(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path)
    clock = FakeClock()
    store = backend.open(clock=clock)
    store.save_attributes(envelope_for("amzn1.ask.account.OLD"), {"old": True})
    clock.advance(100)
    store.save_attributes(envelope_for("amzn1.ask.account.NEWER"), {"newer": True})
    clock.advance(81)  # OLD unused for 181 days, NEWER for 81
    assert backend.count() == 2  # no purge yet: nothing has been saved since
    backend.open(clock=clock)  # a purge at open
    assert backend.count() == 1
    clock.advance(100)  # NEWER unused for 181 days
    store.save_attributes(envelope_for("amzn1.ask.account.NEW"), {"new": True})
    assert backend.count() == 1  # a purge on the first save of the day
    assert store.get_attributes(envelope_for("amzn1.ask.account.NEW")) == {"new": True}
    backend.close()


def test_sqlite_purges_at_most_once_a_day_and_reads_skip_what_is_due(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path)
    clock = FakeClock()
    store = backend.open(clock=clock)  # purged at open: the next look is a day on
    store.save_attributes(envelope_for("amzn1.ask.account.A"), {})
    clock.advance(179.9)
    store.save_attributes(envelope_for("amzn1.ask.account.B"), {})  # purges; A is not due
    clock.advance(0.6)  # A unused for 180.5 days, but the last purge was 0.6 days ago
    store.save_attributes(envelope_for("amzn1.ask.account.C"), {})
    assert backend.count() == 3
    assert store.get_attributes(envelope_for("amzn1.ask.account.A")) == {}  # due is gone
    clock.advance(0.5)
    store.save_attributes(envelope_for("amzn1.ask.account.D"), {})  # a day on: purges
    assert backend.count() == 3  # B, C, D
    backend.close()


def test_sqlite_keeps_its_file_private_and_a_deleted_record_leaves_no_trace(
    tmp_path: Path,
) -> None:
    backend = SqliteBackend(tmp_path)
    store = backend.open()
    store.save_attributes(envelope_for(PRIVATE_ID), {"said": "SOMETHING-PAINFUL"})
    store.save_attributes(envelope_for("amzn1.ask.account.OTHER"), {"said": "kept"})
    assert stat.S_IMODE(backend.path.parent.stat().st_mode) == 0o700
    for path in backend.path.parent.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert b"SOMETHING-PAINFUL" in backend.raw()
    store.delete_attributes(envelope_for(PRIVATE_ID))
    assert b"SOMETHING-PAINFUL" not in backend.raw()
    assert b"kept" in backend.raw()
    backend.close()


def test_sqlite_reads_a_damaged_record_as_empty_and_a_save_mends_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = SqliteBackend(tmp_path)
    store = backend.open()
    store.save_attributes(envelope_for(PRIVATE_ID), {"fine": True})
    with contextlib.closing(sqlite3.connect(backend.path, isolation_level=None)) as connection:
        connection.execute("UPDATE memory SET attributes = '{broken'")
    with caplog.at_level(logging.WARNING, logger="closer.memory"):
        assert store.get_attributes(envelope_for(PRIVATE_ID)) == {}
    assert "could not be read" in caplog.text
    assert PRIVATE_ID not in caplog.text and expected_key(PRIVATE_ID) not in caplog.text
    store.save_attributes(envelope_for(PRIVATE_ID), {"mended": True})
    assert store.get_attributes(envelope_for(PRIVATE_ID)) == {"mended": True}
    backend.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: path.mkdir(parents=True), "directory"),
        (lambda path: path.parent.parent.joinpath("memory").write_text("a file"), "directory"),
        (lambda path: (path.parent.mkdir(), path.write_bytes(b"not a database" * 100)), "database"),
    ],
    ids=["a folder", "a file where the folder goes", "not a database"],
)
def test_sqlite_a_path_that_cannot_be_opened_is_one_clear_error(
    tmp_path: Path, make: Any, reason: str
) -> None:
    path = tmp_path / "memory" / "memory.db"
    make(path)
    with pytest.raises(StoreError) as refused:
        SqliteStore(path, UserKey(SECRET.encode()))
    message = str(refused.value)
    assert "\n" not in message
    assert str(path) in message and reason in message


def test_sqlite_opening_a_file_another_server_is_writing_waits_for_it(tmp_path: Path) -> None:
    """Servers starting together: SQLite refuses the switch to WAL at once, without waiting.

    The other server here is a plain connection holding a write on a new file; the
    store must wait for it (within its busy timeout) rather than fail to open.
    """
    path = tmp_path / "memory.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE earlier (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO earlier VALUES (1)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        store = SqliteStore(path, UserKey(SECRET.encode()))
        assert time.monotonic() - started >= 0.25
        store.save_attributes(envelope_for(PRIVATE_ID), {"opened": True})
        store.close()
    finally:
        release.join()
        other.close()


def test_sqlite_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    SqliteStore(path, UserKey(SECRET.encode())).close()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer version"):
        SqliteStore(path, UserKey(SECRET.encode()))


def test_sqlite_a_store_closed_answers_with_a_store_error(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "memory.db", UserKey(SECRET.encode()))
    store.close()
    with pytest.raises(StoreError):
        store.get_attributes(envelope_for(PRIVATE_ID))


# DynamoDB (on dynalite) only.


def test_dynamodb_item_has_the_sdk_shape_and_a_ttl_180_days_on(dynalite: str) -> None:
    from skill.memory.dynamodb_store import DynamoDbStore

    backend = DynamoBackend()
    clock = FakeClock()
    store = DynamoDbStore(backend.table, UserKey(SECRET.encode()), clock=clock)
    store.save_attributes(envelope_for(PRIVATE_ID), {"step": 2})
    [item] = backend.items()
    assert item == {
        "id": {"S": expected_key(PRIVATE_ID)},
        "attributes": {"M": {"step": {"N": "2"}}},
        "expires_at": {"N": str(int(clock.now) + RETENTION_SECONDS)},
    }
    clock.advance(0.5)
    store.get_attributes(envelope_for(PRIVATE_ID))  # a read within the day leaves it be
    assert backend.items()[0]["expires_at"] == item["expires_at"]
    clock.advance(1)
    store.get_attributes(envelope_for(PRIVATE_ID))  # a day later, a read moves it on
    assert backend.items()[0]["expires_at"] == {"N": str(int(clock.now) + RETENTION_SECONDS)}
    backend.close()


def test_dynamodb_a_missing_table_is_a_store_error_naming_no_one(dynalite: str) -> None:
    from skill.memory.dynamodb_store import DynamoDbStore

    store = DynamoDbStore("no-such-table", UserKey(SECRET.encode()))
    for attempt in (
        lambda: store.get_attributes(envelope_for(PRIVATE_ID)),
        lambda: store.save_attributes(envelope_for(PRIVATE_ID), {"a": 1}),
        lambda: store.delete_attributes(envelope_for(PRIVATE_ID)),
    ):
        with pytest.raises(StoreError) as refused:
            attempt()
        message = str(refused.value)
        assert "\n" not in message
        assert "no-such-table" in message and "ResourceNotFoundException" in message
        assert PRIVATE_ID not in message and expected_key(PRIVATE_ID) not in message


def test_dynamodb_that_does_not_answer_is_given_up_on_within_seconds(
    dynalite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skill.memory.dynamodb_store import DynamoDbStore

    with loopback_server(never_answer) as (port, accepted):
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{port}")
        store = DynamoDbStore("memory", UserKey(SECRET.encode()))
        started = time.monotonic()
        with pytest.raises(StoreError, match="ReadTimeoutError"):
            store.get_attributes(envelope_for(PRIVATE_ID))
        took = time.monotonic() - started
    assert len(accepted) == 2  # the first try and one retry
    assert 3.5 < took < 6, took
