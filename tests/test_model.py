"""The generated interaction model and manifest: fresh, valid against Amazon's schema, linted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from intents import CONTENT_DIR, Catalogue, Content, ContentError, load_catalogue
from skill.authoring.interaction_model import (
    DEPLOY_DIR,
    MODEL_PATH,
    example_phrases,
    generated_files,
    stale_files,
    write_files,
)
from skill.authoring.lint import lint
from skill.cli import main


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


def lint_edited(tmp_path: Path, name: str, old: str, new: str) -> list[str]:
    """Lint a copy of the content with one edit made to one file."""
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    path = content_dir / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return lint(load_catalogue(content_dir))


def test_lint_reports_a_turn_that_runs_long(tmp_path: Path) -> None:
    wordy = " ".join(["really"] * 40)
    problems = lint_edited(
        tmp_path, "skill.yaml", "    - Shall I go on?", f"    - Shall I {wordy} go on?"
    )
    assert any("words in one turn; keep it under 60" in p for p in problems), problems[:3]


def test_lint_reports_one_closing_question_heard_too_often(tmp_path: Path) -> None:
    problems = lint_edited(
        tmp_path,
        "skill.yaml",
        "    - Would you like to hear more?\n    - Shall I keep going?\n"
        "    - Ready for the next part?\n",
        "    - Shall I go on?\n",
    )
    assert any(
        p.startswith("topics: 'Shall I go on?' ends ") and "at most 25%" in p for p in problems
    ), problems[:3]


def test_lint_holds_the_safety_answer_to_its_budget(tmp_path: Path) -> None:
    problems = lint_edited(
        tmp_path,
        "skill.yaml",
        "  danger: If you're in danger right now, call {emergency}.",
        "  danger: Thank you for telling me, and please know that if you are in danger right"
        " now you should call {emergency}.",
    )
    assert (
        "en-US no topic, CrisisIntent: safety answer says 19 words before its first number; "
        "at most 12" in problems
    )
    assert "en-US no topic, AbuseIntent: safety answer is 50 words; at most 40" in problems
    assert not any("repeating the numbers" in p for p in problems)


def test_lint_holds_a_repeat_of_the_numbers_to_the_numbers(tmp_path: Path) -> None:
    problems = lint_edited(
        tmp_path,
        "skill.yaml",
        "  repeat_danger: In danger, call {emergency}.",
        "  repeat_danger: Here they are again, slowly, in case you missed them. In danger, call"
        " {emergency}.",
    )
    assert any("repeating the numbers takes" in p and "at most 20" in p for p in problems)


def test_lint_wants_real_quiet_in_the_reflection(tmp_path: Path) -> None:
    problems = lint_edited(tmp_path, "reflections.yaml", "pause: 20", "pause: 5")
    assert any(
        "EveningReflectionIntent" in p and "s of quiet; at least 60" in p for p in problems
    ), problems[:3]


def test_lint_reports_an_invocation_name_with_a_launch_word(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    skill = content_dir / "skill.yaml"
    skill.write_text(
        skill.read_text().replace(
            "invocation_name: closer together", "invocation_name: open closer"
        )
    )
    with pytest.raises(ContentError) as caught:
        load_catalogue(content_dir)
    assert "content/skill.yaml:11: invocation_name uses launch or wake words: open" in (
        caught.value.errors
    )


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
