"""The addresses a deployment gives the skill package: endpoint, privacy policy, terms of use.

They are settings, not content: ``closer build-model --endpoint`` or the environment
sets them, a package already built keeps its own, and the committed package carries
placeholders that can never resolve. Each setting is checked before anything is
written, with one line and exit status 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from intents import CONTENT_DIR, ContentError, load_catalogue
from skill.authoring.deploy_settings import PLACEHOLDERS, DeploySettings, read_settings
from skill.authoring.interaction_model import DEPLOY_DIR
from skill.cli import main

ENDPOINT = "https://skill.closer-together.app/alexa"
PRIVACY = "https://closer-together.app/privacy"
TERMS = "https://closer-together.app/terms"


def manifest_in(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(
        (folder / "skill-package" / "skill.json").read_text(encoding="utf-8")
    )
    return manifest


def settings_in(folder: Path) -> DeploySettings:
    return DeploySettings(**read_settings(manifest_in(folder)))


def test_the_committed_package_carries_the_placeholders() -> None:
    """No deployment's own addresses are committed; the placeholders are marked as such."""
    assert settings_in(DEPLOY_DIR) == PLACEHOLDERS
    assert all(".invalid/" in url for url in vars(PLACEHOLDERS).values())


def test_the_endpoint_is_where_alexa_posts_requests_and_events(tmp_path: Path) -> None:
    assert main(["build-model", "--out", str(tmp_path), "--endpoint", ENDPOINT]) == 0
    manifest = manifest_in(tmp_path)["manifest"]
    expected = {"uri": ENDPOINT, "sslCertificateType": "Trusted"}
    assert manifest["apis"]["custom"]["endpoint"] == expected
    assert manifest["events"]["endpoint"] == expected


def test_a_rebuild_keeps_the_addresses_and_the_environment_overrides_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLOSER_PRIVACY_URL", PRIVACY)
    monkeypatch.setenv("CLOSER_TERMS_URL", TERMS)
    assert main(["build-model", "--out", str(tmp_path), "--endpoint", ENDPOINT]) == 0
    monkeypatch.delenv("CLOSER_PRIVACY_URL")
    monkeypatch.delenv("CLOSER_TERMS_URL")
    # A content edit later: the package keeps what it was given.
    assert main(["build-model", "--out", str(tmp_path)]) == 0
    assert settings_in(tmp_path) == DeploySettings(ENDPOINT, PRIVACY, TERMS)
    assert main(["build-model", "--check", "--out", str(tmp_path)]) == 0

    monkeypatch.setenv("CLOSER_ENDPOINT", "https://other.closer-together.app/alexa")
    capsys.readouterr()
    assert main(["build-model", "--check", "--out", str(tmp_path)]) == 1
    assert "skill-package/skill.json is stale" in capsys.readouterr().err
    assert main(["build-model", "--out", str(tmp_path)]) == 0
    assert settings_in(tmp_path).endpoint == "https://other.closer-together.app/alexa"
    # The option comes before the environment.
    assert main(["build-model", "--out", str(tmp_path), "--endpoint", ENDPOINT]) == 0
    assert settings_in(tmp_path).endpoint == ENDPOINT


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("http://skill.closer-together.app/alexa", "must start with https://"),
        ("https:///alexa", "has no host name"),
        ("https://skill.closer-together.app", "needs a path, such as /alexa"),
        ("https://skill.closer-together.app/", "needs a path, such as /alexa"),
        ("https://skill.closer-together.app:8443/alexa", "must use port 443"),
        ("https://skill.closer-together.app/alexa?x=1", "must have no query or fragment"),
        ("https://me:secret@skill.closer-together.app/alexa", "must not carry a user name"),
        ("https://skill.closer-together.app:99999/alexa", "is not a URL"),
        ("skill.closer-together.app/alexa", "must start with https://"),
        ("https://skill closer/alexa", "must not contain spaces"),
        ("", "is empty"),
    ],
)
def test_an_endpoint_alexa_cannot_post_to_is_refused_in_one_line(
    endpoint: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build-model", "--out", str(tmp_path), "--endpoint", endpoint]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"closer build-model: --endpoint {endpoint!r} {why}"), err
    assert err.count("\n") == 1
    assert not list(tmp_path.iterdir()), "nothing is written"


@pytest.mark.parametrize("variable", ["CLOSER_ENDPOINT", "CLOSER_PRIVACY_URL", "CLOSER_TERMS_URL"])
def test_a_setting_in_the_environment_is_checked_too(
    variable: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, "http://closer-together.app/page")
    assert main(["build-model", "--check", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"closer build-model: {variable} 'http://closer-together.app/page' "
        "must start with https://\n"
    )


def test_a_privacy_page_needs_no_path_but_an_endpoint_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSER_PRIVACY_URL", "https://closer-together.app")
    monkeypatch.setenv("CLOSER_TERMS_URL", "https://closer-together.app/terms#use")
    assert main(["build-model", "--out", str(tmp_path)]) == 0
    assert settings_in(tmp_path).privacy_url == "https://closer-together.app"


def test_a_package_with_a_broken_address_is_rebuilt_with_the_placeholder(tmp_path: Path) -> None:
    """The package is generated: a value in it that cannot work is not kept."""
    assert main(["build-model", "--out", str(tmp_path), "--endpoint", ENDPOINT]) == 0
    path = tmp_path / "skill-package" / "skill.json"
    path.write_text(path.read_text().replace(ENDPOINT, "http://broken/alexa"))
    assert main(["build-model", "--out", str(tmp_path)]) == 0
    assert settings_in(tmp_path).endpoint == PLACEHOLDERS.endpoint


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (
            "# or in CLOSER_ENDPOINT, CLOSER_PRIVACY_URL and CLOSER_TERMS_URL (README, Deploying).\n",
            "# ...\nendpoint: https://skill.closer-together.app/alexa\n",
            "skill.yaml:16: endpoint is a deployment setting, not content: "
            "give it to closer build-model --endpoint URL (or CLOSER_ENDPOINT)",
        ),
        (
            "  category: HEALTH_AND_FITNESS\n",
            "  category: HEALTH_AND_FITNESS\n  privacy_policy_url: https://closer-together.app/p\n",
            "manifest.privacy_policy_url is a deployment setting, not content: "
            "give it to CLOSER_PRIVACY_URL",
        ),
        (
            "  category: HEALTH_AND_FITNESS\n",
            "  category: HEALTH_AND_FITNESS\n  terms_of_use_url: https://closer-together.app/t\n",
            "manifest.terms_of_use_url is a deployment setting, not content: "
            "give it to CLOSER_TERMS_URL",
        ),
    ],
)
def test_content_that_still_sets_an_address_is_told_where_it_goes(
    old: str, new: str, error: str, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    skill = content / "skill.yaml"
    text = skill.read_text(encoding="utf-8")
    assert text.count(old) == 1
    skill.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalogue(content)
    assert [e for e in caught.value.errors if error in e], caught.value.errors
