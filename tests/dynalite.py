"""DynamoDB's stand-in for the tests and the memory bench: dynalite, an npm package.

dynalite (tests/simulator/node_modules/dynalite) implements DynamoDB's HTTP API in
Node.js, in memory, on loopback; boto3 talks to it exactly as to DynamoDB, told where
by ``AWS_ENDPOINT_URL_DYNAMODB``. It is not DynamoDB: it has no TTL deletion (it
refuses UpdateTimeToLive), no IAM and no throttling, so those are not tested here.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SIMULATOR_DIR = Path(__file__).parent / "simulator"
CLI = SIMULATOR_DIR / "node_modules" / "dynalite" / "cli.js"
REGION = "us-east-1"


def missing() -> str | None:
    """Say why dynalite cannot run here, or None if it can."""
    if not shutil.which("node"):
        return "node is not installed"
    if not CLI.is_file():
        return "npm packages missing: run `npm ci --prefix tests/simulator`"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_dynalite(log_path: Path) -> Iterator[str]:
    """Run dynalite on a free loopback port until the block ends; yield its endpoint URL.

    Tables become ACTIVE at once (``--createTableMs 0``), so tests need not wait.
    """
    port = _free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["node", str(CLI), "--host", "127.0.0.1", "--port", str(port), "--createTableMs", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dynalite did not start: {log_path.read_text()}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def aws_settings(endpoint: str, folder: Path) -> dict[str, str]:
    """The standard AWS variables that point boto3 at ``endpoint``, and at nothing else.

    Dummy credentials (dynalite checks none), no config or credentials files of the
    person running the tests, and no instance metadata lookups.
    """
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "dynalite",
        "AWS_SECRET_ACCESS_KEY": "dynalite",
        "AWS_CONFIG_FILE": str(folder / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def client() -> Any:
    """A low-level boto3 DynamoDB client from the environment (for setting up and looking)."""
    import boto3

    return boto3.session.Session().client("dynamodb")


def create_table(name: str | None = None) -> str:
    """Create a memory table as the SDK's adapter expects it (string key ``id``); return its name."""
    name = name or f"memory-{uuid.uuid4().hex[:12]}"
    dynamodb = client()
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    deadline = time.monotonic() + 10
    while dynamodb.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise RuntimeError(f"table {name} did not become active")
        time.sleep(0.02)
    return name
