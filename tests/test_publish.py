"""``closer lint --publish``: each certification check fails on what Amazon would refuse.

Most checks run on the skill package as ``ask deploy`` uploads it, so each test builds
a package ready to publish (real-looking addresses) and breaks one thing in it. What
can only go wrong in the content (the disclaimer) goes through a copy of the content
and ``closer --content DIR``; what can only go wrong in the skill's code (stop, a
reprompt) goes through the real skill with that one answer replaced.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intents import CONTENT_DIR, Catalogue
from skill import conversation
from skill.alexa import build_skill
from skill.authoring.interaction_model import DEPLOY_DIR, MODEL_PATH
from skill.authoring.lint import lint
from skill.authoring.publish import (
    configurations,
    handled_events,
    publish_problems,
    verification_problems,
)
from skill.cli import main
from skill.reminders import PERMISSION_SCOPE
from skill.state import Reply
from skill.web.app import create_app

ENDPOINT = "https://skill.closer-together.app/alexa"
ADDRESSES = {
    "CLOSER_PRIVACY_URL": "https://closer-together.app/privacy",
    "CLOSER_TERMS_URL": "https://closer-together.app/terms",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No switch of a local server in the environment these checks read."""
    monkeypatch.delenv("CLOSER_SKIP_VERIFICATION", raising=False)
    return monkeypatch


@pytest.fixture
def project(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Path:
    """A copy of deploy/ (the selfhost files too), built with a deployment's addresses."""
    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY_DIR, folder)
    for name, value in ADDRESSES.items():
        clean_env.setenv(name, value)
    assert main(["build-model", "--out", str(folder), "--endpoint", ENDPOINT]) == 0
    for name in ADDRESSES:
        clean_env.delenv(name)
    return folder


def problems_of(catalogue: Catalogue, project: Path) -> list[str]:
    return publish_problems(catalogue, project, build_skill(catalogue, catch_all=False))


def edit_manifest(project: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = project / "skill-package" / "skill.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest["manifest"])
    path.write_text(json.dumps(manifest), encoding="utf-8")


# --- the whole command -----------------------------------------------------------------------


def test_a_package_ready_to_publish_passes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "--publish", "--project", str(project)]) == 0, capsys.readouterr().err
    assert "ready to publish" in capsys.readouterr().out


def test_the_committed_package_is_not_ready_until_its_addresses_are_set(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "--publish"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (
        "skill.json endpoint 'https://your-server.invalid/alexa' is a placeholder "
        "(your-server.invalid is a reserved name): "
        "run `closer build-model --endpoint https://YOUR-DOMAIN/alexa`"
    )
    assert any(line.startswith("skill.json en-GB privacyPolicyUrl ") for line in lines)
    assert any(line.startswith("skill.json en-IN termsOfUseUrl ") for line in lines)
    assert lines[-1] == f"{len(lines) - 1} problem(s)"


def test_verification_off_in_the_environment_fails_the_command(
    project: Path, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("CLOSER_SKIP_VERIFICATION", "1")
    assert main(["lint", "--publish", "--project", str(project)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "verification: CLOSER_SKIP_VERIFICATION=1 in the environment; a published skill "
        "must verify that every request came from Alexa: remove it",
        "1 problem(s)",
    ]


def test_publish_needs_a_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--publish", "--project", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err == (
        f"closer lint: --project {tmp_path / 'none'} is not a folder\n"
    )
    assert main(["lint", "--publish", "--project", str(tmp_path)]) == 1
    assert "skill.json: cannot be read" in capsys.readouterr().err


# --- the package, one thing broken at a time ------------------------------------------------


def test_the_built_package_has_no_problem(catalogue: Catalogue, project: Path) -> None:
    assert problems_of(catalogue, project) == []


def _phrases(*phrases: str) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        manifest["publishingInformation"]["locales"]["en-AU"]["examplePhrases"] = list(phrases)

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            _phrases("Alexa, open closer together", "Alexa, ask closer together to juggle"),
            "skill.json en-AU example phrases: 'Alexa, ask closer together to juggle' "
            "is not a sample of the en-AU interaction model",
        ),
        (
            _phrases(
                "Alexa, closer together please", "Alexa, ask closer together I'm scared to open up"
            ),
            "skill.json en-AU example phrases: the first, 'Alexa, closer together please', "
            "must open the skill: 'Alexa, open closer together'",
        ),
        (
            _phrases(*["Alexa, open closer together"] * 4),
            "skill.json en-AU example phrases: there must be 1 to 3; there are 4",
        ),
        (
            lambda m: m["apis"]["custom"]["endpoint"].update(uri="https://skill.example.org/alexa"),
            "skill.json endpoint 'https://skill.example.org/alexa' is a placeholder "
            "(skill.example.org is a reserved name): "
            "run `closer build-model --endpoint https://YOUR-DOMAIN/alexa`",
        ),
        (
            lambda m: m["events"]["endpoint"].update(uri="https://203.0.113.7/alexa"),
            "skill.json events endpoint 'https://203.0.113.7/alexa' names an IP address; "
            "Alexa needs a host name with a trusted certificate: "
            "run `closer build-model --endpoint https://YOUR-DOMAIN/alexa`",
        ),
        (
            lambda m: m["apis"]["custom"]["endpoint"].update(sslCertificateType="SelfSigned"),
            "skill.json endpoint: sslCertificateType must be Trusted "
            "(a certificate from an authority Alexa trusts, such as Let's Encrypt)",
        ),
        (
            lambda m: m["privacyAndCompliance"]["locales"]["en-CA"].update(
                privacyPolicyUrl="http://closer-together.app/privacy"
            ),
            "skill.json en-CA privacyPolicyUrl 'http://closer-together.app/privacy' must start "
            "with https://: set CLOSER_PRIVACY_URL and run `closer build-model`",
        ),
        (
            lambda m: m["privacyAndCompliance"]["locales"]["en-US"].pop("termsOfUseUrl"),
            "skill.json en-US termsOfUseUrl '' is empty; give an https:// address: "
            "set CLOSER_TERMS_URL and run `closer build-model`",
        ),
        (
            lambda m: m.pop("permissions"),
            f"skill.json permissions: the skill asks for {PERMISSION_SCOPE} but does not declare it",
        ),
        (
            lambda m: m["permissions"].append({"name": "alexa::profile:email:read"}),
            "skill.json permissions: alexa::profile:email:read is declared "
            "but the skill never asks for it",
        ),
        (
            lambda m: m["events"].update(subscriptions=[]),
            "skill.json events: the skill handles SKILL_DISABLED but is not subscribed to it",
        ),
        (
            lambda m: m["events"]["subscriptions"].append({"eventName": "SKILL_ENABLED"}),
            "skill.json events: subscribed to SKILL_ENABLED, which no handler of the skill answers",
        ),
    ],
)
def test_a_broken_package_is_refused_in_one_line(
    catalogue: Catalogue,
    project: Path,
    change: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    edit_manifest(project, change)
    assert problems_of(catalogue, project) == [problem]


def test_an_invocation_name_amazon_refuses_is_reported(catalogue: Catalogue, project: Path) -> None:
    path = project / MODEL_PATH.format(locale="en-GB")
    model = json.loads(path.read_text(encoding="utf-8"))
    model["interactionModel"]["languageModel"]["invocationName"] = "open closer"
    path.write_text(json.dumps(model), encoding="utf-8")
    problems = problems_of(catalogue, project)
    assert (
        "en-GB interaction model: invocation name 'open closer' uses launch or wake words: open"
        in problems
    )
    # and the example phrases no longer name it
    assert "skill.json en-GB example phrases: the first, 'Alexa, open closer together', " in (
        " ".join(problems)
    )


def test_the_skill_handles_the_event_it_subscribes_to(catalogue: Catalogue) -> None:
    assert handled_events(build_skill(catalogue, catch_all=False)) == {"SKILL_DISABLED"}


# --- the content: the disclaimer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "missing"),
    [
        (
            "it is not a substitute\n    for professional medical",
            "it does not replace\n    professional medical",
            "'not a substitute for professional'",
        ),
        ("contact your local emergency services", "talk to someone you trust", "'emergency'"),
    ],
)
def test_a_description_without_the_disclaimer_is_refused(
    old: str,
    new: str,
    missing: str,
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    skill = content / "skill.yaml"
    text = skill.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    skill.write_text(text.replace(old, new), encoding="utf-8")
    given = ["--content", str(content)]
    assert main([*given, "build-model", "--out", str(project)]) == 0
    assert main([*given, "lint", "--project", str(project)]) == 0, "plain lint lets it pass"
    capsys.readouterr()
    assert main([*given, "lint", "--publish", "--project", str(project)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 + 5, lines  # one a locale, and the count
    assert lines[0] == (
        "skill.json en-US description: a health skill's description must say it is not a "
        "substitute for professional advice and what to do in an emergency; missing the "
        f"words {missing} (manifest.description in skill.yaml)"
    )


# --- the skill: stop and cancel end the session, every open session has a reprompt -----------


def test_stop_that_keeps_the_session_open_is_refused(
    catalogue: Catalogue, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stay(content: Any, state: Any, turn: Any) -> Reply:
        return Reply(speech=("Are you sure?",), reprompt=("Are you sure?",))

    monkeypatch.setitem(conversation.BUILTIN_INTENTS, "AMAZON.StopIntent", stay)
    problems = problems_of(catalogue, project)
    assert "en-US no topic, AMAZON.StopIntent: must end the session" in problems
    assert "en-IN PartnerPullingAwayIntent part 2, AMAZON.StopIntent: must end the session" in (
        problems
    )
    assert not [p for p in problems if "CancelIntent" in p or "after " in p]


def test_an_open_session_without_a_reprompt_is_refused(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    def silent_help(content: Any, state: Any, turn: Any) -> Reply:
        return Reply(speech=("You could ask about a topic.",))

    monkeypatch.setitem(conversation.BUILTIN_INTENTS, "AMAZON.HelpIntent", silent_help)
    problems = lint(catalogue)
    assert "en-US no topic, AMAZON.HelpIntent: keeps the session open without a reprompt" in (
        problems
    )


# --- verification on, wherever the server's settings are ------------------------------------


def _verification(project: Path, environ: dict[str, str] | None = None) -> list[str]:
    places, unread = configurations(environ or {}, project / "selfhost")
    return unread + verification_problems(places)


def test_the_shipped_selfhost_files_keep_verification_on(project: Path) -> None:
    places, unread = configurations({}, project / "selfhost")
    assert [where for where, _ in places] == [
        "the environment",
        str(project / "selfhost" / "closer-together.service"),
        str(project / "selfhost" / "closer-together.env"),
    ], "the unit's /etc/closer-together/env is read only on a machine that has it"
    assert unread == [] and verification_problems(places) == []


@pytest.mark.parametrize("value", ["1", "true", " 1 "])
def test_verification_off_in_the_unit_is_refused(project: Path, value: str) -> None:
    unit = project / "selfhost" / "closer-together.service"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(
        text.replace("[Service]\n", f'[Service]\nEnvironment="CLOSER_SKIP_VERIFICATION={value}"\n')
    )
    assert _verification(project) == [
        f"verification: CLOSER_SKIP_VERIFICATION={value} in {unit}; a published skill "
        "must verify that every request came from Alexa: remove it"
    ]


@pytest.mark.parametrize("value", ["", "0"])
def test_a_setting_that_leaves_verification_on_passes(project: Path, value: str) -> None:
    example = project / "selfhost" / "closer-together.env"
    example.write_text(example.read_text() + f"CLOSER_SKIP_VERIFICATION={value}\n")
    assert _verification(project, {"CLOSER_SKIP_VERIFICATION": value}) == []


def test_verification_off_in_the_example_env_file_is_refused(project: Path) -> None:
    example = project / "selfhost" / "closer-together.env"
    example.write_text(example.read_text() + "CLOSER_SKIP_VERIFICATION='1'\n")
    assert _verification(project) == [
        f"verification: CLOSER_SKIP_VERIFICATION=1 in {example}; a published skill "
        "must verify that every request came from Alexa: remove it"
    ]


@pytest.mark.parametrize("optional", ["", "-"])
def test_verification_off_in_the_servers_env_file_is_refused(
    project: Path, tmp_path: Path, optional: str
) -> None:
    """On the server itself, the env file the unit names is read as well."""
    server_env = tmp_path / "etc-env"
    server_env.write_text("CLOSER_SKILL_ID=amzn1.ask.skill.x\nCLOSER_SKIP_VERIFICATION=1\n")
    unit = project / "selfhost" / "closer-together.service"
    unit.write_text(
        unit.read_text().replace(
            "EnvironmentFile=/etc/closer-together/env", f"EnvironmentFile={optional}{server_env}"
        )
    )
    assert _verification(project) == [
        f"verification: CLOSER_SKIP_VERIFICATION=1 in {server_env}; a published skill "
        "must verify that every request came from Alexa: remove it"
    ]


def test_an_env_file_that_cannot_be_read_is_a_problem(project: Path, tmp_path: Path) -> None:
    unreadable = tmp_path / "env-folder"
    unreadable.mkdir()
    unit = project / "selfhost" / "closer-together.service"
    unit.write_text(
        unit.read_text().replace(
            "EnvironmentFile=/etc/closer-together/env", f"EnvironmentFile={unreadable}"
        )
    )
    assert _verification(project) == [
        f"verification: cannot read {unreadable} (Is a directory) to check that it is on"
    ]


def test_the_value_the_server_obeys_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    """The server turns verification off for "1" only; lint refuses that and more."""
    clean_env.setenv("CLOSER_SKIP_VERIFICATION", "1")
    assert create_app().extensions["closer"]["verifier"] is None
    assert verification_problems([("the environment", os.environ)])
