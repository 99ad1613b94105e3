"""Shared fixtures: the content, the Flask app, and a conversation that carries session state.

Requests are built by :mod:`skill.envelopes` in exactly the shape Alexa sends and
go through the Flask test client, so every test crosses the real web layer, the
ASK SDK serializer and dispatch. Signature verification is off here (it has its own
tests with real certificates in test_verification.py and test_security.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intents import CONTENT_DIR, Catalogue, Content, load_catalogue
from skill import envelopes
from skill.web.app import create_app
from speech.segments import plain_text


def pytest_configure(config: pytest.Config) -> None:
    """Keep every store and key the tests make out of the real data folder.

    `closer serve` keeps memory in the data folder by default; servers the tests start
    (and anything else that opens the default store) use a folder of this run.
    """
    if "CLOSER_DATA_DIR" not in os.environ:
        import tempfile

        os.environ["CLOSER_DATA_DIR"] = tempfile.mkdtemp(prefix="closer-test-data-")
    # A deployment's addresses and a local server's switch must not leak into the
    # checks of the committed package (`closer build-model --check`, `lint --publish`).
    for name in ("CLOSER_ENDPOINT", "CLOSER_PRIVACY_URL", "CLOSER_TERMS_URL"):
        os.environ.pop(name, None)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped content of every locale, loaded once."""
    return load_catalogue()


@pytest.fixture(scope="session")
def content(catalogue: Catalogue) -> Content:
    """The shipped en-US content."""
    return catalogue.default


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped content (the CLI tests edit it as an author would)."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's headless chromium through its chromedriver, with a fresh profile per module.

    Skipped when either is missing, unless CLOSER_REQUIRE_BROWSER=1 (CI).
    """
    from tests.browser import chromium, missing

    message = missing()
    if message:
        unavailable(message, "BROWSER")
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture
def app() -> Iterator[Flask]:
    """The web service with verification off, as local clients run it."""
    yield create_app({"SKIP_VERIFICATION": True, "SKILL_IDS": ()})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


class Conversation:
    """Talk to the skill over POST /alexa, carrying session attributes like Alexa does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.attributes: dict[str, Any] = {}
        self.last: dict[str, Any] = {}

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        """Post one envelope, check it is a valid skill response, remember the session."""
        reply = self.client.post("/alexa", json=request)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        body = reply.get_json()
        assert body["version"] == "1.0"
        self.attributes = body.get("sessionAttributes") or {}
        self.last = body["response"]
        return body["response"]

    def launch(self) -> dict[str, Any]:
        """Open the skill."""
        return self.send(envelopes.launch_request())

    def intent(self, name: str, **slots: str) -> dict[str, Any]:
        """Ask an intent within the current session."""
        return self.send(envelopes.intent_request(name, slots or None, attributes=self.attributes))

    @property
    def said(self) -> str:
        """What Alexa said last, as plain words."""
        return plain_text(self.last["outputSpeech"]["ssml"])

    @property
    def reprompt(self) -> str:
        """What Alexa would say if nothing is heard."""
        return plain_text(self.last["reprompt"]["outputSpeech"]["ssml"])


class _CrashRecorder(logging.Handler):
    """Collect what the skill's safety nets caught: in production an apology, here a failure."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.crashes: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.crashes.append(record)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail any test in which a well-formed request reached the catch-all.

    The apology handler and the web view's last resort answer a crash kindly and log
    it at ERROR; that must never let a test pass over a bug. A test that crashes the
    skill on purpose says so with ``@pytest.mark.crash_expected``.
    """
    recorder = _CrashRecorder()
    loggers = [logging.getLogger(f"closer.{name}") for name in ("skill", "web", "lambda")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        result = yield
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    if recorder.crashes and not item.get_closest_marker("crash_expected"):
        first = recorder.crashes[0]
        cause = first.exc_info[1] if first.exc_info else None
        pytest.fail(f"the skill crashed and apologised: {first.getMessage()} ({cause!r})")
    return result


@pytest.fixture
def talk(client: FlaskClient) -> Conversation:
    """A fresh conversation with the skill."""
    return Conversation(client)


SIMULATOR_DIR = Path(__file__).parent / "simulator"


def unavailable(message: str, requirement: str) -> NoReturn:
    """Skip a test whose system program is missing; fail it if CI requires the program.

    CI sets ``CLOSER_REQUIRE_<requirement>=1`` (NODE, BROWSER, CADDY) after installing
    it, so a broken install fails there instead of silently skipping the checks.
    """
    if os.environ.get(f"CLOSER_REQUIRE_{requirement}") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The npm packages of tests/simulator; skipped locally if absent, required in CI.

    CI sets CLOSER_REQUIRE_NODE=1 after `npm ci`, so a missing install fails there
    instead of silently skipping the third-party checks.
    """
    modules = SIMULATOR_DIR / "node_modules"
    if (
        shutil.which("node")
        and (modules / "virtual-alexa").is_dir()
        and (modules / "ask-smapi-model").is_dir()
    ):
        return modules
    unavailable("npm packages missing: run `npm ci --prefix tests/simulator`", "NODE")


@pytest.fixture(scope="session")
def dynalite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DynamoDB's stand-in: dynalite (npm) on loopback, and boto3 pointed at it; yields its URL.

    Not DynamoDB: an implementation of its HTTP API in Node.js (see tests/dynalite.py
    for what it lacks). The standard AWS variables are set for the session, with
    dummy credentials, so boto3 finds dynalite and nothing else. Skipped locally when
    the npm packages are missing, required in CI (CLOSER_REQUIRE_NODE=1).
    """
    from tests import dynalite as stand_in

    reason = stand_in.missing()
    if reason is not None:
        unavailable(f"dynalite cannot run: {reason}", "NODE")
    folder = tmp_path_factory.mktemp("dynalite")
    with (
        stand_in.running_dynalite(folder / "dynalite.log") as endpoint,
        pytest.MonkeyPatch.context() as env,
    ):
        for name, value in stand_in.aws_settings(endpoint, folder).items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        yield endpoint


def free_port() -> int:
    """A loopback port nobody is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health(base: str) -> dict[str, Any]:
    """GET /healthz of a running server."""
    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
        return dict(json.load(reply))


@contextlib.contextmanager
def running_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Run the real `closer serve` (waitress) on a free loopback port; yield its base URL."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health(base)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {log_path.read_text()}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
