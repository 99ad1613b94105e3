"""Memory across sessions through the whole skill, on SQLite and on DynamoDB (dynalite).

The same conversation tests run on each store: the web app with the store, requests
in Alexa's shape, a new session for each visit, and a new app (a restarted server)
on the same store. dynalite stands in for DynamoDB (tests/dynalite.py says what it
lacks). The last test runs two real `closer serve` processes sharing one store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill import envelopes
from skill.dispatch import read_request_envelope
from skill.memory.settings import open_store
from skill.web.app import create_app
from tests.conftest import running_server

SECRET = "memory-skill-tests-" + "k" * 32
USER = "amzn1.ask.account.memory-test"
PARTNER = "PartnerPullingAwayIntent"
NIGHT = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store_setting(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """``CLOSER_STORE`` and its companions for each store: SQLite, DynamoDB on dynalite."""
    if request.param == "sqlite":
        yield {"CLOSER_STORE": f"sqlite://{tmp_path / 'memory.db'}", "CLOSER_USER_KEY": SECRET}
        return
    request.getfixturevalue("dynalite")
    from tests import dynalite

    table = dynalite.create_table()
    yield {
        "CLOSER_STORE": f"dynamodb://{table}",
        "CLOSER_USER_KEY": SECRET,
        **{name: os.environ[name] for name in os.environ if name.startswith("AWS_")},
    }


OpenSkill = Callable[[], "Visit"]


class Visit:
    """One server's view: the app on the store, and sessions of one person, one at a time."""

    def __init__(self, setting: dict[str, str]) -> None:
        self.store = open_store(setting["CLOSER_STORE"], setting)
        self.client: FlaskClient = create_app(
            {"SKIP_VERIFICATION": True, "SKILL_IDS": (), "STORE": self.store}
        ).test_client()
        self.session = 0
        self.attributes: dict[str, Any] = {}
        self.night = NIGHT

    def open(self, night: datetime | None = None) -> str:
        """Start a new session with a LaunchRequest; return what was said."""
        self.session += 1
        self.night = night or self.night
        self.attributes = {}
        return self._send(envelopes.launch_request(**self._common()))

    def say(self, intent: str, **slots: str) -> str:
        return self._send(envelopes.intent_request(intent, slots or None, **self._common()))

    def record(self) -> dict[str, Any]:
        return self.store.get_attributes(
            read_request_envelope(envelopes.launch_request(user_id=USER))
        )

    def _common(self) -> dict[str, Any]:
        return {
            "user_id": USER,
            "session_id": f"amzn1.echo-api.session.{id(self)}-{self.session}",
            "attributes": self.attributes,
            "timestamp": self.night.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _send(self, request: dict[str, Any]) -> str:
        reply = self.client.post("/alexa", json=request)
        assert reply.status_code == 200
        body = reply.get_json()
        self.attributes = body.get("sessionAttributes") or {}
        speech = body["response"].get("outputSpeech", {}).get("ssml", "")
        return " ".join(speech.replace("<", " <").split())


@pytest.fixture
def visit(store_setting: dict[str, str]) -> OpenSkill:
    return lambda: Visit(store_setting)


def test_a_first_visit_is_welcomed_as_new(visit: OpenSkill) -> None:
    assert "Welcome to Closer Together" in visit().open()


def test_a_new_session_and_a_restarted_server_welcome_back_and_resume_at_the_step(
    visit: OpenSkill,
) -> None:
    first = visit()
    first.open()
    first.say(PARTNER)
    assert "Step 1 of" not in first.say("AMAZON.NextIntent")  # an intro part, then...
    first.say("AMAZON.StopIntent")
    reached = first.record()
    assert reached["topic"] == PARTNER and reached["index"] == 1

    for server in (first, visit()):  # the same server, then a restarted one
        welcome = server.open(NIGHT + timedelta(days=1))
        assert "Welcome back." in welcome and "when a partner pulls away" in welcome
        resumed = server.say("AMAZON.YesIntent")
        assert server.record()["index"] == 2, resumed
        server.say("AMAZON.StopIntent")
        # back to where we were for the second round
        server.store.save_attributes(
            read_request_envelope(envelopes.launch_request(user_id=USER)), reached
        )


def test_the_reflection_moves_on_night_by_night(visit: OpenSkill) -> None:
    server = visit()
    themes = []
    for night in range(3):
        server.open(NIGHT + timedelta(days=2 * night))
        themes.append(server.say("EveningReflectionIntent"))
    assert len(set(themes)) == 3
    assert server.record()["reflections"] == 3
    server.open(NIGHT + timedelta(days=4))  # the same night as the last: the same one
    assert server.say("EveningReflectionIntent") == themes[-1]
    assert server.record()["reflections"] == 3


def test_forget_me_deletes_the_record_after_a_yes(visit: OpenSkill) -> None:
    server = visit()
    server.open()
    server.say(PARTNER)
    assert server.record()
    server.say("ForgetMeIntent")
    assert server.record(), "nothing is deleted before the yes"
    assert "forgotten" in server.say("AMAZON.YesIntent")
    assert server.record() == {}
    assert "Welcome to Closer Together" in server.open()


def test_skill_disabled_deletes_the_record(visit: OpenSkill) -> None:
    server = visit()
    server.open()
    server.say(PARTNER)
    assert server.record()
    event = envelopes.envelope({"type": "AlexaSkillEvent.SkillDisabled"}, user_id=USER)
    del event["session"]  # skill events come without a session
    reply = server.client.post("/alexa", json=event)
    assert reply.status_code == 200 and reply.get_json()["response"] == {}
    assert server.record() == {}


@pytest.mark.parametrize("intent", ["CrisisIntent", "AbuseIntent"])
def test_a_safety_turn_leaves_the_stored_record_exactly_as_it_was(
    visit: OpenSkill, intent: str
) -> None:
    server = visit()
    server.open()
    server.say(PARTNER)
    server.say("AMAZON.NextIntent")
    before = server.record()
    server.night = NIGHT + timedelta(days=3)  # even the night it was used stays unwritten
    server.say(intent)
    server.say("AMAZON.RepeatIntent")
    server.say("AMAZON.NextIntent")
    assert server.record() == before


def test_progress_counts_what_was_done(visit: OpenSkill) -> None:
    server = visit()
    server.open()
    server.say("EveningReflectionIntent")
    server.open()
    assert "one evening reflection" in server.say("ProgressIntent")


# --- two server processes sharing one store ------------------------------------------------


def post(base: str, request: dict[str, Any]) -> dict[str, Any]:
    import urllib.request

    sent = urllib.request.Request(
        f"{base}/alexa",
        data=json.dumps(request).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(sent, timeout=10) as reply:
        answer: dict[str, Any] = json.loads(reply.read())
        return answer


def test_two_servers_alternating_one_persons_turns_lose_nothing(
    store_setting: dict[str, str], tmp_path: Path
) -> None:
    env = {**store_setting, "CLOSER_SKIP_VERIFICATION": "1", "CLOSER_SKILL_ID": ""}
    with (
        running_server(env, tmp_path / "a.log") as first,
        running_server(env, tmp_path / "b.log") as second,
    ):
        servers = [first, second]
        common = {"user_id": USER, "session_id": "amzn1.echo-api.session.two"}
        post(first, envelopes.launch_request(**common))
        attributes: dict[str, Any] = {}
        steps = [PARTNER, *["AMAZON.NextIntent"] * 3]
        for turn, intent in enumerate(steps):
            answer = post(
                servers[turn % 2],
                envelopes.intent_request(intent, attributes=attributes, **common),
            )
            attributes = answer.get("sessionAttributes") or {}
        # A new session on either server resumes after the part heard last.
        welcome = post(second, envelopes.launch_request(user_id=USER))
        assert "Welcome back" in welcome["response"]["outputSpeech"]["ssml"]
        resumed = post(
            first,
            envelopes.intent_request(
                "AMAZON.YesIntent", attributes=welcome["sessionAttributes"], user_id=USER
            ),
        )
        assert resumed["sessionAttributes"]["index"] == len(steps)


# --- the commands --------------------------------------------------------------------------


def closer(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_rehearse_as_a_user_is_remembered_until_forgotten(tmp_path: Path) -> None:
    env = {"CLOSER_STORE": f"sqlite://{tmp_path / 'memory.db'}", "CLOSER_USER_KEY": SECRET}
    script = tmp_path / "visit.txt"
    script.write_text("open closer together\nmy partner is pulling away\nnext\nstop\n")
    first = closer("rehearse", "--user", "sam", "--script", str(script), env=env)
    assert first.returncode == 0, first.stderr
    assert "Welcome to Closer Together" in first.stdout
    again = closer("rehearse", "--user", "sam", "--script", str(script), env=env)
    assert "Welcome back" in again.stdout
    other = closer("rehearse", "--user", "alex", "--script", str(script), env=env)
    assert "Welcome back" not in other.stdout  # each rehearsal user has their own record
    anonymous = closer("rehearse", "--script", str(script), env=env)
    assert "Welcome back" not in anonymous.stdout  # no --user: nothing kept
    forgot = closer("forget", "--user", "sam", env=env)
    assert forgot.returncode == 0 and forgot.stdout.strip() == "forgot rehearsal user sam"
    fresh = closer("rehearse", "--user", "sam", "--script", str(script), env=env)
    assert "Welcome back" not in fresh.stdout


@pytest.mark.parametrize(
    ("args", "store", "message"),
    [
        (["serve", "--port", "0"], "sqlite://relative.db", "closer serve: "),
        (["rehearse", "--user", "sam"], "none", "closer rehearse: --user needs a store"),
        (["forget", "--user", "sam"], "mongodb://x", "closer forget: "),
        (["rehearse", "--user", "no/slashes"], "none", "is not a user name"),
    ],
)
def test_a_bad_store_setting_or_user_is_one_line(args: list[str], store: str, message: str) -> None:
    result = closer(*args, env={"CLOSER_STORE": store, "CLOSER_USER_KEY": SECRET})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # a usage error too: no usage line first
    assert message in lines[0] and "Traceback" not in result.stderr
