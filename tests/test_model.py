"""The generated interaction model and manifest: fresh, valid against Amazon's schema, linted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from intents import CONTENT_DIR, Catalogue, Content, load_catalogue
from skill.cli import main
from skill.lint import lint
from skill.model_build import (
    DEPLOY_DIR,
    MODEL_PATH,
    example_phrases,
    generated_files,
    stale_files,
    write_files,
)


def test_committed_model_and_manifest_are_fresh() -> None:
    assert main(["build-model", "--check"]) == 0


def test_check_fails_when_deploy_is_stale(tmp_path: Path, catalogue: Catalogue) -> None:
    write_files(catalogue, tmp_path)
    assert stale_files(catalogue, tmp_path) == []
    model = tmp_path / MODEL_PATH.format(locale="en-US")
    model.write_text(model.read_text().replace("my partner is pulling away", "my partner left"))
    (tmp_path / "skill-package/skill.json").unlink()
    assert stale_files(catalogue, tmp_path) == [
        MODEL_PATH.format(locale="en-US"),
        "skill-package/skill.json",
    ]
    assert write_files(catalogue, tmp_path) == [
        MODEL_PATH.format(locale="en-US"),
        "skill-package/skill.json",
    ]
    assert stale_files(catalogue, tmp_path) == []
    assert not list(tmp_path.rglob("*.tmp")), "atomic writes leave no temporary files"


def test_the_model_is_built_from_the_content(catalogue: Catalogue, content: Content) -> None:
    model = json.loads(generated_files(catalogue)[MODEL_PATH.format(locale="en-US")])
    language = model["interactionModel"]["languageModel"]
    assert language["invocationName"] == "closer together"
    names = {intent["name"] for intent in language["intents"]}
    assert names == set(content.intents)
    tip = next(i for i in language["intents"] if i["name"] == "TipIntent")
    assert tip["slots"] == [{"name": "tip", "type": "TIP"}]
    assert {v["id"] for v in language["types"][0]["values"]} == {
        v.id for v in content.slot_types["TIP"]
    }


def test_manifest_carries_disclaimer_phrases_and_compliance_flags(
    catalogue: Catalogue, content: Content
) -> None:
    manifest = json.loads(generated_files(catalogue)["skill-package/skill.json"])["manifest"]
    info = manifest["publishingInformation"]["locales"]["en-US"]
    assert "not therapy" in info["description"] and "not a substitute" in info["description"]
    assert info["examplePhrases"][0] == "Alexa, open closer together"
    samples = {s for intent in content.intents.values() for s in intent.samples}
    for phrase in info["examplePhrases"][1:]:
        assert phrase.removeprefix("Alexa, ask closer together ") in samples
    privacy = manifest["privacyAndCompliance"]
    assert privacy["isChildDirected"] is False
    assert privacy["allowsPurchases"] is False
    assert privacy["containsAds"] is False
    assert privacy["usesPersonalInfo"] is False
    assert example_phrases(content) == info["examplePhrases"]


def test_lint_passes_on_the_shipped_content(catalogue: Catalogue) -> None:
    assert lint(catalogue) == []
    assert main(["lint"]) == 0


def test_lint_reports_a_turn_that_runs_long(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    skill = content_dir / "skill.yaml"
    wordy = " ".join(["really"] * 40)
    skill.write_text(
        skill.read_text().replace("go_on: Shall I go on?", f"go_on: Shall I {wordy} go on?")
    )
    problems = lint(load_catalogue(content_dir))
    assert any("words in one turn; keep it under 60" in p for p in problems), problems[:3]


def test_lint_reports_an_invocation_name_with_a_launch_word(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    skill = content_dir / "skill.yaml"
    skill.write_text(
        skill.read_text().replace(
            "invocation_name: closer together", "invocation_name: open closer"
        )
    )
    problems = lint(load_catalogue(content_dir))
    assert "en-GB interaction model: invocation name uses launch or wake words: open" in problems


# --- Amazon's published schema (ships in the npm package ask-smapi-model) --------------


def smapi_validator(node_modules: Path, definition: str) -> jsonschema.Draft4Validator:
    """A Draft 4 validator for one definition of Amazon's SMAPI Swagger spec."""
    spec = json.loads((node_modules / "ask-smapi-model" / "spec.json").read_text(encoding="utf-8"))
    schema: dict[str, Any] = {
        "$ref": f"#/definitions/{definition}",
        "definitions": spec["definitions"],
    }
    return jsonschema.Draft4Validator(schema)


@pytest.mark.node
@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-AU", "en-CA", "en-IN"])
def test_interaction_model_validates_against_amazons_schema(
    node_modules: Path, locale: str
) -> None:
    model = json.loads((DEPLOY_DIR / MODEL_PATH.format(locale=locale)).read_text(encoding="utf-8"))
    validator = smapi_validator(node_modules, "v1.skill.interactionModel.InteractionModelData")
    errors = [e.message for e in validator.iter_errors(model)]
    assert errors == []


@pytest.mark.node
def test_schema_check_can_fail(node_modules: Path) -> None:
    model = json.loads((DEPLOY_DIR / MODEL_PATH.format(locale="en-US")).read_text(encoding="utf-8"))
    model["interactionModel"]["languageModel"]["intents"][0]["samples"] = "not a list"
    validator = smapi_validator(node_modules, "v1.skill.interactionModel.InteractionModelData")
    assert list(validator.iter_errors(model))


@pytest.mark.node
def test_manifest_validates_against_amazons_schema(node_modules: Path) -> None:
    manifest = json.loads((DEPLOY_DIR / "skill-package/skill.json").read_text(encoding="utf-8"))
    validator = smapi_validator(node_modules, "v1.skill.Manifest.SkillManifestEnvelope")
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []
