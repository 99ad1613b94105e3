"""Memory is chosen with CLOSER_STORE, keyed with CLOSER_USER_KEY or a generated key file.

Every setting that cannot be used is refused at start with one line that says what
to do, and never quotes a secret. The DynamoDB cases run against dynalite, which
stands in for DynamoDB (tests/dynalite.py).
"""

from __future__ import annotations

import stat
import sys
import threading
from pathlib import Path

import pytest

from skill.memory import StoreSettingError
from skill.memory.paths import data_dir
from skill.memory.settings import describe_store, open_store
from skill.memory.sqlite_store import SqliteStore
from skill.memory.user_key import UserKey, load_user_key
from tests.memory_turns import envelope_for

SECRET = "a-test-secret-of-more-than-32-characters"
USER = "amzn1.ask.account.SETTINGS"


def one_line_refusal(value: str | None, env: dict[str, str]) -> str:
    """Open the store, expecting a refusal; return its message, checked to be one line."""
    with pytest.raises(StoreSettingError) as refused:
        open_store(value, env)
    message = str(refused.value)
    assert "\n" not in message and message
    return message


# Where things live.


def test_the_data_folder_is_closer_data_dir_else_xdg_else_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir({"CLOSER_DATA_DIR": "/srv/closer"}) == Path("/srv/closer")
    assert data_dir({"XDG_DATA_HOME": "/xdg"}) == Path("/xdg/closer-together")
    assert data_dir({"XDG_DATA_HOME": "relative/xdg"}) == (
        tmp_path / "home" / ".local" / "share" / "closer-together"
    )
    assert data_dir({}) == tmp_path / "home" / ".local" / "share" / "closer-together"
    with pytest.raises(StoreSettingError, match="absolute path"):
        data_dir({"CLOSER_DATA_DIR": "data"})


def test_unset_means_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    env = {"CLOSER_DATA_DIR": str(tmp_path / "data")}
    store = open_store(None, env)
    assert isinstance(store, SqliteStore)
    try:
        assert store.path == tmp_path / "data" / "memory.db"
        assert describe_store(store) == f"memory: SQLite at {tmp_path / 'data' / 'memory.db'}"
        store.save_attributes(envelope_for(USER), {"kept": True})
        assert store.get_attributes(envelope_for(USER)) == {"kept": True}
    finally:
        store.close()
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_sqlite_with_an_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "mine.db"
    store = open_store(f"sqlite://{path}", {"CLOSER_USER_KEY": SECRET})
    assert isinstance(store, SqliteStore)
    store.close()
    assert store.path == path and path.is_file()


def test_none_means_no_memory(tmp_path: Path) -> None:
    env = {"CLOSER_DATA_DIR": str(tmp_path / "data")}
    assert open_store("none", env) is None
    assert open_store(" None ", env) is None
    assert "nothing is kept" in describe_store(None)
    assert not (tmp_path / "data").exists()  # no key file, no database: nothing at all


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "is not understood"),
        ("memory.db", "is not understood"),
        ("/var/lib/closer/memory.db", "is not understood"),
        ("sqlite://memory.db", "absolute path"),
        ("sqlite://", "absolute path"),
        ("sqlite:///var/lib/closer/", "absolute path"),
        ("postgres://db/closer", "unknown store 'postgres'"),
        ("dynamodb://", "table name"),
        ("dynamodb://ab", "table name"),
        ("dynamodb://my table", "table name"),
    ],
)
def test_a_value_that_cannot_be_used_is_one_line_that_says_what_to_write(
    tmp_path: Path, value: str, says: str
) -> None:
    message = one_line_refusal(value, {"CLOSER_DATA_DIR": str(tmp_path)})
    assert says in message
    assert "CLOSER_STORE=" in message
    assert "sqlite:///" in message or "dynamodb://" in message


# The user key.


def test_a_short_user_key_is_refused_without_quoting_it(tmp_path: Path) -> None:
    message = one_line_refusal(
        None,
        {"CLOSER_USER_KEY": "short-secret-31-characters-long", "CLOSER_DATA_DIR": str(tmp_path)},
    )
    assert "31 characters" in message and "at least 32" in message
    assert "short-secret" not in message
    assert load_user_key({"CLOSER_USER_KEY": "x" * 32}).of(USER) != load_user_key(
        {"CLOSER_USER_KEY": "y" * 32}
    ).of(USER)


def test_without_a_user_key_one_is_generated_once_privately_and_kept(tmp_path: Path) -> None:
    env = {"CLOSER_DATA_DIR": str(tmp_path / "data")}
    first = load_user_key(env)
    key_file = tmp_path / "data" / "user-key"
    text = key_file.read_text()
    assert len(text.strip()) == 64 and int(text, 16) > 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert [path.name for path in key_file.parent.iterdir()] == ["user-key"]  # no temporary left
    assert load_user_key(env).of(USER) == first.of(USER)
    # The file's content, given as CLOSER_USER_KEY on another server, files people alike.
    assert load_user_key({"CLOSER_USER_KEY": text.strip()}).of(USER) == first.of(USER)
    assert repr(first) == "UserKey(<secret>)"


def test_servers_starting_at_once_agree_on_the_generated_key(tmp_path: Path) -> None:
    env = {"CLOSER_DATA_DIR": str(tmp_path / "data")}
    start = threading.Barrier(8)
    keys: list[str] = []

    def start_up() -> None:
        start.wait()
        keys.append(load_user_key(env).of(USER))

    threads = [threading.Thread(target=start_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(path.name for path in (tmp_path / "data").iterdir()) == ["user-key"]


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda path: path.write_text("not hex at all\n"), "is damaged"),
        (lambda path: path.write_text("ab" * 16 + "\n"), "is damaged"),
        (lambda path: path.write_bytes(b"\xff" * 64), "cannot read"),
        (lambda path: path.mkdir(), "cannot read"),
    ],
    ids=["not hex", "too short", "not text", "a folder"],
)
def test_a_key_file_that_cannot_be_used_is_one_clear_line(
    tmp_path: Path, damage: object, says: str
) -> None:
    key_file = tmp_path / "user-key"
    assert callable(damage)
    damage(key_file)
    message = one_line_refusal(None, {"CLOSER_DATA_DIR": str(tmp_path)})
    assert says in message and str(key_file) in message


def test_a_data_folder_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    message = one_line_refusal(None, {"CLOSER_DATA_DIR": str(tmp_path / "a-file" / "data")})
    assert "cannot create the user key file" in message and "CLOSER_DATA_DIR" in message


# DynamoDB, on dynalite.


def test_dynamodb_opens_the_table_and_says_where(dynalite: str) -> None:
    from skill.memory.dynamodb_store import DynamoDbStore
    from tests.dynalite import create_table

    table = create_table()
    store = open_store(f"dynamodb://{table}", {"CLOSER_USER_KEY": SECRET})
    assert isinstance(store, DynamoDbStore)
    assert describe_store(store) == f"memory: DynamoDB table {table} in us-east-1 at {dynalite}"
    store.save_attributes(envelope_for(USER), {"kept": True})
    assert store.get_attributes(envelope_for(USER)) == {"kept": True}


def test_dynamodb_needs_a_user_key_that_every_server_shares(dynalite: str, tmp_path: Path) -> None:
    message = one_line_refusal("dynamodb://closer-memory", {"CLOSER_DATA_DIR": str(tmp_path)})
    assert "needs CLOSER_USER_KEY" in message and "every server" in message
    assert not (tmp_path / "user-key").exists()


def test_dynamodb_needs_a_region(dynalite: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    message = one_line_refusal("dynamodb://closer-memory", {"CLOSER_USER_KEY": SECRET})
    assert "AWS_DEFAULT_REGION" in message


def test_dynamodb_needs_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ask_sdk_dynamodb", None)  # as if not installed
    message = one_line_refusal("dynamodb://closer-memory", {"CLOSER_USER_KEY": SECRET})
    assert "pip install 'closer-together[dynamodb]'" in message


def test_a_user_key_is_a_partition_keygen(tmp_path: Path) -> None:
    key = UserKey(SECRET.encode())
    assert key(envelope_for(USER)) == key.of(USER)
    assert len(key.of(USER)) == 64
